"""``microtensor.random``: the Generator API, torch's state layout, fork_rng, and the errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _rng_randperm
from microtensor.random import STATE_LAYOUT, Generator, _generator


def test_default_seed_and_initial_seed_follow_torch():
    assert Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert mt.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    assert mt.manual_seed(2**64 - 1).initial_seed() == 2**64 - 1
    np.testing.assert_array_equal(
        Generator().get_state().numpy(), torch.Generator().get_state().numpy()
    )


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**32 + 5, 2**63 + 17, -7])
def test_state_bytes_equal_torch_after_seeding_and_drawing(seed):
    mt.manual_seed(seed)
    torch.manual_seed(seed)
    np.testing.assert_array_equal(mt.get_rng_state().numpy(), torch.get_rng_state().numpy())
    for draw in (lambda lib: lib.rand(623), lambda lib: lib.randn(5), lambda lib: lib.rand(700)):
        draw(mt), draw(torch)
        np.testing.assert_array_equal(mt.get_rng_state().numpy(), torch.get_rng_state().numpy())


def test_state_layout_is_torch_size_and_dtype():
    state = mt.get_rng_state()
    assert state.dtype == mt.uint8 and tuple(state.shape) == (5056,) == (STATE_LAYOUT.itemsize,)


def test_torch_state_restores_in_microtensor_and_back():
    torch.manual_seed(3)
    torch.randn(3, dtype=torch.float64)  # leaves a cached normal sample in the state
    state = torch.get_rng_state()
    mt.set_rng_state(mt.tensor(state.numpy()))
    expected = torch.randn(5)  # float32 values from the float64 Box-Muller and its cache
    np.testing.assert_array_equal(mt.randn(5).numpy(), expected.numpy())
    torch.set_rng_state(torch.from_numpy(mt.get_rng_state().numpy().copy()))
    np.testing.assert_array_equal(mt.rand(4).numpy(), torch.rand(4).numpy())


def test_generator_methods_return_self_and_restore_state():
    g = Generator()
    assert g.manual_seed(5) is g
    assert str(g.device) == "cpu"
    state = g.get_state()
    first = mt.randn(7, generator=g)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(mt.randn(7, generator=g).numpy(), first.numpy())


def test_seed_gives_a_new_64_bit_seed():
    g = Generator()
    new_seed = g.seed()
    assert 0 <= new_seed < 2**64 and g.initial_seed() == new_seed
    assert mt.seed() == mt.initial_seed()


def test_private_draws_equal_torch_random_random64_and_uniform():
    g = Generator().manual_seed(11)
    words = g._random32(6)
    assert words.dtype == np.uint32
    g.manual_seed(11)
    pairs = g._random64(3)
    assert pairs.dtype == np.uint64
    expected = (words[0::2].astype(np.uint64) << np.uint64(32)) | words[1::2]
    np.testing.assert_array_equal(pairs, expected)
    torch.manual_seed(11)
    np.testing.assert_array_equal(
        g.manual_seed(11)._uniform(9, np.float64), torch.rand(9, dtype=torch.float64).numpy()
    )
    assert _generator(None) is mt.random.default_generator and _generator(g) is g


def test_fork_rng_restores_the_default_generator():
    mt.manual_seed(1)
    with mt.random.fork_rng():
        inside = mt.rand(5)
    after = mt.rand(5)
    mt.manual_seed(1)
    np.testing.assert_array_equal(after.numpy(), inside.numpy())
    with mt.random.fork_rng(enabled=False):
        mt.rand(1)
    assert not np.array_equal(mt.rand(5).numpy(), after.numpy())


def _randperm_by_swaps(draws: np.ndarray, n: int) -> np.ndarray:
    """torch's loop, literally: swap r[i] with r[i + draws[i] % (n - i)]."""
    r = list(range(n))
    for i in range(n - 1):
        z = i + int(draws[i]) % (n - i)
        r[i], r[z] = r[z], r[i]
    return np.array(r)


