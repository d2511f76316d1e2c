"""Hooks for every ``Module``: ``torch.nn.modules.module.register_module_*_hook``.

A global forward (pre-)hook runs on every module call, before the module's own hooks; a
global backward hook before the module's own backward hooks; a registration hook on every
``register_parameter`` / ``register_buffer`` / ``add_module`` (and the attribute assignments
that do the same), and may return a replacement value. All as in PyTorch.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from microtensor.nn.module_hooks import RemovableHandle

__all__ = [
    "register_module_backward_hook",
    "register_module_buffer_registration_hook",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
    "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]

Hooks = OrderedDict[int, Callable[..., Any]]

_global_forward_pre_hooks: Hooks = OrderedDict()
_global_forward_hooks: Hooks = OrderedDict()
_global_forward_hooks_with_kwargs: dict[int, bool] = {}
_global_forward_hooks_always_called: dict[int, bool] = {}
_global_backward_pre_hooks: Hooks = OrderedDict()
_global_backward_hooks: Hooks = OrderedDict()
_global_is_full_backward_hook: bool | None = None
_global_buffer_registration_hooks: Hooks = OrderedDict()
_global_module_registration_hooks: Hooks = OrderedDict()
_global_parameter_registration_hooks: Hooks = OrderedDict()
# The ids of the global forward pre, forward, backward pre and backward hooks, the ones that
# send every module call down the hooked path: ``Module.__call__`` tests this one dict (the
# handles remove the ids with the hooks).
_global_call_hooks: dict[int, bool] = {}


def _add(hooks: Hooks, hook: Callable[..., Any], *extra: dict[int, Any]) -> RemovableHandle:
    handle = RemovableHandle(hooks, *extra)
    hooks[handle.id] = hook
    return handle


def _add_call_hook(
    hooks: Hooks, hook: Callable[..., Any], *extra: dict[int, Any]
) -> RemovableHandle:
    handle = _add(hooks, hook, _global_call_hooks, *extra)
    _global_call_hooks[handle.id] = True
    return handle


def register_module_forward_pre_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, args)`` before every module's ``forward`` (before its own hooks).

    Args:
        hook: the function to call; it may return new positional args.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.modules.module import register_module_forward_pre_hook
        >>> seen = []
        >>> handle = register_module_forward_pre_hook(lambda m, args: seen.append(type(m).__name__))
        >>> _ = mt.nn.Sequential(mt.nn.Identity())(mt.ones(1))
        >>> handle.remove()
        >>> seen
        ['Sequential', 'Identity']
    """
    return _add_call_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(
    hook: Callable[..., None], *, with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    """Call ``hook(module, args, output)`` after every module's ``forward`` (before its own).

    Args:
        hook: the function to call; a returned value replaces the output.
        with_kwargs: call it as ``hook(module, args, kwargs, output)``.
        always_call: run it even when ``forward`` raises.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    handle = _add_call_hook(
        _global_forward_hooks,
        hook,
        _global_forward_hooks_always_called,
        _global_forward_hooks_with_kwargs,
    )
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def _check_backward_kind(full: bool) -> None:
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is (not full):
        raise RuntimeError(
            "Cannot use both regular backward hooks and full backward hooks as a global Module "
            "hook. Please use only one of them."
        )
    _global_is_full_backward_hook = full


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, grad_output)`` before every module's input gradients are computed.

    Args:
        hook: the function to call; it may return a new ``grad_output``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    return _add_call_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, grad_input, grad_output)`` for every module (before its own hooks).

    Args:
        hook: the function to call; it may return a new ``grad_input``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Raises:
        RuntimeError: if a global ``register_module_backward_hook`` is registered already.
    """
    _check_backward_kind(full=True)
    return _add_call_hook(_global_backward_hooks, hook)


def register_module_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """The old global backward hook; microtensor gives it the full hook's behaviour.

    Differs from PyTorch: as ``Module.register_backward_hook``, the hook sees the gradients of
    the module call (PyTorch's sees those of the module's last op, and deprecates it).

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Raises:
        RuntimeError: if a global full backward hook is registered already.
    """
    _check_backward_kind(full=False)
    warnings.warn(
        "register_module_backward_hook is deprecated: use register_module_full_backward_hook "
        "(which microtensor runs for it)",
        FutureWarning,
        stacklevel=2,
    )
    return _add_call_hook(_global_backward_hooks, hook)


def register_module_buffer_registration_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, name, buffer)`` on every buffer registration; may return a new one.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    return _add(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, name, submodule)`` on every submodule registration; may replace it.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    return _add(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, name, param)`` on every parameter registration; may replace it.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    return _add(_global_parameter_registration_hooks, hook)


def registered(kind: str, module: Any, name: str, value: Any) -> Any:
    """``value`` after every ``kind`` ("parameter", "buffer", "module") registration hook."""
    hooks = {
        "parameter": _global_parameter_registration_hooks,
        "buffer": _global_buffer_registration_hooks,
        "module": _global_module_registration_hooks,
    }[kind]
    for hook in list(hooks.values()):
        output = hook(module, name, value)
        if output is not None:
            value = output
    return value
