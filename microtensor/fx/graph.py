"""``Graph``: the ordered list of ``Node``s of a traced program, as ``torch.fx.Graph``.

The graph is a doubly linked list around a sentinel ``root`` node, so nodes can be inserted
and erased anywhere while iterating. New nodes go where ``inserting_before`` /
``inserting_after`` point (by default: at the end).
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from microtensor.fx._codegen import PythonCode, python_code
from microtensor.fx._namespace import _Namespace, _snake_case
from microtensor.fx.node import Argument, Node, Target, map_arg
from microtensor.nn import Module

__all__ = ["Graph"]


class _NodeList:
    """A live view of a graph's nodes: ``len``, iteration and ``reversed``."""

    def __init__(self, graph: Graph, direction: str = "_next") -> None:
        self._graph = graph
        self._direction = direction

    def __len__(self) -> int:
        return self._graph._len

    def __iter__(self) -> Iterator[Node]:
        root = self._graph._root
        node = getattr(root, self._direction)
        while node is not root:
            if not node._erased:
                yield node
            node = getattr(node, self._direction)

    def __reversed__(self) -> Iterator[Node]:
        return iter(_NodeList(self._graph, "_prev" if self._direction == "_next" else "_next"))


class _InsertPoint:
    """Context manager that restores the graph's insertion point on exit."""

    def __init__(self, graph: Graph, insert: Callable[[Node], None]) -> None:
        self._graph = graph
        self._previous = graph._insert
        graph._insert = insert

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info: object) -> None:
        self._graph._insert = self._previous


