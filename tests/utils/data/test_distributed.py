"""DistributedSampler (microtensor/utils/data/distributed.py), against torch's."""

import pytest
import torch.utils.data

import microtensor as mt
from microtensor.utils.data import BatchSampler, DataLoader, DistributedSampler, TensorDataset


@pytest.mark.parametrize("n", [1, 5, 6, 7])
@pytest.mark.parametrize("replicas", [1, 2, 3])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_shares_match_torch(n, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(
            range(n), replicas, rank, shuffle=False, drop_last=drop_last
        )
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) and ours.total_size == theirs.total_size


def test_shuffled_shares_partition_the_dataset_and_follow_the_epoch():
    samplers = [DistributedSampler(range(10), 2, rank, seed=3) for rank in range(2)]
    first = [list(s) for s in samplers]
    assert sorted(first[0] + first[1]) == list(range(10)) and first[0] != list(range(0, 10, 2))
    assert [list(s) for s in samplers] == first  # same epoch, same shares
    for s in samplers:
        s.set_epoch(1)
    second = [list(s) for s in samplers]
    assert second != first and sorted(second[0] + second[1]) == list(range(10))
    other_seed = DistributedSampler(range(10), 2, 0, seed=4)
    assert list(other_seed) != first[0]


def test_in_a_dataloader_and_a_batch_sampler():
    data = TensorDataset(mt.arange(7))
    sampler = DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
    assert [b[0].tolist() for b in DataLoader(data, batch_size=2, sampler=sampler)] == [
        [1, 3],
        [5, 0],
    ]
    assert list(BatchSampler(sampler, 3, drop_last=False)) == [[1, 3, 5], [0]]


def test_errors():
    with pytest.raises(RuntimeError, match="pass num_replicas= and rank= explicitly"):
        DistributedSampler(range(4))
    with pytest.raises(
        ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"
    ):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)


@pytest.mark.parametrize("n", [1, 7, 10, 33])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_shares_match_torch_for_each_seed_and_epoch(n, replicas, drop_last):
    for seed in (0, 5):
        for rank in range(replicas):
            ours = DistributedSampler(range(n), replicas, rank, seed=seed, drop_last=drop_last)
            theirs = torch.utils.data.DistributedSampler(
                range(n), replicas, rank, seed=seed, drop_last=drop_last
            )
            for epoch in (0, 1, 4):
                ours.set_epoch(epoch)
                theirs.set_epoch(epoch)
                assert list(ours) == list(theirs), (seed, rank, epoch)
            assert len(ours) == len(theirs)


def test_shuffle_does_not_touch_the_global_random_state():
    mt.manual_seed(11)
    expected = mt.rand(3).tolist()
    mt.manual_seed(11)
    list(DistributedSampler(range(50), 2, 0, seed=3))
    assert mt.rand(3).tolist() == expected