@pytest.mark.parametrize("n", [2, 3, 7, 64, 1000])
def test_vectorised_randperm_equals_the_swap_loop(n):
    for seed in range(3):
        draws = Generator().manual_seed(seed)._random32(n - 1)
        expected = _randperm_by_swaps(draws, n)
        actual = _rng_randperm.randperm_values(Generator().manual_seed(seed), n)
        np.testing.assert_array_equal(actual, expected)


def _randperm_inside_out(draws: np.ndarray) -> np.ndarray:
    """torch's loop from n = (2**32 - 1) // 20 on, literally: r[i] = r[z]; r[z] = i."""
    r = [0] * draws.size
    for i, draw in enumerate(draws.tolist()):
        z = draw % (i + 1)
        r[i] = r[z]
        r[z] = i
    return np.array(r)


@pytest.mark.parametrize("n", [2, 3, 7, 64, 1000, 5000])
def test_large_n_randperm_is_torchs_inside_out_shuffle(n, monkeypatch):
    """The 64-bit algorithm, on small n: the threshold moved down to n."""
    monkeypatch.setattr(_rng_randperm, "LARGE_N", n)
    for seed in range(3):
        expected = _randperm_inside_out(Generator().manual_seed(seed)._random64(n))
        g = Generator().manual_seed(seed)
        np.testing.assert_array_equal(_rng_randperm.randperm_values(g, n), expected)
        after = Generator().manual_seed(seed)
        after._random64(n)
        assert (g.get_state().numpy() == after.get_state().numpy()).all()


def test_inside_out_resolves_long_chains():
    """Every z_i = i - 1 (one chain through all steps) and every z_i = 0 (one hub)."""
    for draws in (np.maximum(np.arange(3000), 1) - 1, np.zeros(3000, dtype=np.int64)):
        targets = draws.astype(np.uint64)
        np.testing.assert_array_equal(
            _rng_randperm._inside_out(targets), _randperm_inside_out(targets)
        )


@pytest.mark.skipif(
    not os.environ.get("MICROTENSOR_HUGE_RANDPERM"),
    reason="~10 GB and minutes: set MICROTENSOR_HUGE_RANDPERM=1",
)
def test_randperm_at_torchs_64_bit_threshold_equals_torch():
    n = _rng_randperm.LARGE_N
    torch.manual_seed(3)
    expected = torch.randperm(n).numpy()
    mt.manual_seed(3)
    np.testing.assert_array_equal(mt.randperm(n).numpy(), expected)


