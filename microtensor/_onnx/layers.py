"""ONNX for the feed-forward layers: Linear, Conv, pooling, normalization, activations, ...

Each handler takes the builder, the recorded ``Call`` and the ONNX names of the call's tensor
inputs, adds the nodes, and returns the names of the call's output tensors (in order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import nn
from microtensor._onnx.builder import GraphBuilder
from microtensor._onnx.tracer import Call

Handler = Callable[[GraphBuilder, Call, list[str]], list[str]]


def _hint(call: Call) -> str:
    return call.name or type(call.module).__name__


def linear_op(b: GraphBuilder, module: Any, x: str, hint: str) -> str:
    """Linear as MatMul (+ Add), ``y = x @ W.T + b``; MatMul keeps leading (batch) dims."""
    weight_t = b.weight(module.weight.detach().numpy().T, f"{hint}.weight_T")
    out = b.add("MatMul", [x, weight_t], hint)
    if module.bias is not None:
        out = b.add("Add", [out, b.weight(module.bias, f"{hint}.bias")], hint)
    return out


def linear(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """Linear: MatMul with the transposed weight, then Add of the bias."""
    return [linear_op(b, call.module, inputs[0], _hint(call))]


def _pads(padding: Any, ndim: int) -> list[int]:
    pad = list(padding) if isinstance(padding, tuple | list) else [padding] * ndim
    return pad + pad


def _conv_pads(m: Any) -> list[int]:
    """ONNX's pads (all starts, then all ends) for numeric, ``'valid'`` or ``'same'`` padding."""
    if m.padding == "valid":
        return [0] * (2 * len(m.kernel_size))
    if m.padding == "same":  # the odd pixel goes at the end, as in PyTorch
        totals = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size, strict=True)]
        return [t // 2 for t in totals] + [t - t // 2 for t in totals]
    return _pads(m.padding, len(m.kernel_size))


def conv(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """ConvNd with the same kernel, strides, pads, dilations and groups."""
    m, hint = call.module, _hint(call)
    pads = _conv_pads(m)
    if m.padding_mode != "zeros" and any(pads):
        raise RuntimeError(
            f"microtensor.onnx.export(): {type(m).__name__} '{hint}' with padding_mode="
            f"{m.padding_mode!r} has no ONNX mapping yet; use padding_mode='zeros'"
        )
    operands = [inputs[0], b.weight(m.weight, f"{hint}.weight")]
    if m.bias is not None:
        operands.append(b.weight(m.bias, f"{hint}.bias"))
    out = b.add(
        "Conv",
        operands,
        hint,
        kernel_shape=list(m.kernel_size),
        strides=list(m.stride),
        pads=pads,
        dilations=list(m.dilation),
        group=m.groups,
    )
    return [out]


def _tuple(value: Any, ndim: int) -> list[int]:
    return list(value) if isinstance(value, tuple | list) else [int(value)] * ndim


def pool(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """MaxPool / AveragePool with the module's kernel, stride, padding and ceil_mode."""
    m, hint = call.module, _hint(call)
    ndim = int(type(m).__name__[-2])
    kernel = _tuple(m.kernel_size, ndim)
    attrs: dict[str, Any] = {
        "kernel_shape": kernel,
        "strides": _tuple(m.stride if m.stride is not None else m.kernel_size, ndim),
        "pads": _tuple(m.padding, ndim) * 2,
        "ceil_mode": int(m.ceil_mode),
    }
    if isinstance(m, nn.MaxPool1d | nn.MaxPool2d | nn.MaxPool3d):
        if getattr(m, "return_indices", False):
            raise RuntimeError(
                f"microtensor.onnx.export(): {type(m).__name__} '{hint}' with "
                "return_indices=True has no ONNX mapping yet"
            )
        attrs["dilations"] = _tuple(m.dilation, ndim)
        return [b.add("MaxPool", inputs[:1], hint, **attrs)]
    if m.divisor_override is not None:
        raise RuntimeError(
            f"microtensor.onnx.export(): {type(m).__name__} '{hint}' with divisor_override "
            "has no ONNX mapping"
        )
    attrs["count_include_pad"] = int(m.count_include_pad)
    return [b.add("AveragePool", inputs[:1], hint, **attrs)]


def adaptive_avg_pool(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """AdaptiveAvgPool to size 1 is GlobalAveragePool (other sizes are not mapped)."""
    m, hint = call.module, _hint(call)
    sizes = m.output_size if isinstance(m.output_size, tuple | list) else [m.output_size]
    if any(size != 1 for size in sizes):
        raise RuntimeError(
            f"microtensor.onnx.export(): {type(m).__name__} '{hint}' with output_size="
            f"{m.output_size!r} has no ONNX mapping; only output_size=1 (GlobalAveragePool)"
        )
    return [b.add("GlobalAveragePool", inputs[:1], hint)]


def batch_norm(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """BatchNormalization with the running statistics (the model is exported in eval mode)."""
    m, hint = call.module, _hint(call)
    if m.running_mean is None:
        raise RuntimeError(
            f"microtensor.onnx.export(): {type(m).__name__} '{hint}' has no running statistics "
            "(track_running_stats=False); ONNX's BatchNormalization needs them"
        )
    channels = m.num_features
    scale = m.weight if m.weight is not None else np.ones(channels, np.float32)
    shift = m.bias if m.bias is not None else np.zeros(channels, np.float32)
    operands = [
        inputs[0],
        b.weight(scale, f"{hint}.weight"),
        b.weight(shift, f"{hint}.bias"),
        b.weight(m.running_mean, f"{hint}.running_mean"),
        b.weight(m.running_var, f"{hint}.running_var"),
    ]
    return [b.add("BatchNormalization", operands, hint, epsilon=float(m.eps))]


def layer_norm_op(b: GraphBuilder, module: Any, x: str, hint: str) -> str:
    """LayerNormalization over the last ``len(normalized_shape)`` dims (opset 17)."""
    shape = tuple(module.normalized_shape)
    scale = module.weight if module.weight is not None else np.ones(shape, np.float32)
    operands = [x, b.weight(scale, f"{hint}.weight")]
    if getattr(module, "bias", None) is not None:
        operands.append(b.weight(module.bias, f"{hint}.bias"))
    return b.add("LayerNormalization", operands, hint, axis=-len(shape), epsilon=float(module.eps))


def layer_norm(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """LayerNorm: ONNX's LayerNormalization."""
    return [layer_norm_op(b, call.module, inputs[0], _hint(call))]


def flatten(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """Flatten(start_dim=1, end_dim=-1) is ONNX's Flatten(axis=1); other dims use Reshape."""
    m, hint = call.module, _hint(call)
    ndim = call.args[0].ndim
    start, end = m.start_dim % ndim, m.end_dim % ndim
    if end == ndim - 1:
        if start == 0:
            return [b.add("Reshape", [inputs[0], b.ints([-1], f"{hint}.shape")], hint)]
        if start == 1:
            return [b.add("Flatten", inputs[:1], hint, axis=1)]
    # keep the leading dims as they are (0 copies a dim in Reshape), merge start..end
    shape = [0] * start + [-1] + list(call.args[0].shape[end + 1 :])
    return [b.add("Reshape", [inputs[0], b.ints(shape, f"{hint}.shape")], hint)]


def embedding(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """Gather rows of the weight by the indices."""
    m, hint = call.module, _hint(call)
    if m.max_norm is not None:
        raise RuntimeError(
            f"microtensor.onnx.export(): Embedding '{hint}' with max_norm renormalises its "
            "weight in place and has no ONNX mapping"
        )
    return [b.add("Gather", [b.weight(m.weight, f"{hint}.weight"), inputs[0]], hint, axis=0)]


def gelu(b: GraphBuilder, hint: str, x: str, approximate: str) -> str:
    """GELU from Erf (exact) or Tanh (``approximate='tanh'``), valid at every opset >= 13."""
    half = b.weight(np.float32(0.5), f"{hint}.half")
    one = b.weight(np.float32(1.0), f"{hint}.one")
    if approximate == "tanh":
        cubic = b.add("Mul", [b.add("Mul", [x, x], hint), x], hint)
        inner = b.add(
            "Add",
            [x, b.add("Mul", [cubic, b.weight(np.float32(0.044715), f"{hint}.c")], hint)],
            hint,
        )
        scaled = b.add("Mul", [inner, b.weight(np.float32(np.sqrt(2 / np.pi)), f"{hint}.k")], hint)
        gate = b.add("Tanh", [scaled], hint)
    else:
        gate = b.add(
            "Erf",
            [b.add("Div", [x, b.weight(np.float32(np.sqrt(2.0)), f"{hint}.sqrt2")], hint)],
            hint,
        )
    return b.add("Mul", [b.add("Mul", [x, half], hint), b.add("Add", [gate, one], hint)], hint)


def activation(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """The pointwise activations and softmax."""
    m, hint, x = call.module, _hint(call), inputs[0]
    simple = {nn.ReLU: "Relu", nn.Tanh: "Tanh", nn.Sigmoid: "Sigmoid"}
    for kind, op_type in simple.items():
        if isinstance(m, kind):
            return [b.add(op_type, [x], hint)]
    if isinstance(m, nn.LeakyReLU):
        return [b.add("LeakyRelu", [x], hint, alpha=float(m.negative_slope))]
    if isinstance(m, nn.ELU):
        return [b.add("Elu", [x], hint, alpha=float(m.alpha))]
    if isinstance(m, nn.GELU):
        return [gelu(b, hint, x, m.approximate)]
    if isinstance(m, nn.Softmax | nn.LogSoftmax):
        dim = -1 if m.dim is None else int(m.dim)
        op_type = "Softmax" if isinstance(m, nn.Softmax) else "LogSoftmax"
        return [b.add(op_type, [x], hint, axis=dim)]
    return [b.add("Identity", [x], hint)]  # Dropout and Identity, in eval mode


HANDLERS: dict[type, Handler] = {
    nn.Linear: linear,
    nn.Conv1d: conv,
    nn.Conv2d: conv,
    nn.Conv3d: conv,
    nn.MaxPool1d: pool,
    nn.MaxPool2d: pool,
    nn.MaxPool3d: pool,
    nn.AvgPool1d: pool,
    nn.AvgPool2d: pool,
    nn.AvgPool3d: pool,
    nn.AdaptiveAvgPool1d: adaptive_avg_pool,
    nn.AdaptiveAvgPool2d: adaptive_avg_pool,
    nn.BatchNorm1d: batch_norm,
    nn.BatchNorm2d: batch_norm,
    nn.BatchNorm3d: batch_norm,
    nn.LayerNorm: layer_norm,
    nn.Flatten: flatten,
    nn.Embedding: embedding,
    nn.ReLU: activation,
    nn.Tanh: activation,
    nn.Sigmoid: activation,
    nn.LeakyReLU: activation,
    nn.ELU: activation,
    nn.GELU: activation,
    nn.Softmax: activation,
    nn.LogSoftmax: activation,
    nn.Dropout: activation,
    nn.Identity: activation,
}
