"""``export``: trace a model's forward and write it as an ONNX model.

The model runs once in eval mode on the example ``args`` (``record_calls``), noting its
module calls and the public ops called between them. A module with an ONNX mapping
(``HANDLERS``: Linear, Conv, LSTM, TransformerEncoderLayer, ...) becomes its ONNX nodes; any
other module is walked into, and the ops its forward called are mapped one by one
(``OP_HANDLERS``). Calls whose tensor inputs are all constants (weights, buffers, masks built
in the forward) are folded: their outputs become initializers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from microtensor._onnx import layers, sequence
from microtensor._onnx.builder import GraphBuilder, onnx_module
from microtensor._onnx.tensor_ops import OP_HANDLERS
from microtensor._onnx.tracer import Call, OpCall, flatten_tensors, record_calls
from microtensor.tensor import Tensor

DEFAULT_OPSET = 18
MIN_OPSET = 17  # LayerNormalization
HANDLERS = {**layers.HANDLERS, **sequence.HANDLERS}


def _describe(call: Call) -> str:
    kind = type(call.module).__name__
    return f"{kind} (the model)" if call.name == "" else f"{kind} '{call.name}'"


class _Emitter:
    """Maps recorded calls to nodes, tracking the ONNX name of every tensor seen."""

    def __init__(self, builder: GraphBuilder, model: Any) -> None:
        self.builder = builder
        self.values: dict[int, str] = {}
        self.traced: dict[int, Tensor] = {}  # the tensors in ``values``, kept to compare memory
        self.versions: dict[int, int] = {}  # their in-place versions when they got their name
        self.params = {id(t): name for name, t in model.named_parameters()}
        self.params.update({id(t): name for name, t in model.named_buffers()})

    def name_of(
        self, tensor: Tensor, owner: Call | None = None, what: str = "a tensor", version: Any = None
    ) -> str:
        """The graph value of ``tensor`` (as it was at ``version``); weights become initializers."""
        known = self.values.get(id(tensor))
        if known is not None:
            if version is not None and version != self.versions[id(tensor)]:
                where = "" if owner is None else f" in the forward of {_describe(owner)}"
                raise RuntimeError(
                    f"microtensor.onnx.export(): {what} (shape {tuple(tensor.shape)}) was "
                    f"changed by an in-place op{where} (such as +=, add_, masked_fill_) that "
                    "the exporter cannot follow; use the out-of-place op (x = x + y)"
                )
            return known
        if id(tensor) in self.params:
            return self.builder.weight(tensor, self.params[id(tensor)])
        # computed from the input by a call the trace did not note, or a detached view of a
        # traced tensor: either would be frozen to its example value
        if tensor.requires_grad or self._views_traced(tensor):
            where = "" if owner is None else f" in the forward of {_describe(owner)}"
            raise RuntimeError(
                f"microtensor.onnx.export(): {what} (shape {tuple(tensor.shape)}) is computed "
                f"from the input{where} by an operation the exporter cannot follow: it sees "
                "module calls and the public microtensor ops, not in-place ops (+=, add_), "
                ".detach() or work on arrays; use out-of-place ops (x = x + y) or modules"
            )
        return self.builder.weight(tensor, "constant")

    def bind(self, tensor: Tensor, name: str, version: int) -> None:
        """Record that ``tensor``, at in-place ``version``, is the graph value ``name``."""
        self.values[id(tensor)] = name
        self.traced[id(tensor)] = tensor
        self.versions[id(tensor)] = version

    def _views_traced(self, tensor: Tensor) -> bool:
        data = tensor._data
        return any(np.may_share_memory(data, t._data) for t in self.traced.values())

    def _depends(self, tensors: list[Tensor]) -> bool:
        return any(
            id(t) in self.values or t.requires_grad or self._views_traced(t) for t in tensors
        )

    def emit(self, call: Call, parent: Call | None) -> None:
        handler = HANDLERS.get(type(call.module))
        if handler is None:  # walk into its forward
            for child in call.children:
                if isinstance(child, OpCall):
                    self.emit_op(child, call)
                else:
                    self.emit(child, call)
            for tensor in flatten_tensors(call.output):
                what = f"the output of {_describe(call)}"
                self.name_of(tensor, call, what, call.out_versions[id(tensor)])
            return
        tensors = flatten_tensors((call.args, call.kwargs))
        if not self._depends(tensors):
            return  # constant inputs: its outputs are constants too
        owner = parent or call
        what = f"an input of {_describe(call)}"
        names = [self.name_of(t, owner, what, call.versions[id(t)]) for t in tensors]
        outputs = handler(self.builder, call, names)
        for tensor, name in zip(flatten_tensors(call.output), outputs, strict=True):
            self.bind(tensor, name, call.out_versions[id(tensor)])

    def emit_op(self, op: OpCall, owner: Call) -> None:
        outputs = flatten_tensors(op.output)
        if not outputs or not self._depends(flatten_tensors((op.args, op.kwargs))):
            return  # a constant (or no tensor at all): folded
        handler = OP_HANDLERS.get(op.name)
        if handler is None or len(outputs) != 1:
            raise RuntimeError(
                f"microtensor.onnx.export(): no ONNX mapping for the op {op.name}() called in "
                f"the forward of {_describe(owner)}; ops with a mapping: "
                f"{', '.join(sorted(OP_HANDLERS))}"
            )
        what = f"an input of {op.name}()"

        def name_of(tensor: Tensor) -> str:
            return self.name_of(tensor, owner, what, op.versions.get(id(tensor)))

        self.bind(outputs[0], handler(self.builder, op, name_of), op.out_versions[id(outputs[0])])


def _split_args(args: Any, kwargs: Mapping[str, Any] | None) -> tuple[tuple, dict[str, Any]]:
    if isinstance(args, Tensor):
        args = (args,)
    args = tuple(args)
    extra = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        extra = {**args[-1], **extra}
        args = args[:-1]
    return args, extra


def _traced(value: Any) -> Any:
    if isinstance(value, Tensor) and value.is_floating_point():
        return value.detach().requires_grad_(True)
    if isinstance(value, tuple | list):
        return type(value)(_traced(item) for item in value)
    return value


def _value_info(name: str, tensor: Tensor, axes: Any) -> Any:
    onnx = onnx_module()
    shape: list[Any] = list(tensor.shape)
    if isinstance(axes, Mapping):
        for axis, label in axes.items():
            shape[int(axis)] = str(label)
    elif axes is not None:
        for axis in axes:
            shape[int(axis)] = f"{name}_dynamic_axes_{int(axis) + 1}"
    dtype = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(tensor.detach().numpy().dtype))
    return onnx.helper.make_tensor_value_info(name, dtype, shape)


def _names(given: Sequence[str] | None, count: int, default: str) -> list[str]:
    names = list(given or [])
    if len(names) > count:
        raise ValueError(
            f"microtensor.onnx.export(): {len(names)} {default} names given for {count} {default}s"
        )
    return names + [default if count == 1 else f"{default}_{i}" for i in range(len(names), count)]


def export(
    model: Any,
    args: Any,
    f: Any,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    opset_version: int | None = None,
    do_constant_folding: bool = True,
    kwargs: Mapping[str, Any] | None = None,
) -> Any:
    """Trace ``model`` on ``args`` and write the ONNX model to ``f``; return the ModelProto."""
    onnx = onnx_module()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"microtensor.onnx.export(): opset_version={opset} is not supported; use "
            f"{MIN_OPSET} to {onnx.defs.onnx_opset_version()} (default {DEFAULT_OPSET})"
        )
    call_args, call_kwargs = _split_args(args, kwargs)
    # floating-point inputs require grad during the trace: what they reach then requires it too
    call_args = tuple(_traced(a) for a in call_args)
    was_training = bool(getattr(model, "training", False))
    model.eval()
    try:
        root = record_calls(model, call_args, call_kwargs)
    finally:
        model.train(was_training)
    builder = GraphBuilder(opset)
    emitter = _Emitter(builder, model)
    inputs = flatten_tensors(call_args)
    in_names = _names(input_names, len(inputs), "input")
    for tensor, name in zip(inputs, in_names, strict=True):
        emitter.bind(tensor, builder.fresh(name), root.versions[id(tensor)])
    emitter.emit(root, None)
    outputs = flatten_tensors(root.output)
    out_names = _names(output_names, len(outputs), "output")
    for tensor, name in zip(outputs, out_names, strict=True):
        value = emitter.name_of(tensor, root, "an output")
        builder.nodes.append(onnx.helper.make_node("Identity", [value], [builder.fresh(name)]))
    axes = dict(dynamic_axes or {})
    unknown = set(axes) - set(in_names) - set(out_names)
    if unknown:
        raise ValueError(
            f"microtensor.onnx.export(): dynamic_axes names {sorted(unknown)} are neither "
            f"input names {in_names} nor output names {out_names}"
        )
    graph = onnx.helper.make_graph(
        builder.nodes,
        type(model).__name__,
        [_value_info(n, t, axes.get(n)) for n, t in zip(in_names, inputs, strict=True)],
        [_value_info(n, t, axes.get(n)) for n, t in zip(out_names, outputs, strict=True)],
        initializer=builder.initializers,
    )
    proto = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", opset)], producer_name="microtensor"
    )
    proto.ir_version = min(proto.ir_version, 10)  # readable by ONNX Runtime releases since 1.20
    if isinstance(f, str | os.PathLike):
        onnx.save_model(proto, os.fspath(f))
    else:
        f.write(proto.SerializeToString())
    return proto
