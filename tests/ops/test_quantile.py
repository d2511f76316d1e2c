"""quantile and nanquantile: every interpolation mode, q as a number or a 1-d tensor, NaN."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

MODES = ["linear", "lower", "higher", "midpoint", "nearest"]
DIMS = [(None, False), (None, True), (0, True), (-1, False)]


@pytest.mark.parametrize("interpolation", MODES)
@pytest.mark.parametrize("q", [0.3, "tensor"])
@pytest.mark.parametrize("dim,keepdim", DIMS, ids=str)
def test_quantile_matches_torch(interpolation, q, dim, keepdim):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5))
    q_values = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    for name in ("quantile", "nanquantile"):

        def call(lib, name=name):
            qs = (mt.tensor if lib is mt else torch.tensor)(q_values) if q == "tensor" else q
            fn = getattr(lib, name)
            return lambda t: fn(t, qs, dim, keepdim, interpolation=interpolation)

        compare_with_torch(call(mt), call(torch), [x], rng=rng)
        with_nan = x.copy()
        with_nan[1, 2] = with_nan[2, 0] = np.nan
        compare_with_torch(call(mt), call(torch), [with_nan], rng=rng)


def test_quantile_all_nan_rows_zero_dim_and_float32():
    x = np.array([[np.nan, np.nan], [1.0, 2.0]])
    for name in ("quantile", "nanquantile"):
        compare_with_torch(
            lambda t, n=name: getattr(mt, n)(t, 0.5, 1),
            lambda t, n=name: getattr(torch, n)(t, 0.5, 1),
            [x],
            grad=False,
        )
    compare_with_torch(
        lambda t: mt.quantile(t, 0.5, 0), lambda t: torch.quantile(t, 0.5, 0), [np.array(3.0)]
    )
    x32 = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    compare_with_torch(
        lambda t: t.quantile(mt.tensor([0.1, 0.7], dtype=mt.float32), 0),
        lambda t: t.quantile(torch.tensor([0.1, 0.7]), 0),
        [x32],
    )


@pytest.mark.parametrize("interpolation", MODES)
def test_quantile_gradcheck(interpolation):
    x = np.random.default_rng(2).standard_normal((3, 4))
    q = mt.tensor([0.2, 0.5, 0.8], dtype=mt.float64)
    check_gradients(lambda t: mt.quantile(t, q, 1, interpolation=interpolation), [x])
    check_gradients(lambda t: t.nanquantile(0.4, interpolation=interpolation), [x])


def test_quantile_errors():
    x = mt.ones(3)
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be in the range \[0, 1\]"):
        mt.quantile(x, 1.5)
    with pytest.raises(RuntimeError, match=r"q must be a scalar or 1D tensor"):
        mt.quantile(x, mt.full((2, 2), 0.5))
    with pytest.raises(RuntimeError, match=r"input tensor must be either float or double dtype"):
        mt.quantile(mt.ones(3, dtype=mt.int64), 0.5)
    with pytest.raises(RuntimeError, match=r"q tensor must be same dtype as the input tensor"):
        mt.quantile(x, mt.tensor([0.5], dtype=mt.float64))
    with pytest.raises(RuntimeError, match=r"nanquantile\(\) input tensor must be non-empty"):
        mt.nanquantile(mt.ones(2, 0), 0.5, 1)
    with pytest.raises(RuntimeError, match=r"interpolation must be one of linear, lower, higher"):
        mt.quantile(x, 0.5, interpolation="foo")


@given(
    shape=array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_quantile_of_random_shapes_matches_torch(shape, data, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    n = max(len(shape), 1)
    dim = data.draw(st.one_of(st.none(), st.integers(-n, n - 1)))
    keepdim = data.draw(st.booleans())
    q = np.sort(rng.random(3))
    compare_with_torch(
        lambda t: mt.nanquantile(t, mt.tensor(q), dim, keepdim),
        lambda t: torch.nanquantile(t, torch.tensor(q), dim, keepdim),
        [x],
        rng=rng,
    )
