"""``Dim`` and ``dims``: name a dimension of an example input as dynamic.

``export(model, (x,), dynamic_shapes={"x": {0: Dim("batch")}})`` says that dim 0 of ``x``
may take any size (within ``min``/``max``) when the exported program runs; every other dim
stays the size it had in the example.

Differs from PyTorch: microtensor has no symbolic shapes. A dynamic dim is not checked
against its example size at call time, only against its ``min``/``max`` range, and its
symbol (``s0``, ``s1``, ...) appears in ``ep.range_constraints`` and in the printed input
annotations; shapes inside the graph print as they were in the example run, and branches of
the model that looked at a dynamic size were taken for the example's size (torch would
raise a constraint violation or add a guard).
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

__all__ = ["Dim", "DimHint", "ShapesCollection", "ValueRanges", "dims"]


class _IntInfinity:
    """torch's ``int_oo``: the unbounded end of a dim range."""

    def __repr__(self) -> str:
        return "int_oo"


int_oo = _IntInfinity()


class ValueRanges:
    """The range a dynamic dim may take, printed as torch prints it (``VR[0, int_oo]``)."""

    def __init__(self, lower: int, upper: int | _IntInfinity) -> None:
        """Hold ``lower <= size <= upper``."""
        self.lower = lower
        self.upper = upper

    def __repr__(self) -> str:
        return f"VR[{self.lower}, {self.upper!r}]"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValueRanges):
            return NotImplemented
        return (self.lower, repr(self.upper)) == (other.lower, repr(other.upper))

    def __hash__(self) -> int:
        return hash((self.lower, repr(self.upper)))


class DimHint(Enum):
    """``Dim.AUTO``, ``Dim.STATIC``, ``Dim.DYNAMIC``: a dim's treatment without a name."""

    AUTO = "AUTO"
    STATIC = "STATIC"
    DYNAMIC = "DYNAMIC"

    def __repr__(self) -> str:
        return f"DimHint({self.value})"


class Dim:
    """A named dynamic dimension, as ``torch.export.Dim``.

    Args:
        name: the dim's name (shows in ``repr``).
        min: the smallest size allowed (0 by default, as torch).
        max: the largest size allowed (unbounded by default).

    Raises:
        AssertionError: if ``min`` is larger than ``max`` (torch's type).

    Example:
        >>> from microtensor.export import Dim
        >>> Dim("batch", min=1, max=64)
        Dim('batch', min=1, max=64)
        >>> Dim("batch").min, Dim("batch").max == Dim("batch").max
        (0, True)
    """

    AUTO = DimHint.AUTO
    STATIC = DimHint.STATIC
    DYNAMIC = DimHint.DYNAMIC

    def __init__(self, name: str, *, min: int | None = None, max: int | None = None) -> None:
        """Name a dim that may vary between ``min`` and ``max``."""
        lower = 0 if min is None else min
        upper = math.inf if max is None else max
        if lower > upper:
            raise AssertionError(f"Cannot create Dim with inconsistent min={min}, max={max}")
        self.__name__ = name
        self.min = lower
        self.max: int | float = upper

    def __repr__(self) -> str:
        text = f"Dim({self.__name__!r}"
        if self.min != 2:  # torch leaves out its internal default lower bound
            text += f", min={self.min}"
        if self.max != math.inf:
            text += f", max={self.max}"
        return text + ")"

    def value_range(self) -> ValueRanges:
        """The ``ValueRanges`` torch records for this dim."""
        upper: int | _IntInfinity = int_oo if self.max == math.inf else int(self.max)
        return ValueRanges(self.min, upper)


def dims(*names: str, min: int | None = None, max: int | None = None) -> tuple[Dim, ...]:
    """Several ``Dim``s at once, with the same range.

    Example:
        >>> from microtensor.export import dims
        >>> dims("batch", "seq", max=128)
        (Dim('batch', min=0, max=128), Dim('seq', min=0, max=128))
    """
    return tuple(Dim(name, min=min, max=max) for name in names)


class ShapesCollection:
    """Dynamic shapes given per example tensor: ``sc[x] = {0: Dim("batch")}``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.export import Dim, ShapesCollection
        >>> x = mt.randn(4, 3)
        >>> sc = ShapesCollection()
        >>> sc[x] = {0: Dim("batch")}
        >>> sc.dynamic_shapes(mt.nn.ReLU(), (x,))
        {'input': {0: Dim('batch', min=0)}}
    """

    def __init__(self) -> None:
        """Start empty."""
        self._shapes: dict[int, Any] = {}

    def __setitem__(self, tensor: Any, shape: Any) -> None:
        self._shapes[id(tensor)] = shape

    def __getitem__(self, tensor: Any) -> Any:
        return self._shapes.setdefault(id(tensor), {})

    def __len__(self) -> int:
        return len(self._shapes)

    def dynamic_shapes(self, m: Any, args: tuple[Any, ...], kwargs: Any = None) -> Any:
        """The ``dynamic_shapes`` argument for ``export(m, args, kwargs)``, by argument name."""
        import inspect

        from microtensor.utils import _pytree as pytree

        def shape_of(leaf: Any) -> Any:
            return self._shapes.get(id(leaf))

        bound = inspect.signature(m.forward).bind(*args, **(kwargs or {}))
        return {name: pytree.tree_map(shape_of, value) for name, value in bound.arguments.items()}
