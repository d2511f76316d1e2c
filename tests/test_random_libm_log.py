"""``_libm_log.log_fast`` (the screened fast path) gives ``log_port``'s bits, glibc's ``log``."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _libm_log


def _bits(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)


def _inputs() -> np.ndarray:
    """Every branch: Box-Muller's 1 - u, u, the near-1 range and its edges, extremes."""
    rng = np.random.default_rng(11)
    u = rng.integers(1, 2**53, 400_000) * 2.0**-53
    edges = np.array(
        [_libm_log._NEAR_ONE_LO, _libm_log._NEAR_ONE_LO + _libm_log._NEAR_ONE_SPAN],
        dtype=np.uint64,
    )
    around_edges = (edges[:, None] + np.arange(-2000, 2000).astype(np.uint64)).view(np.float64)
    one = np.array([1.0]).view(np.uint64)
    around_one = (one + np.arange(-3000, 3000).astype(np.uint64)).view(np.float64)
    return np.concatenate(
        [
            1.0 - u,
            u,
            rng.uniform(1 - 2.0**-4, 1 + 2.0**-4, 100_000),
            around_edges.reshape(-1),
            around_one,
            10.0 ** rng.uniform(-307, 308, 50_000),
            rng.uniform(0, 1, 2000) * 2.0**-1022,  # subnormals
            2.0 ** np.arange(-1074, 1024),
            [0.0, -0.0, -1.0, -np.inf, np.inf, np.nan, 5e-324, 2.0**-1022, 1.7976931348623157e308],
        ]
    )


def test_fast_log_equals_the_port_bit_for_bit():
    x = _inputs()
    with np.errstate(all="ignore"):
        expected = np.concatenate(
            [_libm_log.log_port(x[i : i + 8192]) for i in range(0, x.size, 8192)]
        )
    np.testing.assert_array_equal(_bits(_libm_log.log_fast(x)), _bits(expected))


def test_fast_log_equals_the_c_library_on_a_sample():
    """math.log calls the C library (glibc's log on the machines torch's bits come from)."""
    x = _inputs()[::37]
    x = x[(x > 0) & np.isfinite(x)]
    expected = np.array([math.log(value) for value in x])
    np.testing.assert_array_equal(_bits(_libm_log.log_fast(x)), _bits(expected))


@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 5), (16385,), (2, 16384 + 7)])
def test_fast_log_keeps_shapes_and_chunk_edges(shape):
    x = np.random.default_rng(5).uniform(0.01, 3, shape)
    with np.errstate(all="ignore"):
        expected = _libm_log.log_port(x.reshape(-1)).reshape(shape)
    out = _libm_log.log_fast(x)
    assert out.shape == shape
    np.testing.assert_array_equal(_bits(_libm_log.log_fast(x.T)), _bits(expected.T))
    np.testing.assert_array_equal(_bits(out), _bits(expected))


def _settled_by_the_fast_path(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_fast_chunk`` on all of ``x``: its values and where it settled them (off near 1)."""
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        left = _libm_log._fast_chunk(x, out, _libm_log._Buffers(x.size))
    settled = np.ones(x.size, dtype=bool)
    settled[left] = False
    return out, settled


def test_the_screen_settles_almost_every_box_muller_input():
    x = 1.0 - np.random.default_rng(3).integers(1, 2**53, 1_000_000) * 2.0**-53
    near = (x.view(np.uint64) - np.uint64(_libm_log._NEAR_ONE_LO)) < np.uint64(
        _libm_log._NEAR_ONE_SPAN
    )
    _, settled = _settled_by_the_fast_path(x)
    assert not settled[near].any()
    assert (~settled[~near]).mean() < 0.002


def test_the_screen_absorbs_a_tail_error_within_its_bound(monkeypatch):
    """A tail off by up to 2**-68 more (a0 four ulps off) still gives glibc's bits where settled.

    Without the bound the same tail misses them: the screen, not luck, keeps the bits.
    """
    x = 1.0 - np.random.default_rng(4).integers(1, 2**53, 1_000_000) * 2.0**-53
    with np.errstate(all="ignore"):
        expected = _bits(_libm_log.log_port(x))
    coeffs = list(_libm_log._LOG_A)
    coeffs[0] -= 4 * math.ulp(coeffs[0])
    monkeypatch.setattr(_libm_log, "_LOG_A", coeffs)
    out, settled = _settled_by_the_fast_path(x)
    np.testing.assert_array_equal(_bits(out)[settled], expected[settled])
    monkeypatch.setattr(_libm_log, "TAIL_ERROR_BOUND", 0.0)
    out, settled = _settled_by_the_fast_path(x)
    assert (_bits(out)[settled] != expected[settled]).any()


def test_the_reduction_keeps_r_within_the_bound_s_premise():
    """The tail's bound assumes |z/c - 1| <= 2**-8 over each table interval (exactly)."""
    table = _libm_log._INVC_LOGC
    worst = Fraction(0)
    for i in range(128):
        for bits in (_libm_log._LOG_OFF + (i << 45), _libm_log._LOG_OFF + ((i + 1) << 45)):
            z = Fraction(float(np.uint64(bits).view(np.float64)))
            worst = max(worst, abs(z * Fraction(float(table[i, 0])) - 1))
    assert worst <= Fraction(1, 256)


def test_the_near_one_screen_absorbs_a_tail_error_within_its_bound(monkeypatch):
    """b1 four ulps off moves the series' tail by 2u |r|**3: settled values keep glibc's bits."""
    x = np.random.default_rng(6).uniform(1 - 2.0**-4, 1 + 2.0**-4, 200_000)
    expected = _bits(_libm_log._near_one_port(x))
    coeffs = list(_libm_log._LOG_B)
    coeffs[1] += 4 * math.ulp(coeffs[1])
    monkeypatch.setattr(_libm_log, "_LOG_B", coeffs)
    values, unproven = _libm_log._near_one_fast(x)
    assert unproven.mean() < 0.05
    np.testing.assert_array_equal(_bits(values)[~unproven], expected[~unproven])
    monkeypatch.setattr(_libm_log, "NEAR_ONE_ERROR_BOUND", (0.0, 0.0))
    values, unproven = _libm_log._near_one_fast(x)
    assert (_bits(values)[~unproven] != expected[~unproven]).any()


@pytest.mark.parametrize("seed", [0, 1])
def test_a_million_float64_normals_equal_torch_bit_for_bit(seed):
    """randn's Box-Muller runs all its radii through the fast log in one call."""
    torch.manual_seed(seed)
    expected = torch.randn(1_000_003, dtype=torch.float64).numpy()
    mt.manual_seed(seed)
    np.testing.assert_array_equal(
        _bits(mt.randn(1_000_003, dtype=mt.float64).numpy()), _bits(expected)
    )
