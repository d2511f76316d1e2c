"""sign, floor, ceil, trunc, round: values, zero gradients, dtypes, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [np.float64, np.float32]
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def off_grid(rng, shape, scale=1.0):
    """Values at least 0.1 * scale from every multiple of scale / 2 (no rounding ties)."""
    whole = rng.integers(-3, 4, size=shape)
    frac = rng.uniform(0.1, 0.4, size=shape) + rng.choice([0.0, 0.5], size=shape)
    return np.asarray((whole + frac) * scale)


# name, microtensor function, torch function, grid spacing of its steps
STEPS = [
    ("floor", mt.floor, torch.floor, 1.0),
    ("ceil", mt.ceil, torch.ceil, 1.0),
    ("trunc", mt.trunc, torch.trunc, 1.0),
    ("round", mt.round, torch.round, 1.0),
    ("round_2", lambda x: mt.round(x, decimals=2), lambda x: torch.round(x, decimals=2), 0.01),
    ("round_-1", lambda x: mt.round(x, decimals=-1), lambda x: torch.round(x, decimals=-1), 10.0),
    ("sign", mt.sign, torch.sign, 1.0),
]
IDS = [s[0] for s in STEPS]


@pytest.mark.parametrize("name,mt_fn,torch_fn,scale", STEPS, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_matches_torch_with_zero_gradient(name, mt_fn, torch_fn, scale, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    x = off_grid(rng, shape, scale).astype(dtype)
    compare_with_torch(mt_fn, torch_fn, [x], rng=rng)  # torch's gradient is zeros, not None


@pytest.mark.parametrize("name,mt_fn,torch_fn,scale", STEPS, ids=IDS)
def test_gradcheck(name, mt_fn, torch_fn, scale):
    check_gradients(mt_fn, [off_grid(np.random.default_rng(1), (2, 3), scale)], second=False)


@pytest.mark.parametrize("name,mt_fn,torch_fn,scale", STEPS, ids=IDS)
def test_gradient_is_zero_even_for_infinite_upstream_gradient(name, mt_fn, torch_fn, scale):
    x = mt.tensor([0.3, -1.7], requires_grad=True)
    mt_fn(x).backward(mt.tensor([float("inf"), 1.0]))
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_ties_and_special_values_match_torch(dtype):
    values = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.0, -0.0, np.inf, -np.inf, np.nan], dtype)
    for name, mt_fn, torch_fn, _ in STEPS:
        assert_same(mt_fn(mt.tensor(values)), torch_fn(torch.tensor(values)), what=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "values,decimals",
    [([2.675, 1.005, 0.125, -1.2345], 2), ([125.0, 135.0, -15.0, 1234.5], -1), ([1.5], 0)],
)
def test_round_decimals_matches_torch(dtype, values, decimals):
    x = np.array(values, dtype)
    expected = torch.round(torch.tensor(x), decimals=decimals)
    assert_same(mt.round(mt.tensor(x), decimals=decimals), expected)
    assert_same(mt.tensor(x).round(decimals=decimals), mt.round(mt.tensor(x), decimals=decimals))


def test_sign_of_nan_is_zero_like_torch():
    out = mt.sign(mt.tensor([float("nan"), float("inf"), -float("inf"), -3.0]))
    assert out.tolist() == [0.0, 1.0, -1.0, -1.0]


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
@pytest.mark.parametrize("name,mt_fn,torch_fn,scale", STEPS[:4] + STEPS[-1:], ids=lambda value: value if isinstance(value, str) else None)
def test_integer_tensors_keep_dtype_and_get_a_copy(dtype, name, mt_fn, torch_fn, scale):
    data = np.array([0, 3, 7] if dtype == "uint8" else [-2, 0, 3], dtype=dtype)
    x = mt.tensor(data)
    out = mt_fn(x)
    assert_same(out, torch_fn(torch.tensor(data)))
    out.add_(1)
    assert x.tolist() == data.tolist()  # a new tensor, not a view of input


def test_sign_of_bool_stays_bool():
    assert_same(mt.sign(mt.tensor([True, False])), torch.sign(torch.tensor([True, False])))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_bool_input_raises(name):
    with pytest.raises(NotImplementedError, match=rf"{name}\(\): not implemented for bool"):
        getattr(mt, name)(mt.tensor([True]))


def test_round_integer_with_decimals_raises():
    assert mt.round(mt.tensor([15, 25])).tolist() == [15, 25]
    message = r"round\(\): decimals=-1 is not implemented for microtensor.int64 tensors"
    with pytest.raises(NotImplementedError, match=message):
        mt.round(mt.tensor([15, 25]), decimals=-1)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "trunc", "round"])
def test_non_tensor_input_raises(name):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor, not list"):
        getattr(mt, name)([1.5])


def test_sgn_is_sign_for_real_tensors_as_torch():
    for data in ([-2.0, -0.0, 0.0, 3.0, np.inf, np.nan], [-2, 0, 5], [True, False]):
        assert_same(mt.sgn(mt.tensor(data)), torch.sgn(torch.tensor(data)))
    x = mt.tensor([-1.5, 2.0], requires_grad=True)
    assert mt.autograd.grad(mt.sgn(x).sum(), x)[0].tolist() == [0.0, 0.0]  # torch: a zero tensor
    assert_same(mt.tensor([-3.0, 0.5]).sgn(), torch.tensor([-3.0, 0.5]).sgn())
    assert_same(mt.tensor([-3.0, 0.5]).sgn_(), torch.tensor([-3.0, 0.5]).sgn_())
    with pytest.raises(TypeError, match=r"sgn\(\): argument 'input' must be Tensor"):
        mt.sgn([1.0])


def test_frac_matches_torch_with_its_identity_gradient():
    x = np.array([-1.5, -0.25, 0.0, -0.0, 2.75, 3.0, np.inf, np.nan])
    rng = np.random.default_rng(0)
    with np.errstate(invalid="ignore"):  # inf - inf, nan as torch
        compare_with_torch(mt.frac, torch.frac, [x], rng=rng)
    compare_with_torch(mt.frac, torch.frac, [off_grid(rng, (2, 3)).astype(np.float32)], rng=rng)
    check_gradients(mt.frac, [off_grid(rng, (4,))])
    assert_same(mt.tensor([1.25]).frac_(), torch.tensor([1.25]).frac_())
    with pytest.raises(
        NotImplementedError, match=r"frac\(\): not implemented for microtensor.int64"
    ):
        mt.frac(mt.tensor([1]))


def test_angle_of_real_numbers_matches_torch():
    x = np.array([-1.5, 0.0, -0.0, 2.0, np.nan, np.inf, -np.inf])
    compare_with_torch(mt.angle, torch.angle, [x])
    assert_same(mt.angle(mt.tensor([-1, 2])), torch.angle(torch.tensor([-1, 2])))
    assert_same(mt.angle(mt.tensor([True, False])), torch.angle(torch.tensor([True, False])))
    assert_same(mt.tensor([-3.0]).angle(), torch.tensor([-3.0]).angle())
