"""What runs inside a ``DataLoader`` worker process, and what it sends back.

A worker waits on its own index queue for ``(task_idx, indices)``, fetches and collates that
batch from its copy of the dataset, and puts ``(task_idx, pickled batch, snapshot)`` on the
shared result queue; the snapshot (its random states and how many items its stream has yielded,
right after the batch, pickled: the main process unpickles only those a checkpoint needs) is
what ``DataLoader.state_dict()`` keeps of the worker once the batch is yielded. ``None`` on the
index queue means stop; ``ResumeIteration`` starts a new epoch (persistent workers),
acknowledged with the random states the new epoch starts from. A worker started to resume a
checkpoint (``resume``) rebuilds its epoch: the epoch's starting random states, its stream
fast-forwarded by the items already yielded, then its checkpoint states.
A failure becomes an ``ExceptionWrapper`` carrying the worker's formatted traceback, which the
main process re-raises. Seeds follow PyTorch: the worker's seed is ``base_seed + worker_id``
(Python's ``random`` and microtensor's default generator), and NumPy's global state is seeded
from PyTorch's ``_generate_state(base_seed, worker_id)`` hash.
"""

from __future__ import annotations

import itertools
import os
import queue
import random
import sys
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.random import get_rng_state, manual_seed, set_rng_state
from microtensor.tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

STATUS_CHECK_INTERVAL = 1.0  # seconds between checks that the other side is still alive


class WorkerInfo:
    """Who the current worker is: ``id``, ``num_workers``, ``seed`` and its ``dataset`` copy."""

    __initialized = False

    def __init__(self, id: int, num_workers: int, seed: int, dataset: Any) -> None:  # noqa: A002
        self.id = id
        self.num_workers = num_workers
        self.seed = seed
        self.dataset = dataset
        self.__initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return (
            f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
            f"dataset={self.dataset!r})"
        )


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a ``DataLoader`` worker process, its ``WorkerInfo``; None in the main process.

    An ``IterableDataset`` uses it to give each worker its own share of the stream (each worker
    iterates its own copy of the dataset).

    Example:
        >>> from microtensor.utils.data import get_worker_info
        >>> get_worker_info() is None
        True
    """
    return _worker_info


class KeyErrorMessage(str):
    """A ``KeyError`` message that prints its line breaks (KeyError shows the repr)."""

    def __repr__(self) -> str:
        return str(self)


class ExceptionWrapper:
    """An exception caught in a worker, with its formatted traceback, to re-raise in the main."""

    def __init__(self, where: str) -> None:
        exc_type, exc_value, tb = sys.exc_info()
        self.exc_type = exc_type or RuntimeError
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc_value, tb))
        self.where = where

    def reraise(self) -> None:
        """Raise the worker's exception type, its message giving the worker's traceback.

        A type that cannot take one message argument, and ``StopIteration`` (which would end
        the epoch silently), become ``RuntimeError``.
        """
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        if issubclass(self.exc_type, StopIteration):  # raised from __next__ it would end the epoch
            raise RuntimeError(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            del exception  # no frame -> traceback -> frame cycle keeps the loader's workers alive


class IterableDatasetStopIteration:
    """A worker's stream of an ``IterableDataset`` is exhausted."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class ResumeIteration:
    """Start a new epoch (sent to persistent workers); sent back with the worker's id as its ack."""

    def __init__(self, worker_id: int | None = None) -> None:
        self.worker_id = worker_id


def _reduce_tensor(t: Tensor) -> tuple[Callable[..., Tensor], tuple[Any, ...]]:
    return _rebuild_tensor, (t._data, t._requires_grad)


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    return t.requires_grad_(True) if requires_grad else t


def forking_pickler() -> Any:
    """The pickler of multiprocessing, with the tensor reducer registered.

    Tensors refuse plain pickling (microtensor.save is the file format); between a worker and
    the main process they travel as their array, as torch.multiprocessing registers its own
    reducers. Imported here, on first use: multiprocessing (and socket) load with the first
    workers, not with ``import microtensor``.
    """
    from multiprocessing.reduction import ForkingPickler

    ForkingPickler.register(Tensor, _reduce_tensor)
    return ForkingPickler


