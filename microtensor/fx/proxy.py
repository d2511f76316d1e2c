"""``Proxy``: the stand-in value a traced program computes with, as ``torch.fx.Proxy``.

Every operation on a Proxy records a node instead of computing: operators record
``call_function`` of the ``operator`` function (``x + 1`` -> ``operator.add``), attribute
reads and method calls record ``getattr`` / ``call_method``, and microtensor functions hand
the call to ``Proxy.__torch_function__``, which records ``call_function`` of the function.

``TracerBase`` holds what every tracer shares: ``create_node``, ``create_proxy`` and
``create_arg`` (which turns proxies into their nodes inside any argument).
"""

from __future__ import annotations

import dis
import enum
import inspect
import operator
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any

from microtensor.fx import _dispatch
from microtensor.fx.graph import Graph
from microtensor.fx.node import Argument, Node, Target, map_aggregate

__all__ = ["Attribute", "GraphAppendingTracer", "Proxy", "TraceError", "TracerBase"]


class TraceError(ValueError):
    """Raised when a traced value is used where its real value is needed (``if``, loops)."""


def _base_types() -> tuple[type, ...]:
    import microtensor as mt

    return (str, int, float, bool, complex, mt.dtype, mt.device, mt.memory_format, mt.layout)


class TracerBase:
    """Records nodes into ``self.graph``; ``Tracer`` adds how modules and tensors are traced."""

    graph: Graph

    def create_node(
        self,
        kind: str,
        target: Target,
        args: tuple[Argument, ...],
        kwargs: dict[str, Argument],
        name: str | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Insert a node into ``self.graph`` (override to transform or annotate every node)."""
        return self.graph.create_node(kind, target, args, kwargs, name, type_expr)

    def proxy(self, node: Node) -> Proxy:
        """Wrap ``node`` in a ``Proxy`` of this tracer."""
        return Proxy(node, self)

    def create_proxy(
        self,
        kind: str,
        target: Target,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        name: str | None = None,
        type_expr: Any | None = None,
        proxy_factory_fn: Callable[[Node], Proxy] | None = None,
    ) -> Proxy:
        """Record a node whose arguments may hold proxies, and return its ``Proxy``."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return proxy_factory_fn(node) if proxy_factory_fn is not None else self.proxy(node)

    def create_arg(self, a: Any) -> Argument:
        """The graph form of an argument: proxies become nodes, containers are rebuilt.

        Raises:
            NotImplementedError: for a value a graph cannot hold.
            RuntimeError: for a dict key that is a traced value.
        """
        if isinstance(a, Proxy):
            return a.node
        if hasattr(a, "__fx_create_arg__"):
            return a.__fx_create_arg__(self)
        if isinstance(a, tuple):
            elements = [self.create_arg(elem) for elem in a]
            return type(a)(*elements) if hasattr(a, "_fields") else type(a)(elements)
        if isinstance(a, list):
            return [self.create_arg(elem) for elem in a]
        if isinstance(a, dict):
            return {self._create_key(key): self.create_arg(value) for key, value in a.items()}
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, (Node, enum.Enum, *_base_types())) or a is None or a is ...:
            return a
        raise NotImplementedError(f"argument of type: {type(a)}")

    def _create_key(self, key: Any) -> Any:
        key = self.create_arg(key)

        def no_node(arg: Any) -> Any:
            if isinstance(arg, Node):
                raise RuntimeError(
                    "Keys for dictionaries used as an argument cannot contain a Node. "
                    f"Got key: {key}"
                )
            return arg

        map_aggregate(key, no_node)
        return key

    def to_bool(self, obj: Proxy) -> bool:
        """Called by ``bool(proxy)`` (``if``, ``while``, ``and``).

        Raises:
            TraceError: always, unless a subclass decides a value.
        """
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")

    def iter(self, obj: Proxy) -> Iterator[Any]:
        """Called by ``iter(proxy)`` (``for``, ``*proxy``) other than tuple unpacking.

        Raises:
            TraceError: always, unless a subclass decides an iterator.
        """
        raise TraceError(
            "Proxy object cannot be iterated. This can be attempted when the Proxy is used in "
            "a loop or as a *args or **kwargs function argument. See the torch.fx docs on "
            "pytorch.org for a more detailed explanation of what types of control flow can be "
            "traced, and check out the Proxy docstring for help troubleshooting Proxy "
            "iteration errors"
        )

    def keys(self, obj: Proxy) -> Any:
        """Called by ``proxy.keys()`` (what ``**proxy`` asks): records ``call_method keys``."""
        return Attribute(obj, "keys")()


