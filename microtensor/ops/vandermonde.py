"""``vander``: the Vandermonde matrix of a vector, in NumPy's (decreasing) column order."""

from __future__ import annotations

import numpy as np

from microtensor import ops
from microtensor.tensor import Tensor

__all__ = ["vander"]


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The matrix of powers of ``x``: columns ``x**(N-1), ..., x, 1``, as ``torch.vander``.

    ``increasing=True`` reverses the columns (``torch.linalg.vander``'s order). Computed as a
    cumulative product, so the gradient flows back to ``x``; bool and integer inputs give
    int64, as PyTorch.

    Args:
        x: a 1-D tensor of n values.
        N: the number of columns (n when None).
        increasing: powers from 0 up instead of down to 0.

    Returns:
        An ``(n, N)`` tensor.

    Raises:
        RuntimeError: if ``x`` is not 1-D or ``N`` is negative.

    Example:
        >>> import microtensor as mt
        >>> mt.vander(mt.tensor([1.0, 2.0, 3.0]))
        tensor([[1., 1., 1.],
                [4., 2., 1.],
                [9., 3., 1.]])
    """
    if x._data.ndim != 1:
        raise RuntimeError(
            f"vander(): x must be a one-dimensional tensor, got shape {tuple(x.shape)}: "
            "flatten it first"
        )
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError(f"vander(): N must be non-negative, got {n}")
    if x._data.dtype.kind in "biu":
        x = x.to(np.int64)
    ones = Tensor._make(np.ones((x._data.shape[0], min(n, 1)), x._data.dtype))
    powers = ops.cat([ones, x.unsqueeze(-1).expand((x._data.shape[0], max(n - 1, 0)))], -1)
    result = ops.cumprod(powers, -1)
    return result if increasing else ops.flip(result, (-1,))  # type: ignore[no-any-return]
