"""The main-process side of ``DataLoader(num_workers > 0)``: worker processes and batch order.

The main process owns the sampler. It hands batch ``i`` to the workers in turn (``i % workers``
among those still running), keeping ``prefetch_factor`` batches per worker in flight, and yields
the results in task order (``in_order=True``), so the batches are the same, in the same order, as
with ``num_workers=0``. An exhausted ``IterableDataset`` copy marks its worker as finished.

Workers stop when the epoch ends (unless ``persistent_workers``), on Ctrl-C in the main process,
and when the iterator (or, with persistent workers, the loader) is garbage collected: each gets
``None`` on its index queue, is joined, and is terminated if it does not exit in time. A worker
that dies without reporting (killed, crashed) raises a ``RuntimeError`` naming its pid.

The iterator keeps a ``WorkerEpochProgress`` up to date after each batch it yields, for
``DataLoader.state_dict()``; given such a state, it resumes the epoch: the saved base seed, each
worker started from its snapshot, the sampler's order regenerated and fast-forwarded past the
tasks done (their samples are not loaded), and the tasks in flight asked of the same workers
again (see ``_multiprocessing_state``).
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import weakref
from typing import Any

import numpy as np

from microtensor.tensor import Tensor
from microtensor.utils.data import _worker
from microtensor.utils.data._multiprocessing_state import (
    WorkerEpochProgress,
    check_worker_state,
    next_epoch_starts,
)
from microtensor.utils.data._single_process_iter import (
    check_generator_count,
    generator_states,
    loader_generators,
    set_generator_states,
)

_JOIN_TIMEOUT = 5.0
_END = object()


def _context(spec: Any) -> Any:
    import multiprocessing  # with the first workers only: `import microtensor` stays light

    _worker.forking_pickler()  # before any worker starts: Tensors travel as their arrays
    if spec is None:
        return multiprocessing.get_context()
    if isinstance(spec, str):
        return multiprocessing.get_context(spec)
    return spec


class MultiProcessingIter:
    """Iterates a ``DataLoader`` with worker processes (see the module docstring)."""

    def __init__(self, loader: Any, resume: dict[str, Any] | None = None) -> None:
        # a weak reference: a loader that keeps its (persistent) iterator forms no cycle, so
        # dropping the loader stops the workers at once, not at the next garbage collection
        self._loader_ref = weakref.ref(loader)
        self._iterable = loader._iterable
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor if loader.prefetch_factor is not None else 2
        self._persistent = loader.persistent_workers
        self._in_order = loader.in_order
        self._timeout = loader.timeout
        context = _context(loader.multiprocessing_context)
        self._data_queue = context.Queue()
        self._done_event = context.Event()
        self._index_queues: list[Any] = []
        self._workers: list[Any] = []
        # a finalizer, not __del__: it holds the queues, so that when the iterator dies in a
        # reference cycle the queues are not collected (their feeder threads closed) first
        self._finalizer = weakref.finalize(
            self,
            _stop_workers,
            self._done_event,
            self._index_queues,
            self._workers,
            self._data_queue,
        )
        resumed = self._restore(loader, resume)
        self._start_workers(loader, context, resumed)
        if resumed and not resume["_iterator_finished"]:  # type: ignore[index]
            self._resume_epoch(loader, resume)  # type: ignore[arg-type]
        else:
            self._start_epoch(loader, first=True)

    def _restore(self, loader: Any, resume: dict[str, Any] | None) -> bool:
        """The base seed and progress, new or from ``resume``; whether it resumes an epoch.

        A state saved at the end of an epoch by persistent workers starts the next epoch as
        those workers would have: with their base seed and their random states (no new seed).
        """
        self._generators = loader_generators(loader)
        mid_epoch = resume is not None and resume["_started"] and not resume["_iterator_finished"]
        carried = None
        if resume is not None:
            check_generator_count(self._generators, resume["_generator_states"])
            check_generator_count(self._generators, resume["_epoch_generator_states"])
            # the loader's and sampler's own generators go back to their checkpoint states
            set_generator_states(self._generators[1:], resume["_generator_states"][1:])
            if self._persistent and not mid_epoch and "_worker_snapshots" in resume:
                check_worker_state(self._num_workers, resume)
                carried = next_epoch_starts(resume)
        if mid_epoch or carried is not None:
            seed = resume["_base_seed"]  # type: ignore[index]
        else:
            seed = base_seed(loader)
        self._base_seed = seed
        self.progress = WorkerEpochProgress(self._generators, self._num_workers, seed)
        if mid_epoch:
            self.progress.load(resume)  # type: ignore[arg-type]
        elif carried is not None:
            self.progress.new_epoch(carried)
        return mid_epoch or carried is not None

    def _start_workers(self, loader: Any, context: Any, resumed: bool) -> None:
        fetcher_args = (
            loader.dataset,
            self._iterable,
            loader._auto_collation,
            loader.collate_fn,
            loader.batch_size,
            loader.drop_last,
        )
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            worker = context.Process(
                target=_worker.worker_loop,
                args=(
                    fetcher_args,
                    index_queue,
                    self._data_queue,
                    self._done_event,
                    self._base_seed,
                    loader.worker_init_fn,
                    worker_id,
                    self._num_workers,
                    os.getpid(),
                    self.progress.snapshots[worker_id] if resumed else None,
                ),
                daemon=True,
            )
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)

    @property
    def worker_pids(self) -> list[int]:
        """The process ids of the workers."""
        return [w.pid for w in self._workers]

    def _new_schedule(self, loader: Any) -> None:
        self.progress.epoch_states = generator_states(self._generators)
        if self._iterable:
            self._sampler_iter: Any = itertools.repeat(None)
        else:
            self._sampler_iter = iter(
                loader.batch_sampler if loader._auto_collation else loader.sampler
            )
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, int] = {}  # task -> its worker, until its result is taken
        self._arrived: dict[int, tuple[bytes, Any]] = {}  # results waiting for their turn
        self._active = [True] * self._num_workers
        self._next_worker = 0

    def _start_epoch(self, loader: Any, first: bool = False) -> None:
        epoch_starts = None if first else self._resume_workers()
        if not first:
            self.progress.new_epoch(epoch_starts)
        self._new_schedule(loader)
        for _ in range(self._prefetch * self._num_workers):
            self._try_put_index()
        self._record()  # (a state taken before the first batch has these tasks in flight)

    def _resume_epoch(self, loader: Any, resume: dict[str, Any]) -> None:
        """Continue a checkpointed epoch: regenerate its order, skip the tasks done."""
        before = generator_states(self._generators)
        set_generator_states(self._generators, resume["_epoch_generator_states"])
        self._new_schedule(loader)
        self.progress.epoch_states = resume["_epoch_generator_states"]
        if not self._iterable:
            for _ in range(resume["_tasks_done"]):  # their samples are not loaded
                if next(self._sampler_iter, _END) is _END:
                    break
        self._send_idx = self._rcvd_idx = resume["_tasks_done"]  # (counted from the epoch start)
        self._active = list(resume["_workers_active"])
        for worker_id in resume["_tasks_in_flight"]:
            self._next_worker = worker_id
            self._try_put_index()
        self._next_worker = resume["_next_worker"]
        self._record()
        # the default generator stays as the caller left it; the others as at the checkpoint
        set_generator_states(self._generators[:1], before[:1])
        set_generator_states(self._generators[1:], resume["_generator_states"][1:])

    def _resume_workers(self) -> list[Any]:
        """Persistent workers: start a new epoch; each acknowledges with its random states."""
        for index_queue in self._index_queues:
            index_queue.put(_worker.ResumeIteration())
        starts: list[Any] = [None] * self._num_workers
        pending = self._num_workers
        while pending:
            task, _, states = self._get_data()
            if isinstance(task, _worker.ResumeIteration) and task.worker_id is not None:
                starts[task.worker_id] = pickle.loads(states)
                pending -= 1
        return starts

    def reset(self, loader: Any) -> MultiProcessingIter:
        """A new epoch on the same workers (``persistent_workers=True``)."""
        self._loader_ref = weakref.ref(loader)
        self._start_epoch(loader)
        return self

    def __iter__(self) -> MultiProcessingIter:
        return self

    def __len__(self) -> int:
        loader = self._loader_ref()
        if loader is None:
            raise TypeError("len() of a DataLoader iterator whose DataLoader is gone")
        return len(loader)

    def _try_put_index(self) -> None:
        if not any(self._active):
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = self._next_worker
            self._next_worker = (worker_id + 1) % self._num_workers
            if self._active[worker_id]:
                break
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = worker_id
        self._send_idx += 1

    def __next__(self) -> Any:
        try:
            batch = self._next_data()
        except KeyboardInterrupt:
            self.shutdown()
            raise
        finally:
            self._record()
        self.progress.num_yielded += 1
        return batch

    def _record(self) -> None:
        """The schedule after this batch, for ``state_dict()``: tasks done, workers in flight."""
        progress = self.progress
        progress.tasks_done = self._rcvd_idx
        progress.in_flight = [w for w in self._task_info.values() if self._active[w]]
        progress.next_worker = self._next_worker
        progress.active = list(self._active)

    def _next_data(self) -> Any:
        # Results, ends of streams included, are taken in task order (in_order=True): the
        # schedule, hence the batches, do not depend on which worker answers first.
        while True:
            while self._rcvd_idx < self._send_idx:
                worker_id = self._task_info.get(self._rcvd_idx)
                if worker_id is not None and (
                    self._rcvd_idx in self._arrived or self._active[worker_id]
                ):
                    break
                self._task_info.pop(self._rcvd_idx, None)  # returned early, or its worker ended
                self._rcvd_idx += 1
            else:
                self.progress.finished = True
                if not self._persistent:
                    self.shutdown()
                raise StopIteration
            idx = self._rcvd_idx
            if idx in self._arrived:
                payload, snapshot = self._arrived.pop(idx)
            else:
                got, payload, snapshot = self._get_data()
                if got != idx and self._in_order:
                    self._arrived[got] = (payload, snapshot)
                    continue
                idx = got  # (in_order=False: whichever batch is ready)
            worker_id = self._task_info.pop(idx)
            if idx == self._rcvd_idx:
                self._rcvd_idx += 1
            self.progress.worker_done(worker_id, snapshot)
            data = pickle.loads(payload)
            if isinstance(data, _worker.IterableDatasetStopIteration):
                self._active[worker_id] = False
                self._try_put_index()
                continue
            return self._process(data)

    def _process(self, data: Any) -> Any:
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _get_data(self) -> tuple[Any, Any, Any]:
        if self._timeout > 0:
            try:
                return self._data_queue.get(timeout=self._timeout)  # type: ignore[no-any-return]
            except queue.Empty:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
        while True:
            try:
                return self._data_queue.get(  # type: ignore[no-any-return]
                    timeout=_worker.STATUS_CHECK_INTERVAL
                )
            except queue.Empty:
                self._check_workers_alive()

    def _check_workers_alive(self) -> None:
        dead = [w for w in self._workers if not w.is_alive()]
        if dead:
            pids = ", ".join(str(w.pid) for w in dead)
            self.shutdown()
            raise RuntimeError(
                f"DataLoader worker (pid(s) {pids}) exited unexpectedly (exit codes "
                f"{[w.exitcode for w in dead]}): a worker was killed or crashed; run with "
                "num_workers=0 to see the error in the main process"
            )

    def shutdown(self) -> None:
        """Stop every worker: ask, join, then terminate those that do not exit in time."""
        self._finalizer()


def _stop_workers(
    done_event: Any, index_queues: list[Any], workers: list[Any], data_queue: Any
) -> None:
    try:
        done_event.set()
        for index_queue in index_queues:
            index_queue.put(None)
        for worker in workers:
            worker.join(timeout=_JOIN_TIMEOUT)
        for index_queue in index_queues:
            index_queue.close()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=_JOIN_TIMEOUT)
        data_queue.cancel_join_thread()
        data_queue.close()


def base_seed(loader: Any) -> int:
    """The workers' base seed, drawn as torch draws it from the loader's generator.

    ``torch.empty((), dtype=torch.int64).random_(generator=loader.generator)``: one
    ``random64()`` draw modulo 2**63, from the default generator when the loader has none.
    """
    seed = Tensor._make(np.empty((), np.int64)).random_(generator=loader.generator)
    return int(seed.item())
