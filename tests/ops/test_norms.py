"""linalg.vector_norm, linalg.matrix_norm, linalg.norm, norm (matrix orders) and cdist."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

ORDS = [2, 1, math.inf, -math.inf, 3, 0.5, 0]
MATRIX_ORDS = ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]

# --- vector_norm --------------------------------------------------------------------------------


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_vector_norm_matches_torch(ord, dtype, data, seed):
    shape = data.draw(array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    n = max(len(shape), 1)
    dim = data.draw(st.sampled_from([None, -1, 0, tuple(range(n))])) if shape else None
    keepdim = data.draw(st.booleans())
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    compare_with_torch(
        lambda t: mt.linalg.vector_norm(t, ord, dim, keepdim),
        lambda t: torch.linalg.vector_norm(t, ord, dim, keepdim),
        [x],
        grad=ord != 0,  # PyTorch's zero gradient is no gradient here
        rng=rng,
    )


@pytest.mark.parametrize("ord", [o for o in ORDS if o != 0])
def test_vector_norm_gradcheck(ord):
    x = np.random.default_rng(0).standard_normal((2, 3))
    check_gradients(lambda t: mt.linalg.vector_norm(t, ord, 1), [x])


def test_vector_norm_of_zeros_has_zero_gradient_and_dtype_argument():
    x = mt.zeros(3, requires_grad=True)
    mt.linalg.vector_norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert mt.linalg.vector_norm(mt.tensor([3, 4]), dtype=mt.float64).item() == 5.0


def test_vector_norm_errors():
    with pytest.raises(
        RuntimeError,
        match=r"vector_norm: Expected a floating point or complex tensor as input. Got Long",
    ):
        mt.linalg.vector_norm(mt.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"argument 'ord' must be Number, not str"):
        mt.linalg.vector_norm(mt.ones(2), "fro")
    with pytest.raises(RuntimeError, match=r"cannot compute the inf norm on an empty tensor"):
        mt.linalg.vector_norm(mt.ones(0), math.inf)


# --- matrix_norm, linalg.norm, norm -------------------------------------------------------------


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((2, 0), True), ((0, 2), False)])
def test_matrix_norm_matches_torch(ord, dim, keepdim):
    rng = np.random.default_rng(0)
    compare_with_torch(
        lambda t: mt.linalg.matrix_norm(t, ord, dim, keepdim),
        lambda t: torch.linalg.matrix_norm(t, ord, dim, keepdim),
        [rng.standard_normal((3, 2, 4))],
        rng=rng,
    )


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_gradgradcheck(ord):
    check_gradients(
        lambda t: mt.linalg.matrix_norm(t, ord), [np.random.default_rng(1).standard_normal((3, 2))]
    )


@pytest.mark.parametrize(
    "args",
    [(None, None), (2, None), ("nuc", None), (3, 1), (1, (0, 1)), ("fro", (1, 0)), (None, 0)],
)
def test_linalg_norm_matches_torch(args):
    ord, dim = args
    a = np.random.default_rng(2).standard_normal((3, 4))
    compare_with_torch(
        lambda t: mt.linalg.norm(t, ord, dim), lambda t: torch.linalg.norm(t, ord, dim), [a]
    )


@pytest.mark.parametrize("p,dim", [("nuc", None), ("nuc", (0, 2)), ("fro", None), ("fro", 1)])
def test_norm_matrix_orders_match_torch(p, dim):
    a = np.random.default_rng(3).standard_normal((2, 3) if dim is None else (2, 3, 4))
    compare_with_torch(lambda t: mt.norm(t, p, dim), lambda t: torch.norm(t, p, dim), [a])


def test_matrix_norm_errors():
    with pytest.raises(RuntimeError, match=r"linalg.matrix_norm: Order 3 not supported."):
        mt.linalg.matrix_norm(mt.ones(2, 2), 3)
    with pytest.raises(RuntimeError, match=r"A must have at least 2 dimensions"):
        mt.linalg.matrix_norm(mt.ones(2))
    with pytest.raises(RuntimeError, match=r"dim must be a 2-tuple. Got 0"):
        mt.linalg.matrix_norm(mt.ones(2, 2), dim=(0,))
    with pytest.raises(RuntimeError, match=r"input must be 1D or 2D. Got 3D"):
        mt.linalg.norm(mt.ones(2, 2, 2), 2)
    with pytest.raises(RuntimeError, match=r"it must be of length 1 or 2. Got \[0, 1, 2\]"):
        mt.linalg.norm(mt.ones(2, 2, 2), dim=(0, 1, 2))
    with pytest.raises(RuntimeError, match=r"ord must be a number, got 'nuc'"):
        mt.linalg.norm(mt.ones(2, 2), "nuc", dim=0)


# --- cdist --------------------------------------------------------------------------------------


@st.composite
def cdist_shapes(draw, max_side=3):
    batch = draw(array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=2))
    other = tuple(1 if draw(st.booleans()) else n for n in batch)[
        draw(st.integers(0, len(batch))) :
    ]
    p, r, m = (draw(st.integers(1, max_side)) for _ in range(3))
    return batch + (p, m), other + (r, m)


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf, 3.0, 0.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shapes=cdist_shapes(), seed=st.integers(0, 2**16))
def test_cdist_matches_torch(p, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = (rng.standard_normal(s).astype(dtype) for s in shapes)
    compare_with_torch(
        lambda a, b: mt.cdist(a, b, p),
        lambda a, b: torch.cdist(a, b, p),
        [x1, x2],
        grad=p != 0,
        rng=rng,
    )


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf, 3.0])
@given(shapes=cdist_shapes(max_side=2), seed=st.integers(0, 2**16))
def test_cdist_gradcheck(p, shapes, seed):
    rng = np.random.default_rng(seed)
    check_gradients(lambda a, b: mt.cdist(a, b, p), [rng.standard_normal(s) for s in shapes])


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf])
def test_cdist_at_zero_distance_matches_torch(p):
    x1 = np.array([[0.0, 1.0], [2.0, 3.5]])
    x2 = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 3.5]])
    compare_with_torch(lambda a, b: mt.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), [x1, x2])


def test_cdist_inf_shares_the_gradient_among_tied_coordinates():
    x1 = mt.tensor([[2.0, 2.0]], requires_grad=True)
    mt.cdist(x1, mt.tensor([[1.0, 1.0]]), math.inf).sum().backward()
    assert x1.grad.tolist() == [[0.5, 0.5]]  # as vector_norm; PyTorch's cdist gives [[1, 1]]


def test_cdist_errors():
    with pytest.raises(RuntimeError, match=r"cdist only supports at least 2D tensors, X1 got: 1D"):
        mt.cdist(mt.ones(3), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"must have the same number of columns. X1: 3 X2: 4"):
        mt.cdist(mt.ones(2, 3), mt.ones(2, 4))
    with pytest.raises(RuntimeError, match=r"cdist only supports non-negative p values"):
        mt.cdist(mt.ones(2, 3), mt.ones(2, 3), p=-1)
    with pytest.raises(RuntimeError, match=r"cdist only supports floating-point dtypes, X1 got"):
        mt.cdist(mt.ones(2, 3, dtype=mt.int64), mt.ones(2, 3, dtype=mt.int64))
    with pytest.raises(RuntimeError, match=r"X1 and X2 must have the same dtype"):
        mt.cdist(mt.ones(2, 3), mt.ones(2, 3, dtype=mt.float64))
    with pytest.raises(
        RuntimeError, match=r"the batch dims of X1 \(2,\) and X2 \(3,\) do not broadcast"
    ):
        mt.cdist(mt.ones(2, 2, 3), mt.ones(3, 2, 3))
