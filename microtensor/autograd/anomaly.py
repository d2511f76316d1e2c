"""Anomaly detection: name the op that produced NaN, in forward or in backward."""

from __future__ import annotations

import os
import threading
import traceback
from typing import Any

import numpy as np

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class _State(threading.local):  # per thread, as PyTorch's anomaly mode
    enabled = False
    check_nan = True


state = _State()


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager that makes autograd check for NaN and say where it came from.

    Inside it, each recorded op keeps the traceback of its call; when a node's backward
    returns NaN, backward raises RuntimeError naming the op and showing that forward traceback.

    Args:
        check_nan: if False, only record tracebacks (no NaN check), as PyTorch's flag.

    Differs from PyTorch: forward is checked too. A recorded op whose output holds NaN while
    its inputs hold none raises RuntimeError at once, naming the op and the line of your code
    that called it (PyTorch would only complain in backward). Infinities are allowed in
    both directions, as in PyTorch (``log(0)`` is a valid ``-inf``).

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
    """Raise if one of the gradients ``node`` returned holds NaN (anomaly mode only)."""
    bad = next((i for i, g in enumerate(grads) if _has_nan(g)), None) if state.check_nan else None
    if bad is not None:
        trace = "".join(node._trace or ["(no forward traceback recorded)\n"])
        raise RuntimeError(
            f"Function '{node.name()}' returned nan values in its {bad}th output. "
            f"The forward call that created it was:\n{trace}"
        )


def check_forward(node: Any, outputs: Any, inputs: Any, skip: int) -> None:
    """Keep the traceback of ``node``'s forward call; raise if it made NaN from NaN-free inputs.

    ``skip`` is how many of the innermost frames belong to autograd itself. NaN already in an
    input came from outside (the op that made it raised already, or the data holds it).
    """
    stack = traceback.extract_stack()[:-skip]
    node._trace = traceback.format_list(stack)
    bad = next((i for i, o in enumerate(outputs) if _has_nan(o)), None) if state.check_nan else None
    if bad is None or any(_has_nan(x) for x in inputs):
        return
    where = next((f for f in reversed(stack) if not f.filename.startswith(_PACKAGE)), stack[-1])
    raise RuntimeError(
        f"Function '{node.name()}' produced nan values in its {bad}th output during forward, "
        f"from inputs without nan, at {where.filename}:{where.lineno}:\n    {where.line}\n"
        "Fix the op's inputs (for example its domain: log of a negative number, 0/0, inf - "
        f"inf), or guard them (clamp, where). The forward traceback:\n{''.join(node._trace)}"
    )


def _has_nan(value: Any) -> bool:
    value = getattr(value, "_data", value)
    return np.asarray(value).dtype.kind in "fcV" and bool(np.isnan(value).any())
