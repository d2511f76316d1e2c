"""``DataLoader``: batches from a dataset, with PyTorch's default collation."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from microtensor.random import Generator
from microtensor.tensor import Tensor
from microtensor.utils.data._multiprocessing_iter import MultiProcessingIter, base_seed
from microtensor.utils.data._multiprocessing_state import WORKER_STATE_KEYS, check_worker_state
from microtensor.utils.data._single_process_iter import (
    EpochProgress,
    SingleProcessIter,
    loader_generators,
)
from microtensor.utils.data.collate import default_collate, default_convert
from microtensor.utils.data.dataset import IterableDataset, Subset, TensorDataset
from microtensor.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    _ArraySampler,
)

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__getitem__`` + ``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch; None turns batching off (samples come one by one,
            converted by ``default_convert``).
        shuffle: visit the samples in a new random order every epoch.
        sampler: the order of indices (instead of ``shuffle``).
        batch_sampler: yields lists of indices (instead of batch_size/shuffle/sampler/drop_last).
        num_workers: how many worker processes load batches (0: the main process does). The
            batches and their order are the same whatever the number; see below.
        collate_fn: merges a list of samples into a batch (default ``default_collate``).
        pin_memory: accepted for compatibility (CPU only: no effect); as torch on a machine
            without an accelerator, each ``iter(loader)`` warns that it is not used.
        drop_last: drop the last batch if it has fewer than ``batch_size`` samples.
        timeout: seconds to wait for a batch from the workers before a ``RuntimeError``
            (0: wait as long as it takes).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after seeding
            and before loading.
        multiprocessing_context: a start method name (``"fork"``, ``"spawn"``,
            ``"forkserver"``) or context; the platform's default when None.
        generator: the random source of ``shuffle`` and of the workers' base seed; the default
            generator when None.
        prefetch_factor: batches each worker loads ahead (default 2 with workers).
        persistent_workers: keep the workers (and their dataset copies) between epochs.
        pin_memory_device: accepted for compatibility.
        in_order: yield batches in sampler order; False yields each as soon as it is ready.

    With ``num_workers > 0``, every epoch starts worker processes, as PyTorch does: each has its
    own copy of the dataset and its own seed, ``base_seed + worker_id`` (``base_seed`` is drawn
    from ``generator``), which seeds Python's ``random``, microtensor's default generator and
    NumPy's global state (PyTorch's scheme), and which ``get_worker_info()`` reports there. An
    ``IterableDataset`` should use ``get_worker_info()`` to split its stream between workers.
    An exception in a worker is re-raised in the main process, with the worker's traceback in
    its message; Ctrl-C, the end of the epoch and garbage collection of the iterator stop the
    workers.

    ``state_dict()`` / ``load_state_dict()`` (torchdata's ``StatefulDataLoader`` methods)
    checkpoint the position in the epoch, with or without workers, so that a run resumed in a
    new process continues with the same batches (and the same random draws in the workers).

    Without workers, a ``TensorDataset`` (or a ``Subset`` of one) with the default collation
    takes a fast path: each batch is one fancy-indexing of each whole tensor, with no
    per-sample Python objects.

    Raises:
        ValueError: for contradictory or invalid options, with PyTorch's messages.
        RuntimeError: while iterating with workers, if ``timeout`` passes without a batch or a
            worker dies without reporting an error (the message names its pid).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(mt.arange(10.0).reshape(5, 2), mt.arange(5))
        >>> loader = DataLoader(ds, batch_size=2)
        >>> len(loader), [y.tolist() for _, y in loader]
        (3, [[0, 1], [2, 3], [4]])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[Any] | Iterable[Any] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                f"(num_workers > 0), but got num_workers={num_workers}"
            )
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.generator = generator
        self._iterator: MultiProcessingIter | None = None
        self._progress: EpochProgress | None = None
        self._resume_state: dict[str, Any] | None = None
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        if sampler is None and not self._iterable:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self._auto_collation = auto_collation
        self.collate_fn = collate_fn or (default_collate if auto_collation else default_convert)

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is None:
                return length
            if self.drop_last:
                return length // self.batch_size
            return math.ceil(length / self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        if self.pin_memory:
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, then device "
                "pinned memory won't be used.",
                UserWarning,
                stacklevel=2,
            )
        resume, self._resume_state = self._resume_state, None
        if self.num_workers == 0:
            iterator: Any = SingleProcessIter(self, resume)
        elif not self.persistent_workers:
            iterator = MultiProcessingIter(self, resume)
        elif self._iterator is None or resume is not None:
            if self._iterator is not None:
                self._iterator.shutdown()  # a loaded state starts its own workers
            iterator = self._iterator = MultiProcessingIter(self, resume)
        else:
            iterator = self._iterator.reset(self)
        self._progress = iterator.progress
        return iterator  # type: ignore[no-any-return]

    def state_dict(self) -> dict[str, Any]:
        """Where the last iterator is, so that ``load_state_dict`` can resume it (torchdata's API).

        The state (``torchdata.stateful_dataloader.StatefulDataLoader``'s methods) holds the
        number of batches the last ``iter(loader)`` has yielded, whether it finished, and the
        random states that regenerate its epoch's order: those of the default generator and of
        the loader's or sampler's own ``generator``, taken when the epoch's order was drawn, and
        those of the loader's or sampler's own generators now. Save it with
        ``mt.get_rng_state()`` (the default generator, which also drives dropout) and the
        model's and optimizer's state dicts; ``microtensor.train.fit`` does all of this.

        With ``num_workers > 0`` it also holds the workers' base seed and, per worker
        (``"_worker_snapshots"``), the random states (Python's ``random``, the default
        generator, NumPy's) after its last batch that was yielded, those its epoch started
        from, and the number of items its ``IterableDataset`` stream has yielded; and the
        schedule of the batches in flight. So the rest of the epoch is the same batches in the
        same order, random augmentation in the workers included, with or without
        ``persistent_workers``, whatever ``prefetch_factor``.

        Returns:
            A dict of Python values and tensors, which ``microtensor.save`` writes.

        Raises:
            NotImplementedError: with ``num_workers > 0`` and ``in_order=False`` (the batches
                come in the order the workers finish them, which no state can replay).

        Example:
            >>> import microtensor as mt
            >>> from microtensor.utils.data import DataLoader
            >>> _ = mt.manual_seed(0)
            >>> loader = DataLoader(list(range(6)), batch_size=2, shuffle=True)
            >>> it = iter(loader); first = next(it)
            >>> state = loader.state_dict()
            >>> rest = [b.tolist() for b in it]
            >>> resumed = DataLoader(list(range(6)), batch_size=2, shuffle=True)
            >>> resumed.load_state_dict(state)
            >>> [b.tolist() for b in resumed] == rest
            True
        """
        self._check_stateful("state_dict")
        if self._resume_state is not None:
            return dict(self._resume_state)
        if self._progress is None:
            generators = loader_generators(self)
            return {
                "_started": False,
                "_num_yielded": 0,
                "_iterator_finished": False,
                "_epoch_generator_states": None,
                "_generator_states": [g.get_state() for g in generators],
            }
        return {"_started": True, **self._progress.state_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Make the next ``iter(loader)`` continue where the saved one was (see ``state_dict``).

        The next iterator regenerates the saved epoch's order, skips the batches already
        yielded (their samples are not loaded, except from an ``IterableDataset``, whose stream
        is fast-forwarded), then leaves the default generator as it found it (restore it first
        with ``mt.set_rng_state``) and puts the loader's or sampler's own generators back as
        they were at the checkpoint. With workers, it starts them with the saved base seed, each
        from its snapshot, and asks them again for the batches that were in flight (persistent
        workers already running are replaced). A state saved at the end of an epoch, or before
        the first ``iter``, starts a new epoch. Exact for the built-in samplers, which draw an
        epoch's order at once; a custom sampler must draw only from the default generator or
        its own ``generator`` attribute.

        Args:
            state_dict: a dict from ``state_dict()`` of a DataLoader built with the same
                dataset, sampler, generator and worker options.

        Raises:
            NotImplementedError: with ``num_workers > 0`` and ``in_order=False``.
            ValueError: for a dict that is not such a state, or a state saved mid-epoch by a
                loader with another ``num_workers``.
        """
        self._check_stateful("load_state_dict")
        missing = sorted(set(_STATE_KEYS) - set(state_dict))
        if missing:
            raise ValueError(
                f"DataLoader.load_state_dict(): missing keys {missing}; pass the dict returned "
                "by DataLoader.state_dict()"
            )
        if state_dict["_started"] and not state_dict["_iterator_finished"]:
            check_worker_state(self.num_workers, state_dict)
        keys = [*_STATE_KEYS, *(WORKER_STATE_KEYS if self.num_workers else ())]
        self._resume_state = {key: state_dict[key] for key in keys if key in state_dict}

    def _check_stateful(self, method: str) -> None:
        if self.num_workers > 0 and not self.in_order:
            raise NotImplementedError(
                f"DataLoader.{method}(): a loader with num_workers={self.num_workers} and "
                "in_order=False yields batches in the order its workers finish them, which a "
                "resumed loader cannot replay; use in_order=True (the default) to checkpoint it"
            )

    def _draw_base_seed(self) -> None:
        base_seed(self)  # drawn as with workers, so that shuffling gives the same order

    def _epoch_source(self) -> tuple[list[np.ndarray], np.ndarray | None] | None:
        """The arrays of the tensor fast path for this epoch, or None for the general path."""
        if self._iterable or not self._auto_collation or self.collate_fn is not default_collate:
            return None
        return _tensor_source(self.dataset)

    def _epoch_batches(self, source: Any) -> Iterator[Any]:
        """What the epoch's batches are made of, in order.

        Index lists (index arrays on the fast path), single indices without auto-collation,
        or the collated batches of an IterableDataset.
        """
        if self._iterable:
            return self._iter_stream()
        if not self._auto_collation:
            return iter(self.sampler)  # type: ignore[arg-type]
        fast_slices = (
            source is not None
            and isinstance(self.batch_sampler, BatchSampler)
            and isinstance(self.batch_sampler.sampler, _ArraySampler)
        )
        if fast_slices:
            return self.batch_sampler._batch_arrays()  # type: ignore[union-attr]
        return iter(self.batch_sampler)  # type: ignore[arg-type]

    def _load_batch(self, item: Any, source: Any) -> Any:
        """The batch made of ``item`` (one element of ``_epoch_batches``)."""
        if self._iterable:
            return item
        if not self._auto_collation:
            return self.collate_fn(self.dataset[item])
        if source is not None:
            return self._fetch_fast(item, *source)
        return self.collate_fn(self._fetch(item))

    def _fetch(self, indices: list[int]) -> list[Any]:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(indices)  # type: ignore[no-any-return]
        return [self.dataset[i] for i in indices]

    def _iter_stream(self) -> Iterator[Any]:
        stream = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(sample) for sample in stream)
            return
        while batch := list(itertools.islice(stream, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn(batch)

    def _fetch_fast(
        self, batch: Any, arrays: list[np.ndarray], index_map: np.ndarray | None
    ) -> Any:
        """One batch of a tensor-backed dataset: one fancy-indexing per tensor."""
        size = len(self.dataset)
        idx = np.asarray(batch)
        if idx.dtype.kind not in "iu" or idx.ndim != 1:
            return default_collate(self._fetch(batch))
        if idx.size and not (-size <= idx.min() and idx.max() < size):
            bad = idx[(idx < -size) | (idx >= size)][0]
            raise IndexError(
                f"DataLoader: index {bad} is out of range for a dataset of {size} samples"
            )
        if index_map is not None:
            idx = index_map[idx]
        return [Tensor._make(a[idx]) for a in arrays]


_STATE_KEYS = (
    "_started",
    "_num_yielded",
    "_iterator_finished",
    "_epoch_generator_states",
    "_generator_states",
)


def _tensor_source(dataset: Any) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """The arrays behind a TensorDataset, or a chain of Subsets of one, and the index map.

    None when the dataset is anything else (or a tensor requires grad: stacking then records
    a graph, which the fast path would skip).
    """
    index_map = None
    while getattr(type(dataset), "__getitem__", None) is Subset.__getitem__:
        indices = np.asarray(dataset.indices)
        if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
            return None
        indices = indices.astype(np.int64)
        index_map = indices if index_map is None else indices[index_map]
        dataset = dataset.dataset
    if getattr(type(dataset), "__getitem__", None) is not TensorDataset.__getitem__:
        return None
    if not dataset.tensors:
        return None
    if any(t._requires_grad for t in dataset.tensors):
        return None
    size = len(dataset)
    if index_map is not None and index_map.size:
        if index_map.min() < -size or index_map.max() >= size:
            raise IndexError(
                f"DataLoader: a Subset index is out of range for a TensorDataset of {size} samples"
            )
    return [t._data for t in dataset.tensors], index_map


def _check_worker_options(
    num_workers: int, timeout: float, prefetch_factor: int | None, persistent_workers: bool
) -> None:
    if num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable "
            "multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing.let num_workers "
            "> 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _check_iterable_options(shuffle: Any, sampler: Any, batch_sampler: Any) -> None:
    for name, value in (("shuffle", shuffle), ("sampler", sampler)):
        if value not in (None, False):
            raise ValueError(
                f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                f"{name}={value}"
            )
    if batch_sampler is not None:
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
            f"got batch_sampler={batch_sampler}"
        )
