"""repeat_interleave."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@st.composite
def shape_and_dim(draw, min_dims=0, min_side=0, max_side=3):
    shape = draw(array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side, max_side=max_side))
    n = max(len(shape), 1)
    return shape, draw(st.integers(-n, n - 1))


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
        r = repeats if kind == "int" else (mt.tensor if lib is mt else torch.tensor)(repeats)
        return lambda t: lib.repeat_interleave(t, r, dim)

    compare_with_torch(call(mt), call(torch), [x], rng=rng)


@given(data=st.data(), seed=st.integers(0, 2**16))
def test_repeat_interleave_gradcheck(data, seed):
    shape, dim = data.draw(shape_and_dim(min_dims=1, min_side=1, max_side=3))
    rng = np.random.default_rng(seed)
    repeats = mt.tensor(rng.integers(0, 3, shape[dim]))
    check_gradients(lambda t: mt.repeat_interleave(t, repeats, dim), [rng.standard_normal(shape)])


def test_repeat_interleave_of_repeats_alone_and_zero_dim():
    compare_with_torch(mt.repeat_interleave, torch.repeat_interleave, [np.array([2, 0, 1])])
    assert mt.repeat_interleave(mt.tensor(3.0), 2).tolist() == [3.0, 3.0]
    assert mt.repeat_interleave(mt.tensor([[1, 2]]), 2, output_size=4).tolist() == [1, 1, 2, 2]


def test_repeat_interleave_errors():
    x = mt.tensor([[1.0, 2.0]])
    with pytest.raises(RuntimeError, match=r"Repeats must be non-negative"):
        mt.repeat_interleave(x, -1)
    with pytest.raises(RuntimeError, match=r"repeats.size\(0\) = 3 and input.size\(1\) = 2"):
        mt.repeat_interleave(x, mt.tensor([1, 2, 3]), dim=1)
    with pytest.raises(RuntimeError, match=r"repeats must be 0-dim or 1-dim tensor"):
        mt.repeat_interleave(x, mt.tensor([[1, 2]]), dim=1)
    with pytest.raises(NotImplementedError, match=r"repeats must be an integer tensor"):
        mt.repeat_interleave(x, mt.tensor([1.5]), dim=1)
    with pytest.raises(RuntimeError, match=r"output_size=3 does not match the repeated size 4"):
        mt.repeat_interleave(x, 2, output_size=3)
