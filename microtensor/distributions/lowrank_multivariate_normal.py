"""``LowRankMultivariateNormal(loc, cov_factor, cov_diag)``: covariance ``W W^T + diag(D)``."""

from __future__ import annotations

import functools
import math
from typing import Any

import microtensor as mt
from microtensor import linalg
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.multivariate_normal import batch_mahalanobis, batch_mv
from microtensor.tensor import Tensor

__all__ = ["LowRankMultivariateNormal"]


def capacitance_tril(cov_factor: Tensor, cov_diag: Tensor) -> Tensor:
    """The Cholesky factor of the capacitance ``I + W^T D^-1 W`` (m x m, cheap for m << n)."""
    m = cov_factor.shape[-1]
    wt_dinv = cov_factor.mT / cov_diag.unsqueeze(-2)
    capacitance = wt_dinv @ cov_factor + mt.eye(m, dtype=cov_factor.dtype)
    return linalg.cholesky(capacitance)


def lowrank_logdet(cov_factor: Tensor, cov_diag: Tensor, capacitance: Tensor) -> Tensor:
    """``log det(W W^T + D) = 2 log det chol(C) + sum log D`` (matrix determinant lemma)."""
    diagonal = capacitance.diagonal(dim1=-2, dim2=-1)
    return 2 * diagonal.log().sum(-1) + cov_diag.log().sum(-1)


def lowrank_mahalanobis(
    cov_factor: Tensor, cov_diag: Tensor, x: Tensor, capacitance: Tensor
) -> Tensor:
    """``x^T (W W^T + D)^-1 x`` by the Woodbury identity."""
    wt_dinv_x = batch_mv(cov_factor.mT / cov_diag.unsqueeze(-2), x)
    return (x.pow(2) / cov_diag).sum(-1) - batch_mahalanobis(capacitance, wt_dinv_x)


class LowRankMultivariateNormal(Distribution):
    """A multivariate normal whose covariance is low rank plus diagonal.

    ``log_prob`` uses the Woodbury identity and the matrix determinant lemma, so it costs
    O(n m^2) rather than O(n^3) for ``cov_factor`` of shape ``(n, m)``.

    Args:
        loc: the mean, shape ``batch + (n,)``.
        cov_factor: the factor ``W``, shape ``batch + (n, m)``.
        cov_diag: the diagonal ``D`` (> 0), shape ``batch + (n,)``.
        validate_args: check the parameters and ``log_prob``'s values.

    Raises:
        ValueError: for parameters of the wrong rank or incompatible shapes.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import LowRankMultivariateNormal
        >>> d = LowRankMultivariateNormal(mt.zeros(2), mt.tensor([[1.0], [0.0]]), mt.ones(2))
        >>> d.log_prob(mt.zeros(2))
        tensor(-2.1845)
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Tensor,
        cov_factor: Tensor,
        cov_diag: Tensor,
        validate_args: bool | None = None,
    ) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = loc.shape[-1:]
        if cov_factor.dim() < 2:
            raise ValueError(
                "cov_factor must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        if cov_factor.shape[-2:-1] != event_shape:
            raise ValueError(
                f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m"
            )
        if cov_diag.shape[-1:] != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            loc_, self.cov_factor, cov_diag_ = mt.broadcast_tensors(
                loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1)
            )
        except RuntimeError as e:
            raise ValueError(
                f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, "
                f"cov_diag {cov_diag.shape}"
            ) from e
        self.loc, self.cov_diag = loc_[..., 0], cov_diag_[..., 0]
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = capacitance_tril(cov_factor, cov_diag)
        super().__init__(self.loc.shape[:-1], event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LowRankMultivariateNormal:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(  # type: ignore[return-value]
            batch_shape, loc=1, cov_factor=2, cov_diag=1, covariance_matrix=2, scale_tril=2
        )

    def _matrix_shape(self) -> tuple[int, ...]:
        return (*self._batch_shape, *self._event_shape, *self._event_shape)

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
        """The diagonal of the covariance: ``sum_j W_ij^2 + D_i``."""
        variance = self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag
        return variance.expand(*self._batch_shape, *self._event_shape)

    @functools.cached_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance, ``D^1/2 chol(I + D^-1/2 W W^T D^-1/2)``."""
        n = self._event_shape[0]
        diag_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        scaled = self._unbroadcasted_cov_factor / diag_sqrt
        inner = scaled @ scaled.mT + mt.eye(n, dtype=scaled.dtype)
        return (diag_sqrt * linalg.cholesky(inner)).expand(self._matrix_shape())

    @functools.cached_property
    def covariance_matrix(self) -> Tensor:
        """``W W^T + diag(D)``."""
        w = self._unbroadcasted_cov_factor
        covariance = w @ w.mT + mt.diag_embed(self._unbroadcasted_cov_diag)
        return covariance.expand(self._matrix_shape())

    @functools.cached_property
    def precision_matrix(self) -> Tensor:
        """``D^-1 - D^-1 W C^-1 W^T D^-1`` (Woodbury), ``C`` the capacitance."""
        wt_dinv = self._unbroadcasted_cov_factor.mT / self._unbroadcasted_cov_diag.unsqueeze(-2)
        a = linalg.solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        precision = mt.diag_embed(self._unbroadcasted_cov_diag.reciprocal()) - a.mT @ a
        return precision.expand(self._matrix_shape())

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + W eps_W + sqrt(D) eps_D`` (torch's stream: ``eps_W`` first)."""
        shape = self._extended_shape(sample_shape)
        w_shape = (*shape[:-1], self.cov_factor.shape[-1])
        eps_w = mt.empty(w_shape, dtype=self.loc.dtype).normal_()
        eps_d = mt.empty(shape, dtype=self.loc.dtype).normal_()
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return self.loc + batch_mv(w, eps_w) + d.sqrt() * eps_d

    def _log_det(self) -> Tensor:
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return lowrank_logdet(w, d, self._capacitance_tril)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(n log(2 pi) + log det(cov) + diff^T cov^-1 diff) / 2`` by Woodbury."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        maha = lowrank_mahalanobis(w, d, diff, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + self._log_det() + maha)

    def entropy(self) -> Tensor:
        """``(n (1 + log(2 pi)) + log det(cov)) / 2``."""
        entropy = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._log_det())
        return entropy if len(self._batch_shape) == 0 else entropy.expand(self._batch_shape)
