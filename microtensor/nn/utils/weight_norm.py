"""``torch.nn.utils.weight_norm``: the older weight norm (parameters ``weight_g``, ``weight_v``).

The weight is recomputed as ``g * v / ||v||`` by a forward pre-hook before every call. PyTorch
deprecates this form in favour of ``parametrizations.weight_norm`` (which this module's
function warns about, as PyTorch does); checkpoints with ``weight_g`` / ``weight_v`` keys need it.
"""

from __future__ import annotations

import warnings
from typing import Any

from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.nn.utils.parametrizations import norm_except_dim, weight_from_norm

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook that sets ``module.<name> = g * v / ||v||`` before each call."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Any:
        """``g * v / ||v||`` from the module's ``_g`` and ``_v`` parameters."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return weight_from_norm(g, v, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        """Replace ``<name>`` by the ``_g``/``_v`` parameters and register the hook."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        fn = WeightNorm(name, -1 if dim is None else dim)
        weight = getattr(module, name)
        if not isinstance(weight, Parameter):
            raise ValueError(f"weight_norm: {name!r} of {module._get_name()} is not a Parameter")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach().clone()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Make ``<name>`` a plain parameter again (its current value)."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        """The pre-hook: recompute ``module.<name>`` before the call."""
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Replace ``module.<name>`` by ``g * v / ||v||`` with parameters ``<name>_g`` and ``<name>_v``.

    Args:
        module: the module.
        name: the parameter to reparametrize.
        dim: the dim whose slices get a magnitude each (None: one for the whole tensor).

    Returns:
        ``module``.

    Example:
        >>> import warnings
        >>> from microtensor import nn
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     lin = nn.utils.weight_norm(nn.Linear(3, 2))
        >>> list(lin.state_dict())
        ['bias', 'weight_g', 'weight_v']
    """
    warnings.warn(
        "`torch.nn.utils.weight_norm` is deprecated in favor of "
        "`torch.nn.utils.parametrizations.weight_norm`.",
        FutureWarning,
        stacklevel=2,
    )
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``weight_norm``: ``<name>`` becomes an ordinary parameter again.

    Raises:
        ValueError: ``module`` has no weight norm on ``name``.
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
