"""dtype objects (``microtensor.float32`` ...), the default dtype and PyTorch's promotion rules.

``bfloat16`` is ``ml_dtypes.bfloat16`` (NumPy has no bfloat16 of its own), imported the first
time a bfloat16 array is made, so that ``import microtensor`` does not pay for it.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np


class dtype:  # noqa: N801 - PyTorch spells it ``torch.dtype``
    """A tensor element type; wraps a NumPy dtype and prints like ``microtensor.float32``."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, numpy_dtype: Any, kind: str = "", itemsize: builtins.int = 0):
        self.name = name
        if numpy_dtype is not None:
            self.numpy = np.dtype(numpy_dtype)
            kind, itemsize = self.numpy.kind, self.numpy.itemsize
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = kind in "fic"
        self.itemsize = itemsize

    def __getattr__(self, attr: str) -> Any:
        # only reached while a lazy dtype's ``numpy`` slot is still unset (bfloat16)
        if attr == "numpy" and self.name == "bfloat16":
            self.numpy = _bfloat16_numpy()
            return self.numpy
        raise AttributeError(f"'dtype' object has no attribute '{attr}'")

    def __repr__(self) -> str:
        return f"microtensor.{self.name}"

    def to_complex(self) -> dtype:
        """The complex dtype of this floating dtype's precision (complex dtypes: themselves).

        Raises:
            RuntimeError: for an integer or bool dtype (torch's error).
        """
        if self.is_complex:
            return self
        if not self.is_floating_point:
            raise RuntimeError(f"Unknown Complex ScalarType for {_TORCH_NAMES[self.name]}")
        return _FROM_NUMPY[_complex_of(self.numpy)]

    def to_real(self) -> dtype:
        """The real dtype of a complex dtype's parts (other dtypes: themselves)."""
        if not self.is_complex:
            return self
        return float64 if self.name == "complex128" else float32

    def __reduce__(self) -> str:
        return self.name


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)  # noqa: A001 - PyTorch's alias
float64 = double = dtype("float64", np.float64)
bfloat16 = dtype("bfloat16", None, kind="f", itemsize=2)
uint8 = dtype("uint8", np.uint8)
uint16 = dtype("uint16", np.uint16)
uint32 = dtype("uint32", np.uint32)
uint64 = dtype("uint64", np.uint64)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)  # noqa: A001 - PyTorch's alias
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001 - PyTorch's name
complex64 = cfloat = dtype("complex64", np.complex64)
complex128 = cdouble = dtype("complex128", np.complex128)

_ALL = (
    float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64, bool,
    uint16, uint32, uint64, complex64, complex128,
)  # fmt: skip
_FROM_NUMPY: dict[np.dtype, dtype] = {d.numpy: d for d in _ALL if d is not bfloat16}
# torch's "limited support" unsigned dtypes: they promote only with themselves and floats
_SHELL_UINTS = frozenset(np.dtype(t) for t in (np.uint16, np.uint32, np.uint64))
_TORCH_NAMES = {"uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "uint8": "Byte"}
_TORCH_NAMES.update(int8="Char", int16="Short", int32="Int", int64="Long", bool="Bool")
_TORCH_NAMES.update(complex64="ComplexFloat", complex128="ComplexDouble")


def _bfloat16_numpy() -> np.dtype:
    """ml_dtypes' bfloat16, imported on first use (it costs a few tenths of a second)."""
    import ml_dtypes

    np_dtype = np.dtype(ml_dtypes.bfloat16)
    _FROM_NUMPY[np_dtype] = bfloat16
    return np_dtype


_default = float32


def get_default_dtype() -> dtype:
    """Return the dtype that factories and Python floats get (``float32`` unless changed)."""
    return _default


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (``float32`` or ``float64``), as ``torch.set_default_dtype``.

    Raises:
        TypeError: if ``d`` is not a floating dtype.
    """
    global _default
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype(): only floating-point types are supported, got {d}")
    _default = d


def default_complex() -> np.dtype:
    """The dtype of Python complex numbers: complex64 (complex128 if the default is float64)."""
    return np.dtype(np.complex128 if _default is float64 else np.complex64)


def to_dtype(d: Any) -> dtype:
    """Convert a microtensor dtype, NumPy dtype, type or name to a microtensor dtype.

    Raises:
        TypeError: if ``d`` names no supported dtype.
    """
    if d.__class__ is dtype:
        return d
    if d is builtins.float:
        return _default
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    if d is builtins.complex:
        return _FROM_NUMPY[default_complex()]
    if isinstance(d, str) and d == "bfloat16":
        return bfloat16
    try:
        np_dtype = np.dtype(d)
        if np_dtype.name == "bfloat16" and np_dtype == bfloat16.numpy:
            return bfloat16
        return _FROM_NUMPY[np_dtype]
    except (TypeError, KeyError):
        names = ", ".join(x.name for x in _ALL)
        raise TypeError(f"unsupported dtype {d!r}: use one of {names}") from None


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """Return the microtensor dtype of a NumPy dtype (raises TypeError for unsupported ones)."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        return to_dtype(np_dtype)


# ml_dtypes' bfloat16 has NumPy kind "V"; it is floating
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2, "c": 3}


