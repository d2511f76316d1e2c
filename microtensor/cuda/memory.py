"""``microtensor.cuda.memory``: CUDA memory statistics, which are all zero without a GPU.

A CPU-only PyTorch answers these the same way: no CUDA memory was ever allocated, so the
byte counts are 0 and the statistics dictionaries are empty. Training scripts that log
``torch.cuda.max_memory_allocated()`` at the end of an epoch therefore run unchanged.
Resetting the (empty) statistics does nothing. What would need a real device
(``mem_get_info``, ``memory_summary``) raises microtensor's CUDA error.

Example:
    >>> import microtensor as mt
    >>> mt.cuda.memory_allocated(), mt.cuda.max_memory_reserved(), mt.cuda.memory_stats()
    (0, 0, OrderedDict())
"""

from __future__ import annotations

import collections
import warnings
from typing import Any, NoReturn

from microtensor.cuda._no_gpu import no_gpu

__all__ = [
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
]


def memory_stats_as_nested_dict(device: Any = None) -> dict[str, Any]:
    """Return ``{}``: no CUDA allocation has happened."""
    return {}


def memory_stats(device: Any = None) -> dict[str, Any]:
    """Return an empty ``OrderedDict`` (torch's flattened statistics, of which there are none)."""
    return collections.OrderedDict()


def memory_allocated(device: Any = None) -> int:
    """Return 0: no tensor lives in GPU memory."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """Return 0: the peak of GPU memory held by tensors, which never held any."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """Return 0: the caching allocator reserved nothing."""
    return 0


def max_memory_reserved(device: Any = None) -> int:
    """Return 0: the peak of memory reserved by the caching allocator."""
    return 0


def memory_cached(device: Any = None) -> int:
    """Deprecated name of :func:`memory_reserved` (torch's FutureWarning); returns 0."""
    warnings.warn(
        "`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`",
        FutureWarning,
        stacklevel=2,
    )
    return memory_reserved(device)


def max_memory_cached(device: Any = None) -> int:
    """Deprecated name of :func:`max_memory_reserved` (torch's FutureWarning); returns 0."""
    warnings.warn(
        "`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`",
        FutureWarning,
        stacklevel=2,
    )
    return max_memory_reserved(device)


def reset_peak_memory_stats(device: Any = None) -> None:
    """Do nothing: the peaks are already 0.

    Differs from PyTorch: a CPU-only torch raises an AttributeError from its missing CUDA
    bindings here; resetting statistics that are all zero is a harmless no-op.
    """


def reset_accumulated_memory_stats(device: Any = None) -> None:
    """Do nothing: the accumulated counts are already 0 (see reset_peak_memory_stats)."""


def reset_max_memory_allocated(device: Any = None) -> None:
    """Deprecated spelling of :func:`reset_peak_memory_stats` (torch's FutureWarning)."""
    warnings.warn(
        "torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, "
        "which resets /all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )


def reset_max_memory_cached(device: Any = None) -> None:
    """Deprecated spelling of :func:`reset_peak_memory_stats` (torch's FutureWarning)."""
    warnings.warn(
        "torch.cuda.reset_max_memory_cached now calls torch.cuda.reset_peak_memory_stats, "
        "which resets /all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )


def mem_get_info(device: Any = None) -> NoReturn:
    """Raise: there is no device whose free and total memory could be read."""
    no_gpu("mem_get_info()")


def memory_summary(device: Any = None, abbreviated: bool = False) -> NoReturn:
    """Raise: there is no device to summarize (a CPU-only torch fails here too)."""
    no_gpu("memory_summary()")
