"""Keep freed array memory in the process between training steps (glibc only).

A training step allocates and frees the same large arrays again and again. With glibc's
defaults, an array above 128 KiB (the threshold grows only as large blocks are freed) gets
fresh pages from the operating system each time and hands them back when freed, and the
heap is trimmed whenever its free top passes 128 KiB: the page faults of every step then cost
more than the arithmetic of a small model (measured: W8's LSTM step 6.4-10.7 ms -> 3.3-3.8 ms,
W7's CNN step 3.5-3.8 ms -> 2.8-2.9 ms). microtensor therefore raises glibc's mmap threshold
to 32 MiB and its trim threshold to 64 MiB when it is imported, as PyTorch's own caching
allocator keeps its blocks. The process's peak memory stays the same; memory freed at the
end of a step is reused by the next one instead of being returned.

Set ``MICROTENSOR_MALLOC_TUNING=0`` before importing microtensor to keep glibc's defaults.
Elsewhere (macOS, Windows, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024


def tune() -> bool:
    """Raise glibc's thresholds (see the module doc); True if they were set."""
    if os.environ.get("MICROTENSOR_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith(
        "linux"
    ):
        return False
    try:
        # glibc's soname: ctypes.util.find_library would run ldconfig in a subprocess at import
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
