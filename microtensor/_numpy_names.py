"""NumPy's argument names, which torch accepts beside its own: ``x.sum(axis=1, keepdims=True)``.

torch's argument parser takes, for every built-in function and Tensor method, NumPy's names for
four parameters: ``axis`` for ``dim``, ``keepdims`` for ``keepdim``, ``x``, ``a`` or ``x1`` for
``input`` and ``x2`` for ``other``. Programs written by NumPy users rely on it
(``counts.sum(1, keepdims=True)``, ``torch.cat(parts, axis=1)``). ``@numpy_names`` above a
``def`` gives it the same: a call that uses one of these names is passed on with torch's name;
any other call goes straight through.

The wrapper is one more Python call, so a Tensor method that has ``@numpy_names`` itself (and
so already holds torch's names) calls the function under the public wrapper,
``ops.sum.__wrapped__``: each call passes at most one wrapper.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["numpy_names"]

_ALIASES = {"dim": ("axis",), "keepdim": ("keepdims",), "input": ("x", "a", "x1"), "other": ("x2",)}

F = TypeVar("F", bound=Callable[..., Any])


def numpy_names(fn: F) -> F:
    """Let ``fn`` be called with NumPy's names of its ``dim``/``keepdim``/``input``/``other``.

    Only the names ``fn`` does not already use are added (``trapezoid`` keeps its own ``x``).
    """
    code = inspect.unwrap(fn).__code__  # below another decorator: the def's own parameters
    params = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    renames = {
        alias: name
        for name, aliases in _ALIASES.items()
        if name in params
        for alias in aliases
        if alias not in params
    }
    if not renames:
        return fn
    aliases = frozenset(renames)  # its isdisjoint(kwargs) loops over the few keywords given

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if not kwargs:  # the common call: no dict to pass on
            return fn(*args)
        if not aliases.isdisjoint(kwargs):
            kwargs = _renamed(fn.__name__, kwargs, renames)
        return fn(*args, **kwargs)

    return call  # type: ignore[return-value]


def _renamed(name: str, kwargs: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """``kwargs`` with torch's names; naming one parameter twice is torch's TypeError."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        target = renames.get(key, key)
        if target in out:
            raise TypeError(
                f"{name}() got multiple values for argument '{target}' ('{key}' is NumPy's "
                f"name for '{target}'): give only one of them"
            )
        out[target] = value
    return out
