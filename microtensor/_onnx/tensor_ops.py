"""ONNX for the tensor ops a ``forward`` calls between its submodules (``x + y``, ``x.view``).

Each handler takes the builder, the recorded ``OpCall`` and ``name_of`` (the ONNX name of a
Tensor argument, a constant becoming an initializer), and returns the output's name. Shapes
and indices given as numbers are written as constants, as PyTorch's tracer does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor._onnx.builder import GraphBuilder, onnx_module
from microtensor._onnx.layers import gelu
from microtensor._onnx.tracer import OpCall
from microtensor.tensor import Tensor

NameOf = Callable[[Tensor], str]
_INT64_MAX = np.iinfo(np.int64).max


def _bind(op: OpCall, *names: str) -> list[Any]:
    """The op's arguments by position, then by keyword (None when absent)."""
    values = list(op.args) + [None] * (len(names) - len(op.args))
    return [op.kwargs.get(name, value) for name, value in zip(names, values, strict=False)]


def _operand(b: GraphBuilder, value: Any, like: Tensor, name_of: NameOf) -> str:
    if isinstance(value, Tensor):
        return name_of(value)
    return b.weight(np.asarray(value, dtype=like.detach().numpy().dtype), "scalar")


def _out(op: OpCall) -> Tensor:
    return op.output if isinstance(op.output, Tensor) else op.output[0]


