"""Dropout functions: ``dropout``, channel-wise ``dropout1d/2d/3d`` and ``alpha_dropout``.

Each is a composition: the input times a constant random noise tensor (plus a constant shift
for alpha dropout), so the ``Mul`` op gives the gradient, second derivatives included. The
noise comes from the default generator as torch draws it (``noise.bernoulli_(1 - p)``), so
after the same ``manual_seed`` the masks equal torch's.

That is torch's default ``bernoulli_`` kernel, the one its CPU builds run on every processor
since 2.7 (its MKL kernel for Intel processors is off, pytorch#132395).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import _rng_discrete
from microtensor.random import _generator
from microtensor.tensor import Tensor

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
]

_SELU_ALPHA = 1.7580993408473766  # -SELU's scale * alpha: the value SELU saturates to


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, p: float, noise_shape: tuple[int, ...]) -> np.ndarray:  # noqa: A002
    """1.0 where an element (or channel) is kept, with probability 1 - p; in input's dtype.

    As torch: ``noise.bernoulli_(1 - p)`` on the default generator, one float64 uniform per
    element of the noise, which for element-wise dropout is laid out like the input.
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"dropout(): expected a floating point input, got {input.dtype}: convert it with "
            ".float() first"
        )
    elementwise = noise_shape == input._data.shape
    axes = _rng_discrete.memory_axes(input._data) if elementwise else None
    keep = _rng_discrete.bernoulli_scalar(_generator(None), noise_shape, 1.0 - p, axes)
    return keep.astype(input._data.dtype)


def _apply(input: Tensor, scale: np.ndarray, shift: Any, inplace: bool) -> Tensor:  # noqa: A002
    noise = Tensor._make(scale)
    if inplace:
        input.mul_(noise)
        return input if shift is None else input.add_(Tensor._make(shift))
    out = input * noise
    return out if shift is None else out + Tensor._make(shift)


def _dropout_impl(
    input: Tensor,  # noqa: A002
    p: float,
    training: bool,
    inplace: bool,
    noise_shape: tuple[int, ...],
    alpha: bool = False,
) -> Tensor:
    """PyTorch's ``_dropout_impl``: the input itself when nothing is dropped."""
    if p == 0 or not training or input._data.size == 0:
        return input
    dtype = input._data.dtype
    if p == 1:
        return _apply(input, np.zeros((), dtype), None, inplace)
    keep = _keep_mask(input, p, noise_shape)
    if not alpha:
        return _apply(input, keep / np.asarray(1 - p, dtype), None, inplace)
    # Alpha dropout: dropped units take SELU's saturation value, then an affine map a*x + b
    # restores zero mean and unit variance.
    a = 1.0 / np.sqrt((_SELU_ALPHA**2 * p + 1) * (1 - p))
    # Each step in the input's dtype, as PyTorch rounds it.
    shift = (keep - 1) * np.asarray(_SELU_ALPHA * a, dtype) + np.asarray(_SELU_ALPHA * a * p, dtype)
    return _apply(input, keep * np.asarray(a, dtype), shift, inplace)


def _feature_shape(input: Tensor, batched: bool) -> tuple[int, ...]:  # noqa: A002
    """Noise shape for channel-wise dropout: one value per (sample,) channel."""
    lead = 2 if batched else 1
    shape = input._data.shape
    return tuple(shape[:lead]) + (1,) * (len(shape) - lead)


def _feature_dropout_few_dims(
    op: str,
    input: Tensor,  # noqa: A002
    p: float,
    training: bool,
    inplace: bool,
    alpha: bool,
) -> Tensor:
    """Channel-wise dropout of a 0-d or 1-d input: an error unless nothing is drawn."""
    if training and 0 < p < 1 and input.numel():
        raise RuntimeError(
            f"Feature dropout requires at least 2 dimensions in the input: {op}() got shape "
            f"{tuple(input.shape)}; give (N, C, *)"
        )
    return _dropout_impl(input, p, training, inplace, tuple(input.shape), alpha=alpha)


def dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Inverted dropout: the expected value of each element is unchanged, so nothing needs to
    change at evaluation time. With ``training=False`` (or ``p=0``) ``input`` itself is
    returned.

    Args:
        input: a floating-point tensor.
        p: the probability of zeroing an element.
        training: apply dropout only if True.
        inplace: overwrite ``input`` instead of making a new tensor.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
        RuntimeError: for a non-floating input in training mode.

    The mask after ``manual_seed(s)`` is torch's.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> _ = mt.manual_seed(0)
        >>> y = F.dropout(mt.ones(1000), p=0.25)
        >>> sorted(set(y.tolist())), abs(float((y == 0).float().mean()) - 0.25) < 0.05
        ([0.0, 1.3333333730697632], True)
    """
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, input._data.shape)


def _dropout_nd(
    name: str,
    input: Tensor,
    p: float,
    training: bool,
    inplace: bool,
    ndim: int,  # noqa: A002
) -> Tensor:
    """Channel-wise dropout for ``ndim`` spatial dims: input (N, C, *) or (C, *)."""
    _check_p(p)
    if input.ndim not in (ndim + 1, ndim + 2):
        raise RuntimeError(
            f"{name}: Expected {ndim + 1}D or {ndim + 2}D input, but received a {input.ndim}D "
            f"input. Note that {name} exists to provide channel-wise dropout on inputs with "
            f"{ndim} spatial dimension{'s' if ndim > 1 else ''}, a channel dimension, and an "
            f"optional batch dimension (i.e. {ndim + 1}D or {ndim + 2}D inputs)."
        )
    noise_shape = _feature_shape(input, batched=input.ndim == ndim + 2)
    return _dropout_impl(input, p, training, inplace, noise_shape)


def dropout1d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
        RuntimeError: if the input is not 2-D or 3-D.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> y = F.dropout1d(mt.ones(8, 4, 5))
        >>> bool(((y == 0).all(-1) | (y == 2).all(-1)).all())
        True
    """
    return _dropout_nd("dropout1d", input, p, training, inplace, 1)


def dropout2d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    As in PyTorch, a 3-D input is taken as ``(N, C, L)`` (1-D channel-wise dropout, with a
    warning), and other ranks warn and drop channels of dim 1.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
        RuntimeError: if dropping (training, ``0 < p < 1``) an input with fewer than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.dropout2d(mt.ones(2, 3, 4, 4), training=False).shape
        microtensor.Size([2, 3, 4, 4])
    """
    _check_p(p)
    if input.ndim != 4:
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input; channel-wise dropout is applied over "
            "dim 1 as for (N, C, *) input. Use dropout1d for (N, C, L) input, or dropout.",
            stacklevel=2,
        )
    if input.ndim < 2:
        return _feature_dropout_few_dims("dropout2d", input, p, training, inplace, alpha=False)
    return _dropout_impl(input, p, training, inplace, _feature_shape(input, batched=True))


def dropout3d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability p.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
        RuntimeError: if the input is not 4-D or 5-D.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.dropout3d(mt.ones(3, 2, 2, 2), p=0.0).shape
        microtensor.Size([3, 2, 2, 2])
    """
    return _dropout_nd("dropout3d", input, p, training, inplace, 3)


def alpha_dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Dropout for SELU networks: keeps the mean and variance of the input.

    Dropped elements become SELU's negative saturation value, then an affine map restores
    zero mean and unit variance. Note that ``training`` defaults to False, as in PyTorch.

    Raises:
        ValueError: if ``p`` is not in [0, 1].

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> _ = mt.manual_seed(0)
        >>> y = F.alpha_dropout(mt.randn(100000), 0.2, training=True)
        >>> round(abs(float(y.mean())), 1), round(float(y.std()), 1)
        (0.0, 1.0)
    """
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, input._data.shape, alpha=True)


def feature_alpha_dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Alpha dropout of whole channels of ``(N, C, *)`` input.

    As PyTorch, an input with fewer than 2 dims is returned unchanged when nothing would be
    dropped (evaluation, ``p == 0``, an empty input) and zeroed for ``p == 1``.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
        RuntimeError: if dropping (training, ``0 < p < 1``) an input with fewer than 2 dims.
    """
    _check_p(p)
    if input.ndim < 2:
        op = "feature_alpha_dropout"
        return _feature_dropout_few_dims(op, input, p, training, inplace, alpha=True)
    noise_shape = _feature_shape(input, batched=True)
    return _dropout_impl(input, p, training, inplace, noise_shape, alpha=True)
