"""``_libm``'s log1p, log and exp are the C library's bit for bit, so float64 draws equal torch's."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _libm


@pytest.mark.parametrize("ported", [True, False])
def test_log1p_equals_the_c_library_on_every_branch(ported):
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
    np.testing.assert_array_equal(_libm.log1p(x, ported=ported), expected)
    assert _libm.log1p(np.array([-1.0]), ported=ported)[0] == -np.inf


@pytest.mark.parametrize(
    ("numpy_fn", "c_fn", "x"),
    [
        (np.log1p, math.log1p, -np.random.default_rng(1).integers(0, 2**53, 2000) * 2.0**-53),
        (np.log, math.log, np.random.default_rng(2).integers(1, 2**53, 20000) * 2.0**-53),
        (np.exp, math.exp, np.random.default_rng(3).normal(0, 3, 20000)),
    ],
)
def test_numpy_is_not_enough_where_it_has_its_own_kernels(numpy_fn, c_fn, x):
    """The reason for the port: NumPy's AVX-512 kernels miss the C library's last bit often.

    On a CPU without AVX-512 NumPy calls the C library itself and the two agree.
    """
    differs = (numpy_fn(x) != np.array([c_fn(value) for value in x])).any()
    assert differs == _numpy_has_avx512()


def _numpy_has_avx512() -> bool:
    """Whether NumPy runs its own float64 log/exp kernels here (AVX-512F, NumPy's X86_V4)."""
    from numpy._core._multiarray_umath import __cpu_features__ as features

    return bool(features.get("AVX512F"))


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


def _c_exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


@pytest.mark.parametrize("ported", [True, False])
def test_log_equals_the_c_library_on_every_branch(ported):
    """Table path, the near-1 series, subnormals, zero, negatives, inf and nan."""
    rng = np.random.default_rng(2)
    u = rng.integers(1, 2**53, 20000) * 2.0**-53
    x = np.concatenate(
        [
            u,  # log(u) of geometric_, and 1 - u of Box-Muller
            1.0 - u,
            rng.uniform(1 - 2.0**-4, 1 + 2.0**-4, 5000),  # near 1
            10.0 ** rng.uniform(-307, 308, 5000),
            rng.uniform(0, 1, 200) * 2.0**-1022,  # subnormals
            [1.0, np.nextafter(1.0, 0), np.nextafter(1.0, 2), 5e-324, 2.0**-1022, 1.7e308],
        ]
    )
    expected = np.array([math.log(value) for value in x])
    np.testing.assert_array_equal(_libm.log(x, ported=ported), expected)
    special = _libm.log(np.array([0.0, -0.0, -1.0, np.inf, np.nan]), ported=ported)
    assert special[0] == special[1] == -np.inf and special[3] == np.inf
    assert np.isnan(special[2]) and np.isnan(special[4])


@pytest.mark.parametrize("ported", [True, False])
def test_exp_equals_the_c_library_on_every_branch(ported):
    """The table path, |x| < 2**-54, |x| > 512 (overflow and the subnormal range), inf, nan."""
    rng = np.random.default_rng(3)
    x = np.concatenate(
        [
            rng.normal(0, 3, 20000),  # log_normal_'s exp of normal draws
            rng.uniform(-760, 720, 5000),
            rng.uniform(-1e-16, 1e-16, 200),
            [0.0, -0.0, 709.78, 709.79, -708.4, -745.13, -745.14, -1000.0, 1000.0, 1e-300],
        ]
    )
    np.testing.assert_array_equal(
        _libm.exp(x, ported=ported), np.array([_c_exp(value) for value in x])
    )
    special = _libm.exp(np.array([np.inf, -np.inf, np.nan]), ported=ported)
    assert special[0] == np.inf and special[1] == 0.0 and np.isnan(special[2])
