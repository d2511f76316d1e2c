"""What a ``Tensor`` tells about itself (sizes, element type, layout) and its values out of it.

A mixin of ``Tensor``, kept apart from ``tensor.py`` (the data model and autograd entry
points) because none of this touches the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor._size import Size
from microtensor.autograd.grad_mode import state as _grad_state
from microtensor.memory_format import check_memory_format, is_laid_out, preserve_format


class TensorQueries:
    """``dim``, ``size``, ``numel`` ..., and ``numpy``, ``item``, ``tolist``, ``__array__``."""

    __slots__ = ()
    _data: np.ndarray
    _requires_grad: bool

    def dim(self) -> int:
        """Number of dimensions (same as ``ndim``)."""
        return self._data.ndim

    @numpy_names
    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        shape = self._data.shape
        if dim is None:
            return Size(shape)
        if dim.__class__ is int and -len(shape) <= dim < len(shape):
            return shape[dim]
        from microtensor.ops._common import normalize_dim  # the ops import Tensor: a cycle

        return self._data.shape[normalize_dim("size", dim, self._data.ndim)]

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64 tensors."""
        return self._data.dtype.kind in "fV"  # "V": ml_dtypes' bfloat16

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """True if the memory is laid out as ``memory_format`` says (default: C order).

        ``channels_last`` asks for NHWC memory and is False for tensors that are not 4-D.
        """
        if memory_format is preserve_format:  # as torch
            return True
        if memory_format is None:
            return self._data.flags.c_contiguous
        check_memory_format(memory_format, "is_contiguous")
        try:
            return is_laid_out(self._data, memory_format)
        except RuntimeError:  # another rank than the format's
            return False

    def get_device(self) -> int:
        """-1, meaning CPU, as PyTorch."""
        return -1

    # --- conversion to NumPy and Python values ---------------------------------------------

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying NumPy array (shares memory).

        Raises:
            RuntimeError: if the tensor requires grad while grad mode is on (call
                ``.detach().numpy()``); under ``no_grad`` it is allowed, as in torch.
        """
        if self._requires_grad and not force and _grad_state.enabled:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        Raises:
            RuntimeError: if the tensor has more or fewer than one element.
        """
        if self._data.size != 1:
            raise RuntimeError(
                f"item(): a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists of numbers."""
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)
