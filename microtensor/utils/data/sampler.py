"""Samplers: which dataset indices a ``DataLoader`` visits, and in what order.

Every built-in sampler can hand over a whole epoch of indices as one NumPy array
(``_index_array``), so that ``BatchSampler`` and the ``DataLoader`` fast path slice batches out of
it instead of collecting Python ints one by one.

The random samplers draw exactly what PyTorch's draw (``randperm``, ``randint`` in chunks of
32, ``multinomial``, and a fresh seed from the default generator when none is given), so after
the same ``manual_seed`` a ``DataLoader(shuffle=True)`` visits torch's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from microtensor._random_factories import randint, randperm
from microtensor.ops.random_sampling import multinomial
from microtensor.random import Generator
from microtensor.tensor import Tensor

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: an iterable over dataset indices (or batches of them).

    Subclasses implement ``__iter__`` and, where the length is known, ``__len__``.
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class _ArraySampler(Sampler[int]):
    """A sampler whose epoch is one index array; ``__iter__`` yields its items as ints."""

    def _index_array(self) -> np.ndarray:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())


class SequentialSampler(_ArraySampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Example:
        >>> from microtensor.utils.data.sampler import SequentialSampler
        >>> list(SequentialSampler(range(4)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_ArraySampler):
    """Indices in random order: a fresh permutation each epoch, or draws with replacement.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw ``num_samples`` indices with replacement instead of permuting.
        num_samples: how many indices per epoch (default ``len(data_source)``); without
            replacement, more than the length repeats whole permutations, as PyTorch does.
        generator: the random source; the default generator (``manual_seed``) when None.

    Raises:
        TypeError: if ``replacement`` is not a bool.
        ValueError: if ``num_samples`` is not a positive int.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data.sampler import RandomSampler
        >>> sorted(RandomSampler(range(5), generator=mt.Generator().manual_seed(0)))
        [0, 1, 2, 3, 4]
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        """Indices per epoch."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self) -> np.ndarray:
        n = len(self.data_source)
        generator = self.generator
        if generator is None:  # torch: a new generator per epoch, seeded from the default one
            seed = int(Tensor._make(np.empty((), np.int64)).random_().item())
            generator = Generator().manual_seed(seed)
        if self.replacement:
            rounds, rest = divmod(self.num_samples, 32)
            sizes = [32] * rounds + [rest]
            parts = [randint(0, n, (size,), generator=generator)._data for size in sizes]
        else:
            rounds, rest = divmod(self.num_samples, n)
            parts = [randperm(n, generator=generator)._data for _ in range(rounds)]
            parts.append(randperm(n, generator=generator)._data[:rest])  # drawn even if rest == 0
        return np.concatenate(parts).astype(np.int64, copy=False)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(_ArraySampler):
    """The given indices, in a fresh random order each epoch.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data.sampler import SubsetRandomSampler
        >>> sorted(SubsetRandomSampler([7, 3, 5], generator=mt.Generator().manual_seed(0)))
        [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        indices = np.asarray(self.indices, dtype=np.int64)
        return indices[randperm(len(indices), generator=self.generator)._data]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_ArraySampler):
    """Indices ``0 .. len(weights) - 1`` drawn with probability proportional to ``weights``.

    Args:
        weights: non-negative weights, one per index (need not sum to 1).
        num_samples: how many indices per epoch.
        replacement: draw with replacement (without it, ``num_samples <= len(weights)``).
        generator: the random source; the default generator when None.

    Raises:
        ValueError: for a non-positive ``num_samples``, a non-bool ``replacement``, or weights
            that are not a 1-D sequence. As in PyTorch, weights that ``multinomial`` rejects
            (negative, all zero, fewer than ``num_samples`` without replacement) raise its
            ``RuntimeError`` when the sampler is iterated.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data.sampler import WeightedRandomSampler
        >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3, generator=mt.Generator()))
        [1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float] | Tensor,
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        array = np.asarray(weights._data if isinstance(weights, Tensor) else weights, np.float64)
        if array.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(array.shape)}"
            )
        self.weights = Tensor._make(array)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        draws = multinomial(
            self.weights, self.num_samples, self.replacement, generator=self.generator
        )
        return draws._data

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: indices per batch.
        drop_last: drop the last batch if it is smaller than ``batch_size``.

    Raises:
        ValueError: if ``batch_size`` is not a positive int or ``drop_last`` not a bool.

    Example:
        >>> from microtensor.utils.data.sampler import BatchSampler, SequentialSampler
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _batch_arrays(self) -> Iterator[np.ndarray]:
        """The batches as index arrays; only for samplers that provide ``_index_array``."""
        indices = self.sampler._index_array()  # type: ignore[attr-defined]
        stop = len(indices) - len(indices) % self.batch_size if self.drop_last else len(indices)
        for start in range(0, stop, self.batch_size):
            yield indices[start : start + self.batch_size]

    def __iter__(self) -> Iterator[list[int]]:
        if isinstance(self.sampler, _ArraySampler):
            for indices in self._batch_arrays():
                yield indices.tolist()
            return
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
