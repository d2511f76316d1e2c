"""Probability distributions, as ``torch.distributions``.

Each has torch's parameters, shapes (``batch_shape``, ``event_shape``), argument validation
and methods (``sample``, ``rsample`` where reparameterisable, ``log_prob``, ``entropy``,
``mean``, ``variance``, ``cdf``/``icdf`` where torch has them, ``expand``); ``kl_divergence``
has the closed forms torch registers, and ``register_kl`` adds more. Everything is computed
with microtensor ops, so log-probabilities and reparameterised samples are differentiable.
``transforms`` holds the invertible maps ``TransformedDistribution`` pushes a base through.
"""

from microtensor.distributions import constraints, half_cauchy, studentT, transforms
from microtensor.distributions.bernoulli import Bernoulli
from microtensor.distributions.beta import Beta
from microtensor.distributions.binomial import Binomial
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.cauchy import Cauchy
from microtensor.distributions.chi2 import Chi2
from microtensor.distributions.constraint_registry import biject_to, transform_to
from microtensor.distributions.continuous_bernoulli import ContinuousBernoulli
from microtensor.distributions.dirichlet import Dirichlet
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.exp_family import ExponentialFamily
from microtensor.distributions.exponential import Exponential
from microtensor.distributions.fishersnedecor import FisherSnedecor
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.generalized_pareto import GeneralizedPareto
from microtensor.distributions.geometric import Geometric
from microtensor.distributions.gumbel import Gumbel
from microtensor.distributions.half_normal import HalfCauchy, HalfNormal
from microtensor.distributions.independent import Independent
from microtensor.distributions.inverse_gamma import InverseGamma
from microtensor.distributions.kl import kl_divergence, register_kl
from microtensor.distributions.kumaraswamy import Kumaraswamy
from microtensor.distributions.laplace import Laplace
from microtensor.distributions.lkj_cholesky import LKJCholesky
from microtensor.distributions.log_normal import LogNormal
from microtensor.distributions.logistic_normal import LogisticNormal
from microtensor.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from microtensor.distributions.mixture_same_family import MixtureSameFamily
from microtensor.distributions.multinomial import Multinomial
from microtensor.distributions.multivariate_normal import MultivariateNormal
from microtensor.distributions.negative_binomial import NegativeBinomial
from microtensor.distributions.normal import Normal
from microtensor.distributions.one_hot_categorical import (
    OneHotCategorical,
    OneHotCategoricalStraightThrough,
)
from microtensor.distributions.pareto import Pareto
from microtensor.distributions.poisson import Poisson
from microtensor.distributions.relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from microtensor.distributions.relaxed_categorical import (
    ExpRelaxedCategorical,
    RelaxedOneHotCategorical,
)
from microtensor.distributions.student_t import StudentT
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    CatTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StackTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from microtensor.distributions.uniform import Uniform
from microtensor.distributions.von_mises import VonMises
from microtensor.distributions.weibull import Weibull
from microtensor.distributions.wishart import Wishart

__all__ = [
    "CatTransform",
    "CumulativeDistributionTransform",
    "ExponentialFamily",
    "GeneralizedPareto",
    "Laplace",
    "OneHotCategoricalStraightThrough",
    "ReshapeTransform",
    "SoftplusTransform",
    "StackTransform",
    "identity_transform",
    "ContinuousBernoulli",
    "LKJCholesky",
    "Wishart",
    "FisherSnedecor",
    "Kumaraswamy",
    "NegativeBinomial",
    "LogisticNormal",
    "InverseGamma",
    "Cauchy",
    "Chi2",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "MixtureSameFamily",
    "Pareto",
    "LogitRelaxedBernoulli",
    "RelaxedBernoulli",
    "ExpRelaxedCategorical",
    "RelaxedOneHotCategorical",
    "StudentT",
    "VonMises",
    "Weibull",
    "biject_to",
    "transform_to",
    "AbsTransform",
    "AffineTransform",
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "Dirichlet",
    "Distribution",
    "ExpTransform",
    "Exponential",
    "Gamma",
    "Geometric",
    "Independent",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "LogNormal",
    "LowRankMultivariateNormal",
    "Multinomial",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Poisson",
    "PowerTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "TransformedDistribution",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
    "transforms",
]

# registers the closed-form KL rules of the families above
from microtensor.distributions import (  # noqa: E402, F401
    kl_continuous_bernoulli,
    kl_cross_family,
    kl_low_rank,
    kl_same_family,
)
