"""Datasets and random_split (microtensor/utils/data/dataset.py)."""

import warnings

import numpy as np
import pytest
import torch
import torch.utils.data

import microtensor as mt
from microtensor.utils.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


class Range(Dataset):
    def __init__(self, start, stop):
        self.values = list(range(start, stop))

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return self.values[i]


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


# --- Dataset, TensorDataset -------------------------------------------------------------------


def test_dataset_base_getitem_raises():
    with pytest.raises(NotImplementedError, match="implement __getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="implement __iter__"):
        iter(IterableDataset())


def test_tensor_dataset_samples_and_len():
    x = mt.arange(12.0).reshape(4, 3)
    y = mt.tensor([5, 6, 7, 8])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6.0, 7.0, 8.0] and yi.item() == 7 and yi.dtype == mt.int64
    assert ds[-1][1].item() == 8
    xs, ys = ds[1:3]
    assert xs.shape == (2, 3) and ys.tolist() == [6, 7]
    assert ds.tensors[0] is x


def test_tensor_dataset_size_mismatch():
    with pytest.raises(ValueError, match=r"Size mismatch between tensors: first dims are \[3, 2\]"):
        TensorDataset(mt.ones(3), mt.ones(2, 5))


def test_tensor_dataset_rejects_non_tensors_and_0d():
    with pytest.raises(TypeError, match="argument 1 is a ndarray, expected a Tensor"):
        TensorDataset(mt.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="argument 0 is 0-d"):
        TensorDataset(mt.tensor(1.0))


def test_tensor_dataset_matches_torch():
    x = np.random.default_rng(0).standard_normal((5, 2))
    ours, theirs = TensorDataset(mt.tensor(x)), torch.utils.data.TensorDataset(torch.tensor(x))
    for i in range(5):
        np.testing.assert_array_equal(ours[i][0].numpy(), theirs[i][0].numpy())


# --- Subset, ConcatDataset, ChainDataset -------------------------------------------------------


def test_subset_indexing():
    s = Subset(Range(10, 20), [4, 0, 9])
    assert len(s) == 3
    assert [s[i] for i in range(3)] == [14, 10, 19]
    assert s[-1] == 19
    assert s.__getitems__([2, 0]) == [19, 14]


def test_subset_list_index_forwards_to_dataset():
    ds = TensorDataset(mt.arange(10))
    s = Subset(ds, [3, 1, 4])
    (picked,) = s[[0, 2]]
    assert picked.tolist() == [3, 4]


def test_subset_getitems_uses_inner_getitems():
    class Batched(Range):
        def __getitems__(self, indices):
            return ["batched", *indices]

    s = Subset(Batched(0, 5), [4, 3])
    assert s.__getitems__([1, 0]) == ["batched", 3, 4]


def test_concat_dataset_and_add():
    a, b = Range(0, 3), Range(10, 12)
    c = a + b
    assert isinstance(c, ConcatDataset)
    assert len(c) == 5 and c.cumulative_sizes == [3, 5]
    assert [c[i] for i in range(5)] == [0, 1, 2, 10, 11]
    assert [c[i] for i in range(-5, 0)] == [0, 1, 2, 10, 11]
    three = ConcatDataset([a, Range(5, 5), b])  # an empty dataset in the middle is skipped
    assert [three[i] for i in range(5)] == [0, 1, 2, 10, 11]


def test_concat_dataset_errors():
    c = ConcatDataset([Range(0, 2)])
    with pytest.raises(IndexError, match="index 2 is out of range for length 2"):
        c[2]
    with pytest.raises(
        ValueError, match="absolute value of index should not exceed dataset length"
    ):
        c[-3]
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        ConcatDataset([Stream(2)])


def test_chain_dataset_and_add():
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2]
    assert len(chained) == 5


# --- random_split -------------------------------------------------------------------------------


def _split_indices(splits):
    return [list(s.indices) for s in splits]


def test_random_split_lengths_disjoint_and_complete():
    splits = random_split(Range(0, 50), [20, 25, 5], generator=mt.Generator().manual_seed(1))
    assert [len(s) for s in splits] == [20, 25, 5]
    everything = [s[i] for s in splits for i in range(len(s))]
    assert sorted(everything) == list(range(50))


