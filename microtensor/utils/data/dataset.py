"""Datasets (``torch.utils.data.Dataset`` and friends) and ``random_split``."""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from microtensor._random_factories import randperm
from microtensor.random import Generator, default_generator
from microtensor.tensor import Tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and usually ``__len__``.

    ``dataset_a + dataset_b`` concatenates them (a ``ConcatDataset``).

    Example:
        >>> from microtensor.utils.data import Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self): return 4
        ...     def __getitem__(self, i): return i * i
        >>> [Squares()[i] for i in range(4)]
        [0, 1, 4, 9]
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream: subclasses define ``__iter__`` (and optionally ``__len__``).

    ``stream_a + stream_b`` chains them (a ``ChainDataset``).

    Example:
        >>> from microtensor.utils.data import IterableDataset
        >>> class Count(IterableDataset):
        ...     def __iter__(self): return iter(range(3))
        >>> list(Count() + Count())
        [0, 1, 2, 0, 1, 2]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset[T_co]) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are ``(t[i] for t in tensors)``: tensors indexed along their first dim.

    A ``DataLoader`` over a ``TensorDataset`` (or a ``Subset`` of one) with the default collation
    builds each batch with one indexing per tensor, never sample by sample.

    Args:
        *tensors: tensors with the same first dimension.

    Raises:
        TypeError: if an argument is not a Tensor.
        ValueError: if the first dimensions differ. Differs from PyTorch: PyTorch raises
            ``AssertionError("Size mismatch between tensors")``, which ``python -O`` removes.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data import TensorDataset
        >>> ds = TensorDataset(mt.arange(6.0).reshape(3, 2), mt.tensor([0, 1, 0]))
        >>> len(ds), ds[1]
        (3, (tensor([2., 3.]), tensor(1)))
    """

    def __init__(self, *tensors: Tensor) -> None:
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset(): argument {i} is a {type(t).__name__}, expected a Tensor: "
                    "wrap arrays with microtensor.as_tensor"
                )
            if t.ndim == 0:
                raise ValueError(f"TensorDataset(): argument {i} is 0-d; it needs a first dim")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"Size mismatch between tensors: first dims are {sizes}; every tensor of a "
                "TensorDataset must have the same size along dim 0"
            )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example:
        >>> from microtensor.utils.data import Subset
        >>> s = Subset(["a", "b", "c", "d"], [3, 0])
        >>> len(s), s[0], s[1]
        (2, 'd', 'a')
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices`` (used by ``DataLoader`` to fetch a batch at once)."""
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])  # type: ignore[no-any-return]
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T_co]):
    """Map-style datasets one after the other.

    Raises:
        ValueError: for an empty list of datasets.
        TypeError: if one of them is an ``IterableDataset`` (use ``ChainDataset``).

    Example:
        >>> from microtensor.utils.data import ConcatDataset
        >>> c = ConcatDataset([[1, 2], [3]])
        >>> len(c), c[2], c[-3], c.cumulative_sizes
        (3, 3, 1, [2, 3])
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset(): datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError(
                    "ConcatDataset does not support IterableDataset: chain streams with "
                    "ChainDataset"
                )
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, idx: int) -> T_co:
        n = len(self)
        if idx < -n:
            raise ValueError(
                f"absolute value of index should not exceed dataset length (index {idx}, "
                f"length {n})"
            )
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length {n}")
        if idx < 0:
            idx += n
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]  # type: ignore[no-any-return]


class ChainDataset(IterableDataset[Any]):
    """Iterable datasets one after the other.

    Example:
        >>> from microtensor.utils.data import ChainDataset
        >>> list(ChainDataset([range(2), range(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class StackDataset(Dataset[Any]):
    """Datasets of the same length side by side: sample ``i`` is a tuple (or dict) of theirs.

    Args:
        *args: datasets whose samples form a tuple.
        **kwargs: datasets whose samples form a dict under these keys (not both forms).

    Raises:
        ValueError: for no datasets, both forms at once, or datasets of different lengths.

    Example:
        >>> from microtensor.utils.data import StackDataset
        >>> pairs = StackDataset(["a", "b"], [1, 2])
        >>> len(pairs), pairs[1], StackDataset(text=["a", "b"], label=[1, 2])[0]
        (2, ('b', 2), {'text': 'a', 'label': 1})
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
            )
        datasets = list(args) or list(kwargs.values())
        if not datasets:
            raise ValueError("At least one dataset should be passed")
        lengths = [len(d) for d in datasets]
        if len(set(lengths)) > 1:
            raise ValueError(f"Size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]
        self.datasets: tuple[Any, ...] | dict[str, Any] = args if args else kwargs

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices``, using each dataset's own ``__getitems__`` if it has one."""
        named = isinstance(self.datasets, dict)
        items = self.datasets.items() if named else enumerate(self.datasets)  # type: ignore[union-attr]
        columns = {}
        for key, d in items:
            getitems = getattr(d, "__getitems__", None)
            values = getitems(indices) if callable(getitems) else [d[i] for i in indices]
            if len(values) != len(indices):
                raise ValueError(
                    "Nested dataset's output size mismatch. Expected "
                    f"{len(indices)}, got {len(values)}"
                )
            columns[key] = values
        if named:
            return [{key: v[i] for key, v in columns.items()} for i in range(len(indices))]
        return [tuple(v[i] for v in columns.values()) for i in range(len(indices))]

    def __len__(self) -> int:
        return self._length


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: Generator | None = default_generator,
) -> list[Subset[Any]]:
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given lengths.

    ``lengths`` are sizes summing to ``len(dataset)``, or fractions summing to 1: then each split
    gets ``floor(frac * len(dataset))`` samples and the remainder is dealt out one by one,
    round-robin from the first split (PyTorch's rule). The split is torch's after the same seed
    (one ``randperm(len(dataset), generator=generator)``).

    Args:
        dataset: a map-style dataset (anything with ``len``).
        lengths: sizes or fractions of the splits.
        generator: the random source; seed it for a reproducible split.

    Returns:
        One ``Subset`` per length.

    Raises:
        ValueError: if a fraction is outside [0, 1] or the lengths do not add up.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data import random_split
        >>> a, b = random_split(range(10), [0.7, 0.3], generator=mt.Generator().manual_seed(0))
        >>> len(a), len(b), sorted(list(a) + list(b)) == list(range(10))
        (7, 3, True)
    """
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
    else:
        sizes = [int(x) for x in lengths]
        if any(s != x or s < 0 for s, x in zip(sizes, lengths, strict=True)):
            raise ValueError(
                f"random_split(): lengths must be non-negative ints or fractions summing to 1, "
                f"got {list(lengths)}"
            )
    if sum(sizes) != n:
        raise ValueError(
            "Sum of input lengths does not equal the length of the input dataset! "
            f"(lengths {list(lengths)} sum to {total}, the dataset has {n} samples)"
        )
    indices = randperm(n, generator=generator).tolist()
    splits: list[Subset[Any]] = []
    start = 0
    for size in sizes:
        splits.append(Subset(dataset, indices[start : start + size]))
        start += size
    return splits
