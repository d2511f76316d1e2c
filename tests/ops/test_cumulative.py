"""cumprod, cummax, cummin, logcumsumexp."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from microtensor.ops import cumulative
from tests.helpers import check_gradients, compare_with_torch

# name, fn(lib, x, dim) with lib = cumulative or torch
SCANS = [
    ("cumprod", lambda lib, x, d: lib.cumprod(x, d)),
    ("cummax", lambda lib, x, d: tuple(lib.cummax(x, d))),
    ("cummin", lambda lib, x, d: tuple(lib.cummin(x, d))),
    ("logcumsumexp", lambda lib, x, d: lib.logcumsumexp(x, d)),
]
IDS = [s[0] for s in SCANS]


@st.composite
def shape_and_dim(draw, min_side=0, max_side=4):
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=min_side, max_side=max_side))
    n = max(len(shape), 1)
    return shape, draw(st.integers(-n, n - 1))


@pytest.mark.parametrize("name,fn", SCANS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, fn, dtype, data, seed):
    shape, dim = data.draw(shape_and_dim())
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    compare_with_torch(lambda t: fn(cumulative, t, dim), lambda t: fn(torch, t, dim), [x], rng=rng)


@pytest.mark.parametrize("name,fn", SCANS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_gradcheck(name, fn, data, seed):
    shape, dim = data.draw(shape_and_dim(min_side=1, max_side=3))
    x = np.random.default_rng(seed).standard_normal(shape)
    check_gradients(
        lambda t: fn(cumulative, t, dim)[0] if name[:4] == "cumm" else fn(cumulative, t, dim), [x]
    )


# --- cumprod with zeros: first and second derivatives like PyTorch's ----------------------------

ZEROS = [
    np.array([2.0, 0.0, 3.0, 4.0]),
    np.array([0.0, 1.5, 0.0, 3.0, 0.0, 2.0]),
    np.array([0.0, 0.0, 0.0]),
    np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 0.5], [0.0, 2.0, 0.0]]),
]


@pytest.mark.parametrize("x", ZEROS, ids=["one", "three", "all", "matrix"])
@pytest.mark.parametrize("dim", [0, -1])
def test_cumprod_with_zeros_matches_torch_to_second_order(x, dim):
    compare_with_torch(lambda t: cumulative.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [x])
    rng = np.random.default_rng(1)
    g, v = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    results = []
    for lib, make in ((cumulative, mt.tensor), (torch, torch.tensor)):
        t = make(x, requires_grad=True)
        (first,) = (mt if lib is cumulative else torch).autograd.grad(
            lib.cumprod(t, dim), t, make(g), create_graph=True
        )
        (second,) = (mt if lib is cumulative else torch).autograd.grad(first, t, make(v))
        results.append((first.detach().numpy(), second.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x", ZEROS[:2], ids=["one", "three"])
def test_cumprod_gradcheck_with_zeros(x):
    check_gradients(lambda t: cumulative.cumprod(t, 0), [x])


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
def test_cumprod_of_integers_is_int64(dtype):
    x = np.array([[1, 2, 3], [0, 1, 1]]).astype(dtype)
    compare_with_torch(lambda t: cumulative.cumprod(t, 1), lambda t: torch.cumprod(t, 1), [x])


def test_cumprod_dtype_casts_first():
    x = np.array([1, 2, 3])
    compare_with_torch(
        lambda t: cumulative.cumprod(t, 0, dtype=mt.float64),
        lambda t: torch.cumprod(t, 0, dtype=torch.float64),
        [x],
    )


# --- cummax / cummin: the latest index among ties, NaN propagates ------------------------------

EXTREMES = [
    ("cummax", lambda lib, x: tuple(lib.cummax(x, 0))),
    ("cummin", lambda lib, x: tuple(lib.cummin(x, -1))),
]
TIE_INPUTS = {
    "ties": np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.0, 0.0]),
    "nan": np.array([1.0, 3.0, np.nan, 5.0, np.nan, -1.0]),
    "int": np.array([2, 2, 1, 3, 3]),
    "bool": np.array([True, False, True, False]),
}


@pytest.mark.parametrize("x", TIE_INPUTS.values(), ids=TIE_INPUTS.keys())
@pytest.mark.parametrize("case", [e[1] for e in EXTREMES], ids=[e[0] for e in EXTREMES])
def test_cummax_ties_and_nan_match_torch(case, x):
    compare_with_torch(lambda t: case(cumulative, t), lambda t: case(torch, t), [x])


def test_cummax_result_is_a_named_tuple():
    result = cumulative.cummax(mt.tensor([[1.0, 0.0, 2.0]]), 1)
    assert result.values.tolist() == [[1.0, 1.0, 2.0]] and result.indices.tolist() == [[0, 0, 2]]
    assert result.indices.dtype == mt.int64
    assert repr(result).startswith("microtensor.return_types.cummax(\nvalues=tensor(")


def test_cummax_gradient_goes_to_the_running_argmax():
    x = mt.tensor([1.0, 3.0, 2.0, 4.0], requires_grad=True)
    cumulative.cummax(x, 0).values.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 0.0, 1.0]


# --- logcumsumexp -------------------------------------------------------------------------------

LCSE_EDGES = {
    "large": np.array([1000.0, 1000.0, -1000.0, 999.0]),
    "inf": np.array([-np.inf, -np.inf, 0.0, np.inf, 1.0]),
}


@pytest.mark.parametrize("x", LCSE_EDGES.values(), ids=LCSE_EDGES.keys())
def test_logcumsumexp_is_stable_like_torch(x):
    compare_with_torch(
        lambda t: cumulative.logcumsumexp(t, 0), lambda t: torch.logcumsumexp(t, 0), [x]
    )


def test_logcumsumexp_gradient_with_zero_upstream_is_finite():
    x = mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    out = cumulative.logcumsumexp(x, 0)
    (g,) = mt.autograd.grad(out, x, mt.tensor([0.0, 1.0, 0.0], dtype=mt.float64), create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    assert np.isfinite(g.detach().numpy()).all() and np.isfinite(h.numpy()).all()
    assert abs(g.sum().item() - 1.0) < 1e-12  # softmax weights of the second prefix sum to 1


# --- errors -------------------------------------------------------------------------------------


def test_errors():
    with pytest.raises(NotImplementedError, match=r"logcumsumexp\(\): not implemented for"):
        cumulative.logcumsumexp(mt.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match=r"cumprod\(\): Dimension out of range"):
        cumulative.cumprod(mt.ones(2), 1)
    with pytest.raises(IndexError, match=r"cummax\(\): Dimension out of range"):
        cumulative.cummax(mt.ones(2), -2)
