"""DataLoader.state_dict / load_state_dict: a resumed loader continues the epoch exactly."""

import gc
import weakref

import numpy as np
import pytest

import microtensor as mt
from microtensor.utils.data import BatchSampler, DataLoader, IterableDataset, TensorDataset
from microtensor.utils.data.sampler import RandomSampler


class CountingDataset:
    """A map-style dataset that records which indices were loaded."""

    def __init__(self, n):
        self.n, self.loaded = n, []

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.loaded.append(i)
        return mt.tensor([float(i)])


class Stream(IterableDataset):
    """Twelve values in an order drawn from the default generator when iteration starts."""

    def __iter__(self):
        return iter(mt.randperm(12).tolist())

    def __len__(self):
        return 12


def as_list(batch):
    if isinstance(batch, list | tuple):
        return [as_list(b) for b in batch]
    return batch.tolist() if isinstance(batch, mt.Tensor) else batch


def consume(iterator, count):
    """``count`` batches, each followed by a draw from the default generator (as dropout)."""
    out = []
    for _ in range(count):
        batch = next(iterator, None)
        if batch is None:
            break
        out.append((as_list(batch), mt.rand(2).tolist()))
    return out


LOADERS = {
    "shuffle-fast": lambda: DataLoader(
        TensorDataset(mt.arange(22.0).reshape(11, 2)), batch_size=3, shuffle=True
    ),
    "shuffle-drop_last": lambda: DataLoader(
        list(range(11)), batch_size=4, shuffle=True, drop_last=True
    ),
    "in-order": lambda: DataLoader(list(range(10)), batch_size=3),
    "own-generator": lambda: DataLoader(
        list(range(9)), batch_size=2, shuffle=True, generator=mt.Generator().manual_seed(5)
    ),
    "batch_sampler": lambda: DataLoader(
        list(range(10)),
        batch_sampler=BatchSampler(
            RandomSampler(range(10), generator=mt.Generator().manual_seed(3)), 3, False
        ),
    ),
    "no-batching": lambda: DataLoader(list(range(7)), batch_size=None, shuffle=True),
    "replacement": lambda: DataLoader(
        list(range(8)), batch_size=3, sampler=RandomSampler(range(8), True, num_samples=10)
    ),
    "iterable": lambda: DataLoader(Stream(), batch_size=5),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize("stop", [0, 1, 2, 100])
def test_resumed_loader_continues_identically(name, stop):
    make = LOADERS[name]
    mt.manual_seed(11)
    whole = make()
    reference = consume(iter(whole), 100) + consume(iter(whole), 100)  # two epochs

    mt.manual_seed(11)
    first = make()
    head = consume(iter(first), stop)
    state, rng_state = first.state_dict(), mt.get_rng_state()
    mt.manual_seed(999)  # a new process starts from some other state
    resumed = make()
    resumed.load_state_dict(state)
    mt.set_rng_state(rng_state)
    tail = consume(iter(resumed), 100) + consume(iter(resumed), 100)
    # after a checkpoint at the end of the epoch (stop=100) the resumed loader starts a new one
    assert (head + tail)[: len(reference)] == reference
    assert len(head + tail) == len(reference) + (len(head) if stop == 100 else 0)


def test_skipped_batches_are_not_loaded():
    mt.manual_seed(0)
    dataset = CountingDataset(10)
    loader = DataLoader(dataset, batch_size=2, shuffle=True)
    iterator = iter(loader)
    seen = [next(iterator).tolist() for _ in range(3)]
    state, rng_state = loader.state_dict(), mt.get_rng_state()
    rest = [b.tolist() for b in iterator]

    resumed_dataset = CountingDataset(10)
    resumed = DataLoader(resumed_dataset, batch_size=2, shuffle=True)
    resumed.load_state_dict(state)
    mt.set_rng_state(rng_state)
    assert [b.tolist() for b in resumed] == rest
    assert len(resumed_dataset.loaded) == 4  # only the two batches after the checkpoint
    assert sorted(np.ravel(seen + rest).tolist()) == list(range(10))


def test_a_state_goes_through_save_and_load_and_a_second_checkpoint_works(tmp_path):
    make = LOADERS["shuffle-fast"]
    mt.manual_seed(4)
    reference = consume(iter(make()), 100)
    mt.manual_seed(4)
    loader = make()
    head = consume(iter(loader), 1)
    mt.save({"loader": loader.state_dict(), "rng": mt.get_rng_state()}, tmp_path / "a.pt")
    checkpoint = mt.load(tmp_path / "a.pt")
    again = make()
    again.load_state_dict(checkpoint["loader"])
    mt.set_rng_state(checkpoint["rng"])
    iterator = iter(again)
    middle = consume(iterator, 1)
    state, rng_state = again.state_dict(), mt.get_rng_state()  # a checkpoint of a resumed run
    last = make()
    last.load_state_dict(state)
    mt.set_rng_state(rng_state)
    assert head + middle + consume(iter(last), 100) == reference


def test_state_before_iterating_and_state_of_a_pending_resume():
    loader = DataLoader(list(range(4)), batch_size=2, shuffle=True)
    state = loader.state_dict()
    assert state["_started"] is False and state["_num_yielded"] == 0
    mt.manual_seed(1)
    expected = [b.tolist() for b in DataLoader(list(range(4)), batch_size=2, shuffle=True)]
    mt.manual_seed(1)
    fresh = DataLoader(list(range(4)), batch_size=2, shuffle=True)
    fresh.load_state_dict(state)
    assert fresh.state_dict() == state  # not consumed until the next iter()
    assert [b.tolist() for b in fresh] == expected


def test_state_dict_errors():
    loader = DataLoader(list(range(4)), batch_size=2, num_workers=1, in_order=False)
    with pytest.raises(NotImplementedError, match=r"state_dict\(\).*num_workers=1 and in_order"):
        loader.state_dict()
    with pytest.raises(NotImplementedError, match=r"load_state_dict\(\).*in_order=True"):
        loader.load_state_dict({})
    with pytest.raises(ValueError, match=r"missing keys \['_epoch_generator_states'"):
        DataLoader(list(range(4))).load_state_dict({"_num_yielded": 1})
    state = DataLoader(list(range(4)), shuffle=True, generator=mt.Generator()).state_dict()
    plain = DataLoader(list(range(4)), shuffle=True)
    plain.load_state_dict({**state, "_started": True, "_epoch_generator_states": [None, None]})
    with pytest.raises(ValueError, match="holds 2 generator states but this loader draws from 1"):
        iter(plain)


def test_state_survives_the_loop_and_the_loader_forms_no_reference_cycle():
    mt.manual_seed(5)
    expected = [b.tolist() for b in DataLoader(list(range(8)), batch_size=2, shuffle=True)]
    mt.manual_seed(5)
    loader = DataLoader(list(range(8)), batch_size=2, shuffle=True)
    for i, _ in enumerate(loader):  # torchdata's pattern: state_dict after breaking out
        if i == 1:
            break
    state, rng_state = loader.state_dict(), mt.get_rng_state()
    assert state["_num_yielded"] == 2
    resumed = DataLoader(list(range(8)), batch_size=2, shuffle=True)
    resumed.load_state_dict(state)
    mt.set_rng_state(rng_state)
    assert [b.tolist() for b in resumed] == expected[2:]
    gc.disable()
    try:
        ref = weakref.ref(resumed)
        del resumed
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()