def test_normal_cache_is_cleared_by_manual_seed():
    mt.manual_seed(0)
    mt.randn(1, dtype=mt.float64)
    assert mt.random.default_generator._normal_double is not None
    mt.manual_seed(0)
    assert mt.random.default_generator._normal_double is None


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: mt.manual_seed(2**64), ValueError, "Overflow"),
        (lambda: mt.set_rng_state(mt.zeros(5056)), TypeError, "ByteTensor"),
        (lambda: mt.set_rng_state(mt.zeros(10, dtype=mt.uint8)), RuntimeError, "size 5056"),
        (lambda: Generator(device="cuda"), RuntimeError, "CPU generators only"),
        (lambda: mt.rand(2, generator=np.random.default_rng()), TypeError, "Generator"),
        (lambda: mt.rand(2, dtype=mt.int64), NotImplementedError, "check_uniform_bounds"),
        (lambda: mt.randn(2, dtype=mt.int64), NotImplementedError, "normal_kernel_cpu"),
        (lambda: mt.randint(5, 5, (2,)), RuntimeError, "from=5 >= to=5"),
        (lambda: mt.randperm(-1), RuntimeError, "non-negative"),
        (lambda: mt.randperm(300, dtype=mt.uint8), RuntimeError, "too large"),
        (lambda: mt.normal(mt.zeros(2), -1.0), RuntimeError, "std >= 0.0"),
        (lambda: mt.normal(0.0, mt.tensor([-1.0])), RuntimeError, "all elements of std"),
        (lambda: mt.normal(0.0, 1.0), TypeError, "pass a size"),
        (lambda: mt.zeros(3).uniform_(3, 1), RuntimeError, "from=3 > to=1"),
        (lambda: mt.zeros(3, dtype=mt.int64).uniform_(), NotImplementedError, "check_uniform"),
        (lambda: mt.zeros(3).normal_(0, -1), RuntimeError, "std >= 0.0"),
        (lambda: mt.zeros(3).exponential_(0), RuntimeError, "lambda > 0.0"),
        (lambda: mt.zeros(3, dtype=mt.int64).exponential_(), RuntimeError, "floating point"),
        (lambda: mt.zeros(3).geometric_(1.5), RuntimeError, r"p to be in \(0, 1\)"),
        (lambda: mt.zeros(3).cauchy_(0, 0), RuntimeError, "sigma > 0.0"),
        (lambda: mt.zeros(3).log_normal_(1, 0), RuntimeError, "std > 0.0"),
        (lambda: mt.zeros(3).bernoulli_(1.5), RuntimeError, r"p to be in \[0, 1\]"),
        (lambda: mt.zeros(3, dtype=mt.uint8).random_(-1, 5), RuntimeError, "out of bounds"),
        (lambda: mt.zeros(3).random_(1, 2, 3), TypeError, "random_"),
        (lambda: mt.zeros(3, dtype=mt.int8).random_(-(2**63), None), RuntimeError, "64-bit"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_invalid_mt19937_states_raise():
    state = mt.get_rng_state().numpy().copy()
    record = state.view(STATE_LAYOUT)
    record["left"] = 0
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        mt.set_rng_state(mt.tensor(state))
    record["left"], record["next"] = 5, 3
    with pytest.raises(RuntimeError, match="next == 625 - left"):
        mt.set_rng_state(mt.tensor(state))


@pytest.mark.skipif(
    torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"),
    reason="torch's AVX2 normal kernel runs only on AVX2/AVX512 machines",
)
def test_randn_float32_follows_torchs_avx2_kernel_not_libm():
    """This machine's torch runs normal_fill_AVX2 (its AVX512 build has no normal kernel):
    Box-Muller through NumPy's float32 log/sin/cos differs from torch, microtensor does not."""
    torch.manual_seed(0)
    uniforms = torch.rand(4096).numpy().reshape(-1, 16)
    torch.manual_seed(0)
    expected = torch.randn(4096).numpy()
    radius = np.sqrt(np.float32(-2) * np.log(np.float32(1) - uniforms[:, :8]))
    theta = np.float32(2 * np.pi) * uniforms[:, 8:]
    libm = np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1).ravel()
    assert not np.array_equal(libm, expected)
    mt.manual_seed(0)
    np.testing.assert_array_equal(mt.randn(4096).numpy(), expected)


def test_fused_float32_box_muller_equals_the_avx_mathfun_port():
    """randn's in-place float32 kernel repeats ``_avx_mathfun.log`` and ``sincos`` bit for bit.

    A float32 uniform is ``k * 2**-24``: every 31st ``k`` here (all 2**24 of them were checked
    when the kernel was written), radius and angle from the same uniform.
    """
    from microtensor import _avx_mathfun, _rng_normal

    u = np.arange(0, 2**24, 31, dtype=np.int64).astype(np.float32) * np.float32(2**-24)
    u = np.concatenate([u, np.float32([0, 2**-24, 0.5, 1 - 2**-24, 0.125, 0.875])])
    radius = np.sqrt(np.float32(-2) * _avx_mathfun.log(np.float32(1) - u))
    sin, cos = _avx_mathfun.sincos(np.float32(2 * np.pi) * u)
    scratch = _rng_normal._Scratch(u.size)
    fused_radius = np.float32(1) - u
    _rng_normal._log_radius(fused_radius, scratch)
    np.testing.assert_array_equal(fused_radius.view(np.int32), radius.view(np.int32))
    fused_cos, fused_sin = radius.copy(), u.copy()
    _rng_normal._sincos_times(fused_sin, fused_cos, scratch)
    np.testing.assert_array_equal(fused_cos.view(np.int32), (radius * cos).view(np.int32))
    np.testing.assert_array_equal(fused_sin.view(np.int32), (radius * sin).view(np.int32))
