"""``torch.distributed``: not available in microtensor, as in a torch build without it.

``is_available()`` returns False, the check torch programs make before they use process
groups, and ``is_initialized()`` False, the one many helpers (``get_rank()`` written as
``dist.get_rank() if dist.is_initialized() else 0``) make alone; nothing else is defined, so
code that goes on regardless fails at once with an AttributeError rather than seeming to work.

Example:
    >>> import microtensor as mt
    >>> mt.distributed.is_available(), mt.distributed.is_initialized()
    (False, False)
"""

from __future__ import annotations

__all__ = ["is_available", "is_initialized"]


def is_available() -> bool:
    """False: microtensor has no distributed backend (no process groups, no collectives)."""
    return False


def is_initialized() -> bool:
    """False: no default process group exists (none can: see :func:`is_available`)."""
    return False
