"""var_mean, std_mean, cov, corrcoef."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

# --- var_mean, std_mean -------------------------------------------------------------------------

STATS = [
    ("var_mean", lambda lib, x, d, k: lib.var_mean(x, d, keepdim=k)),
    ("var_mean_correction", lambda lib, x, d, k: lib.var_mean(x, d, correction=0, keepdim=k)),
    ("std_mean", lambda lib, x, d, k: lib.std_mean(x, d, keepdim=k)),
    ("std_mean_unbiased", lambda lib, x, d, k: lib.std_mean(x, d, False, k)),
]


@pytest.mark.parametrize("name,fn", STATS, ids=[s[0] for s in STATS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 99))
def test_var_mean_matches_torch(name, fn, dtype, data, seed):
    shape = data.draw(array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
    dim = data.draw(st.sampled_from([None, 0, -1, (0, -1)]))
    keepdim = data.draw(st.booleans())
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    args = (dim, keepdim)
    compare_with_torch(lambda t: fn(mt, t, *args), lambda t: fn(torch, t, *args), [x], rng=rng)


@pytest.mark.parametrize("name,fn", STATS, ids=[s[0] for s in STATS])
def test_var_mean_gradcheck(name, fn):
    x = np.random.default_rng(0).standard_normal((3, 2))
    check_gradients(lambda t: fn(mt, t, 0, False), [x])


def test_var_mean_reads_a_bool_as_unbiased():
    x = np.array([1.0, 2.0, 4.0])
    compare_with_torch(lambda t: mt.var_mean(t, True), lambda t: torch.var_mean(t, True), [x])
    compare_with_torch(lambda t: mt.std_mean(t, False), lambda t: torch.std_mean(t, False), [x])
    with pytest.raises(RuntimeError, match=r"var\(\): std and var only support floating point"):
        mt.var_mean(mt.tensor([1, 2]))


# --- cov, corrcoef ------------------------------------------------------------------------------

COV = [
    ("plain", {}),
    ("correction0", {"correction": 0}),
    ("fweights", {"fweights": "f"}),
    ("aweights", {"aweights": "a"}),
    ("both", {"fweights": "f", "aweights": "a", "correction": 2}),
]


@pytest.mark.parametrize("name,kwargs", COV, ids=[c[0] for c in COV])
@pytest.mark.parametrize("shape", [(3, 5), (5,), (1, 4)], ids=str)
def test_cov_matches_torch(name, kwargs, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    n = shape[-1]
    fw, aw = rng.integers(1, 4, n), rng.random(n)

    def call(lib):
        make = mt.tensor if lib is mt else torch.tensor
        args = {
            k: make(fw if v == "f" else aw) if isinstance(v, str) else v for k, v in kwargs.items()
        }
        return lambda t: lib.cov(t, **args)

    compare_with_torch(call(mt), call(torch), [x], rng=rng)
    check_gradients(call(mt), [x])


def test_corrcoef_matches_torch():
    rng = np.random.default_rng(1)
    for x in (
        rng.standard_normal((3, 6)),
        rng.standard_normal(4),
        np.array([[1, 2, 4], [0, 3, 1]]),
    ):
        compare_with_torch(mt.corrcoef, torch.corrcoef, [x], rng=rng)
    check_gradients(lambda t: t.corrcoef(), [rng.standard_normal((3, 6))])
    compare_with_torch(lambda t: t.cov(), lambda t: t.cov(), [np.array([[1, 2, 4], [0, 3, 1]])])


def test_cov_errors():
    x = mt.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"expected input to have two or fewer dimensions"):
        mt.cov(mt.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match=r"expected fweights to have integral dtype"):
        mt.cov(x, fweights=mt.ones(3))
    with pytest.raises(RuntimeError, match=r"fweights cannot be negative"):
        mt.cov(x, fweights=mt.tensor([1, -1, 1]))
    with pytest.raises(RuntimeError, match=r"expected aweights to have floating point dtype"):
        mt.cov(x, aweights=mt.tensor([1, 1, 1]))
    with pytest.raises(RuntimeError, match=r"same numel as there are observations"):
        mt.cov(x, aweights=mt.ones(2))


@pytest.mark.parametrize("name", ["cov", "corrcoef"])
def test_cov_and_corrcoef_in_float32_match_torch(name):
    x = np.random.default_rng(2).standard_normal((3, 6)).astype(np.float32)
    compare_with_torch(getattr(mt, name), getattr(torch, name), [x])
