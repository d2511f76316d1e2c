"""ONNX for the sequence layers: LSTM/GRU/RNN as ONNX's recurrent ops, attention, transformers.

Attention is written out as MatMul/Softmax (the 1/sqrt(head_dim) scale folded into the query
weights); the recurrent weights are reordered from PyTorch's gate order to ONNX's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import nn
from microtensor._onnx.builder import GraphBuilder
from microtensor._onnx.layers import _hint, gelu, layer_norm_op, linear_op
from microtensor._onnx.tracer import Call, flatten_tensors


def _unsupported(call: Call, what: str) -> RuntimeError:
    return RuntimeError(
        f"microtensor.onnx.export(): {type(call.module).__name__} '{_hint(call)}' {what} has "
        "no ONNX mapping yet"
    )


# PyTorch's gate blocks -> ONNX's: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h; RNN as is
_RECURRENT = {
    "LSTM": ("LSTM", 4, [0, 3, 1, 2]),
    "GRU": ("GRU", 3, [1, 0, 2]),
    "RNN_TANH": ("RNN", 1, [0]),
    "RNN_RELU": ("RNN", 1, [0]),
}


def _gate_blocks(array: np.ndarray, gates: int, order: list[int]) -> np.ndarray:
    blocks = np.split(array, gates, axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def _layer_weights(m: Any, layer: int, gates: int, order: list[int]) -> tuple[Any, Any, Any]:
    """W [D, G*H, in], R [D, G*H, H] and B [D, 2*G*H] of one layer, in ONNX's gate order."""
    weights, recurrences, biases = [], [], []
    for suffix in ("", "_reverse")[: 2 if m.bidirectional else 1]:
        w_ih = getattr(m, f"weight_ih_l{layer}{suffix}").detach().numpy()
        w_hh = getattr(m, f"weight_hh_l{layer}{suffix}").detach().numpy()
        weights.append(_gate_blocks(w_ih, gates, order))
        recurrences.append(_gate_blocks(w_hh, gates, order))
        if m.bias:
            b_ih = getattr(m, f"bias_ih_l{layer}{suffix}").detach().numpy()
            b_hh = getattr(m, f"bias_hh_l{layer}{suffix}").detach().numpy()
            biases.append(np.concatenate([_gate_blocks(b, gates, order) for b in (b_ih, b_hh)]))
        else:
            biases.append(np.zeros(2 * w_ih.shape[0], w_ih.dtype))
    return np.stack(weights), np.stack(recurrences), np.stack(biases)