def result_type(a: Any, b: Any) -> np.dtype:
    """NumPy dtype of a binary op between ``a`` and ``b`` under PyTorch's promotion rules.

    ``a`` and ``b`` are NumPy arrays or Python scalars. Python scalars are "weak": they only
    raise the category (bool < integer < floating < complex), never the width, so ``float32 *
    2.5`` stays float32 and ``int64 * 2.5`` becomes the default float dtype. A 0-d array loses
    to an array with dimensions of the same category, as in PyTorch. A complex value meeting a
    floating one keeps the floating one's width: ``float64 * 1j`` is complex128, ``float32``
    with a complex128 0-d array complex64.
    """
    a_scalar = not isinstance(a, np.ndarray)
    b_scalar = not isinstance(b, np.ndarray)
    if a_scalar and b_scalar:
        return np.result_type(a, b)
    if a_scalar or b_scalar:
        arr, scalar = (b, a) if a_scalar else (a, b)
        kind = _CATEGORY.get(arr.dtype.kind, 2)
        skind = _scalar_category(scalar)
        if skind <= kind:
            return arr.dtype
        if skind == 3:
            return _complex_of(arr.dtype) if kind == 2 else default_complex()
        return _default.numpy if skind == 2 else np.dtype(np.int64)
    if a.dtype == b.dtype:
        return a.dtype
    ka, kb = _CATEGORY.get(a.dtype.kind, 2), _CATEGORY.get(b.dtype.kind, 2)
    a_dim, b_dim = a.ndim > 0, b.ndim > 0
    if a_dim != b_dim:
        # the dimensioned operand wins unless the 0-d one is of a higher category
        dim_arr, zero_arr, kd, kz = (a, b, ka, kb) if a_dim else (b, a, kb, ka)
        if kz <= kd:
            return dim_arr.dtype
        return _complex_of(dim_arr.dtype) if kz == 3 and kd == 2 else zero_arr.dtype
    if ka != kb and max(ka, kb) == 3 and min(ka, kb) == 2:  # complex64 + float64: complex128
        low, high = (a.dtype, b.dtype) if ka < kb else (b.dtype, a.dtype)
        return np.promote_types(_complex_of(low), high)
    if ka != kb and max(ka, kb) >= 2:  # a floating dtype wins outright: int64 + float32
        return a.dtype if ka > kb else b.dtype
    if a.dtype in _SHELL_UINTS or b.dtype in _SHELL_UINTS:
        _refuse_uint_promotion(a.dtype, b.dtype)
    if ka != kb:  # bool with an integer
        return a.dtype if ka > kb else b.dtype
    return np.promote_types(a.dtype, b.dtype)


def _refuse_uint_promotion(a: np.dtype, b: np.dtype) -> None:
    raise RuntimeError(
        "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
        f"{_TORCH_NAMES[a.name]} and {_TORCH_NAMES[b.name]}: convert one operand with "
        ".to() first (these dtypes mix only with themselves and floating dtypes)"
    )


def _complex_of(np_dtype: np.dtype) -> np.dtype:
    """The complex dtype with a floating dtype's precision (complex64 below float64).

    Differs from PyTorch: float16 gives complex64, as microtensor has no complex32.
    """
    return np.dtype(np.complex128 if np_dtype == np.float64 else np.complex64)


def _scalar_category(value: Any) -> builtins.int:
    if isinstance(value, builtins.bool | np.bool_):
        return 0
    if isinstance(value, builtins.int | np.integer):
        return 1
    if isinstance(value, builtins.complex | np.complexfloating):
        return 3
    return 2
