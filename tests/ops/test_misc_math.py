"""logaddexp, logaddexp2, nan_to_num, clamp_min/max, var_mean, std_mean, count_nonzero, diff,
meshgrid, ravel."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import microtensor as mt
from microtensor.ops import misc_math
from tests.helpers import check_gradients, compare_with_torch

# --- logaddexp, logaddexp2 ----------------------------------------------------------------------

BINARY = [
    ("logaddexp", misc_math.logaddexp, torch.logaddexp),
    ("logaddexp2", misc_math.logaddexp2, torch.logaddexp2),
]


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    seed=st.integers(0, 99),
)
def test_logaddexp_matches_torch(name, mt_fn, torch_fn, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes.input_shapes)
    compare_with_torch(mt_fn, torch_fn, [a, b], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
    seed=st.integers(0, 99),
)
def test_logaddexp_gradcheck(name, mt_fn, torch_fn, shapes, seed):
    rng = np.random.default_rng(seed)
    check_gradients(mt_fn, [rng.standard_normal(s) for s in shapes.input_shapes])


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
def test_logaddexp_extremes_match_torch(name, mt_fn, torch_fn):
    a = np.array([1000.0, -1000.0, np.inf, -np.inf, -np.inf, np.inf, 0.0])
    b = np.array([1000.0, -1001.0, 1.0, 2.0, -np.inf, np.inf, -np.inf])
    compare_with_torch(mt_fn, torch_fn, [a, b])


def test_logaddexp_errors_and_numbers():
    with pytest.raises(NotImplementedError, match=r"logaddexp\(\): not implemented for int64"):
        misc_math.logaddexp(mt.tensor([1, 2]), mt.tensor([1, 2]))
    with pytest.raises(
        RuntimeError, match=r"logaddexp2\(\): the size of tensor a \(2\) must match"
    ):
        misc_math.logaddexp2(mt.ones(2), mt.ones(3))
    with pytest.raises(
        TypeError, match=r"logaddexp\(\): argument 'input' must be Tensor, not float"
    ):
        misc_math.logaddexp(1.0, 2.0)
    out = misc_math.logaddexp(mt.tensor([0.0]), 0.0)
    assert out.dtype == mt.float32 and abs(out.item() - np.log(2)) < 1e-6


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
    compare_with_torch(
        lambda t: case(misc_math, t), lambda t: case(torch, t), [SPECIAL.astype(dtype)]
    )


@pytest.mark.parametrize("case", [u[1] for u in UNARY], ids=[u[0] for u in UNARY])
@given(shape=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), seed=st.integers(0, 99))
def test_unary_gradcheck(case, shape, seed):
    check_gradients(
        lambda t: case(misc_math, t), [np.random.default_rng(seed).standard_normal(shape)]
    )


def test_nan_to_num_of_integers_is_a_copy():
    x = mt.tensor([1, 2])
    out = misc_math.nan_to_num(x)
    assert out.tolist() == [1, 2] and out.dtype == mt.int64 and out is not x


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
    compare_with_torch(
        lambda t: fn(misc_math, t, *args), lambda t: fn(torch, t, *args), [x], rng=rng
    )


@pytest.mark.parametrize("name,fn", STATS, ids=[s[0] for s in STATS])
def test_var_mean_gradcheck(name, fn):
    x = np.random.default_rng(0).standard_normal((3, 2))
    check_gradients(lambda t: fn(misc_math, t, 0, False), [x])


def test_var_mean_reads_a_bool_as_unbiased():
    x = np.array([1.0, 2.0, 4.0])
    compare_with_torch(
        lambda t: misc_math.var_mean(t, True), lambda t: torch.var_mean(t, True), [x]
    )
    compare_with_torch(
        lambda t: misc_math.std_mean(t, False), lambda t: torch.std_mean(t, False), [x]
    )
    with pytest.raises(RuntimeError, match=r"var\(\): std and var only support floating point"):
        misc_math.var_mean(mt.tensor([1, 2]))


# --- count_nonzero, ravel -----------------------------------------------------------------------


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)])
def test_count_nonzero_matches_torch(dim):
    x = np.array([[0.0, 1.0, -0.0], [2.0, 0.0, np.nan]])
    compare_with_torch(
        lambda t: misc_math.count_nonzero(t, dim), lambda t: torch.count_nonzero(t, dim), [x]
    )
    compare_with_torch(misc_math.count_nonzero, torch.count_nonzero, [np.array(True)])


def test_count_nonzero_repeated_dim_raises():
    with pytest.raises(RuntimeError, match=r"dim 0 appears multiple times"):
        misc_math.count_nonzero(mt.ones(2, 2), (0, 0))


@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
def test_ravel_matches_torch(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    compare_with_torch(misc_math.ravel, torch.ravel, [x])


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
            lambda t: misc_math.diff(t, n, dim), lambda t: torch.diff(t, n, dim), [x], rng=rng
        )
    elif use == "prepend":
        compare_with_torch(
            lambda t, p: misc_math.diff(t, n, dim, p),
            lambda t, p: torch.diff(t, n, dim, p),
            [x, ends[0]],
            rng=rng,
        )
    else:
        compare_with_torch(
            lambda t, p, a: misc_math.diff(t, n, dim, p, a),
            lambda t, p, a: torch.diff(t, n, dim, p, a),
            [x, *ends],
            rng=rng,
        )


def test_diff_gradcheck_and_integer_and_bool_inputs():
    check_gradients(
        lambda t, p: misc_math.diff(t, 2, 0, prepend=p),
        [np.arange(6.0).reshape(3, 2) ** 2, np.ones((1, 2))],
    )
    for x in (np.array([1, 4, 9, 16]), np.array([True, False, False, True])):
        compare_with_torch(misc_math.diff, torch.diff, [x])


def test_diff_errors():
    with pytest.raises(RuntimeError, match=r"diff expects input to be at least one-dimensional"):
        misc_math.diff(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"order must be non-negative but got -1"):
        misc_math.diff(mt.ones(2), n=-1)
    with pytest.raises(RuntimeError, match=r"prepend or append to be the same dimension as input"):
        misc_math.diff(mt.ones(2), prepend=mt.tensor(1.0))


# --- meshgrid -----------------------------------------------------------------------------------


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(2,), (2, 3), (0, 3), (2, None, 4), (1, 3, 2)], ids=str)
def test_meshgrid_matches_torch(sizes, indexing):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(()) if n is None else rng.standard_normal(n) for n in sizes]
    compare_with_torch(
        lambda *t: misc_math.meshgrid(*t, indexing=indexing),
        lambda *t: torch.meshgrid(*t, indexing=indexing),
        arrays,
        rng=rng,
    )


def test_meshgrid_takes_a_list_and_is_differentiable():
    x, y = mt.tensor([1, 2]), mt.tensor([3, 4, 5])
    rows, cols = misc_math.meshgrid([x, y])
    assert rows.tolist() == [[1, 1, 1], [2, 2, 2]] and cols.tolist() == [[3, 4, 5], [3, 4, 5]]
    check_gradients(
        lambda a, b: misc_math.meshgrid(a, b, indexing="xy")[0] * 2, [np.ones(2), np.ones(3)]
    )


def test_meshgrid_errors():
    with pytest.raises(RuntimeError, match=r"Expected 0D or 1D tensor in the tensor list"):
        misc_math.meshgrid(mt.ones(1, 2))
    with pytest.raises(RuntimeError, match=r"meshgrid expects all tensors to have the same dtype"):
        misc_math.meshgrid(mt.tensor([1, 2]), mt.tensor([1.0]))
    with pytest.raises(
        RuntimeError, match=r'indexing must be one of "xy" or "ij", but received: foo'
    ):
        misc_math.meshgrid(mt.ones(2), indexing="foo")
    with pytest.raises(RuntimeError, match=r"meshgrid expects a non-empty TensorList"):
        misc_math.meshgrid()
