"""ContinuousBernoulli and its KL rules against torch.distributions: values, gradients, draws."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
import microtensor.distributions as md
from microtensor.distributions import kl_continuous_bernoulli  # noqa: F401 - registers the rules
from microtensor.distributions.continuous_bernoulli import ContinuousBernoulli

from .test_families import close

RNG = np.random.default_rng(7)
# far from 1/2, and inside the Taylor region (0.499, 0.501] on both sides of 1/2
PROBS = np.array([[0.03, 0.2, 0.4995, 0.5], [0.5005, 0.501, 0.8, 0.97]])
VALUES = np.array([0.0, 0.3, 0.71, 1.0])


def pair(probs=PROBS, use_logits=False, **kwargs):
    """The same distribution in both libraries, with its float64 parameter requiring grad."""
    array = np.log(probs) - np.log1p(-probs) if use_logits else probs
    ours, theirs = mt.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    key = "logits" if use_logits else "probs"
    return (
        ContinuousBernoulli(**{key: ours}, **kwargs),
        td.ContinuousBernoulli(**{key: theirs}, **kwargs),
        ours,
        theirs,
    )


def assert_same_value_and_grad(mine, theirs, ours_param, their_param, rtol=1e-10):
    close(mine, theirs, rtol=rtol, atol=1e-12)
    upstream = RNG.standard_normal(tuple(theirs.shape))
    (g_mt,) = mt.autograd.grad((mine * mt.tensor(upstream)).sum(), ours_param)
    (g_t,) = torch.autograd.grad((theirs * torch.tensor(upstream)).sum(), their_param)
    close(g_mt, g_t, rtol=rtol, atol=1e-9)


@pytest.mark.parametrize("use_logits", [False, True])
@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf"])
def test_methods_of_a_value_equal_torch_with_gradients(method, use_logits):
    mine, theirs, ours, their_param = pair(use_logits=use_logits)
    value = VALUES[:, None, None] * np.ones((1, 2, 4))
    out_mt = getattr(mine, method)(mt.tensor(value))
    out_t = getattr(theirs, method)(torch.tensor(value))
    assert_same_value_and_grad(out_mt, out_t, ours, their_param, rtol=1e-9)


@pytest.mark.parametrize("use_logits", [False, True])
@pytest.mark.parametrize("name", ["mean", "variance", "stddev", "entropy"])
def test_moments_and_entropy_equal_torch_with_gradients(name, use_logits):
    mine, theirs, ours, their_param = pair(use_logits=use_logits)
    out_mt, out_t = getattr(mine, name), getattr(theirs, name)
    if name == "entropy":
        out_mt, out_t = out_mt(), out_t()
    assert_same_value_and_grad(out_mt, out_t, ours, their_param)


def test_the_log_normalizer_of_the_natural_parameter_equals_torch():
    mine, theirs, _, _ = pair()
    x = np.array([-3.0, -0.0015, 0.0, 0.0005, 0.001, 2.5])
    close(mine._log_normalizer(mt.tensor(x)), theirs._log_normalizer(torch.tensor(x)))
    close(mine._natural_params[0], theirs._natural_params[0])


def test_rsample_follows_torchs_stream_and_gradient():
    mine, theirs, ours, their_param = pair()
    mt.manual_seed(5)
    torch.manual_seed(5)
    draw_mt, draw_t = mine.rsample((3,)), theirs.rsample((3,))
    assert tuple(draw_mt.shape) == (3, 2, 4)
    assert_same_value_and_grad(draw_mt, draw_t, ours, their_param, rtol=1e-9)
    mt.manual_seed(6)
    torch.manual_seed(6)
    sample = mine.sample()
    close(sample, theirs.sample(), rtol=1e-9)
    assert not sample.requires_grad and bool(((sample >= 0) & (sample <= 1)).all())


def test_shapes_expand_constraints_and_a_number_parameter():
    mine, theirs, _, _ = pair()
    assert mine.batch_shape == (2, 4) and mine.event_shape == () and mine.has_rsample
    assert mine.param_shape == theirs.param_shape
    assert set(mine.arg_constraints) == set(theirs.arg_constraints) == {"probs", "logits"}
    assert repr(mine.support) == "Interval(lower_bound=0.0, upper_bound=1.0)"
    wide = mine.expand((3, 2, 4))
    assert wide.batch_shape == (3, 2, 4) and wide._lims == mine._lims
    value = np.array(0.25)
    close(wide.log_prob(mt.tensor(value)), theirs.expand((3, 2, 4)).log_prob(torch.tensor(value)))
    scalar = ContinuousBernoulli(0.3)
    assert scalar.batch_shape == () and scalar.probs.dtype == mt.get_default_dtype()
    narrow = ContinuousBernoulli(mt.tensor([0.49, 0.7]), lims=(0.45, 0.55))
    wanted = td.ContinuousBernoulli(torch.tensor([0.49, 0.7]), lims=(0.45, 0.55))
    close(narrow.mean, wanted.mean, rtol=1e-6)


def test_probs_are_clamped_away_from_0_and_1_as_torch():
    mine = ContinuousBernoulli(mt.tensor([0.0, 1.0], dtype=mt.float64))
    theirs = td.ContinuousBernoulli(torch.tensor([0.0, 1.0], dtype=torch.float64))
    close(mine.probs, theirs.probs, rtol=0, atol=0)
    value = np.array([0.5, 0.5])  # at p = eps the logits lose digits in both libraries
    close(mine.log_prob(mt.tensor(value)), theirs.log_prob(torch.tensor(value)), rtol=1e-6)


def test_errors_match_torch():
    for make in (ContinuousBernoulli, td.ContinuousBernoulli):
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
            make()
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
            make(0.3, 0.1)
    lib = {ContinuousBernoulli: mt, td.ContinuousBernoulli: torch}
    for make, tensors in lib.items():
        with pytest.raises(ValueError, match="The parameter probs has invalid values"):
            make(tensors.tensor([1.5]), validate_args=True)
        with pytest.raises(ValueError, match="within the support"):
            make(tensors.tensor([0.3]), validate_args=True).log_prob(tensors.tensor([1.5]))


KL_PAIRS = {
    "cb_cb": (
        lambda d, cb, x: (cb(probs=x), cb(probs=x.flip(-1))),
        PROBS,
    ),
    "beta_cb": (lambda d, cb, x: (d.Beta(x * 3, 2 - x), cb(probs=x)), PROBS),
    "uniform_cb": (lambda d, cb, x: (d.Uniform(x * 0.5 - 0.02, x * 0.5 + 0.3), cb(probs=x)), PROBS),
    "cb_exponential": (lambda d, cb, x: (cb(probs=x), d.Exponential(x + 1)), PROBS),
    "cb_normal": (lambda d, cb, x: (cb(probs=x), d.Normal(x - 0.3, x + 0.5)), PROBS),
    "cb_uniform": (lambda d, cb, x: (cb(probs=x), d.Uniform(x - 1.0, x + 1.0)), PROBS),
    "cb_pareto": (lambda d, cb, x: (cb(probs=x), d.Pareto(x, x + 1)), PROBS),
    "exponential_cb": (lambda d, cb, x: (d.Exponential(x + 1), cb(probs=x)), PROBS),
    "gamma_cb": (lambda d, cb, x: (d.Gamma(x + 1, x), cb(probs=x)), PROBS),
    "gumbel_cb": (lambda d, cb, x: (d.Gumbel(x, x + 1), cb(probs=x)), PROBS),
    "laplace_cb": (lambda d, cb, x: (d.Laplace(x, x + 1), cb(probs=x)), PROBS),
    "normal_cb": (lambda d, cb, x: (d.Normal(x, x + 1), cb(probs=x)), PROBS),
    "pareto_cb": (lambda d, cb, x: (d.Pareto(x, x + 1), cb(probs=x)), PROBS),
}


@pytest.mark.parametrize("name", list(KL_PAIRS))
def test_kl_divergence_equals_torch_with_gradients(name):
    make, array = KL_PAIRS[name]
    ours, theirs = mt.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    kl_mt = md.kl_divergence(*make(md, ContinuousBernoulli, ours))
    kl_t = td.kl_divergence(*make(td, td.ContinuousBernoulli, theirs))
    if bool(torch.isinf(kl_t).any()):  # the same inf entries; the finite ones close
        assert mt.isinf(kl_mt).tolist() == torch.isinf(kl_t).tolist()
        close(kl_mt, kl_t, rtol=1e-12)
        return
    assert_same_value_and_grad(kl_mt, kl_t, ours, theirs, rtol=1e-9)


def test_kl_against_uniforms_is_infinite_where_torch_says_so():
    probs = np.array([0.2, 0.7, 0.4])
    low, high = np.array([-0.5, 0.0, 0.1]), np.array([1.5, 1.0, 0.6])
    for lib, d, cb in ((mt, md, ContinuousBernoulli), (torch, td, td.ContinuousBernoulli)):
        p, u = cb(lib.tensor(probs)), d.Uniform(lib.tensor(low), lib.tensor(high))
        assert lib.isinf(d.kl_divergence(p, u)).tolist() == [False, True, True]
        assert lib.isinf(d.kl_divergence(u, p)).tolist() == [True, True, False]
