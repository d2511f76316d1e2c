"""The ``Tensor.new_*`` factories: new tensors in the dtype of an existing one.

``Tensor.new_zeros``, ``new_ones``, ``new_empty``, ``new_empty_strided``, ``new_full``,
``new_tensor`` and the legacy ``Tensor.new`` parse their arguments with the factories' shared
checks (``microtensor._factory_args``), naming themselves in the messages.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor._allocation import allocate
from microtensor._data_factories import _infer_array, _plain, _sequence_array
from microtensor._factory_args import (
    _fill_number,
    _finish,
    bool_arg,
    dtype_arg,
    fill_for,
    int_tuple,
    is_int,
    layout_arg,
    on_cpu,
    shape_arg,
    size_arg,
    type_name,
)
from microtensor._size import Size
from microtensor.tensor import Tensor

__all__ = ["new_full", "new_tensor"]


def new_full(
    input: Tensor,  # noqa: A002
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor of ``size`` filled with ``fill_value``, with input's dtype by default.

    Raises:
        TypeError: if ``size`` is not a sequence of ints (an int alone included, as in torch)
            or ``fill_value`` is not a number or a 0-d tensor.
        RuntimeError: if a size is negative or ``fill_value`` overflows the dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.new_full(mt.zeros(1, dtype=mt.int64), (2,), 3, device="cpu")
        tensor([3, 3])
    """
    shape = shape_arg(size, "new_full")
    fill = _fill_number(fill_value, "new_full")
    return new_filled(input, shape, fill, "new_full", dtype, layout, device, requires_grad,
                      pin_memory)  # fmt: skip


def new_filled(
    input: Tensor,  # noqa: A002
    shape: tuple[int, ...],
    fill_value: Any,
    caller: str,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: Any = False,
    pin_memory: Any = False,
) -> Tensor:
    """What the ``Tensor.new_*`` methods share: a checked shape filled with a checked number.

    The options are checked as the factories check them, with ``caller`` in the messages.
    """
    on_cpu(device, caller)
    layout_arg(layout, caller)
    bool_arg(pin_memory, caller, "pin_memory")
    checked = dtype_arg(dtype, caller)
    np_dtype = input._data.dtype if checked is None else checked.numpy
    fill = fill_for(fill_value, np_dtype, caller)
    return _finish(allocate(np.full, shape, np_dtype, caller, fill), requires_grad, caller)


def new_sized(
    input: Tensor,  # noqa: A002
    sizes: tuple[Any, ...],
    size: Any,
    fill_value: Any,
    caller: str,
    **options: Any,
) -> Tensor:
    """``new_zeros``, ``new_ones``, ``new_empty``: a size as ``2, 3``, ``(2, 3)`` or ``size=``."""
    shape = size_arg(sizes, caller, keyword=size)
    return new_filled(input, shape, fill_value, caller, **options)


def new_strided(
    input: Tensor,  # noqa: A002
    size: Any,
    stride: Any,
    **options: Any,
) -> Tensor:
    """``new_empty_strided``: ``size`` and ``stride`` checked as torch checks them; zeros."""
    shape = shape_arg(size, "new_empty_strided")
    int_tuple(stride, "new_empty_strided", "stride", 2)
    return new_filled(input, shape, 0, "new_empty_strided", **options)


def new_legacy(input: Tensor, args: tuple[Any, ...], device: Any = None) -> Tensor:  # noqa: A002
    """``Tensor.new``: ``new()`` is empty, ``new(2, 3)`` or ``new(Size)`` a size, else data.

    Differs from PyTorch: ``new(tensor)`` is a copy, not an alias of ``tensor``.

    Raises:
        TypeError: if the one argument is neither an int nor a sequence (``new(2.0)``), or a
            tensor of another dtype.
    """
    on_cpu(device, "new")
    if not args:
        return new_filled(input, (0,), 0, "new")
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if len(args) > 1 or (is_int(args[0]) and not isinstance(args[0], Tensor)):
        return new_filled(input, shape_arg(args, "new"), 0, "new")
    data = args[0]
    if not isinstance(data, list | tuple | range | str | np.ndarray | Tensor):
        raise TypeError(
            f"new(): data must be a sequence (got {type_name(data)}): pass sizes as ints, "
            f"e.g. t.new(2, 3), or data as a list, e.g. t.new([{data!r}])"
        )
    if isinstance(data, Tensor) and data.dtype != input.dtype:
        raise TypeError(
            f"new(): expected a tensor of dtype {input.dtype} (got {data.dtype}): convert it "
            f"with .to({input.dtype}) first"
        )
    return Tensor._make(_copied(input, data, None, "new"))


def new_tensor(
    input: Tensor,  # noqa: A002
    data: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor (a copy of ``data``) with input's dtype by default.

    A tensor as ``data`` is copied with torch's UserWarning (prefer ``t.detach().clone()``).

    Raises:
        TypeError: for a string or another non-number in ``data``, or a ``dtype`` that is not
            a dtype.
        ValueError: for ragged nested lists, or a string first in a nested list (torch's).
        RuntimeError: if ``requires_grad`` is set for a dtype that is not floating point.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.new_tensor(mt.zeros(1, dtype=mt.float64), [1, 2])
        tensor([1., 2.], dtype=microtensor.float64)
    """
    on_cpu(device, "new_tensor")
    layout_arg(layout, "new_tensor")
    bool_arg(pin_memory, "new_tensor", "pin_memory")
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), "
            "rather than tensor.new_tensor(sourceTensor).",
            UserWarning,
            stacklevel=3,
        )
    array = _copied(input, data, dtype_arg(dtype, "new_tensor"), "new_tensor")
    return _finish(array, requires_grad, "new_tensor")


def _copied(input: Tensor, data: Any, dtype: Any, caller: str) -> np.ndarray:  # noqa: A002
    """``data`` as a new array of ``dtype`` (a microtensor dtype), else of input's dtype."""
    np_dtype = input._data.dtype if dtype is None else dtype.numpy
    if isinstance(data, Tensor | np.ndarray | np.generic):
        return np.array(_infer_array(data, caller), dtype=np_dtype)
    return _sequence_array(_plain(data), caller, np_dtype)
