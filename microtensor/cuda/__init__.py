"""``microtensor.cuda``: PyTorch's CUDA namespace, answering honestly that there is no GPU.

microtensor computes on the CPU with NumPy. The queries scripts make before choosing a device
(``is_available()``, ``device_count()``) say so, the calls that only matter on a GPU
(seeding, synchronizing, emptying the cache) do nothing, and whatever would need a GPU
(``get_device_name``, ``set_device``, streams ...) raises a RuntimeError. The memory
statistics are all zero, as a CPU-only PyTorch reports them.

Example:
    >>> import microtensor as mt
    >>> device = "cuda" if mt.cuda.is_available() else "cpu"
    >>> device, mt.cuda.device_count()
    ('cpu', 0)
"""

from __future__ import annotations

from typing import Any, NoReturn

from microtensor.cuda._no_gpu import CudaUnavailableError, no_gpu
from microtensor.cuda.memory import (
    max_memory_allocated,
    max_memory_cached,
    max_memory_reserved,
    mem_get_info,
    memory_allocated,
    memory_cached,
    memory_reserved,
    memory_stats,
    memory_stats_as_nested_dict,
    memory_summary,
    reset_accumulated_memory_stats,
    reset_max_memory_allocated,
    reset_max_memory_cached,
    reset_peak_memory_stats,
)

__all__ = [
    "CudaUnavailableError",
    "current_device",
    "current_stream",
    "default_stream",
    "device_count",
    "empty_cache",
    "get_arch_list",
    "get_device_capability",
    "get_device_name",
    "get_device_properties",
    "get_gencode_flags",
    "get_rng_state",
    "get_rng_state_all",
    "init",
    "initial_seed",
    "is_available",
    "is_bf16_supported",
    "is_initialized",
    "is_tf32_supported",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_cached",
    "max_memory_reserved",
    "mem_get_info",
    "memory_allocated",
    "memory_cached",
    "memory_reserved",
    "memory_stats",
    "memory_stats_as_nested_dict",
    "memory_summary",
    "reset_accumulated_memory_stats",
    "reset_max_memory_allocated",
    "reset_max_memory_cached",
    "reset_peak_memory_stats",
    "seed",
    "seed_all",
    "set_device",
    "set_rng_state",
    "set_rng_state_all",
    "synchronize",
]


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
    no_gpu("current_device()")


def set_device(device: Any) -> NoReturn:
    """Raise: there is no CUDA device to select."""
    no_gpu("set_device()")


def get_device_name(device: Any = None) -> NoReturn:
    """Raise: there is no CUDA device to name."""
    no_gpu("get_device_name()")


def get_device_properties(device: Any = None) -> NoReturn:
    """Raise: there is no CUDA device to describe."""
    no_gpu("get_device_properties()")


def get_arch_list() -> list[str]:
    """Return ``[]``: microtensor was built for no CUDA architecture."""
    return []


def get_gencode_flags() -> str:
    """Return ``""``: no CUDA code was compiled."""
    return ""


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Return False: there is no GPU to run bfloat16 on (the CPU runs ``microtensor.bfloat16``)."""
    return False


def is_tf32_supported() -> bool:
    """Return False: TF32 is a GPU number format."""
    return False


def get_rng_state_all() -> list[Any]:
    """Return ``[]``: one state per CUDA device, of which there are none."""
    return []


def set_rng_state_all(new_states: Any) -> None:
    """Do nothing: there are no CUDA generators to restore."""


def get_rng_state(device: Any = "cuda") -> NoReturn:
    """Raise: there is no CUDA generator (``microtensor.get_rng_state()`` is the CPU's)."""
    no_gpu("get_rng_state()")


def set_rng_state(new_state: Any, device: Any = "cuda") -> NoReturn:
    """Raise: there is no CUDA generator (``microtensor.set_rng_state()`` is the CPU's)."""
    no_gpu("set_rng_state()")


def initial_seed() -> NoReturn:
    """Raise: there is no CUDA generator (``microtensor.initial_seed()`` is the CPU's)."""
    no_gpu("initial_seed()")


def init() -> NoReturn:
    """Raise: there is no CUDA state to initialize."""
    no_gpu("init()")


def get_device_capability(device: Any = None) -> NoReturn:
    """Raise: there is no CUDA device whose compute capability could be read."""
    no_gpu("get_device_capability()")


def current_stream(device: Any = None) -> NoReturn:
    """Raise: there is no CUDA stream."""
    no_gpu("current_stream()")


def default_stream(device: Any = None) -> NoReturn:
    """Raise: there is no CUDA stream."""
    no_gpu("default_stream()")


from microtensor.cuda import amp  # noqa: E402 - torch.cuda.amp's deprecated spellings
