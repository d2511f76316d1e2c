"""``Wishart(df, covariance_matrix=None, precision_matrix=None, scale_tril=None)``."""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import microtensor as mt
from microtensor import linalg
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.chi2 import Chi2
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.multivariate_normal import precision_to_scale_tril
from microtensor.tensor import Tensor

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def mvdigamma(x: Tensor, p: int) -> Tensor:
    """The multivariate digamma: ``sum_{i<p} digamma(x - i / 2)`` (the derivative of mvlgamma).

    Raises:
        AssertionError: unless every ``x > (p - 1) / 2`` (torch's ``_mvdigamma``).
    """
    if not bool((x > (p - 1) / 2).all()):
        raise AssertionError("Wrong domain for multivariate digamma function.")
    halves = mt.arange(p, dtype=x.dtype).div(2)
    return (x.unsqueeze(-1) - halves).digamma().sum(-1)


class Wishart(Distribution):
    """The distribution of ``X = sum_{k<df} z_k z_k^T`` with ``z_k ~ N(0, Sigma)``, for p x p X.

    Density ``|X|^((df - p - 1) / 2) exp(-tr(Sigma^-1 X) / 2) / (2^(df p / 2) |Sigma|^(df / 2)
    Gamma_p(df / 2))`` on positive-definite matrices, for real ``df > p - 1``. Give exactly one
    of ``covariance_matrix`` (Sigma), ``precision_matrix`` (Sigma^-1) or ``scale_tril`` (L,
    Sigma = L L^T); every computation uses L. Draws use the Bartlett decomposition.

    Args:
        df: the degrees of freedom (> p - 1), a number or a tensor batched with the matrix.
        covariance_matrix: a positive-definite Sigma.
        precision_matrix: a positive-definite Sigma^-1.
        scale_tril: a lower-triangular Cholesky factor of Sigma with a positive diagonal.
        validate_args: check the parameters and ``log_prob``'s values.

    Raises:
        AssertionError: unless exactly one matrix is given (as torch).
        ValueError: for a matrix with fewer than two dims, or ``df <= p - 1``.

    Warns:
        UserWarning: for ``df < p``, where singular draws are likely.

    Differs from PyTorch: the chi-squared draws of the Bartlett factor are ``Chi2``'s (NumPy
    gammas; not torch's values). ``rsample`` redraws the samples that are not positive
    definite (torch's check is inverted: it redraws, and warns "Singular sample detected."
    about, the valid ones), so it warns only when a singular sample is drawn.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions.wishart import Wishart
        >>> d = Wishart(mt.tensor(3.0), covariance_matrix=mt.eye(2))
        >>> d.log_prob(mt.eye(2))
        tensor(-3.5310)
        >>> d.mean
        tensor([[3., 0.],
                [0., 3.]])
    """

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0
    _lazy = ("covariance_matrix", "precision_matrix", "scale_tril")

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        """torch's: ``df`` must exceed ``p - 1``."""
        return {
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
            "df": constraints.greater_than(self.event_shape[-1] - 1),
        }

    def __init__(
        self,
        df: Tensor | float,
        covariance_matrix: Tensor | None = None,
        precision_matrix: Tensor | None = None,
        scale_tril: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        given = {
            "covariance_matrix": covariance_matrix,
            "precision_matrix": precision_matrix,
            "scale_tril": scale_tril,
        }
        given = {name: matrix for name, matrix in given.items() if matrix is not None}
        self._unbroadcasted_scale_tril: Tensor
        if len(given) != 1:
            raise AssertionError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
            )
        ((name, param),) = given.items()
        assert param is not None  # for mypy: the Nones were dropped above
        if param.dim() < 2:
            raise ValueError(
                "scale_tril must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        if isinstance(df, Tensor):
            batch_shape = Size(mt.broadcast_shapes(tuple(param.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(batch_shape)
        else:
            batch_shape = Size(param.shape[:-2])
            self.df = mt.tensor(df, dtype=param.dtype)
        event_shape = param.shape[-2:]
        p = event_shape[-1]
        if bool((self.df <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        self.__dict__[name] = param.expand(*batch_shape, -1, -1)
        if bool((self.df < p).any()):
            warnings.warn(
                "Low df values detected. Singular samples are highly likely to occur for "
                "ndim - 1 < df < ndim.",
                stacklevel=2,
            )
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = param
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(param)
        else:
            self._unbroadcasted_scale_tril = precision_to_scale_tril(param)
        self._dist_chi2 = self._bartlett_chi2()

    def _bartlett_chi2(self) -> Chi2:
        """The chi-squared laws of the Bartlett factor's squared diagonal: ``df - i``."""
        p = self._event_shape[-1]
        steps = mt.arange(p, dtype=self._unbroadcasted_scale_tril.dtype)
        return Chi2(self.df.unsqueeze(-1) - steps.expand(*self._batch_shape, p))

    def expand(self, batch_shape: Any, _instance: Any = None) -> Wishart:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new: Wishart = self._expanded(  # type: ignore[assignment]
            batch_shape,
            df=0,
            covariance_matrix=2,
            precision_matrix=2,
            scale_tril=2,
            _unbroadcasted_scale_tril=2,
        )
        new._dist_chi2 = new._bartlett_chi2()
        return new

    def _matrix_shape(self) -> tuple[int, ...]:
        return (*self._batch_shape, *self._event_shape)

    @functools.cached_property
    def scale_tril(self) -> Tensor:
        """L, the lower Cholesky factor of Sigma."""
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @functools.cached_property
    def covariance_matrix(self) -> Tensor:
        """Sigma = L L^T."""
        tril = self._unbroadcasted_scale_tril
        return (tril @ tril.mT).expand(self._matrix_shape())

    @functools.cached_property
    def precision_matrix(self) -> Tensor:
        """Sigma^-1, from L."""
        identity = mt.eye(self._event_shape[-1], dtype=self._unbroadcasted_scale_tril.dtype)
        solved = mt.cholesky_solve(identity, self._unbroadcasted_scale_tril)
        return solved.expand(self._matrix_shape())

    def _df_matrix(self, df: Tensor) -> Tensor:
        return df.view(*self._batch_shape, 1, 1)

    @property
    def mean(self) -> Tensor:
        """The mean: ``df Sigma``."""
        return self._df_matrix(self.df) * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        """The mode: ``(df - p - 1) Sigma``; nan where ``df <= p + 1``."""
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = mt.where(factor <= 0, mt.full_like(factor, math.nan), factor)
        return self._df_matrix(factor) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        """The variances: ``Var X_ij = df (Sigma_ij^2 + Sigma_ii Sigma_jj)``."""
        cov = self.covariance_matrix
        diag = cov.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix(self.df) * (cov.pow(2) + diag.unsqueeze(-1) * diag.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape: Size) -> Tensor:
        """``(L A)(L A)^T``: A lower triangular, sqrt(chi2(df - i)) diagonal, N(0, 1) below."""
        p = self._event_shape[-1]
        dtype = self._unbroadcasted_scale_tril.dtype
        diagonal = self._dist_chi2.rsample(sample_shape).sqrt()
        diagonal = diagonal.clamp(min=mt.finfo(diagonal.dtype).eps)
        below = mt.randn(*sample_shape, *self._batch_shape, p, p, dtype=dtype).tril(-1)
        chol = self._unbroadcasted_scale_tril @ (mt.diag_embed(diagonal) + below)
        return chol @ chol.mT

    def rsample(self, sample_shape: Any = (), max_try_correction: int | None = None) -> Tensor:
        """A reparameterised draw (Bartlett); singular draws are redrawn up to 10 times.

        A draw may still be singular (likely for ``df < p``): its ``log_prob`` is then -inf.
        """
        tries = 10 if max_try_correction is None else max_try_correction
        sample_shape = Size(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        singular = linalg.cholesky_ex(sample.detach()).info != 0
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(tries):
                redrawn = self._bartlett_sampling(sample_shape)
                sample = mt.where(singular[..., None, None], redrawn, sample)
                singular = singular & (linalg.cholesky_ex(redrawn.detach()).info != 0)
                if not bool(singular.any()):
                    break
        return sample

    def _half_log_det_times_2(self) -> Tensor:
        """``p log(2) / 2 + log det L``."""
        p = self._event_shape[-1]
        log_diag = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log()
        return p * _LOG_2 / 2 + log_diag.sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """The log density (see the class docstring), computed from L.

        ``-df (p log 2 / 2 + log|L|) - log Gamma_p(df / 2) + (df - p - 1) / 2 log|X|
        - tr(Sigma^-1 X) / 2``.
        """
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        trace = mt.cholesky_solve(value, self._unbroadcasted_scale_tril).diagonal(dim1=-2, dim2=-1)
        return (
            -nu * self._half_log_det_times_2()
            - mt.mvlgamma(nu / 2, p=p)
            + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet
            - trace.sum(-1) / 2
        )

    def entropy(self) -> Tensor:
        """The entropy, with ``psi_p`` the multivariate digamma.

        ``(p + 1)(p log 2 / 2 + log|L|) + log Gamma_p(df / 2) - (df - p - 1) / 2 psi_p(df / 2)
        + df p / 2``.
        """
        nu, p = self.df, self._event_shape[-1]
        return (
            (p + 1) * self._half_log_det_times_2()
            + mt.mvlgamma(nu / 2, p=p)
            - (nu - p - 1) / 2 * mvdigamma(nu / 2, p=p)
            + nu * p / 2
        )

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        p = self._event_shape[-1]
        shifted = y + (p + 1) / 2
        log_det = linalg.slogdet(-2 * x).logabsdet
        return shifted * (-log_det + _LOG_2 * p) + mt.mvlgamma(shifted, p=p)
