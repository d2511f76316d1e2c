"""``nn.utils.parametrizations.orthogonal``: a weight kept orthogonal by a parametrization.

As torch's: the weight is ``Q = base @ map(X)`` with ``map`` the matrix exponential or the
Cayley map of the skew-symmetric ``A = X.tril() - X.tril().mT``, or a product of Householder
reflectors (``X`` below its diagonal); ``base`` (the "dynamic trivialization") starts as the
orthogonalised initial weight, and ``X`` as minus the identity, so the layer starts from the
weight it had (made orthogonal). Tall and wide matrices are handled as torch does, by
embedding into a square one or transposing. Real weights only (microtensor has no complex
dtype).
"""

from __future__ import annotations

import enum
from typing import Any

from microtensor import creation, linalg, ops
from microtensor._type_info import finfo
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn.module import Module
from microtensor.nn.utils import parametrize
from microtensor.tensor import Tensor

__all__ = ["orthogonal"]


class _OrthMaps(enum.Enum):
    matrix_exp = enum.auto()
    cayley = enum.auto()
    householder = enum.auto()


def _is_orthogonal(q: Tensor) -> bool:
    n, k = q.size(-2), q.size(-1)
    eye = creation.eye(k, dtype=q.dtype)
    return bool(ops.allclose(q.mT @ q, eye, atol=10.0 * n * finfo(q.dtype).eps))


def _make_orthogonal(a: Tensor) -> Tensor:
    """The Q of A = QR with diag(R) >= 0 (A tall), from the Householder reflectors as torch."""
    reflectors, tau = ops.geqrf(a)
    q = linalg.householder_product(reflectors, tau)
    return q * reflectors.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _neg_identity_like(x: Tensor) -> Tensor:
    n, k = x.size(-2), x.size(-1)
    return -creation.eye(n, k, dtype=x.dtype).expand(*x.shape).clone()


class _Orthogonal(Module):
    """The parametrization: ``forward(X)`` is orthogonal; ``right_inverse(Q)`` sets it up."""

    base: Tensor

    def __init__(
        self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True
    ) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:  # noqa: N803 - torch's name
        """``Q``, orthogonal columns (tall) or rows (wide), of ``X``'s shape."""
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X, n, k = X.mT, k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:  # embed into a square matrix
                X = ops.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mT  # skew-symmetric
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = ops.matrix_exp(A)
            else:  # the Cayley retraction (I + A/2)(I - A/2)^-1
                eye = creation.eye(n, dtype=A.dtype)
                Q = linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = linalg.householder_product(A, tau)
            # X's diagonal holds the signs (+-1); it is not differentiated through, as in torch
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:  # noqa: N803 - torch's name
        """The ``X`` (and ``base``) that give ``Q`` back, orthogonalised if it is not.

        Raises:
            ValueError: for a ``Q`` of another shape than the weight.
            NotImplementedError: for matrix_exp / cayley without the trivialization.
        """
        with no_grad():
            return self._right_inverse(Q)

    def _right_inverse(self, Q: Tensor) -> Tensor:  # noqa: N803
        if Q.shape != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. "
                f"Got a tensor of shape {Q.shape}."
            )
        q_init = Q
        n, k = Q.size(-2), Q.size(-1)
        transpose = n < k
        if transpose:
            Q, n, k = Q.mT, k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError(
                    "It is not possible to assign to the matrix exponential or the Cayley "
                    "parametrizations when use_trivialization=False."
                )
            reflectors, tau = ops.geqrf(Q)
            # diag(R) > 0 as in torch: the signs go on the diagonal, flipped where tau == 0
            signs = reflectors.diagonal(dim1=-2, dim2=-1).sign()
            signs = ops.where(tau == 0.0, -signs, signs)
            eye = creation.eye(n, k, dtype=Q.dtype).bool()
            reflectors = ops.where(eye, signs.unsqueeze(-2).expand_as(reflectors), reflectors)
            return reflectors.mT if transpose else reflectors
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:  # complete Q into a full n x n orthogonal matrix
            fill = creation.randn(*(Q.shape[:-2] + (n, n - k)), dtype=Q.dtype)
            Q = _make_orthogonal(ops.cat([Q, fill], dim=-1))
        self.base = Q
        # -Id: householder(zeros) would be eye(m, n), as torch explains
        return _neg_identity_like(q_init)


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Make ``module.<name>`` orthogonal (orthonormal columns if tall, rows if wide).

    Args:
        module: the module whose tensor to parametrize.
        name: the parameter's name.
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"`` (default:
            matrix_exp for a square matrix, householder otherwise).
        use_trivialization: keep the extra ``base`` matrix (the dynamic trivialization).

    Returns:
        ``module``, with the parametrization registered.

    Raises:
        ValueError: for a missing tensor, one with fewer than 2 dims, or an unknown map.

    Differs from PyTorch: real weights only (no complex dtype here).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils.parametrizations import orthogonal
        >>> layer = orthogonal(mt.nn.Linear(3, 5))
        >>> w = layer.weight
        >>> bool(mt.allclose(w.T @ w, mt.eye(3), atol=1e-5))
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.size(-2) == weight.size(-1) else "householder"
    orth_enum: Any = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
