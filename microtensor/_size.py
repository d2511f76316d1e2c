"""``Size``: the type of ``Tensor.shape``, a tuple of ints that prints like PyTorch's."""

from __future__ import annotations

import math


class Size(tuple):  # type: ignore[type-arg]
    """A tensor's shape: a tuple of ints, printed as ``microtensor.Size([2, 3])``.

    Example:
        >>> import microtensor as mt
        >>> s = mt.zeros(2, 3).shape
        >>> s, s == (2, 3), s.numel()
        (microtensor.Size([2, 3]), True, 6)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"microtensor.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        result = tuple.__getitem__(self, key)
        return Size(result) if isinstance(key, slice) else result

    def __add__(self, other):  # type: ignore[no-untyped-def]
        return Size(tuple.__add__(self, tuple(other)))