def generate_state(base_seed: int, worker_id: int) -> list[int]:
    """PyTorch's hash of ``(base_seed, worker_id)`` into the four words that seed NumPy."""
    mask = 0xFFFFFFFF
    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    hash_const = [0x43B0D7E5]

    def hash32(value: int) -> int:
        value = (value ^ hash_const[0]) & mask
        hash_const[0] = (hash_const[0] * 0x931E8875) & mask
        value = (value * hash_const[0]) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x: int, y: int) -> int:
        result = ((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)
        result &= mask
        return (result ^ (result >> 16)) & mask

    pool = [hash32(value) for value in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash32(pool[i_src]))
    state, const_b = [], 0x8B51F9DD
    for value in pool:
        value = (value ^ const_b) & mask
        const_b = (const_b * 0x58F38DED) & mask
        value = (value * const_b) & mask
        state.append((value ^ (value >> 16)) & mask)
    return state


def random_states() -> tuple[Any, Any, Any]:
    """This process's random states: Python's ``random``, microtensor's default generator, NumPy.

    NumPy's key becomes an int64 tensor, so that ``microtensor.save`` writes the state.
    """
    name, key, pos, has_gauss, gauss = np.random.get_state(legacy=True)
    numpy_state = (name, Tensor._make(np.asarray(key, np.int64)), pos, has_gauss, gauss)
    return random.getstate(), get_rng_state(), numpy_state


def set_random_states(states: Any) -> None:
    """Put back what ``random_states()`` returned."""
    python_state, generator_state, (name, key, pos, has_gauss, gauss) = states
    version, words, gauss_next = python_state
    random.setstate((version, tuple(words), gauss_next))
    set_rng_state(generator_state)
    key = key._data if isinstance(key, Tensor) else np.asarray(key)
    np.random.set_state((name, key.astype(np.uint32), pos, has_gauss, gauss))


class Fetcher:
    """Fetches one batch (or one sample) from a map-style or iterable dataset.

    ``items`` counts the samples taken from an iterable dataset's stream this epoch.
    """

    def __init__(
        self,
        dataset: Any,
        iterable: bool,
        auto_collation: bool,
        collate_fn: Callable[[Any], Any],
        batch_size: int | None,
        drop_last: bool,
    ) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.stream = iter(dataset) if iterable else None
        self.items = 0

    def skip(self, count: int) -> None:
        """Take ``count`` samples off the stream (a resumed worker's items already yielded)."""
        stream: Any = self.stream
        for _ in range(count):
            if next(stream, _END) is _END:
                break
            self.items += 1

    def fetch(self, index: Any) -> Any:
        """The collated batch for ``index``; raises StopIteration at the end of a stream."""
        if self.stream is not None:
            if not self.auto_collation:
                sample = next(self.stream)
                self.items += 1
                return self.collate_fn(sample)
            batch = list(itertools.islice(self.stream, self.batch_size))
            self.items += len(batch)
            if not batch or (self.drop_last and len(batch) < (self.batch_size or 0)):
                raise StopIteration
            return self.collate_fn(batch)
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        return self.collate_fn(samples)


_END = object()


def start_fetcher(fetcher_args: tuple[Any, ...], resume: dict[str, Any] | None) -> Fetcher:
    """The epoch's fetcher; with ``resume`` (a worker snapshot), as it was at the checkpoint."""
    if resume is not None and resume["epoch_start"] is not None:
        set_random_states(resume["epoch_start"])
    fetcher = Fetcher(*fetcher_args)
    if resume is not None:
        if fetcher.stream is not None:
            fetcher.skip(resume["items"])
        if resume["current"] is not None:
            set_random_states(resume["current"])
    return fetcher


def dumps(obj: Any) -> bytes:
    """``obj`` pickled for the result queue (with the tensor reducer)."""
    return bytes(forking_pickler().dumps(obj))


def _payload(data: Any, where: str) -> bytes:
    """``data`` pickled; an unpicklable exception type or batch becomes a RuntimeError."""
    try:
        return dumps(data)
    except Exception:
        if not isinstance(data, ExceptionWrapper):
            data = ExceptionWrapper(f"{where} (while sending the batch to the main process)")
        data.exc_type = RuntimeError
        return dumps(data)


def worker_loop(
    fetcher_args: tuple[Any, ...],
    index_queue: Any,
    data_queue: Any,
    done_event: Any,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    worker_id: int,
    num_workers: int,
    parent_pid: int,
    resume: dict[str, Any] | None = None,
) -> None:
    """The body of worker process ``worker_id`` (see the module docstring)."""
    global _worker_info
    try:
        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(generate_state(base_seed, worker_id))
        _worker_info = WorkerInfo(worker_id, num_workers, seed, fetcher_args[0])
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = start_fetcher(fetcher_args, resume)
        except Exception:
            init_error = ExceptionWrapper(where)
        ended = False
        while os.getppid() == parent_pid:
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # the main process is shutting down (its None may never arrive)
                continue
            if task is None:
                break
            if isinstance(task, ResumeIteration):
                data_queue.put((ResumeIteration(worker_id), None, dumps(random_states())))
                ended = False
                if init_error is None:
                    fetcher = Fetcher(*fetcher_args)
                continue
            if done_event.is_set() or ended:
                continue
            idx, index = task
            data: Any = init_error
            if init_error is None:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if fetcher.stream is None:  # a map-style dataset raised it: an error
                        data = ExceptionWrapper(where)
                    else:
                        data, ended = IterableDatasetStopIteration(worker_id), True
                except Exception:
                    data = ExceptionWrapper(where)
            items = 0 if init_error is not None else fetcher.items
            data_queue.put((idx, _payload(data, where), dumps((random_states(), items))))
            del data, task, index
    except KeyboardInterrupt:
        pass  # the main process sees the Ctrl-C too, and stops every worker
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
