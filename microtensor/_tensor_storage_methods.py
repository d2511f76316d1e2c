"""Tensor methods about the memory a tensor views: ``set_``, ``is_set_to``, ``storage_type`` ...

A mixin of ``Tensor`` (as ``_tensor_queries.py``): these rebind which memory a tensor reads
(``set_``, ``as_strided_``), compare it (``is_set_to``), or are torch's deprecated and
no-op methods that programs still call (``resize``, ``record_stream``, ``module_load``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor import _inplace_views, dtypes, storage
from microtensor._dim_order import _root
from microtensor._legacy_storages import legacy_storage_class
from microtensor.autograd.grad_mode import state as _grad_state


class TensorStorageMethods:
    """``set_``, ``is_set_to``, ``storage_type``, ``as_strided_``, ``as_subclass`` ..."""

    __slots__ = ()
    _data: np.ndarray

    def set_(
        self, source: Any = None, storage_offset: int = 0, size: Any = None, stride: Any = None
    ) -> Any:
        """Make this tensor view other memory, in place; torch's four overloads.

        ``set_()`` empties it; ``set_(tensor)`` shares the tensor's memory, shape and strides;
        ``set_(storage)`` views the whole storage as 1-D; ``set_(storage, storage_offset,
        size, stride=None)`` views it from element ``storage_offset`` with that shape and
        strides (contiguous ones by default).

        Raises:
            RuntimeError: for another dtype than this tensor's, a view past the end of the
                storage, or a tensor that requires grad while grad mode is on.
            TypeError: for a source that is neither a tensor nor a storage.

        Differs from PyTorch: torch lets a non-leaf set_ and gives it a backward that
        raises; microtensor refuses at the call.

        Example:
            >>> import microtensor as mt
            >>> x = mt.arange(6.0)
            >>> y = mt.tensor([]).set_(x.untyped_storage(), 2, (2, 2), (1, 2))
            >>> y
            tensor([[2., 4.],
                    [3., 5.]])
            >>> x[2] = 9.0
            >>> y[0, 0]
            tensor(9.)
        """
        _check_may_set(self)
        if source is None:
            array = np.empty(0, dtype=self._data.dtype)
        elif isinstance(source, TensorStorageMethods):
            if source._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"set_(): Could not set tensor of type {_c_name(source)} to a tensor of type "
                    f"{_c_name(self)}: convert the source first (source.to(x.dtype))"
                )
            array = source._data
        elif isinstance(source, storage.TypedStorage | storage.UntypedStorage):
            array = _storage_view(self._data.dtype, source, storage_offset, size, stride)
        else:
            raise TypeError(
                "set_() received an invalid combination of arguments - got "
                f"({type(source).__name__}), but expected one of: (), (Storage source), "
                "(Storage source, int storage_offset, tuple of ints size, tuple of ints stride "
                "= None), (Tensor source)"
            )
        _rebind(self, array)
        return self

    def is_set_to(self, tensor: Any) -> bool:
        """True if both tensors view the same memory with the same offset, shape and strides.

        Example:
            >>> import microtensor as mt
            >>> x = mt.arange(6.0)
            >>> x[1:].is_set_to(x[1:]), x.is_set_to(x.view(2, 3))
            (True, False)
        """
        a, b = self._data, tensor._data
        return bool(
            _root(a) is _root(b)
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape
            and a.strides == b.strides
            and a.dtype == b.dtype
        )

    def storage_type(self) -> type:
        """The legacy storage class of this tensor's dtype (``microtensor.FloatStorage`` ...).

        Example:
            >>> import microtensor as mt
            >>> mt.ones(2).storage_type() is mt.FloatStorage
            True
        """
        return legacy_storage_class(dtypes.from_numpy_dtype(self._data.dtype))

    def as_strided_(self, size: Any, stride: Any, storage_offset: int | None = None) -> Any:
        """``as_strided`` in place: this tensor becomes ``as_strided(self, size, stride, ...)``.

        Differs from PyTorch: as microtensor's ``as_strided``, positions count from this
        tensor's first element in memory order, and the result holds its own copy.

        Example:
            >>> import microtensor as mt
            >>> mt.arange(4.0).as_strided_((2, 2), (1, 2))
            tensor([[0., 2.],
                    [1., 3.]])
        """
        from microtensor import ops  # the ops import Tensor: a cycle

        return _inplace_views.apply(
            self, "as_strided_", ops.as_strided, size, stride, storage_offset
        )

    def as_subclass(self, cls: type) -> Any:
        """This tensor as an instance of ``cls``, a subclass of Tensor: an alias of it.

        The result shares memory and version counter with this tensor and stays in the graph
        (a view), as torch's.

        Raises:
            TypeError: if ``cls`` is not a subclass of Tensor.

        Example:
            >>> import microtensor as mt
            >>> class Tagged(mt.Tensor):
            ...     pass
            >>> type(mt.ones(2).as_subclass(Tagged)).__name__
            'Tagged'
        """
        from microtensor import ops
        from microtensor.tensor import Tensor

        if not isinstance(cls, type) or not issubclass(cls, Tensor):
            raise TypeError(
                "Creating a Tensor subclass from a class that does not inherit from Tensor is "
                "not possible. Make sure your class inherits from Tensor."
            )
        alias = ops.view(self, tuple(self._data.shape))  # type: ignore[arg-type]
        alias.__class__ = cls
        return alias

    def resize(self, *sizes: Any) -> Any:
        """Deprecated, as in torch: the tensor reshaped to ``sizes``, same number of elements.

        Differs from PyTorch: one tuple of sizes is also accepted (torch's rejects it).

        Raises:
            RuntimeError: if ``sizes`` hold another number of elements.

        Example:
            >>> import warnings
            >>> import microtensor as mt
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     mt.ones(4).resize(2, 2).shape
            microtensor.Size([2, 2])
        """
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        return _resize(self, sizes)

    def resize_as(self, tensor: Any) -> Any:
        """Deprecated, as in torch: ``resize(*tensor.shape)``.

        Raises:
            RuntimeError: if ``tensor`` has another number of elements.

        Example:
            >>> import warnings
            >>> import microtensor as mt
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     mt.ones(4).resize_as(mt.zeros(2, 2)).shape
            microtensor.Size([2, 2])
        """
        warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
        return _resize(self, tuple(tensor._data.shape))

    def module_load(self, other: Any, assign: bool = False) -> Any:
        """What ``load_state_dict`` swaps in for this parameter: torch's default rule.

        ``other.detach()`` when ``assign``, else ``self.copy_(other).detach()``.

        Example:
            >>> import microtensor as mt
            >>> mt.zeros(2).module_load(mt.ones(2))
            tensor([1., 1.])
        """
        if assign:
            return other.detach()
        return self.copy_(other).detach()  # type: ignore[attr-defined]

    def record_stream(self, stream: Any) -> None:
        """Accepted: the CPU runs every op at once, so no stream can still be using the memory.

        Differs from PyTorch: torch raises NotImplementedError for a CPU tensor; microtensor
        accepts the call so that device-generic code runs.

        Example:
            >>> import microtensor as mt
            >>> mt.ones(2).record_stream(mt.Stream())
        """


def _c_name(t: Any) -> str:
    """The dtype's short name (``float32``) for set_'s errors."""
    return str(dtypes.from_numpy_dtype(t._data.dtype)).rsplit(".", 1)[-1]


def _scalar_name(np_dtype: Any) -> str:
    """Torch's scalar type name (``Float``, ``Double``): the legacy storage class's stem."""
    legacy = legacy_storage_class(dtypes.from_numpy_dtype(np_dtype))
    return legacy.__name__.removesuffix("Storage")


def _check_may_set(t: Any) -> None:
    if _grad_state.enabled and t._requires_grad:
        raise RuntimeError(
            "set_(): a leaf Variable that requires grad is being used in an in-place operation"
            if t.grad_fn is None
            else "set_(): cannot set a tensor that requires grad (its gradient would not be "
            "defined): call it on .detach() or under microtensor.no_grad()"
        )


def _storage_view(
    np_dtype: np.dtype, source: Any, offset: int, size: Any, stride: Any
) -> np.ndarray:
    """The array that views ``source`` from element ``offset`` with ``size`` and ``stride``."""
    if isinstance(source, storage.TypedStorage) and np.dtype(source._values.dtype) != np_dtype:
        raise RuntimeError(
            f"set_(): Expected a Storage of type {_scalar_name(np_dtype)} or an UntypedStorage, "
            f"but got type {_scalar_name(source._values.dtype)} for argument 1 'storage'"
        )
    raw = source._values.view(np.uint8)
    elements = raw[: raw.size - raw.size % np_dtype.itemsize].view(np_dtype)
    if size is None:
        return elements[offset:]
    shape = tuple(int(s) for s in size)
    if stride is None or len(stride) == 0:
        stride = tuple(math.prod(shape[i + 1 :]) for i in range(len(shape)))
    stride = tuple(int(s) for s in stride)
    if len(stride) != len(shape):
        raise RuntimeError(
            f"set_(): mismatch in length of strides and shape: {len(stride)} != {len(shape)}"
        )
    reach = sum((n - 1) * s for n, s in zip(shape, stride, strict=True))
    last = offset + reach if all(shape) else offset - 1  # an empty view reads nothing
    if offset < 0 or min(stride, default=0) < 0 or last >= elements.size:
        raise RuntimeError(
            f"set_(): setStorage: sizes {list(shape)}, strides {list(stride)}, storage offset "
            f"{offset} reach element {last}, out of bounds for a storage of {elements.size} "
            "elements"
        )
    itemsize = np_dtype.itemsize
    return np.lib.stride_tricks.as_strided(
        elements[offset:], shape=shape, strides=tuple(s * itemsize for s in stride)
    )


def _rebind(t: Any, array: np.ndarray) -> None:
    t._data = array
    t._base = None
    t._view_key = None
    t._version_counter[0] += 1


def _resize(t: Any, sizes: tuple[Any, ...]) -> Any:
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], tuple | list) else sizes
    count = math.prod(int(s) for s in shape)
    if count != t._data.size:
        raise RuntimeError(
            f"requested resize to {tuple(shape)} ({count} elements in total), but the given "
            f"tensor has a size of {'x'.join(map(str, t._data.shape))} ({t._data.size} "
            "elements). autograd's resize can only change the shape of a given tensor, while "
            "preserving the number of elements."
        )
    return t.reshape(shape)