def recurrent(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """LSTM, GRU and RNN layer by layer; outputs ``output, h_n`` (and ``c_n`` for LSTM)."""
    m, hint = call.module, _hint(call)
    if call.args[0].ndim != 3:
        raise _unsupported(call, "on an unbatched (2-D) input")
    if getattr(m, "proj_size", 0):
        raise _unsupported(call, "with proj_size > 0")
    op_type, gates, order = _RECURRENT[m.mode]
    directions = 2 if m.bidirectional else 1
    is_lstm = op_type == "LSTM"
    state_names = inputs[1:]  # h0 (GRU/RNN), or h0 and c0 (LSTM), when given
    x = b.add("Transpose", [inputs[0]], hint, perm=[1, 0, 2]) if m.batch_first else inputs[0]
    finals: list[list[str]] = [[], []]
    for layer in range(m.num_layers):
        w, r, bias = _layer_weights(m, layer, gates, order)
        operands = [
            x,
            b.weight(w, f"{hint}.W_l{layer}"),
            b.weight(r, f"{hint}.R_l{layer}"),
            b.weight(bias, f"{hint}.B_l{layer}"),
            "",
        ]
        for state in state_names:
            start, end = layer * directions, (layer + 1) * directions
            operands.append(
                b.add(
                    "Slice",
                    [state, b.ints([start], "start"), b.ints([end], "end"), b.ints([0], "axis0")],
                    hint,
                )
            )
        attrs: dict[str, Any] = {"hidden_size": m.hidden_size}
        if directions == 2:
            attrs["direction"] = "bidirectional"
        if op_type == "GRU":
            attrs["linear_before_reset"] = 1  # PyTorch applies the reset gate after W_hn h
        if op_type == "RNN":
            attrs["activations"] = ["Tanh" if m.mode == "RNN_TANH" else "Relu"] * directions
        outs = b.add(op_type, operands, f"{hint}.l{layer}", outputs=3 if is_lstm else 2, **attrs)
        # Y is [seq, D, batch, H]: to [seq, batch, D * H]
        y = b.add("Transpose", [outs[0]], hint, perm=[0, 2, 1, 3])
        x = b.add("Reshape", [y, b.ints([0, 0, -1], "seq_batch_features")], hint)
        for k, final in enumerate(outs[1:]):
            finals[k].append(final)
    output = b.add("Transpose", [x], hint, perm=[1, 0, 2]) if m.batch_first else x
    states = [
        names[0] if len(names) == 1 else b.add("Concat", names, hint, axis=0)
        for names in finals[: 2 if is_lstm else 1]
    ]
    return [output, *states]


def self_attention_op(b: GraphBuilder, m: Any, x: str, hint: str, mask: str | None = None) -> str:
    """Multi-head self-attention of ``x`` (3-D, batch-first or not) as MatMul/Softmax.

    ``mask``: an additive float ``(seq, seq)`` mask added to the scores, or None.
    """
    embed, heads, head_dim = m.embed_dim, m.num_heads, m.head_dim
    weight = m.in_proj_weight.detach().numpy()
    bias = (
        m.in_proj_bias.detach().numpy()
        if m.in_proj_bias is not None
        else np.zeros(3 * embed, weight.dtype)
    )
    scale = np.asarray(1.0 / np.sqrt(head_dim), weight.dtype)
    projected = []
    for k, name in enumerate("qkv"):
        w = weight[k * embed : (k + 1) * embed].T
        bk = bias[k * embed : (k + 1) * embed]
        if name == "q":
            w, bk = w * scale, bk * scale
        y = b.add("MatMul", [x, b.weight(w, f"{hint}.W{name}_T")], f"{hint}.{name}")
        y = b.add("Add", [y, b.weight(bk, f"{hint}.b{name}")], f"{hint}.{name}")
        projected.append(b.add("Reshape", [y, b.ints([0, 0, heads, head_dim], "heads")], hint))
    # to [batch, heads, seq, head_dim] (keys to [batch, heads, head_dim, seq])
    to_heads, keys_t, back = (
        ([0, 2, 1, 3], [0, 2, 3, 1], [0, 2, 1, 3])
        if m.batch_first
        else ([1, 2, 0, 3], [1, 2, 3, 0], [2, 0, 1, 3])
    )
    q = b.add("Transpose", [projected[0]], hint, perm=to_heads)
    k_t = b.add("Transpose", [projected[1]], hint, perm=keys_t)
    v = b.add("Transpose", [projected[2]], hint, perm=to_heads)
    scores = b.add("MatMul", [q, k_t], hint)
    if mask is not None:
        scores = b.add("Add", [scores, mask], hint)
    weights = b.add("Softmax", [scores], hint, axis=-1)
    context = b.add("Transpose", [b.add("MatMul", [weights, v], hint)], hint, perm=back)
    merged = b.add("Reshape", [context, b.ints([0, 0, embed], "merge_heads")], hint)
    return linear_op(b, m.out_proj, merged, f"{hint}.out_proj")


def _check_attention(call: Call, m: Any) -> None:
    if not m._qkv_same_embed_dim or m.bias_k is not None or m.add_zero_attn:
        raise _unsupported(call, "with kdim/vdim, add_bias_kv or add_zero_attn")


def multihead_attention(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """MultiheadAttention used as self-attention (query, key and value the same tensor)."""
    m = call.module
    _check_attention(call, m)
    names = ("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask")
    bound = {**dict(zip(names, call.args, strict=False)), **call.kwargs}
    query, key, value = bound.get("query"), bound.get("key"), bound.get("value")
    if not (query is key is value) or call.args[0].ndim != 3:
        raise _unsupported(call, "other than batched self-attention (query is key is value)")
    if bound.get("key_padding_mask") is not None or bound.get("attn_mask") is not None:
        raise _unsupported(call, "with a mask")
    if call.output[1] is not None:
        raise _unsupported(call, "returning attention weights (pass need_weights=False)")
    return [self_attention_op(b, m, inputs[0], _hint(call))]


def _additive_mask(b: GraphBuilder, call: Call, inputs: list[str], seq: int) -> str | None:
    """The layer's ``src_mask`` as an additive float mask (bool: True is -inf), or None."""
    names = ("src", "src_mask", "src_key_padding_mask", "is_causal")
    bound = {**dict(zip(names, call.args, strict=False)), **call.kwargs}
    if bound.get("src_key_padding_mask") is not None:
        raise _unsupported(call, "with a src_key_padding_mask")
    mask = bound.get("src_mask")
    dtype = call.args[0].detach().numpy().dtype
    if mask is None:
        if not bound.get("is_causal"):
            return None
        causal = np.triu(np.full((seq, seq), -np.inf, dtype), 1)
        return b.weight(causal, f"{_hint(call)}.causal_mask")
    if mask.ndim != 2:
        raise _unsupported(call, f"with a {mask.ndim}-D src_mask (only (seq, seq) masks)")
    tensors = flatten_tensors((call.args, call.kwargs))
    name = inputs[next(i for i, t in enumerate(tensors) if t is mask)]
    if mask.dtype.is_floating_point:
        return name
    minus_inf = b.weight(np.asarray(-np.inf, dtype), "minus_inf")
    return b.add("Where", [name, minus_inf, b.weight(np.zeros((), dtype), "zero")], "mask")


def encoder_layer(b: GraphBuilder, call: Call, inputs: list[str]) -> list[str]:
    """TransformerEncoderLayer: attention and feed-forward blocks with LayerNorm."""
    m, hint = call.module, _hint(call)
    if call.args[0].ndim != 3:
        raise _unsupported(call, "with an unbatched input")
    _check_attention(call, m.self_attn)
    if m.activation_relu_or_gelu == 0:
        raise _unsupported(call, "with a custom activation")
    seq = call.args[0].shape[1 if m.self_attn.batch_first else 0]
    mask = _additive_mask(b, call, inputs, seq)

    def attend(x: str) -> str:
        return self_attention_op(b, m.self_attn, x, f"{hint}.self_attn", mask)

    def feed_forward(x: str) -> str:
        hidden = linear_op(b, m.linear1, x, f"{hint}.linear1")
        if m.activation_relu_or_gelu == 1:
            hidden = b.add("Relu", [hidden], hint)
        else:
            approximate = getattr(m.activation, "approximate", "none")
            hidden = gelu(b, f"{hint}.gelu", hidden, approximate)
        return linear_op(b, m.linear2, hidden, f"{hint}.linear2")

    def norm(module: Any, x: str, name: str) -> str:
        return layer_norm_op(b, module, x, f"{hint}.{name}")

    x = inputs[0]
    if m.norm_first:
        x = b.add("Add", [x, attend(norm(m.norm1, x, "norm1"))], hint)
        x = b.add("Add", [x, feed_forward(norm(m.norm2, x, "norm2"))], hint)
    else:
        x = norm(m.norm1, b.add("Add", [x, attend(x)], hint), "norm1")
        x = norm(m.norm2, b.add("Add", [x, feed_forward(x)], hint), "norm2")
    return [x]


HANDLERS = {
    nn.LSTM: recurrent,
    nn.GRU: recurrent,
    nn.RNN: recurrent,
    nn.MultiheadAttention: multihead_attention,
    nn.TransformerEncoderLayer: encoder_layer,
}
