"""The iterator of ``DataLoader(num_workers=0)``, which knows where it is for ``state_dict()``.

An epoch's sample order is a function of the random state the sampler draws from when the
epoch's first batch is asked for. So the iterator keeps, for a checkpoint, that state (of every
generator the loader or its sampler can draw from) and how many batches it has yielded. To
resume, ``DataLoader.load_state_dict`` hands those to the next iterator, which puts the epoch's
states back, lets the sampler draw the same order, skips the batches already yielded (without
loading their samples, except for an ``IterableDataset``, whose stream has no other way to be
skipped), and then puts the generators back as they were before the replay: the default
generator as the caller left it (with ``set_rng_state``, so that dropout and every other draw go
on identically), and a loader's or sampler's own generator as it was at the checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from microtensor import random as _random
from microtensor.random import Generator

__all__ = [
    "EpochProgress",
    "SingleProcessIter",
    "check_generator_count",
    "generator_states",
    "loader_generators",
    "set_generator_states",
]


def loader_generators(loader: Any) -> list[Generator]:
    """The generators an epoch of ``loader`` may draw from; the default generator first."""
    candidates = [_random.default_generator, loader.generator]
    for source in (loader.sampler, loader.batch_sampler):
        candidates.append(getattr(source, "generator", None))
        candidates.append(getattr(getattr(source, "sampler", None), "generator", None))
    generators: list[Generator] = []
    for generator in candidates:
        if isinstance(generator, Generator) and all(generator is not g for g in generators):
            generators.append(generator)
    return generators


def generator_states(generators: list[Generator]) -> list[Any]:
    return [generator.get_state() for generator in generators]


def check_generator_count(generators: list[Generator], states: list[Any] | None) -> None:
    if states is not None and len(states) != len(generators):
        raise ValueError(
            f"DataLoader.load_state_dict(): the state holds {len(states)} generator states but "
            f"this loader draws from {len(generators)} generators; load it into a DataLoader "
            "built with the same sampler and generator options"
        )


def set_generator_states(generators: list[Generator], states: list[Any]) -> None:
    for generator, state in zip(generators, states, strict=True):
        generator.set_state(state)


class EpochProgress:
    """How far an epoch is, and the random states that regenerate its order.

    The iterator updates it and the loader keeps it (not the iterator, which refers to the
    loader: no reference cycle), so that ``state_dict()`` works after the loop has ended too.
    """

    def __init__(self, generators: list[Generator]) -> None:
        self.generators = generators
        self.num_yielded = 0
        self.finished = False
        self.epoch_states: list[Any] | None = None

    def state_dict(self) -> dict[str, Any]:
        """Batches yielded, whether the epoch ended, and the random states."""
        return {
            "_num_yielded": self.num_yielded,
            "_iterator_finished": self.finished,
            "_epoch_generator_states": self.epoch_states,
            "_generator_states": generator_states(self.generators),
        }


class SingleProcessIter:
    """One epoch of a ``DataLoader`` loaded in the main process; see the module docstring."""

    def __init__(self, loader: Any, resume: dict[str, Any] | None = None) -> None:
        self._loader = loader
        self._generators = loader_generators(loader)
        self._source = loader._epoch_source()
        self._batches: Iterator[Any] | None = None
        self.progress = EpochProgress(self._generators)
        if resume is not None:
            check_generator_count(self._generators, resume["_generator_states"])
            check_generator_count(self._generators, resume["_epoch_generator_states"])
            # the loader's and sampler's own generators go back to their checkpoint states
            set_generator_states(self._generators[1:], resume["_generator_states"][1:])
        if resume is None or resume["_iterator_finished"] or not resume["_started"]:
            loader._draw_base_seed()
        elif resume["_epoch_generator_states"] is not None:
            self._replay(resume)

    def _replay(self, resume: dict[str, Any]) -> None:
        """Regenerate the checkpointed epoch's order and skip the batches already yielded."""
        before = generator_states(self._generators)
        set_generator_states(self._generators, resume["_epoch_generator_states"])
        self.progress.epoch_states = resume["_epoch_generator_states"]
        self._batches = self._loader._epoch_batches(self._source)
        for _ in range(resume["_num_yielded"]):
            if next(self._batches, _END) is _END:
                break
            self.progress.num_yielded += 1
        # the default generator stays as the caller left it; the others as at the checkpoint
        set_generator_states(self._generators[:1], before[:1])
        set_generator_states(self._generators[1:], resume["_generator_states"][1:])

    def __iter__(self) -> SingleProcessIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        progress = self.progress
        if progress.finished:
            raise StopIteration
        if self._batches is None:
            progress.epoch_states = generator_states(self._generators)
            self._batches = self._loader._epoch_batches(self._source)
        item = next(self._batches, _END)
        if item is _END:
            progress.finished, self._batches, self._source = True, None, None
            raise StopIteration
        batch = self._loader._load_batch(item, self._source)
        progress.num_yielded += 1
        return batch


_END = object()
