"""Reducing many short rows: NumPy's per-row overhead, and the column-major way around it.

NumPy reduces the last axis of an array one row at a time, with a fixed cost per row: the max
of each 32-element row of a (2048, 32) float32 array takes ~3x the time of one transposed copy
followed by a max down its columns (one long vector operation per column), and rows of 2 to 8
elements are 7-30x slower. Softmax over attention scores (rows of the sequence length), cross
entropy over few classes and max over small dims all meet this case. For ``maximum`` and
``minimum`` the order does not change the result; a sum's rounding may differ by an ulp (its
order is NumPy's pairwise one either way, and torch's differs from both).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# the longest row for which the column-major way is faster, measured per ufunc (float32 and
# float64, 128 to 100,000 rows): the extrema's per-row cost is higher than the sum's
_LONGEST_ROW = {np.maximum: 64, np.minimum: 64, np.add: 16}
_FEWEST_ROWS = 128


def reduce_kept(ufunc: Any, a: np.ndarray, axis: int, **kwargs: Any) -> np.ndarray:
    """``ufunc.reduce(a, axis=axis, keepdims=True, **kwargs)``, fast for many short rows.

    Args:
        ufunc: ``np.maximum``, ``np.minimum`` or ``np.add`` (any other ufunc reduces as usual).
        a: the array, at least 1-D.
        axis: the one axis reduced (negative counts from the end).
        **kwargs: passed to ``ufunc.reduce`` (``initial=``, ``dtype=``).

    Returns:
        The reduction, with ``axis`` kept as a size-1 dim.

    Example:
        >>> import numpy as np
        >>> reduce_kept(np.maximum, np.arange(6.0).reshape(3, 2), -1).ravel().tolist()
        [1.0, 3.0, 5.0]
    """
    ndim = a.ndim
    length = a.shape[-1] if ndim else 0
    if (
        ndim >= 2
        and axis in (-1, ndim - 1)
        and length <= _LONGEST_ROW.get(ufunc, 0)
        and a.size >= _FEWEST_ROWS * length > 0
    ):
        columns = np.ascontiguousarray(a.reshape((-1, length)).T)
        return ufunc.reduce(columns, axis=0, **kwargs).reshape(a.shape[:-1] + (1,))  # type: ignore[no-any-return]
    return ufunc.reduce(a, axis=axis, keepdims=True, **kwargs)  # type: ignore[no-any-return]


def sum_last_kept(a: np.ndarray) -> np.ndarray:
    """The sums over the last dim, kept as a size-1 dim, for rows of any length.

    A float32/float64 array is summed by one BLAS matrix-vector product of its rows (the
    leading dims folded) with a column of ones: NumPy sums rows of 32-64 one at a time, ~3x
    slower (layer norm's and attention's row sums). Other dtypes sum as ``np.sum``.

    Example:
        >>> import numpy as np
        >>> sum_last_kept(np.arange(6.0).reshape(3, 2)).ravel().tolist()
        [1.0, 5.0, 9.0]
    """
    if a.ndim == 0 or a.dtype.kind != "f" or a.dtype.itemsize < 4:
        return np.sum(a, axis=-1, keepdims=True)
    rows = a.reshape((math.prod(a.shape[:-1]), a.shape[-1])) @ np.ones((a.shape[-1], 1), a.dtype)
    return rows.reshape(a.shape[:-1] + (1,))  # type: ignore[no-any-return]
