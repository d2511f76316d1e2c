"""bincount, count_nonzero, histc, histogram."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

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
        lambda *a: mt.bincount(*a, minlength=minlength),
        lambda *a: torch.bincount(*a, minlength=minlength),
        args,
        grad=False,
    )


def test_bincount_is_differentiable_in_the_weights():
    x = mt.tensor([0, 2, 2, 1])
    check_gradients(lambda w: mt.bincount(x, w, minlength=5), [np.array([0.5, -1.0, 2.0, 3.0])])


def test_bincount_errors():
    with pytest.raises(RuntimeError, match=r"only supports 1-d non-negative integral inputs"):
        mt.bincount(mt.tensor([[0, 1]]))
    with pytest.raises(RuntimeError, match=r"only supports 1-d non-negative integral inputs"):
        mt.bincount(mt.tensor([-1, 1]))
    with pytest.raises(NotImplementedError, match=r"bincount\(\): not implemented for"):
        mt.bincount(mt.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"minlength should be >= 0"):
        mt.bincount(mt.tensor([1, 1]), minlength=-1)
    with pytest.raises(RuntimeError, match=r"weights should be 1-d and have the same length"):
        mt.bincount(mt.tensor([1, 1]), mt.tensor([1.0]))


# --- count_nonzero, ravel -----------------------------------------------------------------------


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)])
def test_count_nonzero_matches_torch(dim):
    x = np.array([[0.0, 1.0, -0.0], [2.0, 0.0, np.nan]])
    compare_with_torch(
        lambda t: mt.count_nonzero(t, dim), lambda t: torch.count_nonzero(t, dim), [x]
    )
    compare_with_torch(mt.count_nonzero, torch.count_nonzero, [np.array(True)])


def test_count_nonzero_repeated_dim_raises():
    with pytest.raises(RuntimeError, match=r"dim 0 appears multiple times"):
        mt.count_nonzero(mt.ones(2, 2), (0, 0))


# --- histc, histogram ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bins,low,high", [(4, 0.0, 0.0), (5, -1.0, 1.0), (3, 0.5, 0.5), (1, 0.0, 0.0)], ids=str
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_histc_matches_torch(bins, low, high, dtype):
    x = np.random.default_rng(0).standard_normal(20).astype(dtype)
    compare_with_torch(
        lambda t: mt.histc(t, bins, low, high),
        lambda t: torch.histc(t, bins, low, high),
        [x],
        grad=False,
    )
    compare_with_torch(lambda t: t.histc(3), lambda t: t.histc(3), [np.ones(2, dtype)], grad=False)
    compare_with_torch(lambda t: t.histc(4), lambda t: t.histc(4), [np.zeros(0, dtype)], grad=False)


@pytest.mark.parametrize("density", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("bins", [4, "edges"])
def test_histogram_matches_torch(density, weighted, bins):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5))
    w = rng.random((3, 5))
    edges = np.array([-3.0, -0.5, 0.0, 0.7, 3.0])

    def call(lib):
        b = (mt.tensor if lib is mt else torch.tensor)(edges) if bins == "edges" else bins

        def fn(t, weight):
            return lib.histogram(t, b, weight=weight if weighted else None, density=density)

        return fn

    compare_with_torch(call(mt), call(torch), [x, w], grad=False)
    compare_with_torch(
        lambda t: t.histogram(3, range=(-1.0, 1.0)),
        lambda t: t.histogram(3, range=(-1.0, 1.0)),
        [x],
        grad=False,
    )


def test_histc_and_histogram_errors():
    with pytest.raises(RuntimeError, match=r"histc\(\): not implemented for microtensor.int64"):
        mt.histc(mt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=r"max must be larger than min"):
        mt.histc(mt.tensor([1.0]), 4, 3, 1)
    with pytest.raises(RuntimeError, match=r"range of \[nan, nan\] is not finite"):
        mt.histc(mt.tensor([1.0, float("nan")]), 4)
    with pytest.raises(RuntimeError, match=r"weight tensor is provided it should have the same"):
        mt.histogram(mt.ones(3), 2, weight=mt.ones(2))


@pytest.mark.parametrize("density", [False, True])
@pytest.mark.parametrize(
    "bins,range_", [(3, None), ([2, 4], None), (2, [0.0, 1.0, -1.0, 1.0]), ("edges", None)], ids=str
)
def test_histogramdd_matches_torch(bins, range_, density):
    rng = np.random.default_rng(2)
    points, w = rng.standard_normal((10, 2)), rng.random(10)
    edges = [np.array([-2.0, 0.0, 2.0]), np.array([1.0, -1.0])]  # a decreasing one skips all

    def call(lib):
        b = (
            [(mt.tensor if lib is mt else torch.tensor)(e) for e in edges]
            if bins == "edges"
            else bins
        )

        def fn(t, weight):
            hist, bin_edges = lib.histogramdd(t, b, range=range_, weight=weight, density=density)
            return (hist, *bin_edges)

        return fn

    compare_with_torch(call(mt), call(torch), [points, w], grad=False)
    compare_with_torch(
        lambda t: mt.histogramdd(t, 2),
        lambda t: torch.histogramdd(t, 2),
        [np.zeros((0, 3))],
        grad=False,
    )


def test_histogramdd_errors():
    with pytest.raises(RuntimeError, match=r"input tensor should have at least 2 dimensions"):
        mt.histogramdd(mt.ones(3), 2)
    with pytest.raises(RuntimeError, match=r"expected 2 sequences of bin edges or counts"):
        mt.histogramdd(mt.ones(3, 2), [2, 2, 2])
