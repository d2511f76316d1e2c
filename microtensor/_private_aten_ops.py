"""torch's private ATen operators that its op database (OpInfo) tests, built on public ops.

These are the operators torch's compiler stack lowers to, or the backward kernels it calls:
``torch._chunk_cat``, ``torch._unsafe_masked_index``, ``aten.slice.Tensor`` and the like.
Each is a composition of microtensor's differentiable ops (indexing, ``index_put``,
``cat``, ``where``), so the gradients of every order come from those. This module holds the
indexing and shape operators and gathers the rest: segment reductions
(``_private_aten_segment_reduce``) and the nn kernels (``_private_aten_nn_ops``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor import creation, dtypes, ops
from microtensor._private_aten_nn_ops import (
    _batch_norm_with_update,
    _native_batch_norm_legit,
    _safe_softmax,
    _softmax_backward_data,
    _upsample_bilinear2d_aa,
    max_pool2d_with_indices_backward,
    native_dropout_backward,
)
from microtensor._private_aten_segment_reduce import _segment_reduce, segment_reduce
from microtensor.tensor import Tensor

__all__ = [
    "_batch_norm_with_update",
    "_chunk_cat",
    "_native_batch_norm_legit",
    "_safe_softmax",
    "_segment_reduce",
    "_softmax_backward_data",
    "_unsafe_masked_index",
    "_unsafe_masked_index_put_accumulate",
    "_upsample_bilinear2d_aa",
    "max_pool2d_with_indices_backward",
    "native_dropout_backward",
    "segment_reduce",
    "slice_tensor",
]


def _check_masked_index_args(op: str, mask: Tensor, indices: Sequence[Any]) -> None:
    for index in indices:
        if index is not None and index.dtype not in (dtypes.int64, dtypes.int32):
            raise RuntimeError(
                f"{op}(): found unexpected index type {index.dtype}: indices must be int64 or "
                "int32 tensors (or None)"
            )
    if mask.dtype != dtypes.bool:
        raise RuntimeError(f"{op}(): mask must be a bool tensor, got {mask.dtype}")


def _clamped_key(op: str, x: Tensor, mask: Tensor, indices: Sequence[Any]) -> tuple[Any, ...]:
    """The indices clamped into [-size, size - 1] (torch's eager kernel), None as a full slice."""
    _check_masked_index_args(op, mask, indices)
    if len(indices) > x.ndim:
        raise IndexError(
            f"{op}(): too many indices for tensor of dimension {x.ndim} (got {len(indices)})"
        )
    return tuple(
        slice(None) if index is None else ops.clamp(index, -size, size - 1)
        for index, size in zip(indices, x.shape, strict=False)
    )


def _unsafe_masked_index(
    input: Tensor,  # noqa: A002
    mask: Tensor,
    indices: Sequence[Tensor | None],
    fill: float,
) -> Tensor:
    """torch._unsafe_masked_index: ``where(mask, input[indices], fill)``.

    Where ``mask`` is false the indices may be out of bounds: each index is clamped into
    ``[-size, size - 1]`` before ``input`` is indexed (torch's eager kernel), and those
    positions then take ``fill``. A ``None`` index takes the whole dim.

    Args:
        input: the tensor to index.
        mask: bool, broadcastable to the shape of ``input[indices]``.
        indices: one int64 or int32 tensor (or None) per leading dim of ``input``.
        fill: the value where ``mask`` is false.

    Returns:
        The shape of ``input[indices]``.

    Raises:
        RuntimeError: for an index that is not int64 or int32, or a mask that is not bool.
        IndexError: for more indices than ``input`` has dims.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([1.0, 2.0, 3.0])
        >>> _unsafe_masked_index(x, mt.tensor([True, False]), [mt.tensor([2, 7])], -1.0)
        tensor([ 3., -1.])
    """
    key = _clamped_key("_unsafe_masked_index", input, mask, indices)
    if input.numel() == 0:
        # nothing to read: index a filled stand-in, sized as torch's kernel sizes it (an
        # indexed empty dim becomes 1; dims after the last index become 0)
        pairs = zip(indices, input.shape, strict=False)
        sizes = [1 if index is not None and n == 0 else n for index, n in pairs]
        sizes += [0] * (input.ndim - len(indices))
        stand_in = creation.full(sizes, fill, dtype=input.dtype)
        return stand_in[tuple(k if isinstance(k, slice) else ops.clamp(k, 0, 0) for k in key)]
    return ops.masked_fill(input[key], ops.logical_not(mask), fill)


def _unsafe_masked_index_put_accumulate(
    input: Tensor,  # noqa: A002
    mask: Tensor,
    indices: Sequence[Tensor | None],
    values: Tensor,
) -> Tensor:
    """torch._unsafe_masked_index_put_accumulate: the backward of ``_unsafe_masked_index``.

    ``index_put(input, indices, values masked to 0 where mask is false, accumulate=True)``,
    the indices clamped into ``[-size, size - 1]`` first.

    Args:
        input: the tensor added into (not changed: the result is a new tensor).
        mask: bool, broadcastable to ``values``.
        indices: one int64 or int32 tensor (or None) per leading dim of ``input``.
        values: what is added at ``input[indices]`` where ``mask`` is true.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        RuntimeError: for an index that is not int64 or int32, or a mask that is not bool.
        IndexError: for more indices than ``input`` has dims.

    Example:
        >>> import microtensor as mt
        >>> _unsafe_masked_index_put_accumulate(
        ...     mt.zeros(3), mt.tensor([True, True, False]), [mt.tensor([0, 0, 9])],
        ...     mt.tensor([1.0, 2.0, 4.0]))
        tensor([3., 0., 0.])
    """
    key = _clamped_key("_unsafe_masked_index_put_accumulate", input, mask, indices)
    if input.numel() == 0:
        return ops.clone(input)
    masked_values = ops.masked_fill(values, ops.logical_not(mask), 0)
    return ops.index_put(input, key, masked_values, accumulate=True)


def _chunk_cat_dim(tensors: Sequence[Tensor], dim: int, num_chunks: int) -> int:
    """The checks of torch's ``_chunk_cat``; returns the dim, made non-negative."""
    if num_chunks < 1:
        raise RuntimeError(f"_chunk_cat expects positive num_chunks, got {num_chunks}")
    if len(tensors) == 0:
        raise RuntimeError("_chunk_cat expects a non-empty input tensor list")
    for t in tensors:
        if t.numel() == 0:
            raise RuntimeError(f"_chunk_cat expects non-empty tensor, got shape {list(t.shape)}")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(
                f"_chunk_cat expects all input tensors with the same dtype: {t.dtype} != "
                f"{tensors[0].dtype}"
            )
    ndims = {t.ndim for t in tensors}
    if len(ndims) == 1:
        ndim = tensors[0].ndim
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"_chunk_cat(): dim {dim} out of range for tensors of dimension {ndim}"
            )
        dim %= ndim
    elif dim < 0:
        raise RuntimeError(
            f"_chunk_cat expects non-negative dim when input tensors have different ndims "
            f"(got dim {dim} for ndims {sorted(ndims)})"
        )
    elif dim >= min(ndims):
        raise RuntimeError(
            f"_chunk_cat expects dim < ndim for all input tensors (got dim {dim} for ndims "
            f"{sorted(ndims)})"
        )
    lead = tuple(tensors[0].shape[:dim])
    if any(tuple(t.shape[:dim]) != lead for t in tensors):
        raise RuntimeError(
            "_chunk_cat expects same sizes of 0,...,dim-1 dimensions for all tensors, got "
            f"shapes {[list(t.shape) for t in tensors]} at dim {dim}"
        )
    return dim


