"""lgamma, digamma, polygamma, mvlgamma, igamma/igammac, zeta: values, gradients, edges, errors."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.pointwise_checks import assert_close, second_derivative, values_and_grads

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
# PyTorch's float64 trigamma (polygamma(1, x), the derivative of digamma) is accurate to about
# 1e-9 relative only; SciPy's, which microtensor uses, to double precision (see below)
TRIGAMMA_RTOL = 3e-9


def positive(rng, shape):
    return np.asarray(rng.uniform(0.3, 6.0, size=shape))


def off_poles(rng, shape):
    """Positive and negative values at least 0.1 from the poles 0, -1, -2."""
    return np.asarray(rng.integers(-3, 4, size=shape) + rng.uniform(0.1, 0.9, size=shape))


# name, microtensor function, torch function, domain, rtol of the gradient comparison
UNARY = [
    ("lgamma", mt.lgamma, torch.lgamma, off_poles, 1e-10),
    ("digamma", mt.digamma, torch.digamma, off_poles, TRIGAMMA_RTOL),
    ("polygamma1", lambda x: mt.polygamma(1, x), lambda x: torch.polygamma(1, x), positive, 1e-9),
    ("polygamma2", lambda x: mt.polygamma(2, x), lambda x: torch.polygamma(2, x), positive, 1e-9),
    ("polygamma3", lambda x: mt.polygamma(3, x), lambda x: torch.polygamma(3, x), positive, 1e-9),
    ("mvlgamma1", lambda x: mt.mvlgamma(x, 1), lambda x: torch.mvlgamma(x, 1), positive, 3e-9),
    (
        "mvlgamma3",
        lambda x: mt.mvlgamma(x + 1.0, 3),
        lambda x: torch.mvlgamma(x + 1.0, 3),
        positive,
        3e-9,
    ),
]
IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,rtol", UNARY, ids=IDS)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_float64_values_and_gradients_match_torch(name, mt_fn, torch_fn, domain, rtol, shape, seed):
    rng = np.random.default_rng(seed)
    values_and_grads(mt_fn, torch_fn, [domain(rng, shape)], rng, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,rtol", UNARY, ids=IDS)
def test_float32_stays_float32_close_to_torch(name, mt_fn, torch_fn, domain, rtol):
    x = domain(np.random.default_rng(1), (200,)).astype(np.float32)
    out = mt_fn(mt.tensor(x))
    assert out.dtype == mt.float32
    assert_close(out, torch_fn(torch.tensor(x)), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,rtol", UNARY, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, mt_fn, torch_fn, domain, rtol):
    check_gradients(mt_fn, [domain(np.random.default_rng(2), (2, 3))])


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,rtol", UNARY, ids=IDS)
def test_second_derivative_matches_torch(name, mt_fn, torch_fn, domain, rtol):
    second_derivative(mt_fn, torch_fn, positive(np.random.default_rng(3), (5,)), rtol=1e-8)


def test_trigamma_is_accurate_where_torch_is_not():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([0.5, 1.0, 2.0, 7.3, -2.5])
    exact = np.array([float(mpmath.psi(1, v)) for v in x])
    np.testing.assert_allclose(mt.polygamma(1, mt.tensor(x)).numpy(), exact, rtol=1e-14)
    # torch is off by more than 1e-10 here: the test above is the stricter one
    assert np.abs(torch.polygamma(1, torch.tensor(x)).numpy() / exact - 1).max() > 1e-10


def test_edge_values_match_torch():
    x = np.array(
        [-np.inf, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 1e-300, 0.5, 1.0, 7.3, np.inf, np.nan]
    )
    t = torch.tensor(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(mt.lgamma(mt.tensor(x)), torch.lgamma(t))
        assert_same(mt.digamma(mt.tensor(x)), torch.digamma(t))
    for n in (2, 3):  # nan at +inf, as torch (SciPy alone gives 0)
        assert_same(mt.polygamma(n, mt.tensor(x)), torch.polygamma(n, t))
    ends = np.array([-np.inf, np.inf, np.nan])
    assert_same(mt.polygamma(1, mt.tensor(ends)), torch.polygamma(1, torch.tensor(ends)))


def test_integer_input_gives_the_default_float_dtype():
    ints = [1, 2, 5]
    assert_same(mt.lgamma(mt.tensor(ints)), torch.lgamma(torch.tensor(ints)))
    assert_same(mt.digamma(mt.tensor(ints)), torch.digamma(torch.tensor(ints)))
    assert_same(mt.polygamma(2, mt.tensor(ints)), torch.polygamma(2, torch.tensor(ints)))
    assert_same(mt.mvlgamma(mt.tensor(ints), 1), torch.mvlgamma(torch.tensor(ints), 1))


def test_polygamma_zero_is_digamma_and_methods():
    x = mt.tensor([0.5, 2.0], dtype=mt.float64)
    assert np.array_equal(mt.polygamma(0, x).numpy(), mt.digamma(x).numpy())
    assert np.array_equal(x.polygamma(2).numpy(), mt.polygamma(2, x).numpy())
    assert np.array_equal(x.mvlgamma(2).numpy(), mt.mvlgamma(x + 0.0, 2).numpy())
    assert np.array_equal(x.clone().lgamma_().numpy(), x.lgamma().numpy())
    assert np.array_equal(x.clone().digamma_().numpy(), x.digamma().numpy())
    assert np.array_equal(x.clone().polygamma_(1).numpy(), mt.polygamma(1, x).numpy())


def test_graph_node_names():
    x = mt.tensor([1.5], requires_grad=True)
    assert (
        mt.digamma(x).grad_fn.name()
        == torch.digamma(torch.tensor([1.5], requires_grad=True)).grad_fn.name()
    )
    assert mt.polygamma(2, x).grad_fn.name() == "PolygammaBackward0"


@pytest.mark.parametrize("upper", [False, True])
@given(seed=st.integers(0, 2**16))
def test_igamma_values_and_gradient_in_x_match_torch(upper, seed):
    rng = np.random.default_rng(seed)
    a, x = rng.uniform(0.2, 5.0, (3, 1)), rng.uniform(0.1, 6.0, (4,))
    mt_fn, torch_fn = (mt.igammac, torch.igammac) if upper else (mt.igamma, torch.igamma)
    compare_with_torch(
        lambda x: mt_fn(mt.tensor(a), x), lambda x: torch_fn(torch.tensor(a), x), [x], rng=rng
    )
    check_gradients(lambda x: mt_fn(mt.tensor(a), x), [x])
    assert_same(
        mt.special.gammaincc(mt.tensor(a), mt.tensor(x)),
        torch.special.gammaincc(torch.tensor(a), torch.tensor(x)),
    )


def test_igamma_edges_and_methods_match_torch():
    a = np.array([0.5, 1.0, 3.0, 0.0, -1.0, 2.0])
    x = np.array([0.0, 1e-300, 2.0, 1.0, 1.0, np.inf])
    assert_same(
        mt.igamma(mt.tensor(a), mt.tensor(x)), torch.igamma(torch.tensor(a), torch.tensor(x))
    )
    assert_same(mt.tensor(a).igammac(mt.tensor(x)), torch.tensor(a).igammac(torch.tensor(x)))


def test_igamma_derivative_in_a_is_not_implemented():
    a = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for 'igamma: input' is not implemented"):
        mt.igamma(a, mt.tensor([2.0])).sum().backward()


def test_zeta_values_and_gradient_in_q_match_torch():
    rng = np.random.default_rng(4)
    x, q = rng.uniform(1.5, 5.0, (3, 1)), rng.uniform(0.5, 4.0, (4,))
    compare_with_torch(
        lambda q: mt.special.zeta(mt.tensor(x), q),
        lambda q: torch.special.zeta(torch.tensor(x), q),
        [q],
        rng=rng,
    )
    check_gradients(lambda q: mt.special.zeta(mt.tensor(x), q), [q])
    s = np.array([0.5, 1.0, 2.0, 3.0, -1.0, 2.0])
    qq = np.array([1.0, 2.0, -1.5, 0.0, 1.0, -2.0])
    assert_same(
        mt.special.zeta(mt.tensor(s), mt.tensor(qq)),
        torch.special.zeta(torch.tensor(s), torch.tensor(qq)),
    )
    with pytest.raises(RuntimeError, match="derivative for 'zeta' is not implemented"):
        mt.special.zeta(mt.tensor([2.0], requires_grad=True), mt.tensor([1.0])).sum().backward()


def test_mvlgamma_below_its_domain_and_p_errors():
    # PyTorch sums the lgammas there without a check (SciPy's multigammaln would raise)
    x = np.array([0.9, 3.0, 0.5, 1.0, -0.3, -2.0, -np.inf])
    for p in (2, 3):
        assert_same(mt.mvlgamma(mt.tensor(x), p), torch.mvlgamma(torch.tensor(x), p))
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        mt.mvlgamma(mt.tensor([2.0]), 0)


def test_polygamma_argument_errors():
    with pytest.raises(RuntimeError, match="does not support negative n"):
        mt.polygamma(-1, mt.tensor([1.0]))
    with pytest.raises(TypeError, match="argument 'n' must be int, not float"):
        mt.polygamma(1.0, mt.tensor([1.0]))
    with pytest.raises(TypeError, match=r"lgamma\(\): argument 'input' must be Tensor, not list"):
        mt.lgamma([1.0])
    with pytest.raises(TypeError, match=r"igamma\(\): argument 'input' \(position 1\) must be"):
        mt.igamma(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"igamma\(\): The size of tensor a \(2\)"):
        mt.igamma(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.0, 3.0]))
