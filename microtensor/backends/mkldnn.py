"""``microtensor.backends.mkldnn``: oneDNN's (MKL-DNN's) flags, accepted; oneDNN is not used.

Attributes:
    enabled: PyTorch's switch for oneDNN kernels (default True).
    deterministic: ask oneDNN for deterministic algorithms (default False).
    allow_tf32: let oneDNN use TensorFloat-32 (default False, torch's).

Example:
    >>> import microtensor as mt
    >>> with mt.backends.mkldnn.flags(enabled=False):
    ...     mt.backends.mkldnn.enabled
    False
    >>> mt.backends.mkldnn.enabled, mt.backends.mkldnn.is_available()
    (True, False)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["allow_tf32", "deterministic", "enabled", "flags", "is_available", "set_flags"]

enabled = True
deterministic = False
allow_tf32 = False
fp32_precision = "none"


def is_available() -> bool:
    """Return False: microtensor computes with NumPy, not oneDNN.

    Differs from PyTorch: torch's x86 builds answer True.
    """
    return False


def set_flags(
    _enabled: bool | None = None,
    _deterministic: bool | None = None,
    _allow_tf32: bool | None = None,
    _fp32_precision: str = "none",
) -> tuple[bool, bool, bool, str]:
    """Set the given flags (None leaves one as it is); return the previous ones."""
    module = sys.modules[__name__]
    previous = (enabled, deterministic, allow_tf32, fp32_precision)
    for name, value in (
        ("enabled", _enabled),
        ("deterministic", _deterministic),
        ("allow_tf32", _allow_tf32),
    ):
        if value is not None:
            setattr(module, name, value)
    if _fp32_precision is not None:
        setattr(module, "fp32_precision", _fp32_precision)  # noqa: B010 - a module global
    return previous


@contextmanager
def flags(
    enabled: bool = False,
    deterministic: bool = False,
    allow_tf32: bool = True,
    fp32_precision: str = "none",
) -> Iterator[None]:
    """Set the flags inside a ``with`` block, restoring them after (torch's defaults)."""
    previous = set_flags(enabled, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        set_flags(*previous)
