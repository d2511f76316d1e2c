"""``get_num_threads`` / ``set_num_threads`` and the inter-op pair, as in PyTorch.

microtensor's parallel work is NumPy's: its BLAS (OpenBLAS or MKL) runs matrix products on
several threads. ``set_num_threads`` sets that BLAS thread count for the whole process through
``threadpoolctl`` (a dependency), as ``torch.set_num_threads`` sets torch's intra-op threads.
microtensor has no inter-op thread pool: ``set_num_interop_threads`` records its value, which
``get_num_interop_threads`` returns.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "get_num_interop_threads",
    "get_num_threads",
    "set_num_interop_threads",
    "set_num_threads",
]

_state: dict[str, Any] = {"threads": None, "interop": None, "limiter": None}


def _check(n: Any, op: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise RuntimeError(f"{op} expects a positive integer, got {n!r}")
    return n


def _blas_threads() -> int | None:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    import numpy  # noqa: F401 - loads the BLAS, so that threadpoolctl sees it

    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else None


def get_num_threads() -> int:
    """The number of threads used for parallel work (the BLAS's, unless set).

    Example:
        >>> import microtensor as mt
        >>> mt.get_num_threads() >= 1
        True
    """
    if _state["threads"] is not None:
        return int(_state["threads"])
    return _blas_threads() or os.cpu_count() or 1


def set_num_threads(num: int) -> None:
    """Use ``num`` threads for parallel work: NumPy's BLAS, process-wide.

    Raises:
        RuntimeError: if ``num`` is not a positive integer.

    Example:
        >>> import microtensor as mt
        >>> before = mt.get_num_threads()
        >>> mt.set_num_threads(1); mt.get_num_threads()
        1
        >>> mt.set_num_threads(before)
    """
    num = _check(num, "set_num_threads")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        threadpool_limits = None
    if threadpool_limits is not None:
        import numpy  # noqa: F401 - the BLAS must be loaded for its limit to be set

        _state["limiter"] = threadpool_limits(limits=num, user_api="blas")
    _state["threads"] = num


def get_num_interop_threads() -> int:
    """The inter-op thread count last set (default: the number of CPUs).

    Example:
        >>> import microtensor as mt
        >>> mt.get_num_interop_threads() >= 1
        True
    """
    return int(_state["interop"] or os.cpu_count() or 1)


def set_num_interop_threads(num: int) -> None:
    """Record the inter-op thread count (microtensor runs ops one after another).

    Raises:
        RuntimeError: if ``num`` is not a positive integer.
    """
    _state["interop"] = _check(num, "set_num_interop_threads")
