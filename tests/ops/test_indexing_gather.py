"""gather, scatter_add, scatter, index_select, take_along_dim, masked_fill and masked_select,
compared with PyTorch."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


def index_for(rng, shape, dim, *, unique=False):
    """An index no larger than ``shape`` apart from ``dim``, as gather and scatter require.

    With ``unique``, no position along ``dim`` repeats (scatter's result is then defined).
    """
    sizes = [int(rng.integers(1, n + 1)) for n in shape]
    n = shape[dim]
    if unique:
        sizes[dim] = n
        order = np.argsort(rng.random(sizes), axis=dim)
        return np.take(order, np.arange(rng.integers(0, n + 1)), axis=dim)
    sizes[dim] = int(rng.integers(0, n + 2))
    return rng.integers(0, n, sizes)


def broadcast_shape_for(rng, shape):
    """A shape that broadcasts to ``shape``: some dims 1, some leading dims dropped."""
    out = tuple(1 if rng.random() < 0.4 else n for n in shape)
    return out[int(rng.integers(0, len(out) + 1)) :]


# Each case builds (microtensor function, torch function, input arrays) for a shape and dim.


def gather_case(rng, shape, dim):
    idx = index_for(rng, shape, dim)
    return (
        lambda x: mt.gather(x, dim, mt.tensor(idx)),
        lambda x: torch.gather(x, dim, torch.tensor(idx)),
        [rng.standard_normal(shape)],
    )


def scatter_add_case(rng, shape, dim):
    idx = index_for(rng, shape, dim)
    src = rng.standard_normal(idx.shape)  # a larger src: see test_scatter_src_larger_than_index
    return (
        lambda x, s: mt.scatter_add(x, dim, mt.tensor(idx), s),
        lambda x, s: torch.scatter_add(x, dim, torch.tensor(idx), s),
        [rng.standard_normal(shape), src],
    )


def scatter_case(rng, shape, dim):
    idx = index_for(rng, shape, dim, unique=True)
    src = rng.standard_normal(idx.shape)
    return (
        lambda x, s: mt.scatter(x, dim, mt.tensor(idx), s),
        lambda x, s: torch.scatter(x, dim, torch.tensor(idx), s),
        [rng.standard_normal(shape), src],
    )


def index_select_case(rng, shape, dim):
    idx = rng.integers(0, shape[dim], int(rng.integers(0, 5)))
    return (
        lambda x: mt.index_select(x, dim, mt.tensor(idx)),
        lambda x: torch.index_select(x, dim, torch.tensor(idx)),
        [rng.standard_normal(shape)],
    )


def take_along_dim_case(rng, shape, dim):
    sizes = [n if rng.random() < 0.6 else 1 for n in shape]
    sizes[dim] = int(rng.integers(0, shape[dim] + 2))
    idx = rng.integers(0, shape[dim], sizes)
    return (
        lambda x: mt.take_along_dim(x, mt.tensor(idx), dim),
        lambda x: torch.take_along_dim(x, torch.tensor(idx), dim),
        [rng.standard_normal(shape)],
    )


def take_flat_case(rng, shape, dim):
    idx = rng.integers(0, int(np.prod(shape)), (2, 3))
    return (
        lambda x: mt.take_along_dim(x, mt.tensor(idx)),
        lambda x: torch.take_along_dim(x, torch.tensor(idx)),
        [rng.standard_normal(shape)],
    )


def masked_fill_case(rng, shape, dim):
    mask = rng.random(broadcast_shape_for(rng, shape)) < 0.5
    return (
        lambda x, v: mt.masked_fill(x, mt.tensor(mask), v),
        lambda x, v: torch.masked_fill(x, torch.tensor(mask), v),
        [rng.standard_normal(shape), np.array(rng.standard_normal())],
    )


def masked_fill_number_case(rng, shape, dim):
    mask = rng.random(shape) < 0.5
    return (
        lambda x: mt.masked_fill(x, mt.tensor(mask), -1.5),
        lambda x: torch.masked_fill(x, torch.tensor(mask), -1.5),
        [rng.standard_normal(shape)],
    )


def masked_select_case(rng, shape, dim):
    mask = rng.random(shape) < 0.5
    return (
        lambda x: mt.masked_select(x, mt.tensor(mask)),
        lambda x: torch.masked_select(x, torch.tensor(mask)),
        [rng.standard_normal(broadcast_shape_for(rng, shape))],
    )


CASES = [
    ("gather", gather_case),
    ("scatter_add", scatter_add_case),
    ("scatter", scatter_case),
    ("index_select", index_select_case),
    ("take_along_dim", take_along_dim_case),
    ("take_along_dim flat", take_flat_case),
    ("masked_fill 0-d tensor value", masked_fill_case),
    ("masked_fill number", masked_fill_number_case),
    ("masked_select", masked_select_case),
]
IDS = [c[0] for c in CASES]


def as_dtype(arrays, dtype):
    return [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,case", CASES, ids=IDS)
@given(
    shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    dim_choice=st.integers(0, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_torch(name, case, dtype, shape, dim_choice, seed):
    dim = dim_choice % len(shape) - (len(shape) if dim_choice >= 3 else 0)  # negative dims too
    rng = np.random.default_rng(seed)
    mt_fn, torch_fn, arrays = case(rng, shape, dim)
    compare_with_torch(mt_fn, torch_fn, as_dtype(arrays, dtype), rng=rng)


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name,case", CASES, ids=IDS)
def test_gradcheck(name, case, dim):
    mt_fn, _, arrays = case(np.random.default_rng(7), (3, 4), dim)
    check_gradients(mt_fn, arrays)


def test_gather_values_and_repeated_index_gradient():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = mt.gather(x, 1, mt.tensor([[0, 0, 1], [1, 0, 0]]))
    assert out.tolist() == [[1.0, 1.0, 2.0], [4.0, 3.0, 3.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[2.0, 1.0], [2.0, 1.0]]


def test_gather_index_smaller_than_input():
    x = np.arange(12.0).reshape(3, 4)
    idx = np.array([[2, 0]])
    compare_with_torch(
        lambda t: t.gather(0, mt.tensor(idx)), lambda t: t.gather(0, torch.tensor(idx)), [x]
    )


@pytest.mark.parametrize(
    "shape,index", [((), np.array(0)), ((), np.array([0, 0])), ((3,), np.array(2))]
)
def test_gather_0d_and_1d_mix(shape, index):
    x = np.arange(1.0, np.prod(shape) + 1.0).reshape(shape)
    compare_with_torch(
        lambda t: mt.gather(t, 0, mt.tensor(index)),
        lambda t: torch.gather(t, 0, torch.tensor(index)),
        [x],
    )


@pytest.mark.parametrize("fn", [mt.scatter_add, mt.scatter])
def test_scatter_src_larger_than_index(fn):
    # Only src[:1, :2] is used. (PyTorch's own backward fails here: it returns a gradient of
    # the index's shape for src.)
    src = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = fn(mt.zeros(2, 3), 1, mt.tensor([[2, 0]]), src)
    assert out.tolist() == [[2.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    (out * mt.tensor([[10.0, 20.0, 30.0], [0.0, 0.0, 0.0]])).sum().backward()
    assert src.grad.tolist() == [[30.0, 10.0, 0.0], [0.0, 0.0, 0.0]]
    rng = np.random.default_rng(8)
    check_gradients(
        lambda x, s: fn(x, 1, mt.tensor([[2, 0]]), s),
        [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))],
    )


def test_scatter_add_method_and_in_place():
    x = mt.zeros(3)
    x.scatter_add_(0, mt.tensor([0, 2, 0]), mt.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [4.0, 0.0, 2.0]
    y = mt.zeros(2, 2).scatter_add(1, mt.tensor([[1, 1]]), mt.tensor([[5.0, 6.0]]))
    assert y.tolist() == [[0.0, 11.0], [0.0, 0.0]]


def test_scatter_value():
    out = mt.scatter(mt.zeros(2, 3), 1, mt.tensor([[2], [0]]), value=7.0)
    assert out.tolist() == [[0.0, 0.0, 7.0], [7.0, 0.0, 0.0]]
    same = mt.scatter(mt.zeros(2, 3), 1, mt.tensor([[2], [0]]), 7.0)
    assert same.tolist() == out.tolist()


def test_index_select_0d():
    x = np.array(2.5)
    compare_with_torch(
        lambda t: mt.index_select(t, 0, mt.tensor([0])),
        lambda t: torch.index_select(t, 0, torch.tensor([0])),
        [x],
    )
    assert mt.index_select(mt.ones(2, 3), 1, mt.tensor(1)).shape == (2, 1)


def test_masked_fill_method_in_place_and_dtype():
    x = mt.tensor([1.0, -2.0, 3.0])
    x.masked_fill_(x < 0, 0.0)
    assert x.tolist() == [1.0, 0.0, 3.0]
    ints = mt.masked_fill(mt.zeros(2, dtype=mt.int64), mt.tensor([True, False]), 1.7)
    assert ints.dtype == mt.int64 and ints.tolist() == [1, 0]
    f32 = mt.zeros(2).masked_fill(mt.tensor([True, False]), mt.tensor(0.5, dtype=mt.float64))
    assert f32.dtype == mt.float32 and f32.tolist() == [0.5, 0.0]


def test_masked_fill_broadcasts_input_like_torch():
    x = np.arange(3.0)
    mask = np.array([[True, False, True], [False, False, True]])
    compare_with_torch(
        lambda t: mt.masked_fill(t, mt.tensor(mask), 9.0),
        lambda t: torch.masked_fill(t, torch.tensor(mask), 9.0),
        [x],
    )


def test_masked_select_0d():
    compare_with_torch(
        lambda t: mt.masked_select(t, mt.tensor(True)),
        lambda t: torch.masked_select(t, torch.tensor(True)),
        [np.array(3.0)],
    )


X = mt.zeros(3, 4)
I1 = mt.tensor([[0, 1]])


@pytest.mark.parametrize(
    "call,error,match",
    [
        (
            lambda: mt.gather(X, 0, mt.tensor([[0.0, 1.0]])),
            RuntimeError,
            "gather\\(\\): Expected dtype int32/int64 for index",
        ),
        (
            lambda: mt.gather(X, 0, mt.tensor([0, 1])),
            RuntimeError,
            "Index tensor must have the same number of dimensions as input tensor",
        ),
        (
            lambda: mt.gather(X, 1, mt.tensor([[0, 1]] * 4)),
            RuntimeError,
            r"expected index \[4, 2\] to be no larger than self \[3, 4\] apart from dimension 1",
        ),
        (
            lambda: mt.gather(X, 0, mt.tensor([[0, 5]])),
            RuntimeError,
            "index 5 is out of bounds for dimension 0 with size 3",
        ),
        (
            lambda: mt.gather(X, 0, mt.tensor([[-1, 0]])),
            RuntimeError,
            "index -1 is out of bounds for dimension 0 with size 3",
        ),
        (lambda: mt.gather(X, 2, I1), IndexError, "Dimension out of range"),
        (
            lambda: mt.scatter_add(X, 0, I1, mt.ones(1, 2, dtype=mt.float64)),
            RuntimeError,
            "Expected self.dtype to be equal to src.dtype",
        ),
        (
            lambda: mt.scatter_add(X, 0, I1, mt.ones(1, 1)),
            RuntimeError,
            r"to be no larger size than src \[1, 1\]",
        ),
        (
            lambda: mt.scatter_add(X, 0, I1, mt.ones(2)),
            RuntimeError,
            "Index tensor must have the same number of dimensions as src tensor",
        ),
        (
            lambda: mt.scatter_add(X, 0, mt.tensor([[0, 3]]), mt.ones(1, 2)),
            RuntimeError,
            "index 3 is out of bounds for dimension 0 with size 3",
        ),
        (lambda: mt.scatter_add(X, 0, I1, 1.0), TypeError, "argument 'src' must be Tensor"),
        (lambda: mt.scatter(X, 0, I1), TypeError, "exactly one of src"),
        (lambda: mt.scatter(X, 0, I1, mt.ones(1, 2), value=1.0), TypeError, "exactly one"),
        (
            lambda: mt.index_select(X, 0, mt.tensor([[0]])),
            IndexError,
            "Index is supposed to be a vector",
        ),
        (
            lambda: mt.index_select(X, 0, mt.tensor([3])),
            IndexError,
            "index 3 is out of bounds for dimension 0 with size 3",
        ),
        (
            lambda: mt.index_select(X, 0, mt.tensor([1.0])),
            RuntimeError,
            "Expected dtype int32/int64 for index",
        ),
        (
            lambda: mt.index_select(mt.tensor(1.0), 0, mt.tensor([0, 0])),
            RuntimeError,
            "Index to scalar can have only 1 value, got 2",
        ),
        (
            lambda: mt.take_along_dim(X, mt.tensor([0, 1]), 0),
            RuntimeError,
            "input and indices should have the same number of dimensions",
        ),
        (
            lambda: mt.take_along_dim(X, mt.tensor([[0], [1]]), 1),
            RuntimeError,
            "take_along_dim\\(\\): The size of tensor a \\(3\\) must match the size of tensor b "
            "\\(2\\)",
        ),
        (
            lambda: mt.take_along_dim(X, mt.tensor([[0, 4]]), 1),
            RuntimeError,
            "index 4 is out of bounds for dimension 1 with size 4",
        ),
        (
            lambda: mt.take_along_dim(X, mt.tensor([12])),
            RuntimeError,
            "index 12 is out of bounds for dimension 0 with size 12",
        ),
        (
            lambda: mt.masked_fill(X, mt.ones(4), 1.0),
            RuntimeError,
            "masked_fill\\(\\): expected a boolean mask, but got mask with dtype float32",
        ),
        (
            lambda: mt.masked_fill(X, mt.ones(4, dtype=mt.bool), mt.ones(4)),
            RuntimeError,
            "only supports a 0-dimensional value tensor, but got tensor with 1 dimension",
        ),
        (
            lambda: mt.masked_fill(X, mt.ones(3, dtype=mt.bool), 1.0),
            RuntimeError,
            r"masked_fill\(\): The size of tensor a \(4\) must match the size of tensor b \(3\)",
        ),
        (
            lambda: X.clone().masked_fill_(mt.ones(2, 3, 4, dtype=mt.bool), 1.0),
            RuntimeError,
            "doesn't match the broadcast shape",
        ),
        (
            lambda: mt.masked_select(X, mt.tensor([1, 0, 1, 1])),
            RuntimeError,
            "masked_select\\(\\): expected a boolean mask, but got mask with dtype int64",
        ),
        (
            lambda: mt.masked_select(X, mt.ones(3, dtype=mt.bool)),
            RuntimeError,
            "masked_select\\(\\): The size of tensor a \\(4\\) must match",
        ),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
