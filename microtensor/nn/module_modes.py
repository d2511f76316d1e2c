"""Modes of ``Module``: training or evaluation, gradients on or off, and ``compile``.

A base class of ``Module`` (not used alone): each method walks the module tree or its
parameters, as torch's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__: list[str] = []  # internal: Module's base class


class ModuleModes:
    """``train``, ``eval``, ``requires_grad_``, ``zero_grad`` and ``compile`` of ``Module``."""

    training: bool
    children: Callable[[], Iterator[Any]]  # defined by Module
    parameters: Callable[..., Iterator[Any]]  # defined by Module
    forward: Callable[..., Any]

    def train(self, mode: bool = True) -> Any:
        """Set training mode (``mode=True``) or evaluation mode here and in every submodule.

        Raises:
            ValueError: if ``mode`` is not a bool.
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Any:
        """Set evaluation mode (``train(False)``): Dropout becomes the identity, etc."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        """Set ``requires_grad`` of every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None, or (``set_to_none=False``) to zeros."""
        for param in self.parameters():
            grad = param.grad
            if grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                grad.detach_()
                grad.zero_()

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """Compile this module's calls in place, as ``nn.Module.compile`` (PyTorch >= 2.2).

        Unlike ``microtensor.compile(module)``, which wraps the module in an
        ``OptimizedModule``, the module keeps its class and its ``state_dict`` keys (no
        ``_orig_mod.`` prefix). The arguments are ``microtensor.compile``'s and are checked as
        it checks them.

        Differs from PyTorch: as ``microtensor.compile``, calls keep running eagerly.

        Example:
            >>> import microtensor as mt
            >>> model = mt.nn.Linear(2, 1)
            >>> model.compile(mode="reduce-overhead")
            >>> list(model.state_dict())
            ['weight', 'bias']
        """
        from microtensor.compiler import compile as compile_fn  # compiler imports nn

        compile_fn(self.forward, *args, **kwargs)
