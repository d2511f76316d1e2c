"""``ExportedProgram.module()``: the functional graph turned back into a callable module.

Lifted placeholders become ``get_attr`` nodes of the state they stand for, the flat user
inputs are read out of the forward's own arguments (``xs[0]``), the flat outputs are put
back into the structure the model returned, and a forward pre-hook checks the inputs as
torch's guards do.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from microtensor.export.graph_signature import InputKind
from microtensor.fx.graph import Graph
from microtensor.fx.graph_module import GraphModule
from microtensor.fx.node import Node
from microtensor.nn import Module
from microtensor.tensor import Tensor
from microtensor.utils import _pytree as pytree

if TYPE_CHECKING:
    from microtensor.export.exported_program import ExportedProgram

__all__: list[str] = []


def _check_inputs(ep: ExportedProgram, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise as torch's exported module does when the inputs differ from the exported ones.

    Raises:
        ValueError: other keyword arguments or another input structure.
        AssertionError: ``Guard failed: ...`` for a static size or a constant that differs,
            or a dynamic size outside its ``Dim``'s range.
    """
    expected_kwargs = list(ep.example_inputs[1])
    if sorted(kwargs) != sorted(expected_kwargs):
        raise ValueError(
            f"Ran into a kwarg keyword mismatch: Got the following keywords {list(kwargs)} "
            f"but expected {expected_kwargs}"
        )
    kwargs = {k: kwargs[k] for k in expected_kwargs}
    leaves, spec = pytree.tree_flatten((args, kwargs))
    if spec != ep._in_spec:
        raise ValueError(
            "Trying to flatten user inputs with exported input tree spec: \n"
            f"{ep._in_spec}\nbut actually got inputs with tree spec of: \n{spec}.\n"
            "Please check that the inputs have the same number and type of args and kwargs "
            "as the ones you used when tracing."
        )
    seen: dict[str, str] = {}
    for guard, value in zip(ep._guards, leaves, strict=True):
        guard.check(value, seen)


def _user_input_node(graph: Graph, tops: dict[str, Node], top: str, path: tuple[Any, ...]) -> Node:
    node = tops[top]
    for key in path:
        index = next(getattr(key, a) for a in ("idx", "key", "name") if hasattr(key, a))
        if hasattr(key, "name") and not hasattr(key, "idx") and not hasattr(key, "key"):
            node = graph.call_function(getattr, (node, index))
        else:
            node = graph.call_function(operator.getitem, (node, index))
    return node


def unlift(ep: ExportedProgram) -> GraphModule:
    """The module ``ep.module()`` returns."""
    source = ep.graph
    graph = Graph()
    env: dict[Node, Node] = {}
    tops: dict[str, Node] = {}
    for top, _ in ep._arg_paths:
        if top not in tops:
            tops[top] = graph.placeholder(top)
    holder = Module()
    placeholders = [n for n in source.nodes if n.op == "placeholder"]
    user = iter(ep._arg_paths)
    for node, spec in zip(placeholders, ep.graph_signature.input_specs, strict=True):
        if spec.kind == InputKind.USER_INPUT:
            top, path = next(user)
            env[node] = _user_input_node(graph, tops, top, path) if path else tops[top]
        else:
            assert spec.target is not None
            value = ep.state_dict.get(spec.target, ep.constants.get(spec.target))
            assert value is not None
            _install(holder, spec.target, value, spec.kind == InputKind.PARAMETER)
            env[node] = graph.get_attr(spec.target)
        env[node].meta = dict(node.meta)
    for node in source.nodes:
        if node.op == "placeholder":
            continue
        if node.op == "output":
            flat = [env[a] if isinstance(a, Node) else a for a in node.args[0]]
            graph.output(pytree.tree_unflatten(flat, ep._out_spec))
            break
        env[node] = graph.node_copy(node, lambda n: env[n])
    gm = GraphModule(holder, graph, "GraphModule")

    def guard_hook(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        _check_inputs(ep, args, kwargs)

    gm.register_forward_pre_hook(guard_hook, with_kwargs=True)
    return gm


def _install(holder: Module, target: str, value: Tensor, is_parameter: bool) -> None:
    *prefix, field = target.split(".")
    module = holder
    for atom in prefix:
        child = module._modules.get(atom)
        if child is None:
            child = Module()
            module.add_module(atom, child)
        module = child
    if is_parameter:
        module.register_parameter(field, value)  # type: ignore[arg-type]
    else:
        module.register_buffer(field, value)
