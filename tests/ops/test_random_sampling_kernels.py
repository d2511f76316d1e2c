"""The kernels behind random sampling (microtensor/_rng_discrete.py): visiting order and draws.

torch fills an output in its memory order and its element-by-element kernels (poisson) take a
varying number of draws; these tests pin both against plain references.
"""

import numpy as np
import pytest

import microtensor as mt
from microtensor import _rng_discrete


@pytest.mark.parametrize(
    ("make", "axes"),
    [
        (lambda: np.zeros((3, 4)), None),
        (lambda: np.zeros((3, 4)).T, (1, 0)),
        (lambda: np.zeros((2, 3, 4)).transpose(2, 0, 1), (1, 2, 0)),
        (lambda: np.zeros((1, 5)).T, None),  # a size-1 dim says nothing about the layout
        (lambda: np.zeros(5)[::-1], None),
    ],
)
def test_memory_axes(make, axes):
    assert _rng_discrete.memory_axes(make()) == axes


def test_in_memory_order_fills_by_address():
    target = np.zeros((2, 3, 4)).transpose(2, 0, 1)
    filled = _rng_discrete.in_memory_order(
        np.arange(24.0), target.shape, _rng_discrete.memory_axes(target)
    )
    target[...] = filled
    np.testing.assert_array_equal(target.transpose(1, 2, 0).ravel(), np.arange(24.0))


def _knuth_reference(rate, uniforms):
    """sample_poisson below rate 10, written the plain way."""
    count, product = 0, 1.0
    while True:
        product *= next(uniforms)
        if product <= np.exp(-rate):
            return count
        count += 1


def test_poisson_takes_exactly_its_draws_from_the_stream():
    rates = np.array([0.3, 0.0, 4.5, 9.0, 2.0] * 40)
    g = mt.Generator().manual_seed(3)
    counts = _rng_discrete.poisson(g, rates)
    uniforms = iter(mt.Generator().manual_seed(3)._uniform(4000, np.float64).tolist())
    want = [_knuth_reference(r, uniforms) if r > 0 else 0 for r in rates]
    np.testing.assert_array_equal(counts, want)
    taken = int(counts[rates > 0].sum() + np.count_nonzero(rates))  # X + 1 draws each
    reference = mt.Generator().manual_seed(3)
    reference._uniform(taken, np.float64)
    assert (g.get_state().numpy() == reference.get_state().numpy()).all()


def test_poisson_large_rates_have_the_right_moments():
    counts = _rng_discrete.poisson(mt.Generator().manual_seed(0), np.full(4000, 300.0))
    assert abs(counts.mean() - 300) < 2 and abs(counts.var() / 300 - 1) < 0.1


def test_bernoulli_tensor_compares_in_float32_below_float64():
    g = mt.Generator().manual_seed(2)
    uniform = mt.Generator().manual_seed(2)._uniform(6, np.float32)
    probs = np.array([0.1, 0.5, 0.9, 0.2, 0.7, 1.0], dtype=np.float16)
    got = _rng_discrete.bernoulli_tensor(g, probs)
    np.testing.assert_array_equal(got, uniform < probs.astype(np.float32))


@pytest.mark.parametrize("p", [0.0, 1e-300, 2.0**-53, 0.3, 0.5, 1 - 2.0**-53, 1.0])
def test_bernoulli_scalar_is_a_float64_uniform_below_p(p):
    # the kernel compares 32-bit words; it must equal torch's rule u < p on the uniforms
    uniform = mt.Generator().manual_seed(9)._uniform(5000, np.float64)
    got = _rng_discrete.bernoulli_scalar(mt.Generator().manual_seed(9), (50, 100), p)
    np.testing.assert_array_equal(got, (uniform < p).reshape(50, 100))
