"""DataLoader.state_dict / load_state_dict with worker processes: the resumed epoch is exact.

A loader with workers, checkpointed between batches and resumed in a new loader, yields exactly
the remaining batches of the uninterrupted run, in order: the same shuffling, the same worker
seeds, the same random augmentation drawn in the workers (Python's random, the default
generator, NumPy), the same shards of an IterableDataset. Workers are forked (fast); datasets
are tiny.
"""

import multiprocessing
import random
import time

import numpy as np
import pytest

import microtensor as mt
from microtensor.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="tests fork workers"
)
FORK = {"multiprocessing_context": "fork"}


class Augmented(Dataset):
    """Each sample is its index plus noise drawn in the worker from all three random sources."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        noise = mt.rand(1).item() + np.random.rand() + random.random()
        return mt.tensor([float(i), noise])


class Shards(IterableDataset):
    """Uneven shards (worker 0 gets 7 items, worker 1 gets 3), with draws in ``__iter__``.

    Worker 0 is slow: worker 1's end of stream arrives before batches due earlier.
    """

    def __iter__(self):
        info = get_worker_info()
        start, stop = (0, 7) if info is None or info.id == 0 else (7, 10)
        offset = mt.randint(0, 100, ()).item()  # drawn when the stream starts
        for i in range(start, stop):
            time.sleep(0.005 if start == 0 else 0)
            yield mt.tensor([float(i), offset + np.random.rand()])


def as_list(batch):
    return batch.tolist()


def consume(iterator, count):
    """``count`` batches, each followed by a draw from the default generator (as dropout)."""
    out = []
    for _ in range(count):
        batch = next(iterator, None)
        if batch is None:
            break
        out.append((as_list(batch), mt.rand(1).tolist()))
    return out


def run_resumed(make, stops, epochs=2):
    """The uninterrupted run, and the same run checkpointed after each of ``stops`` batches."""
    mt.manual_seed(7)
    whole = make()
    reference = [b for _ in range(epochs) for b in consume(iter(whole), 100)]
    results = []
    for stop in stops:
        mt.manual_seed(7)
        first = make()
        epochs_done, rest = divmod(stop, 100)  # 100: the end of the first epoch
        head = [b for _ in range(epochs_done) for b in consume(iter(first), 100)]
        if rest or not epochs_done:  # (0: iter() called, no batch asked for yet)
            head += consume(iter(first), rest)
        state, rng_state = first.state_dict(), mt.get_rng_state()
        del first
        mt.manual_seed(999)  # a new process starts from some other state
        resumed = make()
        resumed.load_state_dict(state)
        mt.set_rng_state(rng_state)
        tail = []
        for _ in range(epochs):
            tail += consume(iter(resumed), 100)
        results.append((stop, head, tail, state))
    return reference, results


def loader(persistent, prefetch):
    return lambda: DataLoader(
        Augmented(),
        batch_size=2,
        shuffle=True,
        num_workers=2,
        persistent_workers=persistent,
        prefetch_factor=prefetch,
        **FORK,
    )


@pytest.mark.parametrize(("persistent", "prefetch"), [(False, 2), (True, 1), (True, 3)])
def test_map_style_resume_gives_the_remaining_batches_bit_for_bit(persistent, prefetch):
    reference, results = run_resumed(loader(persistent, prefetch), stops=[1, 4, 100, 101])
    assert len(reference) == 12 and len({str(b) for b in reference}) == 12
    for stop, head, tail, state in results:
        assert state["_num_workers"] == 2 and set(state["_worker_snapshots"]) == {
            "worker_0",
            "worker_1",
        }
        assert (head + tail)[: len(reference)] == reference, stop


def test_augmentation_differs_per_worker_and_the_base_seed_is_kept():
    make = loader(False, 2)
    reference, [(_, head, tail, state)] = run_resumed(make, stops=[3], epochs=1)
    assert head + tail == reference
    noises = [sample[1] for batch, _ in reference for sample in batch]
    assert len(set(noises)) == len(noises)  # the workers do not repeat each other's draws
    mt.manual_seed(7)
    other = make()
    next(iter(other))
    assert other.state_dict()["_base_seed"] == state["_base_seed"]


@pytest.mark.parametrize("persistent", [False, True])
def test_iterable_shards_resume_with_each_workers_items(persistent):
    def make():
        return DataLoader(
            Shards(), batch_size=2, num_workers=2, persistent_workers=persistent, **FORK
        )

    # 10 items: batches alternate between the workers until worker 1's shard (3 items) ends
    reference, results = run_resumed(make, stops=[0, 4, 5, 101])
    assert [b[0][0][0] for b in reference[:6]] == [0.0, 7.0, 2.0, 9.0, 4.0, 6.0]
    for stop, head, tail, _ in results:
        assert (head + tail)[: len(reference)] == reference, stop
    state = dict(results[1][3])  # after 4 batches: both of worker 1's are yielded
    assert state["_worker_snapshots"]["worker_0"]["items"] == 4
    assert state["_worker_snapshots"]["worker_1"]["items"] == 3


def test_a_state_goes_through_save_and_load_and_a_resumed_run_checkpoints_again(tmp_path):
    make = loader(True, 2)
    mt.manual_seed(7)
    reference = consume(iter(make()), 100)
    mt.manual_seed(7)
    first = make()
    head = consume(iter(first), 2)
    mt.save({"loader": first.state_dict(), "rng": mt.get_rng_state()}, tmp_path / "a.pt")
    del first
    checkpoint = mt.load(tmp_path / "a.pt")
    again = make()
    again.load_state_dict(checkpoint["loader"])
    mt.set_rng_state(checkpoint["rng"])
    middle = consume(iter(again), 1)
    state, rng_state = again.state_dict(), mt.get_rng_state()
    del again
    last = make()
    last.load_state_dict(state)
    mt.set_rng_state(rng_state)
    assert head + middle + consume(iter(last), 100) == reference


def test_loading_a_state_replaces_running_persistent_workers():
    make = loader(True, 2)
    mt.manual_seed(7)
    reference = consume(iter(make()), 100)
    mt.manual_seed(7)
    first = make()
    head = consume(iter(first), 3)
    state, rng_state = first.state_dict(), mt.get_rng_state()
    consume(iter(first), 100)  # the loader goes on (its workers stay)
    first.load_state_dict(state)
    mt.set_rng_state(rng_state)
    assert head + consume(iter(first), 100) == reference


def test_worker_state_errors():
    make = loader(False, 2)
    mt.manual_seed(0)
    with_workers = make()
    next(iter(with_workers))
    state = with_workers.state_dict()
    plain = DataLoader(Augmented(), batch_size=2, shuffle=True)
    with pytest.raises(ValueError, match="num_workers=2 but this one has num_workers=0"):
        plain.load_state_dict(state)
    three = DataLoader(Augmented(), batch_size=2, shuffle=True, num_workers=3, **FORK)
    with pytest.raises(ValueError, match="num_workers=2 but this one has num_workers=3"):
        three.load_state_dict(state)
    next(iter(plain))
    with pytest.raises(ValueError, match="num_workers=0 but this one has num_workers=2"):
        make().load_state_dict(plain.state_dict())
    unordered = DataLoader(Augmented(), batch_size=2, num_workers=2, in_order=False, **FORK)
    with pytest.raises(NotImplementedError, match=r"state_dict\(\).*in_order=True"):
        unordered.state_dict()
    broken = {key: value for key, value in state.items() if key != "_tasks_in_flight"}
    with pytest.raises(ValueError, match=r"missing keys \['_tasks_in_flight'\]"):
        make().load_state_dict(broken)
