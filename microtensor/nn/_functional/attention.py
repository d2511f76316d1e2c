"""``scaled_dot_product_attention`` (multi-head attention: ``multi_head_attention.py``).

A composition of differentiable ops (``matmul``, ``softmax``), so gradients of any order come
from the ops' own derivatives, except where torch's CPU would run its flash kernel: there
attention is one fused op (``_sdpa_op.py``). A bool ``attn_mask`` is True where a query may
attend, as in torch; a float mask is added to the scores.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import creation, dtypes, ops
from microtensor.backends import cuda as _cuda
from microtensor.nn._functional._sdpa_op import ScaledDotProductAttention, attention_bias
from microtensor.nn._functional.dropout import dropout
from microtensor.nn.attention import _check_viable_backend
from microtensor.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]

_C10_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}


def _c10_name(dtype: Any) -> str:
    """The dtype as PyTorch's C++ messages spell it (``float``, ``double``, ``long int``)."""
    name = str(dtype).rsplit(".", 1)[-1]
    return _C10_NAMES.get(name, name)


def _check_sdpa_inputs(query: Tensor, key: Tensor, value: Tensor, attn_mask: Any) -> None:
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_c10_name(query.dtype)} key.dtype: {_c10_name(key.dtype)} and value.dtype: "
            f"{_c10_name(value.dtype)} instead."
        )
    if attn_mask is not None and attn_mask.dtype != dtypes.bool:
        if attn_mask.dtype != query.dtype and not attn_mask.is_floating_point():
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_c10_name(attn_mask.dtype)} and  query.dtype: "
                f"{_c10_name(query.dtype)} instead."
            )


def _repeat_kv_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: each key/value head serves a group of query heads."""
    heads = query.shape[-3]
    if heads % key.shape[-3] != 0 or heads % value.shape[-3] != 0:
        raise RuntimeError(
            "Number of heads in key and value must divide the number of heads in query, got "
            f"{heads} query heads, {key.shape[-3]} key heads and {value.shape[-3]} value heads"
        )
    key = ops.repeat_interleave(key, heads // key.shape[-3], dim=-3)
    value = ops.repeat_interleave(value, heads // value.shape[-3], dim=-3)
    return key, value


def _attention_bias(
    attn_mask: Tensor | None, is_causal: bool, shape: tuple[int, int], dtype: Any
) -> Tensor | None:
    """The additive (L, S)-broadcastable bias: 0 where attending, -inf where not."""
    if is_causal:
        allowed = Tensor._make(np.tril(np.ones(shape, dtype=bool)))
    elif attn_mask is None or attn_mask.dtype != dtypes.bool:
        return attn_mask
    else:
        allowed = attn_mask
    return creation.zeros(allowed.shape, dtype=dtype).masked_fill(
        allowed.logical_not(), float("-inf")
    )


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim; a row whose scores are all -inf gives zeros, not NaN."""
    dead = np.all(np.isneginf(scores._data), axis=-1, keepdims=True)
    if not dead.any():
        return ops.softmax(scores, -1)
    dead_rows = Tensor._make(dead)
    weights = ops.softmax(ops.where(dead_rows, 0.0, scores), -1)
    return ops.where(dead_rows, 0.0, weights)


def _flash_applies(
    query: Tensor, key: Tensor, value: Tensor, attn_mask: Any, dropout_p: float, gqa: bool
) -> bool:
    """True where torch's CPU runs its flash kernel (sdp_utils_cpp's checks, in its order)."""
    if not _cuda._sdp["flash"] or dropout_p > 0.0:
        return False
    if not query.ndim == key.ndim == value.ndim == 4:
        return False
    if not query.shape[0] == key.shape[0] == value.shape[0]:
        return False
    heads, kv_heads = query.shape[1], key.shape[1]
    if gqa and (kv_heads != value.shape[1] or heads % kv_heads != 0):
        return False
    if not gqa and not heads == kv_heads == value.shape[1]:
        return False
    if attn_mask is not None and not _flash_mask(attn_mask, query, key):
        return False
    if not query.shape[-1] == key.shape[-1] == value.shape[-1]:
        return False
    if query.shape[-2] == 0 or key.shape[-2] == 0 or query.numel() == 0:
        return False  # torch answers an empty input before choosing a kernel
    for t in (query, key, value):
        if t._data.strides[-1] != t._data.itemsize:
            return False
    return query.is_floating_point()


