"""Forward hooks of ``Module``: registration, removable handles, and the hooked call path.

The backward hooks (``module_backward_hooks.py``) join that call path here.

``Module.__call__`` only comes here when a hook is registered; without hooks a call is just
``forward``.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook.

    Also a context manager that removes the hook on exit, as ``torch.utils.hooks``.
    """

    next_id = 0

    def __init__(self, hooks_dict: dict[int, Any], *extra_dicts: dict[int, Any]) -> None:
        self.hooks_dict = hooks_dict
        self.extra_dicts = extra_dicts
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self.hooks_dict.pop(self.id, None)
        for extra in self.extra_dicts:
            extra.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.remove()


def add_hook(
    hooks: OrderedDict[int, Callable[..., Any]], hook: Callable[..., Any], prepend: bool = False
) -> RemovableHandle:
    """Put ``hook`` in ``hooks`` (first when ``prepend``); the handle removes it."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class ModuleHooks:
    """The forward-hook half of ``Module`` (a base class of it; not used on its own)."""

    _forward_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_hooks_with_kwargs: dict[int, bool]
    _forward_hooks_always_called: dict[int, bool]
    _forward_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_pre_hooks_with_kwargs: dict[int, bool]
    forward: Callable[..., Any]
    _wrap_inputs: Callable[..., Any]  # from ModuleBackwardHooks
    _wrap_outputs: Callable[..., Any]

    def _init_hooks(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", {})
        setattr_(self, "_forward_hooks_always_called", {})
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_pre_hooks_with_kwargs", {})
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        setattr_(self, "_state_dict_pre_hooks", OrderedDict())
        setattr_(self, "_state_dict_hooks", OrderedDict())
        setattr_(self, "_load_state_dict_pre_hooks", OrderedDict())
        setattr_(self, "_load_state_dict_post_hooks", OrderedDict())

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``.

        The hook may return new positional args (a tuple, or a single value that is wrapped
        in one). With ``with_kwargs=True`` it is called as ``hook(module, args, kwargs)`` and
        may return a new ``(args, kwargs)`` pair.

        Args:
            hook: the function to call.
            prepend: run this hook before the ones already registered.
            with_kwargs: pass the keyword arguments too.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import microtensor as mt
            >>> lin = mt.nn.Identity()
            >>> handle = lin.register_forward_pre_hook(lambda module, args: args[0] * 2)
            >>> lin(mt.tensor([1.0]))
            tensor([2.])
            >>> handle.remove()
            >>> lin(mt.tensor([1.0]))
            tensor([1.])
        """
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``.

        A hook that returns a value replaces the output. With ``with_kwargs=True`` it is
        called as ``hook(module, args, kwargs, output)``.

        Args:
            hook: the function to call.
            prepend: run this hook before the ones already registered.
            with_kwargs: pass the keyword arguments too.
            always_call: run the hook even if ``forward`` raises (its own errors are then
                only warned about, and the forward error propagates).

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(
            self._forward_hooks, self._forward_hooks_with_kwargs, self._forward_hooks_always_called
        )
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``forward`` with the pre-hooks before it and the hooks after it (PyTorch's order)."""
        from microtensor.nn import module_global_hooks as g

        for hook_id, hook in [
            *g._global_forward_pre_hooks.items(),
            *self._forward_pre_hooks.items(),
        ]:
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        args, backward_call = self._wrap_inputs(args)
        output = None
        called: set[int] = set()
        always = (self._forward_hooks_always_called, g._global_forward_hooks_always_called)
        try:
            output = self.forward(*args, **kwargs)
            # read after forward, as torch: a hook that forward registered runs on this call
            for hook_id, hook in [*g._global_forward_hooks.items(), *self._forward_hooks.items()]:
                called.add(hook_id)
                output = self._run_forward_hook(hook_id, hook, args, kwargs, output)
        except Exception:
            for hook_id, hook in [*g._global_forward_hooks.items(), *self._forward_hooks.items()]:
                if any(hook_id in a for a in always) and hook_id not in called:
                    try:
                        output = self._run_forward_hook(hook_id, hook, args, kwargs, output)
                    except Exception as e:  # noqa: BLE001 - the forward error is reported
                        warnings.warn(
                            "module forward hook with ``always_call=True`` raised an exception "
                            f"that was silenced as another error was raised in forward: {e}",
                            stacklevel=2,
                        )
            raise
        return self._wrap_outputs(output, backward_call)

    def _run_forward_hook(
        self, hook_id: int, hook: Callable[..., Any], args: Any, kwargs: Any, output: Any
    ) -> Any:
        from microtensor.nn.module_global_hooks import _global_forward_hooks_with_kwargs

        if (
            hook_id in self._forward_hooks_with_kwargs
            or hook_id in _global_forward_hooks_with_kwargs
        ):
            result = hook(self, args, kwargs, output)
        else:
            result = hook(self, args, output)
        return output if result is None else result