class GraphAppendingTracer(TracerBase):
    """The tracer of a ``Proxy`` made from a bare node: it appends to that node's graph."""

    def __init__(self, graph: Graph) -> None:
        """Append to ``graph``."""
        self.graph = graph


class Proxy:
    """A value seen while tracing: operations on it record nodes into its tracer's graph.

    Args:
        node: the node whose value this proxy stands for.
        tracer: the tracer to record into (by default one that appends to ``node.graph``).

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> g = fx.Graph()
        >>> x = fx.Proxy(g.placeholder("x"))
        >>> y = (x * 2).relu().sum(dim=0)
        >>> for node in list(g.nodes)[1:]:
        ...     print(node.name, node.op, node.target, node.args, node.kwargs)
        mul call_function <built-in function mul> (x, 2) {}
        relu call_method relu (mul,) {}
        sum_1 call_method sum (relu,) {'dim': 0}

    A microtensor function (``mt.relu(x)``) records a node only while a ``Tracer`` traces:
    that is when microtensor's functions dispatch ``__torch_function__``.
    """

    def __init__(self, node: Node, tracer: TracerBase | None = None) -> None:
        """Stand for ``node``'s value."""
        self.tracer = tracer if tracer is not None else GraphAppendingTracer(node.graph)
        self.node = node

    def __repr__(self) -> str:
        return f"Proxy({self.node.name})"

    def __getattr__(self, k: str) -> Attribute:
        if k.startswith("__") and k.endswith("__"):
            # protocols probed by libraries (numpy's __array__, copy's __deepcopy__) are not
            # traced values; torch records them, which only makes a broken node
            raise AttributeError(k)
        return Attribute(self, k)

    def __call__(self, *args: Any, **kwargs: Any) -> Proxy:
        """``proxy(...)``: records ``call_method __call__``."""
        return self.tracer.create_proxy("call_method", "__call__", (self, *args), kwargs)

    def __iter__(self) -> Iterator[Any]:
        # `a, b = proxy` is allowed: the caller's next instruction says how many values
        caller = inspect.currentframe().f_back  # type: ignore[union-attr]
        if caller is not None:
            instructions = list(dis.get_instructions(caller.f_code))
            index = bisect_left(instructions, caller.f_lasti, key=lambda inst: inst.offset)
            if index < len(instructions) and instructions[index].opname == "UNPACK_SEQUENCE":
                return (self[i] for i in range(instructions[index].argval))
        return self.tracer.iter(self)

    def __bool__(self) -> bool:
        return self.tracer.to_bool(self)

    def __len__(self) -> int:
        raise RuntimeError(
            "'len' is not supported in symbolic tracing by default. If you want this call to "
            "be recorded, please call microtensor.fx.wrap('len') at module scope"
        )

    def keys(self) -> Any:
        """``proxy.keys()``, as ``**proxy`` asks: ``tracer.keys`` decides."""
        return self.tracer.keys(self)

    @classmethod
    def __torch_function__(
        cls,
        orig_method: Callable[..., Any],
        types: tuple[type, ...],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Proxy:
        """Record a function (``call_function``) or Tensor method (``call_method``) call.

        Raises:
            RuntimeError: if the proxies come from different tracers.
        """
        kwargs = kwargs or {}
        tracers: dict[TracerBase, None] = {}

        def find_tracer(a: Any) -> Any:
            if isinstance(a, cls):
                tracers[a.tracer] = None
            return a

        map_aggregate(args, find_tracer)
        map_aggregate(kwargs, find_tracer)
        if len(tracers) > 1:
            raise RuntimeError(
                f"Found multiple different tracers {list(tracers)} while trying to trace "
                f"operations {orig_method}"
            )
        tracer = next(iter(tracers))
        method = _dispatch.tensor_method_target(orig_method)
        if method is not None:
            return tracer.create_proxy("call_method", method, args, kwargs)
        return tracer.create_proxy("call_function", orig_method, args, kwargs)

    # --- operators: call_function of the operator module's function ------------------------

    def _op(self, target: Callable[..., Any], *args: Any) -> Proxy:
        return self.tracer.create_proxy("call_function", target, args, {})

    def __add__(self, other: Any) -> Proxy:
        return self._op(operator.add, self, other)

    def __radd__(self, other: Any) -> Proxy:
        return self._op(operator.add, other, self)

    def __sub__(self, other: Any) -> Proxy:
        return self._op(operator.sub, self, other)

    def __rsub__(self, other: Any) -> Proxy:
        return self._op(operator.sub, other, self)

    def __mul__(self, other: Any) -> Proxy:
        return self._op(operator.mul, self, other)

    def __rmul__(self, other: Any) -> Proxy:
        return self._op(operator.mul, other, self)

    def __truediv__(self, other: Any) -> Proxy:
        return self._op(operator.truediv, self, other)

    def __rtruediv__(self, other: Any) -> Proxy:
        return self._op(operator.truediv, other, self)

    def __floordiv__(self, other: Any) -> Proxy:
        return self._op(operator.floordiv, self, other)

    def __rfloordiv__(self, other: Any) -> Proxy:
        return self._op(operator.floordiv, other, self)

    def __mod__(self, other: Any) -> Proxy:
        return self._op(operator.mod, self, other)

    def __rmod__(self, other: Any) -> Proxy:
        return self._op(operator.mod, other, self)

    def __pow__(self, other: Any) -> Proxy:
        return self._op(operator.pow, self, other)

    def __rpow__(self, other: Any) -> Proxy:
        return self._op(operator.pow, other, self)

    def __matmul__(self, other: Any) -> Proxy:
        return self._op(operator.matmul, self, other)

    def __rmatmul__(self, other: Any) -> Proxy:
        return self._op(operator.matmul, other, self)

    def __lshift__(self, other: Any) -> Proxy:
        return self._op(operator.lshift, self, other)

    def __rlshift__(self, other: Any) -> Proxy:
        return self._op(operator.lshift, other, self)

    def __rshift__(self, other: Any) -> Proxy:
        return self._op(operator.rshift, self, other)

    def __rrshift__(self, other: Any) -> Proxy:
        return self._op(operator.rshift, other, self)

    def __and__(self, other: Any) -> Proxy:
        return self._op(operator.and_, self, other)

    def __rand__(self, other: Any) -> Proxy:
        return self._op(operator.and_, other, self)

    def __or__(self, other: Any) -> Proxy:
        return self._op(operator.or_, self, other)

    def __ror__(self, other: Any) -> Proxy:
        return self._op(operator.or_, other, self)

    def __xor__(self, other: Any) -> Proxy:
        return self._op(operator.xor, self, other)

    def __rxor__(self, other: Any) -> Proxy:
        return self._op(operator.xor, other, self)

    def __getitem__(self, idx: Any) -> Proxy:
        return self._op(operator.getitem, self, idx)

    def __eq__(self, other: Any) -> Proxy:  # type: ignore[override]
        return self._op(operator.eq, self, other)

    def __ne__(self, other: Any) -> Proxy:  # type: ignore[override]
        return self._op(operator.ne, self, other)

    def __lt__(self, other: Any) -> Proxy:
        return self._op(operator.lt, self, other)

    def __le__(self, other: Any) -> Proxy:
        return self._op(operator.le, self, other)

    def __gt__(self, other: Any) -> Proxy:
        return self._op(operator.gt, self, other)

    def __ge__(self, other: Any) -> Proxy:
        return self._op(operator.ge, self, other)

    def __neg__(self) -> Proxy:
        return self._op(operator.neg, self)

    def __pos__(self) -> Proxy:
        return self._op(operator.pos, self)

    def __invert__(self) -> Proxy:
        return self._op(operator.invert, self)

    __hash__ = object.__hash__  # defining __eq__ would otherwise make proxies unhashable


class Attribute(Proxy):
    """``proxy.name``: a ``getattr`` node, recorded only if the value is used.

    Calling it records ``call_method name`` instead.
    """

    def __init__(self, root: Proxy, attr: str) -> None:
        """Stand for ``root.attr``."""
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node: Node | None = None

    @property
    def node(self) -> Node:
        """The ``getattr`` node, created on first use."""
        if self._node is None:
            self._node = self.tracer.create_proxy(
                "call_function", getattr, (self.root, self.attr), {}
            ).node
        return self._node

    @node.setter
    def node(self, value: Node) -> None:
        self._node = value

    def __call__(self, *args: Any, **kwargs: Any) -> Proxy:
        """``proxy.name(...)``: records ``call_method name``."""
        return self.tracer.create_proxy("call_method", self.attr, (self.root, *args), kwargs)