def _flash_mask(mask: Tensor, query: Tensor, key: Tensor) -> bool:
    """Torch's check_attn_mask_shape: 2-D, or 4-D broadcastable to (B, H, L, S) by size-1 dims."""
    if mask.requires_grad:
        return False  # the flash kernel has no mask gradient
    if mask.ndim < 2:  # torch's size(-2) lookup fails here, with its IndexError
        if mask.ndim == 0:
            raise IndexError("Dimension specified as -2 but tensor has no dimensions")
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    wanted = (query.shape[0], query.shape[1], query.shape[2], key.shape[2])
    if mask.ndim not in (2, 4):
        return False
    return all(m in (1, w) for m, w in zip(mask.shape[::-1], wanted[::-1], strict=False))


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """Attention: ``softmax(query @ key^T * scale + bias) @ value``, as torch's CPU runs it.

    Which graph is recorded follows torch's CPU kernel choice, so ``out.grad_fn`` is torch's.
    The fused flash kernel (one node, ``ScaledDotProductFlashAttentionForCpuBackward0``) runs
    when all of these hold, else the math path (a composition of ``matmul`` and ``softmax``
    whose last node is ``UnsafeViewBackward0``, or ``MmBackward0`` for 2-D inputs):
    the flash backend is enabled (``sdpa_kernel``); ``dropout_p == 0``; query, key and value
    are 4-D with one batch size; their heads are equal, or with ``enable_gqa`` key and value
    have the same heads, dividing query's; ``attn_mask`` (bool or float) does not require grad
    and is 2-D or 4-D, each dim equal to the scores' ``(B, H, L, S)`` or 1; the three share
    their last dim; ``L`` and ``S`` are not 0 and no input is empty; the last dim of each is
    contiguous (stride 1). ``is_causal`` and ``scale`` do not change the choice.

    Args:
        query: ``(..., L, E)``.
        key: ``(..., S, E)``.
        value: ``(..., S, Ev)``.
        attn_mask: a bool mask, True where a query may attend to a key, or a float mask added
            to the scores; broadcastable to ``(..., L, S)``.
        dropout_p: dropout probability on the attention weights (applied whenever > 0, as
            in PyTorch: pass 0.0 in evaluation).
        is_causal: if True, query i attends only to keys j <= i (attn_mask must be None).
        scale: the score scale; default ``1 / sqrt(E)``.
        enable_gqa: if True, key and value may have fewer heads (dim -3) than query, each
            serving a group of query heads.

    Returns:
        ``(..., L, Ev)``. A query row with no key to attend to gives zeros (both paths).

    Raises:
        RuntimeError: for inputs under 2-D, mixed dtypes, an integer mask, attn_mask with
            is_causal, heads that do not divide (enable_gqa), or no viable backend (math and
            flash both switched off by ``nn.attention.sdpa_kernel`` or ``backends.cuda``, or
            only flash on for inputs it does not take: torch's "No available kernel").
        ValueError: if dropout_p is not in [0, 1].
        IndexError: for a 0-D or 1-D attn_mask while the flash backend is on (torch's).

    Example:
        >>> import microtensor as mt
        >>> q, k, v = mt.randn(2, 4, 3, 8), mt.randn(2, 4, 5, 8), mt.randn(2, 4, 5, 6)
        >>> mt.nn.functional.scaled_dot_product_attention(q, k, v).shape
        microtensor.Size([2, 4, 3, 6])
        >>> v = mt.randn(2, 4, 5, 8, requires_grad=True)
        >>> mt.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).grad_fn.name()
        'ScaledDotProductFlashAttentionForCpuBackward0'
    """
    _check_sdpa_inputs(query, key, value, attn_mask)
    _check_viable_backend()
    if attn_mask is not None and is_causal:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True: pass one of them (the causal mask, or your mask combined with it)"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if _flash_applies(query, key, value, attn_mask, dropout_p, enable_gqa):
        scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
        mask = None if attn_mask is None else attn_mask._data
        shape = (query.shape[-2], key.shape[-2])
        bias = attention_bias(mask, is_causal, shape, query._data.dtype)
        return ScaledDotProductAttention.apply(query, key, value, bias=bias, scale=scale)  # type: ignore[no-any-return]
    if not _cuda._sdp["math"]:
        raise RuntimeError(
            "No available kernel.  Aborting execution. (only the flash backend is enabled, and "
            "its CPU kernel does not take these inputs: enable SDPBackend.MATH)"
        )
    return _math_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)


def _math_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None,
    dropout_p: float,
    is_causal: bool,
    scale: float | None,
    enable_gqa: bool,
) -> Tensor:
    """Torch's math path: the formula composed from differentiable ops."""
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = _repeat_kv_heads(query, key, value)
    if scale is None:  # with E == 0 the scores are 0 whatever the scale (torch's is inf)
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    scores = ops.matmul(query, key.transpose(-2, -1)) * scale
    bias = _attention_bias(attn_mask, is_causal, (query.shape[-2], key.shape[-2]), query.dtype)
    if bias is not None:
        scores = scores + bias
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return ops.matmul(weights, value)
