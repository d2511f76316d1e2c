"""``torch.nn.attention.flex_attention``: attention with a user-written score and mask.

``flex_attention(query, key, value, score_mod, block_mask)`` is scaled dot product attention
where ``score_mod(score, b, h, q_idx, kv_idx)`` rewrites each score and the block mask's
``mask_mod(b, h, q_idx, kv_idx)`` says which pairs attend. Torch calls both once per position
(through ``vmap``); microtensor calls each once, vectorised, with index tensors broadcast over
``(B, H, Q_LEN, KV_LEN)``: ``b`` of shape (B, 1, 1, 1), ``h`` (1, H, 1, 1), ``q_idx``
(1, 1, Q_LEN, 1), ``kv_idx`` (1, 1, 1, KV_LEN), all int64 as in torch's eager path. A mod
written for torch's scalars (arithmetic, comparisons, ``where``, indexing a table with an
index tensor) gives the same values here, and since it runs on microtensor Tensors, gradients
flow through it to any tensor it captures (a learned bias table, say).

The result is torch's eager ``flex_attention`` (which runs its math implementation): scores
``query @ key^T * scale`` in float64 for float64 inputs and float32 otherwise, then
``score_mod``, then -inf where ``mask_mod`` is False, then a softmax whose fully masked rows
give 0, times ``value``; the log-sum-exp is in natural log, -inf on fully masked rows.
Composed from differentiable ops, so gradients of every order come for free.

Example:
    >>> import microtensor as mt
    >>> from microtensor.nn.attention.flex_attention import create_block_mask, flex_attention
    >>> def causal(b, h, q_idx, kv_idx):
    ...     return q_idx >= kv_idx
    >>> def relative(score, b, h, q_idx, kv_idx):
    ...     return score + (q_idx - kv_idx)
    >>> block_mask = create_block_mask(causal, None, None, 6, 6, device="cpu")
    >>> q = mt.randn(2, 4, 6, 8)
    >>> flex_attention(q, q, q, score_mod=relative, block_mask=block_mask).shape
    microtensor.Size([2, 4, 6, 8])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal, NamedTuple, TypedDict

import numpy as np

from microtensor import dtypes, ops
from microtensor.nn._functional.attention import _safe_softmax
from microtensor.nn.attention._block_mask import (
    _LARGE_SPARSE_BLOCK_SIZE,
    BlockMask,
    _sliced_mask_mod_error,
    noop_mask,
)
from microtensor.nn.attention._block_mask import _mask_mod_signature as _mask_mod_signature
from microtensor.nn.attention._mask_creation import (
    _allowed,
    _index_grid,
    _score_mod_signature,
    and_masks,
    create_block_mask,
    create_mask,
    or_masks,
)
from microtensor.tensor import Tensor

__all__ = [
    "AuxOutput",
    "AuxRequest",
    "BlockMask",
    "FlexKernelOptions",
    "and_masks",
    "create_block_mask",
    "create_mask",
    "flex_attention",
    "noop_mask",
    "or_masks",
]

_Backend = Literal["AUTO", "TRITON", "FLASH", "TRITON_DECODE"]
_WARNINGS_SHOWN: set[str] = set()


class FlexKernelOptions(TypedDict, total=False):
    """Torch's kernel tuning options: checked (``BACKEND``) and otherwise unused here."""

    num_warps: int
    num_stages: int
    BLOCK_M: int
    BLOCK_N: int
    BLOCK_M1: int
    BLOCK_N1: int
    BLOCK_M2: int
    BLOCK_N2: int
    PRESCALE_QK: bool
    ROWS_GUARANTEED_SAFE: bool
    BLOCKS_ARE_CONTIGUOUS: bool
    WRITE_DQ: bool
    FORCE_USE_FLEX_ATTENTION: bool
    USE_TMA: bool
    kpack: int
    matrix_instr_nonkdim: int
    waves_per_eu: int
    BACKEND: _Backend


