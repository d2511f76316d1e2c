"""``save`` / ``load``: microtensor's own exported-program archive, safe to load.

The archive is a zip holding ``program.json`` (the node list, the signature, the guards and
the input/output structures, as JSON) and ``tensors.safetensors`` (the state dict, the
constants and the example inputs). Loading runs no code from the file: the graph is rebuilt
node by node, and a
``call_function`` target must name a public function of ``microtensor``,
``microtensor.nn.functional``, ``microtensor.special``, ``microtensor.linalg``,
``microtensor.fft`` or ``operator`` (or ``getattr``); a ``call_method`` target a public
Tensor method.

Differs from PyTorch: torch's ``.pt2`` archives cannot be read, nor these by torch.
"""

from __future__ import annotations

import builtins
import importlib
import io
import json
import os
import zipfile
from typing import IO, Any

from microtensor.export.dynamic_shapes import Dim, ValueRanges, int_oo
from microtensor.export.exported_program import ExportedProgram, InputGuard
from microtensor.export.graph_signature import (
    ConstantArgument,
    ExportGraphSignature,
    InputKind,
    InputSpec,
    OutputKind,
    OutputSpec,
    TensorArgument,
)
from microtensor.fx.graph import Graph
from microtensor.fx.graph_module import GraphModule
from microtensor.fx.node import Node
from microtensor.nn import Module, Parameter
from microtensor.tensor import Tensor
from microtensor.utils import _pytree as pytree

__all__ = ["load", "save"]

_FORMAT = "microtensor.export/1"
_NAMESPACES = (
    "microtensor",
    "microtensor.nn.functional",
    "microtensor.special",
    "microtensor.linalg",
    "microtensor.fft",
    "operator",
)


def _encode(arg: Any) -> Any:
    if isinstance(arg, Node):
        return {"node": arg.name}
    if isinstance(arg, bool | int | str) or arg is None:
        return arg
    if isinstance(arg, float):
        return {"float": repr(arg)}
    if isinstance(arg, tuple | list):  # fx's immutable_list is stored as a list
        return {"tuple" if isinstance(arg, tuple) else "list": [_encode(a) for a in arg]}
    if isinstance(arg, dict):
        return {"dict": [[_encode(k), _encode(v)] for k, v in arg.items()]}
    if isinstance(arg, slice):
        return {"slice": [_encode(arg.start), _encode(arg.stop), _encode(arg.step)]}
    if arg is ...:
        return {"ellipsis": None}
    import microtensor as mt

    if isinstance(arg, mt.dtype):
        return {"dtype": str(arg).rsplit(".", 1)[-1]}
    raise TypeError(f"export.save(): cannot store a graph argument of type {type(arg).__name__}")


def _decode(data: Any, nodes: dict[str, Node]) -> Any:
    if not isinstance(data, dict):
        return data
    ((tag, value),) = data.items()
    if tag == "node":
        return nodes[value]
    if tag == "float":
        return float(value)
    if tag in ("tuple", "list"):
        items = [_decode(a, nodes) for a in value]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict":
        return {_decode(k, nodes): _decode(v, nodes) for k, v in value}
    if tag == "slice":
        return slice(*(_decode(a, nodes) for a in value))
    if tag == "ellipsis":
        return ...
    if tag == "dtype":
        import microtensor as mt

        dtype = getattr(mt, value, None)
        if isinstance(dtype, mt.dtype):
            return dtype
    raise ValueError(f"export.load(): unknown argument {data!r} in the archive")


def _target_name(node: Node) -> str:
    if node.op != "call_function":
        return str(node.target)
    fn = node.target
    if fn is builtins.getattr:
        return "getattr"
    name = getattr(fn, "__name__", "")
    for namespace in _NAMESPACES:
        if _resolve(f"{namespace}.{name}") is fn:
            return f"{namespace}.{name}"
    raise TypeError(
        f"export.save(): node {node.name} calls {fn!r}, which load() would not accept: only "
        f"public functions of {', '.join(_NAMESPACES)} are stored"
    )


def _resolve(qualified: str) -> Any:
    """The allowed function ``qualified`` names, or None."""
    if qualified == "getattr":
        return builtins.getattr
    module, _, name = qualified.rpartition(".")
    if module not in _NAMESPACES or not name or name.startswith("_"):
        return None
    fn = getattr(importlib.import_module(module), name, None)
    return fn if callable(fn) and not isinstance(fn, type) else None


