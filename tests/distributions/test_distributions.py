"""Each distribution against torch.distributions: values, gradients, shapes, draws, errors."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
import microtensor.distributions as md

RNG = np.random.default_rng(0)
LOC = RNG.standard_normal((3, 1))
SCALE = RNG.uniform(0.5, 2.0, (1, 4))
PROBS = RNG.uniform(0.05, 0.95, (3, 4))
WEIGHTS = RNG.uniform(0.1, 1.0, (3, 5))


def pair(make, *arrays):
    """The same distribution in both libraries, its float64 parameters requiring grad."""
    ours = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return make(md, *ours), make(td, *theirs), ours, theirs


def close(a, b, **kw):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12, **kw)


CASES = {
    "normal": (
        lambda d, loc, scale: d.Normal(loc, scale),
        (LOC, SCALE),
        RNG.standard_normal((2, 3, 4)),
    ),
    "uniform": (lambda d, low, high: d.Uniform(low, low + high), (LOC, SCALE), LOC + 0.4 * SCALE),
    "bernoulli": (lambda d, p: d.Bernoulli(probs=p), (PROBS,), (PROBS > 0.5) * 1.0),
    "bernoulli_logits": (
        lambda d, x: d.Bernoulli(logits=x),
        (LOC,),
        np.array([[1.0], [0.0], [1.0]]),
    ),
    "categorical": (
        lambda d, w: d.Categorical(probs=w),
        (WEIGHTS,),
        np.array([[0, 4, 2], [1, 1, 3]]),
    ),
    "categorical_logits": (lambda d, x: d.Categorical(logits=x), (WEIGHTS,), np.array([2, 0, 4])),
}


@pytest.mark.parametrize("name", CASES)
def test_log_prob_entropy_moments_and_their_gradients_match_torch(name):
    make, params, value = CASES[name]
    ours, theirs, our_params, their_params = pair(make, *params)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert repr(ours) == repr(theirs).replace("torch.", "microtensor.")
    lp_ours = ours.log_prob(mt.tensor(value))
    lp_theirs = theirs.log_prob(torch.tensor(value))
    close(lp_ours, lp_theirs)
    close(ours.entropy(), theirs.entropy())
    for moment in ("mean", "variance", "stddev", "mode"):
        close(getattr(ours, moment), getattr(theirs, moment), equal_nan=True)
    upstream = RNG.standard_normal(tuple(lp_ours.shape))
    total_ours = (lp_ours * mt.tensor(upstream)).sum() + ours.entropy().sum()
    total_theirs = (lp_theirs * torch.tensor(upstream)).sum() + theirs.entropy().sum()
    total_ours.backward()
    total_theirs.backward()
    for a, b in zip(our_params, their_params, strict=True):
        close(a.grad, b.grad)


@pytest.mark.parametrize("name", ["normal", "uniform"])
def test_cdf_and_icdf_match_torch(name):
    make, params, value = CASES[name]
    ours, theirs, _, _ = pair(make, *params)
    close(ours.cdf(mt.tensor(value)), theirs.cdf(torch.tensor(value)))
    q = RNG.uniform(0.05, 0.95, (2, 3, 4))
    close(ours.icdf(mt.tensor(q)), theirs.icdf(torch.tensor(q)))


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", [0, 7])
def test_draws_equal_torchs_for_the_same_seed(name, seed):
    make, params, _ = CASES[name]
    ours, theirs, _, _ = pair(make, *params)
    mt.manual_seed(seed)
    torch.manual_seed(seed)
    for shape in [(), (5,), (2, 3)]:
        a, b = ours.sample(shape), theirs.sample(shape)
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[12:] == str(b.dtype)[6:]
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
        if theirs.has_rsample:
            close(ours.rsample(shape), theirs.rsample(shape))


def test_rsample_is_differentiable():
    loc = mt.tensor([0.5, -1.0], requires_grad=True)
    scale = mt.tensor([2.0, 0.5], requires_grad=True)
    draw = md.Normal(loc, scale).rsample((1000,))
    draw.sum().backward()
    assert loc.grad.tolist() == [1000.0, 1000.0]
    eps = (draw.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    ("make", "arrays"),
    [
        (lambda d, a, b: (d.Normal(a, b), d.Normal(b, a + b)), (LOC, SCALE)),
        (lambda d, a, b: (d.Bernoulli(probs=a), d.Bernoulli(probs=b)), (PROBS, PROBS[::-1])),
        (
            lambda d, a, b: (d.Categorical(probs=a), d.Categorical(logits=b)),
            (WEIGHTS, WEIGHTS[::-1]),
        ),
        (lambda d, a, b: (d.Uniform(a, a + b), d.Uniform(a - 1, a + b + 1)), (LOC, SCALE)),
        (lambda d, a, b: (d.Uniform(a - 1, a + b), d.Uniform(a, a + b)), (LOC, SCALE)),  # inf
    ],
)
def test_kl_divergence_matches_torch(make, arrays):
    ours = make(md, *[mt.tensor(a.copy()) for a in arrays])
    theirs = make(td, *[torch.tensor(a.copy()) for a in arrays])
    close(md.kl_divergence(*ours), td.kl_divergence(*theirs))


def test_kl_of_unregistered_pair_raises():
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented"):
        md.kl_divergence(md.Normal(0.0, 1.0), md.Bernoulli(0.5))


def test_validation_errors_match_torch():
    for ours, theirs in [
        (lambda: md.Normal(0.0, -1.0), lambda: td.Normal(0.0, -1.0)),
        (lambda: md.Bernoulli(probs=1.5), lambda: td.Bernoulli(probs=1.5)),
        (
            lambda: md.Bernoulli(0.3).log_prob(mt.tensor(0.5)),
            lambda: td.Bernoulli(0.3).log_prob(torch.tensor(0.5)),
        ),
        (lambda: md.Bernoulli(probs=0.3, logits=0.1), lambda: td.Bernoulli(probs=0.3, logits=0.1)),
        (lambda: md.Uniform(1.0, 0.0), lambda: td.Uniform(1.0, 0.0)),
        (
            lambda: md.Categorical(probs=mt.tensor(0.5)),
            lambda: td.Categorical(probs=torch.tensor(0.5)),
        ),
    ]:
        with pytest.raises(ValueError) as got:
            ours()
        with pytest.raises(ValueError) as want:
            theirs()
        assert str(got.value).split(" ")[:3] == str(want.value).split(" ")[:3]
    assert md.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0


def test_enumerate_support_matches_torch():
    for ours, theirs in [
        (md.Bernoulli(probs=mt.tensor([0.2, 0.7])), td.Bernoulli(probs=torch.tensor([0.2, 0.7]))),
        (md.Categorical(logits=mt.zeros(2, 3)), td.Categorical(logits=torch.zeros(2, 3))),
    ]:
        for expand in (True, False):
            np.testing.assert_array_equal(
                ours.enumerate_support(expand).numpy(), theirs.enumerate_support(expand).numpy()
            )
