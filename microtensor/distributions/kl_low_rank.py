"""``kl_divergence`` between low-rank and full multivariate normals, as torch's closed forms.

With ``q``'s covariance ``W W^T + D`` the terms use Woodbury and the determinant lemma
(``A = chol(C)^-1 W^T D^-1``), never forming an n x n inverse. Importing this module
registers the rules (``microtensor.distributions`` does).
"""

from __future__ import annotations

import microtensor as mt
from microtensor import linalg
from microtensor.distributions.kl import register_kl
from microtensor.distributions.lowrank_multivariate_normal import (
    LowRankMultivariateNormal,
    lowrank_logdet,
    lowrank_mahalanobis,
)
from microtensor.distributions.multivariate_normal import MultivariateNormal, batch_mahalanobis
from microtensor.tensor import Tensor

__all__: list[str] = []

LowRank = LowRankMultivariateNormal


def _trace_xxt(matrix: Tensor) -> Tensor:
    return matrix.pow(2).sum((-2, -1))


def _check_event_shapes(p: object, q: object, what: str) -> None:
    if p.event_shape != q.event_shape:  # type: ignore[attr-defined]
        raise ValueError(
            f"KL-divergence between two {what} with different event shapes cannot be computed"
        )


def _woodbury_factor(q: LowRank) -> Tensor:
    wt_dinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return linalg.solve_triangular(q._capacitance_tril, wt_dinv, upper=False)


def _q_terms(p: LowRank | MultivariateNormal, q: LowRank) -> tuple[Tensor, Tensor]:
    """``log det`` of q's covariance and q's Mahalanobis distance to p's mean."""
    w, d = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
    return (
        lowrank_logdet(w, d, q._capacitance_tril),
        lowrank_mahalanobis(w, d, q.loc - p.loc, q._capacitance_tril),
    )


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p: LowRank, q: LowRank) -> Tensor:
    _check_event_shapes(p, q, "Low Rank Multivariate Normals")
    q_logdet, term3 = _q_terms(p, q)
    p_w, p_d = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    term1 = q_logdet - lowrank_logdet(p_w, p_d, p._capacitance_tril)
    a = _woodbury_factor(q)
    term21 = (p_d / q._unbroadcasted_cov_diag).sum(-1)
    term22 = _trace_xxt(p_w * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term23 = _trace_xxt(a * p_d.sqrt().unsqueeze(-2))
    term24 = _trace_xxt(a @ p_w)
    return 0.5 * (term1 + term21 + term22 - term23 - term24 + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p: MultivariateNormal, q: LowRank) -> Tensor:
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    q_logdet, term3 = _q_terms(p, q)
    p_tril = p._unbroadcasted_scale_tril
    term1 = q_logdet - 2 * p_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    a = _woodbury_factor(q)
    term21 = _trace_xxt(p_tril * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term22 = _trace_xxt(a @ p_tril)
    return 0.5 * (term1 + term21 - term22 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p: LowRank, q: MultivariateNormal) -> Tensor:
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    q_tril = q._unbroadcasted_scale_tril
    p_w, p_d = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    term1 = 2 * q_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) - lowrank_logdet(
        p_w, p_d, p._capacitance_tril
    )
    term3 = batch_mahalanobis(q_tril, q.loc - p.loc)
    batch = mt.broadcast_shapes(tuple(q_tril.shape[:-2]), tuple(p_w.shape[:-2]))
    n, m = p.event_shape[0], p_w.shape[-1]
    q_tril = q_tril.expand(*batch, n, n)
    term21 = _trace_xxt(linalg.solve_triangular(q_tril, p_w.expand(*batch, n, m), upper=False))
    diag = mt.diag_embed(p_d.sqrt()).expand(*batch, n, n)
    term22 = _trace_xxt(linalg.solve_triangular(q_tril, diag, upper=False))
    return 0.5 * (term1 + term21 + term22 + term3 - n)
