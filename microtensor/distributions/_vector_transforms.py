"""Transforms of whole vectors and matrices: onto the simplex and onto Cholesky factors."""

from __future__ import annotations

from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import linalg
from microtensor.distributions import constraints
from microtensor.distributions._transform_base import Transform
from microtensor.tensor import Tensor

__all__ = [
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "SoftmaxTransform",
    "StickBreakingTransform",
]


class SoftmaxTransform(Transform):
    """``y = softmax(x)`` over the last dim (not bijective: the inverse is ``log y``)."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        probs = (x - x.max(-1, keepdim=True)[0]).exp()  # max shift against overflow
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def forward_shape(self, shape: Any) -> Any:  # noqa: D102
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape

    def inverse_shape(self, shape: Any) -> Any:  # noqa: D102
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape


class StickBreakingTransform(Transform):
    """A bijection from ``R^(K-1)`` onto the K-simplex by stick breaking.

    Element ``i`` takes the fraction ``sigmoid(x_i - log(K - 1 - i))`` of what is left, so
    ``x = 0`` maps to the uniform vector; ``biject_to(simplex)`` (as torch's).
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        offset = x.shape[-1] + 1 - mt.ones(x.shape[-1], dtype=x.dtype).cumsum(-1)
        finfo = mt.finfo(x.dtype)
        z = (x - offset.log()).sigmoid().clamp(min=finfo.tiny, max=1.0 - finfo.eps)
        z_cumprod = (1 - z).cumprod(-1)
        return F.pad(z, [0, 1], value=1) * F.pad(z_cumprod, [1, 0], value=1)

    def _inverse(self, y: Tensor) -> Tensor:
        y_crop = y[..., :-1]
        offset = y.shape[-1] - mt.ones(y_crop.shape[-1], dtype=y.dtype).cumsum(-1)
        # clamped: the remaining stick can round to <= 0 when y[-1] ~ 0
        remaining = (1 - y_crop.cumsum(-1)).clamp(min=mt.finfo(y.dtype).tiny)
        return y_crop.log() - remaining.log() + offset.log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``sum_i (-x_i' + log sigmoid(x_i') + log y_i)``, ``x' = x - log offset``."""
        offset = x.shape[-1] + 1 - mt.ones(x.shape[-1], dtype=x.dtype).cumsum(-1)
        shifted = x - offset.log()
        # 1 - sigmoid(x) = exp(-x) sigmoid(x)
        return (-shifted + F.logsigmoid(shifted) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape: Any) -> Any:  # noqa: D102
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return (*shape[:-1], shape[-1] + 1)

    def inverse_shape(self, shape: Any) -> Any:  # noqa: D102
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return (*shape[:-1], shape[-1] - 1)


class LowerCholeskyTransform(Transform):
    """Square matrices to Cholesky factors: the strict lower part, and ``exp`` of the diagonal.

    Not bijective (the upper part is dropped); ``transform_to(lower_cholesky)``.
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.tril(-1) + mt.diag_embed(x.diagonal(dim1=-2, dim2=-1).exp())

    def _inverse(self, y: Tensor) -> Tensor:
        return y.tril(-1) + mt.diag_embed(y.diagonal(dim1=-2, dim2=-1).log())


class PositiveDefiniteTransform(Transform):
    """Square matrices to positive-definite ones: ``L L^T`` of ``LowerCholeskyTransform``."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        tril = LowerCholeskyTransform()(x)
        return tril @ tril.mT

    def _inverse(self, y: Tensor) -> Tensor:
        return LowerCholeskyTransform().inv(linalg.cholesky(y))
