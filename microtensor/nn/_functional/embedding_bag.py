"""``embedding_bag``: sums, means or maxima of bags of embedding rows, without the rows tensor.

One fused op (``_embedding_bag_op``, torch's ``EmbeddingBagBackward0``), except with
``sparse`` or ``scale_grad_by_freq``: then a composition, the rows looked up with ``embedding``
(whose gradients those options shape), weighted, and summed per bag with ``index_add``; its
maximum takes ``max`` over a dense ``(bags, longest bag, D)`` layout padded with ``-inf``. Both
send the gradient to the first maximum of each bag, as PyTorch.
"""

from __future__ import annotations

import numpy as np

from microtensor import ops
from microtensor.nn._functional._embedding_bag_op import EmbeddingBag
from microtensor.nn._functional.sparse import _renorm_rows_, embedding
from microtensor.tensor import Tensor

__all__ = ["embedding_bag"]


def _bags(
    input: Tensor,  # noqa: A002
    offsets: Tensor | None,
    include_last_offset: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Flat indices, the bag of each index, and the number of bags."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "embedding_bag(): if input is 2D, then offsets has to be None, as input is "
                "treated is a mini-batch of fixed length sequences. However, found offsets of "
                f"type {type(offsets).__name__}"
            )
        rows, length = input.shape
        return input._data.reshape(-1), np.repeat(np.arange(rows), length), rows
    if input.ndim != 1:
        raise ValueError(
            f"embedding_bag(): input has to be 1D or 2D Tensor, but got Tensor of dimension "
            f"{input.ndim}"
        )
    if offsets is None or offsets.ndim != 1:
        raise ValueError("embedding_bag(): offsets has to be a 1D Tensor but got None")
    starts = offsets._data.astype(np.int64)
    if starts.size and starts[0] != 0:
        raise RuntimeError(
            "embedding_bag(): offsets[0] has to be 0, i.e., the first sequence in the "
            f"mini-batch has to start from position 0. However, got {int(starts[0])}"
        )
    if starts.size and starts[-1] > input.shape[0]:
        raise RuntimeError(
            f"embedding_bag(): offsets[-1] can not be greater than input's length "
            f"({input.shape[0]}), but got offsets[-1] of {int(starts[-1])}"
        )
    if include_last_offset:
        count = max(starts.size - 1, 0)
        bounds = starts
    else:
        count = starts.size
        bounds = np.append(starts, input.shape[0])
    sizes = np.diff(bounds[: count + 1])
    if np.any(sizes < 0):
        raise RuntimeError(
            f"embedding_bag(): offsets must be non-decreasing, got {starts.tolist()}"
        )
    end = int(bounds[count]) if count else 0  # indices past the last bag belong to none
    return input._data[:end], np.repeat(np.arange(count), sizes), count


def _check_indices(input: Tensor, num_embeddings: int) -> None:  # noqa: A002
    flat = input._data.reshape(-1)
    bad = np.flatnonzero((flat < 0) | (flat >= num_embeddings))
    if bad.size:
        raise RuntimeError(
            f"embedding_bag(): Index {int(bad[0])} of input takes value {int(flat[bad[0]])} "
            f"which is not in the valid range [0, {num_embeddings}): the weight has "
            f"{num_embeddings} rows"
        )


def embedding_bag(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Reduce bags of rows of ``weight`` by ``"sum"``, ``"mean"`` or ``"max"``.

    Args:
        input: 2-D ``(B, L)`` (each row a bag of ``L`` indices) or 1-D (all bags, split by
            ``offsets``).
        weight: shape ``(num_embeddings, D)``.
        offsets: with a 1-D input, the start of each bag (``offsets[0] == 0``).
        max_norm: rescale looked-up rows with a larger norm to this norm (in place).
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its count in ``input``.
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        sparse: only False.
        per_sample_weights: one weight per index (``mode="sum"`` only), shaped like input.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: an index left out of every bag (not counted in the mean).

    Returns:
        Shape ``(B, D)``; an empty bag gives zeros.

    Raises:
        ValueError: for a bad input or weight rank, offsets, mode or ``per_sample_weights``
            shape.
        RuntimeError: for offsets that do not start at 0, pass the input's end or decrease,
            or an index outside ``[0, num_embeddings)``.
        NotImplementedError: for ``per_sample_weights`` with a mode other than ``"sum"``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> w = mt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> F.embedding_bag(mt.tensor([0, 2, 1]), w, mt.tensor([0, 2]))
        tensor([[3., 4.],
                [3., 4.]])
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag(): mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                "on GitHub."
            )
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"embedding_bag(): per_sample_weights has shape {tuple(per_sample_weights.shape)}"
                f" but input has shape {tuple(input.shape)}: they must be equal"
            )
    if weight.ndim != 2:
        raise ValueError(
            f"embedding_bag(): weight has to be a 2D Tensor, but got Tensor of dimension "
            f"{weight.ndim} (shape {tuple(weight.shape)}): expected (num_embeddings, D)"
        )
    idx, bag, count = _bags(input, offsets, include_last_offset)
    _check_indices(input, weight.shape[0])
    if padding_idx is not None:
        padding_idx %= weight.shape[0]
    keep = np.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
    position = np.flatnonzero(keep)
    if not sparse and not scale_grad_by_freq:  # one node, torch's (the rest: a composition)
        kept = idx[keep].astype(np.int64)
        if max_norm is not None:
            _renorm_rows_(weight, kept, max_norm, norm_type)
        fused = EmbeddingBag.apply(
            weight, per_sample_weights, kept, position, bag[keep], count, mode
        )
        return fused  # type: ignore[no-any-return]
    rows = embedding(
        Tensor._make(idx[keep].astype(np.int64)), weight, None, max_norm, norm_type,
        scale_grad_by_freq, sparse,
    )  # fmt: skip
    if per_sample_weights is not None:
        flat = ops.reshape(per_sample_weights, (-1,))
        picked = ops.index_select(flat, 0, Tensor._make(position.astype(np.int64)))
        rows = rows * ops.unsqueeze(picked, 1)
    bag = bag[keep]
    zeros = Tensor._make(np.zeros((count, weight.shape[1]), dtype=weight._data.dtype))
    if mode == "max":
        return _bag_max(rows, bag, count, zeros)
    total = ops.index_add(zeros, 0, Tensor._make(bag), rows)
    if mode == "sum":
        return total
    sizes = np.maximum(np.bincount(bag, minlength=count), 1).astype(weight._data.dtype)
    return total / Tensor._make(sizes[:, None])


def _bag_max(rows: Tensor, bag: np.ndarray, count: int, zeros: Tensor) -> Tensor:
    """Max over each bag's rows; zeros for an empty bag."""
    sizes = np.bincount(bag, minlength=count)
    longest = int(sizes.max()) if sizes.size else 0
    if longest == 0:
        return zeros + 0.0 * ops.sum(rows)
    # slot of each row inside its bag (rows of a bag are consecutive)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    slot = np.arange(bag.size) - starts[bag]
    source = np.zeros((count, longest), dtype=np.int64)
    source[bag, slot] = np.arange(bag.size)
    filled = np.zeros((count, longest), dtype=bool)
    filled[bag, slot] = True
    dense = ops.index_select(rows, 0, Tensor._make(source.reshape(-1)))
    dense = ops.reshape(dense, (count, longest, rows.shape[1]))
    dense = ops.masked_fill(dense, Tensor._make(~filled[:, :, None]), float("-inf"))
    values = ops.max(dense, 1)[0]
    return ops.where(Tensor._make((sizes > 0)[:, None]), values, zeros)