def binary(op_type: str) -> Callable[[GraphBuilder, OpCall, NameOf], str]:
    def handler(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
        a, other, alpha = _bind(op, "input", "other", "alpha")
        if op.kwargs.get("rounding_mode") is not None:
            raise RuntimeError(
                f"microtensor.onnx.export(): {op.name}(rounding_mode=...) is not mapped"
            )
        out = _out(op)
        right = _operand(b, other, out, name_of)
        if alpha not in (None, 1):
            right = b.add("Mul", [right, _operand(b, alpha, out, name_of)], op.name)
        left = _operand(b, a, out, name_of)
        return b.add(op_type, [left, right], op.name)

    return handler


def unary(op_type: str) -> Callable[[GraphBuilder, OpCall, NameOf], str]:
    def handler(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
        return b.add(op_type, [name_of(op.args[0])], op.name)

    return handler


def _softmax(op_type: str) -> Callable[[GraphBuilder, OpCall, NameOf], str]:
    def handler(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
        x, dim = _bind(op, "input", "dim")
        axis = -1 if dim is None else int(dim)
        return b.add(op_type, [name_of(x)], op.name, axis=axis)

    return handler


def _gelu(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, approximate = _bind(op, "input", "approximate")
    return gelu(b, op.name, name_of(x), approximate or "none")


def _dropout(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, _, training = _bind(op, "input", "p", "training")
    if training is None or training:
        raise RuntimeError(
            "microtensor.onnx.export(): dropout(training=True) runs in the exported forward; "
            "pass training=self.training (the model is exported in eval mode)"
        )
    return b.add("Identity", [name_of(x)], op.name)


def _reshape(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x = op.args[0]
    shape = list(_out(op).shape)
    given = op.args[1] if len(op.args) > 1 else op.kwargs.get("shape", shape)
    given = list(given) if isinstance(given, tuple | list) else [given, *op.args[2:]]
    if -1 in given:  # keep the -1, so a dynamic batch axis still works
        shape = [int(s) for s in given]
    return b.add("Reshape", [name_of(x), b.ints(shape, "shape")], op.name)


def _flatten(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, start, end = _bind(op, "input", "start_dim", "end_dim")
    ndim = max(x.ndim, 1)
    start, end = (0 if start is None else start) % ndim, (-1 if end is None else end) % ndim
    shape = [0] * start + [-1] + list(x.shape[end + 1 :])
    return b.add("Reshape", [name_of(x), b.ints(shape, "shape")], op.name)


def _transpose(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, dim0, dim1 = _bind(op, "input", "dim0", "dim1")
    perm = list(range(x.ndim))
    dim0, dim1 = dim0 % x.ndim, dim1 % x.ndim
    perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
    return b.add("Transpose", [name_of(x)], op.name, perm=perm)


def _permute(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, dims = _bind(op, "input", "dims")
    return b.add("Transpose", [name_of(x)], op.name, perm=[int(d) % x.ndim for d in dims])


def _unsqueeze(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, dim = _bind(op, "input", "dim")
    axis = int(dim) % (x.ndim + 1)
    return b.add("Unsqueeze", [name_of(x), b.ints([axis], "axes")], op.name)


def _squeeze(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, dim = _bind(op, "input", "dim")
    dims = range(x.ndim) if dim is None else dim if isinstance(dim, tuple | list) else [dim]
    axes = [int(d) % x.ndim for d in dims if x.shape[int(d)] == 1]
    if not axes:
        return b.add("Identity", [name_of(x)], op.name)
    return b.add("Squeeze", [name_of(x), b.ints(axes, "axes")], op.name)


def _cat(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    tensors, dim = _bind(op, "tensors", "dim")
    return b.add("Concat", [name_of(t) for t in tensors], op.name, axis=int(dim or 0))


def _reduce(op_type: str) -> Callable[[GraphBuilder, OpCall, NameOf], str]:
    def handler(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
        x, dim, keepdim = _bind(op, "input", "dim", "keepdim")
        dims = range(x.ndim) if dim is None else dim if isinstance(dim, tuple | list) else [dim]
        axes = [int(d) % max(x.ndim, 1) for d in dims]
        keep = int(bool(keepdim))
        if op_type == "ReduceMean" and b.opset_version < 18:
            return b.add(op_type, [name_of(x)], op.name, axes=axes, keepdims=keep)
        return b.add(op_type, [name_of(x), b.ints(axes, "axes")], op.name, keepdims=keep)

    return handler


def _cast(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, out = op.args[0], _out(op)
    if x.detach().numpy().dtype == out.detach().numpy().dtype:
        return b.add("Identity", [name_of(x)], op.name)
    dtype = onnx_module().helper.np_dtype_to_tensor_dtype(out.detach().numpy().dtype)
    return b.add("Cast", [name_of(x)], op.name, to=dtype)


def _linear(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    x, weight, bias = _bind(op, "input", "weight", "bias")
    w_t = b.add("Transpose", [name_of(weight)], op.name, perm=[1, 0])
    out = b.add("MatMul", [name_of(x), w_t], op.name)
    return out if bias is None else b.add("Add", [out, name_of(bias)], op.name)


def _getitem(b: GraphBuilder, op: OpCall, name_of: NameOf) -> str:
    """Basic indexing: ints, slices and ``...``; tensor (advanced) indices are not mapped."""
    x, key = op.args[0], op.args[1]
    items = list(key) if isinstance(key, tuple) else [key]
    if any(item is Ellipsis for item in items):
        at = items.index(Ellipsis)
        items[at : at + 1] = [slice(None)] * (x.ndim - len(items) + 1)
    ranges: list[tuple[int, int, int, int]] = []  # (axis, start, end, step) for Slice
    squeeze = []
    for axis, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int | slice):
            raise RuntimeError(
                f"microtensor.onnx.export(): indexing with {type(item).__name__} is not mapped; "
                "use ints, slices and ... (basic indexing)"
            )
        if isinstance(item, int):
            start = item % x.shape[axis]
            ranges.append((axis, start, start + 1, 1))
            squeeze.append(axis)
        elif item != slice(None):
            step = 1 if item.step is None else item.step
            default_start, default_end = (0, _INT64_MAX) if step > 0 else (-1, -_INT64_MAX)
            start = default_start if item.start is None else item.start
            ranges.append((axis, start, default_end if item.stop is None else item.stop, step))
    axes, starts, ends, steps = (
        (list(column) for column in zip(*ranges, strict=True)) if ranges else ([], [], [], [])
    )
    out = name_of(x)
    if axes:
        operands = [b.ints(v, n) for v, n in ((starts, "starts"), (ends, "ends"), (axes, "axes"))]
        out = b.add("Slice", [out, *operands, b.ints(steps, "steps")], op.name)
    if squeeze:
        out = b.add("Squeeze", [out, b.ints(squeeze, "axes")], op.name)
    return out if out != name_of(x) else b.add("Identity", [out], op.name)


OP_HANDLERS: dict[str, Callable[[GraphBuilder, OpCall, NameOf], str]] = {
    "add": binary("Add"),
    "sub": binary("Sub"),
    "mul": binary("Mul"),
    "div": binary("Div"),
    "true_divide": binary("Div"),
    "pow": binary("Pow"),
    "matmul": binary("MatMul"),
    "neg": unary("Neg"),
    "relu": unary("Relu"),
    "tanh": unary("Tanh"),
    "sigmoid": unary("Sigmoid"),
    "exp": unary("Exp"),
    "log": unary("Log"),
    "sqrt": unary("Sqrt"),
    "abs": unary("Abs"),
    "softmax": _softmax("Softmax"),
    "log_softmax": _softmax("LogSoftmax"),
    "gelu": _gelu,
    "dropout": _dropout,
    "reshape": _reshape,
    "view": _reshape,
    "flatten": _flatten,
    "transpose": _transpose,
    "permute": _permute,
    "unsqueeze": _unsqueeze,
    "squeeze": _squeeze,
    "cat": _cat,
    "concat": _cat,
    "mean": _reduce("ReduceMean"),
    "sum": _reduce("ReduceSum"),
    "to": _cast,
    "clone": _cast,
    "contiguous": _cast,
    "linear": _linear,
    "getitem": _getitem,
}
