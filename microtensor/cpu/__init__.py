"""``microtensor.cpu``: torch's CPU device namespace, the one device microtensor computes on.

The same queries as ``microtensor.cuda``, answered for the CPU: it is available, there is one,
synchronizing has nothing to wait for. ``microtensor.cpu.amp`` holds torch's deprecated CPU
spellings of ``autocast`` and ``GradScaler``.

Example:
    >>> import microtensor as mt
    >>> mt.cpu.is_available(), mt.cpu.device_count(), mt.cpu.current_device()
    (True, 1, 'cpu')
"""

from __future__ import annotations

from typing import Any

from microtensor._device import check_cpu
from microtensor.cpu import amp

__all__ = ["amp", "current_device", "device_count", "is_available", "set_device", "synchronize"]


def is_available() -> bool:
    """Return True: the CPU is always there."""
    return True


def device_count() -> int:
    """Return 1, as torch does for the CPU."""
    return 1


def current_device() -> str:
    """Return ``'cpu'``, as torch does."""
    return "cpu"


def set_device(device: Any) -> None:
    """Accept the CPU (torch ignores the call); another device raises RuntimeError."""
    check_cpu(device, "microtensor.cpu.set_device()")


def synchronize(device: Any = None) -> None:
    """Wait for the CPU's work: NumPy has finished every op when it returns, so nothing to do."""
    check_cpu(device, "microtensor.cpu.synchronize()")
