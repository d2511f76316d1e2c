"""``Interpreter`` runs a ``GraphModule`` node by node; ``Transformer`` rebuilds it.

Each node is run by the method named after its op (``call_function``, ``call_module``,
...), so a subclass changes what one kind of node does by overriding one method.
``Transformer`` runs the same methods on ``Proxy`` values, recording a new graph.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from microtensor.fx.graph import Graph
from microtensor.fx.graph_module import GraphModule
from microtensor.fx.node import Argument, Node, Target, map_aggregate, map_arg
from microtensor.fx.proxy import Proxy
from microtensor.fx.tracer import Tracer
from microtensor.nn import Module

__all__ = ["Interpreter", "Transformer"]


class Interpreter:
    """Run a ``GraphModule``'s graph one node at a time.

    Args:
        module: the module to run (its ``graph`` unless ``graph`` is given).
        garbage_collect_values: drop each value after its last use.
        graph: a graph to run instead of ``module.graph``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> class NegateRelu(fx.Interpreter):
        ...     def call_function(self, target, args, kwargs):
        ...         if target is mt.relu:
        ...             return -mt.relu(*args, **kwargs)
        ...         return super().call_function(target, args, kwargs)
        >>> gm = fx.symbolic_trace(lambda x: mt.relu(x) + 1)
        >>> NegateRelu(gm).run(mt.tensor([-1.0, 2.0]))
        tensor([ 1., -1.])
    """

    def __init__(
        self, module: Module, garbage_collect_values: bool = True, graph: Graph | None = None
    ) -> None:
        """Prepare to run ``module``."""
        self.module = module
        self.submodules = dict(module.named_modules())
        self.graph: Graph = graph if graph is not None else module.graph  # type: ignore[assignment]
        self.env: dict[Node, Any] = {}
        self.name = "Interpreter"
        self.garbage_collect_values = garbage_collect_values
        self.extra_traceback = True
        self.user_to_last_uses: dict[Node, list[Node]] = {}
        if garbage_collect_values:
            seen: set[Node] = set()
            for node in reversed(self.graph.nodes):
                for input_node in node.all_input_nodes:
                    if input_node not in seen:
                        seen.add(input_node)
                        self.user_to_last_uses.setdefault(node, []).append(input_node)

    def run(
        self,
        *args: Any,
        initial_env: dict[Node, Any] | None = None,
        enable_io_processing: bool = True,
    ) -> Any:
        """Run the graph on ``args`` and return what its output node returns.

        Args:
            args: the values of the placeholders, in order.
            initial_env: values already known for some nodes (they are not run).
            enable_io_processing: accepted for torch's signature (no input/output codegen).

        Raises:
            RuntimeError: if a placeholder without default gets no argument. With
                ``extra_traceback`` (the default) an error raised by a node has ``While
                executing <the node>`` added to its message, and a ``KeyError`` becomes a
                ``RuntimeError``, as in torch.

        Differs from PyTorch: the added message has no ``Use tlparse`` line (a torch log
        viewer).
        """
        self.env = initial_env if initial_env is not None else {}
        self.args_iter: Iterator[Any] = iter(args)
        for node in self.graph.nodes:
            if node in self.env:
                continue
            try:
                self.env[node] = self.run_node(node)
            except Exception as e:
                if self.extra_traceback:
                    msg = f"While executing {node.format_node()}"
                    msg = f"{e.args[0]}\n\n{msg}" if e.args else msg
                    msg += f"\nOriginal traceback:\n{node.stack_trace}"
                    e.args = (msg, *e.args[1:])
                    if isinstance(e, KeyError):
                        raise RuntimeError(*e.args) from e
                raise
            if self.garbage_collect_values:
                for dead in self.user_to_last_uses.get(node, []):
                    del self.env[dead]
            if node.op == "output":
                return self.env[node]
        return None

    def boxed_run(self, args_list: list[Any]) -> Any:
        """``run`` with torch's boxed calling convention: the list is emptied before running.

        Emptying the caller's list lets the inputs be freed as soon as the graph is done
        with them.

        Args:
            args_list: one value per placeholder.

        Raises:
            RuntimeError: if the list does not hold one value per placeholder.
        """
        placeholders = [n for n in self.graph.nodes if n.op == "placeholder"]
        if len(args_list) != len(placeholders):
            detail = (
                "extra arguments" if len(args_list) > len(placeholders) else "missing arguments"
            )
            raise RuntimeError(
                f"Interpreter.boxed_run expected {len(placeholders)} arguments for placeholders "
                f"but received {len(args_list)} ({detail})"
            )
        env = dict(zip(placeholders, args_list, strict=True))
        args_list.clear()
        return self.run(initial_env=env)

    def run_node(self, n: Node) -> Any:
        """Run one node: fetch its arguments, then call the method named by its op."""
        args, kwargs = self.fetch_args_kwargs_from_env(n)
        return getattr(self, n.op)(n.target, args, kwargs)

    # --- one method per op -----------------------------------------------------------------

    def placeholder(
        self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]
    ) -> Any:
        """The next argument of ``run`` (all the rest for ``*args``), else the default.

        Raises:
            RuntimeError: if there is neither.
        """
        if target.startswith("*"):
            return list(self.args_iter)
        try:
            return next(self.args_iter)
        except StopIteration as stop:
            if args:
                return args[0]
            raise RuntimeError(
                f"Expected positional argument for parameter {target}, but one was not passed in!"
            ) from stop

    def get_attr(self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]) -> Any:
        """The module's attribute at the dotted path ``target``."""
        return self.fetch_attr(target)

    def call_function(
        self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]
    ) -> Any:
        """``target(*args, **kwargs)``."""
        return target(*args, **kwargs)

    def call_method(
        self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]
    ) -> Any:
        """``args[0].target(*args[1:], **kwargs)``."""
        self_obj, *rest = args
        return getattr(self_obj, target)(*rest, **kwargs)

    def call_module(
        self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Call the submodule at the dotted path ``target``."""
        return self.fetch_attr(target)(*args, **kwargs)

    def output(self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]) -> Any:
        """The returned value."""
        return args[0]

    # --- helpers ---------------------------------------------------------------------------

    def fetch_attr(self, target: str) -> Any:
        """The attribute at the dotted path ``target`` of ``self.module``.

        Raises:
            RuntimeError: naming the first missing step.
        """
        atoms = target.split(".")
        value: Any = self.module
        for i, atom in enumerate(atoms):
            if not hasattr(value, atom):
                raise RuntimeError(f"Node referenced nonexistent target {'.'.join(atoms[: i + 1])}")
            value = getattr(value, atom)
        return value

    def fetch_args_kwargs_from_env(self, n: Node) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``n``'s args and kwargs with each node replaced by its value."""
        return self.map_nodes_to_values(n.args, n), self.map_nodes_to_values(n.kwargs, n)

    def map_nodes_to_values(self, args: Argument, n: Node) -> Any:
        """``args`` with each node replaced by its computed value.

        Raises:
            RuntimeError: if a node has no value yet.
        """

        def load_arg(n_arg: Node) -> Any:
            if n_arg not in self.env:
                raise RuntimeError(
                    f"Node {n} referenced nonexistent value {n_arg}! Run Graph.lint() to "
                    "diagnose such issues"
                )
            return self.env[n_arg]

        return map_arg(args, load_arg)


class _TransformerTracer(Tracer):
    """Records into the new graph; every module call stays one node."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.graph = graph
        self.tensor_attrs = {}

    def is_leaf_module(self, m: Module, module_qualified_name: str) -> bool:
        return True


class Transformer(Interpreter):
    """Run a ``GraphModule`` on proxies to build a changed copy (``transform()``).

    Override ``call_function`` and friends to return other proxies: what they return is
    recorded.

    Example:
        >>> import operator
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> class AddToMul(fx.Transformer):
        ...     def call_function(self, target, args, kwargs):
        ...         if target is operator.add:
        ...             target = operator.mul
        ...         return super().call_function(target, args, kwargs)
        >>> gm = fx.symbolic_trace(lambda x: x + 3)
        >>> AddToMul(gm).transform()(mt.tensor([2.0]))
        tensor([6.])
    """

    def __init__(self, module: GraphModule) -> None:
        """Prepare to rebuild ``module``."""
        super().__init__(module)
        self.new_graph = Graph()
        self.tracer = _TransformerTracer(self.new_graph)
        self.tracer.root = module

    def placeholder(
        self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]
    ) -> Proxy:
        """A placeholder of the new graph (with the old default)."""
        default = args[0] if args else inspect.Signature.empty
        return Proxy(self.new_graph.placeholder(target, default_value=default), self.tracer)

    def get_attr(self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]) -> Proxy:
        """A get_attr node of the new graph."""
        return self.tracer.create_proxy("get_attr", target, args, kwargs)

    def call_module(
        self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]
    ) -> Any:
        """A call_module node of the new graph."""
        submodule = self.fetch_attr(target)
        return self.tracer.call_module(submodule, submodule.forward, args, kwargs)

    def call_function(
        self, target: Target, args: tuple[Argument, ...], kwargs: dict[str, Any]
    ) -> Proxy:
        """A call_function node of the new graph."""
        return self.tracer.create_proxy("call_function", target, args, kwargs)

    def transform(self) -> GraphModule:
        """Run the transformation; the new ``GraphModule`` shares the old one's submodules."""
        result = super().run(enable_io_processing=False)
        if result is not None:
            value = map_aggregate(result, lambda a: a.node if isinstance(a, Proxy) else a)
            new_output = self.new_graph.output(value)
            old_output = list(self.graph.nodes)[-1]
            new_output.meta.update(old_output.meta)
        return GraphModule(self.module, self.new_graph)
