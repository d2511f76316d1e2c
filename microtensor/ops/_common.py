"""Argument handling shared by the ops: type promotion, dims, broadcasting errors."""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor

# Type tuples made once (``A | B`` in an isinstance call builds a union object on every call).
_SCALAR_OR_TENSOR = (Tensor, builtins.int, builtins.float, builtins.bool, builtins.complex)
_PY_NUMBERS = (builtins.float, builtins.int)
_INT_OR_BOOL = (builtins.int, builtins.bool)
_DIM_TYPES = (builtins.int, np.integer)


def as_tensor_arg(x: Any) -> Any:
    """Pass Tensors and Python scalars through; make other values usable as op arguments.

    NumPy scalars become Python scalars (weak, as in PyTorch, so ``np.float64(0.5) *
    float32_tensor`` stays float32); arrays and lists become constant Tensors.
    """
    if isinstance(x, np.generic):  # before the float check: np.float64 subclasses float
        return x.item()
    if isinstance(x, _SCALAR_OR_TENSOR):
        return x
    return Tensor._make(np.asarray(x))


def promote(a: Any, b: Any) -> tuple[Any, Any]:
    """Cast ``a`` and ``b`` (Tensors or Python scalars) to PyTorch's common dtype.

    NumPy already keeps a float32 array float32 against a Python float; the casts here cover
    where NumPy and PyTorch differ (int tensor with a float scalar, 0-d tensors, mixed widths).
    Casting goes through the differentiable ``to``, so gradients flow back in each input's dtype.
    """
    a, b = as_tensor_arg(a), as_tensor_arg(b)
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb and a._data.dtype == b._data.dtype:
        return a, b
    target = dtypes.result_type(a._data if ta else a, b._data if tb else b)
    if ta and a._data.dtype != target:
        a = a.to(target)
    if tb and b._data.dtype != target:
        b = b.to(target)
    return a, b


def to_float(x: Any) -> Any:
    """Cast a non-floating Tensor (or Python int) to the default float dtype."""
    if isinstance(x, Tensor):
        return x if x._data.dtype.kind in "fVc" else x.to(dtypes.get_default_dtype())
    return builtins.float(x) if isinstance(x, _INT_OR_BOOL) else x


def values(x: Any) -> Any:
    """The plain values of an array, scalar or Tensor (masks are built from values)."""
    return x._data if isinstance(x, Tensor) else x


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a Tensor, array or scalar."""
    return tuple(np.shape(values(x)))


def mismatch_sentence(sa: tuple[int, ...], sb: tuple[int, ...]) -> str:
    """PyTorch's sentence for shapes that do not broadcast (test suites match its words)."""
    n = builtins.max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return (
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i}"
            )
    return f"shapes {sa} and {sb} do not broadcast"


def matmul_sentence(sa: tuple[int, ...], sb: tuple[int, ...], broadcast: bool = True) -> str:
    """PyTorch's sentence for ``a @ b`` with inner dims that differ (shapes ``sa``, ``sb``).

    torch folds the leading dims of ``a`` into rows ("mat1 and mat2 shapes cannot be
    multiplied (14x3 and 4x5)") and, for stacks of matrices, the batch dims into one (the
    broadcast batch for matmul; each operand's own with ``broadcast=False``, as bmm).
    """
    k_a, k_b = sa[-1], sb[-2] if len(sb) > 1 else sb[0]
    rows = math.prod(sa[:-1])
    if len(sa) == len(sb) == 1:
        return (
            f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to have the "
            f"same number of elements, but got {k_a} and {k_b} elements respectively"
        )
    if len(sb) == 1:
        return f"size mismatch, got input ({rows}), mat ({rows}x{k_a}), vec ({k_b})"
    if len(sb) == 2:
        return f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and {k_b}x{sb[-1]})"
    if broadcast:
        batch_a = batch_b = math.prod(np.broadcast_shapes(sa[:-2], sb[:-2]))
    else:
        batch_a, batch_b = math.prod(sa[:-2]), math.prod(sb[:-2])
    return (
        f"Expected size for first two dimensions of batch2 tensor to be: [{batch_a}, {k_a}] "
        f"but got: [{batch_b}, {k_b}]."
    )


def broadcast_error(op: str, a: Any, b: Any) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast, with the op's name and a fix."""
    sa, sb = shape_of(a), shape_of(b)
    return RuntimeError(
        f"{op}(): {mismatch_sentence(sa, sb)}: shapes {sa} and {sb} do not broadcast (each "
        "trailing dim must be equal or 1)"
    )


def binary(op_class: Any, name: str, a: Any, b: Any) -> Tensor:
    """Promote ``a`` and ``b`` and apply a broadcasting binary op, naming it in errors."""
    if isinstance(a, Tensor):
        # fast paths: two tensors of one dtype, or a float tensor and a Python float/int
        dtype = a._data.dtype
        if not (
            (b.__class__ in _PY_NUMBERS and dtype.kind in "fV")
            or (isinstance(b, Tensor) and (b._data.dtype is dtype or b._data.dtype == dtype))
        ):
            a, b = promote(a, b)
    else:
        reflected = getattr(op_class, "_reflected", None)
        if reflected is not None and isinstance(b, Tensor):  # 2 * x: recorded as torch's x * 2
            return binary(op_class if reflected is True else reflected, name, b, a)
        a, b = promote(a, b)
    try:
        return op_class.apply(a, b)  # type: ignore[no-any-return]
    except ValueError:
        raise broadcast_error(name, a, b) from None


def int_sequence(op: str, name: str, position: int, value: Any) -> tuple[int, ...]:
    """A sizes/strides/pad argument (a sequence of ints) as a tuple of Python ints.

    Raises:
        TypeError: PyTorch's, naming the op, the argument, its position and what was passed.
    """
    where = f"{op}(): argument '{name}' (position {position}) must be tuple of ints"
    if not isinstance(value, Sequence | np.ndarray) or isinstance(value, str | bytes):
        hint = f": pass a tuple, e.g. ({value!r},)" if isinstance(value, builtins.int) else ""
        raise TypeError(f"{where}, not {type(value).__name__}{hint}")
    ints = []
    for pos, v in enumerate(value):
        try:
            ints.append(operator.index(v))
        except TypeError:
            raise TypeError(
                f"{where}, but found element of type {type(v).__name__} at pos {pos}"
            ) from None
    return tuple(ints)


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """Map a possibly negative ``dim`` into ``[0, ndim)``; a 0-d tensor accepts -1 and 0.

    Raises:
        IndexError: naming the op, the dim and the valid range.
    """
    n = builtins.max(ndim, 1)
    if not isinstance(dim, _DIM_TYPES) or isinstance(dim, builtins.bool):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(
            f"{op}(): Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim})"
        )
    return builtins.int(dim) % n


def normalize_dims(op: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative dims; None or () mean all dims.

    Raises:
        IndexError: for an out-of-range dim; RuntimeError for a repeated one.
    """
    if dim is None or (isinstance(dim, Sequence) and len(dim) == 0):
        return tuple(range(ndim))
    dims = (dim,) if not isinstance(dim, Sequence) else tuple(dim)
    out = tuple(sorted(normalize_dim(op, d, ndim) for d in dims))
    if len(set(out)) != len(out):
        repeated = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"{op}(): dim {repeated} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return out
