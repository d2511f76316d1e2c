"""What ``DataLoader.state_dict()`` keeps of an epoch loaded by worker processes.

Besides what the single-process state keeps (batches yielded, the random states that regenerate
the epoch's order), a checkpoint with workers holds what makes the rest of the epoch come out
the same: the workers' base seed; for each worker, the random states after its last batch that
was yielded (each batch arrives with that snapshot), the states its epoch started from (after
the previous epochs, with persistent workers), and how many items its stream has yielded (an
``IterableDataset``); and the main process's schedule: the tasks done, the workers of the tasks
in flight (the batches prefetched but not yet yielded, which a resumed loader asks the same
workers for again), the next worker in turn, and which workers' streams have ended. A state
saved at the end of an epoch by persistent workers carries their base seed and random states
into the next epoch (the workers would not have been seeded again).
"""

from __future__ import annotations

import pickle
from typing import Any

from microtensor.utils.data._single_process_iter import EpochProgress

__all__ = ["WORKER_STATE_KEYS", "WorkerEpochProgress", "check_worker_state", "next_epoch_starts"]

WORKER_STATE_KEYS = (
    "_num_workers",
    "_base_seed",
    "_worker_snapshots",
    "_tasks_done",
    "_tasks_in_flight",
    "_next_worker",
    "_workers_active",
)


def _fresh_snapshot() -> dict[str, Any]:
    """A worker that has yielded nothing yet in an epoch that its own seeding starts."""
    return {"epoch_start": None, "current": None, "items": 0}


class WorkerEpochProgress(EpochProgress):
    """``EpochProgress`` with the workers' snapshots and the main process's schedule.

    The iterator updates it after each batch it yields; the loader keeps it, so that the state
    outlives the iterator (whose workers stop when the loop is left).
    """

    def __init__(self, generators: list[Any], num_workers: int, base_seed: int) -> None:
        super().__init__(generators)
        self.num_workers = num_workers
        self.base_seed = base_seed
        self.snapshots = [_fresh_snapshot() for _ in range(num_workers)]
        self._latest: list[bytes | None] = [None] * num_workers  # pickled (states, items)
        self.tasks_done = 0
        self.in_flight: list[int] = []
        self.next_worker = 0
        self.active = [True] * num_workers

    def new_epoch(self, epoch_starts: list[Any] | None) -> None:
        """Reset for a new epoch (persistent workers: the states each worker starts it from)."""
        self.num_yielded, self.finished, self.epoch_states = 0, False, None
        self.tasks_done, self.in_flight, self.next_worker = 0, [], 0
        self.active = [True] * self.num_workers
        self.snapshots = [_fresh_snapshot() for _ in range(self.num_workers)]
        self._latest = [None] * self.num_workers
        if epoch_starts is not None:
            for snapshot, start in zip(self.snapshots, epoch_starts, strict=True):
                snapshot["epoch_start"] = start

    def load(self, state: dict[str, Any]) -> None:
        """Take the schedule and the snapshots of a checkpoint (a resumed iterator)."""
        self.num_yielded = state["_num_yielded"]
        self.epoch_states = state["_epoch_generator_states"]
        self.tasks_done = state["_tasks_done"]
        self.in_flight = list(state["_tasks_in_flight"])
        self.next_worker = state["_next_worker"]
        self.active = list(state["_workers_active"])
        saved = state["_worker_snapshots"]
        self.snapshots = [dict(saved[f"worker_{i}"]) for i in range(self.num_workers)]
        self._latest = [None] * self.num_workers

    def worker_done(self, worker_id: int, snapshot: bytes) -> None:
        """Worker ``worker_id``'s batch (or end of stream) with this snapshot is consumed."""
        self._latest[worker_id] = snapshot

    def worker_snapshots(self) -> list[dict[str, Any]]:
        """Per worker: its epoch's starting states, its states now, its stream's items."""
        for snapshot, latest in zip(self.snapshots, self._latest, strict=True):
            if latest is not None:
                snapshot["current"], snapshot["items"] = pickle.loads(latest)
        self._latest = [None] * self.num_workers
        return self.snapshots

    def state_dict(self) -> dict[str, Any]:
        """The single-process keys, plus ``WORKER_STATE_KEYS``."""
        return {
            **super().state_dict(),
            "_num_workers": self.num_workers,
            "_base_seed": self.base_seed,
            "_worker_snapshots": {
                f"worker_{i}": dict(snapshot) for i, snapshot in enumerate(self.worker_snapshots())
            },
            "_tasks_done": self.tasks_done,
            "_tasks_in_flight": list(self.in_flight),
            "_next_worker": self.next_worker,
            "_workers_active": list(self.active),
        }


def check_worker_state(num_workers: int, state: dict[str, Any]) -> None:
    """Raise ValueError unless ``state`` is a mid-epoch state of a loader with ``num_workers``."""
    saved = state.get("_num_workers", 0)
    if saved != num_workers:
        raise ValueError(
            f"DataLoader.load_state_dict(): the state was saved by a DataLoader with "
            f"num_workers={saved} but this one has num_workers={num_workers}: each worker's "
            "random states and stream position belong to one worker; resume with the same "
            "num_workers"
        )
    missing = sorted(set(WORKER_STATE_KEYS) - set(state))
    if num_workers and missing:
        raise ValueError(
            f"DataLoader.load_state_dict(): missing keys {missing} of a state with workers; "
            "pass the dict returned by DataLoader.state_dict()"
        )


def next_epoch_starts(state: dict[str, Any]) -> list[Any]:
    """The random states each persistent worker starts the epoch after ``state``'s from."""
    starts = []
    for i in range(state["_num_workers"]):
        snapshot = state["_worker_snapshots"][f"worker_{i}"]
        starts.append(
            snapshot["current"] if snapshot["current"] is not None else snapshot["epoch_start"]
        )
    return starts
