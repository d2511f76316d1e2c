"""The fast paths of the small ops a tag-by-tag CRF calls thousands of times per step.

``x[i, j]`` with Python ints, ``view``/``reshape`` with explicit sizes, ``logsumexp`` over one
dim, ``max()``/``min()`` over all elements and ``cat`` of same-dtype tensors each skip the
general argument handling: each is checked here against the general path (or PyTorch) on
values, gradients and the errors the general path raises.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.ops._index_key import parse_key
from microtensor.ops.indexing import GetItem
from tests.helpers import assert_same, check_gradients, compare_with_torch

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))


# --- getitem with a tuple of ints ------------------------------------------------------------


@pytest.mark.parametrize("key", [(1,), (1, 2), (-1, 0), (2, -4, 4), (0, 3, -5), ()])
def test_int_tuple_key_equals_the_general_path(key):
    x = mt.tensor(X, requires_grad=True)
    fast = x[key]
    general = GetItem.apply(x, parse_key(key, X.shape))
    assert fast.shape == general.shape and fast._base is x  # a view, as the general path
    np.testing.assert_array_equal(fast.detach().numpy(), general.detach().numpy())
    upstream = mt.tensor(RNG.standard_normal(fast.shape))
    (g_fast,) = mt.autograd.grad(fast, x, upstream)
    (g_general,) = mt.autograd.grad(general, x, upstream)
    np.testing.assert_array_equal(g_fast.numpy(), g_general.numpy())
    compare_with_torch(lambda t: t[key], lambda t: t[key], [X])


def test_int_tuple_key_writes_back_through_the_view():
    x = mt.zeros(2, 3)
    y = x[1, 2]
    y += 5.0
    assert x[1, 2].item() == 5.0 and x.sum().item() == 5.0


@pytest.mark.parametrize(
    ("key", "match"),
    [
        ((3, 0), "index 3 is out of bounds for dimension 0 with size 3"),
        ((0, -5), "index -5 is out of bounds for dimension 1 with size 4"),
        ((0, 0, 0, 0), "too many indices for tensor of dimension 3"),
    ],
)
def test_int_tuple_key_errors_as_the_general_path(key, match):
    with pytest.raises(IndexError, match=match):
        mt.tensor(X)[key]
    with pytest.raises(IndexError):
        torch.tensor(X)[key]


def test_keys_that_look_like_int_tuples_take_the_general_path():
    x = mt.tensor(X)
    assert x[True, 1].shape == torch.tensor(X)[True, 1].shape == (1, 4, 5)
    assert x[np.int64(1), 2].shape == (5,)
    assert_same(x[mt.tensor(1), 2], torch.tensor(X)[torch.tensor(1), 2])


def test_int_tuple_key_gradgradcheck():
    check_gradients(lambda t: t[1, -2] * t[0, 1], [X])


# --- view / reshape with explicit sizes ------------------------------------------------------


@pytest.mark.parametrize("fn", ["view", "reshape"])
@pytest.mark.parametrize("shape", [(60,), (3, 20), (5, 12), (1, 60, 1), (2, -1, 3)])
def test_view_and_reshape_match_torch(fn, shape):
    compare_with_torch(lambda t: getattr(t, fn)(*shape), lambda t: getattr(t, fn)(*shape), [X])


@pytest.mark.parametrize("fn", ["view", "reshape"])
def test_view_and_reshape_errors(fn):
    x = mt.tensor(X)
    with pytest.raises(
        RuntimeError, match=rf"{fn}\(\): shape '\[7, 7\]' is invalid for input of size 60"
    ):
        getattr(x, fn)(7, 7)
    with pytest.raises(RuntimeError, match=rf"{fn}\(\): invalid shape dimension -2"):
        getattr(x, fn)(-2, -30)
    with pytest.raises(TypeError, match=rf"{fn}\(\): shape must be an int or a sequence of ints"):
        getattr(x, fn)(6.0, 10)
    assert getattr(x, fn)(np.int64(6), 10).shape == (6, 10)


# --- logsumexp over one dim ------------------------------------------------------------------

INF = np.inf
LSE_INPUTS = {
    "vector": RNG.standard_normal(50),
    "large": np.array([1000.0, 999.0, -1000.0]),
    "some -inf": np.array([-INF, 0.5, -INF, 1.0]),
    "all -inf": np.array([-INF, -INF]),
    "+inf": np.array([INF, 1.0]),
    "nan": np.array([np.nan, 1.0]),
    "matrix": RNG.standard_normal((4, 6)),
    "matrix with -inf row": np.array([[-INF, -INF, -INF], [0.0, 1.0, 2.0]]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", list(LSE_INPUTS))
def test_logsumexp_matches_torch(name, keepdim, dtype):
    x = LSE_INPUTS[name].astype(dtype)
    for dim in (0, -1, tuple(range(x.ndim))):
        compare_with_torch(
            lambda t, d=dim: mt.logsumexp(t, d, keepdim),
            lambda t, d=dim: torch.logsumexp(t, d, keepdim),
            [x],
        )


def test_logsumexp_of_no_elements_is_minus_inf():
    assert_same(mt.logsumexp(mt.zeros(0), 0), torch.logsumexp(torch.zeros(0), 0))
    assert_same(mt.logsumexp(mt.zeros(2, 0), 1), torch.logsumexp(torch.zeros(2, 0), 1))


@pytest.mark.parametrize("dim", [0, 1, (0, 1)])
def test_logsumexp_gradgradcheck(dim):
    check_gradients(lambda t: mt.logsumexp(t, dim), [RNG.standard_normal((3, 4))])


def test_logsumexp_dim_errors():
    with pytest.raises(IndexError, match=r"logsumexp\(\): Dimension out of range"):
        mt.logsumexp(mt.zeros(3), 1)
    with pytest.raises(TypeError, match=r"logsumexp\(\): dim is required"):
        mt.logsumexp(mt.zeros(3), None)


# --- max() / min() over all elements ---------------------------------------------------------

EXTREMA_INPUTS = {
    "distinct": RNG.standard_normal((4, 5)),
    "three ties": np.array([1.0, 3.0, 3.0, -2.0, 3.0]),
    "nan": np.array([1.0, np.nan, 2.0, np.nan]),
    "scalar": np.array(2.5),
    "-inf": np.array([-INF, -INF]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
@pytest.mark.parametrize("name", list(EXTREMA_INPUTS))
def test_full_extrema_match_torch(name, op, dtype):
    x = EXTREMA_INPUTS[name].astype(dtype)
    compare_with_torch(lambda t: getattr(t, op)(), lambda t: getattr(t, op)(), [x])


def test_full_max_ties_share_the_gradient_exactly_as_torch():
    x = np.array([0.7, 0.7, 0.7, 0.1], dtype=np.float32)
    grads = []
    for lib in (mt, torch):
        t = lib.tensor(x, requires_grad=True)
        (t.max() * 0.3).backward()
        grads.append(t.grad)
    np.testing.assert_array_equal(grads[0].numpy(), grads[1].numpy())


def test_full_max_gradgradcheck():
    check_gradients(lambda t: t.max() * t.min(), [RNG.permutation(12).reshape(3, 4) / 5.0])


def test_full_max_of_empty_raises():
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        mt.zeros(0).max()


# --- cat of same-dtype tensors ---------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, -1])
def test_cat_of_many_small_tensors_matches_torch(dim):
    pieces = [RNG.standard_normal((1,)) for _ in range(50)]
    compare_with_torch(lambda *ts: mt.cat(ts, dim), lambda *ts: torch.cat(ts, dim), pieces)


@pytest.mark.parametrize("dim", [0, 1, 2, -2])
def test_cat_of_different_sizes_along_dim_matches_torch(dim):
    shapes = [(2, 3, 4), (2, 3, 4)]
    shapes.append(tuple(5 if d == dim % 3 else n for d, n in enumerate((2, 3, 4))))
    arrays = [RNG.standard_normal(s) for s in shapes]
    compare_with_torch(lambda *ts: mt.cat(ts, dim), lambda *ts: torch.cat(ts, dim), arrays)


def test_cat_promotes_and_skips_as_before():
    a, b = np.arange(3.0), np.arange(2, dtype=np.int64)
    assert_same(mt.cat([mt.tensor(a), mt.tensor(b)]), torch.cat([torch.tensor(a), torch.tensor(b)]))
    empty, matrix = np.zeros(0), RNG.standard_normal((2, 3))
    compare_with_torch(lambda e, m: mt.cat([e, m]), lambda e, m: torch.cat([e, m]), [empty, matrix])


def test_cat_errors_as_before():
    with pytest.raises(RuntimeError, match=r"cat\(\): Sizes of tensors must match except in dim"):
        mt.cat([mt.zeros(2, 3), mt.zeros(3, 2)])
    with pytest.raises(IndexError, match=r"cat\(\): Dimension out of range"):
        mt.cat([mt.zeros(2), mt.zeros(2)], 1)
    with pytest.raises(RuntimeError, match=r"cat\(\): zero-dimensional tensor"):
        mt.cat([mt.zeros(()), mt.zeros(())])


def test_cat_gradgradcheck():
    check_gradients(lambda a, b: mt.cat([a, b, a], 1) ** 2, [X[0], X[1, :, :2]])
