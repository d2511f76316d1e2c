"""``BlockMask``: flex attention's block-sparse description of which (query, key) pairs attend.

The mask is cut into ``Q_BLOCK_SIZE x KV_BLOCK_SIZE`` tiles. For each row of tiles (a block of
queries) ``kv_num_blocks[..., row]`` counts the tiles that hold at least one attending pair and
``kv_indices[..., row, :count]`` lists their columns in ascending order; the ``full_*`` pair
lists the tiles where every pair attends (the kernels skip ``mask_mod`` there), and the ``q_*``
tables are the same lists by column, for the backward pass. The tables are computed exactly as
torch computes them (same shapes, int32, same order), so a program that reads them sees
torch's numbers. The attention itself, as in torch's eager (uncompiled) ``flex_attention``,
evaluates ``mask_mod`` at every position: the tables describe the mask, they do not change
the result.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from microtensor import dtypes
from microtensor.nn.attention._block_tables import (
    _adjust_num_blocks_and_indices,
    _dq_write_order,
    _int32,
    _ordered_to_dense,
    _transpose_ordered,
)
from microtensor.tensor import Tensor

__all__ = ["BlockMask", "noop_mask"]

_DEFAULT_SPARSE_BLOCK_SIZE = 128
_LARGE_SPARSE_BLOCK_SIZE = 1 << 30  # the block size of the mask flex_attention makes for None

_mask_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]


def noop_mask(batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor) -> Tensor:
    """The mask_mod that lets every query attend to every key: a 0-d True tensor.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.attention.flex_attention import noop_mask
        >>> i = mt.tensor(0)
        >>> noop_mask(i, i, i, i)
        tensor(True)
    """
    return batch.new_ones((), dtype=dtypes.bool)


def _sliced_mask_mod_error(batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor) -> Any:
    """The mask_mod of a sliced BlockMask: torch's error, since slicing forgets the mask."""
    raise RuntimeError(
        "Cannot use mask_mod from a sliced BlockMask. When you slice a BlockMask using [], the "
        "mask_mod attribute is reset. You must set it from the original BlockMask's mask_mod."
        "\n\nCorrect usage:\n  base_mask = create_block_mask(my_mask_fn, ...)\n  sliced_mask = "
        "base_mask[:, :, block_idx]\n  sliced_mask.mask_mod = apply_offset(base_mask.mask_mod, "
        "offset)  # Use base_mask!"
    )


