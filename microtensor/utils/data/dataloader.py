"""``DataLoader``: batches from a dataset, with PyTorch's default collation."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.creation import as_tensor, tensor
from microtensor.ops import stack
from microtensor.random import Generator
from microtensor.tensor import Tensor
from microtensor.utils.data.dataset import IterableDataset, Subset, TensorDataset
from microtensor.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    _ArraySampler,
)

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _is_numeric_numpy(x: Any) -> bool:
    return isinstance(x, np.ndarray | np.generic) and x.dtype.kind in "biuf"


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and NumPy arrays are stacked along a new first dim; Python floats become a float64
    tensor, ints an int64 tensor (bools a bool tensor); strings stay a list; dicts, namedtuples,
    tuples and lists are collated field by field (a tuple gives a list, as in PyTorch).

    Raises:
        RuntimeError: if the samples' sequences differ in length, or tensors in shape.
        TypeError: for an element of another type (or a NumPy array of strings/objects).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data import default_collate
        >>> default_collate([(mt.tensor([1.0, 2.0]), 0), (mt.tensor([3.0, 4.0]), 1)])
        [tensor([[1., 2.],
                [3., 4.]]), tensor([0, 1])]
        >>> default_collate([{"x": 0.5}, {"x": 1.5}])
        {'x': tensor([0.5000, 1.5000], dtype=microtensor.float64)}
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, np.ndarray | np.generic) and not isinstance(elem, str | bytes):
        if not _is_numeric_numpy(elem):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return as_tensor(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, float):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        fields = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        return _rebuild(type(elem), fields, mapping=True)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(s)) for s in zip(*batch, strict=True)]
        return columns if isinstance(elem, tuple) else _rebuild(type(elem), columns)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays in ``data`` into tensors, leaving other values alone.

    The collation used when batching is off (``batch_size=None``); tuples become lists, as in
    PyTorch.

    Example:
        >>> import numpy as np
        >>> from microtensor.utils.data import default_convert
        >>> default_convert((np.array([1, 2]), 3))
        [tensor([1, 2]), 3]
    """
    if _is_numeric_numpy(data):
        return as_tensor(data)
    if isinstance(data, Mapping):
        return _rebuild(type(data), {k: default_convert(v) for k, v in data.items()}, True)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return _rebuild(type(data), [default_convert(d) for d in data])
    return data


def _rebuild(kind: type, values: Any, mapping: bool = False) -> Any:
    """``kind(values)`` when that works (OrderedDict, list subclasses), else the plain value."""
    if kind is (dict if mapping else list):
        return values
    try:
        return kind(values)
    except TypeError:
        return values


def get_worker_info() -> None:
    """None: microtensor loads every batch in the main process (see ``DataLoader``)."""
    return None


class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__getitem__`` + ``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch; None turns batching off (samples come one by one,
            converted by ``default_convert``).
        shuffle: visit the samples in a new random order every epoch.
        sampler: the order of indices (instead of ``shuffle``).
        batch_sampler: yields lists of indices (instead of batch_size/shuffle/sampler/drop_last).
        num_workers: accepted; Differs from PyTorch: every batch is loaded in the main process
            (no worker processes, ``worker_init_fn`` is not called, ``get_worker_info()`` is
            None), so ``num_workers > 0`` changes nothing.
        collate_fn: merges a list of samples into a batch (default ``default_collate``).
        pin_memory: accepted for compatibility (CPU only: no effect).
        drop_last: drop the last batch if it has fewer than ``batch_size`` samples.
        timeout: accepted for compatibility (must be non-negative).
        worker_init_fn: accepted for compatibility (never called, see ``num_workers``).
        generator: the random source of ``shuffle``; the default generator when None.

    A ``TensorDataset`` (or a ``Subset`` of one) with the default collation takes a fast path:
    each batch is one fancy-indexing of each whole tensor, with no per-sample Python objects.

    Raises:
        ValueError: for contradictory or invalid options, with PyTorch's messages.

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
        if self._iterable:
            return self._iter_stream()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)  # type: ignore[union-attr]
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is not None:
            return self._iter_fast(*source)
        return (self.collate_fn(self._fetch(batch)) for batch in self.batch_sampler)  # type: ignore[union-attr]

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

    def _iter_fast(self, arrays: list[np.ndarray], index_map: np.ndarray | None) -> Iterator[Any]:
        """Batches of a tensor-backed dataset, each one fancy-indexing per tensor."""
        size = len(self.dataset)
        if isinstance(self.batch_sampler, BatchSampler) and isinstance(
            self.batch_sampler.sampler, _ArraySampler
        ):
            batches: Iterable[Any] = self.batch_sampler._batch_arrays()
        else:
            batches = self.batch_sampler  # type: ignore[assignment]
        for batch in batches:
            idx = np.asarray(batch)
            if idx.dtype.kind not in "iu" or idx.ndim != 1:
                yield default_collate(self._fetch(batch))
                continue
            if idx.size and not (-size <= idx.min() and idx.max() < size):
                bad = idx[(idx < -size) | (idx >= size)][0]
                raise IndexError(
                    f"DataLoader: index {bad} is out of range for a dataset of {size} samples"
                )
            if index_map is not None:
                idx = index_map[idx]
            yield [Tensor._make(a[idx]) for a in arrays]


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
