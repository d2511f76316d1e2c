"""The gated linear unit, ``glu``: one half of the input gated by the sigmoid of the other."""

from __future__ import annotations

from microtensor.nn._functional import _activation_ops as fused
from microtensor.nn._functional.activation import _floating
from microtensor.ops._common import normalize_dim
from microtensor.tensor import Tensor

__all__ = ["glu"]


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; ``a * sigmoid(b)``.

    Raises:
        RuntimeError: for a 0-d input or an odd size along ``dim``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.glu(mt.tensor([[1.0, 2.0, 0.0, 100.0]]))
        tensor([[0.5000, 2.0000]])
    """
    _floating("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = normalize_dim("glu", dim, input.ndim)
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {size}")
    return fused.Glu.apply(input, dim)  # type: ignore[no-any-return]
