"""``torch.nn.utils.skip_init``: build a module without running its initialisation."""

from __future__ import annotations

import inspect
from typing import Any

from microtensor.nn.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type[Module], *args: Any, **kwargs: Any) -> Module:
    """``module_cls(*args, **kwargs)`` with uninitialised parameters and buffers.

    The values are whatever memory held (``empty``): initialise them yourself, as in PyTorch.

    Differs from PyTorch: PyTorch builds the module on its ``meta`` device so the
    initialisation never runs; microtensor has no meta device, so it runs and is then
    discarded (``to_empty``). The result is the same; only the time differs.

    Args:
        module_cls: an nn.Module subclass whose constructor takes ``device=``.
        *args: its positional arguments.
        **kwargs: its keyword arguments.

    Returns:
        The module.

    Raises:
        RuntimeError: ``module_cls`` is not a Module subclass, or takes no ``device`` argument.

    Example:
        >>> from microtensor import nn
        >>> lin = nn.utils.skip_init(nn.Linear, 3, 2)
        >>> tuple(lin.weight.shape)
        (2, 3)
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    return module_cls(*args, **kwargs).to_empty(device=final_device)
