"""Making the masks of flex attention: create_mask, create_block_mask, and_masks, or_masks.

A mask_mod ``(b, h, q_idx, kv_idx)`` is called once, on int64 index tensors that broadcast to
``(B, H, Q_LEN, KV_LEN)`` (torch calls it once per position through ``vmap``); its result is
broadcast to that shape. Public through ``microtensor.nn.attention.flex_attention``.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import creation, dtypes
from microtensor.nn.attention._block_mask import (
    _DEFAULT_SPARSE_BLOCK_SIZE,
    BlockMask,
    _mask_mod_signature,
)
from microtensor.nn.attention._block_tables import _dense_to_ordered, _int32
from microtensor.tensor import Tensor

__all__ = ["and_masks", "create_block_mask", "create_mask", "or_masks"]

_score_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor, Tensor], Tensor]


def _dense_to_block_mask(
    mask: np.ndarray, q_block: int, kv_block: int, separate_full_blocks: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """The (B, H, Q tiles, KV tiles) 0/1 tables of partial and full tiles of a bool mask."""
    mask = mask.reshape((1,) * (4 - mask.ndim) + mask.shape)
    pad_q, pad_kv = -mask.shape[-2] % q_block, -mask.shape[-1] % kv_block
    mask = np.pad(mask, ((0, 0), (0, 0), (0, pad_q), (0, pad_kv)))
    b, h, q, kv = mask.shape
    tiles = mask.reshape(b, h, q // q_block, q_block, kv // kv_block, kv_block)
    count = tiles.sum(axis=(3, 5))
    if not separate_full_blocks:
        return (count > 0).astype(np.int8), None
    full = q_block * kv_block
    return ((count > 0) & (count < full)).astype(np.int8), (count == full).astype(np.int8)


def _positional_args(fn: Callable[..., Any]) -> int:
    code = getattr(fn, "__code__", None)
    if code is not None:
        return int(code.co_argcount) - len(getattr(fn, "__defaults__", None) or ())
    empty = inspect.Parameter.empty
    return sum(1 for p in inspect.signature(fn).parameters.values() if p.default is empty)


def _is_score_mod(fn: Callable[..., Any]) -> bool:
    """Torch's rule: five positional arguments make a score_mod, four a mask_mod."""
    count = _positional_args(fn)
    if count not in (4, 5):
        raise AssertionError(f"Expected 4 or 5 positional args, got {count}")
    return count == 5


def _index_grid(shape: tuple[int, int, int, int], device: Any = None) -> list[Tensor]:
    """b, h, q_idx, kv_idx as int64 tensors that broadcast to ``shape`` (B, H, Q, KV)."""
    grid = []
    for dim, size in enumerate(shape):
        view = [1, 1, 1, 1]
        view[dim] = size
        grid.append(creation.arange(size, device=device).reshape(view))
    return grid


def _allowed(
    mask_mod: Callable[..., Any], shape: tuple[int, int, int, int], device: Any = None
) -> np.ndarray:
    """The (B, H, Q, KV) bool array of mask_mod."""
    mask = mask_mod(*_index_grid(shape, device))
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    return np.broadcast_to(data, shape)


