"""``inference_mode`` and ``is_inference_mode_enabled``, built on grad mode.

Inside ``inference_mode()`` nothing is recorded (grad mode is off, as under ``no_grad``) and
``is_inference_mode_enabled()`` is True; ``inference_mode(mode=False)`` turns the flag off and
grad mode on, as PyTorch's (even under ``no_grad``). Like grad mode, the flag is per thread.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from microtensor.autograd.grad_mode import F, _GradModeContext

__all__ = ["inference_mode", "is_inference_mode_enabled"]


class _State(threading.local):
    enabled = False  # each new thread starts outside inference mode


_state = _State()


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (and not inside an ``inference_mode(False)`` in it)."""
    return _state.enabled


class inference_mode(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Like ``no_grad`` (no graph, nothing saved for backward), and flagged as inference.

    Usable as ``with inference_mode():``, ``@inference_mode()``, ``@inference_mode`` and
    ``inference_mode(mode=False)`` (which turns grad mode on, as PyTorch's does).

    Args:
        mode: True for inference mode; False to leave it (grad mode on).

    Differs from PyTorch: tensors made inside are ordinary tensors, not "inference tensors".

    Example:
        >>> import microtensor as mt
        >>> with mt.inference_mode():
        ...     print(mt.is_inference_mode_enabled(), mt.is_grad_enabled())
        True False
    """

    def __new__(cls, mode: Any = True) -> Any:  # noqa: D102 - see the class docstring
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)  # used bare, as @inference_mode: ``mode`` is the function
        return super().__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self._mode = not mode
        self._inference = bool(mode)

    def __enter__(self) -> None:
        self._prev_inference = _state.enabled
        _state.enabled = self._inference
        super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        _state.enabled = self._prev_inference

    def __call__(self, fn: F) -> F:
        """Decorate ``fn`` so that it runs in (or, with ``mode=False``, out of) inference mode."""
        inner, flag = super().__call__(fn), self._inference

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.enabled
            _state.enabled = flag
            try:
                return inner(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper  # type: ignore[return-value]