class BlockMask:
    """A block-sparse attention mask: torch's ``BlockMask``, with its tables and methods.

    Built by ``create_block_mask`` (from a mask_mod) or ``BlockMask.from_kv_blocks`` (from the
    kv tables). Attributes: ``seq_lengths`` (Q_LEN, KV_LEN), ``kv_num_blocks`` and
    ``kv_indices`` (tiles with some attending pair, or all such tiles when the full ones are
    not separated), ``full_kv_num_blocks`` and ``full_kv_indices`` (tiles where all pairs
    attend, or None), the ``q_*`` / ``full_q_*`` tables by column (or None), ``BLOCK_SIZE``
    (Q_BLOCK_SIZE, KV_BLOCK_SIZE) and ``mask_mod``. The tables are int32 Tensors.

    ``dq_write_order`` and ``dq_write_order_full`` (or None) are the metadata of torch's
    deterministic FLASH backward, computed as torch does and unused by microtensor's math.

    Example:
        >>> from microtensor.nn.attention.flex_attention import create_block_mask
        >>> def causal(b, h, q_idx, kv_idx):
        ...     return q_idx >= kv_idx
        >>> block_mask = create_block_mask(causal, None, None, 256, 256, BLOCK_SIZE=128)
        >>> block_mask.kv_num_blocks, block_mask.full_kv_num_blocks
        (tensor([[[1, 1]]], dtype=microtensor.int32), tensor([[[0, 1]]], dtype=microtensor.int32))
        >>> block_mask.shape, block_mask.sparsity()
        ((1, 1, 256, 256), 25.0)
    """

    def __init__(
        self,
        seq_lengths: tuple[int, int],
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None,
        full_kv_indices: Tensor | None,
        q_num_blocks: Tensor | None,
        q_indices: Tensor | None,
        full_q_num_blocks: Tensor | None,
        full_q_indices: Tensor | None,
        BLOCK_SIZE: tuple[int, int] = (_DEFAULT_SPARSE_BLOCK_SIZE, _DEFAULT_SPARSE_BLOCK_SIZE),  # noqa: N803
        mask_mod: _mask_mod_signature = noop_mask,
        *,
        dq_write_order: Tensor | None = None,
        dq_write_order_full: Tensor | None = None,
        dq_kv_order: Tensor | None = None,
        dq_kv_order_spt: bool | None = None,
    ) -> None:
        if kv_indices.ndim < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError(
                "full_kv_num_blocks and full_kv_indices must be both provided or omitted"
            )
        if (full_q_num_blocks is None) != (full_q_indices is None):
            raise AssertionError(
                "full_q_num_blocks and full_q_indices must be both provided or omitted"
            )
        if dq_write_order_full is not None and dq_write_order is None:
            raise ValueError("dq_write_order_full requires dq_write_order")
        self.seq_lengths = tuple(seq_lengths)
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_num_blocks, self.q_indices = q_num_blocks, q_indices
        self.full_q_num_blocks, self.full_q_indices = full_q_num_blocks, full_q_indices
        self.dq_write_order, self.dq_write_order_full = dq_write_order, dq_write_order_full
        self.dq_kv_order, self.dq_kv_order_spt = dq_kv_order, dq_kv_order_spt
        self.BLOCK_SIZE = tuple(BLOCK_SIZE)
        self.mask_mod = mask_mod

    @classmethod
    def from_kv_blocks(
        cls,
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None = None,
        full_kv_indices: Tensor | None = None,
        BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_SPARSE_BLOCK_SIZE,  # noqa: N803
        mask_mod: _mask_mod_signature | None = None,
        seq_lengths: tuple[int, int] | None = None,
        compute_q_blocks: bool = True,
        *,
        dq_write_order: Tensor | None = None,
        dq_write_order_full: Tensor | None = None,
        dq_kv_order: Tensor | bool | None = None,
    ) -> BlockMask:
        """A BlockMask from its kv tables; the q tables are derived (by transposing).

        Args:
            kv_num_blocks: (..., Q tiles) tiles per row of tiles.
            kv_indices: (..., Q tiles, KV tiles) their columns, first ``kv_num_blocks``.
            full_kv_num_blocks: the same for the full tiles, or None.
            full_kv_indices: the same for the full tiles, or None.
            BLOCK_SIZE: the tile size, one int or (Q_BLOCK_SIZE, KV_BLOCK_SIZE).
            mask_mod: the mask inside the tiles; default ``noop_mask``.
            seq_lengths: (Q_LEN, KV_LEN); default the tiles times BLOCK_SIZE.
            compute_q_blocks: derive the q tables (else they are None).
            dq_write_order: torch's FLASH-backward metadata, kept as given.
            dq_write_order_full: the same, for the full tiles.
            dq_kv_order: the same; a bool is stored as ``dq_kv_order_spt``.

        Returns:
            The BlockMask.

        Raises:
            RuntimeError: if kv_indices has fewer than 2 dims.
            AssertionError: if only one of the full_kv pair is given.
            ValueError: if dq_kv_order is neither a bool, a Tensor nor None.

        Example:
            >>> import microtensor as mt
            >>> from microtensor.nn.attention.flex_attention import BlockMask
            >>> num = mt.tensor([[[1, 1]]], dtype=mt.int32)
            >>> idx = mt.tensor([[[[0, 1], [1, 0]]]], dtype=mt.int32)
            >>> BlockMask.from_kv_blocks(num, idx).q_indices
            tensor([[[[0, 1],
                      [1, 0]]]], dtype=microtensor.int32)
        """
        if kv_indices.ndim < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError(
                "full_kv_num_blocks and full_kv_indices must be both provided or omitted"
            )
        q_num: Tensor | None = None
        q_idx: Tensor | None = None
        full_q_num: Tensor | None = None
        full_q_idx: Tensor | None = None
        if compute_q_blocks:
            q_num, q_idx = _transpose_ordered(kv_num_blocks.numpy(), kv_indices.numpy())
            if full_kv_num_blocks is not None and full_kv_indices is not None:
                full_q_num, full_q_idx = _transpose_ordered(
                    full_kv_num_blocks.numpy(), full_kv_indices.numpy()
                )
        if isinstance(BLOCK_SIZE, int):
            BLOCK_SIZE = (BLOCK_SIZE, BLOCK_SIZE)  # noqa: N806
        if seq_lengths is None:
            seq_lengths = (
                kv_indices.shape[-2] * BLOCK_SIZE[0],
                kv_indices.shape[-1] * BLOCK_SIZE[1],
            )
        if dq_kv_order is not None and not isinstance(dq_kv_order, bool | Tensor):
            raise ValueError("dq_kv_order must be a bool, Tensor, or None")
        return cls(
            seq_lengths,
            kv_num_blocks,
            kv_indices,
            full_kv_num_blocks,
            full_kv_indices,
            q_num,
            q_idx,
            full_q_num,
            full_q_idx,
            BLOCK_SIZE=BLOCK_SIZE,
            mask_mod=noop_mask if mask_mod is None else mask_mod,
            dq_write_order=dq_write_order,
            dq_write_order_full=dq_write_order_full,
            dq_kv_order=dq_kv_order if isinstance(dq_kv_order, Tensor) else None,
            dq_kv_order_spt=dq_kv_order if isinstance(dq_kv_order, bool) else None,
        )

    def _set_dq_write_order(self, descending: bool | None) -> None:
        names = ["kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices"]
        names += ["q_num_blocks", "q_indices", "full_q_num_blocks", "full_q_indices"]
        tables = {name: getattr(self, name) for name in names}
        self.dq_write_order, self.dq_write_order_full = _dq_write_order(tables, descending)
        self.dq_kv_order, self.dq_kv_order_spt = None, descending

    def as_tuple(self, flatten: bool = True) -> tuple[Any, ...]:
        """The attributes in torch's order (the HOP's block_mask argument).

        Args:
            flatten: if True, seq_lengths and BLOCK_SIZE are spread into two ints each.

        Returns:
            (Q_LEN, KV_LEN, the eleven tables, dq_kv_order_spt, Q_BLOCK, KV_BLOCK, mask_mod).
        """
        tables = (
            self.kv_num_blocks,
            self.kv_indices,
            self.full_kv_num_blocks,
            self.full_kv_indices,
            self.q_num_blocks,
            self.q_indices,
            self.full_q_num_blocks,
            self.full_q_indices,
            self.dq_write_order,
            self.dq_write_order_full,
            self.dq_kv_order,
            self.dq_kv_order_spt,
        )
        if flatten:
            return (*self.seq_lengths, *tables, *self.BLOCK_SIZE, self.mask_mod)
        return (self.seq_lengths, *tables, self.BLOCK_SIZE, self.mask_mod)

    @property
    def shape(self) -> tuple[int, ...]:
        """The batch dims of the tables, then (Q_LEN, KV_LEN)."""
        return tuple(self.kv_indices.shape[:-2]) + self.seq_lengths

    def numel(self) -> int:
        """The number of (query, key) positions the mask covers, sparsity not counted."""
        return math.prod(self.shape)

    def sparsity(self) -> float:
        """The percentage of positions in tiles that are skipped (torch's formula)."""
        computed = int(self.kv_num_blocks.numpy().sum())
        if self.full_kv_num_blocks is not None:
            computed += int(self.full_kv_num_blocks.numpy().sum())
        dense_ratio = computed * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1] / self.numel()
        return 100 * (1 - dense_ratio)

    def to_dense(self) -> Tensor:
        """The (..., Q tiles, KV tiles) int32 table: 1 where a tile is computed."""
        dense = _ordered_to_dense(
            self.kv_num_blocks.numpy(), self.kv_indices.numpy(), self.kv_indices.shape[-1]
        )
        if self.full_kv_num_blocks is not None and self.full_kv_indices is not None:
            full = self.full_kv_indices
            dense = dense | _ordered_to_dense(
                self.full_kv_num_blocks.numpy(), full.numpy(), full.shape[-1]
            )
        return _int32(dense)

    def to_string(self, grid_size: int | tuple[int, int] = (20, 20), limit: int = 4) -> str:
        """A picture of the tiles: full tiles as blocks, partly computed ones shaded.

        Args:
            grid_size: the most rows and columns drawn (tiles are merged to fit); -1 for all.
            limit: the most (batch, head) pictures drawn.

        Returns:
            The picture, one per (batch, head), as torch draws it.
        """
        dense = self.to_dense().numpy()
        *batch_dims, rows, cols = dense.shape
        if grid_size == -1:
            max_rows, max_cols = rows, cols
        elif isinstance(grid_size, int):
            max_rows = max_cols = grid_size
        else:
            max_rows, max_cols = grid_size
        row_step = max(1, -(-rows // max_rows))
        col_step = max(1, -(-cols // max_cols))
        pictures = []
        for count, batch_idx in enumerate(itertools.product(*[range(n) for n in batch_dims])):
            if count == limit:
                pictures += [
                    "...",
                    "To print out more, set BlockMask.to_string(limit=N)",
                    "You can also index (BlockMask[batch, head]) to choose a specific batch or "
                    "head",
                ]
                break
            picture = f"{batch_idx}\n"
            for r in range(0, rows, row_step):
                for c in range(0, cols, col_step):
                    share = dense[batch_idx][r : r + row_step, c : c + col_step].mean()
                    picture += ("█" if share == 1 else " " if share == 0 else "░") * 2
                picture += "\n"
            pictures.append(picture)
        return "\n".join(pictures)

    def __str__(self) -> str:
        picture = self.to_string().strip()
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, \n{picture}\n)"

    def __repr__(self) -> str:
        def shape_or_none(table: Tensor | None) -> Any:
            return None if table is None else table.shape

        name = getattr(self.mask_mod, "__name__", self.mask_mod)
        return (
            f"BlockMask(\n    kv_num_blocks={self.kv_num_blocks.shape},\n"
            f"    kv_indices={self.kv_indices.shape},\n"
            f"    full_kv_num_blocks={shape_or_none(self.full_kv_num_blocks)},\n"
            f"    full_kv_indices={shape_or_none(self.full_kv_indices)},\n"
            f"    q_num_blocks={shape_or_none(self.q_num_blocks)},\n"
            f"    q_indices={shape_or_none(self.q_indices)},\n"
            f"    full_q_num_blocks={shape_or_none(self.full_q_num_blocks)},\n"
            f"    full_q_indices={shape_or_none(self.full_q_indices)},\n"
            f"    BLOCK_SIZE={self.BLOCK_SIZE},\n    shape={self.shape},\n"
            f"    sparsity={self.sparsity():.2f}%,\n    mask_mod={name}\n)"
        )

    def __getitem__(self, index: Any) -> BlockMask:
        """The mask of some batches, heads and rows of query tiles; dims are kept.

        An int index keeps its dim (as torch's, it becomes a length-1 slice). The result's
        mask_mod raises: slicing forgets which positions the mask_mod was written for.
        """
        if self.dq_kv_order is not None:
            raise NotImplementedError(
                "Slicing BlockMask with tensor dq_kv_order is not supported yet. Construct a "
                "new BlockMask with matching precomputed dq_write_order metadata."
            )
        padded = ((*index,) if isinstance(index, tuple) else (index,)) + (slice(None),) * 3
        sizes = self.kv_num_blocks.shape[:3]
        index = tuple(
            (slice(i + n, i + n + 1) if -n <= i < 0 else slice(i, i + 1))
            if isinstance(i, int)
            else i
            for i, n in zip(padded[:3], sizes, strict=True)
        )
        full_num = None if self.full_kv_num_blocks is None else self.full_kv_num_blocks[index]
        full_idx = None if self.full_kv_indices is None else self.full_kv_indices[index]
        sliced = BlockMask.from_kv_blocks(
            self.kv_num_blocks[index],
            self.kv_indices[index],
            full_num,
            full_idx,
            BLOCK_SIZE=self.BLOCK_SIZE,  # type: ignore[arg-type]
            mask_mod=_sliced_mask_mod_error,
            seq_lengths=self.seq_lengths,  # type: ignore[arg-type]
            compute_q_blocks=self.q_indices is not None,
        )
        sliced.dq_kv_order_spt = self.dq_kv_order_spt
        if self.dq_write_order is not None:
            sliced._set_dq_write_order(self.dq_kv_order_spt)
        return sliced

    def _adjust(self, new_q_len: int, new_kv_len: int) -> BlockMask:
        """The mask cropped to its upper-left (new_q_len, new_kv_len) corner (torch's)."""
        if self.dq_kv_order is not None:
            raise NotImplementedError(
                "Adjusting BlockMask with tensor dq_kv_order is not supported yet. Construct a "
                "new BlockMask with matching precomputed dq_write_order metadata."
            )
        rows = -(-new_q_len // self.BLOCK_SIZE[0])
        cols = -(-new_kv_len // self.BLOCK_SIZE[1])
        num, idx = _adjust_num_blocks_and_indices(
            self.kv_num_blocks.numpy(), self.kv_indices.numpy(), rows, cols
        )
        full_num = full_idx = None
        if self.full_kv_num_blocks is not None and self.full_kv_indices is not None:
            full_num, full_idx = _adjust_num_blocks_and_indices(
                self.full_kv_num_blocks.numpy(), self.full_kv_indices.numpy(), rows, cols
            )
        adjusted = self.from_kv_blocks(
            num,
            idx,
            full_num,
            full_idx,
            BLOCK_SIZE=self.BLOCK_SIZE,  # type: ignore[arg-type]
            mask_mod=self.mask_mod,
            seq_lengths=(new_q_len, new_kv_len),
            compute_q_blocks=self.q_indices is not None,
        )
        adjusted.dq_kv_order_spt = self.dq_kv_order_spt
        if self.dq_write_order is not None:
            adjusted._set_dq_write_order(self.dq_kv_order_spt)
        return adjusted

    def to(self, device: Any) -> BlockMask:
        """The mask with its tables moved to ``device`` (microtensor has only the CPU)."""
        names = ["kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices"]
        names += ["q_num_blocks", "q_indices", "full_q_num_blocks", "full_q_indices"]
        names += ["dq_write_order", "dq_write_order_full", "dq_kv_order"]
        moved = {n: getattr(self, n) for n in names}
        moved = {n: None if t is None else t.to(device) for n, t in moved.items()}
        return BlockMask(
            self.seq_lengths,  # type: ignore[arg-type]
            **moved,  # type: ignore[arg-type]
            BLOCK_SIZE=self.BLOCK_SIZE,  # type: ignore[arg-type]
            mask_mod=self.mask_mod,
            dq_kv_order_spt=self.dq_kv_order_spt,
        )
