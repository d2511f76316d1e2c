"""sum and mean call NumPy's ufunc reduce directly: their values keep np.sum's and np.mean's bits.

torch's CPU kernels sum in another order, so these compare with NumPy's own functions, which
microtensor's results matched exactly before the wrappers were skipped (float32 means divide
in float64, as NumPy's; float16 accumulates in float32).
"""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

SHAPES = [(), (1,), (7,), (3, 5), (13, 1, 17), (2, 0, 3), (101, 3)]


def _dims(ndim):
    return [None, 0, -1, tuple(range(ndim))] if ndim else [None]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sum_and_mean_have_numpys_bits(shape, dtype):
    x = (np.random.default_rng(len(shape)).standard_normal(shape) * 1e3).astype(dtype)
    for dim in _dims(len(shape)):
        for keepdim in (False, True):
            for name in ("sum", "mean"):
                got = getattr(mt, name)(mt.tensor(x), dim, keepdim)._data
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # np.mean of an empty slice
                    want = np.asarray(getattr(np, name)(x, axis=dim, keepdims=keepdim))
                assert got.dtype == want.dtype and got.shape == want.shape
                assert got.tobytes() == want.tobytes(), (name, dim, keepdim)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mean_with_a_dtype_has_numpys_bits(dtype):
    x = np.random.default_rng(1).integers(-9, 9, size=(5, 7)).astype(np.int32)
    got = mt.mean(mt.tensor(x), 1, dtype=mt.float64 if dtype == np.float64 else mt.float32)
    assert got._data.tobytes() == np.mean(x, axis=1, dtype=dtype).tobytes()


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint8, np.bool_])
def test_integer_sums_are_int64_as_torch(dtype):
    x = np.random.default_rng(2).integers(0, 2, size=(3, 4)).astype(dtype)
    for dim in (None, 1):
        got, want = mt.sum(mt.tensor(x), dim), torch.sum(torch.from_numpy(x), dim)
        assert got.dtype == mt.int64 and str(want.dtype) == "torch.int64"
        np.testing.assert_array_equal(got._data, want.numpy())


def test_mean_of_an_empty_tensor_is_nan_as_torch():
    got, want = mt.mean(mt.zeros(0)), torch.mean(torch.zeros(0))
    assert np.isnan(got.item()) and torch.isnan(want)
    assert mt.mean(mt.zeros(2, 0), 1, keepdim=True).shape == torch.zeros(2, 0).mean(1, True).shape