class Graph:
    """The intermediate representation of a traced program: a list of ``Node``s.

    Args:
        owning_module: the ``GraphModule`` this graph belongs to (set by ``GraphModule``).
        tracer_cls: the ``Tracer`` class that built it.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> g = fx.Graph()
        >>> x = g.placeholder("x")
        >>> y = g.call_function(mt.relu, (x,))
        >>> _ = g.output(y)
        >>> print(g)  # doctest: +NORMALIZE_WHITESPACE
        graph():
            %x : [num_users=1] = placeholder[target=x]
            %relu : [num_users=1] = call_function[target=microtensor.relu](args = (%x,),
                kwargs = {})
            return relu
    """

    def __init__(self, owning_module: Module | None = None, tracer_cls: type | None = None) -> None:
        self._root = Node(self, "", "root", "", (), {})
        self._used_names: dict[str, int] = {}
        self._insert: Callable[[Node], None] = self._root.prepend
        self._len = 0
        self._graph_namespace = _Namespace()
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls

    @property
    def owning_module(self) -> Module | None:
        """The ``GraphModule`` whose code this graph generates (None if there is none)."""
        return self._owning_module

    @owning_module.setter
    def owning_module(self, module: Module | None) -> None:
        self._owning_module = module

    @property
    def nodes(self) -> _NodeList:
        """The nodes in program order (a live view: ``len``, iteration, ``reversed``)."""
        return _NodeList(self)

    def find_nodes(self, *, op: str, target: Target | None = None, sort: bool = True) -> list[Node]:
        """The nodes with this ``op`` (and ``target``, required for ``call_function``).

        Args:
            op: the op to look for.
            target: the target to look for (any target of the op when None).
            sort: accepted for torch's signature; the nodes always come in graph order.

        Raises:
            AssertionError: if ``op`` is ``call_function`` and ``target`` is None.
        """
        if op == "call_function" and target is None:
            raise AssertionError("target must not be None for call_function op")
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    # --- creating nodes --------------------------------------------------------------------

    def create_node(
        self,
        op: str,
        target: Target,
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        name: str | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Create a node and insert it at the current insertion point.

        Args:
            op: ``placeholder``, ``get_attr``, ``call_function``, ``call_method``,
                ``call_module`` or ``output``.
            target: what the node calls or reads.
            args: positional arguments (may contain nodes).
            kwargs: keyword arguments (may contain nodes).
            name: the wanted name (made unique); by default derived from ``target``.
            type_expr: an optional type annotation.

        Returns:
            The new node.
        """
        candidate = name if name is not None else self._target_to_str(target)
        node_name = self._graph_namespace.create_name(candidate, None)
        node = Node(self, node_name, op, target, tuple(args or ()), dict(kwargs or {}), type_expr)
        self._insert(node)
        self._len += 1
        return node

    def placeholder(
        self, name: str, type_expr: Any | None = None, default_value: Any = inspect.Signature.empty
    ) -> Node:
        """An input of the program (``default_value`` becomes the argument's default)."""
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args, type_expr=type_expr)

    def get_attr(self, qualified_name: str, type_expr: Any | None = None) -> Node:
        """Read the attribute at the dotted path ``qualified_name`` of the owning module."""
        module = self._owning_module
        if module is not None and not _has_path(module, qualified_name):
            warnings.warn(
                "Attempted to insert a get_attr Node with no underlying reference in the "
                f"owning GraphModule! Call GraphModule.add_submodule to add the necessary "
                f"submodule, GraphModule.add_parameter to add the necessary Parameter, or "
                f"nn.Module.register_buffer to add the necessary buffer (target: "
                f"{qualified_name})",
                stacklevel=2,
            )
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(
        self,
        module_name: str,
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Call the submodule at the dotted path ``module_name``."""
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(
        self,
        method_name: str,
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Call the method ``method_name`` of ``args[0]``."""
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(
        self,
        the_function: Callable[..., Any],
        args: tuple[Argument, ...] | None = None,
        kwargs: dict[str, Argument] | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Call a free function (``microtensor.relu``, ``operator.add``, ...)."""
        return self.create_node("call_function", the_function, args, kwargs, type_expr=type_expr)

    def output(self, result: Argument, type_expr: Any | None = None) -> Node:
        """The value the program returns."""
        return self.create_node("output", "output", (result,), type_expr=type_expr)

    def node_copy(
        self, node: Node, arg_transform: Callable[[Node], Argument] = lambda x: x
    ) -> Node:
        """Copy ``node`` (of any graph) into this one, its inputs mapped by ``arg_transform``."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        result = self.create_node(node.op, node.target, args, kwargs, node.name, node.type)
        result.meta = copy.copy(node.meta)
        return result

    def graph_copy(
        self, g: Graph, val_map: dict[Node, Node], return_output_node: bool = False
    ) -> Any:
        """Copy every node of ``g`` into this graph, recording old -> new nodes in ``val_map``.

        Returns:
            The copied output value (not an output node), or ``(value, g's output node)`` with
            ``return_output_node``; None if ``g`` has no output.
        """
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                value = map_arg(node.args[0], lambda n: val_map[n])
                return (value, node) if return_output_node else value
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Graph:
        new_graph = Graph(tracer_cls=self._tracer_cls)
        copied = new_graph.graph_copy(self, val_map={}, return_output_node=True)
        if copied is not None:
            value, old_output = copied
            new_output = new_graph.output(value, type_expr=old_output.type)
            new_output.meta = copy.copy(old_output.meta)
        return new_graph

    # --- changing the graph ----------------------------------------------------------------

    def erase_node(self, to_erase: Node) -> None:
        """Remove a node that no other node uses.

        Raises:
            RuntimeError: if it still has users, or belongs to another graph.
        """
        if to_erase.users:
            raise RuntimeError(
                f"Tried to erase Node {to_erase} but it still had {len(to_erase.users)} "
                f"users in the graph: {to_erase.users}!"
            )
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            warnings.warn(f"erase_node({to_erase}) on an already erased node", stacklevel=2)
            return
        to_erase._remove_from_list()
        to_erase._erased = True
        self._len -= 1
        to_erase._update_args_kwargs(
            map_arg(to_erase.args, lambda n: None), map_arg(to_erase.kwargs, lambda n: None)
        )

    def inserting_before(self, n: Node | None = None) -> _InsertPoint:
        """``with graph.inserting_before(n):`` new nodes go before ``n`` (default: first)."""
        if n is None:
            return self.inserting_after(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert before is not in graph.")
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n: Node | None = None) -> _InsertPoint:
        """``with graph.inserting_after(n):`` new nodes go after ``n`` (default: last).

        As in torch, each new node goes directly after ``n``, so nodes created in one
        ``with`` block come out in reverse order; insert after the new node to keep order.
        """
        if n is None:
            return self.inserting_before(self._root)
        if n.graph is not self:
            raise AssertionError("Node to insert after is not in graph.")
        return _InsertPoint(self, n.append)

    def eliminate_dead_code(self, is_impure_node: Callable[[Node], bool] | None = None) -> bool:
        """Erase the nodes whose values nobody uses (impure ones stay, see ``Node.is_impure``).

        Returns:
            Whether any node was erased.
        """
        self.lint()
        changed = False
        for node in reversed(self.nodes):
            impure = is_impure_node(node) if is_impure_node is not None else node.is_impure()
            if not impure and not node.users:
                self.erase_node(node)
                changed = True
        return changed

    def lint(self) -> None:
        """Check ownership, topological order, unique names, and the targets of the nodes.

        Targets are checked when the graph has an owning module: ``call_function`` targets
        must be callable, the others strings, and every step of a ``get_attr`` /
        ``call_module`` path must exist (a Module, for ``call_module``).

        Raises:
            RuntimeError: naming the first problem found.
            ValueError: for a target of the wrong type.
        """
        seen: set[Node] = set()
        names: set[str] = set()
        for node in self.nodes:
            if node.op not in _LEGAL_OPS:
                raise RuntimeError(f"Node {node} had unknown opcode {node.op}!")
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            for arg in node.all_input_nodes:
                self._lint_argument(arg, node, seen)
            seen.add(node)
            if node.name in names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            names.add(node.name)
        if self._owning_module is not None:
            for node in self.nodes:
                _lint_target(node, self._owning_module)

    def _lint_argument(self, arg: Node, node: Node, seen: set[Node]) -> None:
        if arg.graph is not self:
            raise RuntimeError(
                f"Argument '{arg}' of Node '{node}' does not belong to this Graph, but was used "
                "as an argument! If you are copying nodes from another graph, make sure to use "
                f"``arg_transform`` on node_copy() to remap values\n{self}"
            )
        if arg not in seen:
            raise RuntimeError(
                f"Argument '{arg}' of Node '{node}' was used before it has been defined! Please "
                f"check that Nodes in the graph are topologically ordered\n{self}"
            )

    # --- printing and code -----------------------------------------------------------------

    def python_code(self, root_module: str) -> PythonCode:
        """The Python source of this graph as a ``forward`` function, and its globals.

        Args:
            root_module: the name the code uses for the module (``"self"``).
        """
        return python_code(self, root_module)

    def __str__(self) -> str:
        placeholder_names: list[str] = []
        return_typename = [""]  # torch never fills it: the return type is not printed
        lines = [node.format_node(placeholder_names) for node in self.nodes]
        text = f"graph({', '.join(placeholder_names)}){return_typename[0]}:"
        for line in lines:
            if line:
                text += "\n    " + line
        return text

    def print_tabular(self) -> None:
        """Print one row per node: opcode, name, target, args, kwargs.

        Differs from PyTorch: torch needs the ``tabulate`` package; this prints the same
        ``simple`` layout itself (columns as wide as their widest cell, two spaces apart).

        Example:
            >>> import microtensor as mt
            >>> from microtensor import fx
            >>> fx.symbolic_trace(lambda x: x + 1).graph.print_tabular()
            opcode         name    target                   args    kwargs
            -------------  ------  -----------------------  ------  --------
            placeholder    x       x                        ()      {}
            call_function  add     <built-in function add>  (x, 1)  {}
            output         output  output                   (add,)  {}
        """
        headers = ["opcode", "name", "target", "args", "kwargs"]
        rows = [[str(c) for c in (n.op, n.name, n.target, n.args, n.kwargs)] for n in self.nodes]
        widths = [max([len(h) + 2, *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
        lines = [headers, ["-" * w for w in widths], *rows]
        for line in lines:
            print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))

    def _target_to_str(self, target: Target) -> str:
        if callable(target):
            name = target.__name__
        else:
            name = target
            if name.startswith("__") and name.endswith("__"):
                name = name[2:-2]
        return _snake_case(name)


_LEGAL_OPS = ("placeholder", "call_method", "call_module", "call_function", "get_attr", "output")


def _lint_target(node: Node, module: Any) -> None:
    """Check one node's target against the owning module (see ``Graph.lint``)."""
    if node.op == "call_function" and not callable(node.target):
        raise ValueError(
            f"Node {node} target {node.target} has type {_typename(node.target)} but a "
            "Callable is expected"
        )
    if node.op != "call_function" and not isinstance(node.target, str):
        raise ValueError(
            f"Node {node} target {node.target} has type {_typename(node.target)} but a str "
            "is expected"
        )
    if node.op not in ("get_attr", "call_module"):
        return
    atoms = node.target.split(".")
    obj = module
    for i, atom in enumerate(atoms):
        child = getattr(obj, atom, None)
        seen_qualname = ".".join(atoms[:i])
        if child is None:
            raise RuntimeError(
                f"Node {node} target {node.target} references nonexistent attribute {atom} of "
                f"{seen_qualname}"
            )
        if node.op == "call_module" and not isinstance(child, Module):
            raise RuntimeError(
                f"Node {node} target {node.target} {atom} of {seen_qualname} does not "
                "reference an nn.Module"
            )
        obj = child


def _typename(obj: Any) -> str:
    kind = type(obj)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _has_path(module: Any, qualified_name: str) -> bool:
    obj = module
    for atom in qualified_name.split("."):
        if not hasattr(obj, atom):
            return False
        obj = getattr(obj, atom)
    return True
