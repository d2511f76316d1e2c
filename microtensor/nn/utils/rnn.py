"""Variable-length sequences: ``PackedSequence``, packing, padding (``torch.nn.utils.rnn``).

A packed sequence stores the steps of a batch of sequences sorted by decreasing length, time
step after time step: ``data`` holds, for each t, the rows of the ``batch_sizes[t]`` sequences
still running. Packing and unpacking are one ``index_select`` each (padding rows come from a
constant row), so gradients flow through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from microtensor import creation, ops
from microtensor.tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def _index(values: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (None stays None).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import invert_permutation
        >>> invert_permutation(mt.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    perm = np.asarray(permutation._data, dtype=np.int64).reshape(-1)
    bad = perm[(perm < 0) | (perm >= perm.size)]
    if bad.size:
        raise RuntimeError(
            f"invert_permutation(): index {int(bad[0])} is out of bounds for dimension 0 with "
            f"size {perm.size}: a permutation of n items holds each of 0, ..., n - 1 once"
        )
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=np.int64)
    return _index(inverse)


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of variable-length sequences packed time-step-major (a named tuple).

    Fields: ``data`` ``(sum(lengths), *)``; ``batch_sizes`` (int64, one entry per time step:
    how many sequences are that long); ``sorted_indices`` (the batch order by decreasing
    length, or None if the input was sorted) and ``unsorted_indices`` (its inverse). Build it
    with ``pack_padded_sequence`` or ``pack_sequence`` rather than by hand.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import pack_sequence
        >>> packed = pack_sequence([mt.tensor([1, 2, 3]), mt.tensor([4, 5])])
        >>> packed.data, packed.batch_sizes
        (tensor([1, 4, 2, 5, 3]), tensor([2, 2, 1]))
    """

    def __new__(
        cls,
        data: Any,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        """Build from the four fields, or from a ``(data, batch_sizes)`` pair."""
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(...)``; the index tensors stay as they are."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``to(*args, **kwargs)`` (microtensor computes on the CPU, so nothing moves)."""
        return self.to(*args, **kwargs)

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Raises, as ``Tensor.cuda``: microtensor computes on the CPU only.

        Raises:
            RuntimeError: always.
        """
        self.data.cuda(*args, **kwargs)
        return self

    def pin_memory(self) -> PackedSequence:
        """Itself: there is no device memory to pin for."""
        return self

    def is_pinned(self) -> bool:
        """Whether ``data`` is pinned (never, on the CPU only)."""
        return self.data.is_pinned()

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to("float64")

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to("float32")

    def half(self) -> PackedSequence:
        """``data`` as float16."""
        return self.to("float16")

    def long(self) -> PackedSequence:
        """``data`` as int64."""
        return self.to("int64")

    def int(self) -> PackedSequence:
        """``data`` as int32."""
        return self.to("int32")

    def short(self) -> PackedSequence:
        """``data`` as int16."""
        return self.to("int16")

    def char(self) -> PackedSequence:
        """``data`` as int8."""
        return self.to("int8")

    def byte(self) -> PackedSequence:
        """``data`` as uint8."""
        return self.to("uint8")

    @property
    def is_cuda(self) -> bool:
        """False: microtensor computes on the CPU."""
        return False


def _lengths_array(lengths: Any, batch: int) -> np.ndarray:
    values = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if values.ndim > 1:
        raise RuntimeError(
            f"'lengths' argument should be a 1D CPU int64 tensor, but got {values.ndim}D "
            f"(shape {values.shape}): give one length per sequence"
        )
    values = values.astype(np.int64).reshape(-1)
    if values.size != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {values.size} "
            f"(batch_size={batch})"
        )
    if values.size and values.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    return values


def _batch_sizes(sorted_lengths: np.ndarray) -> np.ndarray:
    """For each time step t, how many of the (decreasing) lengths exceed t."""
    steps = np.arange(int(sorted_lengths[0]) if sorted_lengths.size else 0)
    return (sorted_lengths[None, :] > steps[:, None]).sum(1).astype(np.int64)


def pack_padded_sequence(
    input: Tensor,  # noqa: A002
    lengths: Tensor | list[int],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` if batch_first) of sequences.

    Args:
        input: the padded batch.
        lengths: the length of each sequence (a list or a 1-D tensor).
        batch_first: if True, input is ``(B, T, *)``.
        enforce_sorted: if True, lengths must be in decreasing order; if False, the batch is
            sorted here and ``sorted_indices`` remembers the order.

    Returns:
        A ``PackedSequence``; ``data`` is differentiable with respect to ``input``.

    Raises:
        RuntimeError: if lengths are unsorted (with enforce_sorted), not positive, longer than
            the input, or not one per sequence.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import pack_padded_sequence
        >>> padded = mt.tensor([[1, 4], [2, 5], [3, 0]])
        >>> pack_padded_sequence(padded, [3, 2]).data
        tensor([1, 4, 2, 5, 3])
    """
    batch_dim = 0 if batch_first else 1
    if input.ndim < 2:
        layout = "(B, T, *)" if batch_first else "(T, B, *)"
        raise IndexError(
            f"pack_padded_sequence(): input of shape {tuple(input.shape)} has no batch dim "
            f"{batch_dim}: expected a padded batch {layout} (pad_sequence makes one)"
        )
    values = _lengths_array(lengths, input.shape[batch_dim])
    if enforce_sorted:
        if np.any(np.diff(values) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        order = None
    else:
        order = np.argsort(-values, kind="stable")
        values = values[order]
    time_len = input.shape[1 - batch_dim]
    if values.size and values[0] > time_len:
        raise RuntimeError(
            f"pack_padded_sequence(): the longest length is {values[0]} but the input has only "
            f"{time_len} time steps (input shape {tuple(input.shape)}, batch_first="
            f"{batch_first})"
        )
    batch_sizes = _batch_sizes(values)
    batch = input.shape[batch_dim]
    columns = np.arange(batch) if order is None else order
    rows = []
    for t, size in enumerate(batch_sizes):
        b = columns[:size]
        rows.append(b * time_len + t if batch_first else t * batch + b)
    flat = input.reshape(batch * time_len, *input.shape[2:])
    index = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    data = ops.index_select(flat, 0, _index(index))
    sorted_indices = None if order is None else _index(order)
    return PackedSequence(data, _index(batch_sizes), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: the padded batch and the lengths (original order).

    Args:
        sequence: the packed batch.
        batch_first: if True, the result is ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of the padding.
        total_length: pad to this many time steps (at least the longest length).

    Returns:
        ``(padded, lengths)``: lengths is an int64 tensor.

    Raises:
        ValueError: if total_length is shorter than the longest sequence.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> packed = pack_sequence([mt.tensor([1, 2]), mt.tensor([3, 4, 5])], enforce_sorted=False)
        >>> pad_packed_sequence(packed, batch_first=True)
        (tensor([[1, 2, 0],
                [3, 4, 5]]), tensor([2, 3]))
    """
    batch_sizes = np.asarray(sequence.batch_sizes._data, dtype=np.int64)
    steps, batch = batch_sizes.size, int(batch_sizes[0]) if batch_sizes.size else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        steps = total_length
    data = sequence.data
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(np.int64)
    unsorted = sequence.unsorted_indices
    columns = np.arange(batch) if unsorted is None else np.asarray(unsorted._data)
    pad_row = data.shape[0]
    index = np.full((steps, batch), pad_row, dtype=np.int64)
    for t in range(batch_sizes.size):
        running = columns < batch_sizes[t]
        index[t, running] = offsets[t] + columns[running]
    if batch_first:
        index = index.T
    padding = creation.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = ops.index_select(ops.cat([data, padding], 0), 0, _index(index.reshape(-1)))
    padded = padded.reshape(*index.shape, *data.shape[1:])
    sorted_lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    return padded, _index(sorted_lengths[columns])


def pad_sequence(
    sequences: Tensor | Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of different lengths ``(L_i, *)`` into ``(L_max, B, *)``, padded.

    Args:
        sequences: the sequences (a list, or a tensor iterated along dim 0).
        batch_first: if True, the result is ``(B, L_max, *)``.
        padding_value: the value of the padding.
        padding_side: ``"right"`` (pad after each sequence) or ``"left"`` (before).

    Returns:
        The padded batch, differentiable with respect to every sequence.

    Raises:
        RuntimeError: for another padding_side, or trailing dims that differ.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import pad_sequence
        >>> pad_sequence([mt.tensor([1, 2, 3]), mt.tensor([4])], batch_first=True)
        tensor([[1, 2, 3],
                [4, 0, 0]])
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    seqs = list(ops.unbind(sequences, 0) if isinstance(sequences, Tensor) else sequences)
    if not seqs:
        raise RuntimeError("pad_sequence(): received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for i, seq in enumerate(seqs):
        if seq.ndim == 0:
            raise RuntimeError(
                f"pad_sequence(): sequence {i} is 0-d: every sequence must be a tensor of shape "
                "(length, *) (a batch of sequences as one tensor is (batch, length, *))"
            )
        if tuple(seq.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence(): sequence {i} has shape {tuple(seq.shape)}, but every sequence "
                f"must be (length, *{trailing}) like sequence 0"
            )
    longest = max(seq.shape[0] for seq in seqs)
    padded = []
    for seq in seqs:
        missing = longest - seq.shape[0]
        if missing:
            fill = creation.full((missing, *trailing), padding_value, dtype=seq.dtype)
            seq = ops.cat([seq, fill] if padding_side == "right" else [fill, seq], 0)
        padded.append(seq)
    return ops.stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (``pad_sequence`` then ``pack_padded_sequence``).

    Args:
        sequences: the sequences, in decreasing length unless enforce_sorted is False.
        enforce_sorted: see ``pack_padded_sequence``.

    Returns:
        A ``PackedSequence``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import pack_sequence
        >>> pack_sequence([mt.tensor([1]), mt.tensor([2, 3])], enforce_sorted=False).data
        tensor([2, 1, 3])
    """
    for i, seq in enumerate(sequences):
        if seq.ndim == 0:
            raise IndexError(
                f"pack_sequence(): sequence {i} is 0-d: every sequence must be a tensor of "
                "shape (length, *)"
            )
    lengths = [seq.shape[0] for seq in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a ``PackedSequence`` holds, in the original order.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> unpack_sequence(pack_sequence([mt.tensor([1]), mt.tensor([2, 3])], False))
        [tensor([1]), tensor([2, 3])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return [padded[i, : int(n)] for i, n in enumerate(lengths.tolist())]


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False
) -> list[Tensor]:
    """The list of sequences in a padded batch, each cut to its length.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.rnn import unpad_sequence
        >>> unpad_sequence(mt.tensor([[1, 2], [3, 0]]), mt.tensor([2, 1]), batch_first=True)
        [tensor([1, 2]), tensor([3])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    if isinstance(lengths, Tensor) and lengths.ndim != 1:
        raise TypeError(
            f"unpad_sequence(): lengths must be 1-D, one length per sequence, but got shape "
            f"{tuple(lengths.shape)}"
        )
    sizes = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [padded_sequences[i, : int(n)] for i, n in enumerate(sizes)]
