"""diag, diagonal, diag_embed, trace, cross, tril/triu_indices, addmm, addmv, addr, baddbmm,
addbmm."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from microtensor.ops import matrix
from tests.helpers import check_gradients, compare_with_torch


@st.composite
def diagonal_args(draw, embed=False, max_side=4):
    """(shape, offset, dim1, dim2); dims count in the result for diag_embed."""
    shape = draw(
        array_shapes(min_dims=1 if embed else 2, max_dims=3, min_side=0, max_side=max_side)
    )
    n = len(shape) + embed
    dim1 = draw(st.integers(-n, n - 1))
    dim2 = draw(st.integers(-n, n - 1).filter(lambda d: d % n != dim1 % n))
    return shape, draw(st.integers(-3, 3)), dim1, dim2


# name, fn(lib, x, offset, dim1, dim2), embed (dims count in the result)
DIAGONALS = [
    ("diagonal", lambda lib, x, o, d1, d2: lib.diagonal(x, o, d1, d2), False),
    ("diag_embed", lambda lib, x, o, d1, d2: lib.diag_embed(x, o, d1, d2), True),
]
IDS = [d[0] for d in DIAGONALS]


@pytest.mark.parametrize("name,fn,embed", DIAGONALS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, fn, embed, dtype, data, seed):
    shape, offset, dim1, dim2 = data.draw(diagonal_args(embed))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    args = (offset, dim1, dim2)
    compare_with_torch(lambda t: fn(matrix, t, *args), lambda t: fn(torch, t, *args), [x], rng=rng)


@pytest.mark.parametrize("name,fn,embed", DIAGONALS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_gradcheck(name, fn, embed, data, seed):
    shape, offset, dim1, dim2 = data.draw(diagonal_args(embed, max_side=3))
    x = np.random.default_rng(seed).standard_normal(shape)
    check_gradients(lambda t: fn(matrix, t, offset, dim1, dim2), [x])


# name, fn(lib, x, offset), smallest number of dims
MATRIX_FNS = [
    ("diag", lambda lib, x, o: lib.diag(x, o), 1),
    ("trace", lambda lib, x, o: lib.trace(x), 2),
]


@pytest.mark.parametrize("name,fn,min_dims", MATRIX_FNS, ids=[m[0] for m in MATRIX_FNS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16), offset=st.integers(-3, 3))
def test_diag_and_trace_match_torch(name, fn, min_dims, dtype, data, seed, offset):
    shape = data.draw(array_shapes(min_dims=min_dims, max_dims=2, min_side=0, max_side=4))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    compare_with_torch(
        lambda t: fn(matrix, t, offset), lambda t: fn(torch, t, offset), [x], rng=rng
    )
    if x.size and dtype == np.float64:
        check_gradients(lambda t: fn(matrix, t, offset), [x])


def test_diag_goes_both_ways():
    vector = mt.tensor([1.0, 2.0])
    assert matrix.diag(vector, -1).tolist() == [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    assert matrix.diag(matrix.diag(vector)).tolist() == [1.0, 2.0]
    assert matrix.diag(mt.ones(2, 3), 5).shape == (0,)
    assert matrix.trace(mt.tensor([[1, 2], [3, 4]], dtype=mt.int32)).dtype == mt.int64


def test_diagonal_errors():
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 3D"):
        matrix.diag(mt.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match=r"diagonal dimensions cannot be identical 1, -1"):
        matrix.diagonal(mt.ones(2, 3), 0, 1, -1)
    with pytest.raises(IndexError, match=r"diagonal\(\): Dimension out of range"):
        matrix.diagonal(mt.ones(2, 3), 0, 1, 2)
    with pytest.raises(RuntimeError, match=r"diag_embed\(\): diagonal dimensions cannot be"):
        matrix.diag_embed(mt.ones(2), 0, 0, 0)
    with pytest.raises(IndexError, match=r"diag_embed\(\): Dimension out of range"):
        matrix.diag_embed(mt.tensor(1.0))
    with pytest.raises(
        RuntimeError, match=r"trace\(\): expected a matrix, but got tensor with dim 3"
    ):
        matrix.trace(mt.ones(2, 2, 2))


# --- cross --------------------------------------------------------------------------------------


@st.composite
def cross_args(draw):
    shape = list(draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    shape[dim] = 3
    other = [1 if draw(st.booleans()) and i != dim % len(shape) else n for i, n in enumerate(shape)]
    return tuple(shape), tuple(other), dim


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(args=cross_args(), seed=st.integers(0, 2**16))
def test_cross_matches_torch(dtype, args, seed):
    shape, other, dim = args
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(shape).astype(dtype), rng.standard_normal(other).astype(dtype)
    compare_with_torch(
        lambda x, y: matrix.cross(x, y, dim),
        lambda x, y: torch.linalg.cross(x, y, dim=dim),
        [a, b],
        rng=rng,
    )


@given(args=cross_args(), seed=st.integers(0, 2**16))
def test_cross_gradcheck(args, seed):
    shape, other, dim = args
    rng = np.random.default_rng(seed)
    check_gradients(
        lambda x, y: matrix.cross(x, y, dim),
        [rng.standard_normal(shape), rng.standard_normal(other)],
    )


def test_cross_default_dim_is_the_last_and_integers_work():
    compare_with_torch(
        matrix.cross,
        torch.linalg.cross,
        [np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), np.array([[0, 1, 0]] * 3)],
    )


def test_cross_errors():
    with pytest.raises(
        RuntimeError, match=r"cross\(\): inputs dimension -1 must have length 3. Got 2 and 2"
    ):
        matrix.cross(mt.ones(3, 2), mt.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"inputs must have the same number of dimensions"):
        matrix.cross(mt.ones(2, 3), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"cross\(\): The size of tensor a \(2\) must match"):
        matrix.cross(mt.ones(2, 3), mt.ones(4, 3))


# --- tril_indices, triu_indices -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@given(row=st.integers(0, 5), col=st.integers(0, 5), offset=st.integers(-6, 6))
def test_triangle_indices_match_torch(name, row, col, offset):
    out = getattr(matrix, name)(row, col, offset)
    expected = getattr(torch, name)(row, col, offset)
    assert out.dtype == mt.int64 and np.array_equal(out.numpy(), expected.numpy())


def test_triangle_indices_dtype_and_errors():
    assert matrix.triu_indices(2, 2, dtype=mt.int32).dtype == mt.int32
    with pytest.raises(RuntimeError, match=r"tril_indices\(\): row must be non-negative, got -1"):
        matrix.tril_indices(-1, 3)


# --- addmm and friends --------------------------------------------------------------------------


def _input_shape(draw, out_shape):
    """A shape that broadcasts to ``out_shape``."""
    k = draw(st.integers(0, len(out_shape)))
    return tuple(n if draw(st.booleans()) else 1 for n in out_shape[len(out_shape) - k :])


@st.composite
def addmm_args(draw, name):
    low = 0 if name in ("addmm", "addr") else 1  # PyTorch gives a 0-d result for some empty cases
    b, n, m, p = (draw(st.integers(low, 3)) for _ in range(4))
    shapes, out = {
        "addmm": (((n, m), (m, p)), (n, p)),
        "addmv": (((n, m), (m,)), (n,)),
        "addr": (((n,), (p,)), (n, p)),
        "baddbmm": (((b, n, m), (b, m, p)), (b, n, p)),
        "addbmm": (((b, n, m), (b, m, p)), (n, p)),
    }[name]
    return _input_shape(draw, out), *shapes


ADD_NAMES = ["addmm", "addmv", "addr", "baddbmm", "addbmm"]


@pytest.mark.parametrize("name", ADD_NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    data=st.data(),
    seed=st.integers(0, 2**16),
    scales=st.sampled_from([(1, 1), (0.5, -2.0), (-1, 3)]),
)
def test_addmm_family_matches_torch(name, dtype, data, seed, scales):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in data.draw(addmm_args(name))]
    beta, alpha = scales
    compare_with_torch(
        lambda *t: getattr(matrix, name)(*t, beta=beta, alpha=alpha),
        lambda *t: getattr(torch, name)(*t, beta=beta, alpha=alpha),
        arrays,
        rng=rng,
    )


@pytest.mark.parametrize("name", ADD_NAMES)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_addmm_family_gradcheck(name, data, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in data.draw(addmm_args(name))]
    check_gradients(lambda *t: getattr(matrix, name)(*t, beta=0.5, alpha=2.0), arrays)


def test_addmm_with_beta_zero_ignores_nan_in_input():
    out = matrix.addmm(mt.full((2, 2), float("nan")), mt.ones(2, 3), mt.ones(3, 2), beta=0)
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_addmm_family_errors():
    with pytest.raises(
        RuntimeError, match=r"addmm\(\): mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x3\)"
    ):
        matrix.addmm(mt.ones(3), mt.ones(2, 3), mt.ones(4, 3))
    with pytest.raises(RuntimeError, match=r"addmm\(\): input of shape \(2,\) cannot be broadcast"):
        matrix.addmm(mt.ones(2), mt.ones(2, 3), mt.ones(3, 3))
    with pytest.raises(RuntimeError, match=r"addmm\(\): mat1 must be a 2-D tensor, got 1-D tensor"):
        matrix.addmm(mt.ones(3), mt.ones(3), mt.ones(3, 3))
    with pytest.raises(RuntimeError, match=r"addmv\(\): size mismatch, got input \(2\), .*: mat and vec shapes"):
        matrix.addmv(mt.ones(2), mt.ones(2, 3), mt.ones(4))
    with pytest.raises(RuntimeError, match=r"baddbmm\(\): batch1 must be a 3-D tensor"):
        matrix.baddbmm(mt.ones(3), mt.ones(2, 3), mt.ones(3, 3, 3))
    with pytest.raises(
        RuntimeError,
        match=r"baddbmm\(\): Expected size for first two dimensions .*: batch1 and batch2 shapes cannot be multiplied \(2x2x3 and 3x3x3\)",
    ):
        matrix.baddbmm(mt.ones(3), mt.ones(2, 2, 3), mt.ones(3, 3, 3))
    with pytest.raises(RuntimeError, match=r"addr\(\): vec2 must be a 1-D tensor"):
        matrix.addr(mt.ones(2, 2), mt.ones(2), mt.ones(2, 1))


@pytest.mark.parametrize("offset", [0, 2, -1])
def test_diagflat_matches_torch(offset):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    ours = mt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, expected = mt.diagflat(ours, offset), torch.diagflat(theirs, offset)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    upstream = np.random.default_rng(0).normal(size=tuple(expected.shape))
    (out * mt.tensor(upstream)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert ours.diagflat(offset).shape == out.shape


def test_h_rdiv_and_addcmul_methods():
    x = mt.tensor([[1.0, 2.0, 3.0]])
    assert x.H.shape == (3, 1)
    with pytest.raises(RuntimeError, match="tensor.H is only supported on matrices"):
        _ = mt.ones(2, 2, 2).H
    assert x.__rdiv__(6.0).tolist() == [[6.0, 3.0, 2.0]]
    assert x.addcmul(x, x, value=2).tolist() == [[3.0, 10.0, 21.0]]
    assert x.addcdiv(x, x).tolist() == [[2.0, 3.0, 4.0]]
