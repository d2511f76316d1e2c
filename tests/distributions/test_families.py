"""The distributions added for issue 13 against torch.distributions: values, gradients,
shapes, expand, draws (torch's stream where microtensor reproduces it) and errors."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
import microtensor.distributions as md

RNG = np.random.default_rng(1)
LOC = RNG.standard_normal((3, 1))
SCALE = RNG.uniform(0.5, 2.0, (1, 4))
POS = RNG.uniform(0.5, 3.0, (3, 4))
PROBS = RNG.uniform(0.1, 0.9, (3, 4))
WEIGHTS = RNG.uniform(0.1, 1.0, (2, 5))
A = RNG.standard_normal((2, 3, 3))
TRIL = np.tril(A) + 3 * np.eye(3)
COV = A @ A.transpose(0, 2, 1) + np.eye(3)
VEC = RNG.standard_normal((2, 3))


def pair(make, *arrays):
    """The same distribution in both libraries, its float64 parameters requiring grad."""
    ours = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return make(md, *ours), make(td, *theirs), ours, theirs


def close(a, b, rtol=1e-10, atol=1e-12, **kw):
    np.testing.assert_allclose(
        np.asarray(a.detach().numpy(), dtype=float),
        np.asarray(b.detach().numpy(), dtype=float),
        rtol=rtol,
        atol=atol,
        **kw,
    )


# name: (make(lib, *params), params, a value in the support, whether draws match torch's)
CASES = {
    "exponential": (lambda d, r: d.Exponential(r), (POS,), POS[::-1] * 0.7, True),
    "laplace": (
        lambda d, m, s: d.Laplace(m, s),
        (LOC, SCALE),
        RNG.standard_normal((2, 3, 4)),
        True,
    ),
    "lognormal": (lambda d, m, s: d.LogNormal(m, s), (LOC, SCALE), POS, True),
    "gamma": (lambda d, c, r: d.Gamma(c, r), (POS, SCALE), POS[::-1], False),
    "beta": (lambda d, a, b: d.Beta(a, b), (POS, POS[::-1]), PROBS, False),
    "dirichlet": (lambda d, c: d.Dirichlet(c), (POS,), PROBS / PROBS.sum(-1, keepdims=True), False),
    "poisson": (lambda d, r: d.Poisson(r), (POS,), np.floor(POS * 2), True),
    "binomial": (lambda d, p: d.Binomial(5, p), (PROBS,), np.floor(PROBS * 6), False),
    "binomial_logits": (
        lambda d, x: d.Binomial(mt.tensor(4.0) if d is md else torch.tensor(4.0), logits=x),
        (LOC,),
        np.array([[0.0], [3.0], [4.0]]),
        False,
    ),
    "geometric": (lambda d, p: d.Geometric(p), (PROBS,), np.floor(POS * 3), True),
    "geometric_logits": (lambda d, x: d.Geometric(logits=x), (LOC,), np.floor(POS), True),
    "onehot": (lambda d, w: d.OneHotCategorical(w), (WEIGHTS,), np.eye(5)[[1, 4]], True),
    "multinomial": (
        lambda d, w: d.Multinomial(4, w),
        (WEIGHTS,),
        np.array([[1.0, 0, 2, 1, 0], [0, 0, 0, 0, 4]]),
        True,
    ),
    "multinomial_logits": (
        lambda d, x: d.Multinomial(3, logits=x),
        (WEIGHTS,),
        np.array([1.0, 1, 0, 1, 0]),
        True,
    ),
    "independent": (
        lambda d, m, s: d.Independent(d.Normal(m, s), 1),
        (LOC, SCALE),
        RNG.standard_normal((2, 3, 4)),
        True,
    ),
    "mvn_tril": (
        lambda d, m, L: d.MultivariateNormal(m, scale_tril=L),
        (VEC, TRIL),
        RNG.standard_normal((4, 2, 3)),
        True,
    ),
    "mvn_cov": (
        lambda d, m, c: d.MultivariateNormal(m, covariance_matrix=c),
        (VEC[0], COV),
        RNG.standard_normal((4, 1, 3)),
        True,
    ),
    "mvn_precision": (
        lambda d, m, p: d.MultivariateNormal(m, precision_matrix=p),
        (VEC, COV),
        RNG.standard_normal((3,)),
        True,
    ),
    "negative_binomial": (
        lambda d, r, p: d.NegativeBinomial(r, p),
        (POS, PROBS),
        np.floor(POS * 3),
        False,
    ),
    "negative_binomial_logits": (
        lambda d, x: d.NegativeBinomial(2.5, logits=x),
        (LOC,),
        np.floor(POS),
        False,
    ),
    "inverse_gamma": (lambda d, c, r: d.InverseGamma(c, r), (POS, SCALE), POS[::-1], False),
    "logistic_normal": (
        lambda d, m, s: d.LogisticNormal(m, s),
        (LOC, SCALE),
        np.random.default_rng(5).dirichlet(np.ones(5), 3),
        True,
    ),
    "lowrank_mvn": (
        lambda d, m, w, diag: d.LowRankMultivariateNormal(m, w, diag),
        (VEC, A[:, :, :2], POS[:2, :3]),
        RNG.standard_normal((4, 2, 3)),
        True,
    ),
}
NO_ENTROPY = {"poisson", "binomial_logits", "negative_binomial", "negative_binomial_logits",
              "logistic_normal"}  # fmt: skip  # torch: NotImplementedError / per-batch counts
MOMENTS = ("mean", "variance", "stddev", "mode")


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_match_torch(name):
    make, params, value, _ = CASES[name]
    ours, theirs, our_params, their_params = pair(make, *params)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert repr(ours).replace("microtensor.", "") == repr(theirs).replace("torch.", "")
    assert repr(ours.support).split("=")[0] == repr(theirs.support).split("=")[0]
    assert ours.has_rsample == theirs.has_rsample
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    assert list(ours.arg_constraints) == list(theirs.arg_constraints)
    lp_ours, lp_theirs = (
        ours.log_prob(mt.tensor(value)),
        theirs.log_prob(torch.tensor(value.copy())),
    )
    close(lp_ours, lp_theirs)
    moments = MOMENTS[:3] if name.startswith("multinomial") else MOMENTS
    for moment in () if name == "logistic_normal" else moments:
        close(getattr(ours, moment), getattr(theirs, moment), equal_nan=True)
    upstream = RNG.standard_normal(tuple(lp_ours.shape))
    total_ours = (lp_ours * mt.tensor(upstream)).sum()
    total_theirs = (lp_theirs * torch.tensor(upstream)).sum()
    if name not in NO_ENTROPY:
        # torch's Multinomial entropy takes lgamma of an int64 tensor, in float32
        close(ours.entropy(), theirs.entropy(), rtol=1e-7 if "multinomial" in name else 1e-10)
        total_ours = total_ours + ours.entropy().sum()
        total_theirs = total_theirs + theirs.entropy().sum()
    total_ours.backward()
    total_theirs.backward()
    # torch's float64 trigamma (in the entropy's gradient) is off by about 1e-9 relative
    tol = (
        (1e-8, 1e-9) if name in ("gamma", "beta", "dirichlet", "inverse_gamma") else (1e-10, 1e-12)
    )
    tol = (1e-7, 1e-8) if "multinomial" in name else tol
    for a, b in zip(our_params, their_params, strict=True):
        close(a.grad, b.grad, *tol)


GRADCHECKED = ["negative_binomial", "inverse_gamma", "logistic_normal", "exponential", "laplace", "lognormal", "gamma", "beta", "dirichlet", "poisson",
               "binomial", "geometric", "onehot", "multinomial", "independent", "mvn_tril",
               "lowrank_mvn"]  # fmt: skip


@pytest.mark.parametrize("name", GRADCHECKED)
def test_log_prob_passes_gradcheck_and_gradgradcheck(name):
    make, params, value, _ = CASES[name]
    value = mt.tensor(value)

    def fn(*ps):
        if name == "mvn_tril":  # a perturbed upper triangle is no Cholesky factor: use tril()
            ps = (ps[0], ps[1].tril())
        return make(md, *ps).log_prob(value)

    inputs = [mt.tensor(p, requires_grad=True) for p in params]
    if name == "mvn_tril":
        inputs = [
            mt.tensor(params[0][:, :2], requires_grad=True),
            mt.tensor(params[1][:, :2, :2], requires_grad=True),
        ]
        value = mt.tensor(CASES[name][2][..., :2])
    assert mt.autograd.gradcheck(fn, inputs)
    assert mt.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name", ["exponential", "laplace", "lognormal", "gamma"])
def test_cdf_and_icdf_match_torch(name):
    make, params, value, _ = CASES[name]
    ours, theirs, our_params, their_params = pair(make, *params)
    c_ours, c_theirs = ours.cdf(mt.tensor(value)), theirs.cdf(torch.tensor(value.copy()))
    close(c_ours, c_theirs)
    if name == "gamma":  # torch has no Gamma.icdf, and no cdf gradient in concentration
        return
    q = RNG.uniform(0.05, 0.95, (2, 3, 4))
    i_ours, i_theirs = ours.icdf(mt.tensor(q)), theirs.icdf(torch.tensor(q))
    close(i_ours, i_theirs)
    (c_ours.sum() + i_ours.sum()).backward()
    (c_theirs.sum() + i_theirs.sum()).backward()
    for a, b in zip(our_params, their_params, strict=True):
        close(a.grad, b.grad)


@pytest.mark.parametrize("name", CASES)
def test_sample_shapes_and_expand_match_torch(name):
    make, params, value, same_stream = CASES[name]
    ours, theirs, _, _ = pair(make, *params)
    mt.manual_seed(3)
    torch.manual_seed(3)
    for shape in [(), (5,), (2, 3)]:
        a, b = ours.sample(shape), theirs.sample(shape)
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[12:] == str(b.dtype)[6:]
        assert bool(ours.support.check(a).all())
        if same_stream:
            close(a, b)
    batch = (2, *ours.batch_shape)
    big_ours, big_theirs = ours.expand(batch), theirs.expand(torch.Size(batch))
    assert tuple(big_ours.batch_shape) == tuple(big_theirs.batch_shape) == batch
    assert tuple(big_ours.sample((3,)).shape) == tuple(big_theirs.sample((3,)).shape)
    value = big_theirs.sample()
    close(big_ours.log_prob(mt.tensor(value.numpy())), big_theirs.log_prob(value))
    assert big_ours._validate_args == ours._validate_args


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][3] and CASES[n][1]])
def test_rsample_gradients_match_torch_for_the_same_noise(name):
    make, params, _, _ = CASES[name]
    ours, theirs, our_params, their_params = pair(make, *params)
    if not theirs.has_rsample:
        return
    mt.manual_seed(5)
    torch.manual_seed(5)
    a, b = ours.rsample((4,)), theirs.rsample((4,))
    close(a, b)
    upstream = RNG.standard_normal(tuple(a.shape))
    (a * mt.tensor(upstream)).sum().backward()
    (b * torch.tensor(upstream)).sum().backward()
    for p, q in zip(our_params, their_params, strict=True):
        close(p.grad, q.grad)


def test_standard_gamma_gradient_is_the_implicit_derivative():
    # dx/da at fixed quantile u = F(x; a), by finite differences of the inverse cdf
    from scipy import special

    from microtensor.distributions._standard_gamma import standard_gamma_grad

    a = np.array([0.1, 0.5, 1.0, 3.0, 20.0, 200.0])
    x = np.array([0.05, 0.3, 1.2, 2.0, 25.0, 190.0])
    u, h = special.gammainc(a, x), 1e-5 * a
    want = (special.gammaincinv(a + h, u) - special.gammaincinv(a - h, u)) / (2 * h)
    np.testing.assert_allclose(standard_gamma_grad(a, x), want, rtol=1e-7)
    torch_grad = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(standard_gamma_grad(a, x), torch_grad, rtol=1e-4)
    conc = mt.tensor(a, requires_grad=True)
    mt.manual_seed(0)
    draw = md.Gamma(conc, 2.0).rsample()
    draw.sum().backward()
    expected = standard_gamma_grad(a, draw.detach().numpy() * 2.0) / 2.0
    np.testing.assert_allclose(conc.grad.numpy(), expected, rtol=1e-9)


@pytest.mark.parametrize(
    ("make", "mean", "var"),
    [(lambda: md.Binomial(10, mt.tensor([0.2, 0.9])), [2.0, 9.0], [1.6, 0.9])],
)
def test_unreproduced_samplers_have_the_right_moments(make, mean, var):
    mt.manual_seed(0)
    dist = make()
    draws = dist.sample((20000,)).double().numpy()
    np.testing.assert_allclose(draws.mean(0), mean, rtol=0.03, atol=0.003)
    np.testing.assert_allclose(draws.var(0), var, rtol=0.06, atol=0.001)
    mt.manual_seed(0)
    np.testing.assert_array_equal(make().sample((20000,)).numpy(), draws.astype(np.float32))


# the samplers built on torch's sample_gamma: the same draws as torch after the same seed
GAMMA_FAMILY = {
    "Gamma": lambda d, t: d.Gamma(t([0.3, 2.0, 9.0]), t([1.0, 2.0, 0.5])),
    "Beta": lambda d, t: d.Beta(t([0.5, 2.0]), t([0.5, 5.0])),
    "Dirichlet": lambda d, t: d.Dirichlet(t([1.0, 2.0, 3.0])),
    "NegativeBinomial": lambda d, t: d.NegativeBinomial(3.0, t([0.4])),
    "InverseGamma": lambda d, t: d.InverseGamma(t([5.0]), t([2.0])),
    "StudentT": lambda d, t: d.StudentT(t([5.0, 10.0]), 1.0, 2.0),
    "Chi2": lambda d, t: d.Chi2(t([1.0, 4.0])),
    "FisherSnedecor": lambda d, t: d.FisherSnedecor(t([4.0]), t([12.0])),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(GAMMA_FAMILY))
def test_gamma_family_draws_are_torchs(name, dtype):
    torch.manual_seed(3)
    mt.manual_seed(3)
    theirs = GAMMA_FAMILY[name](td, lambda v: torch.tensor(v, dtype=getattr(torch, dtype)))
    ours = GAMMA_FAMILY[name](md, lambda v: mt.tensor(v, dtype=getattr(mt, dtype)))
    expected, got = theirs.sample((300,)).numpy(), ours.sample((300,)).numpy()
    if name == "InverseGamma":  # a reciprocal of the gamma draw: torch's rounds it apart
        np.testing.assert_allclose(got, expected, rtol=2 * np.finfo(dtype).eps)
    else:
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(mt.rand(3).numpy(), torch.rand(3).numpy())  # same position


def test_rsample_of_gamma_beta_dirichlet_is_differentiable():
    for make in (
        lambda c: md.Gamma(c, 1.0),
        lambda c: md.Beta(c, c.flip(0)),
        lambda c: md.Dirichlet(c),
    ):
        conc = mt.tensor([0.7, 2.0, 5.0], requires_grad=True)
        draw = make(conc).rsample((200,))
        draw.select(-1, 0).sum().backward()
        assert conc.grad is not None and bool(mt.isfinite(conc.grad).all())
        assert float(conc.grad.abs().sum()) > 0


def test_enumerate_support_matches_torch():
    for make, arg in [
        (lambda d, p: d.Binomial(3, p), PROBS[:2, :2]),
        (lambda d, w: d.OneHotCategorical(w), WEIGHTS),
        (lambda d, p: d.Independent(d.Bernoulli(p), 0), PROBS[0]),
    ]:
        ours, theirs = make(md, mt.tensor(arg)), make(td, torch.tensor(arg))
        for expand in (True, False):
            close(ours.enumerate_support(expand), theirs.enumerate_support(expand))
    with pytest.raises(NotImplementedError, match="cartesian product"):
        md.Independent(md.Bernoulli(mt.tensor(PROBS)), 1).enumerate_support()
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
        md.Binomial(mt.tensor([2.0, 3.0]), mt.tensor([0.5, 0.5])).enumerate_support()


def _both(fn):
    """The exception each library raises for ``fn(library, tensor)``."""
    errors = []
    for lib, tensor in ((md, mt.tensor), (td, torch.tensor)):
        with pytest.raises((ValueError, NotImplementedError)) as info:
            fn(lib, tensor)
        errors.append(info)
    return errors


@pytest.mark.parametrize(
    "fn",
    [
        lambda d, t: d.Exponential(t([-1.0])),
        lambda d, t: d.Laplace(0.0, t(0.0)),
        lambda d, t: d.Gamma(t([1.0]), t([-2.0])),
        lambda d, t: d.Beta(t([1.0]), t([0.0])),
        lambda d, t: d.Dirichlet(t([1.0, -1.0])),
        lambda d, t: d.Dirichlet(t(1.0)),
        lambda d, t: d.Poisson(t([-1.0])),
        lambda d, t: d.Binomial(t([2.5]), t([0.5])),
        lambda d, t: d.Binomial(2, probs=t([0.5]), logits=t([0.0])),
        lambda d, t: d.Geometric(t([0.0])),
        lambda d, t: d.Geometric(t([1.5])),
        lambda d, t: d.OneHotCategorical(t([-1.0, 1.0])),
        lambda d, t: d.Multinomial(t(3), t([1.0, 1.0])),
        lambda d, t: d.Independent(d.Normal(t([0.0]), t([1.0])), 2),
        lambda d, t: d.MultivariateNormal(t(0.0), t([[1.0]])),
        lambda d, t: d.MultivariateNormal(t([0.0]), t([[1.0]]), scale_tril=t([[1.0]])),
        lambda d, t: d.MultivariateNormal(t([0.0]), scale_tril=t([1.0])),
        lambda d, t: d.MultivariateNormal(t([0.0, 0.0]), t([[1.0, 2.0], [2.0, 1.0]])),
        lambda d, t: d.MultivariateNormal(t([0.0, 0.0]), scale_tril=t([[1.0, 1.0], [0, 1.0]])),
        lambda d, t: d.LogNormal(0.0, t(-1.0)),
        lambda d, t: d.Exponential(t([1.0])).log_prob(t([-1.0])),
        lambda d, t: d.Poisson(t([1.0])).log_prob(t([0.5])),
        lambda d, t: d.Dirichlet(t([1.0, 1.0])).log_prob(t([0.5, 0.6])),
        lambda d, t: d.Multinomial(2, t([1.0, 1.0])).log_prob(t([2.0, 1.0])),
        lambda d, t: d.LogNormal(0.0, 1.0).log_prob(t(-1.0)),
        lambda d, t: d.NegativeBinomial(t([-1.0]), t([0.5])),
        lambda d, t: d.NegativeBinomial(2.0, t([1.0])),
        lambda d, t: d.NegativeBinomial(2.0, t([0.5])).log_prob(t([1.5])),
        lambda d, t: d.InverseGamma(t([-1.0]), t([1.0])),
        lambda d, t: d.LogisticNormal(t([0.0]), t([-1.0])),
        lambda d, t: d.TransformedDistribution(d.Normal(0.0, 1.0), "exp"),
        lambda d, t: d.TransformedDistribution(d.Normal(0.0, 1.0), [d.SoftmaxTransform()]),
    ],
)
def test_validation_errors_match_torch(fn):
    ours, theirs = _both(fn)
    assert ours.type is theirs.type
    assert str(ours.value).split(" ")[:4] == str(theirs.value).split(" ")[:4]


def test_validate_args_false_skips_the_checks():
    assert md.Exponential(mt.tensor([-1.0]), validate_args=False).rate.item() == -1.0
    dist = md.Poisson(mt.tensor([1.0]), validate_args=False)
    assert np.isfinite(dist.log_prob(mt.tensor([0.5])).item())


def test_multinomial_entropy_is_the_exact_sum_over_count_vectors():
    import itertools
    import math

    probs = np.array([0.2, 0.3, 0.5])
    dist = md.Multinomial(3, mt.tensor(probs))
    counts = [c for c in itertools.product(range(4), repeat=3) if sum(c) == 3]
    pmf = [
        math.factorial(3) / np.prod([math.factorial(k) for k in c]) * np.prod(probs**c)
        for c in counts
    ]
    np.testing.assert_allclose(
        dist.entropy().item(), -sum(p * math.log(p) for p in pmf), rtol=1e-13
    )
    logs = dist.log_prob(mt.tensor(np.array(counts, dtype=float))).numpy()
    np.testing.assert_allclose(np.exp(logs), pmf, rtol=1e-13)


@pytest.mark.parametrize("name", ["mvn_tril", "mvn_cov", "mvn_precision", "lowrank_mvn"])
def test_multivariate_normal_matrices_match_torch(name):
    make, params, _, _ = CASES[name]
    ours, theirs, our_params, their_params = pair(make, *params)
    total_ours, total_theirs = 0, 0
    for matrix in ("scale_tril", "covariance_matrix", "precision_matrix"):
        close(getattr(ours, matrix), getattr(theirs, matrix), rtol=1e-9)
        total_ours = total_ours + getattr(ours, matrix).sum()
        total_theirs = total_theirs + getattr(theirs, matrix).sum()
    total_ours.backward()
    total_theirs.backward()
    for a, b in zip(our_params, their_params, strict=True):
        if b.grad is None:  # loc does not enter the matrices
            assert a.grad is None
        else:
            close(a.grad, b.grad, rtol=1e-8, atol=1e-10)
