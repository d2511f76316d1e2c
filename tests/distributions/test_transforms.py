"""Transforms, TransformedDistribution and biject_to/transform_to against torch."""

import numpy as np
import pytest
import torch
import torch.distributions as td
from torch.distributions import constraint_registry as torch_registry

import microtensor as mt
import microtensor.distributions as md
from microtensor.distributions import constraint_registry

RNG = np.random.default_rng(2)
X = RNG.standard_normal((3, 4))
LOC = RNG.standard_normal((4,))
SCALE = RNG.uniform(0.5, 2.0, (4,))


def close(a, b, rtol=1e-10):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-12)


# name: (make(lib, *params), params, a point of the domain)
TRANSFORMS = {
    "exp": (lambda d: d.ExpTransform(), (), X),
    "affine": (lambda d, m, s: d.AffineTransform(m, s), (LOC, -SCALE), X),
    "affine_number": (lambda d: d.AffineTransform(1.5, -2.0), (), X),
    "affine_event": (lambda d, m, s: d.AffineTransform(m, s, event_dim=1), (LOC, SCALE), X),
    "sigmoid": (lambda d: d.SigmoidTransform(), (), X),
    "tanh": (lambda d: d.TanhTransform(), (), X),
    "power": (lambda d, e: d.PowerTransform(e), (SCALE,), np.exp(X)),
    "compose": (
        lambda d, m, s: d.ComposeTransform([d.TanhTransform(), d.AffineTransform(m, s)]),
        (LOC, SCALE),
        X,
    ),
    "inverse": (lambda d: d.SigmoidTransform().inv, (), 1 / (1 + np.exp(-X))),
    "stick_breaking": (lambda d: d.StickBreakingTransform(), (), X),
    "lower_cholesky": (lambda d: d.LowerCholeskyTransform(), (), X[:3, :3]),
    "positive_definite": (lambda d: d.PositiveDefiniteTransform(), (), X[:3, :3]),
    "independent": (
        lambda d, e: d.IndependentTransform(d.PowerTransform(e), 1),
        (SCALE,),
        np.exp(X),
    ),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transform_values_jacobians_and_gradients_match_torch(name):
    make, params, x = TRANSFORMS[name]
    our_params = [mt.tensor(p, requires_grad=True) for p in params]
    their_params = [torch.tensor(p, requires_grad=True) for p in params]
    ours, theirs = make(md, *our_params), make(td, *their_params)
    assert repr(ours) == repr(theirs)
    assert repr(ours.domain) == repr(theirs.domain)
    assert repr(ours.codomain) == repr(theirs.codomain)
    assert ours.bijective == theirs.bijective
    x_ours = mt.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    close(y_ours, y_theirs)
    close(ours.inv(y_ours), theirs.inv(y_theirs), rtol=1e-9)
    if ours.bijective:
        lad_ours = ours.log_abs_det_jacobian(x_ours, y_ours)
        lad_theirs = theirs.log_abs_det_jacobian(x_theirs, y_theirs)
        close(lad_ours, lad_theirs)
    upstream = RNG.standard_normal(tuple(y_ours.shape))
    if not ours.bijective:  # no jacobian; the inverse recovers x only on the codomain's chart
        lad_ours, lad_theirs = mt.zeros(()), torch.zeros(())
    ((y_ours * mt.tensor(upstream)).sum() + lad_ours.sum()).backward()
    ((y_theirs * torch.tensor(upstream)).sum() + lad_theirs.sum()).backward()
    for a, b in zip([x_ours, *our_params], [x_theirs, *their_params], strict=True):
        close(a.grad, b.grad)


def test_transforms_pass_gradcheck_and_gradgradcheck():
    x = mt.tensor(X[:2, :3], requires_grad=True)
    for t in (md.TanhTransform(), md.SigmoidTransform(), md.AffineTransform(0.5, 3.0)):
        assert mt.autograd.gradcheck(lambda v, t=t: t.log_abs_det_jacobian(v, t(v)) + t(v), [x])
        assert mt.autograd.gradgradcheck(lambda v, t=t: t.log_abs_det_jacobian(v, t(v)), [x])


def test_softmax_and_abs_transforms_match_torch():
    for ours, theirs in [
        (md.SoftmaxTransform(), td.SoftmaxTransform()),
        (md.AbsTransform(), td.AbsTransform()),
    ]:
        y_ours, y_theirs = ours(mt.tensor(X)), theirs(torch.tensor(X))
        close(y_ours, y_theirs)
        close(ours.inv(y_ours), theirs.inv(y_theirs))
        assert ours.bijective is theirs.bijective is False
        assert repr(ours.codomain) == repr(theirs.codomain)


def test_cache_returns_the_input_and_signs_match_torch():
    t = md.ExpTransform(cache_size=1)
    x = mt.tensor([1.0, 2.0])
    y = t(x)
    assert t.inv(y) is x and t(x) is y
    assert md.ExpTransform().with_cache(1)._cache_size == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        md.ExpTransform(cache_size=2)
    assert md.AffineTransform(0.0, -2.0).sign == td.AffineTransform(0.0, -2.0).sign == -1
    assert md.ComposeTransform([md.ExpTransform(), md.AffineTransform(0.0, -1.0)]).sign == -1
    assert md.ExpTransform() == md.ExpTransform() and md.ExpTransform().inv.inv == md.ExpTransform()


def tanh_gaussian(d, loc, scale):
    """A squashed Gaussian policy (SAC): Normal -> tanh -> affine."""
    return d.TransformedDistribution(
        d.Normal(loc, scale), [d.TanhTransform(), d.AffineTransform(2.0, 3.0)]
    )


@pytest.mark.parametrize(
    ("make", "value"),
    [
        (tanh_gaussian, 2.0 + 2.9 * np.tanh(X)),
        (
            lambda d, m, s: d.TransformedDistribution(
                d.Normal(m, s), [d.AffineTransform(m, s, event_dim=1)]
            ),
            X,
        ),
        (
            lambda d, m, s: d.TransformedDistribution(d.Normal(m, s), d.SigmoidTransform()),
            1 / (1 + np.exp(-X)),
        ),
        (
            lambda d, m, s: d.TransformedDistribution(
                d.Independent(d.Normal(m, s), 1), [d.ExpTransform(), d.PowerTransform(2.0)]
            ),
            np.exp(X),
        ),
        (  # a logistic-normal on the 5-simplex
            lambda d, m, s: d.TransformedDistribution(d.Normal(m, s), d.StickBreakingTransform()),
            np.random.default_rng(0).dirichlet(np.ones(5), 3),
        ),
    ],
)
def test_transformed_distribution_matches_torch(make, value):
    our_params = [mt.tensor(p, requires_grad=True) for p in (LOC, SCALE)]
    their_params = [torch.tensor(p, requires_grad=True) for p in (LOC, SCALE)]
    ours, theirs = make(md, *our_params), make(td, *their_params)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert repr(ours.support) == repr(theirs.support)
    lp_ours, lp_theirs = ours.log_prob(mt.tensor(value)), theirs.log_prob(torch.tensor(value))
    close(lp_ours, lp_theirs, rtol=1e-9)
    mt.manual_seed(4)
    torch.manual_seed(4)
    draw_ours, draw_theirs = ours.rsample((2,)), theirs.rsample((2,))
    close(draw_ours, draw_theirs)
    (lp_ours.sum() + draw_ours.sum()).backward()
    (lp_theirs.sum() + draw_theirs.sum()).backward()
    for a, b in zip(our_params, their_params, strict=True):
        close(a.grad, b.grad, rtol=1e-9)
    big_ours, big_theirs = (
        ours.expand((2, *ours.batch_shape)),
        theirs.expand((2, *theirs.batch_shape)),
    )
    assert tuple(big_ours.sample().shape) == tuple(big_theirs.sample().shape)


def test_transformed_cdf_and_icdf_match_torch_for_a_decreasing_map():
    for d in (md, td):
        d.made = d.TransformedDistribution(
            d.Normal(0.5, 2.0), [d.ExpTransform(), d.AffineTransform(1.0, -1.5)]
        )
    value = 1.0 - 1.5 * np.exp(X)
    close(md.made.cdf(mt.tensor(value)), td.made.cdf(torch.tensor(value)))
    q = RNG.uniform(0.05, 0.95, (3,))
    close(md.made.icdf(mt.tensor(q)), td.made.icdf(torch.tensor(q)))
    del md.made, td.made


def test_transformed_distribution_errors_match_torch():
    for ours, theirs in [
        (
            lambda: md.TransformedDistribution(md.Normal(0.0, 1.0), 3),
            lambda: td.TransformedDistribution(td.Normal(0.0, 1.0), 3),
        ),
        (
            lambda: md.TransformedDistribution(md.Normal(0.0, 1.0), [md.SoftmaxTransform()]),
            lambda: td.TransformedDistribution(td.Normal(0.0, 1.0), [td.SoftmaxTransform()]),
        ),
    ]:
        with pytest.raises(ValueError) as got:
            ours()
        with pytest.raises(ValueError) as want:
            theirs()
        assert str(got.value) == str(want.value).replace("torch.", "microtensor.")


@pytest.mark.parametrize(
    "name",
    [
        ("real", ()),
        ("positive", ()),
        ("nonnegative", ()),
        ("unit_interval", ()),
        ("greater_than", (1.5,)),
        ("less_than", (-0.5,)),
        ("interval", (-2.0, 3.0)),
        ("half_open_interval", (0.0, 4.0)),
        ("real_vector", ()),
        ("simplex", ()),
        ("lower_cholesky", ()),
        ("positive_definite", ()),
    ],
)
def test_biject_to_and_transform_to_match_torch(name):
    attr, args = name
    ours = getattr(md.constraints, attr)
    theirs = getattr(td.constraints, attr)
    if args:
        ours, theirs = ours(*args), theirs(*args)
    x = X[:3, :3]
    for our_registry, their_registry in [
        (constraint_registry.biject_to, torch_registry.biject_to),
        (constraint_registry.transform_to, torch_registry.transform_to),
    ]:
        try:
            want = their_registry(theirs)
        except NotImplementedError:  # not registered in torch either
            with pytest.raises(NotImplementedError, match="Cannot transform"):
                our_registry(ours)
            continue
        got = our_registry(ours)
        assert repr(got) == repr(want)
        y = got(mt.tensor(x))
        close(y, want(torch.tensor(x)))
        assert bool(ours.check(y).all())
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        constraint_registry.biject_to(md.constraints.boolean)
