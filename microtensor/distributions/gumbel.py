"""``Gumbel(loc, scale)``: the distribution of maxima; ``loc - scale log(-log U)``."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import AffineTransform, ExpTransform
from microtensor.distributions.uniform import Uniform
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Gumbel"]

EULER_GAMMA = 0.57721566490153286060


class Gumbel(TransformedDistribution):
    """Density ``exp(-(z + exp(-z))) / scale`` with ``z = (x - loc) / scale``.

    Built as torch builds it: ``Uniform(tiny, 1 - eps)`` pushed through ``log``, negation,
    ``log`` and ``loc - scale * .``, so draws follow torch's stream.

    Args:
        loc: the location (the mode).
        scale: the scale (> 0).
        validate_args: check ``scale > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Gumbel
        >>> Gumbel(0.0, 1.0).log_prob(mt.tensor(0.0))
        tensor(-1.)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = mt.finfo(self.loc.dtype)
        base_dist = Uniform(
            mt.full_like(self.loc, finfo.tiny),
            mt.full_like(self.loc, 1 - finfo.eps),
            validate_args=validate_args,
        )
        transforms = [
            ExpTransform().inv,
            AffineTransform(loc=0, scale=-mt.ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(loc=self.loc, scale=-self.scale),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gumbel:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = super().expand(batch_shape, _instance)
        new.loc = self.loc.expand(batch_shape)  # type: ignore[attr-defined]
        new.scale = self.scale.expand(batch_shape)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    def log_prob(self, value: Tensor) -> Tensor:
        """``z - exp(z) - log(scale)`` with ``z = (loc - value) / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        z = (self.loc - value) / self.scale
        return (z - z.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        """``loc + scale * euler_gamma``."""
        return self.loc + self.scale * EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        """The mode: ``loc``."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """``pi / sqrt(6) * scale``."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        """``(pi scale)^2 / 6``."""
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        """``log(scale) + 1 + euler_gamma``."""
        return self.scale.log() + (1 + EULER_GAMMA)