def save(ep: ExportedProgram, f: str | os.PathLike[str] | IO[bytes], **kwargs: Any) -> None:
    """Write ``ep`` to ``f`` in microtensor's archive format (see the module docstring).

    Raises:
        TypeError: if a node calls a function ``load`` would refuse.

    Example:
        >>> import io
        >>> import microtensor as mt
        >>> from microtensor import export, nn
        >>> ep = export.export(nn.Linear(3, 2), (mt.randn(4, 3),))
        >>> buffer = io.BytesIO()
        >>> export.save(ep, buffer)
        >>> loaded = export.load(io.BytesIO(buffer.getvalue()))
        >>> x = mt.randn(4, 3)
        >>> mt.allclose(loaded.module()(x), ep.module()(x))
        True
    """
    import safetensors.numpy

    nodes = [
        {
            "name": n.name,
            "op": n.op,
            "target": _target_name(n),
            "args": _encode(n.args),
            "kwargs": _encode(n.kwargs),
            "val": _meta(n.meta.get("val")),
        }
        for n in ep.graph.nodes
    ]
    sig = ep.graph_signature
    program = {
        "format": _FORMAT,
        "nodes": nodes,
        "inputs": [_spec(s) for s in sig.input_specs],
        "outputs": [_spec(s) for s in sig.output_specs],
        "parameters": [name for name, _ in ep.named_parameters()],
        "guards": [[g.name, g.shape, _encode(g.value), _dims(g)] for g in ep._guards],
        "ranges": {k: [v.lower, repr(v.upper)] for k, v in ep.range_constraints.items()},
        "in_spec": _encode(_spec_tree(ep._in_spec)),
        "out_spec": _encode(_spec_tree(ep._out_spec)),
        "arg_paths": [[top, [_key(k) for k in path]] for top, path in ep._arg_paths],
    }
    tensors = {f"state/{k}": v.detach().numpy() for k, v in ep.state_dict.items()}
    tensors |= {f"constant/{k}": v.detach().numpy() for k, v in ep.constants.items()}
    leaves, _ = pytree.tree_flatten(ep.example_inputs)
    examples = [
        {"tensor": i} if isinstance(leaf, Tensor) else _encode(leaf)
        for i, leaf in enumerate(leaves)
    ]
    for i, leaf in enumerate(leaves):
        if isinstance(leaf, Tensor):
            tensors[f"example/{i}"] = leaf.detach().numpy()
    program["examples"] = [_encode(_spec_tree(pytree.tree_structure(ep.example_inputs))), examples]
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("program.json", json.dumps(program))
        archive.writestr("tensors.safetensors", safetensors.numpy.save(tensors))
    if isinstance(f, str | os.PathLike):
        with open(f, "wb") as out:
            out.write(data.getvalue())
    else:
        f.write(data.getvalue())


def _meta(value: Any) -> Any:
    if isinstance(value, Tensor):
        return {"shape": list(value.shape), "dtype": str(value.dtype).rsplit(".", 1)[-1]}
    return None


def _spec(spec: InputSpec | OutputSpec) -> list[Any]:
    arg = spec.arg
    value = _encode(arg.value) if isinstance(arg, ConstantArgument) else None
    constant = isinstance(arg, ConstantArgument)
    return [
        spec.kind.name,
        arg.name,
        constant,
        value,
        spec.target,
        getattr(spec, "persistent", None),
    ]


def _dims(guard: InputGuard) -> dict[str, list[Any]]:
    return {s: [d.min, None if d.max == float("inf") else d.max] for s, d in guard.dims.items()}


def _spec_tree(spec: Any) -> Any:
    return pytree.tree_unflatten([0] * spec.num_leaves, spec)


def _key(key: Any) -> list[Any]:
    for attr in ("idx", "key", "name"):
        if hasattr(key, attr):
            return [attr, getattr(key, attr)]
    raise TypeError(f"export.save(): unknown pytree key {key!r}")


def _tensor_method(name: str) -> bool:
    return not name.startswith("_") and callable(getattr(Tensor, name, None))


