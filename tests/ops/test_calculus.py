"""diff, gradient, trapezoid, cumulative_trapezoid."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

# --- diff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 99))
def test_diff_matches_torch(dtype, data, seed):
    shape = data.draw(array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = data.draw(st.integers(0, 3))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    ends = [
        rng.standard_normal(
            shape[: dim % len(shape)] + (2,) + shape[dim % len(shape) + 1 :]
        ).astype(dtype)
        for _ in range(2)
    ]
    use = data.draw(st.sampled_from(["none", "prepend", "both"]))
    if use == "none":
        compare_with_torch(
            lambda t: mt.diff(t, n, dim), lambda t: torch.diff(t, n, dim), [x], rng=rng
        )
    elif use == "prepend":
        compare_with_torch(
            lambda t, p: mt.diff(t, n, dim, p),
            lambda t, p: torch.diff(t, n, dim, p),
            [x, ends[0]],
            rng=rng,
        )
    else:
        compare_with_torch(
            lambda t, p, a: mt.diff(t, n, dim, p, a),
            lambda t, p, a: torch.diff(t, n, dim, p, a),
            [x, *ends],
            rng=rng,
        )


def test_diff_gradcheck_and_integer_and_bool_inputs():
    check_gradients(
        lambda t, p: mt.diff(t, 2, 0, prepend=p),
        [np.arange(6.0).reshape(3, 2) ** 2, np.ones((1, 2))],
    )
    for x in (np.array([1, 4, 9, 16]), np.array([True, False, False, True])):
        compare_with_torch(mt.diff, torch.diff, [x])


def test_diff_errors():
    with pytest.raises(RuntimeError, match=r"diff expects input to be at least one-dimensional"):
        mt.diff(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"order must be non-negative but got -1"):
        mt.diff(mt.ones(2), n=-1)
    with pytest.raises(RuntimeError, match=r"prepend or append to be the same dimension as input"):
        mt.diff(mt.ones(2), prepend=mt.tensor(1.0))


# --- trapezoid, cumulative_trapezoid ------------------------------------------------------------

TRAPEZOID = [
    ("unit", lambda lib, y, x: lib.trapezoid(y)),
    ("dx", lambda lib, y, x: lib.trapezoid(y, dx=0.5, dim=0)),
    ("x", lambda lib, y, x: lib.trapezoid(y, x)),
    ("x_full", lambda lib, y, x: lib.trapezoid(y, x.expand(3, 5))),
    ("trapz", lambda lib, y, x: lib.trapz(y, x)),
    ("cumulative_unit", lambda lib, y, x: lib.cumulative_trapezoid(y)),
    ("cumulative_dx", lambda lib, y, x: lib.cumulative_trapezoid(y, dx=2.0, dim=0)),
    ("cumulative_x", lambda lib, y, x: lib.cumulative_trapezoid(y, x)),
]


@pytest.mark.parametrize("name,fn", TRAPEZOID, ids=[t[0] for t in TRAPEZOID])
def test_trapezoid_matches_torch(name, fn):
    rng = np.random.default_rng(0)
    y, x = rng.standard_normal((3, 5)), np.sort(rng.random(5))
    compare_with_torch(lambda a, b: fn(mt, a, b), lambda a, b: fn(torch, a, b), [y, x], rng=rng)
    check_gradients(lambda a, b: fn(mt, a, b), [y, x])


def test_trapezoid_of_integers_empty_and_errors():
    compare_with_torch(mt.trapezoid, torch.trapezoid, [np.array([1, 2, 4])], grad=False)
    compare_with_torch(mt.trapezoid, torch.trapezoid, [np.zeros((2, 0))], grad=False)
    compare_with_torch(
        mt.cumulative_trapezoid, torch.cumulative_trapezoid, [np.array([3.0])], grad=False
    )
    with pytest.raises(RuntimeError, match=r"There must be one `x` value for each sample point"):
        mt.trapezoid(mt.ones(3), mt.ones(2))


# --- gradient -----------------------------------------------------------------------------------


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("spacing", ["default", 2.5, "list", "coordinates"])
@pytest.mark.parametrize("dim", [None, 1, [-1, 0]], ids=str)
def test_gradient_matches_torch(edge_order, spacing, dim):
    rng = np.random.default_rng(1)
    f = rng.standard_normal((3, 4))
    dims = [0, 1] if dim is None else [1] if dim == 1 else dim
    coords = [np.sort(rng.random(f.shape[d])) for d in dims]

    def call(lib):
        if spacing == "default":
            kw = {}
        elif spacing == "list":
            kw = {"spacing": [0.5 + i for i in range(len(dims))]}
        elif spacing == "coordinates":
            kw = {"spacing": [(mt.tensor if lib is mt else torch.tensor)(c) for c in coords]}
        else:
            kw = {"spacing": spacing}
        return lambda t: lib.gradient(t, dim=dim, edge_order=edge_order, **kw)

    compare_with_torch(call(mt), call(torch), [f], rng=rng)
    if dim == 1:  # the other dims use the same code
        check_gradients(call(mt), [f])


def test_gradient_errors():
    with pytest.raises(RuntimeError, match=r"each dimension size to be at least edge_order\+1"):
        mt.gradient(mt.ones(1))
    with pytest.raises(RuntimeError, match=r"spacing argument of length 2 and a dim argument"):
        mt.gradient(mt.ones(3), spacing=[1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"only supports edge_order=1 and edge_order=2"):
        mt.gradient(mt.ones(3), edge_order=3)
    (out,) = mt.gradient(mt.tensor([1, 2, 4]))
    assert out.dtype == mt.float32 and out.tolist() == [1.0, 1.5, 2.0]
    (out,) = mt.gradient(mt.tensor([1.0, 2.0, 4.0]), spacing=mt.tensor(2.0))
    assert out.tolist() == [0.5, 0.75, 1.0]


def test_trapezoid_and_gradient_in_float32_match_torch():
    rng = np.random.default_rng(3)
    y, x = rng.standard_normal((3, 5)).astype(np.float32), np.sort(rng.random(5)).astype(np.float32)
    compare_with_torch(mt.trapezoid, torch.trapezoid, [y, x])
    compare_with_torch(mt.cumulative_trapezoid, torch.cumulative_trapezoid, [y, x])
    compare_with_torch(
        lambda t: mt.gradient(t, spacing=0.5, edge_order=2),
        lambda t: torch.gradient(t, spacing=0.5, edge_order=2),
        [y],
    )
