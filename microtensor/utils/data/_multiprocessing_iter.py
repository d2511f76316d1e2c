"""The main-process side of ``DataLoader(num_workers > 0)``: worker processes and batch order.

The main process owns the sampler. It hands batch ``i`` to the workers in turn (``i % workers``
among those still running), keeping ``prefetch_factor`` batches per worker in flight, and yields
the results in task order (``in_order=True``), so the batches are the same, in the same order, as
with ``num_workers=0``. An exhausted ``IterableDataset`` copy marks its worker as finished.

Workers stop when the epoch ends (unless ``persistent_workers``), on Ctrl-C in the main process,
and when the iterator (or, with persistent workers, the loader) is garbage collected: each gets
``None`` on its index queue, is joined, and is terminated if it does not exit in time. A worker
that dies without reporting (killed, crashed) raises a ``RuntimeError`` naming its pid.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import weakref
from typing import Any

import numpy as np

from microtensor.tensor import Tensor
from microtensor.utils.data import _worker

_JOIN_TIMEOUT = 5.0


def _context(spec: Any) -> Any:
    if spec is None:
        return multiprocessing.get_context()
    if isinstance(spec, str):
        return multiprocessing.get_context(spec)
    return spec


class MultiProcessingIter:
    """Iterates a ``DataLoader`` with worker processes (see the module docstring)."""

    def __init__(self, loader: Any) -> None:
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
        self._base_seed = base_seed(loader)
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
                ),
                daemon=True,
            )
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._start_epoch(loader, first=True)

    @property
    def worker_pids(self) -> list[int]:
        """The process ids of the workers."""
        return [w.pid for w in self._workers]

    def _start_epoch(self, loader: Any, first: bool = False) -> None:
        if self._iterable:
            self._sampler_iter: Any = itertools.repeat(None)
        else:
            self._sampler_iter = iter(
                loader.batch_sampler if loader._auto_collation else loader.sampler
            )
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple[Any, ...]] = {}
        self._active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first:
            self._resume_workers()
        for _ in range(self._prefetch * self._num_workers):
            self._try_put_index()

    def _resume_workers(self) -> None:
        """Persistent workers: start a new epoch and wait until each worker acknowledges."""
        for index_queue in self._index_queues:
            index_queue.put(_worker.ResumeIteration())
        pending = self._num_workers
        while pending:
            task, _ = self._get_data()
            if isinstance(task, _worker.ResumeIteration):
                pending -= 1

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
            worker_id = next(self._worker_cycle)
            if self._active[worker_id]:
                break
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._send_idx += 1

    def __next__(self) -> Any:
        try:
            return self._next_data()
        except KeyboardInterrupt:
            self.shutdown()
            raise

    def _next_data(self) -> Any:
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)  # returned early, or its worker ended
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self.shutdown()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            idx, payload = self._get_data()
            data = pickle.loads(payload)
            if isinstance(data, _worker.IterableDatasetStopIteration):
                self._active[data.worker_id] = False
                self._try_put_index()
                continue
            if idx == self._rcvd_idx or not self._in_order:
                self._task_info.pop(idx, None)
                if idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process(data)
            self._task_info[idx] += (data,)

    def _process(self, data: Any) -> Any:
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _get_data(self) -> tuple[Any, Any]:
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