class AuxRequest(NamedTuple):
    """Which auxiliary outputs ``flex_attention`` returns (``return_aux=``)."""

    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """The auxiliary outputs of ``flex_attention``: None where not requested."""

    lse: Tensor | None = None
    max_scores: Tensor | None = None


def _warn_once(key: str, message: str, category: type[Warning]) -> None:
    """Torch warns of a deprecation once per process."""
    if key not in _WARNINGS_SHOWN:
        _WARNINGS_SHOWN.add(key)
        warnings.warn(message, category, stacklevel=3)


def _check_inputs(query: Tensor, key: Tensor, value: Tensor, enable_gqa: bool) -> None:
    """Torch's checks of query, key and value, in its order and with its texts."""
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ValueError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim"
            f": {query.ndim}, key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            "Expect query and key/value to have the same embedding dimension but got "
            f"E={query.shape[-1]} and E={key.shape[-1]}."
        )
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise NotImplementedError("NYI: query, key, and value must be 4D tensors")
    heads, kv_heads = query.shape[1], key.shape[1]
    if not enable_gqa and heads != kv_heads:
        raise ValueError(
            "Expect query and key/value to have the same number of heads but got "
            f"Hq={heads} and Hkv={kv_heads}. Try setting enable_gqa=True for GQA."
        )
    if enable_gqa and heads % kv_heads != 0:
        raise ValueError(
            "Expect number of query heads to be a multiple of kv heads for GQA but got "
            f"Hq={heads} and Hkv={kv_heads}."
        )


def _check_batch(query: Tensor, key: Tensor, block_mask: BlockMask | None) -> None:
    if query.shape[0] == key.shape[0]:
        return
    if block_mask is None:
        raise ValueError(
            "Expect query and key/value to have the same batch size, or non-none block_mask, "
            f"but got block_mask=None, Bq={query.shape[0]}, and Bkv={key.shape[0]}."
        )
    if block_mask.kv_num_blocks.shape[0] != query.shape[0]:
        raise ValueError(
            "Expect query and key/value to have the same batch size, or block_mask and query to "
            f"have the same batch size, but got Bq={query.shape[0]}, Bkv={key.shape[0]}, "
            f"B_block_mask={block_mask.kv_num_blocks.shape[0]}."
        )
    if key.shape[0] != 1:  # torch's math implementation broadcasts a batch of 1 only
        raise RuntimeError(
            f"Bq and Bkv must broadcast. Got Bq={query.shape[0]} and Bkv={key.shape[0]}"
        )


def _check_lengths(query: Tensor, key: Tensor, block_mask: BlockMask) -> None:
    """The block mask must have been made for exactly these lengths (torch's texts)."""
    if block_mask.BLOCK_SIZE == (_LARGE_SPARSE_BLOCK_SIZE, _LARGE_SPARSE_BLOCK_SIZE):
        return  # flex_attention's own mask for block_mask=None
    q_len, kv_len = block_mask.shape[-2], block_mask.shape[-1]
    length = f"block_mask was created for block_mask.shape={block_mask.shape} but got q_len="
    length += f"{query.shape[-2]} and kv_len={key.shape[-2]}. "
    if query.shape[-2] > q_len or key.shape[-2] > kv_len:
        raise ValueError(
            length + "As the block mask was created for a smaller length than you're using it "
            "for, you likely need to create a new block mask."
        )
    if (query.shape[-2], key.shape[-2]) != (q_len, kv_len):
        raise ValueError(
            length + "As the block mask was created for a larger length than you're using it "
            "for, you can either 1. create a new block mask with the correct length, or 2. "
            "'adjust' the existing block mask to the correct length by calling "
            "block_mask._adjust(q_len, kv_len). This essentially 'crops' the block mask to the "
            "upper left corner, which does not work for all mask_mods!"
        )


