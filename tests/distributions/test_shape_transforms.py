"""ReshapeTransform, CatTransform and StackTransform against torch.distributions.transforms:
values, inverses, log-Jacobians, their gradients, domains, shapes and errors."""

import numpy as np
import pytest
import torch
import torch.distributions as td
import torch.distributions.transforms as tt

import microtensor as mt
import microtensor.distributions as md
import microtensor.distributions.transforms as mtt

RNG = np.random.default_rng(9)


def close(a, b, rtol=1e-10, atol=1e-12):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def parts(lib):
    return [lib.ExpTransform(), lib.identity_transform, lib.AffineTransform(1.0, -2.0)]


# name: (make(transforms module), input shape)
CASES = {
    "reshape": (lambda t: t.ReshapeTransform((2, 3), (3, 2)), (4, 2, 3)),
    "reshape_flat": (lambda t: t.ReshapeTransform((6,), (1, 2, 3)), (6,)),
    "cat_dim0": (lambda t: t.CatTransform(parts(t), dim=0, lengths=[1, 2, 2]), (5, 3)),
    "cat_last": (lambda t: t.CatTransform(parts(t), dim=-1, lengths=[2, 1, 1]), (3, 4)),
    "cat_default_lengths": (lambda t: t.CatTransform(parts(t), dim=1), (2, 3)),
    "cat_events": (  # parts with event dims: their terms are summed, not concatenated
        lambda t: t.CatTransform(
            [
                t.IndependentTransform(t.AffineTransform(0.5, 3.0), 1),
                t.IndependentTransform(t.ExpTransform(), 1),
            ],
            dim=-1,
            lengths=[2, 3],
        ),
        (4, 5),
    ),
    "stack_dim0": (lambda t: t.StackTransform(parts(t), dim=0), (3, 4)),
    "stack_last": (lambda t: t.StackTransform(parts(t), dim=-1), (2, 3)),
}


def pair(name):
    make, shape = CASES[name]
    x = RNG.standard_normal(shape)
    return make(mtt), make(tt), x


@pytest.mark.parametrize("name", CASES)
def test_values_inverse_and_log_jacobian_equal_torchs_with_gradients(name):
    ours, theirs, x = pair(name)
    x_ours, x_theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    close(y_ours, y_theirs)
    close(ours.inv(y_ours), x)
    close(theirs.inv(y_theirs), x)  # (the oracle round-trips too)
    j_ours, j_theirs = (
        ours.log_abs_det_jacobian(x_ours, y_ours),
        theirs.log_abs_det_jacobian(x_theirs, y_theirs),
    )
    assert tuple(j_ours.shape) == tuple(j_theirs.shape)
    close(j_ours, j_theirs)
    up_y, up_j = RNG.standard_normal(tuple(y_ours.shape)), RNG.standard_normal(tuple(j_ours.shape))
    ((y_ours * mt.tensor(up_y)).sum() + (j_ours * mt.tensor(up_j)).sum()).backward()
    ((y_theirs * torch.tensor(up_y)).sum() + (j_theirs * torch.tensor(up_j)).sum()).backward()
    close(x_ours.grad, x_theirs.grad)


@pytest.mark.parametrize("name", CASES)
def test_attributes_domain_and_shapes_equal_torchs(name):
    ours, theirs, x = pair(name)
    assert ours.bijective == theirs.bijective
    assert ours.domain.event_dim == theirs.domain.event_dim
    assert ours.codomain.event_dim == theirs.codomain.event_dim
    assert ours.event_dim == theirs.event_dim if not name.startswith("reshape") else True
    y = theirs(torch.tensor(x)).numpy()
    close(ours.domain.check(mt.tensor(x)), theirs.domain.check(torch.tensor(x)))
    close(ours.codomain.check(mt.tensor(y)), theirs.codomain.check(torch.tensor(y)))
    assert tuple(ours.forward_shape(x.shape)) == tuple(theirs.forward_shape(torch.Size(x.shape)))
    assert tuple(ours.inverse_shape(y.shape)) == tuple(theirs.inverse_shape(torch.Size(y.shape)))
    cached = ours.with_cache(1)
    assert type(cached) is type(ours) and cached._cache_size == 1 and ours.with_cache(0) is ours
    x_ours = mt.tensor(x)
    assert cached.inv(cached(x_ours)) is x_ours


