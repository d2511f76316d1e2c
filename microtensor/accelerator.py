"""``microtensor.accelerator``: PyTorch's device-agnostic accelerator queries, on a CPU library.

Today's tutorials pick their device with
``torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else
"cpu"``. microtensor has no accelerator, so the queries answer that (``is_available()`` is
False, ``current_accelerator()`` is None, ``device_count()`` is 0) and the calls that need a
device raise PyTorch's RuntimeError.

Example:
    >>> import microtensor as mt
    >>> mt.accelerator.is_available(), mt.accelerator.current_accelerator()
    (False, None)
    >>> mt.accelerator.device_count()
    0
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "current_accelerator",
    "current_device_idx",
    "current_device_index",
    "device_count",
    "is_available",
    "set_device_idx",
    "set_device_index",
    "synchronize",
]


def _none_available() -> NoReturn:
    raise RuntimeError(
        "Cannot access accelerator device when none is available. (microtensor computes on "
        "the CPU only: check microtensor.accelerator.is_available() first)"
    )


def is_available() -> bool:
    """Return False: microtensor computes on the CPU, which is not an accelerator."""
    return False


def device_count() -> int:
    """Return 0: there is no accelerator device."""
    return 0


def current_accelerator(check_available: bool = False) -> None:
    """Return None: there is no accelerator (PyTorch's answer on a CPU-only build)."""
    return None


def current_device_index() -> NoReturn:
    """Raise RuntimeError: there is no accelerator device to have an index.

    Raises:
        RuntimeError: always, as PyTorch's CPU-only build does.
    """
    _none_available()


def set_device_index(device: Any) -> NoReturn:
    """Raise RuntimeError: there is no accelerator device to select.

    Raises:
        RuntimeError: always, as PyTorch's CPU-only build does.
    """
    _none_available()


def synchronize(device: Any = None) -> NoReturn:
    """Raise RuntimeError: there is no accelerator to wait for.

    Raises:
        RuntimeError: always, as PyTorch's CPU-only build does.
    """
    _none_available()


current_device_idx = current_device_index  # PyTorch's deprecated alias
set_device_idx = set_device_index  # PyTorch's deprecated alias
