"""one_hot."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import compare_with_torch

# --- one_hot ------------------------------------------------------------------------------------


@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 99))
def test_one_hot_matches_torch(shape, seed):
    x = np.random.default_rng(seed).integers(0, 5, shape)
    compare_with_torch(
        lambda t: mt.ops.one_hot(t, 6), lambda t: torch.nn.functional.one_hot(t, 6), [x]
    )
    if x.size:
        compare_with_torch(mt.ops.one_hot, torch.nn.functional.one_hot, [x])


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match=r"only applicable to index tensor of type LongTensor"):
        mt.ops.one_hot(mt.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"Class values must be non-negative"):
        mt.ops.one_hot(mt.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match=r"Class values must be smaller than num_classes \(2\)"):
        mt.ops.one_hot(mt.tensor([1, 2]), 2)
    with pytest.raises(RuntimeError, match=r"Can not infer total number of classes from empty"):
        mt.ops.one_hot(mt.zeros(0, dtype=mt.int64))