def test_random_split_is_random_and_seeded():
    first = _split_indices(
        random_split(range(30), [10, 20], generator=mt.Generator().manual_seed(3))
    )
    again = _split_indices(
        random_split(range(30), [10, 20], generator=mt.Generator().manual_seed(3))
    )
    other = _split_indices(
        random_split(range(30), [10, 20], generator=mt.Generator().manual_seed(4))
    )
    assert first == again
    assert first != other
    assert first[0] != list(range(10))  # shuffled, not a prefix


def test_random_split_default_generator_follows_manual_seed():
    mt.manual_seed(7)
    a = _split_indices(random_split(range(20), [5, 15]))
    mt.manual_seed(7)
    b = _split_indices(random_split(range(20), [5, 15]))
    assert a == b


@pytest.mark.parametrize(
    "n, fractions",
    [(10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.1, 0.1, 0.8]), (1437, [0.8, 0.2]), (3, [1.0])],
)
def test_random_split_fractions_follow_torch_rounding(n, fractions):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = [len(s) for s in random_split(range(n), fractions)]
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fractions)]
    assert ours == theirs
    assert sum(ours) == n


def test_random_split_warns_for_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        splits = random_split(range(2), [0.9, 0.1])
    assert [len(s) for s in splits] == [2, 0]


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        random_split(range(10), [3, 3])
    with pytest.raises(
        ValueError, match=r"non-negative ints or fractions summing to 1, got \[0.5, 1.5\]"
    ):
        random_split(range(10), [0.5, 1.5])
    with pytest.raises(ValueError, match="non-negative ints"):
        random_split(range(10), [-2, 12])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [-0.5, 1.5])
    with pytest.raises(ValueError, match="non-negative ints or fractions"):
        random_split(range(10), [2.5, 7.5])


def test_random_split_of_tensor_dataset_samples():
    ds = TensorDataset(mt.arange(8) * 10)
    train, test = random_split(ds, [6, 2], generator=mt.Generator().manual_seed(0))
    values = [train[i][0].item() for i in range(6)] + [test[i][0].item() for i in range(2)]
    assert sorted(values) == [0, 10, 20, 30, 40, 50, 60, 70]


def test_stack_dataset_tuples_and_dicts_like_torch():
    texts, labels = ["a", "b", "c"], [0, 1, 0]
    ours, theirs = StackDataset(texts, labels), torch.utils.data.StackDataset(texts, labels)
    assert len(ours) == len(theirs) == 3
    assert (
        [ours[i] for i in range(3)]
        == [theirs[i] for i in range(3)]
        == [("a", 0), ("b", 1), ("c", 0)]
    )
    named = StackDataset(text=texts, label=labels)
    assert named[2] == {"text": "c", "label": 0}
    assert named.__getitems__([2, 0]) == [{"text": "c", "label": 0}, {"text": "a", "label": 0}]
    assert ours.__getitems__([1]) == [("b", 1)]


def test_stack_dataset_uses_inner_getitems_and_checks_sizes():
    class Batched(Range):
        def __getitems__(self, indices):
            return [10 * i for i in indices]

    assert StackDataset(Batched(0, 3), Range(0, 3)).__getitems__([2, 1]) == [(20, 2), (10, 1)]

    class Short(Range):
        def __getitems__(self, indices):
            return []

    with pytest.raises(
        ValueError, match="Nested dataset's output size mismatch. Expected 2, got 0"
    ):
        StackDataset(Short(0, 3)).__getitems__([0, 1])
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset([1, 2], [1])
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()
    with pytest.raises(ValueError, match="but both types are given"):
        StackDataset([1], b=[2])


def test_stack_dataset_in_a_dataloader():
    loader = DataLoader(StackDataset(x=mt.arange(4.0), y=[0, 1, 0, 1]), batch_size=2)
    batches = [(b["x"].tolist(), b["y"].tolist()) for b in loader]
    assert batches == [([0.0, 1.0], [0, 1]), ([2.0, 3.0], [0, 1])]
