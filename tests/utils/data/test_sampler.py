"""Samplers (microtensor/utils/data/sampler.py)."""

import numpy as np
import pytest
import torch.utils.data as torch_data

import microtensor as mt
from microtensor.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def _gen(seed=0):
    return mt.Generator().manual_seed(seed)


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5
    assert all(type(i) is int for i in s)


def test_random_sampler_is_a_seeded_permutation():
    s = RandomSampler(range(10), generator=_gen(1))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second  # a new permutation each epoch
    assert list(RandomSampler(range(10), generator=_gen(1))) == first
    assert len(s) == 10 and all(type(i) is int for i in first)


def test_random_sampler_num_samples_repeats_permutations():
    s = RandomSampler(range(4), num_samples=10, generator=_gen())
    out = list(s)
    assert len(s) == len(out) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]
    assert len(set(out[8:])) == 2


def test_random_sampler_with_replacement():
    out = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=_gen()))
    assert len(out) == 300 and set(out) == {0, 1, 2}
    assert all(70 < out.count(i) < 130 for i in range(3))  # 100 +- 3.7 standard deviations


def test_random_sampler_errors():
    with pytest.raises(
        TypeError, match="replacement should be a boolean value, but got replacement=1"
    ):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(
        ValueError, match="num_samples should be a positive integer value, but got num_samples=0"
    ):
        RandomSampler(range(0))
    with pytest.raises(ValueError, match="num_samples=-1"):
        RandomSampler(range(3), num_samples=-1)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30, 40], generator=_gen(2))
    out = list(s)
    assert sorted(out) == [10, 20, 30, 40] and len(s) == 4
    assert list(SubsetRandomSampler([10, 20, 30, 40], generator=_gen(2))) == out


def test_weighted_random_sampler_frequencies():
    weights = [1.0, 0.0, 3.0]
    out = np.array(list(WeightedRandomSampler(weights, 4000, generator=_gen())))
    assert set(out.tolist()) == {0, 2}
    assert abs((out == 2).mean() - 0.75) < 0.03  # 0.75 +- 4.4 standard deviations
    no_repeat = list(WeightedRandomSampler(mt.tensor([1.0, 1.0, 1.0]), 3, replacement=False))
    assert sorted(no_repeat) == [0, 1, 2]


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        WeightedRandomSampler([1.0], 1, replacement="yes")
    with pytest.raises(ValueError, match="weights should be a 1d sequence but given weights"):
        WeightedRandomSampler([[1.0, 2.0]], 1)
    # as torch: what multinomial rejects raises when the sampler is iterated
    for weights, n, replacement, message in [
        ([1.0, -1.0], 2, True, "encountering probability entry < 0"),
        ([0.0, 0.0], 1, True, "sum of probabilities <= 0"),
        ([1.0, 1.0], 3, False, "cannot sample n_sample > prob_dist.size"),
    ]:
        sampler = WeightedRandomSampler(weights, n, replacement=replacement)
        for lib_sampler in (sampler, torch_data.WeightedRandomSampler(weights, n, replacement)):
            with pytest.raises(RuntimeError, match=message):
                list(lib_sampler)


@pytest.mark.parametrize("sampler", [SequentialSampler(range(7)), list(range(7)), iter(range(7))])
def test_batch_sampler_over_array_and_plain_samplers(sampler):
    assert list(BatchSampler(sampler, 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_batch_sampler_drop_last_and_len():
    b = BatchSampler(SequentialSampler(range(7)), 3, drop_last=True)
    assert list(b) == [[0, 1, 2], [3, 4, 5]] and len(b) == 2
    assert len(BatchSampler(range(7), 3, drop_last=False)) == 3
    assert list(BatchSampler(range(6), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]


def test_batch_sampler_errors():
    with pytest.raises(
        ValueError, match="batch_size should be a positive integer value, but got batch_size=0"
    ):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size=True"):
        BatchSampler(range(3), True, False)
    with pytest.raises(
        ValueError, match="drop_last should be a boolean value, but got drop_last=1"
    ):
        BatchSampler(range(3), 2, 1)


def test_sampler_base_requires_iter():
    with pytest.raises(NotImplementedError, match="Sampler must implement __iter__"):
        iter(Sampler())