def test_codomain_checks_find_the_values_outside():
    ours = mtt.CatTransform([mtt.ExpTransform(), mtt.identity_transform], dim=0, lengths=[1, 1])
    theirs = tt.CatTransform([tt.ExpTransform(), tt.identity_transform], dim=0, lengths=[1, 1])
    y = np.array([[-1.0, 2.0], [-3.0, 4.0]])
    close(ours.codomain.check(mt.tensor(y)), theirs.codomain.check(torch.tensor(y)))
    assert ours.codomain.check(mt.tensor(y)).tolist() == [[False, True], [True, True]]
    stack = mtt.StackTransform([mtt.ExpTransform(), mtt.identity_transform], dim=1)
    assert stack.codomain.check(mt.tensor(y)).tolist() == [[False, True], [False, True]]


@pytest.mark.parametrize("name", ["reshape", "cat_dim0", "cat_events", "stack_last"])
def test_gradcheck_and_gradgradcheck(name):
    ours, _, x = pair(name)

    def fn(v):
        y = ours(v)
        return y, ours.log_abs_det_jacobian(v, y)

    x_ours = mt.tensor(x, requires_grad=True)
    assert mt.autograd.gradcheck(fn, [x_ours])
    assert mt.autograd.gradgradcheck(fn, [x_ours])


def test_a_reshaped_distribution_matches_torch():
    loc, value = RNG.standard_normal((2, 6)), RNG.standard_normal((3, 2, 2, 3))
    ours = md.TransformedDistribution(
        md.Independent(md.Normal(mt.tensor(loc), 1.0), 1), [mtt.ReshapeTransform((6,), (2, 3))]
    )
    theirs = td.TransformedDistribution(
        td.Independent(td.Normal(torch.tensor(loc), 1.0), 1), [tt.ReshapeTransform((6,), (2, 3))]
    )
    assert tuple(ours.event_shape) == tuple(theirs.event_shape) == (2, 3)
    close(ours.log_prob(mt.tensor(value)), theirs.log_prob(torch.tensor(value)))
    mt.manual_seed(0), torch.manual_seed(0)
    close(ours.sample((4,)), theirs.sample((4,)))


def test_errors_match_torch():
    for t in (mtt, tt):
        with pytest.raises(
            ValueError, match="in_shape, out_shape have different numbers of elements"
        ):
            t.ReshapeTransform((2, 3), (4,))
        reshape = t.ReshapeTransform((2, 3), (6,))
        with pytest.raises(ValueError, match="Too few dimensions on input"):
            reshape.forward_shape((3,))
        with pytest.raises(
            ValueError, match=r"Shape mismatch: expected \(3, 2\) but got .*Size\(\[2, 3\]\)"
        ):
            reshape.forward_shape((4, 3, 2))
        with pytest.raises(
            AssertionError, match="All elements of tseq must be Transform instances"
        ):
            t.CatTransform([t.ExpTransform(), "exp"])
        with pytest.raises(
            AssertionError, match="All elements of tseq must be Transform instances"
        ):
            t.StackTransform([t.ExpTransform(), 1])
        with pytest.raises(AssertionError, match=r"lengths \(1\) must match transforms \(2\)"):
            t.CatTransform([t.ExpTransform(), t.ExpTransform()], lengths=[2])
        lib = mt if t is mtt else torch
        cat = t.CatTransform([t.ExpTransform(), t.ExpTransform()], dim=0, lengths=[1, 2])
        with pytest.raises(AssertionError, match=r"x.size\(0\) = 2 must equal length 3"):
            cat(lib.zeros(2))
        with pytest.raises(AssertionError, match="dim 0 out of range for tensor with 0 dimensions"):
            cat(lib.tensor(1.0))
        stack = t.StackTransform([t.ExpTransform(), t.ExpTransform()], dim=1)
        with pytest.raises(AssertionError, match=r"y.size\(1\) = 3 must equal len\(transforms\) 2"):
            stack.inv(lib.ones(2, 3))
        with pytest.raises(AssertionError, match="dim 1 out of range for x with 1 dimensions"):
            stack.log_abs_det_jacobian(lib.ones(2), lib.ones(2))
