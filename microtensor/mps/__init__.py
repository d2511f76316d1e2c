"""``microtensor.mps``: PyTorch's Apple-GPU namespace, answering as torch does without MPS.

``is_available()`` is False and ``device_count()`` 0; ``manual_seed`` does nothing (as torch's,
which defers it); the calls that need the Metal device (``synchronize``, ``empty_cache``,
``seed``, the memory queries) raise torch's RuntimeError, "Cannot execute ... without MPS
backend.".

Example:
    >>> import microtensor as mt
    >>> "mps" if mt.mps.is_available() else "cpu"
    'cpu'
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "current_allocated_memory",
    "device_count",
    "driver_allocated_memory",
    "empty_cache",
    "get_rng_state",
    "is_available",
    "manual_seed",
    "recommended_max_memory",
    "seed",
    "set_per_process_memory_fraction",
    "set_rng_state",
    "synchronize",
]


def _no_mps(call: str) -> NoReturn:
    raise RuntimeError(
        f"Cannot execute {call}() without MPS backend. (microtensor runs on the CPU only: "
        "check microtensor.mps.is_available() first)"
    )


def is_available() -> bool:
    """Return False: microtensor has no MPS backend."""
    return False


def device_count() -> int:
    """Return 0: there is no MPS device."""
    return 0


def manual_seed(seed: int) -> None:
    """Do nothing, as torch's without MPS; ``microtensor.manual_seed`` seeds the CPU."""


def seed() -> NoReturn:
    """Raise: there is no MPS generator."""
    _no_mps("getDefaultGenerator")


def get_rng_state(device: Any = "mps") -> NoReturn:
    """Raise: there is no MPS generator."""
    _no_mps("getDefaultGenerator")


def set_rng_state(new_state: Any, device: Any = "mps") -> NoReturn:
    """Raise: there is no MPS generator."""
    _no_mps("getDefaultGenerator")


def synchronize() -> NoReturn:
    """Raise, as torch's without MPS."""
    _no_mps("deviceSynchronize")


def empty_cache() -> NoReturn:
    """Raise, as torch's without MPS."""
    _no_mps("emptyCache")


def current_allocated_memory() -> NoReturn:
    """Raise: there is no MPS memory."""
    _no_mps("getCurrentAllocatedMemory")


def driver_allocated_memory() -> NoReturn:
    """Raise: there is no MPS memory."""
    _no_mps("getDriverAllocatedMemory")


def recommended_max_memory() -> NoReturn:
    """Raise: there is no MPS memory."""
    _no_mps("getRecommendedMaxMemory")


def set_per_process_memory_fraction(fraction: float) -> NoReturn:
    """Raise: there is no MPS memory to limit.

    Raises:
        TypeError: if ``fraction`` is not a float (torch's check comes first).
        RuntimeError: otherwise.
    """
    if not isinstance(fraction, float):
        raise TypeError("Invalid type for fraction argument, must be `float`")
    _no_mps("setMemoryFraction")
