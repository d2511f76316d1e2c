"""sinc (the other trigonometric ops are tested with the elementwise table)."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.pointwise_checks import second_derivative


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 2**16)
)
def test_sinc_matches_torch(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    x = np.asarray(rng.uniform(-4.0, 4.0, shape) * rng.choice([0.0, 1.0], shape, p=[0.2, 0.8]))
    compare_with_torch(mt.sinc, torch.sinc, [x.astype(dtype)], rng=rng)


def test_sinc_gradients_zero_edges_integers_and_methods():
    check_gradients(mt.sinc, [np.array([-1.3, -0.4, 0.7, 2.2])])
    second_derivative(mt.sinc, torch.sinc, np.array([-1.3, 0.7, 2.0]))
    x = np.array([0.0, -0.0, 1.0, -2.0, 1e-300, np.inf, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sin(inf)
        xs, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = mt.sinc(xs), torch.sinc(tx)
        assert_same(out, expected)
        grad = mt.autograd.grad(out.sum(), xs)[0]
    assert_same(grad, torch.autograd.grad(expected.sum(), tx)[0])  # 0 at 0, as torch
    assert_same(mt.sinc(mt.tensor([0, 1, 2])), torch.sinc(torch.tensor([0, 1, 2])))
    assert_same(mt.tensor([0.5]).sinc(), torch.tensor([0.5]).sinc())
    assert_same(mt.tensor([0.5]).sinc_(), torch.tensor([0.5]).sinc_())
    assert_same(mt.special.sinc(mt.tensor([0.25])), torch.special.sinc(torch.tensor([0.25])))


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg"])
def test_degree_radian_conversions_match_torch(name):
    mt_fn, torch_fn = getattr(mt, name), getattr(torch, name)
    rng = np.random.default_rng(1)
    for dtype in (np.float64, np.float32):
        compare_with_torch(mt_fn, torch_fn, [rng.uniform(-400, 400, (2, 3)).astype(dtype)], rng=rng)
    assert_same(mt_fn(mt.tensor([180, -90])), torch_fn(torch.tensor([180, -90])))
    assert_same(getattr(mt.tensor([1.0]), name)(), getattr(torch.tensor([1.0]), name)())
    assert_same(getattr(mt.tensor([1.0]), name + "_")(), getattr(torch.tensor([1.0]), name + "_")())
    check_gradients(mt_fn, [np.array([0.5, -2.0])])
