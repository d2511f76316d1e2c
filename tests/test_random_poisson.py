"""``poisson`` draws torch's samples, and leaves the stream where torch leaves it, on every path
of ``_rng_poisson`` (one rate or many; Knuth below 10, PTRS from 10; zero rates)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _rng_poisson

RATES = {
    "same_small": np.full(3000, 0.5),
    "same_one": np.full(2000, 1.0),
    "same_mid": np.full(1000, 4.0),  # one rate, but the loop's range
    "same_ptrs_edge": np.full(1000, 10.0),
    "same_large": np.full(1000, 300.0),
    "same_huge": np.full(50, 1e7),
    "varying": np.random.default_rng(0).uniform(0, 30, 2000),
    "zeros_between": np.where(np.arange(900) % 3 == 0, 0.0, 0.7),
    "all_zero": np.zeros(7),
    "single": np.array([[2.5]]),
    "tiny_rate": np.full(500, 1e-9),
}


def _both(rates: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    torch.manual_seed(seed)
    expected = np.concatenate([torch.poisson(torch.tensor(rates)).numpy().ravel(),
                               torch.rand(3, dtype=torch.float64).numpy()])  # fmt: skip
    mt.manual_seed(seed)
    actual = np.concatenate([mt.poisson(mt.tensor(rates)).numpy().ravel(),
                             mt.rand(3, dtype=mt.float64).numpy()])  # fmt: skip
    return actual, expected


@pytest.mark.parametrize("name", sorted(RATES))
@pytest.mark.parametrize("seed", [0, 7])
def test_poisson_equals_torch_and_takes_its_draws(name, seed):
    actual, expected = _both(RATES[name], seed)
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("name", ["same_small", "same_large", "varying"])
def test_a_block_that_runs_short_is_redrawn_from_the_same_state(name, monkeypatch):
    """Every path rewinds the generator and draws a larger block when the first runs out."""
    sizes = []

    class ShortFirstBlock(_rng_poisson._Block):
        def __init__(self, generator, size):
            sizes.append(size)
            super().__init__(generator, 6 if len(sizes) == 1 else size)

    monkeypatch.setattr(_rng_poisson, "_Block", ShortFirstBlock)
    actual, expected = _both(RATES[name], 3)
    np.testing.assert_array_equal(actual, expected)
    assert len(sizes) == 2


def test_one_rate_takes_the_vectorised_paths_and_different_rates_the_loop(monkeypatch):
    calls = []
    for name in ("_knuth_same_rate", "_ptrs_same_rate", "_sequential"):
        original = getattr(_rng_poisson, name)
        monkeypatch.setattr(
            _rng_poisson, name, lambda *a, _n=name, _f=original: calls.append(_n) or _f(*a)
        )
    g = mt.Generator()
    for rates in (RATES["same_small"], RATES["same_large"], RATES["same_mid"], RATES["varying"]):
        _rng_poisson.poisson(g, rates)
    assert calls == ["_knuth_same_rate", "_ptrs_same_rate", "_sequential", "_sequential"]


def test_negative_or_nan_rates_raise_torchs_error():
    for bad in (-1.0, float("nan")):
        with pytest.raises(RuntimeError, match="expected rate to be non-negative"):
            mt.poisson(mt.tensor([1.0, bad]))
