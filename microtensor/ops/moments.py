"""Moments computed together or across variables: var_mean, std_mean, cov, corrcoef.

All are compositions of differentiable ops (mean, var, matmul), so their gradients and second
derivatives follow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes, ops
from microtensor._numpy_names import numpy_names
from microtensor.tensor import Tensor

__all__ = ["corrcoef", "cov", "std_mean", "var_mean"]


@numpy_names
def var_mean(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """``(var(input, dim, ...), mean(input, dim))`` in one call; arguments as ``var``.

    ``var_mean(x, True)`` reads the bool as ``unbiased``, as PyTorch.

    Raises:
        RuntimeError: for an integer or bool input.
        TypeError: if both ``correction`` and ``unbiased`` are given.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.var_mean(mt.tensor([[1.0, 2.0, 6.0]]), dim=1)
        (tensor([7.]), tensor([3.]))
    """
    dim, unbiased, correction = _var_args(dim, unbiased, correction)
    var = ops.var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
    return var, ops.mean(input, dim, keepdim)


@numpy_names
def std_mean(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """``(std(input, dim, ...), mean(input, dim))`` in one call; as ``var_mean``.

    Example:
        >>> import microtensor as mt
        >>> mt.std_mean(mt.tensor([1.0, 2.0, 6.0]), correction=0)
        (tensor(2.1602), tensor(3.))
    """
    dim, unbiased, correction = _var_args(dim, unbiased, correction)
    std = ops.std(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
    return std, ops.mean(input, dim, keepdim)


def _var_args(dim: Any, unbiased: bool | None, correction: Any) -> tuple[Any, Any, Any]:
    if isinstance(dim, bool):  # the old form var_mean(input, unbiased)
        dim, unbiased = None, dim
    return dim, unbiased, 1 if correction is None else correction


def cov(
    input: Tensor,  # noqa: A002
    *,
    correction: int = 1,
    fweights: Tensor | None = None,
    aweights: Tensor | None = None,
) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (columns: observations).

    ``cov = (x - mean) @ (w * (x - mean)).T / (sum(w) - correction)``, with ``w`` the product
    of the integer frequency weights ``fweights`` and the observation weights ``aweights``
    (with ``aweights`` the denominator is ``sum(w) - correction * sum(w * aweights) / sum(w)``,
    NumPy's and PyTorch's rule). A 1-d input is one variable, giving a 0-d result; a
    denominator below 0 is clamped to 0.

    Raises:
        RuntimeError: for more than 2 dims, weights that are not 1-d of the observation count,
            non-integer or negative fweights, non-floating or negative aweights.

    Example:
        >>> import microtensor as mt
        >>> mt.cov(mt.tensor([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]))
        tensor([[2.3333, 0.3333],
                [0.3333, 2.3333]])
    """
    if input._data.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input._data.ndim} dimensions"
        )
    x = input if input._data.dtype.kind in "fc" else input.to(dtypes.get_default_dtype())
    x = ops.reshape(x, (1, -1)) if x._data.ndim < 2 else x
    observations = x._data.shape[1]
    w = _cov_weights("fweights", fweights, observations, "iu")
    a = _cov_weights("aweights", aweights, observations, "f")
    if a is not None:
        w = a if w is None else w * a
    # the weights keep their own dtype (float32 aweights make float32 sums), as in PyTorch
    if w is None:
        w_sum: Any = observations
        mean = ops.mean(x, 1, keepdim=True)
    else:
        w_sum = ops.sum(w)
        mean = ops.sum(x * w, 1, keepdim=True) / w_sum
    if w is not None and correction != 0 and a is not None:
        norm = w_sum - correction * ops.sum(w * a) / w_sum
    else:
        norm = w_sum - correction
    norm = ops.clamp(norm, min=0) if isinstance(norm, Tensor) else max(norm, 0)
    centred = x - mean
    other = ops.t(centred if w is None else centred * w)
    if other._data.dtype.kind == "c":  # complex: (x - mean) @ (w * (x - mean)).mH, as torch
        other = ops.conj(other)
    return ops.squeeze(ops.matmul(centred, other) / norm)


def _cov_weights(name: str, weights: Tensor | None, count: int, kinds: str) -> Tensor | None:
    if weights is None:
        return None
    data = weights._data
    if data.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
            f"{data.ndim} dimensions"
        )
    if data.size != count:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the "
            f"input but got {data.size} != {count}"
        )
    if data.dtype.kind not in kinds:
        what = "integral" if kinds == "iu" else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {what} dtype but got {weights.dtype}")
    if data.size and np.min(data) < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative, got {np.min(data)}")
    return weights


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson correlation coefficients of the rows of ``input``: ``cov / (std_i * std_j)``.

    Clipped to [-1, 1], as PyTorch. A 1-d input gives a 0-d result (1, or NaN for a constant).

    Raises:
        RuntimeError: for more than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> mt.corrcoef(mt.tensor([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]))
        tensor([[1.0000, 0.1429],
                [0.1429, 1.0000]])
    """
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    variances = ops.diagonal(c)
    std = ops.sqrt(ops.real(variances) if variances._data.dtype.kind == "c" else variances)
    c = c / ops.unsqueeze(std, 1)
    c = c / ops.unsqueeze(std, 0)
    if c._data.dtype.kind == "c":  # torch clips the real and imaginary parts apart
        return ops.complex(ops.clamp(ops.real(c), -1.0, 1.0), ops.clamp(ops.imag(c), -1.0, 1.0))
    return ops.clamp(c, -1.0, 1.0)
