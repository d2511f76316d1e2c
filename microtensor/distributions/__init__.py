"""Probability distributions, as ``torch.distributions``: Normal, Uniform, Bernoulli, Categorical.

Each has torch's parameters, shapes (``batch_shape``, ``event_shape``), argument validation
and methods (``sample``, ``rsample`` where reparameterisable, ``log_prob``, ``entropy``,
``mean``, ``variance``, ``cdf``/``icdf`` where torch has them); ``kl_divergence`` has the
closed forms between two of a kind, and ``register_kl`` adds more. Everything is computed
with microtensor ops, so log-probabilities and reparameterised samples are differentiable.
"""

from microtensor.distributions import constraints
from microtensor.distributions.bernoulli import Bernoulli
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.kl import kl_divergence, register_kl
from microtensor.distributions.normal import Normal
from microtensor.distributions.uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Normal",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
