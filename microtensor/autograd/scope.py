"""Which module calls are running: recorded on each graph node, so drawings can group them.

``Module.__call__`` enters a scope for the duration of ``forward``; every op recorded meanwhile
keeps ``node._scope``, the tuple of ``(module, call_number)`` frames from the outermost call to
the innermost. Entering is one tuple concatenation; ops only store a reference to the tuple.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any


class _State(threading.local):  # per thread: two threads calling modules never mix frames
    current: tuple[tuple[Any, int], ...] = ()


state = _State()
_calls = itertools.count()


def enter(module: Any) -> tuple[tuple[Any, int], ...]:
    """Open a scope for one call of ``module``; returns the scope to restore with ``leave``."""
    previous = state.current
    state.current = (*previous, (module, next(_calls)))
    return previous


def leave(previous: tuple[tuple[Any, int], ...]) -> None:
    """Close the scope opened by ``enter``."""
    state.current = previous
