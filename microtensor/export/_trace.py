"""``export``: trace a module on example inputs into a functional ``ExportedProgram``."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from microtensor.export._concrete_tracer import ExportTracer
from microtensor.export.dynamic_shapes import Dim, DimHint, ValueRanges
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
from microtensor.nn import GRU, LSTM, Module
from microtensor.tensor import Tensor
from microtensor.utils import _pytree as pytree

__all__ = ["export"]


@dataclass
class _FlatInput:
    name: str  # the placeholder's name: the argument's, then its path (``xs_0``, ``d_a``)
    value: Any
    top: str  # the forward parameter it belongs to
    path: tuple[Any, ...]  # pytree keys from that parameter to the value


def _key_name(key: Any) -> str:
    for attr in ("idx", "key", "name"):
        if hasattr(key, attr):
            return str(getattr(key, attr))
    return str(key)


def _flatten_inputs(
    mod: Module, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[inspect.BoundArguments, list[_FlatInput]]:
    sig = inspect.signature(type(mod).forward)
    try:
        bound = sig.bind(mod, *args, **kwargs)
    except TypeError as e:
        raise TypeError(
            f"export(): the example inputs do not fit {type(mod).__name__}.forward{sig}: {e}"
        ) from None
    flat = []
    for top, value in list(bound.arguments.items())[1:]:
        for path, leaf in pytree.tree_flatten_with_path(value)[0]:
            name = "_".join([top, *(_key_name(k) for k in path)])
            flat.append(_FlatInput(name, leaf, top, tuple(path)))
    return bound, flat


def _dynamic_per_input(
    mod: Module, bound: inspect.BoundArguments, dynamic_shapes: Any
) -> list[Any]:
    """The dynamic-shape entry of every flattened input, in order (None: all static)."""
    names = list(bound.arguments)[1:]
    if dynamic_shapes is None:
        specs: list[Any] = [None] * len(names)
    elif isinstance(dynamic_shapes, dict):
        unknown = set(dynamic_shapes) - set(names)
        if unknown:
            raise ValueError(
                f"export(): dynamic_shapes names {sorted(unknown)}, which are not inputs of "
                f"{type(mod).__name__}.forward (inputs: {names})"
            )
        specs = [dynamic_shapes.get(name) for name in names]
    else:
        specs = list(dynamic_shapes)
        if len(specs) != len(names):
            raise ValueError(
                f"export(): dynamic_shapes has {len(specs)} entries for {len(names)} inputs "
                f"{names}; give one per input (None for a static one)"
            )
    flat: list[Any] = []
    for name, spec in zip(names, specs, strict=True):
        _walk(bound.arguments[name], spec, flat)
    return flat


def _walk(value: Any, spec: Any, out: list[Any]) -> None:
    if isinstance(value, Tensor) or spec is None:
        if isinstance(value, Tensor):
            out.append(spec)
        else:
            out.extend([None] * len(pytree.tree_leaves(value)))
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, spec.get(key), out)
    elif isinstance(value, list | tuple):
        for item, item_spec in zip(value, spec, strict=True):
            _walk(item, item_spec, out)
    else:
        out.append(None)


def _guards(
    flat: list[_FlatInput], dynamic: list[Any]
) -> tuple[list[InputGuard], dict[str, ValueRanges]]:
    symbols: dict[int, str] = {}
    dims: dict[str, Any] = {}
    ranges: dict[str, ValueRanges] = {}
    guards = []
    for item, spec in zip(flat, dynamic, strict=True):
        if not isinstance(item.value, Tensor):
            guards.append(InputGuard(item.name, None, item.value))
            continue
        per_dim = dict(enumerate(spec)) if isinstance(spec, list | tuple) else dict(spec or {})
        shape: list[Any] = list(item.value.shape)
        for d, dim in per_dim.items():
            if dim is None or dim is DimHint.STATIC:
                continue
            d = d % len(shape) if shape else d
            if isinstance(dim, DimHint):
                dim = Dim(f"{item.name}_dim{d}")
            if not isinstance(dim, Dim):
                raise ValueError(
                    f"export(): dynamic_shapes for {item.name} dim {d} is {dim!r}; give a "
                    "Dim, Dim.AUTO / Dim.DYNAMIC / Dim.STATIC or None"
                )
            if not dim.min <= shape[d] <= dim.max:
                raise ValueError(
                    f"export(): {item.name}.size()[{d}] is {shape[d]} in the example, outside "
                    f"the range of {dim!r}; give an example inside it"
                )
            if id(dim) not in symbols:
                symbols[id(dim)] = f"s{len(symbols)}"
                dims[symbols[id(dim)]] = dim
                ranges[symbols[id(dim)]] = dim.value_range()
            shape[d] = symbols[id(dim)]
        guards.append(
            InputGuard(
                item.name, shape, None, {s: dims[s] for s in set(shape) if isinstance(s, str)}
            )
        )
    return guards, ranges


def _trace(
    mod: Module, bound: inspect.BoundArguments, flat: list[_FlatInput]
) -> tuple[Graph, ExportTracer, dict[str, Tensor]]:
    state = {
        name: t.detach().clone()
        for name, t in [*mod.named_parameters(), *mod.named_buffers()]
        if isinstance(t, Tensor)
    }

    def make_inputs(tracer: ExportTracer) -> Any:
        leaves: dict[str, list[Any]] = {}
        for item in flat:
            node_value = tracer.create_proxy("placeholder", item.name, (), {})
            tracer.values[node_value.node] = item.value
            leaves.setdefault(item.top, []).append(
                node_value if isinstance(item.value, Tensor) else item.value
            )
        arguments = dict(bound.arguments)
        for top, value in list(arguments.items())[1:]:
            spec = pytree.tree_structure(value)
            arguments[top] = pytree.tree_unflatten(leaves[top], spec)
        new_bound = inspect.BoundArguments(bound.signature, arguments)  # type: ignore[arg-type]

        def run() -> Any:
            if isinstance(mod, LSTM | GRU):  # the root is not called through call_module
                return tracer.call_module(mod, mod.forward, new_bound.args[1:], new_bound.kwargs)
            return type(mod).forward(*new_bound.args, **new_bound.kwargs)

        return run

    before = set(mod.__dict__)
    tracer = ExportTracer(state, make_inputs)
    try:
        graph = tracer.trace(mod)
    finally:
        for added in set(mod.__dict__) - before:  # fx keeps tensor constants on the root
            constants = {qualname: t for t, qualname in tracer.tensor_attrs.items()}
            if added in constants:
                delattr(mod, added)
    constants = {
        qualname: t for t, qualname in tracer.tensor_attrs.items() if qualname not in state
    }
    return graph, tracer, constants


def _lift(
    mod: Module, graph: Graph, tracer: ExportTracer, constants: dict[str, Tensor]
) -> tuple[list[InputSpec], dict[str, Tensor], dict[str, Tensor]]:
    """Turn ``get_attr`` nodes into placeholders before the user inputs, as torch names them."""
    state_dict_keys = set(mod.state_dict())
    params = dict(mod.named_parameters())
    buffers = dict(mod.named_buffers())
    used_constants: dict[str, Tensor] = {}
    first_user = next(iter(graph.nodes))
    getattrs: dict[str, list[Node]] = {}
    for node in graph.nodes:
        if node.op == "get_attr":
            getattrs.setdefault(str(node.target), []).append(node)
    specs = []
    order = [*params, *buffers, *(t for t in getattrs if t not in params and t not in buffers)]
    for target in order:
        if target in params:
            kind, prefix, persistent = InputKind.PARAMETER, "p_", None
        elif target in buffers:
            kind, prefix, persistent = InputKind.BUFFER, "b_", target in state_dict_keys
        else:
            kind, prefix, persistent = InputKind.CONSTANT_TENSOR, "c_", None
            target_name = target.replace("_tensor_constant", "lifted_tensor_")
            used_constants[target_name] = constants[target]
        with graph.inserting_before(first_user):
            name = prefix + (target if kind != InputKind.CONSTANT_TENSOR else target_name)
            placeholder = graph.placeholder(name.replace(".", "_"))
        for node in getattrs.get(target, []):
            node.replace_all_uses_with(placeholder)
            graph.erase_node(node)
        value = params.get(target, buffers.get(target, used_constants.get(target)))
        placeholder.meta["val"] = value
        spec_target = target if kind != InputKind.CONSTANT_TENSOR else target_name
        specs.append(InputSpec(kind, TensorArgument(placeholder.name), spec_target, persistent))
    return (
        specs,
        {**params, **{k: v for k, v in buffers.items() if k in state_dict_keys}},
        (used_constants | {k: v for k, v in buffers.items() if k not in state_dict_keys}),
    )


def _mutable(value: Any) -> Any:
    """The list / dict the model returned, for fx's immutable_list / immutable_dict."""
    if isinstance(value, list):
        return [_mutable(v) for v in value]
    if isinstance(value, dict):
        return {k: _mutable(v) for k, v in value.items()}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_mutable(v) for v in value)
    return value


