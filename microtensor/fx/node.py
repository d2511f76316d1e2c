"""``Node``: one operation of an FX ``Graph``, as ``torch.fx.Node``.

A node has an ``op`` (``placeholder``, ``get_attr``, ``call_function``, ``call_method``,
``call_module`` or ``output``), a ``target`` (the callable, or the name of the method, module,
attribute or argument), ``args`` and ``kwargs`` (which may hold other nodes), and a ``name``
unique in its graph. Nodes form a doubly linked list in program order; each node knows its
``users`` (the nodes that read it) and its inputs, kept up to date when ``args`` change.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from microtensor.fx._qualified_name import _get_qualified_name
from microtensor.fx.immutable_collections import immutable_dict, immutable_list

if TYPE_CHECKING:
    from microtensor.fx.graph import Graph

__all__ = ["Node", "has_side_effect", "map_aggregate", "map_arg"]

_F = TypeVar("_F", bound=Callable[..., Any])
Target = Any  # a callable for call_function, a str for the other ops
Argument = Any  # a Node, a number, a str, a slice, None, or a (nested) tuple / list / dict of those


def map_aggregate(a: Argument, fn: Callable[[Argument], Argument]) -> Argument:
    """Apply ``fn`` to every leaf of ``a``, rebuilding tuples, lists, dicts and slices.

    As in torch, lists and dicts come back as ``immutable_list`` / ``immutable_dict``, and a
    tuple subclass other than a namedtuple (``Size``) as a plain tuple.

    Example:
        >>> from microtensor.fx.node import map_aggregate
        >>> map_aggregate((1, [2, {"k": 3}]), lambda v: v * 10)
        (10, [20, {'k': 30}])
    """
    if isinstance(a, tuple):
        mapped = tuple(map_aggregate(elem, fn) for elem in a)
        return type(a)(*mapped) if hasattr(a, "_fields") else mapped
    if isinstance(a, list):
        return immutable_list(map_aggregate(elem, fn) for elem in a)
    if isinstance(a, dict):
        return immutable_dict((key, map_aggregate(value, fn)) for key, value in a.items())
    if isinstance(a, slice):
        return slice(
            map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn)
        )
    return fn(a)


def map_arg(a: Argument, fn: Callable[[Node], Argument]) -> Argument:
    """Apply ``fn`` to every Node inside ``a`` (other leaves are kept).

    Example:
        >>> from microtensor.fx import Graph
        >>> from microtensor.fx.node import map_arg
        >>> g = Graph()
        >>> x = g.placeholder("x")
        >>> map_arg((x, 2), lambda n: n.name)
        ('x', 2)
    """
    return map_aggregate(a, lambda leaf: fn(leaf) if isinstance(leaf, Node) else leaf)


def _format_arg(arg: Any) -> str:
    """How ``str(graph)`` shows an argument: nodes as ``%name``, containers recursively."""
    if isinstance(arg, list):
        return f"[{', '.join(_format_arg(a) for a in arg)}]"
    if isinstance(arg, tuple):
        comma = "," if len(arg) == 1 else ""
        return f"({', '.join(_format_arg(a) for a in arg)}{comma})"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, Node):
        return "%" + str(arg)
    return str(arg)


def _pretty_print_target(target: Any) -> str:
    """``builtins.getattr``, ``operator.add``, ``microtensor.relu``; strings as they are."""
    if isinstance(target, str):
        return target
    module = getattr(target, "__module__", None)
    if module == "builtins":
        return f"builtins.{target.__name__}"
    if module == "_operator":
        return f"operator.{target.__name__}"
    return _get_qualified_name(target)


def _type_repr(annotation: Any) -> str:
    if isinstance(annotation, type) and annotation.__module__ != "builtins":
        return f"{annotation.__module__}.{annotation.__qualname__}"
    if isinstance(annotation, type):
        return annotation.__qualname__
    if annotation is ...:
        return "..."
    if isinstance(annotation, types.FunctionType):
        return annotation.__name__
    return repr(annotation)


class Node:
    """One operation in a ``Graph`` (create nodes through the graph, not directly).

    Attributes:
        graph: the ``Graph`` that owns this node.
        name: unique in the graph; also the variable name in the generated code.
        op: the kind of operation (see the module docstring).
        target: what is called or read.
        users: dict whose keys are the nodes that use this one (values are None).
        meta: free-form per-node metadata (``ShapeProp`` writes ``tensor_meta`` here).
        type: an optional type annotation, used in the generated code.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> gm = fx.symbolic_trace(lambda x: mt.relu(x) + 1)
        >>> [n.name for n in gm.graph.nodes]
        ['x', 'relu', 'add', 'output']
        >>> relu = gm.graph.find_nodes(op="call_function", target=mt.relu)[0]
        >>> relu.args, list(relu.users), relu.prev, relu.next
        ((x,), [add], x, add)
    """

    def __init__(
        self,
        graph: Graph,
        name: str,
        op: str,
        target: Target,
        args: tuple[Argument, ...],
        kwargs: dict[str, Argument],
        return_type: Any = None,
    ) -> None:
        """Use ``Graph.create_node``, which names the node and links it into the graph."""
        if op not in _OPS:
            raise ValueError(f"Unsupported node op {op!r}: expected one of {sorted(_OPS)}")
        if op == "call_function" and not callable(target):
            raise ValueError(
                f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                f"{type(target)} but a Callable is expected"
            )
        if op in ("placeholder", "call_method", "call_module", "get_attr") and not isinstance(
            target, str
        ):
            raise ValueError(
                f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                f"{type(target)} but a str is expected"
            )
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self._input_nodes: dict[Node, None] = {}
        self._args: tuple[Argument, ...] = ()
        self._kwargs: dict[str, Argument] = {}
        self.users: dict[Node, None] = {}
        self.type = return_type
        self._prev = self
        self._next = self
        self._erased = False
        self.meta: dict[str, Any] = {}
        self._update_args_kwargs(args, kwargs)

    # --- the linked list -------------------------------------------------------------------

    @property
    def next(self) -> Node:
        """The node after this one (the graph's sentinel root after the last node)."""
        return self._next

    @property
    def prev(self) -> Node:
        """The node before this one (the graph's sentinel root before the first node)."""
        return self._prev

    def prepend(self, x: Node) -> None:
        """Move ``x`` (a node of the same graph) to just before this node.

        Raises:
            AssertionError: if ``x`` belongs to another graph.
        """
        if self.graph is not x.graph:
            raise AssertionError("Attempting to move a Node into a different Graph")
        if x is self:  # torch: moving a node next to itself changes nothing
            return
        x._remove_from_list()
        before = self._prev
        before._next, x._prev = x, before
        x._next, self._prev = self, x

    def append(self, x: Node) -> None:
        """Move ``x`` (a node of the same graph) to just after this node.

        Raises:
            AssertionError: if ``x`` belongs to another graph.
        """
        self._next.prepend(x)

    def _remove_from_list(self) -> None:
        before, after = self._prev, self._next
        before._next, after._prev = after, before

    # --- arguments and uses ----------------------------------------------------------------

    @property
    def args(self) -> tuple[Argument, ...]:
        """The positional arguments; assigning them updates ``users`` of the nodes inside."""
        return self._args

    @args.setter
    def args(self, value: tuple[Argument, ...]) -> None:
        self._update_args_kwargs(value, self._kwargs)

    @property
    def kwargs(self) -> dict[str, Argument]:
        """The keyword arguments; assigning them updates ``users`` of the nodes inside."""
        return self._kwargs

    @kwargs.setter
    def kwargs(self, value: dict[str, Argument]) -> None:
        self._update_args_kwargs(self._args, value)

    @property
    def all_input_nodes(self) -> list[Node]:
        """The distinct nodes read by this one, in the order they first appear in the args."""
        return list(self._input_nodes)

    @property
    def stack_trace(self) -> str | None:
        """The Python stack recorded when the node was traced (``meta["stack_trace"]``)."""
        return self.meta.get("stack_trace", None)

    @stack_trace.setter
    def stack_trace(self, trace: str | None) -> None:
        self.meta["stack_trace"] = trace

    def update_arg(self, idx: int, arg: Argument) -> None:
        """Set ``args[idx]`` to ``arg``."""
        args = list(self._args)
        args[idx] = arg
        self.args = tuple(args)

    def insert_arg(self, idx: int, arg: Argument) -> None:
        """Insert ``arg`` into ``args`` before position ``idx`` (``0 <= idx <= len(args)``).

        Raises:
            AssertionError: if ``idx`` is out of that range.
        """
        if not 0 <= idx <= len(self._args):
            raise AssertionError(
                f"insert_args index must be between 0 and len(self.args), got {idx}"
            )
        self.args = (*self._args[:idx], arg, *self._args[idx:])

    def update_kwarg(self, key: str, arg: Argument) -> None:
        """Set ``kwargs[key]`` to ``arg``."""
        self.kwargs = {**self._kwargs, key: arg}

    def _update_args_kwargs(self, args: tuple[Argument, ...], kwargs: dict[str, Argument]) -> None:
        for old_input in self._input_nodes:
            old_input.users.pop(self)
        self._input_nodes = {}
        self._args = map_arg(tuple(args), self._collect_input)
        self._kwargs = map_arg(dict(kwargs), self._collect_input)
        for new_input in self._input_nodes:
            new_input.users.setdefault(self)

    def _collect_input(self, node: Node) -> Node:
        self._input_nodes.setdefault(node)
        return node

    def replace_all_uses_with(
        self,
        replace_with: Node,
        delete_user_cb: Callable[[Node], bool] | None = None,
        *,
        propagate_meta: bool = False,
    ) -> list[Node]:
        """Make every user of this node read ``replace_with`` instead.

        Args:
            replace_with: the node to read instead.
            delete_user_cb: called on each user; the user is changed only when it returns True
                (None: every user is changed).
            propagate_meta: copy this node's ``meta`` onto ``replace_with`` (whose meta must be
                empty).

        Returns:
            The users that were changed.
        """
        if propagate_meta:
            if replace_with.meta:
                raise AssertionError(
                    "Called node.replace_all_uses_with(replace_with, propagate_meta=True), "
                    "but replace_with already has .meta keys"
                )
            replace_with.meta.update(self.meta)
        changed = [u for u in list(self.users) if delete_user_cb is None or delete_user_cb(u)]
        for user in changed:
            user.replace_input_with(self, replace_with)
        return changed

    def replace_input_with(self, old_input: Node, new_input: Node) -> None:
        """Replace every occurrence of ``old_input`` in this node's args and kwargs."""

        def swap(node: Node) -> Node:
            return new_input if node is old_input else node

        self._update_args_kwargs(map_arg(self._args, swap), map_arg(self._kwargs, swap))

    def is_impure(self, impure_random: bool = True) -> bool:
        """Whether dead-code elimination must keep this node even when nothing uses it.

        Placeholders, the output, asserts, random sampling (when ``impure_random``) and
        modules with a true ``_is_impure`` attribute are impure.
        """
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_module":
            owner = self.graph.owning_module
            if owner is None:
                raise AssertionError("self.graph.owning_module not set for purity check")
            return bool(getattr(owner.get_submodule(self.target), "_is_impure", False))
        if self.op == "call_function":
            if self.target in _side_effectful_functions():
                return True
            return impure_random and _get_qualified_name(self.target) in _SAMPLING_FUNCTIONS
        return False

    # --- printing --------------------------------------------------------------------------

    def format_node(
        self,
        placeholder_names: list[str] | None = None,
        maybe_return_typename: list[str] | None = None,
    ) -> str | None:
        """This node as ``str(graph)`` shows it, e.g. ``%add : [num_users=1] = call_function...``.

        Args:
            placeholder_names: when given, a placeholder adds its name here and returns None
                (``Graph.__str__`` builds the ``graph(x, y):`` signature this way).
            maybe_return_typename: a one-element list that the output node fills with its
                `` -> type`` annotation, if it has one.
        """
        typename = f"{_type_repr(self.type)} " if self.type is not None else ""
        head = f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}"
        if self.op == "placeholder":
            if placeholder_names:  # torch's test: an empty list prints the placeholder
                placeholder_names.append(self.target)
                return None
            default = f"(default={self.args[0]})" if self.args else ""
            return f"{head}[target={self.target}]{default}"
        if self.op == "get_attr":
            return f"{head}[target={self.target}]"
        if self.op == "output":
            if self.type is not None and maybe_return_typename is not None:
                maybe_return_typename[0] = f" -> {_type_repr(self.type)}"
            return f"return {self.args[0]}"
        return (
            f"{head}[target={_pretty_print_target(self.target)}]"
            f"(args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})"
        )

    def __repr__(self) -> str:
        return self.name


