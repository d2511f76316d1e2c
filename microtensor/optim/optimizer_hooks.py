"""Hooks of ``Optimizer``: step pre/post hooks, state-dict hooks, and the global step hooks.

``Optimizer.__init_subclass__`` wraps each algorithm's ``step`` with ``hooked_step`` (as
PyTorch patches ``step`` on first construction), so the hooks also run around the ``step``
of a user's own ``Optimizer`` subclass.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from microtensor.nn.module_hooks import RemovableHandle

__all__ = ["register_optimizer_step_post_hook", "register_optimizer_step_pre_hook"]

_global_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_post_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a hook run before the ``step()`` of every optimizer.

    Args:
        hook: ``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    handle = RemovableHandle(_global_pre_hooks)
    _global_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a hook run after the ``step()`` of every optimizer.

    Args:
        hook: ``hook(optimizer, args, kwargs) -> None``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    handle = RemovableHandle(_global_post_hooks)
    _global_post_hooks[handle.id] = hook
    return handle


def hooked_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an algorithm's ``step`` so that the global and per-optimizer hooks run around it."""
    if getattr(step, "_hooked", False):
        return step

    @functools.wraps(step)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not (
            _global_pre_hooks
            or self._optimizer_step_pre_hooks
            or self._optimizer_step_post_hooks
            or _global_post_hooks
        ):  # the common case: no hook, no lists to build
            out = step(self, *args, **kwargs)
            self._opt_called = True  # for the LR schedulers' check of the call order
            return out
        pre_hooks = [*_global_pre_hooks.values(), *self._optimizer_step_pre_hooks.values()]
        for pre_hook in pre_hooks:
            result = pre_hook(self, args, kwargs)
            if result is None:
                continue
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(
                    f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                    f"{result}."
                )
            args, kwargs = result
        out = step(self, *args, **kwargs)
        self._opt_called = True  # for the LR schedulers' check of the call order
        post_hooks = [*self._optimizer_step_post_hooks.values(), *_global_post_hooks.values()]
        for post_hook in post_hooks:
            post_hook(self, args, kwargs)
        return out

    wrapper._hooked = True  # type: ignore[attr-defined]
    return wrapper


class OptimizerHooks:
    """The hook registry half of ``Optimizer`` (a base class of it; not used on its own)."""

    _optimizer_step_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _optimizer_step_post_hooks: OrderedDict[int, Callable[..., Any]]
    _optimizer_state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _optimizer_state_dict_post_hooks: OrderedDict[int, Callable[..., Any]]
    _optimizer_load_state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _optimizer_load_state_dict_post_hooks: OrderedDict[int, Callable[..., Any]]

    def _init_hooks(self) -> None:
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``.

        It runs before each ``step()``; what it returns replaces step's arguments.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return _add(self._optimizer_step_pre_hooks, hook, False)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs) -> None``, run after each ``step()``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return _add(self._optimizer_step_post_hooks, hook, False)

    def register_state_dict_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer) -> None``, run before ``state_dict()`` builds its result.

        Args:
            hook: the function to call.
            prepend: run it before the hooks already registered (default: after them).

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return _add(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict) -> state_dict or None``, run after it.

        Args:
            hook: the function to call; a returned dict replaces the state dict.
            prepend: run it before the hooks already registered (default: after them).

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return _add(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict) -> state_dict or None``, run before loading.

        The hook gets a shallow copy of the dict given to ``load_state_dict``; a returned dict
        is loaded instead.

        Args:
            hook: the function to call.
            prepend: run it before the hooks already registered (default: after them).

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return _add(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer) -> None``, run after ``load_state_dict()``.

        Args:
            hook: the function to call.
            prepend: run it before the hooks already registered (default: after them).

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return _add(self._optimizer_load_state_dict_post_hooks, hook, prepend)


def _add(
    hooks: OrderedDict[int, Callable[..., Any]], hook: Callable[..., Any], prepend: bool
) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle
