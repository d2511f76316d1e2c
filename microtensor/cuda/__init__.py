"""``microtensor.cuda``: PyTorch's CUDA namespace, answering honestly that there is no GPU.

microtensor computes on the CPU with NumPy. The queries scripts make before choosing a device
(``is_available()``, ``device_count()``) say so, the calls that only matter on a GPU
(seeding, synchronizing, emptying the cache) do nothing, and whatever would need a GPU
(``get_device_name``, ``set_device``, memory statistics ...) raises a RuntimeError.

Example:
    >>> import microtensor as mt
    >>> device = "cuda" if mt.cuda.is_available() else "cpu"
    >>> device, mt.cuda.device_count()
    ('cpu', 0)
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_name",
    "get_device_properties",
    "is_available",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "memory_allocated",
    "seed",
    "seed_all",
    "set_device",
    "synchronize",
]


def _no_gpu(what: str) -> NoReturn:
    raise RuntimeError(
        f"microtensor.cuda.{what}: microtensor runs on the CPU only and has no CUDA device "
        "(microtensor.cuda.is_available() is False): check is_available() first"
    )


def is_available() -> bool:
    """Return False: microtensor computes on the CPU."""
    return False


def is_initialized() -> bool:
    """Return False: there is no CUDA state to initialize."""
    return False


def device_count() -> int:
    """Return 0: there is no CUDA device."""
    return 0


def manual_seed(seed: int) -> None:
    """Do nothing (no GPU generator to seed); ``microtensor.manual_seed`` seeds the CPU."""


def manual_seed_all(seed: int) -> None:
    """Do nothing (no GPU generators to seed)."""


def seed() -> None:
    """Do nothing (no GPU generator to seed)."""


def seed_all() -> None:
    """Do nothing (no GPU generators to seed)."""


def synchronize(device: Any = None) -> None:
    """Do nothing: CPU work is finished when a call returns."""


def empty_cache() -> None:
    """Do nothing: there is no GPU memory cache."""


def current_device() -> NoReturn:
    """Raise: there is no current CUDA device."""
    _no_gpu("current_device()")


def set_device(device: Any) -> NoReturn:
    """Raise: there is no CUDA device to select."""
    _no_gpu("set_device()")


def get_device_name(device: Any = None) -> NoReturn:
    """Raise: there is no CUDA device to name."""
    _no_gpu("get_device_name()")


def get_device_properties(device: Any = None) -> NoReturn:
    """Raise: there is no CUDA device to describe."""
    _no_gpu("get_device_properties()")


def memory_allocated(device: Any = None) -> NoReturn:
    """Raise: there is no GPU memory to measure."""
    _no_gpu("memory_allocated()")


def max_memory_allocated(device: Any = None) -> NoReturn:
    """Raise: there is no GPU memory to measure."""
    _no_gpu("max_memory_allocated()")


from microtensor.cuda import amp  # noqa: E402 - torch.cuda.amp's deprecated spellings
