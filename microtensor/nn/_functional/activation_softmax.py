"""Softmax variants of ``nn.functional``: ``softmin`` and the Gumbel-softmax sample.

``softmax`` and ``log_softmax`` themselves are the op library's (re-exported by
``activation``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor.nn._functional.activation import _floating
from microtensor.ops import softmax
from microtensor.ops._common import normalize_dim
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["gumbel_softmax", "softmin"]


def softmin(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
) -> Tensor:
    """``softmax(-input, dim)``: small entries get the large probabilities.

    Args:
        input: a floating tensor.
        dim: the dim to normalize (None: PyTorch's deprecated implicit choice, with a warning).
        _stacklevel: PyTorch's argument for the warning's stack level.
        dtype: cast the input to this dtype first.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.softmin(mt.tensor([1.0, 2.0]), dim=0)
        tensor([0.7311, 0.2689])
    """
    tensor_input("softmin", input)
    if dim is None:
        warnings.warn(
            "Implicit dimension choice for softmin has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=_stacklevel - 1,  # PyTorch counts one more frame (its dim helper)
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)  # noqa: A001
    return softmax(-input, dim)


def gumbel_softmax(
    logits: Tensor,
    tau: float = 1,
    hard: bool = False,
    eps: float = 1e-10,
    dim: int = -1,
) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution: ``softmax((logits + g) / tau)``.

    ``g`` is Gumbel(0, 1) noise from the default generator. With ``hard`` the result is the
    one-hot vector of the sample's argmax, whose gradient is the soft sample's
    (``y_hard - y_soft.detach() + y_soft``, the straight-through estimator).

    Args:
        logits: unnormalised log-probabilities.
        tau: the temperature (lower is closer to one-hot).
        hard: return one-hot vectors.
        eps: deprecated, no effect (a warning when set).
        dim: the dim of the categories.

    The noise is torch's after the same ``manual_seed`` (``-log`` of ``exponential_`` draws).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.gumbel_softmax(mt.tensor([[0.0, 0.0, 100.0]]), hard=True)
        tensor([[0., 0., 1.]])
    """
    _floating("gumbel_softmax", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    x = logits._data
    # torch: -empty_like(logits).exponential_().log(), contiguous, in logits' dtype
    exponential = Tensor._make(np.empty(x.shape, x.dtype)).exponential_()
    noise = -np.log(exponential._data)
    y_soft = softmax((logits + Tensor._make(noise)) / tau, dim)
    if not hard:
        return y_soft
    dim = normalize_dim("gumbel_softmax", dim, x.ndim)
    index = np.argmax(y_soft._data, axis=dim)
    one_hot = np.zeros(x.shape, dtype=x.dtype)
    np.put_along_axis(one_hot, np.expand_dims(index, dim), 1, axis=dim)
    return Tensor._make(one_hot) - y_soft.detach() + y_soft
