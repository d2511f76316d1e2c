"""``microtensor.xpu``: PyTorch's Intel-GPU namespace, answering as torch does without XPU.

``is_available()`` is False, ``device_count()`` 0; seeding and ``empty_cache`` do nothing and the
memory counters are 0, as torch's; what needs a device (``synchronize``, ``current_device``,
``set_device``, ``get_device_name`` ...) raises torch's AssertionError, "Torch not compiled
with XPU enabled".

Example:
    >>> import microtensor as mt
    >>> mt.xpu.is_available(), mt.xpu.device_count()
    (False, 0)
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "current_device",
    "device_count",
    "empty_cache",
    "get_arch_list",
    "get_device_capability",
    "get_device_name",
    "get_device_properties",
    "get_rng_state",
    "get_rng_state_all",
    "init",
    "initial_seed",
    "is_available",
    "is_bf16_supported",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "seed",
    "seed_all",
    "set_device",
    "synchronize",
]


def _no_xpu() -> NoReturn:
    raise AssertionError(
        "Torch not compiled with XPU enabled (microtensor runs on the CPU only: check "
        "microtensor.xpu.is_available() first)"
    )


def is_available() -> bool:
    """Return False: microtensor has no XPU backend."""
    return False


def is_initialized() -> bool:
    """Return False: there is no XPU state."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Return False: there is no XPU device."""
    return False


def device_count() -> int:
    """Return 0: there is no XPU device."""
    return 0


def get_arch_list() -> list[str]:
    """Return ``[]``: microtensor is built for no XPU architecture."""
    return []


def manual_seed(seed: int) -> None:
    """Do nothing (no XPU generator); ``microtensor.manual_seed`` seeds the CPU."""


def manual_seed_all(seed: int) -> None:
    """Do nothing (no XPU generators)."""


def seed() -> None:
    """Do nothing (no XPU generator)."""


def seed_all() -> None:
    """Do nothing (no XPU generators)."""


def get_rng_state_all() -> list[Any]:
    """Return ``[]``: one state per device, and there is none."""
    return []


def empty_cache() -> None:
    """Do nothing: there is no XPU memory cache."""


def memory_allocated(device: Any = None) -> int:
    """Return 0, as torch's without XPU."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """Return 0, as torch's without XPU."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """Return 0, as torch's without XPU."""
    return 0


def max_memory_reserved(device: Any = None) -> int:
    """Return 0, as torch's without XPU."""
    return 0


def init() -> NoReturn:
    """Raise: there is no XPU to initialize."""
    _no_xpu()


def initial_seed() -> NoReturn:
    """Raise: there is no XPU generator."""
    _no_xpu()


def get_rng_state(device: Any = "xpu") -> NoReturn:
    """Raise: there is no XPU generator."""
    _no_xpu()


def synchronize(device: Any = None) -> NoReturn:
    """Raise, as torch's without XPU."""
    _no_xpu()


def current_device() -> NoReturn:
    """Raise: there is no current XPU device."""
    _no_xpu()


def set_device(device: Any) -> NoReturn:
    """Raise: there is no XPU device to select."""
    _no_xpu()


def get_device_name(device: Any = None) -> NoReturn:
    """Raise: there is no XPU device to name."""
    _no_xpu()


def get_device_properties(device: Any = None) -> NoReturn:
    """Raise: there is no XPU device to describe."""
    _no_xpu()


def get_device_capability(device: Any = None) -> NoReturn:
    """Raise: there is no XPU device to describe."""
    _no_xpu()
