"""Testing helpers: ``assert_close``, ``make_tensor``, hypothesis strategies for tensors and shapes.

``microtensor.testing.strategies`` needs hypothesis and is imported only when used
(``from microtensor.testing import strategies``), so this package imports without it.

Example:
    >>> import microtensor as mt
    >>> from microtensor.testing import assert_close
    >>> assert_close(mt.tensor([0.1 + 0.2]), mt.tensor([0.3]))
"""

from __future__ import annotations

import importlib
from typing import Any

from microtensor.testing.comparison import assert_allclose, assert_close
from microtensor.testing.creation import make_tensor

# strategies is imported on first use (it needs hypothesis)
__all__ = ["assert_allclose", "assert_close", "make_tensor"]


def __getattr__(name: str) -> Any:
    """Import ``strategies`` on first access (it needs hypothesis)."""
    if name == "strategies":
        return importlib.import_module("microtensor.testing.strategies")
    raise AttributeError(f"module 'microtensor.testing' has no attribute {name!r}")
