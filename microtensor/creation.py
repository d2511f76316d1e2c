"""Factories: tensor, zeros, ones, full, arange, linspace, eye, random ones, ``*_like`` forms.

Their shared arguments are checked as torch's argument parser checks them, with its
exception types:

- a size is ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``, of ints (NumPy
  ints and 0-d integer tensors too); floats, bools, NumPy arrays, ranges and generators are
  a ``TypeError``; ``full``, ``randint`` and ``normal`` want the tuple, not a bare int;
- ``dtype=`` is a microtensor dtype or ``float`` (float64), ``int`` (int64), ``bool``;
  names (``"float32"``) and NumPy dtypes are a ``TypeError``;
- ``out=`` takes the result (computed in ``out``'s dtype, resized as torch resizes it);
  ``layout=`` is ``microtensor.strided`` or None; ``requires_grad=`` and ``pin_memory=`` are
  bools, and ``requires_grad=True`` needs a floating dtype (``RuntimeError``).
"""

from __future__ import annotations

import builtins
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import (
    _fma,
    _rng_continuous,
    _rng_discrete,
    _rng_integers,
    _rng_normal,
    _rng_randperm,
    dtypes,
)
from microtensor._allocation import allocate, reports_out_of_memory
from microtensor._factory_args import (
    bool_arg,
    check_elements,
    check_requires_grad,
    dtype_arg,
    fill_for,
    int_arg,
    int_tuple,
    layout_arg,
    number_arg,
    on_cpu,
    shape_arg,
    size_arg,
    type_name,
)
from microtensor._out_argument import write_out
from microtensor.memory_format import check_memory_format
from microtensor.random import Generator, _generator
from microtensor.tensor import Tensor


def _np_dtype(dtype: Any, caller: str, default: Any = None) -> np.dtype:
    checked = dtype_arg(dtype, caller)
    return (checked or default or dtypes.get_default_dtype()).numpy


def _finish(array: np.ndarray, requires_grad: bool, caller: str) -> Tensor:
    check_requires_grad(requires_grad, array.dtype, caller)
    t = Tensor._make(array)
    return t.requires_grad_(True) if requires_grad else t


def _out_dtype(
    out: Any, dtype: Any, caller: str, layout: Any = None, pin_memory: Any = False
) -> Any:
    """The dtype a factory computes in: ``dtype``, else ``out``'s when ``out=`` is given.

    Also checks ``layout=`` and ``pin_memory=``, which every factory with ``out=`` takes.

    Raises:
        TypeError: if ``out`` is not a tensor.
        RuntimeError: if ``dtype`` and ``out``'s dtype differ (torch's sentence).
    """
    layout_arg(layout, caller)
    bool_arg(pin_memory, caller, "pin_memory")
    dtype = dtype_arg(dtype, caller)
    if out is None:
        return dtype
    if not isinstance(out, Tensor):
        raise TypeError(
            f"{caller}(): argument 'out' must be Tensor, not {type_name(out)}: pass a tensor "
            f"to write into, or leave out= out"
        )
    if dtype is not None and dtype != out.dtype:
        raise RuntimeError(
            f"{caller}(): dtype {dtype} does not match dtype of out parameter ({out.dtype}): "
            f"pass dtype={out.dtype} or leave dtype out"
        )
    return out.dtype


def _into(out: Tensor | None, result: Tensor, caller: str) -> Tensor:
    """``result`` itself, or written into ``out`` (resized as torch resizes it) when given."""
    if out is None:
        return result
    written = write_out(out, result.detach(), caller)
    return written.requires_grad_(True) if result.requires_grad else written


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
    elif array.dtype.kind in "iu":
        if array.dtype == np.uint64 and array.size and array.max() > _INT64_MAX:
            raise ValueError(
                f"{caller}(): Overflow when unpacking long long: {array.max()} does not fit "
                f"int64; pass dtype=microtensor.uint64 or float64"
            )
        array = array.astype(np.int64)
    elif array.dtype.kind not in "fb":
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