def _flatten_output(graph: Graph) -> tuple[list[OutputSpec], Any]:
    output = next(n for n in reversed(graph.nodes) if n.op == "output")
    leaves, out_spec = pytree.tree_flatten(_mutable(output.args[0]))
    output.args = (tuple(leaves),)
    specs = []
    for leaf in leaves:
        arg: TensorArgument | ConstantArgument = (
            TensorArgument(leaf.name) if isinstance(leaf, Node) else ConstantArgument("", leaf)
        )
        specs.append(OutputSpec(OutputKind.USER_OUTPUT, arg, None))
    return specs, out_spec


def export(
    mod: Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any] | None = None,
    *,
    dynamic_shapes: Any = None,
    strict: bool = False,
    preserve_module_call_signature: tuple[str, ...] = (),
) -> ExportedProgram:
    """Trace ``mod`` on example inputs into a functional graph: an ``ExportedProgram``.

    Every module is traced through; parameters (``p_<name>``), buffers (``b_<name>``) and
    constant tensors (``c_<name>``) become placeholders before the user inputs, and the
    outputs are flattened to a tuple. ``ep.module()`` runs the program as a module again.

    Args:
        mod: the module to export (its ``forward`` is traced; the module is not changed).
        args: the example positional inputs, a tuple.
        kwargs: the example keyword inputs.
        dynamic_shapes: for each input (a tuple in argument order, or a dict by argument
            name), a dict ``{dim: Dim(...)}`` of the dims that may change size.
        strict: accepted for torch's signature (microtensor always traces the same way).
        preserve_module_call_signature: accepted for torch's signature; unused.

    Returns:
        The ``ExportedProgram``.

    Raises:
        ValueError: if ``args`` is not a tuple, or ``dynamic_shapes`` does not fit the inputs.
        TypeError: if the inputs do not fit ``mod.forward``'s signature.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import export, nn
        >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        >>> ep = export.export(model, (mt.randn(2, 4),))
        >>> [n.name for n in ep.graph.nodes]
        ['p_0_weight', 'p_0_bias', 'input_1', 'linear', 'relu', 'output']
        >>> x = mt.randn(2, 4)
        >>> mt.equal(ep.module()(x), model(x))
        True

    Differs from PyTorch: the graph's nodes call microtensor's functions and Tensor methods
    as fx records them (``microtensor.nn.functional.linear``), not ATen operators
    (``torch.ops.aten.linear.default``); values come from running the model on the example
    inputs (no fake tensors), so data-dependent branches are specialized, not rejected.
    """
    if not isinstance(args, tuple):
        raise ValueError(
            f"Expecting `args` to be a tuple of example positional inputs, got {type(args)}"
        )
    kwargs = dict(kwargs or {})
    bound, flat = _flatten_inputs(mod, args, kwargs)
    guards, range_constraints = _guards(flat, _dynamic_per_input(mod, bound, dynamic_shapes))
    graph, tracer, constants = _trace(mod, bound, flat)
    for node in graph.nodes:
        if node in tracer.values:
            node.meta["val"] = tracer.values[node]
    tracer.values.clear()
    input_specs, state_dict, lifted = _lift(mod, graph, tracer, constants)
    for item in flat:
        arg: TensorArgument | ConstantArgument = (
            TensorArgument(item.name)
            if isinstance(item.value, Tensor)
            else ConstantArgument(item.name, item.value)
        )
        input_specs.append(InputSpec(InputKind.USER_INPUT, arg, None))
    output_specs, out_spec = _flatten_output(graph)
    gm = GraphModule(Module(), graph, "GraphModule")
    in_spec = pytree.tree_structure((args, kwargs))
    return ExportedProgram(
        gm,
        ExportGraphSignature(input_specs, output_specs),
        state_dict,
        range_constraints,
        constants=lifted,
        example_inputs=(args, kwargs),
        in_spec=in_spec,
        out_spec=out_spec,
        guards=guards,
        arg_paths=[(item.top, item.path) for item in flat],
    )