def _check_kernel_options(options: FlexKernelOptions | None) -> None:
    options = options or {}
    if "BACKEND" in options and options.get("FORCE_USE_FLEX_ATTENTION", False):
        raise RuntimeError(
            "BACKEND cannot be combined with legacy FORCE_USE_FLEX_ATTENTION. BACKEND supersedes "
            "the legacy knob; please drop FORCE_USE_FLEX_ATTENTION and only specify the desired "
            "BACKEND."
        )
    backends = ("AUTO", "TRITON", "FLASH", "TRITON_DECODE")
    if "BACKEND" in options and options["BACKEND"] not in backends:
        raise ValueError(f"Invalid BACKEND value '{options['BACKEND']}'. Must be one of {backends}")
    for internal in ("OUTPUT_LOGSUMEXP", "OUTPUT_MAX"):
        if internal in options:
            raise AssertionError(f"{internal} must not be in kernel_options")


def _math_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    score_mod: Callable[..., Any] | None,
    mask_mod: Callable[..., Any],
    scale: float,
    want_max: bool,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Torch's eager formula: the output, the natural-log lse and the row max of the scores."""
    groups = query.shape[1] // key.shape[1]
    if groups > 1:
        key = ops.repeat_interleave(key, groups, dim=1)
        value = ops.repeat_interleave(value, groups, dim=1)
    if key.shape[0] != query.shape[0]:
        key = key.expand(query.shape[0], *key.shape[1:])
        value = value.expand(query.shape[0], *value.shape[1:])
    # the scores are float64 for float64 queries, float32 for every other dtype (torch's)
    working = dtypes.float64 if query.dtype == dtypes.float64 else dtypes.float32
    scores = ops.matmul(query.to(working), key.to(working).transpose(-2, -1)) * scale
    shape = (query.shape[0], query.shape[1], query.shape[2], key.shape[2])
    grid = _index_grid(shape)
    if score_mod is not None:
        # torch keeps the mod's float dtype (its -inf is a 0-d tensor, which does not promote)
        scores = score_mod(scores, *grid)
        if not scores.is_floating_point():
            scores = scores.to(working)
    if mask_mod is not noop_mask:
        allowed = Tensor._make(np.ascontiguousarray(_allowed(mask_mod, shape)))
        scores = ops.where(allowed, scores, float("-inf"))
    scores = scores.expand(*shape) if tuple(scores.shape) != shape else scores
    dead = np.all(np.isneginf(scores._data), axis=-1)
    # a fully masked row's lse is -inf; its scores become 0 first so the gradient stays finite
    dead_rows = Tensor._make(dead)
    safe = ops.where(dead_rows.unsqueeze(-1), 0.0, scores) if dead.any() else scores
    lse = ops.logsumexp(safe, -1)
    max_scores = ops.max(scores, -1).values if want_max else None
    if dead.any():
        lse = ops.where(dead_rows, float("-inf"), lse)
    weights = _safe_softmax(scores).to(query.dtype)
    return ops.matmul(weights, value.to(query.dtype)), lse, max_scores


