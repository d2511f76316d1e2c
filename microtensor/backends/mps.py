"""``microtensor.backends.mps``: Apple's Metal backend is not part of microtensor."""

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Return False: microtensor computes on the CPU."""
    return False


def is_built() -> bool:
    """Return False: microtensor has no MPS backend."""
    return False
