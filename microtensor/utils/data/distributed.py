"""``DistributedSampler``: each of ``num_replicas`` processes gets its own share of a dataset."""

from __future__ import annotations

import math
from collections.abc import Sized

import numpy as np

from microtensor._random_factories import randperm
from microtensor.random import Generator
from microtensor.utils.data.sampler import _ArraySampler

__all__ = ["DistributedSampler"]


class DistributedSampler(_ArraySampler):
    """The indices for replica ``rank`` of ``num_replicas``, as ``torch.utils.data``'s.

    Every epoch all replicas permute the indices the same way, with PyTorch's draw
    (``randperm(n, generator=g)`` for a new ``Generator`` seeded with ``seed + epoch``: call
    ``set_epoch`` at the start of each epoch), so each share equals PyTorch's; they pad the
    list by repeating its start until it divides evenly (or, with ``drop_last``, cut the
    tail), and replica ``rank`` takes every ``num_replicas``-th index from position ``rank``.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: the number of processes. Differs from PyTorch: there is no distributed
            process group to ask, so it must be given.
        rank: this process's index in ``[0, num_replicas)``; must be given too.
        shuffle: permute the indices each epoch.
        seed: the permutation's seed, the same in every replica.
        drop_last: drop the tail instead of padding, so every replica gets the same number.

    Raises:
        RuntimeError: if ``num_replicas`` or ``rank`` is missing.
        ValueError: if ``rank`` is outside ``[0, num_replicas)``.

    Example:
        >>> from microtensor.utils.data import DistributedSampler
        >>> ranks = [DistributedSampler(range(5), 2, r, shuffle=False) for r in range(2)]
        >>> [list(s) for s in ranks]
        [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            raise RuntimeError(
                "DistributedSampler: microtensor has no distributed process group to read the "
                "world size and rank from; pass num_replicas= and rank= explicitly"
            )
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _index_array(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            # torch's draw, so every replica's share equals torch's: randperm from a fresh
            # Generator seeded with seed + epoch
            generator = Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=generator)._data
        else:
            indices = np.arange(n)
        if self.drop_last:
            indices = indices[: self.total_size]
        elif self.total_size > n:
            indices = np.resize(indices, self.total_size)  # repeats from the start
        return indices[self.rank : self.total_size : self.num_replicas]

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` for the next permutation (same in every replica)."""
        self.epoch = epoch
