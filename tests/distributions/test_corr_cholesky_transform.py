"""CorrCholeskyTransform against torch.distributions.transforms.CorrCholeskyTransform."""

import numpy as np
import pytest
import torch
import torch.distributions as td
from torch.distributions import constraint_registry as torch_registry

import microtensor as mt
import microtensor.distributions as md
from microtensor.distributions import constraint_registry

RNG = np.random.default_rng(31)
DTYPES = [
    (np.float64, mt.float64, torch.float64, 1e-10),
    (np.float32, mt.float32, torch.float32, 1e-5),
]
SHAPES = [(1, ()), (2, ()), (2, (3,)), (3, ()), (3, (2, 3)), (4, (5,)), (6, (2,))]


def close(a, b, rtol):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=rtol)


def unconstrained(dim, batch, dtype=np.float64):
    return (1.5 * RNG.standard_normal((*batch, dim * (dim - 1) // 2))).astype(dtype)


@pytest.mark.parametrize(("dim", "batch"), SHAPES)
@pytest.mark.parametrize(("np_dtype", "mt_dtype", "torch_dtype", "rtol"), DTYPES)
def test_values_inverse_and_jacobian_match_torch(dim, batch, np_dtype, mt_dtype, torch_dtype, rtol):
    x = unconstrained(dim, batch, np_dtype)
    ours, theirs = md.CorrCholeskyTransform(), td.CorrCholeskyTransform()
    y_ours, y_theirs = ours(mt.tensor(x)), theirs(torch.tensor(x))
    assert y_ours.dtype == mt_dtype and tuple(y_ours.shape) == (*batch, dim, dim)
    close(y_ours, y_theirs, rtol)
    assert bool(md.constraints.corr_cholesky.check(y_ours).all())
    # 1 - cumsum(y^2) cancels and atanh magnifies near +-1: the inverse loses digits, the more
    # in float32 as torch's CPU cumsum accumulates float32 in double and NumPy's does not
    inverse_rtol = 100 * rtol
    x_back = ours.inv(y_ours)
    assert x_back.dtype == mt_dtype
    close(x_back, theirs.inv(y_theirs), inverse_rtol)
    np.testing.assert_allclose(x_back.numpy(), x, rtol=inverse_rtol, atol=inverse_rtol)
    lad_ours = ours.log_abs_det_jacobian(mt.tensor(x), y_ours)
    assert lad_ours.dtype == mt_dtype and tuple(lad_ours.shape) == batch
    if dim == 1:  # torch raises "diag (-2) provided is outside [-1, 0]"; the empty sum is 0
        with pytest.raises(ValueError, match="outside"):
            theirs.log_abs_det_jacobian(torch.tensor(x), y_theirs)
        assert not lad_ours.numpy().any()
    else:
        close(lad_ours, theirs.log_abs_det_jacobian(torch.tensor(x), y_theirs), rtol)


def test_zero_maps_to_the_identity_and_rows_have_unit_length():
    y = md.CorrCholeskyTransform()(mt.zeros(10))
    np.testing.assert_array_equal(y.numpy(), np.eye(5))
    y = md.CorrCholeskyTransform()(mt.tensor(unconstrained(5, (7,))))
    np.testing.assert_allclose((y @ y.mT).diagonal(dim1=-2, dim2=-1).numpy(), 1.0, rtol=1e-14)
    assert not np.triu(y.numpy(), 1).any() and (y.diagonal(dim1=-2, dim2=-1).numpy() > 0).all()


def numerical_log_det(x, dim, step=1e-6):
    """``log |det J|`` of x -> the strict lower entries of y, by central differences."""
    rows, cols = np.tril_indices(dim, -1)
    t = md.CorrCholeskyTransform()
    columns = []
    for k in range(x.size):
        shift = np.zeros_like(x)
        shift[k] = step
        up, down = t(mt.tensor(x + shift)).numpy(), t(mt.tensor(x - shift)).numpy()
        columns.append((up - down)[rows, cols] / (2 * step))
    return np.linalg.slogdet(np.stack(columns, axis=1))[1]


@pytest.mark.parametrize("dim", [2, 3, 4, 5])
def test_jacobian_equals_a_numerical_jacobian_of_the_free_entries(dim):
    x = unconstrained(dim, ())
    t = md.CorrCholeskyTransform()
    lad = t.log_abs_det_jacobian(mt.tensor(x), t(mt.tensor(x))).item()
    np.testing.assert_allclose(lad, numerical_log_det(x, dim), rtol=1e-6, atol=1e-6)
    y = t(mt.tensor(x))
    np.testing.assert_allclose(t.inv.log_abs_det_jacobian(y, t.inv(y)).item(), -lad, rtol=1e-12)


@pytest.mark.parametrize(("dim", "batch"), [(2, (3,)), (3, ()), (4, (2, 2))])
def test_gradients_match_torch_for_a_random_upstream(dim, batch):
    x = unconstrained(dim, batch)
    upstream = RNG.standard_normal((*batch, dim, dim))
    x_ours = mt.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    ours, theirs = md.CorrCholeskyTransform(), td.CorrCholeskyTransform()
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    lad_ours = ours.log_abs_det_jacobian(x_ours, y_ours)
    lad_theirs = theirs.log_abs_det_jacobian(x_theirs, y_theirs)
    ((y_ours * mt.tensor(upstream)).sum() + lad_ours.sum()).backward()
    ((y_theirs * torch.tensor(upstream)).sum() + lad_theirs.sum()).backward()
    close(x_ours.grad, x_theirs.grad, 1e-10)
    # the inverse, from a leaf factor
    value = y_theirs.detach().numpy()
    v_ours, v_theirs = mt.tensor(value, requires_grad=True), torch.tensor(value, requires_grad=True)
    up_x = RNG.standard_normal(x.shape)
    (ours.inv(v_ours) * mt.tensor(up_x)).sum().backward()
    (theirs.inv(v_theirs) * torch.tensor(up_x)).sum().backward()
    close(v_ours.grad, v_theirs.grad, 1e-9)


def test_saturated_inputs_match_torch_with_gradients():
    x = np.array([[25.0, -0.3, -30.0], [0.1, 0.2, 19.0]])  # tanh rounds to +-1: clamped
    x_ours = mt.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    ours, theirs = md.CorrCholeskyTransform(), td.CorrCholeskyTransform()
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert bool(md.constraints.corr_cholesky.check(y_ours).all())
    lad_ours = ours.log_abs_det_jacobian(x_ours, y_ours)
    lad_theirs = theirs.log_abs_det_jacobian(x_theirs, y_theirs)
    close(y_ours, y_theirs, 1e-12)
    close(lad_ours, lad_theirs, 1e-12)
    (y_ours.sum() + lad_ours.sum()).backward()
    (y_theirs.sum() + lad_theirs.sum()).backward()
    close(x_ours.grad, x_theirs.grad, 1e-10)


def test_gradcheck_and_gradgradcheck():
    t = md.CorrCholeskyTransform()
    x = mt.tensor(unconstrained(3, (2,)), requires_grad=True)
    assert mt.autograd.gradcheck(lambda v: t(v), [x])
    assert mt.autograd.gradcheck(lambda v: t.log_abs_det_jacobian(v, t(v)), [x])
    assert mt.autograd.gradgradcheck(lambda v: t.log_abs_det_jacobian(v, t(v)), [x])
    y = t(x).detach().requires_grad_()
    assert mt.autograd.gradcheck(lambda w: t.inv(w), [y])


def test_attributes_match_torch():
    ours, theirs = md.CorrCholeskyTransform(), td.CorrCholeskyTransform()
    assert repr(ours) == repr(theirs) and repr(ours.inv) == repr(theirs.inv)
    assert repr(ours.domain) == repr(theirs.domain) == "IndependentConstraint(Real(), 1)"
    assert repr(ours.codomain) == repr(theirs.codomain) == "CorrCholesky()"
    assert ours.bijective is theirs.bijective is True
    # torch defines no __eq__ for it (unlike StickBreakingTransform): two instances differ
    assert (ours == md.CorrCholeskyTransform()) is (theirs == td.CorrCholeskyTransform()) is False
    assert (ours.domain.event_dim, ours.codomain.event_dim) == (1, 2)
    with pytest.raises(ValueError, match="Please use either .domain.event_dim"):
        ours.event_dim  # noqa: B018
    assert md.transforms.CorrCholeskyTransform is md.CorrCholeskyTransform
    cached = ours.with_cache(1)
    x = mt.tensor(unconstrained(3, ()))
    assert cached.inv(cached(x)) is x


def test_biject_to_and_transform_to_return_it_as_torch():
    x = unconstrained(4, (2,))
    for ours, theirs in [
        (constraint_registry.biject_to, torch_registry.biject_to),
        (constraint_registry.transform_to, torch_registry.transform_to),
    ]:
        got, want = ours(md.constraints.corr_cholesky), theirs(td.constraints.corr_cholesky)
        assert type(got) is md.CorrCholeskyTransform and repr(got) == repr(want)
        close(got(mt.tensor(x)), want(torch.tensor(x)), 1e-10)
    assert md.biject_to is constraint_registry.biject_to


@pytest.mark.parametrize("shape", [(0,), (1,), (3,), (2, 6), (4, 10), (4,), (7,), (2, 5), ()])
def test_forward_shape_matches_torch(shape):
    ours, theirs = md.CorrCholeskyTransform(), td.CorrCholeskyTransform()
    try:
        want = theirs.forward_shape(torch.Size(shape))
    except ValueError as error:
        with pytest.raises(ValueError, match=f"^{error}$"):
            ours.forward_shape(shape)
        return
    assert tuple(ours.forward_shape(shape)) == tuple(want)
    assert tuple(ours.inv.inverse_shape(shape)) == tuple(want)
    assert tuple(ours.inverse_shape(tuple(want))) == shape


@pytest.mark.parametrize("shape", [(3, 3), (1, 1), (2, 4, 4), (3,), (2, 3), ()])
def test_inverse_shape_matches_torch(shape):
    ours, theirs = md.CorrCholeskyTransform(), td.CorrCholeskyTransform()
    try:
        want = theirs.inverse_shape(torch.Size(shape))
    except ValueError as error:
        with pytest.raises(ValueError, match=f"^{error}$"):
            ours.inverse_shape(shape)
        return
    assert tuple(ours.inverse_shape(shape)) == tuple(want)


@pytest.mark.parametrize("shape", [(2,), (4,), (5,), (7,), (8,), (2, 4), (3, 2, 7), (2, 5), ()])
def test_a_wrong_last_dim_raises_as_torch(shape):
    x = np.zeros(shape)
    with pytest.raises((ValueError, RuntimeError, IndexError)) as want:
        td.CorrCholeskyTransform()(torch.tensor(x))
    with pytest.raises(want.type) as got:
        md.CorrCholeskyTransform()(mt.tensor(x))
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("shape", [(3, 2), (5, 2, 3), (4,)])
def test_non_square_factors_raise_index_error_as_torch(shape):
    with pytest.raises(IndexError):
        td.CorrCholeskyTransform().inv(torch.zeros(shape))
    t = md.CorrCholeskyTransform()
    with pytest.raises(IndexError, match=r"expected square matrices of shape \(\.\.\., D, D\)"):
        t.inv(mt.zeros(shape))
    with pytest.raises(IndexError, match="expected square matrices"):
        t.log_abs_det_jacobian(mt.zeros(3), mt.zeros(shape))


def test_a_transformed_distribution_onto_correlation_factors_matches_torch():
    loc, scale = RNG.standard_normal((2, 3)), RNG.uniform(0.5, 2.0, (2, 3))
    value = td.LKJCholesky(3, torch.tensor(1.5, dtype=torch.float64)).sample((2,))
    made = {}
    for d, lib in [(md, mt), (td, torch)]:
        params = [lib.tensor(p, requires_grad=True) for p in (loc, scale)]
        base = d.Independent(d.Normal(*params), 1)
        made[d] = params, d.TransformedDistribution(base, d.CorrCholeskyTransform())
    (mt_params, ours), (torch_params, theirs) = made[md], made[td]
    assert tuple(ours.event_shape) == tuple(theirs.event_shape) == (3, 3)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == (2,)
    lp_ours, lp_theirs = ours.log_prob(mt.tensor(value.numpy())), theirs.log_prob(value)
    close(lp_ours, lp_theirs, 1e-9)
    lp_ours.sum().backward()
    lp_theirs.sum().backward()
    for a, b in zip(mt_params, torch_params, strict=True):
        close(a.grad, b.grad, 1e-9)
    assert bool(md.constraints.corr_cholesky.check(ours.sample((4,))).all())
