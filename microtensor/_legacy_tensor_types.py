"""PyTorch's legacy typed constructors: ``FloatTensor(2, 3)``, ``LongTensor([1, 2])`` ...

Old tutorials build tensors with them and convert with ``x.type(torch.DoubleTensor)``; both
work here. ``FloatTensor(*sizes)`` gives a tensor of that shape (zeros: microtensor never
hands out uninitialised memory), ``FloatTensor(data)`` a copy of the data (a list, tuple or
array), ``FloatTensor(tensor)`` the tensor itself when its dtype matches.

Differs from PyTorch: they are constructors only; ``isinstance(x, mt.FloatTensor)`` is False
(torch answers it through a metaclass, which microtensor's style rules out).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._size import Size
from microtensor.tensor import Tensor

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
    "set_default_tensor_type",
]


class _TypedTensor:
    """Base of the typed constructors: ``__new__`` returns an ordinary ``Tensor``."""

    dtype: dtypes.dtype = dtypes.float32

    def __new__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[misc]
        from microtensor._data_factories import tensor
        from microtensor.creation import zeros

        if not args:
            return zeros(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype is not cls.dtype:
                raise TypeError(
                    f"{cls.__name__}(): expected a tensor of dtype {cls.dtype} "
                    f"(got {args[0].dtype}); convert it with .to({cls.dtype})"
                )
            return args[0]
        if len(args) == 1 and isinstance(args[0], Size):
            return zeros(tuple(args[0]), dtype=cls.dtype)
        if all(isinstance(a, int | np.integer) and not isinstance(a, bool) for a in args):
            return zeros(tuple(int(a) for a in args), dtype=cls.dtype)
        if len(args) == 1:
            return tensor(args[0], dtype=cls.dtype)
        raise TypeError(
            f"{cls.__name__}(): expected sizes (ints), or one sequence of data; got "
            f"({', '.join(type(a).__name__ for a in args)})"
        )


class FloatTensor(_TypedTensor):
    """float32 tensors: ``FloatTensor(2, 3)``, ``FloatTensor([1, 2])``.

    Example:
        >>> import microtensor as mt
        >>> mt.FloatTensor([1, 2])
        tensor([1., 2.])
        >>> mt.FloatTensor(2, 3).shape
        microtensor.Size([2, 3])
    """

    dtype = dtypes.float32


class DoubleTensor(_TypedTensor):
    """float64 tensors."""

    dtype = dtypes.float64


class HalfTensor(_TypedTensor):
    """float16 tensors."""

    dtype = dtypes.float16


class ByteTensor(_TypedTensor):
    """uint8 tensors."""

    dtype = dtypes.uint8


class CharTensor(_TypedTensor):
    """int8 tensors."""

    dtype = dtypes.int8


class ShortTensor(_TypedTensor):
    """int16 tensors."""

    dtype = dtypes.int16


class IntTensor(_TypedTensor):
    """int32 tensors."""

    dtype = dtypes.int32


class LongTensor(_TypedTensor):
    """int64 tensors.

    Example:
        >>> import microtensor as mt
        >>> mt.LongTensor([1, 2])
        tensor([1, 2])
    """

    dtype = dtypes.int64


class BoolTensor(_TypedTensor):
    """bool tensors."""

    dtype = dtypes.bool


_BY_NAME = {cls.__name__: cls.dtype for cls in _TypedTensor.__subclasses__()}


def legacy_dtype(value: Any) -> dtypes.dtype | None:
    """The dtype a typed constructor or its name stands for, for ``Tensor.type(...)``.

    Accepts ``mt.FloatTensor``, ``'microtensor.FloatTensor'`` and ``'torch.FloatTensor'``;
    None for anything else.
    """
    if isinstance(value, type) and issubclass(value, _TypedTensor):
        return value.dtype
    if isinstance(value, str):
        prefix, _, name = value.rpartition(".")
        if prefix in ("torch", "microtensor") and name in _BY_NAME:
            return _BY_NAME[name]
    return None


def set_default_tensor_type(t: Any, /) -> None:
    """Make a floating typed constructor's dtype the default, as ``torch.set_default_tensor_type``.

    ``set_default_tensor_type(mt.DoubleTensor)`` (or ``"torch.DoubleTensor"``) is
    ``set_default_dtype(mt.float64)``. Deprecated in PyTorch since 2.1: warns its UserWarning.

    Raises:
        TypeError: for an integer type, or anything that is not a typed constructor or its name
            (torch's message).

    Example:
        >>> import microtensor as mt
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     mt.set_default_tensor_type("torch.DoubleTensor")
        ...     dtype = mt.tensor([1.5]).dtype
        ...     mt.set_default_tensor_type(mt.FloatTensor)
        >>> dtype
        microtensor.float64
    """
    warnings.warn(
        "microtensor.set_default_tensor_type() is deprecated (as in PyTorch since 2.1), please "
        "use microtensor.set_default_dtype() and microtensor.set_default_device() as "
        "alternatives.",
        UserWarning,
        stacklevel=2,
    )
    dtype = legacy_dtype(t)
    if dtype is None:
        if isinstance(t, str):
            raise TypeError(f"invalid type: {t!r}: give a name such as 'torch.DoubleTensor'")
        raise TypeError(
            "invalid type object: only floating-point types are supported as the default type"
        )
    if not dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    dtypes.set_default_dtype(dtype)
