"""``_libm.log1p`` is the C library's ``log1p`` bit for bit, so float64 draws equal torch's."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _libm


def test_log1p_equals_the_c_library_on_every_branch():
    """Python's math.log1p calls the same C library function as torch's kernels."""
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            -(rng.integers(0, 2**53, 3000) * 2.0**-53),  # -u: the random kernels' inputs
            rng.uniform(-1, 1, 1000),
            10.0 ** rng.uniform(-60, 300, 500),  # tiny, reduced and huge arguments
            -(10.0 ** rng.uniform(-60, -0.001, 500)),
            2.0 ** np.arange(-60, 60) - 1,  # 1 + x a power of two: f == 0
            -(2.0 ** -np.arange(1, 60)),
            [0.0, -0.0, 1e-300, -1e-17],
        ]
    )
    x = x[x > -1]
    expected = np.array([math.log1p(value) for value in x])
    np.testing.assert_array_equal(_libm.log1p(x), expected)
    assert _libm.log1p(np.array([-1.0]))[0] == -np.inf


def test_numpy_log1p_is_not_enough():
    """The reason for the port: NumPy's log1p misses the C library's last bit often."""
    u = np.random.default_rng(1).integers(0, 2**53, 2000) * 2.0**-53
    expected = np.array([math.log1p(-value) for value in u])
    assert (np.log1p(-u) != expected).any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float64_draws_through_log1p_equal_torch_bit_for_bit(seed):
    for make in (
        lambda lib: lib.randn(15, dtype=lib.float64),
        lambda lib: lib.zeros(500, dtype=lib.float64).exponential_(1.5),
        lambda lib: lib.zeros(30, 20, dtype=lib.float64).t().normal_(0.5, 2.0),
    ):
        torch.manual_seed(seed)
        expected = make(torch).contiguous().numpy()
        mt.manual_seed(seed)
        np.testing.assert_array_equal(make(mt).contiguous().numpy(), expected)
