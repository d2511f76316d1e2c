"""``torch.distributions.half_cauchy``'s import path: ``HalfCauchy`` lives in ``half_normal``.

(The two half distributions share one file there, both being ``|X|`` of a symmetric base.)
"""

from microtensor.distributions.half_normal import HalfCauchy

__all__ = ["HalfCauchy"]
