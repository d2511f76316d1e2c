"""``multi_head_attention_forward``: torch's multi-head attention as a composition of ops.

The projections are ``linear``, the attention is ``scaled_dot_product_attention`` (or, when
the weights are asked for, ``matmul`` and ``softmax``). A bool mask (``attn_mask`` or
``key_padding_mask``) is True where a query may NOT attend, as in torch; a float mask is added
to the scores.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from microtensor import creation, dtypes, ops
from microtensor.nn._functional.attention import scaled_dot_product_attention
from microtensor.nn._functional.dropout import dropout
from microtensor.nn._functional.linear import linear
from microtensor.tensor import Tensor

__all__ = ["multi_head_attention_forward"]


def _canonical_mask(
    mask: Tensor | None, name: str, other: Tensor | None, other_name: str, dtype: Any
) -> Tensor | None:
    """A bool mask (True = masked out) becomes a float 0 / -inf mask; float masks pass."""
    if mask is None:
        return None
    is_bool = mask.dtype == dtypes.bool
    if not is_bool and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if other is not None and other.dtype != mask.dtype:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. Use same type for "
            "both instead.",
            stacklevel=3,
        )
    if is_bool:
        return creation.zeros(mask.shape, dtype=dtype).masked_fill(mask, float("-inf"))
    return mask


def _mha_shape_check(
    query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Any, attn_mask: Any, heads: int
) -> bool:
    """PyTorch's checks; True for batched (3-D) input."""
    if query.ndim not in (2, 3):
        raise AssertionError(
            "query should be unbatched 2D or batched 3D tensor but received "
            f"{query.ndim}-D query tensor"
        )
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
            f"{key.ndim}-D and {value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
            f"{query.ndim - 1}-D but found {key_padding_mask.ndim}-D tensor instead"
        )
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError(
            f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
            f"{attn_mask.ndim}-D tensor instead"
        )
    if not batched and attn_mask is not None and attn_mask.ndim == 3:
        expected = (heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
            )
    return batched


def _in_projection(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    packed: Tensor | None,
    separate: tuple[Tensor, Tensor, Tensor] | None,
    bias: Tensor | None,
) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v: each input through its third of the projection (one matmul when shared)."""
    biases = (None, None, None) if bias is None else tuple(ops.chunk(bias, 3))
    if packed is None:
        assert separate is not None
        weights = separate
    elif query is key and key is value:  # self-attention: one matmul
        q, k, v = ops.chunk(linear(query, packed, bias), 3, -1)
        return q, k, v
    else:
        weights = tuple(ops.chunk(packed, 3))  # type: ignore[assignment]
    q = linear(query, weights[0], biases[0])
    k = linear(key, weights[1], biases[1])
    v = linear(value, weights[2], biases[2])
    return q, k, v


def _check_attn_mask(mask: Tensor, tgt_len: int, src_len: int, bsz_heads: int) -> Tensor:
    """The mask as 3-D ``(1 or bsz * heads, L, S)``, checked."""
    if mask.ndim == 2:
        if tuple(mask.shape) != (tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {mask.shape}, but should be "
                f"{(tgt_len, src_len)}."
            )
        return mask.unsqueeze(0)
    if mask.ndim == 3:
        if tuple(mask.shape) != (bsz_heads, tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {mask.shape}, but should be "
                f"{(bsz_heads, tgt_len, src_len)}."
            )
        return mask
    raise RuntimeError(f"attn_mask's dimension {mask.ndim} is not supported")


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more key column (bias_k or the zero key) that nobody masks."""
    return None if mask is None else ops.pad(mask, (0, 1))


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on sequence-first inputs, as ``nn.MultiheadAttention`` runs it.

    Args:
        query: ``(L, N, E)`` or unbatched ``(L, E)``.
        key: ``(S, N, kdim)`` or ``(S, kdim)``.
        value: ``(S, N, vdim)`` or ``(S, vdim)``.
        embed_dim_to_check: E, checked against the query.
        num_heads: heads; E must divide by it.
        in_proj_weight: the packed ``(3E, E)`` q/k/v projection (unless separate weights).
        in_proj_bias: ``(3E,)`` or None.
        bias_k: ``(1, 1, E)`` appended to the keys, or None.
        bias_v: ``(1, 1, E)`` appended to the values, or None.
        add_zero_attn: if True, append a zero key and value.
        dropout_p: dropout on the attention weights (training only).
        out_proj_weight: ``(E, E)``.
        out_proj_bias: ``(E,)`` or None.
        training: apply dropout.
        key_padding_mask: ``(N, S)``: True (or -inf) for keys to ignore.
        need_weights: also return the attention weights.
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``: True (or -inf) where not allowed.
        use_separate_proj_weight: use q/k/v_proj_weight instead of in_proj_weight.
        q_proj_weight: ``(E, E)``.
        k_proj_weight: ``(E, kdim)``.
        v_proj_weight: ``(E, vdim)``.
        static_k: ``(N * num_heads, S, E / num_heads)`` keys used as they are.
        static_v: ``(N * num_heads, S, E / num_heads)`` values used as they are.
        average_attn_weights: average the returned weights over the heads.
        is_causal: a hint that attn_mask is the causal mask (which must still be given).

    Returns:
        ``(output (L, N, E), weights (N, L, S) or (N, heads, L, S) or None)``.

    Raises:
        AssertionError: for inconsistent shapes or masks, as PyTorch.
        RuntimeError: for an attn_mask of the wrong shape, or is_causal without attn_mask.

    Example:
        >>> import microtensor as mt
        >>> x = mt.randn(5, 2, 8)
        >>> w, b, ow = mt.randn(24, 8), mt.zeros(24), mt.randn(8, 8)
        >>> out, weights = mt.nn.functional.multi_head_attention_forward(
        ...     x, x, x, 8, 2, w, b, None, None, False, 0.0, ow, None)
        >>> out.shape, weights.shape
        (microtensor.Size([5, 2, 8]), microtensor.Size([2, 5, 5]))
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    kpm = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and kpm is None and not need_weights:
        mask = None  # SDPA builds the causal mask itself
    else:
        mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
        is_causal = is_causal and kpm is None
    _check_dims(embed_dim, embed_dim_to_check, num_heads, key, value, use_separate_proj_weight)
    head_dim = embed_dim // num_heads
    separate = None
    if use_separate_proj_weight:
        separate = _separate_weights(q_proj_weight, k_proj_weight, v_proj_weight)
        in_proj_weight = None
    elif in_proj_weight is None:
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    q, k, v = _in_projection(query, key, value, in_proj_weight, separate, in_proj_bias)
    if mask is not None:
        mask = _check_attn_mask(mask, tgt_len, k.shape[0], bsz * num_heads)
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            which = "key" if static_k is not None else "value"
            raise AssertionError(f"bias cannot be added to static {which}.")
        k = ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ops.cat([v, bias_v.repeat(1, bsz, 1)])
        mask, kpm = _pad_last(mask), _pad_last(kpm)
    elif bias_k is not None or bias_v is not None:
        given, missing = ("bias_k", "bias_v") if bias_k is not None else ("bias_v", "bias_k")
        raise AssertionError(f"{given} is set but {missing} is None")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, "static_k", bsz * num_heads, head_dim)
    v = _heads(v, static_v, "static_v", bsz * num_heads, head_dim)
    if add_zero_attn:
        zeros = creation.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype)
        k, v = ops.cat([k, zeros], 1), ops.cat([v, zeros], 1)
        mask, kpm = _pad_last(mask), _pad_last(kpm)
    src_len = k.shape[1]
    if kpm is not None:
        _check_key_padding_mask(kpm, src_len, bsz)
        kpm = kpm.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        mask = kpm if mask is None else mask + kpm
    dropout_p = dropout_p if training else 0.0
    shapes = (tgt_len, bsz, embed_dim, num_heads, src_len)
    if need_weights:
        out, attn = _attend_with_weights(q, k, v, mask, dropout_p, shapes)
        attn = attn.mean(1) if average_attn_weights else attn
    else:
        out, attn = _attend_fused(q, k, v, mask, dropout_p, is_causal, shapes), None
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not batched:
        out = out.squeeze(1)
        attn = None if attn is None else attn.squeeze(0)
    return out, attn


