"""Transforms of whole vectors and matrices: onto the simplex and onto Cholesky factors.

``CorrCholeskyTransform`` maps vectors onto Cholesky factors of correlation matrices.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import linalg
from microtensor.distributions import constraints
from microtensor.distributions._transform_base import Transform
from microtensor.tensor import Tensor

__all__ = [
    "CorrCholeskyTransform",
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


def _vec_to_tril(vec: Tensor) -> Tensor:
    """``(..., D (D - 1) / 2) -> (..., D, D)``: the strict lower part filled in row order.

    Raises:
        ValueError, RuntimeError: when the last dim is not a triangular number (torch's types).
    """
    n = vec.shape[-1]
    dim = (1 + (1 + 8 * n) ** 0.5) / 2
    # torch's test only catches sizes whose root rounds up; the others fail as a shape mismatch
    if round(dim) - dim > mt.finfo(vec.dtype).eps:
        raise ValueError(
            f"The size of last dimension is {n} which cannot be expressed as "
            "the lower triangular part of a square D x D matrix."
        )
    dim = round(dim)
    if dim * (dim - 1) // 2 != n:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(vec.shape)} cannot be broadcast "
            f"to indexing result of shape {[*vec.shape[:-1], dim * (dim - 1) // 2]}"
        )
    # entry (i, j) of the matrix reads vec[k] for the k-th strict-lower entry, else the 0 pad
    position = np.zeros((dim, dim), dtype=np.int64)
    position[np.tril_indices(dim, -1)] = np.arange(1, n + 1)
    return F.pad(vec, [1, 0])[..., position]


def _tril_to_vec(mat: Tensor, diag: int) -> Tensor:
    """The entries ``(i, j)``, ``j <= i + diag``, of square matrices in row order.

    Raises:
        IndexError: for a shape that is not ``(..., D, D)`` (torch's type).
    """
    if mat.ndim < 2 or mat.shape[-2] != mat.shape[-1]:
        raise IndexError(
            "CorrCholeskyTransform: expected square matrices of shape (..., D, D), "
            f"got shape {tuple(mat.shape)}"
        )
    rows, cols = np.tril_indices(mat.shape[-1], diag)
    return mat[..., rows, cols]


class CorrCholeskyTransform(Transform):
    """A bijection from ``R^(D (D - 1) / 2)`` onto Cholesky factors of DxD correlation matrices.

    The vector fills the strict lower triangle in row order; ``r = tanh(x)`` and each row is a
    signed stick breaking on ``r^2``: ``y_ij = r_ij sqrt(1 - sum_{k<j} y_ik^2)`` below the
    diagonal, and ``y_ii`` completes row i to unit length (Stan's construction). So ``x = 0``
    maps to the identity. ``biject_to(corr_cholesky)`` and ``transform_to(corr_cholesky)``.

    Differs from PyTorch: ``log_abs_det_jacobian`` is 0 for D = 1 (torch raises ValueError).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions.transforms import CorrCholeskyTransform
        >>> t = CorrCholeskyTransform()
        >>> y = t(mt.tensor([0.0, 0.0, 0.0]))
        >>> y
        tensor([[1., 0., 0.],
                [0., 1., 0.],
                [0., 0., 1.]])
        >>> t.log_abs_det_jacobian(mt.zeros(3), y)
        tensor(0.)
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def _call(self, x: Tensor) -> Tensor:
        eps = mt.finfo(x.dtype).eps
        r = _vec_to_tril(x.tanh().clamp(min=-1 + eps, max=1 - eps))  # keeps 1 - r^2 > 0
        # y_ij = r_ij * prod_{k<j} sqrt(1 - r_ik^2); the diagonal's r is 1
        remaining = (1 - r.pow(2)).sqrt().cumprod(-1)
        r = r + mt.eye(r.shape[-1], dtype=r.dtype)
        return r * F.pad(remaining[..., :-1], [1, 0], value=1)

    def _inverse(self, y: Tensor) -> Tensor:
        remaining = F.pad((1 - (y * y).cumsum(-1))[..., :-1], [1, 0], value=1)
        r = _tril_to_vec(y, -1) / _tril_to_vec(remaining, -1).sqrt()
        return (r.log1p() - (-r).log1p()) / 2

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Over ``x`` and the strict lower part of ``y`` (the free entries).

        ``sum_(j<i) (log(1 - sum_{k<j} y_ik^2) / 2 + log(1 - tanh(x_ij)^2))``, with
        ``log(1 - tanh(x)^2) = -2 (x + softplus(-2 x) - log 2)``.
        """
        # diag -2 picks the remainders before each strict-lower entry, with no shift
        remaining = _tril_to_vec(1 - (y * y).cumsum(-1), -2)
        stick_breaking = 0.5 * remaining.log().sum(-1)
        tanh = -2 * (x + F.softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick_breaking + tanh

    def forward_shape(self, shape: Any) -> Any:  # noqa: D102
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = shape[-1]
        dim = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if dim * (dim - 1) // 2 != n:
            raise ValueError("Input is not a flattened lower-diagonal number")
        return (*shape[:-1], dim, dim)

    def inverse_shape(self, shape: Any) -> Any:  # noqa: D102
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        dim = shape[-1]
        return (*shape[:-2], dim * (dim - 1) // 2)
