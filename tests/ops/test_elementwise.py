"""exp/log families, roots, reciprocal, square, sin/cos/tan/tanh/sigmoid, and lerp."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [np.float64, np.float32]
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def anywhere(rng, shape):
    return np.asarray(rng.uniform(-2.0, 2.0, size=shape))


def positive(rng, shape):
    return np.asarray(rng.uniform(0.5, 3.0, size=shape))


def above_minus_one(rng, shape):
    return np.asarray(rng.uniform(-0.5, 2.0, size=shape))


def away_from_zero(rng, shape):
    return np.asarray(rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape))


def inside_half_period(rng, shape):
    return np.asarray(rng.uniform(-1.2, 1.2, size=shape))


def wide(rng, shape):
    return np.asarray(rng.uniform(-6.0, 6.0, size=shape))


# name, microtensor function, torch function, input domain, output saved for backward in torch
UNARY = [
    ("exp", mt.exp, torch.exp, anywhere, True),
    ("expm1", mt.expm1, torch.expm1, anywhere, True),
    ("log", mt.log, torch.log, positive, False),
    ("log1p", mt.log1p, torch.log1p, above_minus_one, False),
    ("log2", mt.log2, torch.log2, positive, False),
    ("log10", mt.log10, torch.log10, positive, False),
    ("sqrt", mt.sqrt, torch.sqrt, positive, True),
    ("rsqrt", mt.rsqrt, torch.rsqrt, positive, True),
    ("reciprocal", mt.reciprocal, torch.reciprocal, away_from_zero, True),
    ("square", mt.square, torch.square, anywhere, False),
    ("sin", mt.sin, torch.sin, wide, False),
    ("cos", mt.cos, torch.cos, wide, False),
    ("tan", mt.tan, torch.tan, inside_half_period, True),
    ("tanh", mt.tanh, torch.tanh, anywhere, True),
    ("sigmoid", mt.sigmoid, torch.sigmoid, wide, True),
]
IDS = [u[0] for u in UNARY]
METHODS = {"exp", "log", "sqrt", "sigmoid", "tanh", "sin", "reciprocal", "square"}


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,saves_output", UNARY, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_unary_matches_torch(name, mt_fn, torch_fn, domain, saves_output, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(mt_fn, torch_fn, [domain(rng, shape).astype(dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,saves_output", UNARY, ids=IDS)
@pytest.mark.parametrize("shape", [(), (2, 3)], ids=str)
def test_unary_gradcheck_and_gradgradcheck(name, mt_fn, torch_fn, domain, saves_output, shape):
    rng = np.random.default_rng(1)
    check_gradients(mt_fn, [domain(rng, shape)])


@pytest.mark.parametrize("name", sorted(METHODS))
def test_tensor_methods_delegate(name):
    x = mt.tensor([0.5, 1.5])
    assert_same(getattr(x, name)(), getattr(mt, name)(x))


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,saves_output", UNARY, ids=IDS)
@pytest.mark.parametrize("values", [[1, 2, 3], [True, False, True]], ids=["int64", "bool"])
def test_integer_and_bool_inputs_match_torch_dtype(
    name, mt_fn, torch_fn, domain, saves_output, values
):
    # float-only ops give float32; square keeps integers (bool becomes int64), as PyTorch
    with np.errstate(divide="ignore"):  # log(0), 1 / 0
        out, expected = mt_fn(mt.tensor(values)), torch_fn(torch.tensor(values))
    assert_same(out, expected)
    assert out.dtype == (mt.float32 if name != "square" else mt.int64)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,saves_output", UNARY, ids=IDS)
def test_float64_and_int32_keep_or_promote_like_torch(name, mt_fn, torch_fn, domain, saves_output):
    assert_same(
        mt_fn(mt.tensor([1.0, 2.0], dtype=mt.float64)),
        torch_fn(torch.tensor([1.0, 2.0], dtype=torch.float64)),
    )
    assert_same(
        mt_fn(mt.tensor([1, 2], dtype=mt.int32)), torch_fn(torch.tensor([1, 2], dtype=torch.int32))
    )


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,saves_output", UNARY, ids=IDS)
def test_non_tensor_input_raises_type_error(name, mt_fn, torch_fn, domain, saves_output):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor, not list"):
        mt_fn([1.0, 2.0])


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain,saves_output", UNARY, ids=IDS)
def test_inplace_change_of_saved_value_is_detected_like_torch(
    name, mt_fn, torch_fn, domain, saves_output
):
    # exp, sqrt, tanh, sigmoid ... save their output (as torch): changing it breaks backward
    data = domain(np.random.default_rng(3), (3,))
    x = mt.tensor(data, requires_grad=True)
    y = mt_fn(x)
    y.mul_(2.0)
    if saves_output:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    else:
        y.sum().backward()
        assert x.grad is not None
    tx = torch.tensor(data, requires_grad=True)
    ty = torch_fn(tx)
    ty.mul_(2.0)
    if saves_output:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            ty.sum().backward()
    else:
        ty.sum().backward()
        assert_same(x.grad, tx.grad)


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_sigmoid_extremes_do_not_overflow(dtype):
    values = [-1000.0, -80.0, -30.0, 0.0, 30.0, 80.0, 1000.0]
    x = mt.tensor(values, dtype=dtype, requires_grad=True)
    tx = torch.tensor(values, dtype=getattr(torch, str(dtype).split(".")[1]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = mt.sigmoid(x)
        y.sum().backward()
    ty = torch.sigmoid(tx)
    ty.sum().backward()
    assert_same(y, ty)
    assert_same(x.grad, tx.grad)
    assert y[0].item() == 0.0 and y[-1].item() == 1.0


def test_edge_values_match_torch():
    values = [0.0, -0.0, -1.0, float("inf"), float("-inf"), float("nan")]
    with np.errstate(all="ignore"):
        for name, mt_fn, torch_fn, _, _ in UNARY:
            assert_same(mt_fn(mt.tensor(values)), torch_fn(torch.tensor(values)), what=name)


def test_expm1_and_log1p_are_accurate_near_zero():
    x = mt.tensor(np.array([1e-10, -1e-12]))
    np.testing.assert_allclose(
        mt.expm1(x).numpy(), [1.00000000005e-10, -9.999999999995e-13], rtol=1e-14
    )
    np.testing.assert_allclose(
        mt.log1p(x).numpy(), [9.9999999995e-11, -1.0000000000005e-12], rtol=1e-14
    )


def test_sqrt_gradient_at_zero_is_inf_like_torch():
    x = mt.tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        mt.sqrt(x).sum().backward()
    tx = torch.tensor([0.0, 4.0], requires_grad=True)
    torch.sqrt(tx).sum().backward()
    assert_same(x.grad, tx.grad)
    assert x.grad[0].item() == float("inf")


# ---------------------------------------------------------------------------------------------
# lerp

LERP_SHAPES = mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


@pytest.mark.parametrize("dtype", DTYPES)
@given(shapes=LERP_SHAPES, seed=st.integers(0, 2**16))
def test_lerp_tensor_weight_matches_torch(dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    start, end = (np.asarray(rng.standard_normal(s)).astype(dtype) for s in shapes.input_shapes[:2])
    weight = np.asarray(rng.uniform(-0.5, 1.5, size=shapes.input_shapes[2])).astype(dtype)
    compare_with_torch(mt.lerp, torch.lerp, [start, end, weight], rng=rng)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 1.0, -0.7, 2, 1.6])
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_lerp_scalar_weight_matches_torch(dtype, weight, shapes, seed):
    rng = np.random.default_rng(seed)
    start, end = (np.asarray(rng.standard_normal(s)).astype(dtype) for s in shapes.input_shapes)
    out = compare_with_torch(
        lambda a, b: mt.lerp(a, b, weight),
        lambda a, b: torch.lerp(a, b, weight),
        [start, end],
        rng=rng,
    )
    assert out.dtype == mt.tensor(start).dtype


def test_lerp_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(4)
    start, end, weight = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.random((2, 1))
    check_gradients(mt.lerp, [start, end, weight])
    check_gradients(lambda a, b: mt.lerp(a, b, 0.25), [start, end])


def test_lerp_is_exact_at_the_ends():
    start, end = mt.tensor([1e8, 1.0, -3.0]), mt.tensor([1.0, 3.0, 1e-8])
    assert mt.equal(mt.lerp(start, end, 1.0), end)
    assert mt.equal(mt.lerp(start, end, 0.0), start)
    assert mt.equal(mt.lerp(start, end, mt.tensor([1.0, 1.0, 0.0])), mt.tensor([1.0, 3.0, -3.0]))


def test_lerp_method_and_integer_inputs():
    # Differs from PyTorch (documented): integer inputs become float32 instead of raising
    out = mt.tensor([0, 10]).lerp(mt.tensor([10, 20]), 0.5)
    assert_same(out, torch.tensor([5.0, 15.0]))
    mixed = mt.lerp(mt.tensor([0.0]), mt.tensor([1.0], dtype=mt.float64), mt.tensor(0.5))
    assert mixed.dtype == mt.float64 and mixed.item() == 0.5


def test_lerp_raises():
    with pytest.raises(
        RuntimeError,
        match=r"lerp\(\): The size of tensor a \(2\) must match the "
        r"size of tensor b \(3\)",
    ):
        mt.lerp(mt.ones(2), mt.ones(3), 0.5)
    with pytest.raises(
        RuntimeError,
        match=r"lerp\(\): The size of tensor a \(2\) must match the "
        r"size of tensor b \(4\)",
    ):
        mt.lerp(mt.ones(2), mt.ones(1), mt.ones(4))
    with pytest.raises(TypeError, match=r"lerp\(\): argument 'input' must be Tensor, not float"):
        mt.lerp(1.0, mt.ones(2), 0.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.exp_(),
        lambda x: x.log_(),
        lambda x: x.sqrt_(),
        lambda x: x.sigmoid_(),
        lambda x: x.tanh_(),
        lambda x: x.abs_(),
        lambda x: x.relu_(),
        lambda x: x.clamp_(0.6, 1.5),
        lambda x: x.lerp_(x.detach() * 0 + 1.0, 0.25),
    ],
)
def test_inplace_methods_match_torch(call):
    data = np.array([0.5, 2.0, 1.0])
    x, t = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = x * 1.0, t * 1.0
    assert call(y) is y and call(ty) is ty
    assert_same(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_same(x.grad, t.grad)


# --- exp2 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_exp2_matches_torch(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(mt.exp2, torch.exp2, [wide(rng, shape).astype(dtype)], rng=rng)


def test_exp2_gradients_edges_integers_and_methods():
    check_gradients(mt.exp2, [np.array([-1.5, 0.0, 2.5])])
    edges = np.array([-np.inf, -1100.0, 0.0, 1030.0, np.inf, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow to inf, as torch
        assert_same(mt.exp2(mt.tensor(edges)), torch.exp2(torch.tensor(edges)))
    assert_same(mt.exp2(mt.tensor([0, 3, -1])), torch.exp2(torch.tensor([0, 3, -1])))
    assert_same(mt.tensor([1.0, 2.0]).exp2(), torch.tensor([1.0, 2.0]).exp2())
    assert_same(mt.tensor([1.0, 2.0]).exp2_(), torch.tensor([1.0, 2.0]).exp2_())
    assert_same(mt.special.exp2(mt.tensor([0.5])), torch.special.exp2(torch.tensor([0.5])))
