"""Anomaly detection: name the forward op whose backward produced NaN or Inf."""

from __future__ import annotations

import threading
from typing import Any


class _State(threading.local):  # per thread, as PyTorch's anomaly mode
    enabled = False
    check_nan = True


state = _State()


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager that makes backward check every gradient for NaN/Inf.

    Inside it, each op records where it was called from; when a node's backward returns a
    NaN or Inf, backward raises RuntimeError naming the op and showing that forward traceback.

    Args:
        check_nan: if False, only record tracebacks (no NaN check), as PyTorch's flag.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([0.0], requires_grad=True)
        >>> with mt.autograd.detect_anomaly():
        ...     y = mt.sqrt(x) * 0
        ...     y.sum().backward()
        Traceback (most recent call last):
        ...
        RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output. ...
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = (state.enabled, state.check_nan)
        state.enabled = True
        state.check_nan = self.check_nan

    def __exit__(self, *exc: object) -> None:
        state.enabled, state.check_nan = self._prev


class set_detect_anomaly(detect_anomaly):  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off: as a plain call or a context manager.

    Args:
        mode: True to turn it on.
        check_nan: if False, only record tracebacks.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (state.enabled, state.check_nan)
        state.enabled = mode
        state.check_nan = check_nan

    def __enter__(self) -> None:
        pass


def is_anomaly_enabled() -> bool:
    """Return True inside ``detect_anomaly``."""
    return state.enabled


def check_grads(node: Any, grads: tuple[Any, ...]) -> None:
    """Raise if one of the gradients ``node`` returned holds NaN or Inf (anomaly mode only)."""
    import numpy as np

    if not state.check_nan:
        return
    for i, g in enumerate(grads):
        if g is None:
            continue
        data = getattr(g, "_data", g)
        if not np.all(np.isfinite(data)):
            bad = "nan" if np.isnan(data).any() else "inf"
            trace = "".join(node._trace or ["(no forward traceback recorded)\n"])
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its {i}th output. "
                f"The forward call that created it was:\n{trace}"
            )
