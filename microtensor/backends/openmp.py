"""``microtensor.backends.openmp``: whether PyTorch's OpenMP threading is built in."""

__all__ = ["is_available"]


def is_available() -> bool:
    """Return False: microtensor's kernels are NumPy's, not OpenMP loops.

    Differs from PyTorch: torch's CPU builds answer True.
    """
    return False
