"""Ops built on vector p-norms: dist (the norm of a difference) and renorm (cap slice norms).

Both are compositions of ``norm`` and arithmetic, so their gradients (including the part
through the norm itself) and second derivatives follow.
"""

from __future__ import annotations

from typing import Any

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.ops._common import broadcast_error, normalize_dim
from microtensor.ops.norms import vector_norm
from microtensor.tensor import Tensor

__all__ = ["dist", "renorm"]


def dist(input: Tensor, other: Tensor, p: Any = 2) -> Tensor:  # noqa: A002
    """The p-norm of ``input - other`` (broadcast) over all elements, as a 0-d tensor.

    ``p`` may be any number, ``inf`` (the largest difference) or 0 (the count of differences).
    Complex inputs have a real distance (the norm of the complex difference).

    Raises:
        RuntimeError: if the shapes do not broadcast, or for integer inputs.

    Example:
        >>> import microtensor as mt
        >>> mt.dist(mt.tensor([1.0, 2.0]), mt.tensor([0.0, 0.0]), 3)
        tensor(2.0801)
    """
    try:
        difference = input - other
    except RuntimeError:
        raise broadcast_error("dist", input, other) from None
    if difference._data.dtype.kind == "c":  # torch.norm's path refuses complex tensors
        return vector_norm(difference, p)
    return ops.norm(difference, p)


@numpy_names
def renorm(input: Tensor, p: Any, dim: int, maxnorm: Any) -> Tensor:  # noqa: A002
    """``input`` with each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to it.

    A slice with norm ``n > maxnorm`` is multiplied by ``maxnorm / (n + 1e-7)`` (PyTorch's
    guard), others are unchanged. ``t.renorm_(...)`` writes into ``t``.

    Raises:
        RuntimeError: for fewer than 2 dims, ``p`` <= 0, or a negative ``maxnorm``.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.renorm(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), 2, 0, 2.0)
        tensor([[0.8944, 1.7889],
                [1.2000, 1.6000]])
    """
    ndim = input._data.ndim
    if ndim < 2:
        raise RuntimeError(f"renorm(): input needs at least 2 dimensions, got {ndim} dimensions")
    if p <= 0:
        raise RuntimeError(f"renorm(): non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm(): expected maxnorm to be >= 0 but got {maxnorm}")
    d = normalize_dim("renorm", dim, ndim)
    others = tuple(i for i in range(ndim) if i != d)
    if input._data.dtype.kind == "c":  # a real norm of each complex slice
        norms = vector_norm(input, p, others, keepdim=True)
    else:
        norms = ops.norm(input, p, others, keepdim=True)
    scale = ops.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return input * scale