def flex_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    score_mod: _score_mod_signature | None = None,
    block_mask: BlockMask | None = None,
    scale: float | None = None,
    enable_gqa: bool = False,
    return_lse: bool = False,
    kernel_options: FlexKernelOptions | None = None,
    *,
    return_aux: AuxRequest | None = None,
) -> Any:
    """Attention with a score_mod and a block mask: ``softmax(mod(q @ k^T * scale)) @ v``.

    With ``s = query @ key^T * scale`` per head, each score becomes
    ``score_mod(s, b, h, q_idx, kv_idx)``, or -inf where ``block_mask.mask_mod`` is False;
    ``out = softmax(scores) @ value``, a fully masked row giving 0. ``score_mod`` and the
    mask_mod are called once on broadcast index tensors (see the module docstring), so the
    gradient reaches query, key, value and every tensor ``score_mod`` captures.

    Args:
        query: (B, Hq, L, E).
        key: (B or 1, Hkv, S, E); Hkv == Hq unless enable_gqa.
        value: (B or 1, Hkv, S, Ev); Ev may differ from E.
        score_mod: ``(score, b, h, q_idx, kv_idx) -> score``; None leaves the scores.
        block_mask: a BlockMask made for (L, S), from ``create_block_mask``; None attends
            everywhere. A key batch of 1 with a query batch of B needs a mask of batch B.
        scale: the score scale; default ``1 / sqrt(E)``.
        enable_gqa: let Hq be a multiple of Hkv, each key/value head serving Hq / Hkv
            consecutive query heads.
        return_lse: also return the log-sum-exp of the scores, (B, Hq, L), natural log, -inf
            on fully masked rows. Deprecated in torch (a FutureWarning, once) for
            ``return_aux=AuxRequest(lse=True)``.
        kernel_options: torch's kernel tuning (``FlexKernelOptions``); checked, else unused.
        return_aux: an ``AuxRequest``: return ``(out, AuxOutput(lse, max_scores))``.

    Returns:
        ``out`` (B, Hq, L, Ev) in query's dtype; ``(out, lse)`` with return_lse;
        ``(out, AuxOutput)`` with return_aux. The lse (and max_scores) are float64 for
        float64 queries and float32 otherwise, as in torch.

    Raises:
        ValueError: for inputs under 2-D, different E of query and key, heads that differ
            (or do not divide with enable_gqa), batches that differ without a block mask of
            the query's batch, a block mask made for other lengths, an unknown
            ``kernel_options["BACKEND"]``, or both return_lse and return_aux.
        NotImplementedError: for inputs that are not 4-D.
        RuntimeError: for a sliced BlockMask (its mask_mod is lost), a key batch that is
            neither the query's nor 1, or BACKEND with FORCE_USE_FLEX_ATTENTION.

    Differs from PyTorch: torch's CPU refuses inputs that require grad
    (NotImplementedError) and ``AuxRequest(max_scores=True)``; microtensor differentiates
    (to any order) and returns the row maxima of the masked, modded scores (natural units).
    Torch's eager kernel evaluates mask_mod everywhere and ignores the block tables, and so
    does microtensor; a mask from ``BlockMask.from_kv_blocks`` without mask_mod masks nothing.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.attention.flex_attention import AuxRequest, flex_attention
        >>> bias = mt.zeros(11, requires_grad=True)
        >>> def relative_bias(score, b, h, q_idx, kv_idx):
        ...     return score + bias[q_idx - kv_idx + 5]
        >>> q = mt.randn(1, 4, 6, 8, requires_grad=True)
        >>> kv = mt.randn(1, 2, 6, 8)
        >>> out, aux = flex_attention(
        ...     q, kv, kv, score_mod=relative_bias, enable_gqa=True, return_aux=AuxRequest(lse=True)
        ... )
        >>> out.shape, aux.lse.shape
        (microtensor.Size([1, 4, 6, 8]), microtensor.Size([1, 4, 6]))
        >>> out.sum().backward()
        >>> bias.grad.shape
        microtensor.Size([11])
    """
    _check_inputs(query, key, value, enable_gqa)
    _check_batch(query, key, block_mask)
    if block_mask is not None and block_mask.mask_mod is _sliced_mask_mod_error:
        raise RuntimeError("Cannot use mask_mod from a sliced BlockMask")
    if block_mask is not None:
        _check_lengths(query, key, block_mask)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    if return_lse and return_aux is not None:
        raise ValueError(
            "Cannot specify both return_lse and return_aux. return_lse is deprecated, please use "
            "return_aux=AuxRequest(lse=True) instead."
        )
    if return_lse:
        _warn_once(
            "deprecated_return_lse",
            "return_lse is deprecated and will be removed in v2.10. Please use "
            "return_aux=AuxRequest(lse=True) instead.",
            FutureWarning,
        )
    _check_kernel_options(kernel_options)
    mask_mod = noop_mask if block_mask is None else block_mask.mask_mod
    want_max = return_aux is not None and return_aux.max_scores
    out, lse, max_scores = _math_attention(query, key, value, score_mod, mask_mod, scale, want_max)
    if return_aux is not None:
        return out, AuxOutput(lse if return_aux.lse else None, max_scores)
    return (out, lse) if return_lse else out
