"""``LKJCholesky(dim, concentration=1.0)``: Cholesky factors of random correlation matrices."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.beta import Beta
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The LKJ law on correlation matrices ``M = L L^T``, given as their Cholesky factor L.

    The density of M is proportional to ``det(M)^(concentration - 1)`` (uniform for
    concentration 1); on L it is ``prod_{i>=2} L_ii^(2 (concentration - 1) + dim - i)``
    over a normaliser (Lewandowski, Kurowicka and Joe, 2009). Draws use their onion method.

    Args:
        dim: the size of the matrices (>= 2).
        concentration: eta (> 0), a number or a tensor of batch shape.
        validate_args: check the parameter and ``log_prob``'s values.

    Raises:
        ValueError: for ``dim < 2``.

    Differs from PyTorch: draws use ``Beta``'s (NumPy gammas; not torch's values).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions.lkj_cholesky import LKJCholesky
        >>> d = LKJCholesky(3, 0.5)
        >>> d.log_prob(mt.eye(3))
        tensor(-2.5310)
        >>> d.sample((4,)).shape
        microtensor.Size([4, 3, 3])
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(
        self, dim: int, concentration: Tensor | float = 1.0, validate_args: bool | None = None
    ) -> None:
        if dim < 2:
            raise ValueError(
                f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}."
            )
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        # The beta laws of the onion method's squared row norms (Sec. 3.2), all rows at once.
        marginal = self.concentration + 0.5 * (dim - 2)
        offset = mt.arange(dim - 1, dtype=self.concentration.dtype)
        offset = mt.cat([mt.zeros(1, dtype=offset.dtype), offset])
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        super().__init__(self.concentration.shape, (dim, dim), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LKJCholesky:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new: LKJCholesky = self._expanded(batch_shape, concentration=0)  # type: ignore[assignment]
        new._beta = self._beta.expand((*Size(batch_shape), self.dim))
        return new

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape + batch_shape + (dim, dim)`` factors (the onion method).

        Row i is ``sqrt(y_i) u_i`` on its first i entries, ``u_i`` uniform on the sphere and
        ``y_i ~ Beta``, with the diagonal entry completing it to unit length.
        """
        with mt.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u_normal = mt.randn(self._extended_shape(sample_shape), dtype=y.dtype).tril(-1)
            tiny = mt.finfo(y.dtype).tiny  # the first row is all 0: it stays 0, not 0 / 0
            u_sphere = u_normal / u_normal.norm(dim=-1, keepdim=True).clamp(min=tiny)
            w = y.sqrt() * u_sphere
            diagonal = (1 - w.pow(2).sum(-1)).clamp(min=tiny).sqrt()
            return w + mt.diag_embed(diagonal)

    def log_prob(self, value: Tensor) -> Tensor:
        """``sum_i order_i log L_ii - log(normaliser)``, ``order_i = 2 (eta - 1) + dim - i``.

        The normaliser is ``(dim - 1) log(pi) / 2 + log Gamma_(dim-1)(alpha - 1/2)
        - (dim - 1) lgamma(alpha)``, ``alpha = eta + (dim - 1) / 2``.
        """
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = mt.arange(2, self.dim + 1)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = (order * diag_elems.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = alpha.lgamma() * dm1
        numerator = mt.mvlgamma(alpha - 0.5, dm1)
        # the paper's pi constant is D (D - 1) / 4 log(pi), mvlgamma's (D - 1)(D - 2) / 4 log(pi)
        pi_constant = 0.5 * dm1 * math.log(math.pi)
        return unnormalized - (pi_constant + numerator - denominator)
