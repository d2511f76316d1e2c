"""Grad mode: whether new operations are recorded into the graph.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators, like PyTorch's (``inference_mode``, built on them, is in ``inference_mode.py``).

The flag is per thread, as in PyTorch: ``no_grad`` in one thread (say, a server answering
predictions) never stops another thread's training from recording its graph, and every new
thread starts with grad mode on. (A ``threading.local`` attribute read costs about 25 ns more
than a plain one; ``benchmarks/ops.py`` measures what it adds per op.)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled = True  # the class attribute is each new thread's starting value


state = _State()


def is_grad_enabled() -> bool:
    """Return True when operations are recorded for autograd."""
    return state.enabled


class _GradModeContext:
    """Base of the context managers: ``_mode`` is the grad mode inside (None: leave it as is)."""

    _mode: bool | None = True

    def __enter__(self) -> None:
        self._prev = state.enabled
        if self._mode is not None:
            state.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        state.enabled = self._prev

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = state.enabled
            if mode is not None:
                state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev

        return wrapper  # type: ignore[return-value]


class _NoParamDecorator(_GradModeContext):
    """A grad mode that is also a decorator without parentheses (``@no_grad``), as PyTorch's."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):  # noqa: N801 - PyTorch's name
    """Disable graph recording inside a ``with`` block or a decorated function.

    Usable as ``with no_grad():``, ``@no_grad()`` and ``@no_grad``.

    Example:
        >>> import microtensor as mt
        >>> x = mt.ones(2, requires_grad=True)
        >>> with mt.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _mode = False


class enable_grad(_NoParamDecorator):  # noqa: N801 - PyTorch's name
    """Enable graph recording, for example inside a ``no_grad`` block (also ``@enable_grad``)."""

    _mode = True


class set_grad_enabled(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Set grad mode on or off: as a plain call, a context manager or a decorator.

    Args:
        mode: True to record operations, False not to.
    """

    def __init__(self, mode: bool) -> None:
        self._prev = state.enabled
        self._mode = bool(mode)
        state.enabled = self._mode  # a plain call takes effect at once, as in PyTorch

    def __enter__(self) -> None:
        pass  # already set in __init__; __exit__ restores the mode from before it

    def __call__(self, fn: F) -> F:
        """Decorate ``fn`` so that it runs with this grad mode."""
        state.enabled = self._prev  # used as a decorator: only calls of ``fn`` change the mode
        return super().__call__(fn)