@reports_out_of_memory
def zeros(
    *sizes: Any,
    size: Any = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor of zeros.

    Example:
        >>> import microtensor as mt
        >>> mt.zeros(2, 3).shape
        microtensor.Size([2, 3])
    """
    on_cpu(device, "zeros")
    shape = size_arg(sizes, "zeros", keyword=size)
    np_dtype = _np_dtype(_out_dtype(out, dtype, "zeros", layout, pin_memory), "zeros")
    result = _finish(allocate(np.zeros, shape, np_dtype, "zeros"), requires_grad, "zeros")
    return _into(out, result, "zeros")


@reports_out_of_memory
def ones(
    *sizes: Any,
    size: Any = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor of ones.

    Example:
        >>> import microtensor as mt
        >>> mt.ones(2)
        tensor([1., 1.])
    """
    on_cpu(device, "ones")
    shape = size_arg(sizes, "ones", keyword=size)
    np_dtype = _np_dtype(_out_dtype(out, dtype, "ones", layout, pin_memory), "ones")
    result = _finish(allocate(np.ones, shape, np_dtype, "ones"), requires_grad, "ones")
    return _into(out, result, "ones")


@reports_out_of_memory
def empty(
    *sizes: Any,
    size: Any = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """An uninitialised tensor (here: zeros, so results never depend on garbage).

    Example:
        >>> import microtensor as mt
        >>> mt.empty(2, 3, device="cpu", memory_format=mt.contiguous_format).shape
        microtensor.Size([2, 3])
    """
    on_cpu(device, "empty")
    dtype = _out_dtype(out, dtype, "empty", layout, pin_memory)
    shape = size_arg(sizes, "empty", keyword=size)
    _check_format_rank(memory_format, len(shape), "empty")
    np_dtype = _np_dtype(dtype, "empty")
    result = _finish(allocate(np.zeros, shape, np_dtype, "empty"), requires_grad, "empty")
    return _into(out, result, "empty")


@reports_out_of_memory
def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """An uninitialised (zero) tensor of ``size``; ``stride`` is checked, then not used.

    Differs from PyTorch: the tensor has NumPy's contiguous layout whatever ``stride`` says
    (values and shapes never depend on it).

    Raises:
        TypeError: if ``size`` or ``stride`` is not a tuple of ints.
        RuntimeError: if ``stride`` and ``size`` differ in length, or a size or stride is
            negative.

    Example:
        >>> import microtensor as mt
        >>> mt.empty_strided((2, 3), (1, 2)).shape
        microtensor.Size([2, 3])
    """
    on_cpu(device, "empty_strided")
    shape = shape_arg(size, "empty_strided")
    strides = int_tuple(stride, "empty_strided", "stride", 2)
    if len(strides) != len(shape):
        raise RuntimeError(
            f"empty_strided(): mismatch in length of strides and shape: size {shape} "
            f"has {len(shape)} dims, stride {strides} has {len(strides)}"
        )
    if any(n < 0 for n in strides):
        raise RuntimeError(
            f"empty_strided(): Storage size calculation overflowed with sizes={list(shape)} and "
            f"strides={list(strides)}: strides must be non-negative"
        )
    layout_arg(layout, "empty_strided")
    np_dtype = _np_dtype(dtype, "empty_strided")
    return _finish(
        allocate(np.zeros, shape, np_dtype, "empty_strided"), requires_grad, "empty_strided"
    )


@reports_out_of_memory
def empty_permuted(
    size: Any,
    physical_layout: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """An uninitialised (zero) tensor of ``size``; ``physical_layout`` is checked, then not used.

    Differs from PyTorch: the tensor has NumPy's contiguous layout whatever the physical
    layout says (values and shapes never depend on it).

    Raises:
        RuntimeError: if ``physical_layout`` is not a permutation of the dims of ``size``.

    Example:
        >>> import microtensor as mt
        >>> mt.empty_permuted((2, 3, 4), (0, 2, 1)).shape
        microtensor.Size([2, 3, 4])
    """
    on_cpu(device, "empty_permuted")
    shape = shape_arg(size, "empty_permuted")
    layout_dims = int_tuple(physical_layout, "empty_permuted", "physical_layout", 2)
    if sorted(layout_dims) != list(range(len(shape))):
        raise RuntimeError(
            f"empty_permuted(): physical_layout {layout_dims} is not a permutation "
            f"of the {len(shape)} dims of size {shape}"
        )
    layout_arg(layout, "empty_permuted")
    np_dtype = _np_dtype(dtype, "empty_permuted")
    return _finish(
        allocate(np.zeros, shape, np_dtype, "empty_permuted"), requires_grad, "empty_permuted"
    )


@reports_out_of_memory
def full(
    size: Any,
    fill_value: Any,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype is inferred from it as in PyTorch.

    Raises:
        TypeError: if ``fill_value`` is not a number or a 0-d tensor.
        RuntimeError: if ``fill_value`` overflows ``dtype`` (torch's check).

    Example:
        >>> import microtensor as mt
        >>> mt.full((2,), 7)
        tensor([7, 7])
    """
    on_cpu(device, "full")
    shape = shape_arg(size, "full")
    fill = _fill_number(fill_value, "full")
    dtype = _out_dtype(out, dtype, "full", layout, pin_memory)
    np_dtype = _infer_array(fill).dtype if dtype is None else dtype.numpy
    fill = fill_for(fill, np_dtype, "full")
    result = _finish(allocate(np.full, shape, np_dtype, "full", fill), requires_grad, "full")
    return _into(out, result, "full")


def _fill_number(value: Any, caller: str, name: str = "fill_value", position: int = 2) -> Any:
    """A number-valued argument as a number or 0-d array: torch's TypeError for anything else."""
    if isinstance(value, Tensor):
        if value.dim() > 0:
            raise TypeError(
                f"{caller}(): argument '{name}' (position {position}) must be Number, not "
                f"Tensor of shape {tuple(value.shape)}; pass a number or a 0-d tensor"
            )
        return value._data  # a 0-d array: its dtype guides full()'s inference
    return number_arg(value, caller, name, position)


_CHANNELS_LAST_RANKS = {"channels_last": 4, "channels_last_3d": 5}


def _check_format_rank(memory_format: Any, ndim: int, caller: str) -> None:
    """Check, as torch does, that a channels-last ``memory_format`` fits ``ndim`` dims."""
    check_memory_format(memory_format, caller)
    rank = _CHANNELS_LAST_RANKS.get(getattr(memory_format, "name", ""))
    if rank is not None and ndim != rank:
        raise RuntimeError(
            f"{caller}(): required rank {rank} tensor to use {memory_format.name} format, "
            f"got a {ndim}-D tensor: use memory_format=microtensor.contiguous_format"
        )


def _like(
    input: Tensor,  # noqa: A002
    dtype: Any,
    device: Any,
    memory_format: Any,
    caller: str,
    layout: Any = None,
) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and NumPy dtype of a ``*_like`` result; checks input, device and memory format."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{caller}(): argument 'input' (position 1) must be Tensor, not {type_name(input)}: "
            f"pass a tensor, e.g. {caller}(microtensor.tensor(...))"
        )
    on_cpu(device, caller)
    layout_arg(layout, caller)
    _check_format_rank(memory_format, input.ndim, caller)
    return input.shape, input._data.dtype if dtype is None else _np_dtype(dtype, caller)


@reports_out_of_memory
def zeros_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Zeros with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.zeros_like(mt.ones(2, dtype=mt.int64), memory_format=mt.preserve_format)
        tensor([0, 0])
    """
    shape, np_dtype = _like(input, dtype, device, memory_format, "zeros_like", layout)
    return _finish(np.zeros(shape, np_dtype), requires_grad, "zeros_like")


@reports_out_of_memory
def ones_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Ones with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.ones_like(mt.zeros(2), device="cpu")
        tensor([1., 1.])
    """
    shape, np_dtype = _like(input, dtype, device, memory_format, "ones_like", layout)
    return _finish(np.ones(shape, np_dtype), requires_grad, "ones_like")


@reports_out_of_memory
def empty_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """An uninitialised (zero) tensor with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.empty_like(mt.ones(2, 3)).shape
        microtensor.Size([2, 3])
    """
    shape, np_dtype = _like(input, dtype, device, memory_format, "empty_like", layout)
    return _finish(np.zeros(shape, np_dtype), requires_grad, "empty_like")


@reports_out_of_memory
def full_like(
    input: Tensor,  # noqa: A002
    fill_value: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """``fill_value`` with input's shape and dtype.

    Raises:
        TypeError: if ``input`` is not a tensor, or ``fill_value`` not a number or 0-d tensor.
        RuntimeError: if ``fill_value`` overflows the dtype (torch's check).

    Example:
        >>> import microtensor as mt
        >>> mt.full_like(mt.zeros(2), 7)
        tensor([7., 7.])
    """
    shape, np_dtype = _like(input, dtype, device, memory_format, "full_like", layout)
    fill = fill_for(_fill_number(fill_value, "full_like"), np_dtype, "full_like")
    return _finish(
        allocate(np.full, shape, np_dtype, "full_like", fill), requires_grad, "full_like"
    )


def scalar_tensor(
    s: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A 0-d tensor holding the number ``s``, in the default dtype unless ``dtype`` is given.

    Example:
        >>> import microtensor as mt
        >>> mt.scalar_tensor(3)
        tensor(3.)
        >>> mt.scalar_tensor(3, dtype=mt.int64)
        tensor(3)
    """
    on_cpu(device, "scalar_tensor")
    s = _fill_number(s, "scalar_tensor", "s", 1)
    return _finish(
        np.array(s, dtype=_np_dtype(dtype, "scalar_tensor")), requires_grad, "scalar_tensor"
    )


@reports_out_of_memory
def arange(
    start: Any = None,
    end: Any = None,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 if all are ints.

    Raises:
        TypeError: if an argument is not a number (or a 0-d tensor).
        RuntimeError: if ``step`` is zero or has the wrong sign, or an end is not finite.

    Example:
        >>> import microtensor as mt
        >>> mt.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> mt.arange(0, 1, 0.25)
        tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    on_cpu(device, "arange")
    dtype = _out_dtype(out, dtype, "arange", layout, pin_memory)
    if end is None:  # arange(end); a missing end is refused below, as a non-number
        start, end = 0, start
    elif start is None:  # arange(end=...), torch's start=0
        start = 0
    start, end, step = (
        _fill_number(x, "arange", name, position).item() if isinstance(x, Tensor) else
        number_arg(x, "arange", name, position)
        for x, name, position in ((start, "start", 1), (end, "end", 2), (step, "step", 3))
    )  # fmt: skip
    if not all(np.isfinite(x) for x in (start, end)):
        raise RuntimeError(
            f"arange(): unsupported range: {start} -> {end} (the ends must be finite)"
        )
    if step == 0 or step != step:  # torch reads a nan step as zero too
        raise RuntimeError(
            f"arange(): step must be nonzero (got step={step}): pass a positive step to count "
            f"up, a negative one to count down"
        )
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step}): {'a negative' if end < start else 'a positive'} step "
            f"goes from start to end"
        )
    integral = all(isinstance(x, builtins.int | np.integer) for x in (start, end, step))
    np_dtype = _np_dtype(dtype, "arange", dtypes.int64 if integral else None)
    values = _arange_values(start, end, step, np_dtype)
    return _into(out, _finish(values, requires_grad, "arange"), "arange")


def _arange_values(start: Any, end: Any, step: Any, np_dtype: np.dtype) -> np.ndarray:
    """``arange``'s values in ``np_dtype``, with torch's rules for integer dtypes.

    An integer dtype takes the ends and step truncated to integers (arange(0.5, 3, 1.5,
    dtype=int32) steps by 1); int64 also counts its values from them, the narrower ones from
    the real numbers, as torch's kernel does.

    Raises:
        NotImplementedError: for bool, as torch.
        ValueError: if the step truncates to zero for int64 (torch's sentence).
    """
    if np_dtype.kind == "b":
        raise NotImplementedError(
            "arange(): \"arange_cpu\" not implemented for 'Bool': pass an integer or floating "
            "dtype, then .bool()"
        )
    if np_dtype.kind not in "iu":
        return np.arange(start, end, step).astype(np_dtype)
    first, last, stride = builtins.int(start), builtins.int(end), builtins.int(step)
    if np_dtype == np.int64:
        if stride == 0:
            raise ValueError(
                f"arange(): step must be nonzero: step={step} truncates to 0 for int64; pass "
                f"a step of at least 1 in magnitude"
            )
        count = max(0, -((first - last) // stride))  # ceil((last - first) / stride)
    else:
        count = max(0, math.ceil((end - start) / step))
    values = first + stride * np.arange(count, dtype=np.int64)
    return values.astype(np_dtype)  # narrower dtypes wrap, as torch's casts do


@reports_out_of_memory
def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> import microtensor as mt
        >>> mt.linspace(0, 1, 3)
        tensor([0.0000, 0.5000, 1.0000])
    """
    on_cpu(device, "linspace")
    dtype = _out_dtype(out, dtype, "linspace", layout, pin_memory)
    steps = int_arg(steps, "linspace", "steps", 3)
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    np_dtype = _np_dtype(dtype, "linspace")
    if np_dtype.kind == "b":
        raise NotImplementedError(
            "linspace(): \"linspace_cpu\" not implemented for 'Bool': pass an integer or "
            "floating dtype, then .bool()"
        )
    if np_dtype in (np.float32, np.float64):
        values = _linspace_as_torch(start, end, steps, np_dtype)
    else:
        values = np.linspace(start, end, steps).astype(np_dtype)
    return _into(out, _finish(values, requires_grad, "linspace"), "linspace")


def _linspace_as_torch(start: Any, end: Any, steps: int, np_dtype: Any) -> np.ndarray:
    """Float ``linspace`` as torch's CPU kernel computes it, bit for bit.

    The step is taken in the output's dtype; each half of the values is then counted from its
    own end with a fused multiply-add (one rounding).
    """
    first, last = np_dtype.type(start), np_dtype.type(end)
    if steps <= 1:
        return np.full(steps, first, dtype=np_dtype)
    step = np_dtype.type((last - first) / np_dtype.type(steps - 1))
    index = np.arange(steps, dtype=np_dtype)
    half = steps // 2
    fma = _fma.fma32 if np_dtype == np.float32 else _fma.fma64
    from_start = fma(index[:half], step, first)
    from_end = fma(index[half:] - np_dtype.type(steps - 1), step, last)
    return np.concatenate([from_start, from_end])


@reports_out_of_memory
def logspace(
    start: Any,
    end: Any,
    steps: int,
    base: float = 10.0,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in exponent.

    Raises:
        RuntimeError: if ``steps`` is negative.

    Example:
        >>> import microtensor as mt
        >>> mt.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    on_cpu(device, "logspace")
    dtype = _out_dtype(out, dtype, "logspace", layout, pin_memory)
    steps = int_arg(steps, "logspace", "steps", 3)
    start, end = _number(start, "logspace", "start"), _number(end, "logspace", "end")
    if steps < 0:
        raise RuntimeError(f"logspace(): number of steps must be non-negative, got {steps}")
    base = _number(base, "logspace", "base")
    values = np.power(float(base), np.linspace(start, end, steps))
    result = _finish(values.astype(_np_dtype(dtype, "logspace")), requires_grad, "logspace")
    return _into(out, result, "logspace")


def _number(x: Any, caller: str, name: str) -> Any:
    """A Python number from a number or a 0-d tensor (an end of ``linspace``, ``logspace``)."""
    if isinstance(x, Tensor):
        if x.dim() > 0:
            raise RuntimeError(
                f"{caller}(): {caller} only supports 0-dimensional start and end tensors, but "
                f"got {name} with {x.dim()} dimension(s): pass {name}.item() or a 0-d tensor"
            )
        return x.item()
    return number_arg(x, caller, name)


@reports_out_of_memory
def eye(
    n: int,
    m: int | None = None,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """The identity matrix (n x m).

    Raises:
        TypeError: if ``n`` or ``m`` is not an int.
        RuntimeError: if ``n`` or ``m`` is negative.

    Example:
        >>> import microtensor as mt
        >>> mt.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    on_cpu(device, "eye")
    dtype = _out_dtype(out, dtype, "eye", layout, pin_memory)
    n = int_arg(n, "eye", "n", 1)
    m = None if m is None else int_arg(m, "eye", "m", 2)
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(
                f"eye(): {name} must be greater or equal to 0, got {value}: pass the number of "
                f"{'rows' if name == 'n' else 'columns'}"
            )
    result = _finish(np.eye(n, m, dtype=_np_dtype(dtype, "eye")), requires_grad, "eye")
    return _into(out, result, "eye")


def _floating(np_dtype: np.dtype, caller: str, kernel: str) -> None:
    if np_dtype.kind != "f":
        raise NotImplementedError(
            f'{caller}(): "{kernel}" not implemented for {dtypes.to_dtype(np_dtype)}: '
            f"pass a floating-point dtype"
        )


def _generator_arg(generator: Any, caller: str) -> Generator:
    """The generator a random factory draws from (torch's TypeError for a non-generator)."""
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            f"{caller}(): argument 'generator' must be microtensor.Generator, not "
            f"{type_name(generator)}: pass a Generator, e.g. microtensor.Generator().manual_seed(0)"
        )
    return _generator(generator)


def _uniform_like(generator: Generator | None, target: np.ndarray) -> np.ndarray:
    """Torch's ``uniform_(0, 1)`` into an array laid out like ``target``."""
    gen = _generator(generator)
    axes = _rng_discrete.memory_axes(target)
    flat = _rng_continuous.uniform(gen, target.size, target.dtype, 0.0, 1.0)
    return _rng_discrete.in_memory_order(flat, target.shape, axes)


def _normal_like(
    generator: Generator | None, target: np.ndarray, mean: float = 0.0, std: float = 1.0
) -> np.ndarray:
    """Torch's ``normal_(mean, std)`` into an array laid out like ``target``."""
    gen = _generator(generator)
    if target.flags.c_contiguous:
        return _rng_normal.normal_values(gen, target.shape, target.dtype, mean, std)
    # a non-contiguous target takes torch's per-element path, in memory order
    axes = _rng_discrete.memory_axes(target)
    exact = target.dtype == np.float64
    flat = _rng_normal.normal_serial(gen, target.size, mean, std, exact).astype(target.dtype)
    return _rng_discrete.in_memory_order(flat, target.shape, axes)


@reports_out_of_memory
def rand(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Uniform random numbers in [0, 1): torch's numbers for the same seed.

    Raises:
        NotImplementedError: for an integer dtype.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.rand(2, 2)
        tensor([[0.4963, 0.7682],
                [0.0885, 0.1320]])
    """
    on_cpu(device, "rand")
    shape = size_arg(sizes, "rand", keyword=size)
    np_dtype = _np_dtype(_out_dtype(out, dtype, "rand", layout, pin_memory), "rand")
    _floating(np_dtype, "rand", "check_uniform_bounds")
    values = _uniform_like(_generator_arg(generator, "rand"), np.empty(shape, np_dtype))
    return _into(out, _finish(values, requires_grad, "rand"), "rand")


@reports_out_of_memory
def randn(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Standard normal random numbers: torch's numbers for the same seed.

    Raises:
        NotImplementedError: for an integer dtype.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.randn(3)
        tensor([ 1.5410, -0.2934, -2.1788])
    """
    on_cpu(device, "randn")
    shape = size_arg(sizes, "randn", keyword=size)
    np_dtype = _np_dtype(_out_dtype(out, dtype, "randn", layout, pin_memory), "randn")
    _floating(np_dtype, "randn", "normal_kernel_cpu")
    values = _normal_like(_generator_arg(generator, "randn"), np.empty(shape, np_dtype))
    return _into(out, _finish(values, requires_grad, "randn"), "randn")


@reports_out_of_memory
def randint(
    low: int = 0,
    high: int | None = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Random integers in ``[low, high)`` (``randint(high, size)`` also works), int64.

    torch's ``random_(low, high)``: one 32-bit draw per element (64-bit when
    ``high - low >= 2**28``), ``low + r % (high - low)``.

    Raises:
        TypeError: if ``low`` or ``high`` is not an int, or ``size`` not a tuple of ints.
        RuntimeError: if ``low >= high``.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.randint(0, 10, (5,))
        tensor([4, 9, 3, 0, 3])
    """
    on_cpu(device, "randint")
    if size is None:
        if high is None or not isinstance(high, Sequence):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    low, high = _bounds(low, high, "randint")
    shape = shape_arg(size, "randint", 3)
    dtype = _out_dtype(out, dtype, "randint", layout, pin_memory)
    np_dtype = _np_dtype(dtype, "randint", dtypes.int64)
    _check_fits(low, high, np_dtype, "randint")
    n = builtins.int(np.prod(shape, dtype=np.int64))
    gen = _generator_arg(generator, "randint")
    values = _rng_integers.random_from_to(gen, n, np_dtype, low, high).reshape(shape)
    return _into(out, _finish(values, requires_grad, "randint"), "randint")


def _bounds(low: Any, high: Any, caller: str) -> tuple[int, int]:
    """``randint``'s ``[low, high)`` as ints, with torch's errors."""
    low, high = int_arg(low, caller, "low"), int_arg(high, caller, "high")
    if low >= high:
        raise RuntimeError(
            f"{caller}(): random_ expects 'from' to be less than 'to', but got from={low} >= "
            f"to={high}: pass low < high ({caller}(high, ...) draws from [0, high))"
        )
    return low, high


def _check_fits(low: int, high: int, np_dtype: np.dtype, caller: str) -> None:
    """Check, as torch does, that ``low`` and ``high - 1`` can be held by ``np_dtype``.

    A floating dtype holds the integers up to ``2**digits`` (its mantissa bits plus one).

    Raises:
        RuntimeError: naming the bound out of range (torch's sentences).
    """
    if np_dtype.kind == "b":
        smallest, largest = 0, 1
    elif np_dtype.kind in "iu":
        smallest, largest = (
            builtins.int(np.iinfo(np_dtype).min),
            builtins.int(np.iinfo(np_dtype).max),
        )
    else:
        largest = 2 ** (np.finfo(np_dtype).nmant + 1)
        smallest = -largest
    name = dtypes.from_numpy_dtype(np_dtype)
    for sentence, value in (("from", low), ("to - 1", high - 1)):
        if not smallest <= value <= largest:
            raise RuntimeError(
                f"{caller}(): {sentence} is out of bounds for {name}: {sentence} = {value} is "
                f"outside [{smallest}, {largest}]; pick bounds the dtype can hold"
            )


@reports_out_of_memory
def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64): torch's CPU permutation for the same seed.

    Raises:
        TypeError: if ``n`` is not an int.
        RuntimeError: if ``n`` is negative, or ``dtype`` cannot hold ``n - 1``.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.randperm(5)
        tensor([4, 0, 1, 3, 2])
    """
    on_cpu(device, "randperm")
    n = int_arg(n, "randperm", "n", 1)
    if n < 0:
        raise RuntimeError(
            f"randperm(): Trying to create tensor with negative dimension {n}: [{n}]; n must be "
            f"non-negative"
        )
    dtype = _out_dtype(out, dtype, "randperm", layout, pin_memory)
    np_dtype = _np_dtype(dtype, "randperm", dtypes.int64)
    if np_dtype.kind in "iu" and n > 0 and n - 1 > np.iinfo(np_dtype).max:
        raise RuntimeError(
            f"randperm(): n={n} is too large for dtype {dtypes.to_dtype(np_dtype)}: pass a "
            f"wider dtype"
        )
    values = _rng_randperm.randperm_values(_generator_arg(generator, "randperm"), builtins.int(n))
    return _into(out, _finish(values.astype(np_dtype), requires_grad, "randperm"), "randperm")


@reports_out_of_memory
def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Normal random numbers with the given mean and std (numbers or tensors).

    The result has the broadcast shape of ``mean`` and ``std`` or, for numbers, ``size``.

    Example:
        >>> import microtensor as mt
        >>> mt.normal(0.0, 1.0, (2, 3), device="cpu").shape
        microtensor.Size([2, 3])
    """
    on_cpu(device, "normal")
    gen = _generator(generator)
    if isinstance(std, Tensor) and std._data.size and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if isinstance(mean, Tensor) and isinstance(std, Tensor):
        shape = np.broadcast_shapes(mean.shape, std.shape)
        values = _normal_like(gen, np.empty(shape, mean._data.dtype))
        values = (values * std._data).astype(values.dtype) + mean._data
    elif isinstance(mean, Tensor):
        values = _normal_like(gen, np.empty(mean.shape, mean._data.dtype), 0.0, builtins.float(std))
        values = values + mean._data
    elif isinstance(std, Tensor):
        values = _normal_like(gen, np.empty(std.shape, std._data.dtype))
        values = values * std._data + np.asarray(mean, dtype=std._data.dtype)
    else:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float): "
                "pass a size, normal(mean, std, size), or tensor mean/std"
            )
        np_dtype = _np_dtype(dtype, "normal")
        _floating(np_dtype, "normal", "normal_kernel_cpu")
        empty = np.empty(shape_arg(size, "normal", 3), np_dtype)
        return _finish(
            _normal_like(gen, empty, builtins.float(mean), builtins.float(std)),
            requires_grad,
            "normal",
        )
    out_dtype = (mean if isinstance(mean, Tensor) else std)._data.dtype
    return _finish(np.asarray(values).astype(out_dtype, copy=False), requires_grad, "normal")


def _like_target(input: Tensor, np_dtype: np.dtype, memory_format: Any) -> np.ndarray:  # noqa: A002
    """The empty array torch's ``empty_like`` makes: input's layout unless told contiguous."""
    if memory_format is not None and str(memory_format).endswith("contiguous_format"):
        return np.empty(input.shape, np_dtype)
    return np.empty_like(input._data, dtype=np_dtype)


@reports_out_of_memory
def rand_like(
    input: Tensor,  # noqa: A002
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Uniform [0, 1) numbers with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.rand_like(mt.zeros(2, 3), device="cpu").shape
        microtensor.Size([2, 3])
    """
    _, np_dtype = _like(input, dtype, device, memory_format, "rand_like", layout)
    _floating(np_dtype, "rand_like", "check_uniform_bounds")
    target = _like_target(input, np_dtype, memory_format)
    values = np.require(_uniform_like(generator, target), requirements="C")
    return _finish(values, requires_grad, "rand_like")


@reports_out_of_memory
def randn_like(
    input: Tensor,  # noqa: A002
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Standard normal numbers with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.randn_like(mt.zeros(2), dtype=mt.float64).dtype
        microtensor.float64
    """
    _, np_dtype = _like(input, dtype, device, memory_format, "randn_like", layout)
    _floating(np_dtype, "randn_like", "normal_kernel_cpu")
    target = _like_target(input, np_dtype, memory_format)
    values = np.require(_normal_like(generator, target), requirements="C")
    return _finish(values, requires_grad, "randn_like")


@reports_out_of_memory
def randint_like(
    input: Tensor,  # noqa: A002
    low: int = 0,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Random integers in ``[low, high)`` with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.randint_like(mt.zeros(3, dtype=mt.int64), 5).dtype
        microtensor.int64
    """
    if high is None:
        if low == 0:  # nothing given: torch has no randint_like(input)
            raise TypeError(
                "randint_like() missing required argument 'high': pass randint_like(input, high) "
                "or randint_like(input, low, high)"
            )
        low, high = 0, low
    _, np_dtype = _like(input, dtype, device, memory_format, "randint_like", layout)
    low, high = _bounds(low, high, "randint_like")
    _check_fits(low, high, np_dtype, "randint_like")
    target = _like_target(input, np_dtype, memory_format)
    axes = _rng_discrete.memory_axes(target)
    flat = _rng_integers.random_from_to(_generator(generator), target.size, np_dtype, low, high)
    values = _rng_discrete.in_memory_order(flat, target.shape, axes)
    return _finish(np.require(values, requirements="C"), requires_grad, "randint_like")  # keeps 0-d
