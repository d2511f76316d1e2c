"""Removed linalg names, the legacy aten norms and conv_tbc against torch."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

REMOVED = [
    ("eig", 1),
    ("eig", 2),
    ("lstsq", 2),
    ("solve", 2),
    ("symeig", 1),
    ("matrix_rank", 1),
]


@pytest.mark.parametrize("name,nargs", REMOVED)
def test_removed_functions_raise_torchs_error(name, nargs):
    with pytest.raises(RuntimeError) as expected:
        getattr(torch, name)(*[torch.eye(2)] * nargs)
    with pytest.raises(RuntimeError) as actual:
        getattr(mt, name)(*[mt.eye(2)] * nargs)
    assert str(actual.value) == str(expected.value)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


FROBENIUS = [
    ((2, 3, 4), (1, 2), False),
    ((2, 3, 4), (1,), True),
    ((2, 3, 4), 1, False),
    ((2, 3, 4), (), False),
    ((2, 3, 4), (), True),
    ((3,), (0,), False),
]


@pytest.mark.parametrize("shape,dim,keepdim", FROBENIUS)
def test_frobenius_norm_matches_torch(shape, dim, keepdim):
    x = np.random.default_rng(0).standard_normal(shape)
    compare_with_torch(
        lambda t: mt.frobenius_norm(t, dim, keepdim),
        lambda t: torch.frobenius_norm(t, dim, keepdim),
        [x],
    )
    check_gradients(lambda t: mt.frobenius_norm(t, dim, keepdim), [x])


def test_frobenius_and_nuclear_norm_warn_and_check():
    with pytest.warns(UserWarning, match="at::frobenius_norm is deprecated"):
        mt.frobenius_norm(mt.ones(2, 2), (0, 1))
    with pytest.warns(UserWarning, match="at::nuclear_norm is deprecated"):
        mt.nuclear_norm(mt.ones(2, 2))
    with pytest.raises(RuntimeError, match="Expected at most 2 dimensions, but got 3"):
        mt.frobenius_norm(mt.ones(2, 2, 2), (0, 1, 2))
    with pytest.raises(RuntimeError, match="floating point or complex"):
        mt.frobenius_norm(mt.arange(3), (0,))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mt.nuclear_norm(mt.ones(3))
    with pytest.raises(TypeError, match="at most 3 arguments"):
        mt.nuclear_norm(mt.ones(2, 2), (0, 1), True, 4)


NUCLEAR = [
    ((3, 4), (), {}),
    ((2, 3, 4), (), {}),
    ((2, 3, 4), ((0, 2),), {}),
    ((2, 3, 4), (True,), {}),
    ((2, 3, 4), ((1, 2),), {"keepdim": True}),
]


@pytest.mark.parametrize("shape,args,kwargs", NUCLEAR)
def test_nuclear_norm_matches_torch(shape, args, kwargs):
    x = np.random.default_rng(1).standard_normal(shape)
    compare_with_torch(
        lambda t: mt.nuclear_norm(t, *args, **kwargs),
        lambda t: torch.nuclear_norm(t, *args, **kwargs),
        [x],
    )
    check_gradients(lambda t: mt.nuclear_norm(t, *args, **kwargs), [x], second=False)


@pytest.mark.parametrize("pow,dim", [(2, 0), (2, 1), (2, -1), (2, -2), (3, 2), (1, 0), (0, 1)])
def test_norm_except_dim_matches_torch(pow, dim):
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    compare_with_torch(
        lambda t: mt.norm_except_dim(t, pow, dim),
        lambda t: torch.norm_except_dim(t, pow, dim),
        [x],
        grad=pow != 0,
    )
    if pow != 0:
        check_gradients(lambda t: mt.norm_except_dim(t, pow, dim), [x])


def test_norm_except_dim_errors():
    with pytest.raises(TypeError, match="'pow' \\(position 2\\) must be int, not float"):
        mt.norm_except_dim(mt.ones(2, 2), 2.0, 1)
    with pytest.raises(IndexError, match="out of range"):
        mt.norm_except_dim(mt.ones(2, 2, 2), 2, 5)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        mt.norm_except_dim(mt.tensor(3.0), 2, 0)


@pytest.mark.parametrize("args", [(), (1,), (3,), (2, (0, 1), False, None), (2, (), False, None)])
def test_native_norm_of_sparse_matches_torch(args):
    dense = np.array([[0.0, 3.0, 0.0], [4.0, 0.0, -1.0]])
    expected = torch.native_norm(torch.tensor(dense).to_sparse(), *args)
    assert_same(mt.native_norm(mt.tensor(dense).to_sparse(), *args), expected)


def test_native_norm_of_sparse_is_a_full_reduction():
    with pytest.raises(RuntimeError, match="only supports full reductions"):
        mt.native_norm(mt.ones(2, 2).to_sparse(), 2, (0,), False, None)
    with pytest.raises(RuntimeError, match="does not support keepdim=True"):
        mt.native_norm(mt.ones(2, 2).to_sparse(), 2, (), True, None)
    with pytest.raises(RuntimeError, match="does not support 'dtype' argument"):
        mt.native_norm(mt.ones(2, 2).to_sparse(), 2, (), False, mt.float64)


def test_native_norm_has_no_dense_kernel_as_torch():
    with pytest.raises(NotImplementedError):
        torch.native_norm(torch.ones(2))
    with pytest.raises(NotImplementedError, match="use linalg.vector_norm"):
        mt.native_norm(mt.ones(2))


@pytest.mark.parametrize("pad", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_tbc_matches_torch(pad, dtype):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((5, 2, 3), (3, 3, 4), (4,))]
    compare_with_torch(
        lambda x, w, b: mt.conv_tbc(x, w, b, pad),
        lambda x, w, b: torch.conv_tbc(x, w, b, pad),
        arrays,
    )
    if dtype == np.float64:
        check_gradients(lambda x, w, b: mt.conv_tbc(x, w, b, pad=pad), arrays)


def test_conv_tbc_errors():
    x, w, b = mt.zeros(5, 2, 3), mt.zeros(3, 3, 4), mt.zeros(4)
    with pytest.raises(RuntimeError, match="Input must have 3 dims: time, batch, in_channel"):
        mt.conv_tbc(x[0], w, b)
    with pytest.raises(RuntimeError, match="Weight tensor must have 3 dims"):
        mt.conv_tbc(x, w[0], b)
    with pytest.raises(RuntimeError, match="Bias size must equal dim 2 in the weight tensor"):
        mt.conv_tbc(x, w, b[:2])
    with pytest.raises(RuntimeError, match="Input dim 2 \\(input channels\\) is not == dim 1"):
        mt.conv_tbc(x, mt.zeros(3, 2, 4), b)
    assert_same(
        mt.conv_tbc(x, w, b),
        torch.conv_tbc(*(torch.zeros(s) for s in ((5, 2, 3), (3, 3, 4), (4,)))),
    )
