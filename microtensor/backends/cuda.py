"""``microtensor.backends.cuda``: microtensor is not built with CUDA."""

__all__ = ["is_built"]


def is_built() -> bool:
    """Return False: microtensor has no CUDA backend (it computes on the CPU with NumPy)."""
    return False
