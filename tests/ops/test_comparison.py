"""Comparisons, logical and bitwise ops, isnan/isinf/isfinite, equal, isclose, allclose."""

import operator

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import assert_same, compare_with_torch

PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8, np.bool_]

# name, microtensor function, torch function (bool results, any dtypes)
COMPARISONS = [
    ("eq", mt.eq, torch.eq),
    ("ne", mt.ne, torch.ne),
    ("lt", mt.lt, torch.lt),
    ("le", mt.le, torch.le),
    ("gt", mt.gt, torch.gt),
    ("ge", mt.ge, torch.ge),
    ("not_equal", mt.not_equal, torch.not_equal),
    ("less", mt.less, torch.less),
    ("less_equal", mt.less_equal, torch.less_equal),
    ("greater", mt.greater, torch.greater),
    ("greater_equal", mt.greater_equal, torch.greater_equal),
    ("logical_and", mt.logical_and, torch.logical_and),
    ("logical_or", mt.logical_or, torch.logical_or),
    ("logical_xor", mt.logical_xor, torch.logical_xor),
]
BITWISE = [
    ("bitwise_and", mt.bitwise_and, torch.bitwise_and, operator.and_),
    ("bitwise_or", mt.bitwise_or, torch.bitwise_or, operator.or_),
    ("bitwise_xor", mt.bitwise_xor, torch.bitwise_xor, operator.xor),
]
OPERATORS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


def small_values(rng, shape, dtype):
    """Values from a few integers (and nan for floats), so ties and equalities happen."""
    values = np.asarray(rng.integers(0 if dtype == np.uint8 else -2, 3, size=shape))
    if np.dtype(dtype).kind == "f":
        values = np.where(rng.random(shape) < 0.1, np.nan, values)
    return values.astype(dtype)


