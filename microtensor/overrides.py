"""``microtensor.overrides``: torch's ``__torch_function__`` protocol, for code that uses it.

A class that defines ``__torch_function__(cls, func, types, args=(), kwargs=None)`` asks
functions to hand calls over to it. A function opts in by asking ``has_torch_function(args)``
and, if so, returning ``handle_torch_function(itself, args, *args, **kwargs)``: these work as
torch's (subclasses before their bases, then left to right; ``NotImplemented`` passes to the
next; none left is torch's TypeError). microtensor Tensors define no ``__torch_function__``, so
for them ``has_torch_function`` is False.

Differs from PyTorch: microtensor's own functions and Tensor methods never hand calls over
(``get_overridable_functions()`` is empty); only code that calls ``handle_torch_function``
itself, such as a library written against this protocol, dispatches.

Example:
    >>> import microtensor as mt
    >>> from microtensor import overrides
    >>> class Logged:
    ...     @classmethod
    ...     def __torch_function__(cls, func, types, args=(), kwargs=None):
    ...         return f"{func.__name__} handled by {cls.__name__}"
    >>> def double(x):
    ...     if overrides.has_torch_function_unary(x):
    ...         return overrides.handle_torch_function(double, (x,), x)
    ...     return x * 2
    >>> double(Logged()), double(mt.tensor(2.0))
    ('double handled by Logged', tensor(4.))
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from microtensor.tensor import Tensor

__all__ = [
    "get_ignored_functions",
    "get_overridable_functions",
    "get_testing_overrides",
    "handle_torch_function",
    "has_torch_function",
    "has_torch_function_unary",
    "has_torch_function_variadic",
    "is_tensor_like",
    "wrap_torch_function",
]


def _overrides(value: Any) -> bool:
    return hasattr(type(value), "__torch_function__")


def has_torch_function(relevant_args: Iterable[Any]) -> bool:
    """Whether any of ``relevant_args`` has a ``__torch_function__`` (microtensor Tensors don't)."""
    return any(_overrides(a) for a in relevant_args)


def has_torch_function_unary(obj: Any) -> bool:
    """``has_torch_function((obj,))``."""
    return _overrides(obj)


def has_torch_function_variadic(*args: Any) -> bool:
    """``has_torch_function(args)``."""
    return any(_overrides(a) for a in args)


def is_tensor_like(inp: Any) -> bool:
    """Whether ``inp`` is a microtensor Tensor or defines ``__torch_function__``."""
    return isinstance(inp, Tensor) or _overrides(inp)


def _get_overloaded_args(relevant_args: Iterable[Any]) -> list[Any]:
    """One argument per overriding type: a subclass before its base, otherwise left to right."""
    types: list[type] = []
    args: list[Any] = []
    for arg in relevant_args:
        arg_type = type(arg)
        if arg_type in types or not _overrides(arg):
            continue
        position = len(args)
        for i, earlier in enumerate(types):
            if issubclass(arg_type, earlier):
                position = i
                break
        types.insert(position, arg_type)
        args.insert(position, arg)
    return args


def handle_torch_function(
    public_api: Callable[..., Any], relevant_args: Iterable[Any], *args: Any, **kwargs: Any
) -> Any:
    """Call the ``__torch_function__`` of the overriding arguments until one handles the call.

    Raises:
        TypeError: if every one returns ``NotImplemented`` (torch's message).
    """
    overloaded = _get_overloaded_args(relevant_args)
    types = tuple(type(a) for a in overloaded)
    for arg in overloaded:
        result = arg.__torch_function__(public_api, types, args, kwargs)
        if result is not NotImplemented:
            return result
    name = f"{public_api.__module__}.{public_api.__name__}"
    raise TypeError(
        f"no implementation found for '{name}' on types that implement __torch_function__: "
        f"{[type(a) for a in overloaded]}"
    )


def wrap_torch_function(
    dispatcher: Callable[..., Iterable[Any]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a function so calls whose ``dispatcher(*args)`` values override are handed over."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            relevant = tuple(dispatcher(*args, **kwargs))
            if has_torch_function(relevant):
                return handle_torch_function(wrapped, relevant, *args, **kwargs)
            return func(*args, **kwargs)

        return wrapped

    return decorate


def get_overridable_functions() -> dict[Any, list[Callable[..., Any]]]:
    """Return ``{}``: no microtensor function hands calls to ``__torch_function__``."""
    return {}


def get_testing_overrides() -> dict[Callable[..., Any], Callable[..., Any]]:
    """Return ``{}``: there are no overridable functions to give dummy overrides for."""
    return {}


def get_ignored_functions() -> set[Callable[..., Any]]:
    """The public functions of microtensor's main namespaces: none of them can be overridden."""
    import microtensor
    from microtensor import fft, linalg, special
    from microtensor.nn import functional

    found: set[Callable[..., Any]] = set()
    for module in (microtensor, functional, linalg, fft, special):
        for name in dir(module):
            value = getattr(module, name)
            if not name.startswith("_") and callable(value) and not isinstance(value, type):
                found.add(value)
    return found
