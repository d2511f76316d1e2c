"""xlogy, xlog1py, entr, logit: values, gradients (first and second), edges, dtypes, errors."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.pointwise_checks import second_derivative

PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)

# name, microtensor function, torch function; y is positive (above -1 for xlog1py)
BINARY = [
    ("xlogy", mt.xlogy, torch.xlogy),
    ("xlog1py", mt.special.xlog1py, torch.special.xlog1py),
]


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_binary_matches_torch(name, mt_fn, torch_fn, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    (sx, sy), _ = shapes
    x = rng.uniform(-2.0, 2.0, sx) * rng.choice([0.0, 1.0], sx)  # zeros included
    y = rng.uniform(0.2, 3.0, sy)
    compare_with_torch(mt_fn, torch_fn, [x.astype(dtype), y.astype(dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_gradcheck_gradgradcheck_and_second_derivative(name, mt_fn, torch_fn):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-2.0, 2.0, (2, 3)), rng.uniform(0.2, 3.0, (3,))
    check_gradients(mt_fn, [x, y])
    y_fixed = rng.uniform(0.2, 3.0, (4,))
    second_derivative(
        lambda y: mt_fn(mt.tensor(x[0, :1]), y),
        lambda y: torch_fn(torch.tensor(x[0, :1]), y),
        y_fixed,
    )


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_edges_match_torch(name, mt_fn, torch_fn):
    x = np.array([0.0, 0.0, 0.0, 1.0, 2.0, -1.0, np.nan, 0.0, 3.0])
    y = np.array([0.0, np.nan, np.inf, 0.0, -1.0, -2.0, 1.0, -1.0, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs = mt.tensor(x, requires_grad=True)
        out = mt_fn(xs, mt.tensor(y))
    tx = torch.tensor(x, requires_grad=True)
    expected = torch_fn(tx, torch.tensor(y))
    assert_same(out, expected)
    # the gradient in x is xlogy(x != 0, y): 0 where x = 0 even at y = 0
    assert_same(mt.autograd.grad(out.sum(), xs)[0], torch.autograd.grad(expected.sum(), tx)[0])


def test_binary_numbers_and_integer_promotion_match_torch():
    t = torch.tensor([1, 0, 3])
    assert_same(mt.xlogy(mt.tensor([1, 0, 3]), 2), torch.xlogy(t, 2))
    assert_same(mt.xlogy(2.0, mt.tensor([1, 0, 3])), torch.xlogy(2.0, t))
    assert_same(
        mt.special.xlog1py(mt.tensor([1, 0, 3]), mt.tensor([2, 1, 0])),
        torch.special.xlog1py(t, torch.tensor([2, 1, 0])),
    )
    f64 = np.array([0.5, 2.0])
    assert_same(
        mt.xlogy(mt.tensor(f64), mt.tensor([1, 2])),
        torch.xlogy(torch.tensor(f64), torch.tensor([1, 2])),
    )
    assert_same(mt.tensor(f64).xlogy(mt.tensor(f64)), torch.tensor(f64).xlogy(torch.tensor(f64)))
    assert_same(mt.tensor(f64).xlogy_(3.0), torch.tensor(f64).xlogy_(3.0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shape=st.sampled_from([(), (0,), (3,), (2, 3)]), seed=st.integers(0, 2**16))
def test_entr_matches_torch(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(
        mt.special.entr, torch.special.entr, [rng.uniform(0.1, 3.0, shape).astype(dtype)], rng=rng
    )


def test_entr_gradients_and_edges():
    check_gradients(mt.special.entr, [np.random.default_rng(2).uniform(0.2, 3.0, (2, 3))])
    second_derivative(mt.special.entr, torch.special.entr, np.array([0.3, 1.0, 2.5]))
    x = np.array([0.0, -1.0, np.inf, np.nan, 1.0])
    assert_same(mt.special.entr(mt.tensor(x)), torch.special.entr(torch.tensor(x)))
    assert_same(mt.special.entr(mt.tensor([0, 1, 2])), torch.special.entr(torch.tensor([0, 1, 2])))


@pytest.mark.parametrize("eps", [None, 0.1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shape=st.sampled_from([(), (0,), (4,), (2, 3)]), seed=st.integers(0, 2**16))
def test_logit_matches_torch(eps, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, shape).astype(dtype)
    compare_with_torch(lambda x: mt.logit(x, eps), lambda x: torch.logit(x, eps), [p], rng=rng)


@pytest.mark.parametrize("eps", [None, 0.1])
def test_logit_gradcheck_and_second_derivative(eps):
    p = np.array([0.2, 0.35, 0.5, 0.8])
    check_gradients(lambda x: mt.logit(x, eps), [p])
    second_derivative(lambda x: mt.logit(x, eps), lambda x: torch.logit(x, eps), p)


@pytest.mark.parametrize("eps", [None, 0.1, 0.0])
def test_logit_outside_and_at_the_clamp_matches_torch(eps):
    p = np.array([-0.5, 0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0, 1.5, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 1 / 0 and log(0) of the edges
        x = mt.tensor(p, requires_grad=True)
        out = mt.logit(x, eps)
        grad = mt.autograd.grad(out, x, mt.ones_like(out))[0]
    tx = torch.tensor(p, requires_grad=True)
    expected = torch.logit(tx, eps)
    assert_same(out, expected)
    assert_same(grad, torch.autograd.grad(expected, tx, torch.ones_like(expected))[0])


def test_logit_dtypes_methods_and_errors():
    assert_same(mt.logit(mt.tensor([0, 1])), torch.logit(torch.tensor([0, 1])))
    p = np.array([0.25, 0.5])
    assert_same(mt.tensor(p).logit(eps=0.3), torch.tensor(p).logit(eps=0.3))
    assert_same(mt.tensor(p).logit_(), torch.tensor(p).logit_())
    with pytest.raises(TypeError, match=r"logit\(\): argument 'input' must be Tensor"):
        mt.logit([0.5])
    with pytest.raises(TypeError, match=r"xlogy\(\): expected at least one Tensor"):
        mt.xlogy(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"xlogy\(\): The size of tensor a \(2\) must match"):
        mt.xlogy(mt.ones(2), mt.ones(3))
