"""torch's SymInt-aware helpers (``sym_int``, ``sym_max`` ...) and the ``SymInt`` types.

Under ``torch.compile`` a size can be a symbol (``SymInt``) that the tracer records instead
of a number; these helpers are the branch-free forms of ``int()``, ``max()``, ``not`` and
``x if b else y`` that tracing needs. microtensor runs eagerly, as torch does outside a
compile: every size is a plain Python int, and each helper is its plain Python operation
with torch's type rules (``sym_max`` and ``sym_min`` return a float when either argument is
one).

``SymInt``, ``SymFloat`` and ``SymBool`` are the types: no microtensor op makes one, so
``isinstance(3, microtensor.SymInt)`` is False, as in eager torch. One built directly,
``SymInt(3)``, holds a known value (torch's constant node) and behaves as that number.
"""

from __future__ import annotations

import builtins
import math
import numbers
from typing import Any

import numpy as np

__all__ = [
    "SymBool",
    "SymFloat",
    "SymInt",
    "sym_constrain_range",
    "sym_constrain_range_for_size",
    "sym_float",
    "sym_fresh_size",
    "sym_int",
    "sym_ite",
    "sym_max",
    "sym_min",
    "sym_not",
    "sym_sqrt",
    "sym_sum",
]


class _SymNumber:
    """A symbolic number whose value is known: arithmetic and comparisons use the value."""

    __slots__ = ("node",)
    node: Any
    _kind: type = builtins.object

    def __init__(self, node: Any) -> None:
        if isinstance(node, _SymNumber):
            node = node.node
        self.node = self._kind(node)

    def __repr__(self) -> str:
        return repr(self.node)

    def __hash__(self) -> builtins.int:
        return hash(self.node)

    def __bool__(self) -> builtins.bool:
        return builtins.bool(self.node)

    def __int__(self) -> builtins.int:
        return builtins.int(self.node)

    def __float__(self) -> builtins.float:
        return builtins.float(self.node)

    def __eq__(self, other: object) -> builtins.bool:
        return builtins.bool(self.node == _value(other))

    def __lt__(self, other: Any) -> builtins.bool:
        return builtins.bool(self.node < _value(other))

    def __le__(self, other: Any) -> builtins.bool:
        return builtins.bool(self.node <= _value(other))

    def __gt__(self, other: Any) -> builtins.bool:
        return builtins.bool(self.node > _value(other))

    def __ge__(self, other: Any) -> builtins.bool:
        return builtins.bool(self.node >= _value(other))

    def __add__(self, other: Any) -> Any:
        return self.node + _value(other)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return self.node - _value(other)

    def __rsub__(self, other: Any) -> Any:
        return _value(other) - self.node

    def __mul__(self, other: Any) -> Any:
        return self.node * _value(other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        return self.node / _value(other)

    def __rtruediv__(self, other: Any) -> Any:
        return _value(other) / self.node

    def __floordiv__(self, other: Any) -> Any:
        return self.node // _value(other)

    def __mod__(self, other: Any) -> Any:
        return self.node % _value(other)

    def __pow__(self, other: Any) -> Any:
        return self.node ** _value(other)

    def __neg__(self) -> Any:
        return -self.node

    def __sym_max__(self, other: Any) -> Any:
        return sym_max(self.node, _value(other))

    def __sym_min__(self, other: Any) -> Any:
        return sym_min(self.node, _value(other))

    def __sym_float__(self) -> builtins.float:
        return builtins.float(self.node)

    def __sym_not__(self) -> builtins.bool:
        return not self.node

    def __sym_ite__(self, then: Any, otherwise: Any) -> Any:
        return then if self.node else otherwise


def _value(x: Any) -> Any:
    return x.node if isinstance(x, _SymNumber) else x


class SymInt(_SymNumber):
    """An int the tracer may leave symbolic; here one with a known value.

    Example:
        >>> import microtensor as mt
        >>> n = mt.SymInt(3)
        >>> n * 2, isinstance(3, mt.SymInt)
        (6, False)
    """

    __slots__ = ()
    _kind = builtins.int

    def __index__(self) -> builtins.int:
        return builtins.int(self.node)


class SymFloat(_SymNumber):
    """A float the tracer may leave symbolic; here one with a known value.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_int(mt.SymFloat(2.7))
        2
    """

    __slots__ = ()
    _kind = builtins.float


class SymBool(_SymNumber):
    """A bool the tracer may leave symbolic; here one with a known value.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_not(mt.SymBool(True))
        False
    """

    __slots__ = ()
    _kind = builtins.bool


def sym_int(a: Any) -> Any:
    """``int(a)``; a ``SymInt`` stays itself and a ``SymFloat`` is truncated.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_int(-2.5)
        -2
    """
    if isinstance(a, SymInt):
        return a
    if isinstance(a, SymFloat):
        return math.trunc(a.node)
    return builtins.int(a)


def sym_float(a: Any) -> Any:
    """``float(a)``; a ``SymFloat`` stays itself.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_float(3)
        3.0
    """
    if isinstance(a, SymFloat):
        return a
    if hasattr(a, "__sym_float__"):
        return a.__sym_float__()
    return builtins.float(a)


_NUMBERS = (builtins.int, builtins.float, numbers.Integral, numbers.Real)


def _extreme(name: str, pick: Any, a: Any, b: Any) -> Any:
    if isinstance(a, SymInt | SymFloat):
        return getattr(a, f"__sym_{name}__")(b)
    if isinstance(b, SymInt | SymFloat):
        return getattr(b, f"__sym_{name}__")(a)
    for x in (a, b):
        if not isinstance(x, _NUMBERS):
            raise AssertionError(f"sym_{name}(): expected int or float, got {type(x)}")
    result = pick(a, b)
    is_float = not isinstance(a, numbers.Integral) or not isinstance(b, numbers.Integral)
    return builtins.float(result) if is_float else result


def sym_max(a: Any, b: Any) -> Any:
    """``max(a, b)`` for ints and floats, a float when either is one (``sym_max(1, 2.0)``).

    Raises:
        AssertionError: for an argument that is not an int or a float (torch's check).

    Example:
        >>> import microtensor as mt
        >>> mt.sym_max(3, 2), mt.sym_max(3, 2.0)
        (3, 3.0)
    """
    return _extreme("max", builtins.max, a, b)


def sym_min(a: Any, b: Any) -> Any:
    """``min(a, b)`` for ints and floats, a float when either is one.

    Raises:
        AssertionError: for an argument that is not an int or a float (torch's check).

    Example:
        >>> import microtensor as mt
        >>> mt.sym_min(3, 2), mt.sym_min(1.5, 2)
        (2, 1.5)
    """
    return _extreme("min", builtins.min, a, b)


def sym_not(a: Any) -> Any:
    """``not a``.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_not(0)
        True
    """
    if hasattr(a, "__sym_not__"):
        return a.__sym_not__()
    return not a


def sym_ite(b: Any, t: Any, f: Any) -> Any:
    """``t if b else f``, with torch's checks: ``b`` a bool, ``t`` and ``f`` of one type.

    Raises:
        AssertionError: if ``b`` is not a bool or ``t`` and ``f`` differ in type.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_ite(2 > 1, "yes", "no")
        'yes'
    """
    if not isinstance(b, SymBool | builtins.bool):
        raise AssertionError(f"sym_ite(): expected SymBool or bool, got {type(b)}")
    if type(t) is not type(f):
        raise AssertionError(f"sym_ite(): type mismatch: {type(t)} vs {type(f)}")
    if isinstance(b, SymBool):
        return b.__sym_ite__(t, f)
    return t if b else f


def sym_sqrt(a: Any) -> Any:
    """``math.sqrt(a)`` (a ``SymInt`` as a float first).

    Example:
        >>> import microtensor as mt
        >>> mt.sym_sqrt(9)
        3.0
    """
    return math.sqrt(builtins.float(_value(a)))


def sym_sum(*args: Any) -> Any:
    """``sum`` of the arguments: ``sym_sum([a, b, c])`` or ``sym_sum(a, b, c)``.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_sum([1, 2, 3]), mt.sym_sum(1, 2.5)
        (6, 3.5)
    """
    if len(args) == 1 and isinstance(args[0], list | tuple):
        args = tuple(args[0])
    return builtins.sum(_value(a) for a in args)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def sym_constrain_range(size: Any, *, min: Any = None, max: Any = None) -> None:  # noqa: A002
    """Check that ``size`` lies in ``[min, max]`` (the int64 range where None).

    Under a compile this bounds a symbolic size; eagerly it is torch's check of the value.

    Raises:
        RuntimeError: if ``max < min`` or ``size`` is outside the range.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_constrain_range(3, min=0, max=5)
    """
    _check_range(size, _INT64_MIN if min is None else min, max)


def sym_constrain_range_for_size(size: Any, *, min: Any = None, max: Any = None) -> None:  # noqa: A002
    """``sym_constrain_range`` for a size: the lower bound defaults to 0.

    Raises:
        RuntimeError: if ``max < min`` or ``size`` is outside the range.

    Example:
        >>> import microtensor as mt
        >>> mt.sym_constrain_range_for_size(-1)
        Traceback (most recent call last):
        ...
        RuntimeError: Invalid value range for -1 between [0, 9223372036854775807].
    """
    _check_range(size, 0 if min is None else min, max)


def _check_range(size: Any, low: Any, high: Any) -> None:
    high = _INT64_MAX if high is None else high
    if high < low:
        raise RuntimeError(f"Max must be greater than or equal to min. Got min={low} max={high}")
    value = size.item() if hasattr(size, "item") else _value(size)
    if not low <= value <= high:
        raise RuntimeError(f"Invalid value range for {value} between [{low}, {high}].")


def sym_fresh_size(expr: Any) -> Any:
    """A new size equal to ``expr``: eagerly, its value (``tensor(expr).item()``).

    Example:
        >>> import microtensor as mt
        >>> mt.sym_fresh_size(3)
        3
    """
    return expr.item() if hasattr(expr, "item") else np.asarray(_value(expr)).item()
