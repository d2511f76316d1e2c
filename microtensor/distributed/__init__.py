"""``torch.distributed``: not available in microtensor, as in a torch build without it.

``is_available()`` returns False, the check torch programs make before they use process
groups; nothing else is defined, so code that goes on regardless fails at once with an
AttributeError rather than seeming to work.

Example:
    >>> import microtensor as mt
    >>> mt.distributed.is_available()
    False
"""

from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """False: microtensor has no distributed backend (no process groups, no collectives)."""
    return False
