"""dstack, column_stack, row_stack, block_diag, split_with_sizes, tensor_split, narrow_copy."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

STACKS = [
    ("dstack", [(3,), (3,)]),
    ("dstack", [(2, 3), (2, 3, 2)]),
    ("dstack", [()]),
    ("column_stack", [(3,), (3, 2), ()]),
    ("column_stack", [(), ()]),
    ("column_stack", [(2, 2, 2)]),
    ("row_stack", [(3,), (2, 3)]),
]


@pytest.mark.parametrize("name,shapes", STACKS, ids=[f"{n}{s}" for n, s in STACKS])
def test_stacks_match_torch(name, shapes):
    rng = np.random.default_rng(0)
    if name == "column_stack" and () in shapes and len(shapes) == 3:
        shapes = [(3,), (3, 2), (3,)]
    arrays = [rng.standard_normal(s) for s in shapes]
    mt_fn = getattr(mt, name)
    torch_fn = torch.vstack if name == "row_stack" else getattr(torch, name)
    compare_with_torch(lambda *ts: mt_fn(ts), lambda *ts: torch_fn(ts), arrays)
    check_gradients(lambda *ts: mt_fn(list(ts)), arrays)


def test_stack_errors():
    with pytest.raises(RuntimeError, match=r"dstack expects a non-empty TensorList"):
        mt.dstack([])


@pytest.mark.parametrize(
    "shapes", [[(2, 3), (), (4,)], [(0, 2), (2, 0)], [(1, 1)], [(2,), (3, 1)]], ids=str
)
def test_block_diag_matches_torch(shapes):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(mt.block_diag, torch.block_diag, arrays)
    check_gradients(mt.block_diag, arrays)


def test_block_diag_promotes_and_errors():
    out = mt.block_diag(mt.tensor([[1, 2]]), mt.tensor([0.5]))
    assert out.dtype == mt.float32 and out.tolist() == [[1, 2, 0], [0, 0, 0.5]]
    assert mt.block_diag().shape == (1, 0)
    with pytest.raises(RuntimeError, match=r"must have 2 or fewer dimensions. Input 0 has 3"):
        mt.block_diag(mt.ones(1, 1, 1))


SPLITS = [
    ("sections", 3, 0),
    ("sections_more_than_size", 9, 1),
    ("sections_tensor", np.array(2), -1),
    ("indices", [1, 5], 1),
    ("indices_negative_unsorted", [-2, 1], 1),
    ("indices_tensor", np.array([0, 2]), 0),
    ("indices_empty", [], 0),
]


@pytest.mark.parametrize("name,spec,dim", SPLITS, ids=[s[0] for s in SPLITS])
def test_tensor_split_matches_torch(name, spec, dim):
    x = np.random.default_rng(2).standard_normal((4, 7))

    def call(lib):
        s = (
            (mt.tensor if lib is mt else torch.tensor)(spec)
            if isinstance(spec, np.ndarray)
            else spec
        )
        return lambda t: lib.tensor_split(t, s, dim)

    compare_with_torch(call(mt), call(torch), [x])
    check_gradients(lambda t: mt.stack([p.sum() for p in call(mt)(t)]), [x])


def test_tensor_split_views_and_errors():
    x = mt.zeros(4)
    x.tensor_split(2)[1].add_(1.0)
    assert x.tolist() == [0, 0, 1, 1]
    with pytest.raises(RuntimeError, match=r"number of sections must be larger than 0, got 0"):
        mt.tensor_split(x, 0)
    with pytest.raises(RuntimeError, match=r"expected at least a 1-dimensional tensor"):
        mt.tensor_split(mt.tensor(1.0), 2)
    with pytest.raises(RuntimeError, match=r"zero-dimensional or one-dimensional tensor"):
        mt.tensor_split(x, mt.tensor([[1]]))
    with pytest.raises(RuntimeError, match=r"to have dtype of long"):
        mt.tensor_split(x, mt.tensor([1.0]))


def test_split_with_sizes_and_narrow_copy_match_torch():
    x = np.random.default_rng(3).standard_normal((5, 3))
    compare_with_torch(
        lambda t: mt.split_with_sizes(t, [2, 0, 3]), lambda t: t.split_with_sizes([2, 0, 3]), [x]
    )
    compare_with_torch(
        lambda t: t.split_with_sizes([1, 2], 1), lambda t: t.split_with_sizes([1, 2], 1), [x]
    )
    compare_with_torch(
        lambda t: mt.narrow_copy(t, 0, -3, 2), lambda t: torch.narrow_copy(t, 0, -3, 2), [x]
    )
    check_gradients(lambda t: t.narrow_copy(1, 1, 2), [x])
    with pytest.raises(RuntimeError, match=r"split_sizes to sum exactly to 5"):
        mt.split_with_sizes(mt.tensor(x), [1, 2])
    with pytest.raises(TypeError, match=r"must be a sequence of ints"):
        mt.split_with_sizes(mt.tensor(x), 2)
    y = mt.zeros(3)
    y.narrow_copy(0, 0, 2).add_(1.0)
    assert y.tolist() == [0, 0, 0]


# --- hsplit, vsplit, dsplit, unsafe_split, unsafe_chunk -----------------------------------------

DIRECTIONAL = [
    ("hsplit", (3, 4), 2),
    ("hsplit", (6,), 3),
    ("hsplit", (3, 4), [1, 3]),
    ("vsplit", (4, 2), [1]),
    ("vsplit", (4, 2, 2), 2),
    ("dsplit", (1, 2, 4), 2),
    ("dsplit", (1, 2, 4), [3, 9]),
]


@pytest.mark.parametrize(
    "name,shape,spec", DIRECTIONAL, ids=[f"{d[0]}{d[1]}{d[2]}" for d in DIRECTIONAL]
)
def test_directional_splits_match_torch(name, shape, spec):
    x = np.random.default_rng(4).standard_normal(shape)
    compare_with_torch(
        lambda t: getattr(mt, name)(t, spec), lambda t: getattr(torch, name)(t, spec), [x]
    )
    compare_with_torch(lambda t: getattr(t, name)(spec), lambda t: getattr(t, name)(spec), [x])


def test_directional_split_errors_and_unsafe_variants():
    with pytest.raises(RuntimeError, match=r"hsplit\(\): attempted to split along dimension 1"):
        mt.hsplit(mt.ones(3, 4), 3)
    with pytest.raises(RuntimeError, match=r"vsplit\(\): requires a tensor with at least 2 dim"):
        mt.vsplit(mt.ones(3), 1)
    with pytest.raises(RuntimeError, match=r"dsplit\(\): requires a tensor with at least 3 dim"):
        mt.dsplit(mt.ones(3, 4), 1)
    x = np.arange(5.0)
    compare_with_torch(lambda t: mt.unsafe_split(t, 2), lambda t: torch.unsafe_split(t, 2), [x])
    compare_with_torch(lambda t: t.unsafe_chunk(2), lambda t: t.unsafe_chunk(2), [x])


@given(
    shape=array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
    data=st.data(),
)
def test_tensor_split_of_random_shapes_matches_torch(shape, data):
    x = np.random.default_rng(0).standard_normal(shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    spec = data.draw(st.one_of(st.integers(1, 6), st.lists(st.integers(-6, 6), max_size=3)))
    compare_with_torch(
        lambda t: mt.tensor_split(t, spec, dim), lambda t: torch.tensor_split(t, spec, dim), [x]
    )
