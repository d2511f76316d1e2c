"""softmax and log_softmax."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.test_reduction import dim_args

INF = math.inf

# name, microtensor function, torch function
SOFTMAXES = [
    ("softmax", mt.softmax, F.softmax),
    ("log_softmax", mt.log_softmax, F.log_softmax),
]
IDS = [s[0] for s in SOFTMAXES]


@pytest.mark.parametrize("name,mt_fn,torch_fn", SOFTMAXES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, mt_fn, torch_fn, dtype, data, seed):
    shape, dim, _ = data.draw(dim_args("int", min_side=0))
    rng = np.random.default_rng(seed)
    x = np.asarray(3 * rng.standard_normal(shape), dtype=dtype)
    compare_with_torch(lambda t: mt_fn(t, dim), lambda t: torch_fn(t, dim), [x], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", SOFTMAXES, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_gradcheck(name, mt_fn, torch_fn, data, seed):
    shape, dim, _ = data.draw(dim_args("int", min_side=1, max_side=2))
    check_gradients(lambda t: mt_fn(t, dim), [np.random.default_rng(seed).standard_normal(shape)])


# --- stability and PyTorch's results for infinities --------------------------------------------

EXTREMES = np.array(
    [
        [1000.0, -1000.0, 999.0],
        [-1000.0, -1000.0, -999.0],
        [-INF, 1.0, 2.0],
        [-INF, -INF, 0.0],
        [-INF, -INF, -INF],
        [INF, 1.0, -INF],
    ]
)


@pytest.mark.parametrize("name,mt_fn,torch_fn", SOFTMAXES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extremes_match_torch(name, mt_fn, torch_fn, dtype):
    compare_with_torch(lambda t: mt_fn(t, 1), lambda t: torch_fn(t, 1), [EXTREMES.astype(dtype)])
    compare_with_torch(
        lambda t: mt_fn(t, 0), lambda t: torch_fn(t, 0), [EXTREMES[:2].astype(dtype)]
    )


def test_no_overflow_at_1000():
    assert mt.softmax(mt.tensor([1000.0, 1000.0]), 0).tolist() == [0.5, 0.5]
    assert mt.log_softmax(mt.tensor([1000.0, -1000.0]), 0).tolist() == [0.0, -2000.0]


def test_log_softmax_is_not_the_log_of_an_underflowed_softmax():
    x = mt.tensor([0.0, -800.0], dtype=mt.float64)
    assert mt.softmax(x, 0)[1].item() == 0.0
    assert mt.log_softmax(x, 0)[1].item() == -800.0


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 0, 3)])
def test_fused_ops_equal_their_composition(shape):
    x = mt.tensor(np.random.default_rng(1).standard_normal(shape))
    for dim in range(-max(len(shape), 1), max(len(shape), 1)):
        lse = mt.logsumexp(x, dim, keepdim=True)
        assert_same(mt.log_softmax(x, dim), x - lse)
        assert_same(mt.softmax(x, dim), mt.exp(x - lse))


def test_backward_uses_the_saved_output():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = mt.softmax(x, 0)
    g = mt.tensor([1.0, 0.0, 0.0])
    (grad,) = mt.autograd.grad([y], [x], [g])
    expected = y.detach() * (g - (g * y.detach()).sum())
    assert_same(grad, expected)


# --- dim and dtype -------------------------------------------------------------------------------


@pytest.mark.parametrize("name,mt_fn,torch_fn", SOFTMAXES, ids=IDS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 2), (2, 3, 2, 2)])
def test_implicit_dim_warns_and_picks_torch_dim(name, mt_fn, torch_fn, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch_fn(torch.tensor(x))
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        actual = mt_fn(mt.tensor(x))
    assert_same(actual, expected)


@pytest.mark.parametrize("name,mt_fn,torch_fn", SOFTMAXES, ids=IDS)
def test_dtype_argument_matches_torch(name, mt_fn, torch_fn):
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.5, -1.0]], dtype=np.float32)
    compare_with_torch(
        lambda t: mt_fn(t, 1, dtype=mt.float64), lambda t: torch_fn(t, 1, dtype=torch.float64), [x]
    )
    ints = np.array([1, 2, 3])
    compare_with_torch(
        lambda t: mt_fn(t, 0, dtype=mt.float32),
        lambda t: torch_fn(t, 0, dtype=torch.float32),
        [ints],
    )


def test_tensor_methods_delegate():
    x = mt.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert_same(x.softmax(1), F.softmax(torch.tensor(x.numpy()), 1))
    assert_same(x.log_softmax(0), F.log_softmax(torch.tensor(x.numpy()), 0))


ERRORS = [
    (
        lambda: mt.softmax(mt.tensor([1, 2]), 0),
        NotImplementedError,
        r'softmax\(\): "softmax" not implemented for microtensor.int64',
    ),
    (
        lambda: mt.log_softmax(mt.tensor([True]), 0),
        NotImplementedError,
        r"log_softmax\(\): .* not implemented for microtensor.bool",
    ),
    (lambda: mt.softmax(mt.ones(2, 3), 2), IndexError, r"softmax\(\): Dimension out of range"),
    (lambda: mt.log_softmax(mt.ones(()), 1), IndexError, r"log_softmax\(\): Dimension out of"),
]


@pytest.mark.parametrize("call,error,match", ERRORS)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integer_error_is_a_runtime_error_as_in_torch():
    with pytest.raises(RuntimeError):
        mt.softmax(mt.tensor([1, 2]), 0)
    with pytest.raises(RuntimeError):
        F.softmax(torch.tensor([1, 2]), 0)
