"""Checks of the arguments factories share with PyTorch's: ``device=``, sizes, ints.

Each raises the exception type torch raises: the op, torch's sentence, then the bad value and
the fix.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._layout import layout as _layout_type
from microtensor._out_argument import write_out
from microtensor.memory_format import check_memory_format
from microtensor.tensor import Tensor

# Python's number types stand for torch's dtypes of the same precision, whatever the default
_PYTHON_DTYPES = {float: dtypes.float64, int: dtypes.int64, bool: dtypes.bool}
_PYTHON_DTYPES[complex] = dtypes.complex128


def on_cpu(device: Any, caller: str) -> None:
    """Accept PyTorch's ``device=``: None, ``"cpu"``, ``"cpu:0"`` or a CPU ``device``.

    Raises:
        RuntimeError: for any other device (microtensor computes on the CPU).
    """
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(
            f"{caller}(): microtensor runs on the CPU only; device={device!r} is not "
            f"available: pass device='cpu' or leave the argument out"
        )


def dtype_arg(dtype: Any, caller: str) -> dtypes.dtype | None:
    """Check a factory's ``dtype=``: a microtensor dtype, ``float``, ``int``, ``bool`` or None.

    As in torch, ``float`` is float64 (Python's float is a double), not the default dtype;
    strings and NumPy dtypes are refused.

    Raises:
        TypeError: for anything else (``"float32"``, ``np.float32``, ``np.dtype("int64")``).
    """
    if dtype is None or isinstance(dtype, dtypes.dtype):
        return dtype
    if dtype in _PYTHON_DTYPES and isinstance(dtype, type):
        return _PYTHON_DTYPES[dtype]
    fix = f"microtensor.{_numpy_name(dtype) or 'float32'}"
    raise TypeError(
        f"{caller}(): argument 'dtype' must be microtensor.dtype, not {type_name(dtype)} (got "
        f"{dtype!r}): pass a dtype such as {fix}"
    )


def _numpy_name(dtype: Any) -> str | None:
    """The name NumPy gives ``dtype`` (``"float32"`` for ``np.float32`` or ``"float32"``)."""
    try:
        return np.dtype(dtype).name
    except (TypeError, ValueError):
        return None


def layout_arg(layout: Any, caller: str) -> None:
    """Check a factory's ``layout=``: None or ``microtensor.strided``, the one layout.

    Raises:
        TypeError: if ``layout`` is not a layout (torch's check; a string is refused).
    """
    if layout is not None and not isinstance(layout, _layout_type):
        raise TypeError(
            f"{caller}(): argument 'layout' must be microtensor.layout, not {type_name(layout)} "
            f"(got {layout!r}): pass microtensor.strided or leave it out"
        )


def bool_arg(value: Any, caller: str, name: str) -> None:
    """Check a factory's ``bool`` option (``requires_grad=``, ``pin_memory=``): bool or None.

    Raises:
        TypeError: for anything else (an int included, as in torch).
    """
    if value is not None and not isinstance(value, bool):
        raise TypeError(
            f"{caller}(): argument '{name}' must be bool, not {type_name(value)} (got "
            f"{value!r}): pass True or False"
        )


def check_requires_grad(requires_grad: Any, np_dtype: np.dtype, caller: str) -> None:
    """Refuse ``requires_grad=True`` for a dtype that is not floating point, as torch does.

    Raises:
        TypeError: if ``requires_grad`` is not a bool.
        RuntimeError: for an integer or bool dtype.
    """
    bool_arg(requires_grad, caller, "requires_grad")
    if requires_grad and np_dtype.kind not in "fc":
        raise RuntimeError(
            f"{caller}(): Only Tensors of floating point and complex dtype can require "
            f"gradients, got {dtypes.from_numpy_dtype(np_dtype)}: pass a floating dtype or "
            f"requires_grad=False"
        )


def type_name(value: Any) -> str:
    """The type of ``value`` as torch's argument errors spell it (``float``, ``numpy.ndarray``)."""
    kind = type(value)
    module = kind.__module__.split(".")[0]
    return kind.__name__ if module in ("builtins", "microtensor") else f"{module}.{kind.__name__}"


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (Python, NumPy, anything with ``__index__``), not bool."""
    if isinstance(value, bool | np.bool_):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def _argument(caller: str, name: str, position: int | None) -> str:
    where = "" if position is None else f" (position {position})"
    return f"{caller}(): argument '{name}'{where}"


def int_arg(value: Any, caller: str, name: str, position: int | None = None) -> int:
    """Check torch's ``int`` argument (``eye(n)``, ``randperm(n)``, ``linspace(steps=)``).

    Raises:
        TypeError: if ``value`` is not an integer (floats and bools included, as in torch).
    """
    if not is_int(value):
        raise TypeError(
            f"{_argument(caller, name, position)} must be int, not {type_name(value)} (got "
            f"{value!r}): pass a whole number"
        )
    return operator.index(value)


def int_tuple(value: Any, caller: str, name: str, position: int | None = None) -> tuple[int, ...]:
    """Check torch's ``tuple of ints`` argument (a size or a stride): a sequence of ints.

    Raises:
        TypeError: for anything else, naming the argument and the first bad element.
    """
    if not isinstance(value, list | tuple):  # torch refuses arrays, ranges and generators too
        raise TypeError(
            f"{_argument(caller, name, position)} must be tuple of ints, not {type_name(value)} "
            f"(got {value!r}): pass a tuple such as (2, 3)"
        )
    for pos, item in enumerate(value):
        if not is_int(item):
            raise TypeError(
                f"{_argument(caller, name, position)} must be tuple of ints, but found element "
                f"of type {type_name(item)} at pos {pos}: {name} {tuple(value)} must hold whole "
                f"numbers"
            )
    return tuple(operator.index(item) for item in value)


def size_arg(
    size: tuple[Any, ...], caller: str, position: int = 1, keyword: Any = None
) -> tuple[int, ...]:
    """A factory's size, given as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``.

    ``size`` holds the positional arguments, ``keyword`` the ``size=`` argument (None if
    not given).

    Raises:
        TypeError: if no size is given or both forms are, or a size is not an integer.
        RuntimeError: if a size is negative (torch's sentence).
    """
    if keyword is not None:
        if size:
            raise TypeError(
                f"{caller}() got multiple values for argument 'size': pass the size either "
                f"positionally or as size=, not both"
            )
        return shape_arg(keyword, caller, None)
    if not size:
        raise TypeError(
            f'{caller}() missing 1 required positional arguments: "size": pass the shape, '
            f"e.g. {caller}(2, 3), or {caller}(()) for a 0-d tensor"
        )
    if len(size) == 1 and not is_int(size[0]):
        size = size[0]
    return shape_arg(size, caller, position)


def shape_arg(size: Any, caller: str, position: int | None = 1) -> tuple[int, ...]:
    """A size given as one argument (``full``'s, ``randint``'s): a tuple or list of ints.

    Raises:
        TypeError: if ``size`` is not a tuple or list of integers (an int alone included).
        RuntimeError: if a size is negative (torch's sentence).
    """
    shape = int_tuple(size, caller, "size", position)
    negative = [n for n in shape if n < 0]
    if negative:
        raise RuntimeError(
            f"{caller}(): Trying to create tensor with negative dimension {negative[0]}: "
            f"{list(shape)}; sizes must be non-negative integers"
        )
    return shape


def number_arg(
    value: Any, caller: str, name: str, position: int | None = None, complex_ok: bool = False
) -> Any:
    """Check torch's ``Number`` argument (a fill value, an end of ``arange``): a real number.

    NumPy scalars pass; NumPy arrays do not, not even 0-d ones, as in torch (callers take
    0-d tensors themselves).

    Raises:
        TypeError: for anything else (a string, None, a list, an array).
    """
    if not complex_ok and isinstance(value, complex | np.complexfloating):
        raise TypeError(f"{caller}(): {name}={value!r} is complex: pass a real number")
    if not isinstance(value, numbers.Number | np.bool_):
        what = f"array of shape {value.shape}" if isinstance(value, np.ndarray) else repr(value)
        raise TypeError(
            f"{_argument(caller, name, position)} must be Number, not {type_name(value)} (got "
            f"{what}): pass a number such as 1.0"
        )
    return value


def fill_for(value: Any, np_dtype: np.dtype, caller: str) -> Any:
    """``value`` ready to fill an array of ``np_dtype``, after torch's overflow check.

    torch lets a negative value wrap around into an unsigned dtype (``-1`` fills uint8 with
    255) as long as its magnitude fits; NumPy refuses those and wraps others silently.

    Raises:
        RuntimeError: if ``value`` does not fit ``np_dtype`` (torch's sentence).
    """
    number = value.item() if isinstance(value, np.ndarray | np.generic) else value
    if np_dtype.kind in "iu" and not isinstance(number, bool):
        info = np.iinfo(np_dtype)
        low = -info.max if np_dtype.kind == "u" else info.min
        finite = isinstance(number, int) or math.isfinite(number)
        fits = finite and low <= number <= info.max
        fits_as = f"[{low}, {info.max}]"
    elif np_dtype.kind == "f" and isinstance(number, float | int) and not isinstance(number, bool):
        biggest = float(np.finfo(np_dtype).max)
        fits = abs(number) <= biggest or (isinstance(number, float) and not math.isfinite(number))
        fits_as = f"[{-biggest:g}, {biggest:g}] (or inf / nan)"
    else:
        return value
    if not fits:
        name = np_dtype.name + ("_t" if np_dtype.kind in "iu" else "")
        raise RuntimeError(
            f"{caller}(): value cannot be converted to type {name} without overflow: "
            f"{number!r} is outside {fits_as}; pass a wider dtype or a smaller value"
        )
    if np_dtype.kind == "u" and number < 0:
        return np.array(int(number), dtype=np.int64).astype(np_dtype)  # wraps, as torch does
    return value


def check_elements(data: Any, caller: str, dtype_given: bool) -> None:
    """Raise torch's error for the first element of nested lists that is not a real number.

    torch's wording depends on where the element sits and on whether a dtype was given: a
    string first at some depth reads as one more nested sequence (``ValueError: too many
    dimensions 'str'``); any other non-number cannot be stored (``TypeError``) or, without a
    dtype, leaves the dtype unknown (``RuntimeError: Could not infer dtype of NoneType``).
    """
    if isinstance(data, str | bytes):
        raise TypeError(
            f"{caller}(): invalid data type '{type(data).__name__}' (got {data!r}): pass "
            f"numbers, e.g. {caller}([1.0, 2.0]); convert text with float() first"
        )
    found = _first_non_number(data, ())
    if found is None:
        return
    value, index = found
    kind = type(value).__name__
    where = f"{value!r} at index {list(index)}" if index else repr(value)
    fix = "every element must be a bool, int or float (nested lists of them)"
    if isinstance(value, str | bytes):
        if not any(index):  # first at its depth: torch reads it as one more nested sequence
            raise ValueError(f"{caller}(): too many dimensions '{kind}' (got {where}): {fix}")
        if not dtype_given:  # the text keeps microtensor's older 'could not infer' wording
            raise TypeError(
                f"{caller}(): invalid data type '{kind}' (got {where}): could not infer "
                f"a numeric dtype from text; {fix}"
            )
    if dtype_given:
        raise TypeError(f"{caller}(): must be real number, not {kind} (got {where}): {fix}")
    raise RuntimeError(f"{caller}(): Could not infer dtype of {kind} (got {where}): {fix}")


def _first_non_number(data: Any, index: tuple[int, ...]) -> tuple[Any, tuple[int, ...]] | None:
    if isinstance(data, list | tuple | np.ndarray):
        for pos, item in enumerate(data):
            found = _first_non_number(item, (*index, pos))
            if found is not None:
                return found
        return None
    return None if isinstance(data, numbers.Real | np.bool_) else (data, index)


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


def _fill_number(value: Any, caller: str, name: str = "fill_value", position: int = 2) -> Any:
    """A number-valued argument as a number or 0-d array: torch's TypeError for anything else."""
    if isinstance(value, Tensor):
        if value.dim() > 0:
            raise TypeError(
                f"{caller}(): argument '{name}' (position {position}) must be Number, not "
                f"Tensor of shape {tuple(value.shape)}; pass a number or a 0-d tensor"
            )
        return value._data  # a 0-d array: its dtype guides full()'s inference
    return number_arg(value, caller, name, position, complex_ok=True)


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
