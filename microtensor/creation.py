"""Filled factories: zeros, ones, empty, full, scalar_tensor and their ``*_like`` forms.

The other factories live by concept: tensors from data (``tensor``, ``as_tensor``, ``asarray``,
``from_numpy``) in ``microtensor._data_factories``, ranges (``arange``, ``linspace``,
``logspace``, ``eye``) in ``microtensor._range_factories``, random ones (``rand``, ``randn``,
``randint``, ``randperm``, ``normal`` and their ``*_like`` forms) in
``microtensor._random_factories``; this module also re-exports them, as the top-level
namespace reads every factory from here.

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

from typing import Any

import numpy as np

from microtensor._allocation import allocate, reports_out_of_memory
from microtensor._data_factories import _infer_array
from microtensor._data_factories import as_tensor as as_tensor
from microtensor._data_factories import asarray as asarray
from microtensor._data_factories import from_numpy as from_numpy
from microtensor._data_factories import tensor as tensor
from microtensor._factory_args import (
    _check_format_rank,
    _fill_number,
    _finish,
    _into,
    _like,
    _np_dtype,
    _out_dtype,
    fill_for,
    int_tuple,
    layout_arg,
    on_cpu,
    shape_arg,
    size_arg,
)
from microtensor._random_factories import normal as normal
from microtensor._random_factories import rand as rand
from microtensor._random_factories import rand_like as rand_like
from microtensor._random_factories import randint as randint
from microtensor._random_factories import randint_like as randint_like
from microtensor._random_factories import randn as randn
from microtensor._random_factories import randn_like as randn_like
from microtensor._random_factories import randperm as randperm
from microtensor._range_factories import arange as arange
from microtensor._range_factories import eye as eye
from microtensor._range_factories import linspace as linspace
from microtensor._range_factories import logspace as logspace
from microtensor.tensor import Tensor


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
