"""``torch.nn.utils.parametrizations``: ``weight_norm`` and ``spectral_norm`` as parametrizations.

Both register a parametrization (see ``parametrize``) with PyTorch's state-dict keys:
``parametrizations.weight.original0`` (g) and ``original1`` (v) for weight norm;
``parametrizations.weight.original`` and the power-iteration vectors
``parametrizations.weight.0._u`` / ``._v`` for spectral norm.
"""

from __future__ import annotations

from microtensor import creation, ops
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn._functional.distance import normalize
from microtensor.nn.module import Module
from microtensor.nn.utils import parametrize
from microtensor.nn.utils.orthogonal import orthogonal
from microtensor.tensor import Tensor

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dim but ``dim``, kept broadcastable (all dims: -1)."""
    if dim == -1:
        return v.norm()
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(
            f"weight_norm(): Dimension out of range (expected to be in range of [{-v.ndim}, "
            f"{v.ndim - 1}], but got {dim}): dim names the weight's dim that keeps a norm each"
        )
    dim = dim % v.ndim
    return ops.vector_norm(v, 2, tuple(d for d in range(v.ndim) if d != dim), True)


def weight_from_norm(g: Tensor, v: Tensor, dim: int) -> Tensor:
    """The weight ``g * v / ||v||`` (norm over every dim but ``dim``), as ``torch._weight_norm``."""
    return v * (g / norm_except_dim(v, dim))


def normalize_vector(v: Tensor, eps: float) -> Tensor:
    """The 1-D ``v`` over its norm, ``v / max(||v||, eps)`` (``F.normalize`` along dim 0)."""
    return normalize(v, dim=0, eps=eps)


def weight_matrix(weight: Tensor, dim: int) -> Tensor:
    """The weight as a matrix for spectral norm: dim ``dim`` first, the others flattened."""
    if dim != 0:
        weight = weight.movedim(dim, 0)
    return weight.flatten(1)


class _WeightNorm(Module):
    """Weight norm, ``w = g * v / ||v||``; ``right_inverse(w) = (||w|| but along dim, w)``."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_from_norm(weight_g, weight_v, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (magnitude and direction).

    Args:
        module: the module.
        name: the parameter to reparametrize.
        dim: the dim whose slices get a magnitude each (None: one for the whole tensor).

    Returns:
        ``module``, whose ``parametrizations.<name>.original0`` is g and ``original1`` is v.

    Example:
        >>> from microtensor import nn
        >>> lin = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
        >>> sorted(lin.state_dict())
        ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
        >>> tuple(lin.parametrizations.weight.original0.shape)
        (2, 1)
    """
    return parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    """Spectral norm, ``w / sigma(w)``: sigma, the top singular value, by power iteration."""

    _u: Tensor
    _v: Tensor

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:  # fmt: skip
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = weight_matrix(weight, self.dim)
            h, w = weight_mat.shape
            u = normalize_vector(creation.empty(h, dtype=weight.dtype).normal_(0, 1), eps)
            v = normalize_vector(creation.empty(w, dtype=weight.dtype).normal_(0, 1), eps)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                self._u = normalize_vector(ops.mv(weight_mat, self._v), self.eps)
                self._v = normalize_vector(ops.mv(weight_mat.T, self._u), self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize_vector(weight, self.eps)
        weight_mat = weight_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = ops.dot(u, ops.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm (largest singular value).

    The singular vectors are estimated by ``n_power_iterations`` steps of power iteration
    at each access in training mode (15 at registration), as PyTorch does.

    Args:
        module: the module.
        name: the parameter to normalise.
        n_power_iterations: power-iteration steps per access in training mode.
        eps: the smallest norm a vector is divided by.
        dim: the dim of output channels (default 0; 1 for ``ConvTranspose*``).

    Returns:
        ``module``, with ``parametrizations.<name>.original`` and the vectors ``.0._u``,
        ``.0._v``.

    Raises:
        ValueError: the module has no parameter ``name``, or ``n_power_iterations <= 0``.

    Example:
        >>> import numpy as np
        >>> from microtensor import nn
        >>> lin = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
        >>> sigma = np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False)[0]
        >>> round(float(sigma), 3)
        1.0
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    norm = _SpectralNorm(weight, n_power_iterations, dim, eps)
    return parametrize.register_parametrization(module, name, norm)
