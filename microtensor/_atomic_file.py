"""Crash-safe file writes: a temporary file, fsync, ``os.replace``, and cleanup after a kill.

``atomic_write`` writes into ``.<name>.<pid>.<random>.tmp`` in the target's folder, flushes and
fsyncs it, renames it over the target and fsyncs the folder: a reader sees the old file or the
new one, whole, whenever the writer dies. A writer killed with SIGKILL leaves its temporary
file behind; the next write of the same target removes the ones whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from typing import Any

_CHUNK = 1 << 20


def write_bytes(fh: Any, data: bytes) -> None:
    """Write ``data`` to ``fh`` in 1 MiB chunks (one huge write can fail on some systems)."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        fh.write(view[start : start + _CHUNK])


def atomic_write(path: str, data: bytes) -> None:
    """Replace the file ``path`` by ``data``, crash-safely (see the module docstring)."""
    directory, base = os.path.split(os.path.abspath(path))
    _remove_stray_temporaries(directory, base)
    tmp = os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    # os.open with mode 0o666 lets the umask set the permissions, as open(path, "wb") would
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write_bytes(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _remove_stray_temporaries(directory: str, base: str) -> list[str]:
    """Delete the temporary files of saves of ``base`` whose process died (``kill -9``).

    A temporary file names the process that writes it; one whose process still runs (another
    thread or process saving the same path right now) is left alone.
    """
    pattern = re.compile(rf"\.{re.escape(base)}\.(\d+)\.[0-9a-f]{{12}}\.tmp")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.listdir(directory):
            match = pattern.fullmatch(entry)
            if match and not _process_alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(directory, entry))
                    removed.append(entry)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":
        return True  # on Windows os.kill would end the process: leave its files alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process (or a number no process has): keep
    return True
