"""Scaled dot product attention as one fused op: torch's CPU flash kernel, in NumPy.

``scaled_dot_product_attention`` runs this op where torch's CPU runs its flash kernel (its node
is ``ScaledDotProductFlashAttentionForCpuBackward0``) and the composition of ``matmul`` and
``softmax`` where torch runs its math path; see the rule in that function's docstring.
One node instead of about ten: one softmax pass on the raw scores, no intermediate Tensors,
and a backward of five matrix products.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._short_rows import reduce_kept, sum_last_kept
from microtensor.tensor import Tensor

__all__ = ["ScaledDotProductAttention", "attention_bias"]


def attention_bias(
    mask: np.ndarray | None, is_causal: bool, shape: tuple[int, int], dtype: np.dtype
) -> np.ndarray | None:
    """The additive bias broadcastable to the scores: the float mask, or 0 / -inf.

    Args:
        mask: None, a bool array (True where a query may attend) or a float array (added).
        is_causal: build the top-left causal mask of ``shape`` instead (query i sees keys j <= i).
        shape: ``(L, S)``.
        dtype: the scores' dtype (a float mask is cast to it, as torch's kernel does).

    Returns:
        None when nothing is masked, else an array of ``dtype``.
    """
    if is_causal:
        return np.triu(np.full(shape, -np.inf, dtype), 1)
    if mask is None:
        return None
    if mask.dtype == np.bool_:
        return np.where(mask, np.zeros((), dtype), np.array(-np.inf, dtype))
    return mask.astype(dtype, copy=False)


def _grouped(x: Any, heads: int) -> Any:
    """``(B, H, L, D) -> (B, heads, H // heads * L, D)``: each key/value head's query rows.

    Grouped-query attention: query head h reads key/value head h // group (the heads of a group
    are consecutive, as ``repeat_interleave`` makes them), so one group's rows stack into one
    matrix and a single product per key/value head serves the group, with no repeated keys.
    """
    if x.shape[1] == heads:
        return x
    return x.reshape(x.shape[0], heads, -1, x.shape[-1])


def _row_sums(a: Any) -> Any:
    """The sums over the last dim, kept as a size-1 dim (on arrays: ``sum_last_kept``)."""
    return sum_last_kept(a) if dual.is_array(a) else dual.sum(a, -1, True)


def _softmax_rows(scores: np.ndarray, dead: np.ndarray | None) -> np.ndarray:
    """Softmax over the last dim, in place; rows in ``dead`` (all -inf) give zeros, not NaN."""
    peak = reduce_kept(np.maximum, scores, -1)
    if dead is not None:
        peak = np.where(dead, 0.0, peak)  # -inf - -inf would be NaN
    scores -= peak  # the max shift: exp never overflows
    np.exp(scores, out=scores)
    total = _row_sums(scores)
    if dead is not None:
        total = np.where(dead, 1.0, total)  # 0 / 1: the row stays 0
    scores /= total
    return scores


def _dead_rows(bias: np.ndarray | None) -> np.ndarray | None:
    """The query rows with no key to attend to (their bias row is all -inf), or None."""
    if bias is None:
        return None
    dead = np.all(np.isneginf(bias), axis=-1, keepdims=True)
    return dead if dead.any() else None


def _weights_tensor(q: Tensor, k: Tensor, ctx: Any) -> Tensor:
    """The attention weights recomputed from Tensors (create_graph): second derivatives flow."""
    scores = ops.matmul(_grouped(q, k.shape[1]), dual.swap_last(k)) * ctx.scale
    scores = scores.reshape(*q.shape[:-1], k.shape[-2])
    if ctx.bias is not None:
        scores = scores + Tensor._make(ctx.bias)
    if ctx.dead is None:
        return ops.softmax(scores, -1)
    dead = Tensor._make(ctx.dead)
    return ops.where(dead, 0.0, ops.softmax(ops.where(dead, 0.0, scores), -1))


class ScaledDotProductAttention(Op, node_name="ScaledDotProductFlashAttentionForCpuBackward0"):
    """out = P @ v,  P = softmax(S),  S = q @ k^T * scale + bias, per (batch, head).

    With g = dL/dout and sums over the key dim:
    dv = P^T @ g,  dP = g @ v^T,  dS = P * (dP - sum(dP * P)),
    dq = dS @ k * scale,  dk = dS^T @ q * scale.
    Inputs are 4-D ``(B, H, L, E)``; key and value may have fewer heads (grouped-query), whose
    gradients then sum over the query heads of their group (one product per group, see
    ``_grouped``). ``bias`` is a constant array (torch's kernel does not differentiate the
    mask either: a mask that requires grad goes to the math path).
    """

    _listed = (0, 1, 2)  # torch's node lists query, key and value

    @staticmethod
    def forward(
        ctx: Any, q: Any, k: Any, v: Any, bias: np.ndarray | None, scale: float
    ) -> np.ndarray:
        heads = k.shape[1]
        scores = _grouped(q, heads) @ np.swapaxes(k, -1, -2)
        scores *= scale
        scores = scores.reshape(*q.shape[:-1], k.shape[-2])
        if bias is not None:
            scores += bias
        dead = _dead_rows(bias)
        weights = _softmax_rows(scores, dead)
        out = _grouped(weights, heads) @ v
        ctx.scale, ctx.bias, ctx.dead = scale, bias, dead
        ctx.weights = weights  # a constant: only the array (first-order) path uses it
        ctx.save_for_backward(q, k, v)
        return out.reshape(*q.shape[:-1], v.shape[-1])

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        q, k, v = ctx.saved_tensors
        heads = k.shape[1]
        weights = ctx.weights if dual.is_array(grad_out) else _weights_tensor(q, k, ctx)
        p = _grouped(weights, heads)
        g = _grouped(grad_out, heads)
        needs = ctx.needs_input_grad
        grad_q = grad_k = grad_v = None
        if needs[2]:
            grad_v = dual.swap_last(p) @ g
        if needs[0] or needs[1]:
            grad_p = g @ dual.swap_last(v)
            grad_s = p * (grad_p - _row_sums(grad_p * p)) * ctx.scale
            if needs[0]:
                grad_q = (grad_s @ k).reshape(q.shape)
            if needs[1]:
                grad_k = dual.swap_last(grad_s) @ _grouped(q, heads)
        return grad_q, grad_k, grad_v
