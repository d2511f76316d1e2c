"""``torch.nn.utils.spectral_norm``: the older spectral norm (``weight_orig``, ``_u``, ``_v``).

A forward pre-hook sets ``module.weight = weight_orig / sigma`` before every call, ``sigma``
estimated by power iteration on the buffers ``weight_u`` / ``weight_v`` (updated in training
mode only), exactly as PyTorch's hook. ``parametrizations.spectral_norm`` is the newer form.
"""

from __future__ import annotations

from typing import Any

from microtensor import creation, ops
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.nn.utils.parametrizations import normalize_vector, weight_matrix
from microtensor.tensor import Tensor

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


class SpectralNorm:
    """The forward pre-hook: power iteration (training mode), then weight_orig / sigma."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """``weight_orig / sigma``, after power iteration on ``u``, ``v`` if asked."""
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = weight_matrix(weight, self.dim)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):  # v first, then u (PyTorch's order)
                    v.copy_(normalize_vector(ops.mv(weight_mat.T, u), self.eps))
                    u.copy_(normalize_vector(ops.mv(weight_mat, v), self.eps))
                u, v = u.clone(), v.clone()
        sigma = ops.dot(u, ops.mv(weight_mat, v))
        return weight / sigma  # type: ignore[no-any-return]

    def remove(self, module: Module) -> None:
        """Make ``<name>`` a plain parameter again (the normalised value)."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        """The pre-hook: recompute ``module.<name>`` before the call."""
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> Any:
        """Register the hook, the ``_orig`` parameter and the ``_u``/``_v`` buffers."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}"
                )
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"spectral_norm: {module._get_name()} has no parameter {name!r}")
        with no_grad():
            h, w = weight_matrix(weight, fn.dim).shape
            u = normalize_vector(creation.empty(h, dtype=weight.dtype).normal_(0, 1), eps)
            v = normalize_vector(creation.empty(w, dtype=weight.dtype).normal_(0, 1), eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm before every call (the older hook form).

    Args:
        module: the module.
        name: the parameter to normalise.
        n_power_iterations: power-iteration steps per call in training mode.
        eps: the smallest norm a vector is divided by.
        dim: the dim of output channels (default 0; 1 for ``ConvTranspose*``).

    Returns:
        ``module``, with parameter ``<name>_orig`` and buffers ``<name>_u``, ``<name>_v``.

    Example:
        >>> from microtensor import nn
        >>> list(nn.utils.spectral_norm(nn.Linear(4, 3)).state_dict())
        ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``spectral_norm``: ``<name>`` becomes an ordinary parameter (the normalised value).

    Raises:
        ValueError: ``module`` has no spectral norm on ``name``.
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
