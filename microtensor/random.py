"""Random number generation: ``Generator``, ``manual_seed`` and the default generator.

Differs from PyTorch: the streams come from NumPy's PCG64, so the same seed gives different
numbers than in PyTorch (but the same numbers in every microtensor run).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Generator:
    """A source of random numbers, as ``torch.Generator``; pass it as ``generator=``.

    Args:
        device: accepted for compatibility; only ``"cpu"``.

    Example:
        >>> import microtensor as mt
        >>> g = mt.Generator().manual_seed(0)
        >>> a = mt.rand(2, generator=g)
        >>> b = mt.rand(2, generator=g.manual_seed(0))
        >>> bool((a == b).all())
        True
    """

    def __init__(self, device: Any = "cpu") -> None:
        self._seed = 67280421310721
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream to ``seed``; returns self."""
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        entropy = np.random.SeedSequence().entropy
        self._seed = int(entropy) % (2**63)  # type: ignore[arg-type]
        self.rng = np.random.default_rng(self._seed)
        return self._seed

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The generator state (a dict), for ``set_state``."""
        return dict(self.rng.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Restore a state from ``get_state``; returns self."""
        self.rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, making every random factory reproducible.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0); a = mt.randn(3)
        >>> _ = mt.manual_seed(0); b = mt.randn(3)
        >>> bool((a == b).all())
        True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state() -> dict[str, Any]:
    """The default generator's state."""
    return default_generator.get_state()


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(state)


def rng_of(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the default one when None)."""
    return (generator or default_generator).rng
