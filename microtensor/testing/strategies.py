"""Hypothesis strategies for microtensor tests: shapes, broadcastable shapes, arrays, tensors.

Built on ``hypothesis.extra.numpy``; defaults keep shapes small (gradcheck is quadratic in the
number of elements) and include 0-d shapes. Importing this module needs hypothesis.

Example:
    >>> import microtensor as mt
    >>> from hypothesis import given, settings
    >>> from microtensor.testing.strategies import tensors
    >>> @settings(max_examples=5)
    ... @given(tensors(dtype=mt.float64))
    ... def check_dtype(t):
    ...     assert t.dtype == mt.float64
    >>> check_dtype()
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "microtensor.testing.strategies needs hypothesis: pip install hypothesis (the rest of "
        "microtensor.testing works without it)"
    ) from error

from microtensor import dtypes
from microtensor._data_factories import tensor
from microtensor.tensor import Tensor

__all__ = [
    "broadcastable_shapes",
    "floats_arrays",
    "mutually_broadcastable_shapes",
    "shapes",
    "tensors",
]

_FLOAT_BOUND = 10.0
_INT_BOUND = 100


def shapes(
    *, min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes with ``min_dims..max_dims`` dims, each of size ``min_side..max_side``.

    Args:
        min_dims: fewest dims (0 allows 0-d shapes).
        max_dims: most dims.
        min_side: smallest size of a dim (0 allows empty tensors).
        max_side: largest size of a dim.

    Returns:
        A strategy of shape tuples.

    Example:
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5)
        ... @given(shapes(max_dims=2, max_side=3))
        ... def check_shape(shape):
        ...     assert len(shape) <= 2 and all(1 <= s <= 3 for s in shape)
        >>> check_shape()
    """
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    shape: tuple[int, ...],
    *,
    min_dims: int = 0,
    max_dims: int | None = None,
    min_side: int = 1,
    max_side: int | None = None,
) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes that broadcast with ``shape`` (``hypothesis.extra.numpy.broadcastable_shapes``).

    Args:
        shape: the shape to broadcast against.
        min_dims: fewest dims.
        max_dims: most dims (hypothesis's default when None).
        min_side: smallest size of a dim.
        max_side: largest size of a dim (hypothesis's default when None).

    Returns:
        A strategy of shape tuples.

    Example:
        >>> import numpy as np
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5)
        ... @given(broadcastable_shapes((2, 3)))
        ... def check_broadcast(shape):
        ...     assert np.broadcast_shapes(shape, (2, 3))
        >>> check_broadcast()
    """
    return hnp.broadcastable_shapes(
        shape, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def mutually_broadcastable_shapes(
    num_shapes: int,
    *,
    base_shape: tuple[int, ...] = (),
    min_dims: int = 0,
    max_dims: int | None = None,
    min_side: int = 1,
    max_side: int | None = None,
) -> st.SearchStrategy[Any]:
    """``num_shapes`` shapes that broadcast together, and the shape they broadcast to.

    Draws ``BroadcastableShapes(input_shapes, result_shape)`` from
    ``hypothesis.extra.numpy.mutually_broadcastable_shapes``.

    Args:
        num_shapes: how many shapes to draw.
        base_shape: a shape every drawn shape broadcasts with.
        min_dims: fewest dims.
        max_dims: most dims (hypothesis's default when None).
        min_side: smallest size of a dim.
        max_side: largest size of a dim (hypothesis's default when None).

    Returns:
        A strategy of ``(input_shapes, result_shape)`` named tuples.

    Example:
        >>> import numpy as np
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5)
        ... @given(mutually_broadcastable_shapes(2))
        ... def check_pair(shapes):
        ...     assert np.broadcast_shapes(*shapes.input_shapes) == shapes.result_shape
        >>> check_pair()
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes,
        base_shape=base_shape,
        min_dims=min_dims,
        max_dims=max_dims,
        min_side=min_side,
        max_side=max_side,
    )


def floats_arrays(
    shape: Any = None,
    *,
    dtype: Any = np.float64,
    min_value: float = -_FLOAT_BOUND,
    max_value: float = _FLOAT_BOUND,
) -> st.SearchStrategy[np.ndarray]:
    """NumPy float arrays with finite values in ``[min_value, max_value]``.

    Handy for ``compare_with_torch``, which takes arrays.

    Args:
        shape: a shape tuple or a strategy of shapes; small shapes (0-d to 3-d, sides up to 4)
            when None.
        dtype: a NumPy float dtype (float16, float32 or float64).
        min_value: smallest element.
        max_value: largest element.

    Returns:
        A strategy of arrays.

    Example:
        >>> import numpy as np
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5)
        ... @given(floats_arrays((3,), min_value=0.5, max_value=2.0))
        ... def check_positive(a):
        ...     assert a.shape == (3,) and (a >= 0.5).all() and (a <= 2.0).all()
        >>> check_positive()
    """
    np_dtype = np.dtype(dtype)
    elements = _finite_floats(np_dtype, min_value, max_value)
    return hnp.arrays(np_dtype, _small_shapes() if shape is None else shape, elements=elements)


def tensors(
    shape: Any = None, dtype: Any = None, elements: Any = None, requires_grad: bool = False
) -> st.SearchStrategy[Tensor]:
    """Tensors of a given (or drawn) shape and dtype.

    Args:
        shape: a shape tuple or a strategy of shapes; small shapes (0-d to 3-d, sides up to 4)
            when None.
        dtype: a dtype (``microtensor.float32``, a NumPy dtype or a name) or a strategy of
            dtypes; the default dtype (float32) when None.
        elements: a strategy of element values; when None, finite floats in [-10, 10],
            integers in [-100, 100] (clipped to the dtype's range) or booleans; complex numbers
            whose parts are such floats.
        requires_grad: make the tensors leaves that require grad (floating and complex dtypes).

    Returns:
        A strategy of tensors.

    Raises:
        RuntimeError: if ``requires_grad`` is set for a non-floating dtype.

    Example:
        >>> import microtensor as mt
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5)
        ... @given(tensors(shape=(2, 3), dtype=mt.int64))
        ... def check_ints(t):
        ...     assert t.shape == (2, 3) and t.dtype == mt.int64
        >>> check_ints()
    """
    if isinstance(dtype, st.SearchStrategy):
        return dtype.flatmap(lambda d: tensors(shape, d, elements, requires_grad))
    mt_dtype = dtypes.to_dtype(dtype if dtype is not None else dtypes.get_default_dtype())
    if requires_grad and not (mt_dtype.is_floating_point or mt_dtype.is_complex):
        raise RuntimeError(
            f"tensors(): only floating dtypes can require gradients, got "
            f"{mt_dtype}: pass a float dtype or requires_grad=False"
        )
    values = _default_elements(mt_dtype.numpy) if elements is None else elements
    arrays = hnp.arrays(
        mt_dtype.numpy, _small_shapes() if shape is None else shape, elements=values
    )
    return arrays.map(lambda a: tensor(a, dtype=mt_dtype, requires_grad=requires_grad))


def _small_shapes() -> st.SearchStrategy[tuple[int, ...]]:
    return shapes(max_dims=3, max_side=4)


def _default_elements(np_dtype: np.dtype) -> st.SearchStrategy[Any]:
    if np_dtype.kind == "f":
        return _finite_floats(np_dtype, -_FLOAT_BOUND, _FLOAT_BOUND)
    if np_dtype.kind == "c":  # each part a finite float of the parts' precision
        part = _finite_floats(np_dtype.type(0).real.dtype, -_FLOAT_BOUND, _FLOAT_BOUND)
        return st.builds(complex, part, part)
    if np_dtype.kind == "b":
        return st.booleans()
    info = np.iinfo(np_dtype)
    return st.integers(max(int(info.min), -_INT_BOUND), min(int(info.max), _INT_BOUND))


def _finite_floats(np_dtype: np.dtype, low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high], exactly representable in ``np_dtype``."""
    widths: dict[int, Literal[16, 32, 64]] = {2: 16, 4: 32, 8: 64}
    if np_dtype.kind != "f" or np_dtype.itemsize not in widths:
        raise TypeError(
            f"floats_arrays(): dtype must be float16, float32 or float64, got {np_dtype}"
        )
    return st.floats(
        low, high, width=widths[np_dtype.itemsize], allow_nan=False, allow_infinity=False
    )