def _rebuild_graph(nodes: list[dict[str, Any]]) -> Graph:
    graph = Graph()
    by_name: dict[str, Node] = {}
    for data in nodes:
        op, target = data["op"], data["target"]
        args = _decode(data["args"], by_name)
        kwargs = _decode(data["kwargs"], by_name)
        if op == "placeholder":
            node = graph.placeholder(target)
        elif op == "output":
            node = graph.output(args[0])
        elif op == "call_function":
            fn = _resolve(target)
            if fn is None:
                raise ValueError(
                    f"export.load(): node {data['name']} calls {target!r}, which is not an "
                    "allowed microtensor function; the archive is refused"
                )
            node = graph.call_function(fn, tuple(args), kwargs)
        elif op == "call_method" and _tensor_method(target):
            node = graph.call_method(target, tuple(args), kwargs)
        else:
            raise ValueError(
                f"export.load(): node {data['name']} is a {op} of {target!r}, which an "
                "exported program cannot hold; the archive is refused"
            )
        if data.get("val"):
            import microtensor as mt

            node.meta["val"] = mt.zeros(
                data["val"]["shape"], dtype=getattr(mt, data["val"]["dtype"])
            )
        by_name[data["name"]] = node
    return graph


def _examples(program: dict[str, Any], arrays: dict[str, Any]) -> Any:
    import microtensor as mt

    skeleton, values = program["examples"]
    leaves = [
        mt.from_numpy(arrays[f"example/{i}"].copy())
        if value == {"tensor": i}
        else _decode(value, {})
        for i, value in enumerate(values)
    ]
    return pytree.tree_unflatten(leaves, pytree.tree_structure(_decode(skeleton, {})))


def _read_spec(data: list[Any], output: bool) -> InputSpec | OutputSpec:
    kind, name, constant, value, target, persistent = data
    arg = ConstantArgument(name, _decode(value, {})) if constant else TensorArgument(name)
    if output:
        return OutputSpec(OutputKind[kind], arg, target)
    return InputSpec(InputKind[kind], arg, target, persistent)


def load(f: str | os.PathLike[str] | IO[bytes], **kwargs: Any) -> ExportedProgram:
    """Read an ``ExportedProgram`` that ``save`` wrote; no code from the file runs.

    Raises:
        ValueError: if the archive holds other members (a pickle, say), another format, or
            a node whose target is not on the allow-list.
    """
    import safetensors.numpy

    import microtensor as mt

    with zipfile.ZipFile(f) as archive:
        members = sorted(archive.namelist())
        if members != ["program.json", "tensors.safetensors"]:
            raise ValueError(
                f"export.load(): the archive holds {members}; a microtensor exported program "
                "holds program.json and tensors.safetensors only, and nothing else is read"
            )
        program = json.loads(archive.read("program.json"))
        arrays = safetensors.numpy.load(archive.read("tensors.safetensors"))
    if program.get("format") != _FORMAT:
        raise ValueError(
            f"export.load(): not a {_FORMAT} archive (format {program.get('format')!r})"
        )
    graph = _rebuild_graph(program["nodes"])
    parameters = set(program["parameters"])
    state_dict: dict[str, Tensor] = {}
    constants: dict[str, Tensor] = {}
    for key, array in arrays.items():
        kind, _, name = key.partition("/")
        tensor = mt.from_numpy(array.copy())
        if kind == "example":
            continue
        if kind == "state":
            state_dict[name] = Parameter(tensor) if name in parameters else tensor
        else:
            constants[name] = tensor
    guards = []
    for name, shape, value, dims in program["guards"]:
        dims = {s: Dim(s, min=lo, max=hi) for s, (lo, hi) in dims.items()}
        guards.append(InputGuard(name, shape, _decode(value, {}), dims))
    ranges = {
        k: ValueRanges(lo, int_oo if hi == "int_oo" else int(hi))
        for k, (lo, hi) in program["ranges"].items()
    }
    keys = {"idx": pytree.SequenceKey, "key": pytree.MappingKey, "name": pytree.GetAttrKey}
    return ExportedProgram(
        GraphModule(Module(), graph, "GraphModule"),
        ExportGraphSignature(
            [_read_spec(s, False) for s in program["inputs"]],  # type: ignore[misc]
            [_read_spec(s, True) for s in program["outputs"]],  # type: ignore[misc]
        ),
        state_dict,
        ranges,  # type: ignore[arg-type]
        constants=constants,
        in_spec=pytree.tree_structure(_decode(program["in_spec"], {})),
        out_spec=pytree.tree_structure(_decode(program["out_spec"], {})),
        guards=guards,
        example_inputs=_examples(program, arrays),
        arg_paths=[
            (top, tuple(keys[kind](value) for kind, value in path))
            for top, path in program["arg_paths"]
        ],
    )
