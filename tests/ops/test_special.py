"""erf, erfc, erfinv, erfcx, ndtr, ndtri, log_ndtr: values against torch and mpmath, gradients."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from microtensor.ops.special import erf, erfc, erfcx, erfinv, log_ndtr, ndtr, ndtri
from tests.helpers import assert_same, check_gradients, compare_with_torch

# name, microtensor function, torch function, domain
SPECIAL = [
    ("erf", erf, torch.erf, lambda rng, shape: rng.uniform(-4.0, 4.0, shape)),
    ("erfc", erfc, torch.erfc, lambda rng, shape: rng.uniform(-4.0, 4.0, shape)),
    ("erfinv", erfinv, torch.erfinv, lambda rng, shape: rng.uniform(-0.95, 0.95, shape)),
    ("erfcx", erfcx, torch.special.erfcx, lambda rng, shape: rng.uniform(-3.0, 10.0, shape)),
    ("ndtr", ndtr, torch.special.ndtr, lambda rng, shape: rng.uniform(-5.0, 5.0, shape)),
    ("ndtri", ndtri, torch.special.ndtri, lambda rng, shape: rng.uniform(0.02, 0.98, shape)),
    (
        "log_ndtr",
        log_ndtr,
        torch.special.log_ndtr,
        lambda rng, shape: rng.uniform(-9.0, 4.0, shape),
    ),
]
IDS = [s[0] for s in SPECIAL]


def wide_values():
    """Every interval of the piecewise approximations, the tails, subnormals, inf and nan."""
    rng = np.random.default_rng(0)
    magnitudes = np.concatenate(
        [
            rng.uniform(0, 0.84375, 2000),
            rng.uniform(0.84375, 1.25, 2000),
            rng.uniform(1.25, 1 / 0.35, 2000),
            rng.uniform(1 / 0.35, 6.0, 2000),
            rng.uniform(6.0, 27.0, 2000),
            rng.uniform(27.0, 40.0, 200),
            np.logspace(-320, 3, 2000),
            [0.0, 2.0**-28, 2.0**-56, 0.84375, 1.25, 1 / 0.35, 6.0, 28.0, np.inf, 5e-324],
        ]
    )
    return np.concatenate([magnitudes, -magnitudes, [np.nan, -0.0]])


@pytest.mark.parametrize("name,mt_fn,torch_fn", [s[:3] for s in SPECIAL[:2]], ids=IDS[:2])
def test_erf_and_erfc_match_torch_to_double_precision(name, mt_fn, torch_fn):
    x = wide_values()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = mt_fn(mt.tensor(x)).numpy()
    expected = torch_fn(torch.tensor(x)).numpy()
    # relative 1e-12 wherever the result is a normal number; subnormal results (erfc beyond
    # 26.5) carry fewer bits by nature, so they are compared absolutely
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-300, equal_nan=True)
    numbers = ~np.isnan(expected)  # the sign of zeros too (a nan's sign bit means nothing)
    assert np.array_equal(np.signbit(out[numbers]), np.signbit(expected[numbers]))


def test_erf_and_erfc_at_infinities_zero_and_nan():
    x = mt.tensor([-np.inf, -0.0, 0.0, np.inf, np.nan], dtype=mt.float64)
    assert erf(x).tolist()[:4] == [-1.0, -0.0, 0.0, 1.0]
    assert erfc(x).tolist()[:4] == [2.0, 1.0, 1.0, 0.0]
    assert np.isnan(erf(x).numpy()[4]) and np.isnan(erfc(x).numpy()[4])


def test_erfc_keeps_relative_precision_in_the_tail():
    # erfc(10) and erfc(20) from mpmath (50 digits); 1 - erf(x) would give 0 here
    out = erfc(mt.tensor([10.0, 20.0], dtype=mt.float64)).numpy()
    np.testing.assert_allclose(
        out, [2.0884875837625447570e-45, 5.3958656116079009289e-176], rtol=1e-14
    )


def test_erfinv_matches_torch_to_double_precision():
    rng = np.random.default_rng(1)
    tails = 1.0 - np.logspace(-16, -0.3, 2000)
    y = np.concatenate([rng.uniform(-1, 1, 20000), tails, -tails, np.logspace(-320, -1, 500)])
    y = np.concatenate([y, [0.0, -0.0, 0.5, 1.0 - 2.0**-53, 5e-324]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = erfinv(mt.tensor(y)).numpy()
    # subnormal results carry fewer bits by nature: compared absolutely, to one subnormal step
    np.testing.assert_allclose(out, torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-12, atol=1e-323)


def test_erfinv_edges_match_torch():
    y = [-1.0, 1.0, -1.5, 2.0, np.nan, np.inf]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = erfinv(mt.tensor(y, dtype=mt.float64))
    assert_same(out, torch.erfinv(torch.tensor(y, dtype=torch.float64)))


def test_erfinv_inverts_erf():
    x = np.linspace(-5.5, 5.5, 1001)
    roundtrip = erfinv(erf(mt.tensor(x))).numpy()
    np.testing.assert_allclose(roundtrip[np.abs(x) < 3], x[np.abs(x) < 3], rtol=1e-13, atol=1e-15)


def test_against_mpmath_on_a_sample():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    x = np.random.default_rng(2).uniform(-6, 6, 200)
    y = np.random.default_rng(3).uniform(-1, 1, 200)
    exact_erf = np.array([float(mpmath.erf(v)) for v in x])
    exact_erfc = np.array([float(mpmath.erfc(v)) for v in x])
    exact_erfinv = np.array([float(mpmath.erfinv(v)) for v in y])
    np.testing.assert_allclose(erf(mt.tensor(x)).numpy(), exact_erf, rtol=4e-16)
    # SciPy's erfc (cephes) is within a few ulps in the tail
    np.testing.assert_allclose(erfc(mt.tensor(x)).numpy(), exact_erfc, rtol=4e-15)
    np.testing.assert_allclose(erfinv(mt.tensor(y)).numpy(), exact_erfinv, rtol=1e-15)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", SPECIAL[:3], ids=IDS[:3])
def test_float32_stays_float32_within_one_ulp_of_torch(name, mt_fn, torch_fn, domain):
    x = domain(np.random.default_rng(4), (10000,)).astype(np.float32)
    out = mt_fn(mt.tensor(x))
    assert out.dtype == mt.float32
    expected = torch_fn(torch.tensor(x)).numpy()
    ulps = np.abs(out.numpy().view(np.int32).astype(np.int64) - expected.view(np.int32))
    assert ulps.max() <= 1


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", SPECIAL[3:], ids=IDS[3:])
def test_float32_is_the_float64_value_rounded(name, mt_fn, torch_fn, domain):
    # PyTorch's float32 erfcx/ndtr/ndtri/log_ndtr kernels compute in float32 and lose bits (up
    # to 5e5 ulps in ndtr's left tail); microtensor rounds the float64 value, so it is compared
    # with torch's float64 result rounded to float32
    x = domain(np.random.default_rng(4), (10000,)).astype(np.float32)
    out = mt_fn(mt.tensor(x))
    assert out.dtype == mt.float32
    expected = torch_fn(torch.tensor(x, dtype=torch.float64)).numpy().astype(np.float32)
    ulps = np.abs(out.numpy().view(np.int32).astype(np.int64) - expected.view(np.int32))
    assert ulps.max() <= 1


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", SPECIAL, ids=IDS)
def test_integer_input_gives_float32_like_torch(name, mt_fn, torch_fn, domain):
    assert_same(mt_fn(mt.tensor([0, 1, -1])), torch_fn(torch.tensor([0, 1, -1])))


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", SPECIAL, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 2**16)
)
def test_values_and_gradients_match_torch(name, mt_fn, torch_fn, domain, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(mt_fn, torch_fn, [np.asarray(domain(rng, shape), dtype=dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", SPECIAL, ids=IDS)
@pytest.mark.parametrize("shape", [(), (2, 3)], ids=str)
def test_gradcheck_and_gradgradcheck(name, mt_fn, torch_fn, domain, shape):
    check_gradients(mt_fn, [np.asarray(domain(np.random.default_rng(5), shape))])


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", SPECIAL, ids=IDS)
def test_second_derivative_matches_torch(name, mt_fn, torch_fn, domain):
    data = domain(np.random.default_rng(6), (5,))
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    (g,) = mt.autograd.grad(mt_fn(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(torch_fn(tx).sum(), tx, create_graph=True)
    assert_same(mt.autograd.grad(g.sum(), x)[0], torch.autograd.grad(tg.sum(), tx)[0])


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", SPECIAL, ids=IDS)
def test_non_tensor_input_raises_type_error(name, mt_fn, torch_fn, domain):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor, not list"):
        mt_fn([0.5])


def test_normal_distribution_functions_at_their_edges_match_torch():
    x = np.array([-np.inf, -40.0, -1e-300, 0.0, 0.5, 1.0, 30.0, 1e300, np.inf, np.nan])
    p = np.array([-0.5, 0.0, 1e-300, 0.3, 1.0 - 1e-16, 1.0, 1.5, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mt_fn, torch_fn in ((erfcx, torch.special.erfcx), (ndtr, torch.special.ndtr)):
            assert_same(mt_fn(mt.tensor(x)), torch_fn(torch.tensor(x)))
        assert_same(log_ndtr(mt.tensor(x)), torch.special.log_ndtr(torch.tensor(x)))
        assert_same(ndtri(mt.tensor(p)), torch.special.ndtri(torch.tensor(p)))


def test_tensor_methods_and_in_place_variants():
    y = np.array([-0.5, 0.25])
    for name in ("erf", "erfc", "erfinv"):
        assert_same(getattr(mt.tensor(y), name)(), getattr(torch.tensor(y), name)())
        assert_same(getattr(mt.tensor(y), name + "_")(), getattr(torch.tensor(y), name + "_")())
