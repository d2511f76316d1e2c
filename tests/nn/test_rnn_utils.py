"""nn.utils.rnn against torch: padding, packing, unpacking, their gradients and errors."""

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as torch_rnn

import microtensor as mt
from microtensor.nn.utils import rnn
from tests.helpers import assert_same, check_gradients, compare_with_torch

CASES = [([5, 3, 3, 1], True), ([2, 5, 1, 4], False), ([3, 3, 3, 3], False)]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(("lengths", "enforce_sorted"), CASES)
def test_pack_then_pad_matches_torch(lengths, enforce_sorted, batch_first):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 2) if batch_first else (5, 4, 2))

    def run(lib, module):
        def fn(padded):
            packed = module.pack_padded_sequence(padded, lengths, batch_first, enforce_sorted)
            out, out_lengths = module.pad_packed_sequence(
                packed, batch_first=not batch_first, padding_value=-1.0, total_length=6
            )
            sorted_indices = packed.sorted_indices
            if sorted_indices is None:
                sorted_indices = lib.arange(4)
            return packed.data, packed.batch_sizes, sorted_indices, out, out_lengths

        return fn

    compare_with_torch(run(mt, rnn), run(torch, torch_rnn), [x])


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2, 3)) for n in (2, 4, 1)]

    def run(module):
        return lambda *seqs: module.pad_sequence(list(seqs), batch_first, 0.5, padding_side)

    compare_with_torch(run(rnn), run(torch_rnn), arrays)


def test_pack_sequence_unpack_and_unpad_match_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 3)) for n in (2, 4, 1)]

    def run(module):
        def fn(*seqs):
            packed = module.pack_sequence(list(seqs), enforce_sorted=False)
            unpacked = module.unpack_sequence(packed)
            padded = module.pad_sequence(list(seqs))
            lengths = packed.batch_sizes.new_tensor([2, 4, 1])
            return (packed.data, *unpacked, *module.unpad_sequence(padded, lengths))

        return fn

    compare_with_torch(run(rnn), run(torch_rnn), arrays)


def test_packed_sequence_fields_and_methods():
    packed = rnn.pack_sequence([mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0, 5.0])], False)
    assert isinstance(packed, tuple) and packed._fields == (
        "data",
        "batch_sizes",
        "sorted_indices",
        "unsorted_indices",
    )
    assert packed.sorted_indices.tolist() == [1, 0] and packed.unsorted_indices.tolist() == [1, 0]
    assert packed.batch_sizes.dtype == mt.int64
    doubled = packed.double()
    assert doubled.data.dtype == mt.float64 and doubled.batch_sizes is packed.batch_sizes
    assert packed.cpu() is packed and packed.is_cuda is False
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    rebuilt = rnn.PackedSequence(data, batch_sizes, sorted_indices)
    assert rebuilt.unsorted_indices.tolist() == [1, 0]
    pair = rnn.PackedSequence((data, batch_sizes))
    assert pair.batch_sizes is batch_sizes and pair.sorted_indices is None
    assert rnn.invert_permutation(mt.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert rnn.invert_permutation(None) is None


def test_lengths_as_tensor_and_integer_data():
    packed = rnn.pack_padded_sequence(mt.tensor([[1, 4], [2, 5], [3, 0]]), mt.tensor([3, 2]))
    assert packed.data.tolist() == [1, 4, 2, 5, 3] and packed.data.dtype == mt.int64
    padded, lengths = rnn.pad_packed_sequence(packed, batch_first=True)
    assert padded.tolist() == [[1, 2, 3], [4, 5, 0]] and lengths.tolist() == [3, 2]


def test_gradcheck_through_pack_and_pad():
    def fn(x):
        packed = rnn.pack_padded_sequence(x, [1, 3, 2], enforce_sorted=False)
        return rnn.pad_packed_sequence(packed, batch_first=True)[0]

    check_gradients(fn, [np.random.default_rng(0).standard_normal((3, 3, 2))])
    check_gradients(
        lambda a, b: rnn.pad_sequence([a, b], padding_side="left"),
        [np.ones((2, 2)), np.ones((3, 2))],
    )


def test_errors():
    x = mt.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order"):
        rnn.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn.pack_padded_sequence(x, [2, 0, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match="Expected `len\\(lengths\\)` to be equal to batch_size"):
        rnn.pack_padded_sequence(x, [3, 2])
    with pytest.raises(RuntimeError, match="the longest length is 5 but the input has only 4"):
        rnn.pack_padded_sequence(x, [5, 3, 1])
    packed = rnn.pack_padded_sequence(x, [4, 3, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 4"):
        rnn.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right"):
        rnn.pad_sequence([mt.ones(2)], padding_side="mid")
    with pytest.raises(RuntimeError, match="sequence 1 has shape \\(3, 3\\), but every sequence"):
        rnn.pad_sequence([mt.ones(2, 2), mt.ones(3, 3)])


def test_pad_sequence_of_a_tensor():
    stacked = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert_same(
        rnn.pad_sequence(stacked), torch_rnn.pad_sequence(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    )


def test_packed_sequence_conversions_are_torchs():
    sequences = [np.array([1.5, 2.0, 3.0]), np.array([4.0, 5.0])]
    mine = rnn.pack_sequence([mt.tensor(s) for s in sequences])
    theirs = torch_rnn.pack_sequence([torch.tensor(s) for s in sequences])
    for method in ("half", "long", "int", "short", "char", "byte", "double", "float"):
        ours, torchs = getattr(mine, method)(), getattr(theirs, method)()
        assert str(ours.data.dtype).split(".")[-1] == str(torchs.data.dtype).split(".")[-1]
        assert ours.data.tolist() == torchs.data.tolist()
        assert ours.batch_sizes.tolist() == torchs.batch_sizes.tolist()
    assert mine.cpu(dtype=mt.float32).data.dtype == mt.float32
    assert mine.is_pinned() is theirs.is_pinned() is False
    assert mine.pin_memory().data.tolist() == mine.data.tolist()
    with pytest.raises(RuntimeError, match="microtensor runs on the CPU only"):
        mine.cuda()
