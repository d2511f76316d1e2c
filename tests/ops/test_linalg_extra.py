"""vector_norm, cdist, inverse, det."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from microtensor.ops import linalg_extra
from tests.helpers import check_gradients, compare_with_torch

ORDS = [2, 1, math.inf, -math.inf, 3, 0.5, 0]

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
        lambda t: linalg_extra.vector_norm(t, ord, dim, keepdim),
        lambda t: torch.linalg.vector_norm(t, ord, dim, keepdim),
        [x],
        grad=ord != 0,  # PyTorch's zero gradient is no gradient here
        rng=rng,
    )


@pytest.mark.parametrize("ord", [o for o in ORDS if o != 0])
def test_vector_norm_gradcheck(ord):
    x = np.random.default_rng(0).standard_normal((2, 3))
    check_gradients(lambda t: linalg_extra.vector_norm(t, ord, 1), [x])


def test_vector_norm_of_zeros_has_zero_gradient_and_dtype_argument():
    x = mt.zeros(3, requires_grad=True)
    linalg_extra.vector_norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert linalg_extra.vector_norm(mt.tensor([3, 4]), dtype=mt.float64).item() == 5.0


def test_vector_norm_errors():
    with pytest.raises(RuntimeError, match=r"vector_norm\(\): Expected a floating point tensor"):
        linalg_extra.vector_norm(mt.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"argument 'ord' must be Number, not str"):
        linalg_extra.vector_norm(mt.ones(2), "fro")
    with pytest.raises(RuntimeError, match=r"cannot compute the inf norm on an empty tensor"):
        linalg_extra.vector_norm(mt.ones(0), math.inf)


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
        lambda a, b: linalg_extra.cdist(a, b, p),
        lambda a, b: torch.cdist(a, b, p),
        [x1, x2],
        grad=p != 0,
        rng=rng,
    )


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf, 3.0])
@given(shapes=cdist_shapes(max_side=2), seed=st.integers(0, 2**16))
def test_cdist_gradcheck(p, shapes, seed):
    rng = np.random.default_rng(seed)
    check_gradients(
        lambda a, b: linalg_extra.cdist(a, b, p), [rng.standard_normal(s) for s in shapes]
    )


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf])
def test_cdist_at_zero_distance_matches_torch(p):
    x1 = np.array([[0.0, 1.0], [2.0, 3.5]])
    x2 = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 3.5]])
    compare_with_torch(
        lambda a, b: linalg_extra.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), [x1, x2]
    )


def test_cdist_inf_shares_the_gradient_among_tied_coordinates():
    x1 = mt.tensor([[2.0, 2.0]], requires_grad=True)
    linalg_extra.cdist(x1, mt.tensor([[1.0, 1.0]]), math.inf).sum().backward()
    assert x1.grad.tolist() == [[0.5, 0.5]]  # as vector_norm; PyTorch's cdist gives [[1, 1]]


def test_cdist_errors():
    with pytest.raises(RuntimeError, match=r"cdist only supports at least 2D tensors, X1 got: 1D"):
        linalg_extra.cdist(mt.ones(3), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"must have the same number of columns. X1: 3 X2: 4"):
        linalg_extra.cdist(mt.ones(2, 3), mt.ones(2, 4))
    with pytest.raises(RuntimeError, match=r"cdist only supports non-negative p values"):
        linalg_extra.cdist(mt.ones(2, 3), mt.ones(2, 3), p=-1)
    with pytest.raises(RuntimeError, match=r"cdist only supports floating-point dtypes, X1 got"):
        linalg_extra.cdist(mt.ones(2, 3, dtype=mt.int64), mt.ones(2, 3, dtype=mt.int64))
    with pytest.raises(RuntimeError, match=r"X1 and X2 must have the same dtype"):
        linalg_extra.cdist(mt.ones(2, 3), mt.ones(2, 3, dtype=mt.float64))
    with pytest.raises(
        RuntimeError, match=r"the batch dims of X1 \(2,\) and X2 \(3,\) do not broadcast"
    ):
        linalg_extra.cdist(mt.ones(2, 2, 3), mt.ones(3, 2, 3))


# --- inverse, det -------------------------------------------------------------------------------

MATRIX_FNS = [
    ("inverse", linalg_extra.inverse, torch.linalg.inv),
    ("det", linalg_extra.det, torch.linalg.det),
]


def _well_conditioned(rng, shape):
    n = shape[-1]
    return rng.standard_normal(shape) + 2 * n * np.eye(n) if n else np.zeros(shape)


@pytest.mark.parametrize("name,mt_fn,torch_fn", MATRIX_FNS, ids=[m[0] for m in MATRIX_FNS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    batch=array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=2),
    n=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_matrix_fns_match_torch(name, mt_fn, torch_fn, dtype, batch, n, seed):
    rng = np.random.default_rng(seed)
    a = _well_conditioned(rng, batch + (n, n)).astype(dtype)
    compare_with_torch(mt_fn, torch_fn, [a], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", MATRIX_FNS, ids=[m[0] for m in MATRIX_FNS])
@given(
    batch=array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2),
    n=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_matrix_fns_gradcheck(name, mt_fn, torch_fn, batch, n, seed):
    check_gradients(mt_fn, [_well_conditioned(np.random.default_rng(seed), batch + (n, n))])


SINGULAR = [
    np.array([[1.0, 2.0], [2.0, 4.0]]),
    np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]]),
    np.zeros((3, 3)),
]


@pytest.mark.parametrize("a", SINGULAR, ids=["rank1_2x2", "rank2_3x3", "zeros"])
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix(a):
    x = mt.tensor(a, requires_grad=True)
    linalg_extra.det(x).backward()
    n = a.shape[0]
    cofactors = [
        [(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(n)]
        for i in range(n)
    ]
    np.testing.assert_allclose(x.grad.numpy(), cofactors, atol=1e-12)
    check_gradients(linalg_extra.det, [a])


def test_inverse_and_det_errors():
    with pytest.raises(RuntimeError, match=r"inverse\(\): the input matrix is singular"):
        linalg_extra.inverse(mt.zeros(2, 2))
    with pytest.raises(
        RuntimeError,
        match=r"inverse\(\): A must be batches of square matrices, but they are 2 by 3",
    ):
        linalg_extra.inverse(mt.zeros(2, 3))
    with pytest.raises(
        RuntimeError, match=r"det\(\): The input tensor A must have at least 2 dimensions"
    ):
        linalg_extra.det(mt.zeros(2))
    with pytest.raises(RuntimeError, match=r"det\(\): Expected a floating point tensor as input"):
        linalg_extra.det(mt.ones(2, 2, dtype=mt.int64))
