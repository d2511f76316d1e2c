"""``randomness=`` of ``vmap`` and ``jacfwd``: what a random draw inside the mapped function does.

microtensor's vmap runs the function once per slice, so ``"different"`` is what a loop does
anyway; ``"same"`` rewinds the default generator before each slice, so every slice draws the
same numbers; ``"error"`` raises PyTorch's error if the default generator moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from microtensor import random as _random


def check_randomness_arg(randomness: str) -> None:
    """Raise PyTorch's error for a randomness other than ``error``, ``different``, ``same``."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            "Only allowed values for randomness are 'error', 'different', or 'same'. "
            f"Got {randomness}"
        )


def _state() -> np.ndarray:
    return np.array(_random.get_rng_state().numpy(), copy=True)


@contextmanager
def random_guard(randomness: str) -> Iterator[None]:
    """With ``"error"``, raise after the block if it drew from the default generator."""
    if randomness != "error":
        yield
        return
    before = _state()
    yield
    if not np.array_equal(before, _state()):
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use "
            "the 'same' or 'different' randomness flags on vmap or perform the randomness "
            "operation out of vmap"
        )
