"""Tensors from data: ``tensor``, ``as_tensor``, ``asarray`` and ``from_numpy``.

Python numbers and nested lists get torch's dtype inference (floats the default dtype, ints
int64, bools bool); NumPy arrays keep their dtype. ``tensor`` always copies; the others share
memory with an array or tensor when the dtype allows. Arguments are checked as described in
``microtensor.creation``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._factory_args import _finish, check_elements, dtype_arg, on_cpu
from microtensor.tensor import Tensor

_INT64_MAX = np.iinfo(np.int64).max


def _infer_array(data: Any, caller: str = "tensor") -> np.ndarray:
    """NumPy array of ``data`` with PyTorch's dtype inference (Python floats -> default)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray | np.generic):
        return _supported(np.asarray(data), caller)
    array = _sequence_array(_plain(data), caller, None)
    if array.dtype == np.float64:
        array = array.astype(dtypes.get_default_dtype().numpy)
    elif array.dtype == np.complex128:
        array = array.astype(dtypes.default_complex())
    elif array.dtype.kind in "iu":
        if array.dtype == np.uint64 and array.size and array.max() > _INT64_MAX:
            raise ValueError(
                f"{caller}(): Overflow when unpacking long long: {array.max()} does not fit "
                f"int64; pass dtype=microtensor.uint64 or float64"
            )
        array = array.astype(np.int64)
    elif array.dtype.kind not in "fbc":
        raise TypeError(
            f"{caller}(): could not infer a numeric dtype from {type(data).__name__} "
            f"data (NumPy gave {array.dtype})"
        )
    return array


def _supported(array: np.ndarray, caller: str) -> np.ndarray:
    """``array`` if its dtype has a microtensor dtype, else torch's TypeError."""
    try:
        dtypes.from_numpy_dtype(array.dtype)
    except TypeError as error:
        raise TypeError(
            f"{caller}(): can't convert np.ndarray of type numpy.{array.dtype.type.__name__}: "
            f"{error}"
        ) from None
    return array


def _sequence_array(data: Any, caller: str, np_dtype: np.dtype | None) -> np.ndarray:
    """Nested lists of numbers as an array of ``np_dtype`` (None: NumPy's inference).

    NumPy's own inference runs first: it finds ragged lists and non-numbers (None, text),
    which a given dtype would silently turn into nan, True or parsed numbers.
    """
    try:
        inferred = np.asarray(data)
    except ValueError:
        _check_nested(data, caller)  # raises torch's error for ragged nested lists
        raise
    if inferred.dtype.kind in "OUS":
        check_elements(data, caller, dtype_given=np_dtype is not None)
        if np_dtype is None and inferred.dtype.kind == "O":  # numbers all: an int past int64
            raise ValueError(
                f"{caller}(): Overflow when unpacking long long: an integer does not fit int64; "
                "pass dtype=microtensor.float64 (or uint64) for such values"
            )
    if np_dtype is None or inferred.dtype == np_dtype:
        return inferred
    try:
        return np.array(data, dtype=np_dtype)  # from the Python numbers: one rounding
    except (OverflowError, ValueError) as error:
        if np_dtype.kind == "u" and inferred.dtype.kind == "i":  # torch wraps -max..-1 around
            info = np.iinfo(np_dtype)
            if inferred.min() >= -int(info.max) and inferred.max() <= info.max:
                return inferred.astype(np_dtype)
        raise RuntimeError(
            f"{caller}(): value cannot be converted to type {np_dtype.name} without overflow "
            f"({error}): pass a wider dtype or smaller values"
        ) from None


def _is_sequence(x: Any) -> bool:
    return isinstance(x, list | tuple | Tensor | np.ndarray)


def _check_nested(data: Any, caller: str = "tensor") -> None:
    """Raise PyTorch's error for nested lists that are not rectangular.

    As in torch, the first element at each depth fixes the expected shape.
    """
    sizes, first = [], data
    while _is_sequence(first):
        sizes.append(len(first))
        if len(first) == 0:
            break
        first = first[0]

    def walk(seq: Any, dim: int) -> None:
        for item in seq:
            if dim + 1 < len(sizes):
                if not _is_sequence(item):
                    raise TypeError(
                        f"{caller}(): not a sequence: expected a sequence of length "
                        f"{sizes[dim + 1]} at dim {dim + 1} (got {type(item).__name__})"
                    )
                if len(item) != sizes[dim + 1]:
                    raise ValueError(
                        f"{caller}(): expected sequence of length {sizes[dim + 1]} at dim "
                        f"{dim + 1} (got {len(item)}): nested lists must be rectangular, as "
                        f"the first list at dim {dim + 1} fixes the length"
                    )
                walk(item, dim + 1)
            elif _is_sequence(item):
                raise TypeError(
                    f"{caller}(): expected a number at dim {dim + 1} (got a "
                    f"{type(item).__name__}); nested lists must be rectangular"
                )

    if sizes:
        walk(data, 0)


