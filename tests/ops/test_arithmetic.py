"""add, sub, mul, div, neg, pow, float_power, hypot, remainder, fmod, floor_divide, addcmul ..."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape)


def anywhere(rng, shape):
    return rng.standard_normal(shape)


def away_from_zero(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# name, microtensor function, torch function, domain of input, domain of other, second order
BINARY = [
    ("add", mt.add, torch.add, anywhere, anywhere, True),
    ("sub", mt.sub, torch.sub, anywhere, anywhere, True),
    ("mul", mt.mul, torch.mul, anywhere, anywhere, True),
    ("div", mt.div, torch.div, anywhere, away_from_zero, True),
    ("pow", mt.pow, torch.pow, positive, anywhere, True),
    ("remainder", mt.remainder, torch.remainder, positive, positive, False),
    ("fmod", mt.fmod, torch.fmod, anywhere, away_from_zero, False),
    (
        "add_alpha",
        lambda a, b: mt.add(a, b, alpha=0.5),
        lambda a, b: torch.add(a, b, alpha=0.5),
        anywhere,
        anywhere,
        True,
    ),
]


@pytest.mark.parametrize(
    "name,mt_fn,torch_fn,dom_a,dom_b,second", BINARY, ids=[b[0] for b in BINARY]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shapes=SHAPES, seed=st.integers(0, 2**16))
def test_binary_matches_torch(name, mt_fn, torch_fn, dom_a, dom_b, second, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = dom_a(rng, a_shape).astype(dtype)
    b = dom_b(rng, b_shape).astype(dtype)
    compare_with_torch(mt_fn, torch_fn, [a, b], rng=rng)


@pytest.mark.parametrize(
    "name,mt_fn,torch_fn,dom_a,dom_b,second", BINARY, ids=[b[0] for b in BINARY]
)
def test_binary_gradcheck(name, mt_fn, torch_fn, dom_a, dom_b, second):
    rng = np.random.default_rng(1)
    a, b = dom_a(rng, (2, 3)), dom_b(rng, (3,))
    if name == "remainder":
        a, b = np.array([[2.3, 3.7, 1.2], [4.4, 0.7, 5.6]]), np.array([1.0, 1.5, 2.0])
    if name == "fmod":
        a, b = np.array([[2.3, -3.7, 1.2], [-4.4, 0.7, 5.6]]), np.array([1.0, -1.5, 2.0])
    check_gradients(mt_fn, [a, b], second=second)


@pytest.mark.parametrize("scalar", [2, 0.5, -1.5, True])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "rsub", "rdiv", "rpow"])
def test_python_scalars_keep_float32(op, scalar):
    x = np.array([0.5, 1.5, 2.5], dtype=np.float32)
    if op in ("sub", "rsub") and scalar is True:
        pytest.skip("subtracting a bool raises, tested in test_sub_with_bool_raises")
    fns = {
        "add": lambda t: t + scalar,
        "sub": lambda t: t - scalar,
        "mul": lambda t: t * scalar,
        "div": lambda t: t / scalar,
        "pow": lambda t: t**scalar,
        "rsub": lambda t: scalar - t,
        "rdiv": lambda t: scalar / t,
        "rpow": lambda t: abs(scalar) ** t,
    }
    compare_with_torch(fns[op], fns[op], [x])


def test_numpy_float64_scalar_does_not_upcast():
    x = mt.tensor([1.0, 2.0])
    assert (x * np.float64(0.5)).dtype == mt.float32
    assert (np.float64(0.5) * x).dtype == mt.float32


@pytest.mark.parametrize(
    "a,b",
    [
        (np.array([1, 2, 3]), 2.5),  # int tensor, float scalar -> float32
        (np.array([1, 2, 3]), np.array([1.5, 2.5, 3.5], dtype=np.float64)),
        (np.array([1.0, 2.0], dtype=np.float32), np.array(2.0, dtype=np.float64)),  # 0-d loses
        (np.array(2.0, dtype=np.float64), np.array([1, 2])),  # 0-d float beats int
        (np.array([True, False]), 3),
        (np.array([1, 2], dtype=np.int32), np.array([1, 2], dtype=np.int64)),
    ],
)
@pytest.mark.parametrize("op", ["add", "mul", "div"])
def test_type_promotion_matches_torch(a, b, op):
    def wrap(x, lib):
        return lib.tensor(x) if isinstance(x, np.ndarray) else x

    result = getattr(mt, op)(wrap(a, mt), wrap(b, mt))
    expected = getattr(torch, op)(wrap(a, torch), wrap(b, torch))
    assert str(result.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-6)


def test_integer_division_is_true_division():
    assert mt.tensor([1, 2]).__truediv__(4).tolist() == [0.25, 0.5]
    assert (mt.tensor([7, -7]) // 2).tolist() == [3, -4]
    assert mt.div(mt.tensor([7.0, -7.0]), 2, rounding_mode="trunc").tolist() == [3.0, -3.0]
    assert mt.div(mt.tensor([7.0, -7.0]), 2, rounding_mode="floor").tolist() == [3.0, -4.0]


def test_pow_edges_match_torch():
    base = np.array([0.0, 0.0, 2.0, -1.0])
    exponent = np.array([0.0, 2.0, 0.0, 2.0])
    compare_with_torch(mt.pow, torch.pow, [base, exponent])
    compare_with_torch(lambda a: a**0, lambda a: a**0, [base])
    compare_with_torch(lambda a: a**2, lambda a: a**2, [base])


def test_reflected_ops_with_numpy_arrays_stay_differentiable():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], dtype=np.float32) * x + np.array([1.0, 1.0], dtype=np.float32)
    assert isinstance(y, mt.Tensor)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_neg_and_addcmul_addcdiv_match_torch():
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 2, 3))
    compare_with_torch(mt.neg, torch.neg, [a])
    compare_with_torch(
        lambda x, y, z: mt.addcmul(x, y, z, value=0.3),
        lambda x, y, z: torch.addcmul(x, y, z, value=0.3),
        [a, b, c],
    )
    compare_with_torch(
        lambda x, y, z: mt.addcdiv(x, y, z, value=0.3),
        lambda x, y, z: torch.addcdiv(x, y, z, value=0.3),
        [a, b, np.abs(c) + 1],
    )


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(
        RuntimeError, match=r"add\(\): The size of tensor a \(3\) must match .*\(4\)"
    ):
        mt.ones(2, 3) + mt.ones(4)
    with pytest.raises(RuntimeError, match=r"mul\(\).*\(2, 3\) and \(2,\)"):
        mt.ones(2, 3) * mt.ones(2)


def test_sub_with_bool_raises():
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
        mt.tensor([True]) - mt.tensor([False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
        mt.tensor([1.0]) - True


def test_bad_rounding_mode_raises():
    with pytest.raises(ValueError, match="rounding_mode"):
        mt.div(mt.ones(1), 2, rounding_mode="nearest")


def test_integer_negative_power_raises():
    with pytest.raises(RuntimeError, match="negative integer powers"):
        mt.tensor([2, 3]) ** -1


# --- hypot, float_power ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shapes=SHAPES, seed=st.integers(0, 2**16))
def test_hypot_matches_torch(dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    a, b = np.asarray(rng.uniform(-3, 3, sa)), np.asarray(rng.uniform(0.5, 3, sb))
    compare_with_torch(mt.hypot, torch.hypot, [a.astype(dtype), b.astype(dtype)], rng=rng)


def test_hypot_gradients_edges_methods_and_errors():
    check_gradients(mt.hypot, [np.array([3.0, -1.0, 0.5]), np.array([4.0, 2.0, -0.7])])
    big = np.array([1e300, 1e-300, 0.0, np.inf, np.nan])
    other = np.array([1e300, 1e-300, 0.0, np.nan, np.inf])
    assert_same(
        mt.hypot(mt.tensor(big), mt.tensor(other)),
        torch.hypot(torch.tensor(big), torch.tensor(other)),
    )
    x = np.array([3.0, 5.0])
    assert_same(
        mt.tensor(x).hypot(mt.tensor([4.0, 12.0], dtype=mt.float64)),
        torch.tensor(x).hypot(torch.tensor([4.0, 12.0], dtype=torch.float64)),
    )
    assert_same(mt.tensor(x).hypot_(mt.tensor(x)), torch.tensor(x).hypot_(torch.tensor(x)))
    with pytest.raises(
        NotImplementedError, match=r"hypot\(\): not implemented for microtensor.int64"
    ):
        mt.hypot(mt.tensor([3]), mt.tensor([4]))
    with pytest.raises(TypeError, match=r"hypot\(\): argument 'other' must be Tensor, not float"):
        mt.hypot(mt.tensor([3.0]), 4.0)
    with pytest.raises(RuntimeError, match=r"hypot\(\): The size of tensor a \(2\) must match"):
        mt.hypot(mt.ones(2), mt.ones(3))


@pytest.mark.parametrize(
    "base,exponent",
    [
        (np.array([0.5, 2.0, 3.0], dtype=np.float32), 2),
        (np.array([0.5, 2.0, 3.0]), np.array([1.5, -0.5, 2.0], dtype=np.float32)),
        (2.0, np.array([0.0, 1.5, -2.0], dtype=np.float32)),
        (np.array([1, 2, 3]), 0.5),
    ],
    ids=["f32-int", "f64-f32", "number-f32", "int-float"],
)
def test_float_power_is_float64_and_matches_torch(base, exponent):
    rng = np.random.default_rng(0)
    compare_with_torch(mt.float_power, torch.float_power, [base, exponent], rng=rng)


def test_float_power_gradcheck_method_and_errors():
    check_gradients(mt.float_power, [np.array([0.5, 2.0]), np.array([1.5, -0.5])])
    x = mt.tensor([2.0, 3.0])
    assert_same(x.float_power(2), torch.tensor([2.0, 3.0]).float_power(2))
    with pytest.raises(TypeError, match=r"float_power\(\): expected a Tensor argument"):
        mt.float_power(2.0, 3.0)


def test_pow_gradient_in_the_exponent_of_a_number_base_keeps_double_precision():
    e = np.array([0.0, 1.5, -2.0])
    for base in (2.0, 3, 0.5):
        x, tx = mt.tensor(e, requires_grad=True), torch.tensor(e, requires_grad=True)
        grad = mt.autograd.grad(mt.pow(base, x).sum(), x)[0].numpy()
        expected = torch.autograd.grad(torch.pow(base, tx).sum(), tx)[0].numpy()
        np.testing.assert_allclose(grad, expected, rtol=1e-15)


def test_positive_is_the_input_itself_and_rejects_bool():
    x = mt.tensor([-1.0, 2.0])
    assert mt.positive(x) is x and x.positive() is x
    with pytest.raises(RuntimeError, match=r"The `\+` operator, on a bool tensor is not supported"):
        mt.positive(mt.tensor([True]))


def test_rsub_matches_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    compare_with_torch(
        lambda x, y: mt.rsub(x, y, alpha=2), lambda x, y: torch.rsub(x, y, alpha=2), [a, b], rng=rng
    )
    compare_with_torch(lambda x: mt.rsub(x, 3.0), lambda x: torch.rsub(x, 3.0), [a], rng=rng)
    assert mt.rsub(mt.tensor([1, 2]), 3).tolist() == torch.rsub(torch.tensor([1, 2]), 3).tolist()