def _check_dims(
    embed_dim: int, expected: int, heads: int, key: Tensor, value: Tensor, separate: bool
) -> None:
    if embed_dim != expected:
        raise AssertionError(
            f"was expecting embedding dimension of {expected}, but got {embed_dim}"
        )
    if (embed_dim // heads) * heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {heads}")
    if separate and tuple(key.shape[:2]) != tuple(value.shape[:2]):
        raise AssertionError(
            f"key's sequence and batch dims {key.shape[:2]} do not match value's {value.shape[:2]}"
        )
    if not separate and tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")


def _separate_weights(
    q_weight: Tensor | None, k_weight: Tensor | None, v_weight: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    for name, weight in (("q", q_weight), ("k", k_weight), ("v", v_weight)):
        if weight is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
    return q_weight, k_weight, v_weight  # type: ignore[return-value]


def _heads(x: Tensor, static: Tensor | None, name: str, bsz_heads: int, head_dim: int) -> Tensor:
    """``(S, N, E) -> (N * heads, S, head_dim)``, or the static tensor after checks."""
    if static is None:
        return x.reshape(x.shape[0], bsz_heads, head_dim).transpose(0, 1)
    if static.shape[0] != bsz_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz_heads}, but got {static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    return static


def _check_key_padding_mask(mask: Tensor, src_len: int, bsz: int) -> None:
    if mask.shape[0] != bsz:
        raise AssertionError(
            f"Expected key_padded_mask.shape[0] to be {bsz}, but got {mask.shape[0]}"
        )
    if mask.shape[1] != src_len:
        raise AssertionError(
            f"Expected key_padded_mask.shape[1] to be {src_len}, but got {mask.shape[1]}"
        )


def _attend_with_weights(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None,
    dropout_p: float,
    shapes: tuple[int, ...],
) -> tuple[Tensor, Tensor]:
    """The explicit path: ``(rows (L * N, E), weights (N, heads, L, S))``."""
    tgt_len, bsz, embed_dim, heads, src_len = shapes
    q_scaled = q * math.sqrt(1.0 / q.shape[-1])
    scores = ops.matmul(q_scaled, k.transpose(-2, -1))
    if mask is not None:
        scores = scores + mask
    weights = ops.softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    out = ops.matmul(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    return out, weights.reshape(bsz, heads, tgt_len, src_len)


def _attend_fused(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None,
    dropout_p: float,
    is_causal: bool,
    shapes: tuple[int, ...],
) -> Tensor:
    """The ``scaled_dot_product_attention`` path: rows ``(L * N, E)``."""
    tgt_len, bsz, embed_dim, heads, src_len = shapes
    if mask is not None:
        if mask.shape[0] == 1:
            mask = mask.unsqueeze(0)
        else:
            mask = mask.reshape(bsz, heads, -1, src_len)
    q = q.reshape(bsz, heads, tgt_len, -1)
    k = k.reshape(bsz, heads, src_len, -1)
    v = v.reshape(bsz, heads, src_len, -1)
    out = scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal)
    return out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
