"""``Chi2(df)``: the chi-squared distribution, ``Gamma(df / 2, 1 / 2)``."""

from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Chi2"]


class Chi2(Gamma):
    """The sum of ``df`` squared standard normals: ``Gamma(0.5 * df, 0.5)``, as torch.

    Args:
        df: the degrees of freedom (> 0).
        validate_args: check ``df > 0`` and ``log_prob``'s values.

    Differs from PyTorch: draws as ``Gamma``'s (NumPy gammas; not torch's values).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Chi2
        >>> Chi2(mt.tensor([2.0])).log_prob(mt.tensor([1.0]))
        tensor([-1.1931])
    """

    arg_constraints = {"df": constraints.positive}  # type: ignore[assignment]

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Chi2:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return super().expand(batch_shape)  # type: ignore[return-value]

    @property
    def df(self) -> Tensor:
        """The degrees of freedom."""
        return self.concentration * 2