def or_masks(*mask_mods: _mask_mod_signature) -> _mask_mod_signature:
    """The mask_mod that attends where any of ``mask_mods`` does.

    Raises:
        RuntimeError: if an argument is not callable.

    Example:
        >>> from microtensor.nn.attention.flex_attention import create_mask, or_masks
        >>> first = lambda b, h, q, kv: kv == 0
        >>> diagonal = lambda b, h, q, kv: q == kv
        >>> create_mask(or_masks(first, diagonal), 1, 1, 3, 3, device="cpu").int()[0, 0]
        tensor([[1, 0, 0],
                [1, 1, 0],
                [1, 0, 1]], dtype=microtensor.int32)
    """
    if not all(callable(fn) for fn in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def or_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        result = b.new_zeros((), dtype=dtypes.bool)
        for mask_mod in mask_mods:
            result = result | mask_mod(b, h, q_idx, kv_idx)
        return result

    return or_mask


def and_masks(*mask_mods: _mask_mod_signature) -> _mask_mod_signature:
    """The mask_mod that attends where all of ``mask_mods`` do.

    Raises:
        RuntimeError: if an argument is not callable.

    Example:
        >>> from microtensor.nn.attention.flex_attention import and_masks, create_mask
        >>> causal = lambda b, h, q, kv: q >= kv
        >>> window = lambda b, h, q, kv: q - kv <= 1
        >>> create_mask(and_masks(causal, window), 1, 1, 3, 3, device="cpu").int()[0, 0]
        tensor([[1, 0, 0],
                [1, 1, 0],
                [0, 1, 1]], dtype=microtensor.int32)
    """
    if not all(callable(fn) for fn in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def and_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        result = b.new_ones((), dtype=dtypes.bool)
        for mask_mod in mask_mods:
            result = result & mask_mod(b, h, q_idx, kv_idx)
        return result

    return and_mask


def create_mask(
    mod_fn: _score_mod_signature | _mask_mod_signature,
    B: int | None,  # noqa: N803
    H: int | None,  # noqa: N803
    Q_LEN: int,  # noqa: N803
    KV_LEN: int,  # noqa: N803
    device: Any = None,
) -> Tensor:
    """The dense (B, H, Q_LEN, KV_LEN) bool mask of a mask_mod, or of a score_mod.

    A score_mod (five arguments) is called on zero scores; the mask is False where it gives
    -inf.

    Args:
        mod_fn: a mask_mod ``(b, h, q_idx, kv_idx)`` or a score_mod
            ``(score, b, h, q_idx, kv_idx)``.
        B: batch size; None for 1.
        H: number of query heads; None for 1.
        Q_LEN: query length.
        KV_LEN: key/value length.
        device: only the CPU (None means it).

    Returns:
        The bool mask, True where a query attends to a key.

    Raises:
        AssertionError: if mod_fn takes neither 4 nor 5 positional arguments.

    Example:
        >>> from microtensor.nn.attention.flex_attention import create_mask
        >>> create_mask(lambda b, h, q, kv: q >= kv, None, None, 2, 3).shape
        microtensor.Size([1, 1, 2, 3])
    """
    shape = (1 if B is None else B, 1 if H is None else H, Q_LEN, KV_LEN)
    if _is_score_mod(mod_fn):
        scores = mod_fn(creation.zeros(shape, device=device), *_index_grid(shape, device))
        allowed = np.broadcast_to(~np.isneginf(scores._data), shape)
    else:
        allowed = _allowed(mod_fn, shape, device)
    return Tensor._make(np.array(allowed, dtype=bool))


def create_block_mask(
    mask_mod: _mask_mod_signature,
    B: int | None,  # noqa: N803
    H: int | None,  # noqa: N803
    Q_LEN: int,  # noqa: N803
    KV_LEN: int,  # noqa: N803
    device: Any = None,
    BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_SPARSE_BLOCK_SIZE,  # noqa: N803
    _compile: bool = False,
    separate_full_blocks: bool = True,
    compute_dq_write_order: bool = False,
    dq_kv_order: bool = True,
) -> BlockMask:
    """The BlockMask of ``mask_mod``: its tiles, computed as torch computes them.

    Args:
        mask_mod: ``(b, h, q_idx, kv_idx) -> bool tensor``, True where a query attends.
        B: batch size; None for 1 (the mask then serves every batch).
        H: number of query heads; None for 1.
        Q_LEN: query length.
        KV_LEN: key/value length.
        device: only the CPU (None means it).
        BLOCK_SIZE: the tile size, one int or (Q_BLOCK_SIZE, KV_BLOCK_SIZE).
        _compile: deprecated in torch (a DeprecationWarning); changes nothing.
        separate_full_blocks: list the tiles where all pairs attend in the full_* tables
            (else every non-empty tile is in kv_num_blocks / kv_indices).
        compute_dq_write_order: also compute ``dq_write_order`` (and ``dq_write_order_full``),
            the metadata of torch's deterministic FLASH backward (unused by microtensor).
        dq_kv_order: its KV order: False ascending, True descending (a bool).

    Returns:
        The BlockMask, whose mask_mod is ``mask_mod``.

    Raises:
        AssertionError: if mask_mod does not take four positional arguments.
        ValueError: if dq_kv_order is not a bool.

    Example:
        >>> from microtensor.nn.attention.flex_attention import create_block_mask
        >>> window = lambda b, h, q, kv: (q - kv).abs() <= 64
        >>> block_mask = create_block_mask(window, None, None, 384, 384)
        >>> block_mask.kv_num_blocks
        tensor([[[2, 3, 2]]], dtype=microtensor.int32)
        >>> block_mask.full_kv_num_blocks
        tensor([[[0, 0, 0]]], dtype=microtensor.int32)
    """
    if _is_score_mod(mask_mod):
        raise AssertionError(f"create-block_mask requires a mask_mod function! Got {mask_mod}")
    q_block, kv_block = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else BLOCK_SIZE
    if _compile:
        warnings.warn(
            "_compile flag on create_block_mask was originally added to work around a "
            "torch.compile limitation. That limitation has since been addressed. (microtensor "
            "has nothing to compile: the flag changes nothing)",
            DeprecationWarning,
            stacklevel=2,
        )
    if not isinstance(dq_kv_order, bool):
        raise ValueError("dq_kv_order must be a bool when using create_block_mask")
    allowed = create_mask(mask_mod, B, H, Q_LEN, KV_LEN, device).numpy()
    partial, full = _dense_to_block_mask(allowed, q_block, kv_block, separate_full_blocks)
    kv_num, kv_idx = _dense_to_ordered(partial)
    full_num = full_idx = None
    if full is not None:
        full_num, full_idx = (_int32(t) for t in _dense_to_ordered(full))
    block_mask = BlockMask.from_kv_blocks(
        _int32(kv_num),
        _int32(kv_idx),
        full_num,
        full_idx,
        BLOCK_SIZE=(q_block, kv_block),
        mask_mod=mask_mod,
        seq_lengths=(Q_LEN, KV_LEN),
    )
    if compute_dq_write_order:
        block_mask._set_dq_write_order(dq_kv_order)
    return block_mask
