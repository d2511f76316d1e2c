"""Samplers, random_split, DataLoader shuffling and worker seeds give torch's indices.

After the same seed (of the default generator or of a ``Generator``) every sampler visits the
indices torch's visits, epoch after epoch.
"""

import random

import numpy as np
import pytest
import torch
import torch.utils.data as torch_data

import microtensor as mt
import microtensor.utils.data as mt_data

SIZES = [1, 15, 16, 17, 100]


def _both(seed):
    return mt.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def _epochs(sampler, count=2):
    return [list(sampler) for _ in range(count)]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", [0, 7])
def test_random_sampler_default_generator(n, seed):
    mt.manual_seed(seed)
    torch.manual_seed(seed)
    ours = _epochs(mt_data.RandomSampler(range(n)))
    assert ours == _epochs(torch_data.RandomSampler(range(n)))
    assert mt.rand(2).tolist() == torch.rand(2).tolist()  # the default streams went on alike


@pytest.mark.parametrize(
    ("n", "replacement", "num_samples"),
    [(5, False, 12), (17, False, 17), (9, True, None), (9, True, 70), (30, True, 64)],
)
def test_random_sampler_with_a_generator_and_num_samples(n, replacement, num_samples):
    mine, theirs = _both(3)
    ours = mt_data.RandomSampler(range(n), replacement, num_samples, generator=mine)
    reference = torch_data.RandomSampler(range(n), replacement, num_samples, generator=theirs)
    assert _epochs(ours) == _epochs(reference)
    mt.manual_seed(1)
    torch.manual_seed(1)
    ours = mt_data.RandomSampler(range(n), replacement, num_samples)
    reference = torch_data.RandomSampler(range(n), replacement, num_samples)
    assert _epochs(ours) == _epochs(reference)


def test_subset_and_weighted_random_samplers():
    indices = [10, 3, 7, 22, 5, 8, 1]
    mine, theirs = _both(4)
    assert _epochs(mt_data.SubsetRandomSampler(indices, mine)) == _epochs(
        torch_data.SubsetRandomSampler(indices, theirs)
    )
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    for num_samples, replacement in [(5, True), (1, True), (40, True), (5, False), (6, False)]:
        mine, theirs = _both(num_samples)
        ours = mt_data.WeightedRandomSampler(weights, num_samples, replacement, mine)
        reference = torch_data.WeightedRandomSampler(weights, num_samples, replacement, theirs)
        assert _epochs(ours) == _epochs(reference), (num_samples, replacement)


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [17]])
def test_random_split(lengths):
    n = 17 if lengths == [17] else 10
    mine, theirs = _both(42)
    ours = mt_data.random_split(range(n), lengths, generator=mine)
    reference = torch_data.random_split(range(n), lengths, generator=theirs)
    assert [list(s) for s in ours] == [list(s) for s in reference]
    mt.manual_seed(5)
    torch.manual_seed(5)
    ours = mt_data.random_split(range(n), lengths)
    reference = torch_data.random_split(range(n), lengths)
    assert [list(s) for s in ours] == [list(s) for s in reference]


@pytest.mark.parametrize("use_generator", [False, True])
def test_dataloader_shuffle_order(use_generator):
    data = np.arange(23, dtype=np.float32)[:, None]
    mt.manual_seed(11)
    torch.manual_seed(11)
    mine, theirs = _both(2) if use_generator else (None, None)
    ours = mt_data.DataLoader(mt_data.TensorDataset(mt.tensor(data)), 4, True, generator=mine)
    reference = torch_data.DataLoader(
        torch_data.TensorDataset(torch.tensor(data)), 4, True, generator=theirs
    )
    for _ in range(3):
        got = [batch[0][:, 0].tolist() for batch in ours]
        assert got == [batch[0][:, 0].tolist() for batch in reference]
    assert mt.rand(3).tolist() == torch.rand(3).tolist()


def test_base_seed_is_torchs():
    from microtensor.utils.data._multiprocessing_iter import base_seed

    loader = mt_data.DataLoader(range(4))
    mt.manual_seed(9)
    torch.manual_seed(9)
    assert base_seed(loader) == torch.empty((), dtype=torch.int64).random_().item()
    mine, theirs = _both(9)
    loader = mt_data.DataLoader(range(4), generator=mine)
    assert base_seed(loader) == torch.empty((), dtype=torch.int64).random_(generator=theirs).item()


def _seeded_draws():
    """What a worker's seeds decide: NumPy's and Python's global streams."""
    return [int(np.random.randint(2**31)), random.getrandbits(31)]


def _worker_seed(sample):
    info = mt_data.get_worker_info()
    draws = [*_seeded_draws(), int(mt.randint(0, 2**31, (1,)).item())]
    return mt.tensor([sample, mt.initial_seed(), info.seed, info.id, *draws])


def _torch_worker_seed(sample):
    info = torch_data.get_worker_info()
    draws = [*_seeded_draws(), int(torch.randint(0, 2**31, (1,)).item())]
    return torch.tensor([sample, torch.initial_seed(), info.seed, info.id, *draws])


def test_worker_seeds_are_torchs():
    mt.manual_seed(13)
    torch.manual_seed(13)
    kwargs = {"batch_size": None, "num_workers": 2, "multiprocessing_context": "fork"}
    kwargs["shuffle"] = True  # the sampler draws after the base seed, in both
    for _ in range(2):
        ours = mt_data.DataLoader(range(6), collate_fn=_worker_seed, **kwargs)
        theirs = torch_data.DataLoader(range(6), collate_fn=_torch_worker_seed, **kwargs)
        assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
