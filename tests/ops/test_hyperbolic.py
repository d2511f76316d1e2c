"""asin, acos, atan, atan2, sinh, cosh, asinh, acosh, atanh."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import microtensor as mt
from microtensor.ops import hyperbolic
from tests.helpers import check_gradients, compare_with_torch


def normal(rng, shape):
    return rng.standard_normal(shape)


def inside_one(rng, shape):
    return rng.uniform(-0.9, 0.9, shape)


def above_one(rng, shape):
    return rng.uniform(1.1, 3.0, shape)


# name, microtensor fn, torch fn, input domain
UNARY = [
    ("asin", hyperbolic.asin, torch.asin, inside_one),
    ("acos", hyperbolic.acos, torch.acos, inside_one),
    ("atan", hyperbolic.atan, torch.atan, normal),
    ("sinh", hyperbolic.sinh, torch.sinh, normal),
    ("cosh", hyperbolic.cosh, torch.cosh, normal),
    ("asinh", hyperbolic.asinh, torch.asinh, normal),
    ("acosh", hyperbolic.acosh, torch.acosh, above_one),
    ("atanh", hyperbolic.atanh, torch.atanh, inside_one),
]
IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", UNARY, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 99))
def test_unary_matches_torch(name, mt_fn, torch_fn, domain, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(mt_fn, torch_fn, [domain(rng, shape).astype(dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", UNARY, ids=IDS)
@given(shape=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), seed=st.integers(0, 99))
def test_unary_gradcheck(name, mt_fn, torch_fn, domain, shape, seed):
    check_gradients(mt_fn, [domain(np.random.default_rng(seed), shape)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    seed=st.integers(0, 99),
)
def test_atan2_matches_torch(dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes.input_shapes)
    compare_with_torch(hyperbolic.atan2, torch.atan2, [a, b], rng=rng)


@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
    seed=st.integers(0, 99),
)
def test_atan2_gradcheck(shapes, seed):
    rng = np.random.default_rng(seed)
    check_gradients(hyperbolic.atan2, [rng.standard_normal(s) for s in shapes.input_shapes])


def test_atan2_covers_all_quadrants_and_has_zero_gradient_at_the_origin():
    a = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 0.0])
    b = np.array([1.0, -1.0, 1.0, -1.0, 0.0, -0.0, 2.0])
    compare_with_torch(hyperbolic.atan2, torch.atan2, [a, b])
    x, y = mt.tensor(0.0, requires_grad=True), mt.tensor(0.0, requires_grad=True)
    hyperbolic.atan2(x, y).backward()
    assert x.grad.item() == 0.0 and y.grad.item() == 0.0


def test_atan2_promotes_integers_and_rejects_numbers_as_torch():
    out = hyperbolic.atan2(mt.tensor([1, -1]), mt.tensor([0, 0]))
    assert out.dtype == mt.float32 and np.allclose(out.numpy(), [np.pi / 2, -np.pi / 2])
    with pytest.raises(TypeError, match=r"atan2\(\): argument 'other' \(position 2\)"):
        hyperbolic.atan2(mt.tensor([1.0], dtype=mt.float64), 1)
    assert hyperbolic.arctan2 is hyperbolic.atan2 and hyperbolic.arcsinh is hyperbolic.asinh


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", UNARY, ids=IDS)
def test_integer_input_gives_float32(name, mt_fn, torch_fn, domain):
    x = np.array([0, 1, 2])
    compare_with_torch(mt_fn, torch_fn, [x])
    assert mt_fn(mt.tensor([1])).dtype == mt.float32


@pytest.mark.filterwarnings("error")  # no NumPy warning escapes
@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", UNARY, ids=IDS)
def test_edges_of_the_domain_match_torch(name, mt_fn, torch_fn, domain):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, np.inf, -np.inf, np.nan, 800.0])
    compare_with_torch(mt_fn, torch_fn, [x])


def test_atan2_shapes_that_do_not_broadcast_raise():
    with pytest.raises(RuntimeError, match=r"atan2\(\): The size of tensor a \(2\) must match"):
        hyperbolic.atan2(mt.ones(2), mt.ones(3))


def test_second_derivative_of_sinh_is_sinh():
    x = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
    (first,) = mt.autograd.grad(hyperbolic.sinh(x).sum(), x, create_graph=True)
    (second,) = mt.autograd.grad(first.sum(), x)
    assert np.allclose(second.numpy(), np.sinh([0.5, -1.0]))
