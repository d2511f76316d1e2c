"""one_hot, repeat_interleave, index_add, bincount, fill_diagonal_op."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from microtensor.ops import misc
from tests.helpers import check_gradients, compare_with_torch


@st.composite
def shape_and_dim(draw, min_dims=0, min_side=0, max_side=3):
    shape = draw(array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side, max_side=max_side))
    n = max(len(shape), 1)
    return shape, draw(st.integers(-n, n - 1))


# --- one_hot ------------------------------------------------------------------------------------


@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 99))
def test_one_hot_matches_torch(shape, seed):
    x = np.random.default_rng(seed).integers(0, 5, shape)
    compare_with_torch(
        lambda t: misc.one_hot(t, 6), lambda t: torch.nn.functional.one_hot(t, 6), [x]
    )
    if x.size:
        compare_with_torch(misc.one_hot, torch.nn.functional.one_hot, [x])


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match=r"only applicable to index tensor of type LongTensor"):
        misc.one_hot(mt.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"Class values must be non-negative"):
        misc.one_hot(mt.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match=r"Class values must be smaller than num_classes \(2\)"):
        misc.one_hot(mt.tensor([1, 2]), 2)
    with pytest.raises(RuntimeError, match=r"Can not infer total number of classes from empty"):
        misc.one_hot(mt.zeros(0, dtype=mt.int64))


# --- repeat_interleave --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["int", "tensor", "one", "flat"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_repeat_interleave_matches_torch(kind, dtype, data, seed):
    shape, dim = data.draw(shape_and_dim(min_dims=1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    size = shape[dim]
    repeats = {
        "int": 2,
        "tensor": rng.integers(0, 3, size),
        "one": np.array([3]),
        "flat": rng.integers(0, 3, x.size),
    }[kind]
    dim = None if kind == "flat" else dim

    def call(lib):
        r = repeats if kind == "int" else (mt.tensor if lib is misc else torch.tensor)(repeats)
        return lambda t: lib.repeat_interleave(t, r, dim)

    compare_with_torch(call(misc), call(torch), [x], rng=rng)


@given(data=st.data(), seed=st.integers(0, 2**16))
def test_repeat_interleave_gradcheck(data, seed):
    shape, dim = data.draw(shape_and_dim(min_dims=1, min_side=1, max_side=3))
    rng = np.random.default_rng(seed)
    repeats = mt.tensor(rng.integers(0, 3, shape[dim]))
    check_gradients(lambda t: misc.repeat_interleave(t, repeats, dim), [rng.standard_normal(shape)])


def test_repeat_interleave_of_repeats_alone_and_zero_dim():
    compare_with_torch(misc.repeat_interleave, torch.repeat_interleave, [np.array([2, 0, 1])])
    assert misc.repeat_interleave(mt.tensor(3.0), 2).tolist() == [3.0, 3.0]
    assert misc.repeat_interleave(mt.tensor([[1, 2]]), 2, output_size=4).tolist() == [1, 1, 2, 2]


def test_repeat_interleave_errors():
    x = mt.tensor([[1.0, 2.0]])
    with pytest.raises(RuntimeError, match=r"Repeats must be non-negative"):
        misc.repeat_interleave(x, -1)
    with pytest.raises(RuntimeError, match=r"repeats.size\(0\) = 3 and input.size\(1\) = 2"):
        misc.repeat_interleave(x, mt.tensor([1, 2, 3]), dim=1)
    with pytest.raises(RuntimeError, match=r"repeats must be 0-dim or 1-dim tensor"):
        misc.repeat_interleave(x, mt.tensor([[1, 2]]), dim=1)
    with pytest.raises(NotImplementedError, match=r"repeats must be an integer tensor"):
        misc.repeat_interleave(x, mt.tensor([1.5]), dim=1)
    with pytest.raises(RuntimeError, match=r"output_size=3 does not match the repeated size 4"):
        misc.repeat_interleave(x, 2, output_size=3)


# --- index_add ----------------------------------------------------------------------------------


def _index_add_args(data, rng, dtype, min_side=0, max_side=3):
    shape, dim = data.draw(shape_and_dim(min_dims=1, min_side=min_side, max_side=max_side))
    count = data.draw(st.integers(0, 4)) if shape[dim] else 0
    index = rng.integers(0, shape[dim], count) if count else np.zeros(0, np.int64)
    src_shape = shape[: dim % len(shape)] + (count,) + shape[dim % len(shape) + 1 :]
    x, src = (rng.standard_normal(s).astype(dtype) for s in (shape, src_shape))
    return x, dim, index, src


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16), alpha=st.sampled_from([1, -2.5]))
def test_index_add_matches_torch(dtype, data, seed, alpha):
    rng = np.random.default_rng(seed)
    x, dim, index, src = _index_add_args(data, rng, dtype)

    def call(lib):
        idx = (mt.tensor if lib is misc else torch.tensor)(index)
        return lambda t, s: lib.index_add(t, dim, idx, s, alpha=alpha)

    compare_with_torch(call(misc), call(torch), [x, src], rng=rng)


@given(data=st.data(), seed=st.integers(0, 2**16))
def test_index_add_gradcheck(data, seed):
    rng = np.random.default_rng(seed)
    x, dim, index, src = _index_add_args(data, rng, np.float64, min_side=1, max_side=2)
    idx = mt.tensor(index)
    check_gradients(lambda t, s: misc.index_add(t, dim, idx, s, alpha=2.0), [x, src])


def test_index_add_accumulates_repeated_indices_and_zero_dim():
    out = misc.index_add(mt.zeros(3), 0, mt.tensor([0, 2, 0]), mt.tensor([1.0, 2.0, 3.0]))
    assert out.tolist() == [4.0, 0.0, 2.0]
    compare_with_torch(
        lambda t, s: misc.index_add(t, 0, mt.tensor([0]), s),
        lambda t, s: torch.index_add(t, 0, torch.tensor([0]), s),
        [np.array(1.5), np.array(2.0)],
    )


def test_index_add_errors():
    x = mt.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"source tensor shape must match self tensor shape"):
        misc.index_add(x, 0, mt.tensor([0, 1]), mt.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"index 5 is out of bounds for dimension 0 with size 3"):
        misc.index_add(x, 0, mt.tensor([0, 5]), mt.ones(2, 2))
    with pytest.raises(IndexError, match=r"index -1 is out of range"):
        misc.index_add(x, 0, mt.tensor([0, -1]), mt.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"self \(.*float32\) and source \(.*float64\)"):
        misc.index_add(x, 0, mt.tensor([0, 1]), mt.ones(2, 2, dtype=mt.float64))
    with pytest.raises(RuntimeError, match=r"Expected dtype int32/int64 for index"):
        misc.index_add(x, 0, mt.tensor([0.0, 1.0]), mt.ones(2, 2))
    with pytest.raises(IndexError, match=r"Index is supposed to be a vector"):
        misc.index_add(x, 0, mt.tensor([[0, 1]]), mt.ones(2, 2))
    with pytest.raises(IndexError, match=r"index_add\(\): Dimension out of range"):
        misc.index_add(x, 2, mt.tensor([0]), mt.ones(3, 1))


# --- bincount -----------------------------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, np.float32, np.float64, np.int64])
@given(size=st.integers(0, 6), minlength=st.integers(0, 8), seed=st.integers(0, 99))
def test_bincount_matches_torch(weights, size, minlength, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, size)
    args = [x] if weights is None else [x, rng.standard_normal(size).astype(weights)]
    if weights is np.int64:
        args[1] = rng.integers(-3, 3, size)
    compare_with_torch(
        lambda *a: misc.bincount(*a, minlength=minlength),
        lambda *a: torch.bincount(*a, minlength=minlength),
        args,
        grad=False,
    )


def test_bincount_is_differentiable_in_the_weights():
    x = mt.tensor([0, 2, 2, 1])
    check_gradients(lambda w: misc.bincount(x, w, minlength=5), [np.array([0.5, -1.0, 2.0, 3.0])])


def test_bincount_errors():
    with pytest.raises(RuntimeError, match=r"only supports 1-d non-negative integral inputs"):
        misc.bincount(mt.tensor([[0, 1]]))
    with pytest.raises(RuntimeError, match=r"only supports 1-d non-negative integral inputs"):
        misc.bincount(mt.tensor([-1, 1]))
    with pytest.raises(NotImplementedError, match=r"bincount\(\): not implemented for"):
        misc.bincount(mt.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"minlength should be >= 0"):
        misc.bincount(mt.tensor([1, 1]), minlength=-1)
    with pytest.raises(RuntimeError, match=r"weights should be 1-d and have the same length"):
        misc.bincount(mt.tensor([1, 1]), mt.tensor([1.0]))


# --- fill_diagonal_op (the value written by t.fill_diagonal_) -----------------------------------

DIAGONAL_SHAPES = [(3, 3), (7, 3), (3, 7), (2, 2, 2), (0, 3), (4, 1)]


@pytest.mark.parametrize("wrap", [False, True])
@pytest.mark.parametrize("shape", DIAGONAL_SHAPES, ids=str)
def test_fill_diagonal_matches_torch(shape, wrap):
    x = np.random.default_rng(0).standard_normal(shape)
    compare_with_torch(
        lambda t: misc.fill_diagonal_op(t, 5.0, wrap),
        lambda t: t.clone().fill_diagonal_(5.0, wrap),
        [x],
    )


def test_fill_diagonal_casts_the_value_and_has_a_gradient():
    out = misc.fill_diagonal_op(mt.zeros(2, 2, dtype=mt.int64), 2.7)
    assert out.tolist() == [[2, 0], [0, 2]] and out.dtype == mt.int64
    check_gradients(lambda t: misc.fill_diagonal_op(t, 1.0, True), [np.ones((5, 2))])


def test_fill_diagonal_errors():
    with pytest.raises(RuntimeError, match=r"dimensions must larger than 1"):
        misc.fill_diagonal_op(mt.zeros(2), 1.0)
    with pytest.raises(RuntimeError, match=r"all dimensions of input must be of equal length"):
        misc.fill_diagonal_op(mt.zeros(2, 3, 4), 1.0)