@pytest.mark.parametrize("name,mt_fn,torch_fn", COMPARISONS, ids=[c[0] for c in COMPARISONS])
@pytest.mark.parametrize(
    "dtypes",
    [
        (np.float64, np.float64),
        (np.float32, np.float32),
        (np.int64, np.float32),
        (np.bool_, np.int32),
        (np.uint8, np.int64),
    ],
    ids=str,
)
@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_binary_matches_torch(name, mt_fn, torch_fn, dtypes, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (small_values(rng, s, d) for s, d in zip(shapes.input_shapes, dtypes, strict=True))
    out = compare_with_torch(mt_fn, torch_fn, [a, b], grad=False)
    assert out.dtype == mt.bool


@pytest.mark.parametrize("name,mt_fn,torch_fn,op", BITWISE, ids=[b[0] for b in BITWISE])
@pytest.mark.parametrize(
    "dtypes",
    [(np.int64, np.int64), (np.bool_, np.bool_), (np.int32, np.uint8), (np.bool_, np.int64)],
    ids=str,
)
@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_bitwise_matches_torch(name, mt_fn, torch_fn, op, dtypes, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (small_values(rng, s, d) for s, d in zip(shapes.input_shapes, dtypes, strict=True))
    compare_with_torch(mt_fn, torch_fn, [a, b], grad=False)
    compare_with_torch(op, op, [a, b], grad=False)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_unary_predicates_match_torch(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    x = small_values(rng, shape, dtype)
    if np.dtype(dtype).kind == "f":
        x = np.where(rng.random(shape) < 0.2, np.inf * np.sign(x - 0.5), x).astype(dtype)
    for mt_fn, torch_fn in (
        (mt.isnan, torch.isnan),
        (mt.isinf, torch.isinf),
        (mt.isfinite, torch.isfinite),
        (mt.logical_not, torch.logical_not),
    ):
        compare_with_torch(mt_fn, torch_fn, [x], grad=False)
    if np.dtype(dtype).kind != "f":
        compare_with_torch(mt.bitwise_not, torch.bitwise_not, [x], grad=False)
        compare_with_torch(operator.invert, operator.invert, [x], grad=False)


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("scalar", [1, 1.5, True, np.float64(1.0), np.int64(2)], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_operators_with_scalars_on_either_side(op, scalar, dtype):
    values = [0.0, 1.0, 2.0] if dtype != "bool" else [True, False, True]
    x = mt.tensor(values, dtype=getattr(mt, dtype))
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    assert_same(op(x, scalar), op(t, scalar))
    assert_same(op(scalar, x), op(scalar, t))  # the reflected dunder


def test_numpy_arrays_on_either_side_give_tensors():
    x, a = mt.tensor([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    assert isinstance(a < x, mt.Tensor) and (a < x).tolist() == [False, False, True]
    assert (x == a).tolist() == [False, True, False]
    assert mt.eq(a, x).tolist() == [False, True, False]
    assert (np.array([3, 1]) & mt.tensor([1, 1])).tolist() == [1, 1]


def test_results_never_require_grad():
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    for out in (x > 0, x == x, mt.isnan(x), mt.logical_not(x), mt.isclose(x, x)):
        assert out.dtype == mt.bool and not out.requires_grad and out.grad_fn is None


def test_promotion_before_comparing_matches_torch():
    # torch compares int64 with float32 in float32, and a float32 tensor with a Python float
    big, f = np.array([16777217]), np.array([16777216.0], np.float32)
    assert_same(mt.tensor(big) == mt.tensor(f), torch.tensor(big) == torch.tensor(f))
    assert_same(mt.tensor([1.1]) == 1.1, torch.tensor([1.1]) == 1.1)
    zero_d = np.array(1.1)  # a 0-d float64 tensor does not widen a float32 one
    assert_same(mt.tensor([1.1]) == mt.tensor(zero_d), torch.tensor([1.1]) == torch.tensor(zero_d))


def test_logical_ops_treat_nan_as_true():
    a, b = [float("nan"), 0.0, 2.0], [1, 1, 0]
    assert_same(
        mt.logical_and(mt.tensor(a), mt.tensor(b)),
        torch.logical_and(torch.tensor(a), torch.tensor(b)),
    )
    assert mt.logical_or(mt.tensor(a), mt.tensor(0)).tolist() == [True, False, True]
    with pytest.raises(TypeError, match=r"logical_or\(\): argument 'other' \(position 2\) must be"):
        mt.logical_or(mt.tensor(a), 0)  # as torch: both must be tensors


def test_bitwise_with_scalars_promotes_like_torch():
    b, i = [True, False], [12, 10]
    assert_same(mt.tensor(b) & 3, torch.tensor(b) & 3)
    assert_same(mt.tensor(b) | True, torch.tensor(b) | True)
    assert_same(6 ^ mt.tensor(i), 6 ^ torch.tensor(i))
    assert_same(~mt.tensor([1], dtype=mt.uint8), ~torch.tensor([1], dtype=torch.uint8))


# --- equal, isclose, allclose ---------------------------------------------------------------


@pytest.mark.parametrize(
    "a,b",
    [
        ([1, 2], [1.0, 2.0]),
        ([1.0, 2.0], [1.0, 2.5]),
        ([1.0], [[1.0]]),
        ([float("nan")], [float("nan")]),
        ([], []),
        (3.0, 3.0),
    ],
    ids=str,
)
def test_equal_matches_torch(a, b):
    result = mt.equal(mt.tensor(a), mt.tensor(b))
    assert result is torch.equal(torch.tensor(a), torch.tensor(b))
    assert mt.tensor(a).equal(mt.tensor(b)) is result


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_], ids=str)
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"rtol": 0.1}, {"atol": 0.5}, {"rtol": 0, "atol": 0}, {"equal_nan": True}],
    ids=str,
)
@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_isclose_and_allclose_match_torch(dtype, kwargs, shapes, seed):
    rng = np.random.default_rng(seed)
    a = small_values(rng, shapes.input_shapes[0], dtype)
    near = np.broadcast_to(a, shapes.result_shape)  # b has the broadcast shape, near a
    if np.dtype(dtype).kind == "f":
        noise = rng.choice([0.0, 1e-9, 1e-6, 0.05, 0.3, 1.0], size=shapes.result_shape)
        b = np.asarray(near + noise * rng.choice([-1.0, 1.0], size=shapes.result_shape))
    elif np.dtype(dtype).kind == "i":
        b = np.asarray(near + rng.choice([0, 0, 1, -5], size=shapes.result_shape))
    else:
        b = np.asarray(rng.random(shapes.result_shape) < 0.5)
    b = b.astype(dtype)
    compare_with_torch(
        lambda x, y: mt.isclose(x, y, **kwargs),
        lambda x, y: torch.isclose(x, y, **kwargs),
        [a, b],
        grad=False,
    )
    mt_all = mt.allclose(mt.tensor(a), mt.tensor(b), **kwargs)
    assert mt_all is torch.allclose(torch.tensor(a), torch.tensor(b), **kwargs)


def test_isclose_special_values_match_torch():
    inf, nan = float("inf"), float("nan")
    a, b = [inf, inf, nan, -inf, 1.0, 1e10], [inf, -inf, nan, -inf, nan, 1.00001e10]
    for equal_nan in (False, True):
        assert_same(
            mt.isclose(mt.tensor(a), mt.tensor(b), equal_nan=equal_nan),
            torch.isclose(torch.tensor(a), torch.tensor(b), equal_nan=equal_nan),
        )
    ints = mt.isclose(mt.tensor([100, 101, 2**62]), mt.tensor([100, 100, -(2**62)]), rtol=0.01)
    assert ints.tolist() == [True, True, False]  # no integer wrap-around


# --- errors ---------------------------------------------------------------------------------

F, D, INTS = mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.0], dtype=mt.float64), mt.tensor([1, 2])
ERRORS = [
    (
        lambda: mt.eq(F, mt.ones(3)),
        RuntimeError,
        r"eq\(\): The size of tensor a \(2\) must match the size of tensor b \(3\)",
    ),
    (
        lambda: mt.logical_and(F, mt.ones(3)),
        RuntimeError,
        r"logical_and\(\): The size of tensor a \(2\)",
    ),
    (
        lambda: mt.bitwise_or(INTS, mt.ones(3, dtype=mt.int64)),
        RuntimeError,
        r"bitwise_or\(\): The size of tensor a \(2\)",
    ),
    (
        lambda: mt.eq(F, None),
        TypeError,
        r"eq\(\): expected a Tensor or a number, got NoneType \(compare with `is None` instead\)",
    ),
    (lambda: mt.lt(F, "a"), TypeError, r"lt\(\): expected a Tensor or a number, got str"),
    (lambda: mt.isnan([1.0]), TypeError, r"isnan\(\): expected a Tensor or a number, got list"),
    (lambda: F & F, NotImplementedError, r"bitwise_and\(\): not implemented for floating tensors"),
    (
        lambda: mt.bitwise_xor(INTS, 1.5),
        NotImplementedError,
        r"bitwise_xor\(\): not implemented for floating",
    ),
    (
        lambda: ~F,
        TypeError,
        r"bitwise_not\(\): ~ \(operator.invert\) is only implemented on "
        r"integer and Boolean-type tensors",
    ),
    (lambda: mt.equal(F, 1.0), TypeError, r"equal\(\): argument 'other' must be Tensor, not float"),
    (
        lambda: mt.isclose(F, 1.0),
        TypeError,
        r"isclose\(\): argument 'other' must be Tensor, not float",
    ),
    (
        lambda: mt.allclose([1.0], F),
        TypeError,
        r"allclose\(\): argument 'input' must be Tensor, not list",
    ),
    (
        lambda: mt.isclose(F, D),
        RuntimeError,
        r"isclose\(\): microtensor.float32 did not match microtensor.float64",
    ),
    (lambda: mt.allclose(F, D), RuntimeError, r"allclose\(\): microtensor.float32 did not match"),
    (
        lambda: mt.isclose(F, F, rtol=-1),
        RuntimeError,
        r"isclose\(\): rtol must be greater than or equal to zero, got -1",
    ),
    (
        lambda: mt.allclose(F, F, atol=-0.5),
        RuntimeError,
        r"allclose\(\): atol must be greater than or equal to zero, got -0.5",
    ),
    (
        lambda: mt.isclose(F, mt.ones(3)),
        RuntimeError,
        r"isclose\(\): The size of tensor a \(2\) must match the size of tensor b \(3\)",
    ),
]


@pytest.mark.parametrize("call,error,message", ERRORS, ids=range(len(ERRORS)))
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- isposinf, isneginf, isreal; isclose and logical_xor methods --------------------------------


@pytest.mark.parametrize("name", ["isposinf", "isneginf", "isreal"])
def test_infinity_and_real_tests_match_torch(name):
    for values in ([1.0, np.inf, -np.inf, np.nan], [1, 2], 3.0):
        x = np.array(values)
        compare_with_torch(getattr(mt, name), getattr(torch, name), [x], grad=False)
        compare_with_torch(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x], grad=False)


def test_isclose_and_logical_xor_methods():
    a, b = np.array([1.0, 2.0, np.nan]), np.array([1.0 + 1e-9, 2.1, np.nan])
    compare_with_torch(lambda x, y: x.isclose(y), lambda x, y: x.isclose(y), [a, b], grad=False)
    compare_with_torch(
        lambda x, y: x.isclose(y, equal_nan=True), lambda x, y: x.isclose(y, equal_nan=True), [a, b],
        grad=False,
    )
    compare_with_torch(lambda x, y: x.logical_xor(y), lambda x, y: x.logical_xor(y), [a, b], grad=False)
