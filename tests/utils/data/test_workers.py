"""DataLoader with worker processes (microtensor/utils/data/_worker.py, _multiprocessing_iter.py).

Workers are real processes (forked where the platform allows, so the tests stay fast). Every test
uses tiny datasets.
"""

import gc
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch
import torch.utils.data

import microtensor as mt
from microtensor.utils.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    TensorDataset,
    WorkerInfo,
    _worker,
    get_worker_info,
)
from microtensor.utils.data._worker import generate_state

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="tests fork workers"
)
FORK = {"multiprocessing_context": "fork"}


class Squares(Dataset):
    def __init__(self, n=10, fail_at=None, exit_at=None, sleep=0.0):
        self.n, self.fail_at, self.exit_at, self.sleep = n, fail_at, exit_at, sleep

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.sleep)
        if i == self.fail_at:
            raise ValueError(f"sample {i} is broken")
        if i == self.exit_at:
            os._exit(3)
        return mt.tensor([float(i * i)]), i


class WhoAmI(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "id": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "mt_seed": mt.initial_seed(),
            "random": random.random(),
            "numpy": float(np.random.rand()),
            "pid": os.getpid(),
        }


class Shards(IterableDataset):
    """Each worker yields its own share of range(n), as torch's documentation suggests."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class TorchShards(torch.utils.data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        return iter(range(info.id, self.n, info.num_workers))


def _as_lists(loader):
    return [[b.tolist() if isinstance(b, mt.Tensor) else b for b in batch] for batch in loader]


def _new_children(before):
    return [p for p in multiprocessing.active_children() if p not in before]


@pytest.mark.parametrize("num_workers", [1, 3])
def test_same_batches_in_the_same_order_as_in_process(num_workers):
    for kwargs in ({"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}):
        single = DataLoader(
            Squares(), shuffle=True, generator=mt.Generator().manual_seed(4), **kwargs
        )
        multi = DataLoader(
            Squares(),
            shuffle=True,
            generator=mt.Generator().manual_seed(4),
            num_workers=num_workers,
            **FORK,
            **kwargs,
        )
        assert _as_lists(multi) == _as_lists(single)
    x = mt.arange(12.0).reshape(6, 2)
    tensors = TensorDataset(x, mt.arange(6))
    single = [[t.tolist() for t in b] for b in DataLoader(tensors, batch_size=4)]
    multi = [
        [t.tolist() for t in b] for b in DataLoader(tensors, batch_size=4, num_workers=2, **FORK)
    ]
    assert multi == single == [[x[:4].tolist(), [0, 1, 2, 3]], [x[4:].tolist(), [4, 5]]]


def test_workers_are_processes_with_torchs_seed_scheme():
    loader = DataLoader(
        WhoAmI(), batch_size=None, num_workers=2, generator=mt.Generator().manual_seed(0), **FORK
    )
    samples = list(loader)
    assert [s["id"] for s in samples] == [0, 1, 0, 1]
    assert {s["num_workers"] for s in samples} == {2}
    assert len({s["pid"] for s in samples}) == 2 and os.getpid() not in {s["pid"] for s in samples}
    base = samples[0]["seed"]
    assert samples[1]["seed"] == base + 1 and samples[2]["seed"] == base
    for s in samples[:2]:
        assert s["mt_seed"] == s["seed"]
        assert s["random"] == random.Random(s["seed"]).random()
        expected = np.random.RandomState(generate_state(base, s["id"])).rand()
        assert s["numpy"] == expected
    again = list(
        DataLoader(
            WhoAmI(),
            batch_size=None,
            num_workers=2,
            generator=mt.Generator().manual_seed(0),
            **FORK,
        )
    )
    assert [s["seed"] for s in again] == [s["seed"] for s in samples]
    assert get_worker_info() is None  # in the main process


def test_worker_init_fn_and_collate_fn_run_in_the_workers():
    def init(worker_id):
        random.seed(100 + worker_id)

    def collate(samples):  # runs in the worker that fetched the samples
        return [(s["id"], s["random"], s["pid"] == os.getpid()) for s in samples]

    loader = DataLoader(
        WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=init, collate_fn=collate, **FORK
    )
    batches = list(loader)
    assert [[(i, same_process) for i, _, same_process in b] for b in batches] == [
        [(0, True), (0, True)],
        [(1, True), (1, True)],
    ]
    for worker_id, batch in enumerate(batches):
        expected = random.Random(100 + worker_id)
        assert [r for _, r, _ in batch] == [expected.random(), expected.random()]


def test_generate_state_matches_torch():
    from torch.utils.data._utils.worker import _generate_state

    for base, worker_id in [(0, 0), (123456789, 3), (2**63 - 5, 7), (2**40 + 17, 1)]:
        assert generate_state(base, worker_id) == _generate_state(base, worker_id)


def test_iterable_dataset_sharding_matches_torch_order():
    ours = [b.tolist() for b in DataLoader(Shards(11), batch_size=2, num_workers=3, **FORK)]
    theirs = [
        b.tolist()
        for b in torch.utils.data.DataLoader(
            TorchShards(11), batch_size=2, num_workers=3, multiprocessing_context="fork"
        )
    ]
    assert ours == theirs
    assert sorted(sum(ours, [])) == list(range(11))
    unbatched = list(DataLoader(Shards(5), batch_size=None, num_workers=2, **FORK))
    assert unbatched == [0, 1, 2, 3, 4]


def test_worker_exception_is_reraised_with_its_traceback():
    loader = DataLoader(Squares(fail_at=7), batch_size=2, num_workers=2, **FORK)
    with pytest.raises(ValueError) as info:
        list(loader)
    message = str(info.value)
    assert message.startswith(
        "Caught ValueError in DataLoader worker process 1.\nOriginal Traceback"
    )
    assert 'raise ValueError(f"sample {i} is broken")' in message
    assert message.rstrip().endswith("ValueError: sample 7 is broken")


class StopsAt2(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise StopIteration  # a bug in a map-style dataset, not the end of the epoch
        return i


def test_stop_iteration_in_a_map_style_dataset_is_an_error():
    loader = DataLoader(StopsAt2(), batch_size=1, num_workers=2, **FORK)
    with pytest.raises(RuntimeError, match="Caught StopIteration in DataLoader worker process 0"):
        list(loader)


def test_worker_init_fn_runs_in_each_worker_and_its_errors_surface():
    def init(worker_id):
        if worker_id == 1:
            raise KeyError("no config for worker 1")

    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 1"):
        list(DataLoader(Squares(), batch_size=2, num_workers=2, worker_init_fn=init, **FORK))


def test_dead_worker_and_timeout_are_reported(monkeypatch):
    monkeypatch.setattr(_worker, "STATUS_CHECK_INTERVAL", 0.1)  # notice the death sooner
    loader = DataLoader(Squares(exit_at=3), batch_size=2, num_workers=2, **FORK)
    with pytest.raises(
        RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"
    ):
        list(loader)
    slow = DataLoader(Squares(n=2, sleep=0.3), batch_size=1, num_workers=1, timeout=0.05, **FORK)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.05 seconds"):
        next(iter(slow))


def test_persistent_workers_live_across_epochs_and_stop_with_the_loader():
    before = multiprocessing.active_children()
    loader = DataLoader(
        Squares(6),
        batch_size=2,
        shuffle=True,
        num_workers=2,
        persistent_workers=True,
        generator=mt.Generator().manual_seed(1),
        **FORK,
    )
    first = _as_lists(loader)
    workers = _new_children(before)
    second = _as_lists(loader)
    assert set(_new_children(before)) == set(workers) and len(workers) == 2
    assert all(w.is_alive() for w in workers)
    assert first != second and sorted(sum((b[1] for b in second), [])) == list(range(6))
    del loader
    gc.collect()
    assert not any(w.is_alive() for w in workers)


def test_breaking_out_of_an_epoch_stops_the_workers():
    before = multiprocessing.active_children()
    for _ in DataLoader(Squares(), batch_size=1, num_workers=2, **FORK):
        break
    gc.collect()
    assert not _new_children(before)
    iterator = iter(DataLoader(Squares(), batch_size=1, num_workers=2, prefetch_factor=1, **FORK))
    next(iterator)
    workers = _new_children(before)
    assert len(workers) == 2
    del iterator
    assert not any(w.is_alive() for w in workers)


def test_out_of_order_yields_every_batch():
    loader = DataLoader(Squares(8), batch_size=2, num_workers=2, in_order=False, **FORK)
    assert sorted(b[1].tolist() for b in loader) == [[0, 1], [2, 3], [4, 5], [6, 7]]


def test_worker_option_errors():
    with pytest.raises(ValueError, match="multiprocessing_context can only be used with"):
        DataLoader(Squares(), multiprocessing_context="fork")
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(Squares(), prefetch_factor=2)


_CTRL_C_SCRIPT = textwrap.dedent(
    """
    import os, signal, time
    # a program started from a terminal has Python's Ctrl-C handler, whatever the test runner
    # (which may ignore SIGINT, and a child inherits an ignored signal) has
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from microtensor.utils.data import DataLoader, Dataset

    class Slow(Dataset):
        def __len__(self):
            return 10_000

        def __getitem__(self, i):
            time.sleep(0.02)
            return i

    def announce(worker_id):
        os.write(1, f"{os.getpid()}\\n".encode())  # one write: the workers' lines never mix

    loader = DataLoader(Slow(), batch_size=2, num_workers=2, worker_init_fn=announce,
                        multiprocessing_context="fork")
    for batch in loader:
        pass
    """
)


@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal-ctrl-c", "main-only"])
def test_ctrl_c_stops_the_workers(whole_group):
    child = subprocess.Popen(
        [sys.executable, "-c", _CTRL_C_SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a program
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))),
    )
    pids = [int(child.stdout.readline()) for _ in range(2)]
    time.sleep(0.2)
    if whole_group:  # what Ctrl-C in a terminal does: every process of the group gets SIGINT
        os.killpg(child.pid, signal.SIGINT)
    else:  # only the main process: it must stop the workers itself
        child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=20)
    assert child.returncode != 0 and "KeyboardInterrupt" in stderr
    assert stderr.count("Traceback") == 1  # the workers exit quietly
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not [pid for pid in pids if _alive(pid)]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_worker_info_is_read_only():
    info = WorkerInfo(id=1, num_workers=2, seed=7, dataset="ds")
    assert repr(info) == "WorkerInfo(id=1, num_workers=2, seed=7, dataset='ds')"
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        info.seed = 8
