"""Backward hooks of ``Module``: ``register_full_backward_hook`` and its pre-hook.

A full backward hook sees the gradients with respect to a module call's inputs and outputs,
as ``torch.nn.Module.register_full_backward_hook``. It is built as PyTorch builds it: the
call's tensor inputs and outputs pass through identity functions whose backward is where the
hooks run. The output identity's backward sees ``grad_output`` (the pre-hooks may replace
it); the input identity's backward sees ``grad_input`` and calls the hooks (which may replace
it). When no input needs a gradient, the hooks run at the output with ``grad_input`` all None.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn import module_global_hooks as g
from microtensor.nn.module_hooks import RemovableHandle, add_hook
from microtensor.tensor import Tensor

__all__ = ["ModuleBackwardHooks"]


class _Call:
    """One hooked module call: the gradients seen so far, and who to tell."""

    def __init__(self, module: Any, n_inputs: int) -> None:
        self.module = module
        self.n_inputs = n_inputs
        self.input_positions: list[int] = []  # which tensor inputs went through the identity
        self.grad_output: tuple[Any, ...] | None = None

    def on_grad_output(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in [
            *g._global_backward_pre_hooks.values(),
            *self.module._backward_pre_hooks.values(),
        ]:
            result = hook(self.module, grads)
            if result is not None:
                grads = _checked(result, len(grads), "backward pre hook", "grad_output")
        self.grad_output = grads
        if not self.input_positions:  # nothing upstream will call the hooks: call them now
            self.call_hooks((None,) * self.n_inputs)
        return grads

    def on_grad_input(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        full: list[Any] = [None] * self.n_inputs
        for position, grad in zip(self.input_positions, grads, strict=True):
            full[position] = grad
        result = self.call_hooks(tuple(full))
        return tuple(result[position] for position in self.input_positions)

    def call_hooks(self, grad_input: tuple[Any, ...]) -> tuple[Any, ...]:
        grad_output = self.grad_output if self.grad_output is not None else ()
        for hook in [*g._global_backward_hooks.values(), *self.module._backward_hooks.values()]:
            result = hook(self.module, grad_input, grad_output)
            if result is not None:
                grad_input = _checked(result, len(grad_input), "backward hook", "grad_input")
        return grad_input


def _checked(result: Any, expected: int, what: str, name: str) -> tuple[Any, ...]:
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != expected:
        raise RuntimeError(
            f"{what} returned an invalid number of {name}: got {len(result)}, but expected "
            f"{expected}"
        )
    return result


class _BackwardHook(Function):
    """Identity on tensors; its backward hands the incoming gradients to ``ctx.notify``."""

    @staticmethod
    def forward(ctx: Any, notify: Callable[..., Any], *tensors: Tensor) -> Any:
        ctx.notify = notify
        ctx.set_materialize_grads(False)
        return tensors

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        return (None, *ctx.notify(tuple(grads)))


class ModuleBackwardHooks:
    """The backward-hook methods of ``Module`` (a base class of it; not used on its own)."""

    _backward_hooks: OrderedDict[int, Callable[..., Any]]
    _backward_pre_hooks: OrderedDict[int, Callable[..., Any]]

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the input gradients are known.

        ``grad_input`` holds the gradient of each positional Tensor input (None for one that
        needs none), ``grad_output`` that of each Tensor output. The hook may return a new
        ``grad_input`` tuple, which replaces the gradients flowing on to the inputs.

        Args:
            hook: the function to call.
            prepend: run this hook before the ones already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import microtensor as mt
            >>> seen = []
            >>> lin = mt.nn.Linear(2, 1)
            >>> h = lin.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].shape))
            >>> lin(mt.ones(3, 2, requires_grad=True)).sum().backward()
            >>> seen
            [microtensor.Size([3, 1])]
        """
        return add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` before the module's input gradients are computed.

        The hook may return a new ``grad_output`` tuple, used in place of the old one.

        Args:
            hook: the function to call.
            prepend: run this hook before the ones already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._backward_pre_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """The old backward hook; microtensor gives it the full hook's behaviour.

        Differs from PyTorch: PyTorch's old hook sees the gradients of the last op inside the
        module, which is wrong for modules of several ops (PyTorch deprecates it for that);
        here it is ``register_full_backward_hook``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        warnings.warn(
            "register_backward_hook is deprecated: use register_full_backward_hook (which "
            "microtensor runs for it)",
            FutureWarning,
            stacklevel=2,
        )
        return self.register_full_backward_hook(hook)

    def _wrap_inputs(self, args: tuple[Any, ...]) -> tuple[tuple[Any, ...], _Call | None]:
        """Route the tensor inputs of a call through the input identity (grad mode only)."""
        hooked = self._backward_hooks or self._backward_pre_hooks
        if not (hooked or g._global_backward_hooks or g._global_backward_pre_hooks):
            return args, None
        if not is_grad_enabled():
            return args, None
        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        call = _Call(self, len(tensors))
        call.input_positions = [k for k, i in enumerate(tensors) if args[i].requires_grad]
        if not call.input_positions:
            return args, call
        chosen = [tensors[k] for k in call.input_positions]
        wrapped = _BackwardHook.apply(call.on_grad_input, *(args[i] for i in chosen))
        new_args = list(args)
        for i, tensor in zip(chosen, wrapped, strict=True):
            new_args[i] = tensor
        return tuple(new_args), call

    def _wrap_outputs(self, output: Any, call: _Call | None) -> Any:
        """Route the tensor outputs of a call through the output identity."""
        if call is None:
            return output
        items = list(output) if isinstance(output, tuple) else [output]
        positions = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return output
        wrapped = _BackwardHook.apply(call.on_grad_output, *(items[i] for i in positions))
        for i, tensor in zip(positions, wrapped, strict=True):
            items[i] = tensor
        return tuple(items) if isinstance(output, tuple) else items[0]