def _chunk_cat(tensors: Sequence[Tensor], dim: int, num_chunks: int) -> Tensor:
    """torch._chunk_cat: chunk each tensor along ``dim``, concatenate chunk by chunk.

    Each tensor is zero-padded along ``dim`` to a multiple of ``num_chunks``, viewed as
    ``(*shape[:dim], num_chunks, -1)``, and the views are concatenated along ``dim + 1``.

    Args:
        tensors: non-empty tensors of one dtype, equal in their dims before ``dim``.
        dim: the dim to chunk (non-negative when the tensors' ndims differ).
        num_chunks: how many chunks each tensor is cut into.

    Returns:
        Shape ``(*shape[:dim], num_chunks, total)``.

    Raises:
        RuntimeError: for ``num_chunks < 1``, no tensors, an empty tensor, mixed dtypes, a
            negative ``dim`` for tensors of different ndims, ``dim`` not below every ndim,
            or leading sizes that differ.
        IndexError: for a ``dim`` out of range of tensors of one ndim.

    Example:
        >>> import microtensor as mt
        >>> _chunk_cat([mt.tensor([1.0, 2.0, 3.0]), mt.tensor([4.0, 5.0])], 0, 2)
        tensor([[1., 2., 4.],
                [3., 0., 5.]])
    """
    dim = _chunk_cat_dim(tensors, dim, num_chunks)
    chunked = []
    for t in tensors:
        size = t.shape[dim]
        padded_size = -(-size // num_chunks) * num_chunks
        if padded_size != size:
            t = ops.constant_pad_nd(t, [0, 0] * (t.ndim - dim - 1) + [0, padded_size - size])
        chunked.append(ops.reshape(t, (*t.shape[:dim], num_chunks, -1)))
    return ops.cat(chunked, dim + 1)


def slice_tensor(
    input: Tensor,  # noqa: A002
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """aten.slice.Tensor: ``input[..., start:end:step, ...]`` along ``dim``.

    ``start`` and ``end`` count from the end when negative and are clamped into the dim, as
    Python's slices.

    Args:
        input: a tensor of at least one dim.
        dim: the dim to slice.
        start: the first position (default 0).
        end: one past the last position (default the size).
        step: a positive stride.

    Returns:
        The slice.

    Raises:
        RuntimeError: for a 0-d ``input`` or a step below 1.
        IndexError: for a ``dim`` out of range.

    Example:
        >>> import microtensor as mt
        >>> slice_tensor(mt.arange(6), 0, 1, -1, 2)
        tensor([1, 3])
    """
    if input.ndim == 0:
        raise RuntimeError("slice() cannot be applied to a 0-dim tensor.")
    if step <= 0:
        raise RuntimeError(f"slice step must be positive, got {step}")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-input.ndim}, "
            f"{input.ndim - 1}], but got {dim})"
        )
    key = (slice(None),) * (dim % input.ndim) + (slice(start, end, step),)
    return input[key]
