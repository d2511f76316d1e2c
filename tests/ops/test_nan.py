"""nan_to_num, nansum, nanmean; clamp_min and clamp_max on special values."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

# --- nan_to_num, clamp_min, clamp_max -----------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0, 0.0])
UNARY = [
    ("nan_to_num", lambda lib, x: lib.nan_to_num(x)),
    ("nan_to_num_values", lambda lib, x: lib.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0)),
    ("clamp_min", lambda lib, x: lib.clamp_min(x, 0.5)),
    ("clamp_max", lambda lib, x: lib.clamp_max(x, 0.5)),
]


@pytest.mark.parametrize("case", [u[1] for u in UNARY], ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unary_with_special_values_match_torch(case, dtype):
    compare_with_torch(lambda t: case(mt, t), lambda t: case(torch, t), [SPECIAL.astype(dtype)])


@pytest.mark.parametrize("case", [u[1] for u in UNARY], ids=[u[0] for u in UNARY])
@given(shape=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), seed=st.integers(0, 99))
def test_unary_gradcheck(case, shape, seed):
    check_gradients(lambda t: case(mt, t), [np.random.default_rng(seed).standard_normal(shape)])


def test_nan_to_num_of_integers_is_a_copy():
    x = mt.tensor([1, 2])
    out = mt.nan_to_num(x)
    assert out.tolist() == [1, 2] and out.dtype == mt.int64 and out is not x


# --- nansum, nanmean ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, True), ((0, -1), False), (1, False)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_reductions_match_torch(name, dim, keepdim, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(dtype)
    x[0, 1] = x[2, :] = np.nan
    compare_with_torch(
        lambda t: getattr(mt, name)(t, dim, keepdim),
        lambda t: getattr(torch, name)(t, dim, keepdim),
        [x],
        rng=rng,
    )
    if dtype == np.float64:
        x[2, :] = 1.0
        check_gradients(lambda t: getattr(t, name)(dim, keepdim), [x])


def test_nan_reductions_of_integers_and_errors():
    x = mt.tensor([[1, 2], [3, 4]])
    assert mt.nansum(x).item() == 10 and mt.nansum(x).dtype == mt.int64
    assert mt.nansum(x, 0, dtype=mt.float64).tolist() == [4.0, 6.0]
    with pytest.raises(RuntimeError, match=r"nanmean\(\): expected input to have floating point"):
        mt.nanmean(x)