_OPS = {"placeholder", "get_attr", "call_function", "call_method", "call_module", "output", "root"}


# functions that dead-code elimination keeps (has_side_effect adds to it)
_registered_side_effects: set[Callable[..., Any]] = set()


def has_side_effect(fn: _F) -> _F:
    """Mark ``fn`` so that ``Graph.eliminate_dead_code`` keeps its unused calls.

    Args:
        fn: the function (it is returned, so this works as a decorator).

    Returns:
        ``fn`` itself.

    Example:
        >>> from microtensor import fx
        >>> def log_value(x):
        ...     return x
        >>> _ = fx.has_side_effect(log_value)
        >>> g = fx.Graph()
        >>> x = g.placeholder("x")
        >>> _ = g.call_function(log_value, (x,))
        >>> _ = g.output(x)
        >>> g.eliminate_dead_code(), [n.name for n in g.nodes]
        (False, ['x', 'log_value', 'output'])
    """
    _registered_side_effects.add(fn)
    return fn


def _side_effectful_functions() -> set[Callable[..., Any]]:
    from microtensor.fx.tracer import _assert, _assert_is_none

    return {_assert, _assert_is_none, *_registered_side_effects}


# sampling draws from the global generator: removing an unused draw would change later draws
_SAMPLING_FUNCTIONS = frozenset(
    f"microtensor.{name}"
    for name in ("rand", "randn", "randint", "randperm", "bernoulli", "multinomial", "normal")
    + ("poisson", "rand_like", "randn_like", "randint_like")
)
