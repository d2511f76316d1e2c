"""``graph_def``: microtensor's traced graph as TensorBoard's ``GraphDef``.

The model runs once on the example input (which is made to require grad so that it shows as
a node); ``microtensor.viz.trace`` gives the ops with their module scopes, which become name
scopes: an op that ran in ``fc1`` of a ``Net`` is named ``Net/Linear[fc1]/linear``, and a
parameter ``fc1.weight`` is ``Net/Linear[fc1]/weight``, as in torch's graphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.autograd import enable_grad
from microtensor.tensor import Tensor


def _as_inputs(input_to_model: Any) -> tuple[Tensor, ...]:
    inputs = input_to_model if isinstance(input_to_model, tuple | list) else (input_to_model,)
    prepared = []
    for item in inputs:
        if not isinstance(item, Tensor):
            raise TypeError(
                "add_graph(): input_to_model must be a Tensor or a tuple of Tensors, got "
                f"{type(item).__name__}"
            )
        if item.is_floating_point():
            item = item.detach().requires_grad_(True)
        prepared.append(item)
    return tuple(prepared)


def _scope_path(scope: Sequence[tuple[str, str]]) -> list[str]:
    parts = []
    for name, label in scope:
        kind = label.split("(")[0]
        parts.append(kind if name == "" else f"{kind}[{name.split('.')[-1]}]")
    return parts


def _module_paths(model: Any) -> dict[str, list[str]]:
    """Dotted module name -> its scope path (``"fc1"`` -> ``["Net", "Linear[fc1]"]``)."""
    paths: dict[str, list[str]] = {"": [type(model).__name__]}
    for name, module in model.named_modules():
        if name:
            parent = paths.get(name.rpartition(".")[0], [type(model).__name__])
            paths[name] = [*parent, f"{type(module).__name__}[{name.split('.')[-1]}]"]
    return paths


def graph_def(model: Any, input_to_model: Any) -> Any:
    """Run ``model`` on ``input_to_model`` and return the traced graph as a ``GraphDef``."""
    from tensorboard.compat.proto import (
        attr_value_pb2,
        graph_pb2,
        node_def_pb2,
        tensor_shape_pb2,
        versions_pb2,
    )

    from microtensor.viz import trace

    inputs = _as_inputs(input_to_model)
    with enable_grad():
        output = model(*inputs)
    outputs = (
        [output] if isinstance(output, Tensor) else [o for o in output if isinstance(o, Tensor)]
    )
    graph = trace(outputs, params=model)
    paths = _module_paths(model)
    names: dict[str, str] = {}
    used: set[str] = set()
    input_count = 0
    nodes = []
    for node in graph.nodes.values():
        if node.kind == "op":
            base = "/".join([*_scope_path(node.scope), str(node.op)])
        elif node.kind == "parameter" and node.label != "parameter":
            module_name, _, leaf = node.label.rpartition(".")
            base = "/".join([*paths.get(module_name, [type(model).__name__]), leaf])
        else:
            base = f"input/input.{input_count}"
            input_count += 1
        name, k = base, 1
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names[node.id] = name
        shape = tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=int(size)) for size in node.shape]
        )
        attr = {
            "_output_shapes": attr_value_pb2.AttrValue(
                list=attr_value_pb2.AttrValue.ListValue(shape=[shape])
            ),
            "attr": attr_value_pb2.AttrValue(s=f"dtype: {node.dtype}".encode()),
        }
        nodes.append(
            node_def_pb2.NodeDef(
                name=name,
                op=str(node.op) if node.kind == "op" else node.kind,
                input=[names[src] for src in graph.predecessors(node.id)],
                attr=attr,
            )
        )
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))
