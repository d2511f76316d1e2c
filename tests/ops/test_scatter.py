"""scatter_reduce, index_reduce, slice_scatter, select_scatter, diagonal_scatter."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


def _scatter_args(rng, dtype=np.float64, ties=False):
    x = rng.standard_normal((3, 4)).astype(dtype)
    src = rng.standard_normal((3, 3)).astype(dtype)
    if ties:  # equal values, and zeros for prod
        x = rng.integers(-1, 2, (3, 4)).astype(dtype)
        src = rng.integers(-1, 2, (3, 3)).astype(dtype)
    index = rng.integers(0, 3, (3, 3))
    return x, src, index


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize(
    "ties,dtype", [(False, np.float64), (True, np.float64), (True, np.float32)]
)
def test_scatter_reduce_matches_torch(reduce, include_self, ties, dtype):
    rng = np.random.default_rng(len(reduce) + 7 * ties)
    x, src, index = _scatter_args(rng, dtype, ties)

    def call(lib):
        idx = (mt.tensor if lib is mt else torch.tensor)(index)
        return lambda t, s: lib.scatter_reduce(t, 0, idx, s, reduce, include_self=include_self)

    compare_with_torch(call(mt), call(torch), [x, src], rng=rng)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_scatter_reduce_gradcheck(reduce, include_self):
    rng = np.random.default_rng(1)
    x, src, index = _scatter_args(rng)
    idx = mt.tensor(index)
    check_gradients(
        lambda t, s: mt.scatter_reduce(t, 1, idx, s, reduce, include_self=include_self), [x, src]
    )


def test_scatter_reduce_prod_second_derivative_with_a_zero_matches_torch():
    x = np.array([2.0, 0.0, 3.0])
    src = np.array([0.0, 5.0, 4.0])
    index = np.array([0, 1, 0])
    outs = []
    for lib in (mt, torch):
        a = lib.tensor(x, requires_grad=True)
        s = lib.tensor(src, requires_grad=True)
        out = lib.scatter_reduce(a, 0, lib.tensor(index), s, "prod")
        (ga, gs) = lib.autograd.grad(out.sum(), (a, s), create_graph=True)
        second = lib.autograd.grad((ga * ga).sum() + (gs * gs).sum(), (a, s))
        outs.append([t.detach().numpy() for t in (out, ga, gs, *second)])
    for m, t in zip(*outs, strict=True):
        np.testing.assert_allclose(m, t, rtol=1e-12)


def test_scatter_reduce_uses_the_first_elements_of_a_larger_src():
    x, src = np.zeros((2, 3)), np.arange(12.0).reshape(3, 4)
    index = np.array([[1, 0], [1, 1]])
    compare_with_torch(
        lambda t, s: mt.scatter_reduce(t, 1, mt.tensor(index), s, "sum"),
        lambda t, s: torch.scatter_reduce(t, 1, torch.tensor(index), s, "sum"),
        [x, src],
        grad=False,
    )


def test_scatter_reduce_integers_and_in_place():
    x = mt.tensor([0, 1, 2, 3])
    out = mt.scatter_reduce(x, 0, mt.tensor([0, 0, 1]), mt.tensor([3, 4, 4]), "mean")
    assert out.tolist() == [2, 2, 2, 3] and out.dtype == mt.int64
    out = x.scatter_reduce(0, mt.tensor([0, 1]), mt.tensor([9, -9]), "amin", include_self=False)
    assert out.tolist() == [9, -9, 2, 3]
    y = mt.ones(3)
    assert y.scatter_reduce_(0, mt.tensor([2, 2]), mt.tensor([2.0, 3.0]), "prod") is y
    assert y.tolist() == [1.0, 1.0, 6.0]
    z = mt.zeros(2)
    z.scatter_(0, mt.tensor([1]), mt.tensor([4.0]))
    assert z.tolist() == [0.0, 4.0]


def test_scatter_reduce_errors():
    x = mt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"reduce argument must be either sum, prod, mean, amax"):
        mt.scatter_reduce(x, 0, mt.tensor([[0]]), mt.ones(1, 1), "max")
    with pytest.raises(TypeError, match=r"argument 'src' \(position 4\) must be Tensor"):
        mt.scatter_reduce(x, 0, mt.tensor([[0]]), 1.0, "sum")
    with pytest.raises(RuntimeError, match=r"Expected self.dtype to be equal to src.dtype"):
        mt.scatter_reduce(x, 0, mt.tensor([[0]]), mt.ones(1, 1, dtype=mt.float64), "sum")
    with pytest.raises(RuntimeError, match=r"index 2 is out of bounds for dimension 0"):
        mt.scatter_reduce(x, 0, mt.tensor([[2]]), mt.ones(1, 1), "sum")


# --- index_reduce -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_reduce_matches_torch(reduce, include_self, dim):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    index = np.array([2, 0, 2])
    shape = [3, 4]
    shape[dim] = 3
    source = rng.standard_normal(shape)

    def call(lib):
        idx = (mt.tensor if lib is mt else torch.tensor)(index)
        return lambda t, s: lib.index_reduce(t, dim, idx, s, reduce, include_self=include_self)

    compare_with_torch(call(mt), call(torch), [x, source], rng=rng)
    check_gradients(call(mt), [x, source])


def test_index_reduce_errors_and_in_place():
    x = mt.ones(2, 2)
    with pytest.raises(
        RuntimeError, match=r"Expected reduce to be one of prod, mean, amax or amin"
    ):
        mt.index_reduce(x, 0, mt.tensor([0]), mt.ones(1, 2), "sum")
    with pytest.raises(RuntimeError, match=r"Number of indices \(2\) should be equal"):
        mt.index_reduce(x, 0, mt.tensor([0, 1]), mt.ones(1, 2), "prod")
    with pytest.raises(IndexError, match=r"index 5 is out of bounds for dimension 0 with size 2"):
        mt.index_reduce(x, 0, mt.tensor([5]), mt.ones(1, 2), "prod")
    assert x.index_reduce_(1, mt.tensor([1]), mt.full((2, 1), 3.0), "amax") is x
    assert x.tolist() == [[1.0, 3.0], [1.0, 3.0]]


# --- slice_scatter, select_scatter, diagonal_scatter --------------------------------------------

EMBED = [
    ("slice_dim1", (3, 5), (3, 2), lambda lib, x, s: lib.slice_scatter(x, s, 1, 1, 5, 2)),
    ("slice_default", (3, 2), (3, 2), lambda lib, x, s: lib.slice_scatter(x, s)),
    ("slice_neg", (4, 2), (2, 2), lambda lib, x, s: lib.slice_scatter(x, s, 0, -2)),
    ("select", (3, 4), (3,), lambda lib, x, s: lib.select_scatter(x, s, 1, -1)),
    ("select_3d", (2, 3, 4), (2, 4), lambda lib, x, s: lib.select_scatter(x, s, 1, 0)),
    ("diagonal", (3, 4), (3,), lambda lib, x, s: lib.diagonal_scatter(x, s)),
    ("diagonal_offset", (3, 4), (2,), lambda lib, x, s: lib.diagonal_scatter(x, s, 2)),
    ("diagonal_neg", (3, 4), (2,), lambda lib, x, s: lib.diagonal_scatter(x, s, -1)),
    ("diagonal_3d", (2, 3, 4), (4, 2), lambda lib, x, s: lib.diagonal_scatter(x, s, 0, 0, 1)),
    ("diagonal_dims", (2, 3, 4), (3, 2), lambda lib, x, s: lib.diagonal_scatter(x, s, 0, -1, 0)),
]


@pytest.mark.parametrize("name,shape,src_shape,fn", EMBED, ids=[e[0] for e in EMBED])
def test_embedding_scatters_match_torch(name, shape, src_shape, fn):
    rng = np.random.default_rng(4)
    x, src = rng.standard_normal(shape), rng.standard_normal(src_shape)
    compare_with_torch(lambda a, b: fn(mt, a, b), lambda a, b: fn(torch, a, b), [x, src], rng=rng)
    check_gradients(lambda a, b: fn(mt, a, b), [x, src])


def test_embedding_scatter_methods_and_errors():
    x = mt.zeros(2, 3)
    assert x.slice_scatter(mt.ones(2, 1), 1, 2).tolist() == [[0, 0, 1], [0, 0, 1]]
    assert x.select_scatter(mt.ones(3), 0, 0).tolist() == [[1, 1, 1], [0, 0, 0]]
    assert x.diagonal_scatter(mt.ones(2)).tolist() == [[1, 0, 0], [0, 1, 0]]
    with pytest.raises(RuntimeError, match=r"src size = \[2, 2\], slice size = \[2, 1\]"):
        mt.slice_scatter(x, mt.ones(2, 2), 1, 0, 1)
    with pytest.raises(RuntimeError, match=r"src size = \[3\], slice size = \[2\]"):
        mt.diagonal_scatter(x, mt.ones(3))
    with pytest.raises(IndexError, match=r"index 3 out of range for tensor of size \[2, 3\]"):
        mt.select_scatter(x, mt.ones(2), 1, 3)
    with pytest.raises(RuntimeError, match=r"diagonal dimensions cannot be identical"):
        mt.diagonal_scatter(x, mt.ones(2), 0, 1, 1)


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_matches_torch(reduce):
    x = np.random.default_rng(5).standard_normal((2, 3))
    index = np.array([[0, 1, 0], [0, 0, 1]])
    src = np.arange(1.0, 7.0).reshape(2, 3)
    for lib_src in ("tensor", "value"):

        def call(lib, lib_src=lib_src):
            idx = (mt.tensor if lib is mt else torch.tensor)(index)
            if lib_src == "value":
                return lambda t, s: lib.scatter(t, 0, idx, value=2.5, reduce=reduce)
            return lambda t, s: lib.scatter(t, 0, idx, s, reduce=reduce)

        compare_with_torch(call(mt), call(torch), [x, src], grad=False)
    y = mt.ones(3)
    y.scatter_(0, mt.tensor([2, 2]), mt.tensor([2.0, 3.0]), reduce="multiply")
    assert y.tolist() == [1.0, 1.0, 6.0]
    with pytest.raises(RuntimeError, match=r"reduce argument must be either add or multiply"):
        mt.scatter(mt.ones(3), 0, mt.tensor([0]), mt.ones(1), reduce="mean")


# --- random shapes, dims and indices ------------------------------------------------------------


@st.composite
def scatter_case(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = tuple(draw(st.integers(0, n)) for n in shape)
    return shape, dim, index_shape


@given(
    case=scatter_case(),
    reduce=st.sampled_from(REDUCTIONS),
    include_self=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_scatter_reduce_of_random_shapes_matches_torch(case, reduce, include_self, seed):
    shape, dim, index_shape = case
    rng = np.random.default_rng(seed)
    x, src = rng.standard_normal(shape), rng.standard_normal(index_shape)
    index = rng.integers(0, shape[dim], index_shape)

    def call(lib):
        idx = (mt.tensor if lib is mt else torch.tensor)(index)
        return lambda t, s: lib.scatter_reduce(t, dim, idx, s, reduce, include_self=include_self)

    compare_with_torch(call(mt), call(torch), [x, src], rng=rng)


def test_in_place_scatter_ops_record_gradients():
    rng = np.random.default_rng(7)
    x, src = rng.standard_normal((3, 2)), rng.standard_normal((2, 2))
    outs = []
    for lib in (mt, torch):
        a = lib.tensor(x, requires_grad=True)
        s = lib.tensor(src, requires_grad=True)
        y = a * 2
        y.index_fill_(1, lib.tensor([1]), 0.5)
        y.index_copy_(0, lib.tensor([1]), s[:1] * 3)
        y.scatter_reduce_(0, lib.tensor([[2, 0], [2, 2]]), s, "prod")
        (y * y).sum().backward()
        outs.append([y.detach().numpy(), a.grad.numpy(), s.grad.numpy()])
    for m, t in zip(*outs, strict=True):
        np.testing.assert_allclose(m, t, rtol=1e-12)
