"""``is_multithreading_enabled`` / ``set_multithreading_enabled``, PyTorch's autograd flag.

In PyTorch the flag lets backward run a device's part of the graph on that device's own
worker thread; CPU work always runs on the calling thread. microtensor computes on the CPU
only, so its backward runs on the calling thread either way: the flag is kept and reported
(so code that sets and reads it works) and changes nothing.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["is_multithreading_enabled", "set_multithreading_enabled"]


class _State(threading.local):  # per thread, as PyTorch's
    enabled = True


_state = _State()


def is_multithreading_enabled() -> bool:
    """Whether backward may use device worker threads (True by default).

    Example:
        >>> import microtensor as mt
        >>> mt.autograd.is_multithreading_enabled()
        True
    """
    return _state.enabled


class set_multithreading_enabled:  # noqa: N801 - PyTorch's name
    """Set the multithreading flag: at once when called, back to the old value on leaving ``with``.

    Args:
        mode: the new value.

    Example:
        >>> import microtensor as mt
        >>> with mt.autograd.set_multithreading_enabled(False):
        ...     print(mt.autograd.is_multithreading_enabled())
        False
        >>> mt.autograd.is_multithreading_enabled()
        True
    """

    def __init__(self, mode: bool) -> None:
        self.prev = _state.enabled
        self.mode = mode
        _state.enabled = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        _state.enabled = self.prev

    def clone(self) -> set_multithreading_enabled:
        """A new context manager with the same mode (PyTorch's API)."""
        return self.__class__(self.mode)
