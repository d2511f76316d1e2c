"""``MultivariateNormal(loc, covariance_matrix=None, precision_matrix=None, scale_tril=None)``."""

from __future__ import annotations

import functools
import math
from typing import Any

import microtensor as mt
from microtensor import linalg
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.tensor import Tensor

__all__ = ["MultivariateNormal"]


def batch_mv(matrix: Tensor, vec: Tensor) -> Tensor:
    """``matrix @ vec`` over broadcast batch dims."""
    return (matrix @ vec.unsqueeze(-1)).squeeze(-1)


def batch_mahalanobis(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """``|L^-1 diff|^2``: the squared Mahalanobis distance for ``cov = L L^T``."""
    shape = mt.broadcast_shapes(tuple(scale_tril.shape[:-2]), tuple(diff.shape[:-1]))
    n = diff.shape[-1]
    scale_tril = scale_tril.expand(*shape, n, n)
    solved = linalg.solve_triangular(scale_tril, diff.expand(*shape, n).unsqueeze(-1), upper=False)
    return solved.squeeze(-1).pow(2).sum(-1)


def precision_to_scale_tril(precision: Tensor) -> Tensor:
    """The Cholesky factor of ``precision^-1``, without inverting: torch's flip trick."""
    flipped = linalg.cholesky(precision.flip((-2, -1)))
    inverse_tril = flipped.flip((-2, -1)).mT
    eye = mt.eye(precision.shape[-1], dtype=precision.dtype)
    return linalg.solve_triangular(inverse_tril, eye, upper=False)


class MultivariateNormal(Distribution):
    """The Gaussian on vectors, with mean ``loc`` and one of three matrix parameters.

    Give exactly one of ``covariance_matrix`` (Sigma), ``precision_matrix`` (Sigma^-1) or
    ``scale_tril`` (L, lower triangular with a positive diagonal, Sigma = L L^T); the others
    are derived on first use. Batch dims of ``loc`` and the matrix broadcast.

    Args:
        loc: the mean, at least one-dimensional (event shape ``loc.shape[-1:]``).
        covariance_matrix: a positive-definite covariance.
        precision_matrix: a positive-definite precision.
        scale_tril: a lower-triangular Cholesky factor of the covariance.
        validate_args: check the parameters and ``log_prob``'s values.

    Raises:
        ValueError: for a zero-dimensional ``loc``, not exactly one matrix, or a matrix with
            fewer than two dims.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import MultivariateNormal
        >>> MultivariateNormal(mt.zeros(2), mt.eye(2)).log_prob(mt.zeros(2))
        tensor(-1.8379)
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True
    _lazy = ("covariance_matrix", "precision_matrix", "scale_tril")

    def __init__(
        self,
        loc: Tensor,
        covariance_matrix: Tensor | None = None,
        precision_matrix: Tensor | None = None,
        scale_tril: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        options = {
            "scale_tril": scale_tril,
            "covariance_matrix": covariance_matrix,
            "precision_matrix": precision_matrix,
        }
        given = {k: v for k, v in options.items() if v is not None}
        if len(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
            )
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            raise ValueError(
                f"{name} matrix must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        batch_shape = Size(mt.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        self.__dict__[name] = matrix.expand(*batch_shape, -1, -1)
        self.loc = loc.expand(*batch_shape, -1)
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        self._unbroadcasted_scale_tril: Tensor
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = precision_to_scale_tril(matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(  # type: ignore[return-value]
            batch_shape, loc=1, covariance_matrix=2, precision_matrix=2, scale_tril=2
        )

    def _matrix_shape(self) -> tuple[int, ...]:
        return (*self._batch_shape, *self._event_shape, *self._event_shape)

    @functools.cached_property
    def scale_tril(self) -> Tensor:
        """L, the lower Cholesky factor of the covariance."""
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @functools.cached_property
    def covariance_matrix(self) -> Tensor:
        """Sigma = L L^T."""
        tril = self._unbroadcasted_scale_tril
        return (tril @ tril.mT).expand(self._matrix_shape())

    @functools.cached_property
    def precision_matrix(self) -> Tensor:
        """Sigma^-1, from L."""
        return mt.cholesky_inverse(self._unbroadcasted_scale_tril).expand(self._matrix_shape())

    @property
    def mean(self) -> Tensor:
        """The mean: ``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """The mode: ``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The marginal variances: the diagonal of Sigma."""
        shape = (*self._batch_shape, *self._event_shape)
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + L eps`` with ``eps ~ N(0, I)`` (torch's stream)."""
        shape = self._extended_shape(sample_shape)
        eps = mt.empty(shape, dtype=self.loc.dtype).normal_()
        return self.loc + batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(k log(2 pi) + |L^-1 (x - loc)|^2) / 2 - log det L``."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        maha = batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + maha) - self._half_log_det()

    def entropy(self) -> Tensor:
        """``k (1 + log(2 pi)) / 2 + log det L``."""
        entropy = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return entropy if len(self._batch_shape) == 0 else entropy.expand(self._batch_shape)
