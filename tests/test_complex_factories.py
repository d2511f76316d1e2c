"""rand, randn, zeros, ones, empty, full ... of complex dtypes, against torch.

torch fills a complex tensor's real view (its (real, imag) pairs) as a real tensor: rand
draws both parts uniform, randn each part normal with std 1/sqrt(2) (variance 1 in all).
"""

import math

import numpy as np
import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_rand_and_randn_of_complex_dtypes_give_torchs_stream(dtype):
    for shape in [(3,), (20,), (4, 25), ()]:
        for fn in ("rand", "randn"):
            torch.manual_seed(3)
            want = getattr(torch, fn)(shape, dtype=getattr(torch, dtype)).numpy()
            mt.manual_seed(3)
            got = getattr(mt, fn)(shape, dtype=getattr(mt, dtype))
            assert got.dtype == getattr(mt, dtype) and got.shape == shape
            assert np.array_equal(got.numpy(), want), (fn, shape)
    torch.manual_seed(4)
    want = torch.randn_like(torch.zeros(5, 4, dtype=getattr(torch, dtype)).T).numpy()
    mt.manual_seed(4)
    got = mt.randn_like(mt.zeros(5, 4, dtype=getattr(mt, dtype)).T)
    assert np.array_equal(got.numpy(), want)


def test_randn_of_a_complex_dtype_has_variance_one():
    mt.manual_seed(0)
    z = mt.randn(20000, dtype=mt.cdouble).numpy()
    assert abs(np.var(z.real) - 0.5) < 0.02 and abs(np.var(z.imag) - 0.5) < 0.02
    assert abs(np.mean(np.abs(z) ** 2) - 1.0) < 0.03
    assert math.isclose(np.std(z.real), 1 / math.sqrt(2), rel_tol=0.03)


@pytest.mark.parametrize("factory", ["zeros", "ones", "empty"])
def test_zeros_ones_empty_full_of_complex_dtypes_match_torch(factory):
    for dtype in ("cfloat", "cdouble"):
        got = getattr(mt, factory)(2, 3, dtype=getattr(mt, dtype))
        want = getattr(torch, factory)(2, 3, dtype=getattr(torch, dtype))
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        if factory != "empty":
            assert np.array_equal(got.numpy(), want.numpy())
    got, want = mt.full((2,), 1 - 2j), torch.full((2,), 1 - 2j)
    assert got.dtype == mt.complex64 and got.tolist() == want.tolist()
    assert mt.full((2,), 2.0, dtype=mt.cdouble).tolist() == [2 + 0j, 2 + 0j]


def test_normal_of_a_complex_dtype_gives_torchs_stream():
    torch.manual_seed(5)
    want = torch.normal(2.0, 3.0, (7,), dtype=torch.cfloat).numpy()
    mt.manual_seed(5)
    got = mt.normal(2.0, 3.0, (7,), dtype=mt.cfloat)
    assert got.dtype == mt.complex64 and np.array_equal(got.numpy(), want)
    torch.manual_seed(6)
    want = torch.rand_like(torch.zeros(30), dtype=torch.cdouble).numpy()
    mt.manual_seed(6)
    assert np.array_equal(mt.rand_like(mt.zeros(30), dtype=mt.cdouble).numpy(), want)
