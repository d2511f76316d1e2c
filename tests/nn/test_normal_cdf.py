"""GELU's standard normal CDF: SciPy's erfc in float64, a branch-free fit in float32."""

from __future__ import annotations

import numpy as np
import scipy.special

from microtensor.nn._functional._activation_ops import _normal_cdf


def test_float32_fit_is_accurate_over_the_whole_range():
    x = np.linspace(-14, 14, 200_001).astype(np.float32)
    cdf, ref = _normal_cdf(x), scipy.special.ndtr(x.astype(np.float64))
    assert cdf.dtype == np.float32 and cdf.shape == x.shape
    relative = np.abs(cdf - ref) / ref
    assert relative[ref > 1e-4].max() < 1e-6
    assert relative[ref > 1e-10].max() < 2.5e-6
    assert relative[ref > 1e-37].max() < 1e-5


def test_float32_special_values_and_shapes():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 40.0, -40.0], dtype=np.float32)
    np.testing.assert_array_equal(_normal_cdf(x), [0.5, 0.5, 1.0, 0.0, np.nan, 1.0, 0.0])
    assert _normal_cdf(np.array(1.5, dtype=np.float32)).shape == ()
    grid = np.arange(-6.0, 6.0, 0.5, dtype=np.float32).reshape(2, 3, 4)[:, ::2]  # strided
    expected = scipy.special.ndtr(grid.astype(np.float64))
    np.testing.assert_allclose(_normal_cdf(grid), expected, rtol=1e-6, atol=0)


def test_float64_is_scipys_erfc():
    x = np.random.default_rng(0).standard_normal(1000) * 5
    np.testing.assert_array_equal(_normal_cdf(x), scipy.special.erfc(x * -np.sqrt(0.5)) * 0.5)