def tensor(
    data: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor).

    Python floats give the default dtype (float32), ints give int64, bools give bool; NumPy
    arrays keep their dtype. A tensor as ``data`` is copied with torch's UserWarning (prefer
    ``t.detach().clone()``).

    Raises:
        RuntimeError: if ``requires_grad`` is set for a non-floating dtype, if ``data`` holds
            None or another object that is not a number (no ``dtype`` given: torch's "Could not
            infer dtype"), or if a value overflows ``dtype``.
        TypeError: for a string, or a non-number with a ``dtype`` given, or an array of a
            dtype microtensor lacks (object, text, complex).
        ValueError: for ragged nested lists, or a number too large for int64.

    Example:
        >>> import microtensor as mt
        >>> mt.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> mt.tensor([0.5], requires_grad=True)
        tensor([0.5000], requires_grad=True)
    """
    on_cpu(device, "tensor")
    dtype = dtype_arg(dtype, "tensor")
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), "
            "rather than microtensor.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    if dtype is None or isinstance(data, Tensor | np.ndarray | np.generic):
        array = np.array(_infer_array(data), dtype=None if dtype is None else dtype.numpy)
    else:  # straight to the dtype: no detour through float32
        array = _sequence_array(_plain(data), "tensor", dtype.numpy)
    return _finish(array, requires_grad, "tensor")


def _plain(data: Any) -> Any:
    """Replace tensors inside (nested) lists by their numbers: torch reads them as scalars.

    Raises:
        ValueError: for a tensor of more than one element inside a list (torch's sentence).
    """
    if not isinstance(data, list | tuple):
        return data
    plain = []
    for item in data:
        if isinstance(item, Tensor):
            if item.numel() != 1:
                raise ValueError(
                    f"only one element tensors can be converted to Python scalars (got a tensor "
                    f"of shape {tuple(item.shape)} inside a list): stack tensors with "
                    f"microtensor.stack instead"
                )
            item = item.item()
        plain.append(_plain(item))
    return plain


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when the dtype allows.

    Example:
        >>> import numpy as np, microtensor as mt
        >>> a = np.zeros(2); t = mt.as_tensor(a); a[0] = 1; t
        tensor([1., 0.], dtype=microtensor.float64)
    """
    on_cpu(device, "as_tensor")
    dtype = dtype_arg(dtype, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or dtype == data.dtype):
        return data
    if dtype is not None and not isinstance(data, Tensor | np.ndarray | np.generic):
        return Tensor._make(_sequence_array(_plain(data), "as_tensor", dtype.numpy))
    array = _infer_array(data, "as_tensor")
    if dtype is not None:
        array = array.astype(dtype.numpy, copy=False)
    return Tensor._make(array)


def asarray(
    obj: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool | None = None,
) -> Tensor:
    """``obj`` as a tensor, sharing memory with it when possible.

    ``copy=None`` copies only when needed, ``copy=True`` always, ``copy=False`` never (it
    raises if a copy is needed).

    ``requires_grad`` defaults to ``obj.requires_grad`` for a tensor, as in PyTorch 2.13.

    Raises:
        ValueError: if ``copy=False`` and ``obj`` is a Python sequence or needs a dtype change.

    Example:
        >>> import numpy as np, microtensor as mt
        >>> a = np.zeros(2); t = mt.asarray(a); a[0] = 1; t
        tensor([1., 0.], dtype=microtensor.float64)
    """
    on_cpu(device, "asarray")
    dtype = dtype_arg(dtype, "asarray")
    out = tensor(obj, dtype=dtype) if copy else as_tensor(obj, dtype=dtype)
    if copy is False and not _shares_memory(obj, out):
        what = type(obj).__name__ if not isinstance(obj, Tensor | np.ndarray) else "its data"
        raise ValueError(
            f"asarray(): copy=False, but {what} cannot be aliased as a tensor of dtype "
            f"{out.dtype}: pass copy=None to copy only when needed"
        )
    if requires_grad is None:
        requires_grad = isinstance(obj, Tensor) and obj.requires_grad
    if not requires_grad and out.requires_grad:
        return out.detach()
    return out.requires_grad_(True) if requires_grad and not out.requires_grad else out


def _shares_memory(obj: Any, out: Tensor) -> bool:
    source = obj._data if isinstance(obj, Tensor) else obj
    return isinstance(source, np.ndarray) and np.shares_memory(source, out._data)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes show in both).

    Raises:
        TypeError: if ``array`` is not a NumPy array of a supported dtype.

    Example:
        >>> import numpy as np, microtensor as mt
        >>> mt.from_numpy(np.arange(3))
        tensor([0, 1, 2])
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array)
