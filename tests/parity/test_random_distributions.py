"""Random ops against torch: after the same seed, the same samples.

The exact rows draw with the same call in both libraries, after the same seed (of the
default generator or of a ``Generator``), across seeds, sizes, odd and transposed shapes and
both float dtypes: integers, 0/1 draws and floats must be equal (bit for bit), and the
generators must end in the same state (the same number of draws taken).

Torch's scalar-p ``bernoulli_`` (so every dropout mask) once ran MKL's generator on Intel
processors; its CPU builds have used the default kernel on every processor since 2.7
(pytorch#132395). Microtensor always runs the default kernel: a test pins that rule, and the
rows that compare with torch are skipped should torch here run another kernel.

The distribution rows (functions outside ``ops/random_sampling.py`` and dropout, whose exact
streams are tested with their own modules) keep a two-sample Kolmogorov-Smirnov check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from scipy import stats

import microtensor as mt

SEEDS = [0, 2**32 + 7]  # the second one checks that only the low 32 bits seed MT19937
SHAPES = [(0,), (1,), (15,), (16,), (17,), (1000,), (3, 5, 7)]
DTYPES = ["float32", "float64"]


def _torch_runs_the_default_bernoulli() -> bool:
    """Whether torch's scalar ``bernoulli_`` here is its default kernel (MKL's is off since 2.7).

    The default kernel's rule, from MT19937 itself: ``u < p`` with ``u`` the low 53 bits of
    two 32-bit draws (high word first) times 2**-53.
    """
    bits = np.random.MT19937()
    bits._legacy_seeding(0)
    words = bits.random_raw(2000).reshape(-1, 2)
    uniform = (((words[:, 0] & (2**21 - 1)) << 32) | words[:, 1]) * 2.0**-53
    draws = torch.empty(1000, dtype=torch.float64).bernoulli_(
        0.5, generator=torch.Generator().manual_seed(0)
    )
    return bool((draws.numpy() == (uniform < 0.5)).all())


DEFAULT_BERNOULLI = _torch_runs_the_default_bernoulli()
OTHER_KERNEL = "torch runs another scalar-p bernoulli kernel here than its default one"


def _data(lib: Any, array: np.ndarray) -> Any:
    return lib.tensor(array)


def _reversed(t: Any) -> Any:
    """A non-contiguous view: the dims in reverse order."""
    return t.permute(*range(t.ndim)[::-1])


def _probabilities(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    return np.random.default_rng(1).random(shape).astype(dtype)


def _rates(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    rates = np.random.default_rng(2).random(shape) * 30  # both of torch's algorithms
    rates.reshape(-1)[::5] = 0.0
    return rates.astype(dtype)


# name: (draw(lib, shape, dtype, generator or None), uses torch's scalar bernoulli kernel)
Draw = Callable[[Any, tuple[int, ...], str, Any], Any]
EXACT: dict[str, tuple[Draw, bool]] = {
    "bernoulli:tensor_p": (
        lambda lib, s, dt, g: lib.bernoulli(_data(lib, _probabilities(s, dt)), generator=g),
        False,
    ),
    "bernoulli:scalar_p": (
        lambda lib, s, dt, g: lib.bernoulli(_data(lib, _probabilities(s, dt)), 0.3, generator=g),
        True,
    ),
    "Tensor.bernoulli_:scalar": (
        lambda lib, s, dt, g: lib.zeros(s, dtype=getattr(lib, dt)).bernoulli_(0.7, generator=g),
        True,
    ),
    "Tensor.bernoulli_:tensor": (
        lambda lib, s, dt, g: lib.zeros(s, dtype=getattr(lib, dt)).bernoulli_(
            _data(lib, _probabilities(s, "float64" if dt == "float32" else "float32")),
            generator=g,
        ),
        False,
    ),
    "Tensor.bernoulli_:transposed": (
        lambda lib, s, dt, g: _reversed(lib.zeros(s[::-1], dtype=getattr(lib, dt))).bernoulli_(
            0.4, generator=g
        ),
        True,
    ),
    "Tensor.bernoulli_:broadcast_p": (
        lambda lib, s, dt, g: lib.zeros((*s, 3), dtype=getattr(lib, dt)).bernoulli_(
            _data(lib, _probabilities((1, 3), dt)), generator=g
        ),
        False,
    ),
    "poisson": (lambda lib, s, dt, g: lib.poisson(_data(lib, _rates(s, dt)), g), False),
    "dropout": (
        lambda lib, s, dt, g: lib.nn.functional.dropout(_data(lib, _probabilities(s, dt)), 0.3),
        True,
    ),
    "dropout:transposed": (
        lambda lib, s, dt, g: lib.nn.functional.dropout(
            _reversed(_data(lib, _probabilities(s[::-1], dt))), 0.6
        ),
        True,
    ),
    "alpha_dropout": (
        lambda lib, s, dt, g: lib.nn.functional.alpha_dropout(
            _data(lib, _probabilities(s, dt)), 0.2, True
        ),
        True,
    ),
    "rrelu": (
        lambda lib, s, dt, g: lib.nn.functional.rrelu(
            _data(lib, _probabilities(s, dt) - 0.5), 0.1, 0.3, True
        ),
        False,
    ),
}

# (C,) or (N, C) weights with zero entries, for multinomial
WEIGHT_SHAPES = [(1,), (5,), (17,), (1000,), (3, 6), (4, 16), (2, 1000)]
MULTINOMIAL = [(1, False), (1, True), (3, False), (3, True), (40, True)]


def _seeded(seed: int, use_generator: bool) -> tuple[Any, Any]:
    if use_generator:
        return mt.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    mt.manual_seed(seed)
    torch.manual_seed(seed)
    return None, None


def _state(lib: Any, generator: Any) -> np.ndarray:
    state = lib.get_rng_state() if generator is None else generator.get_state()
    return state.numpy()


def assert_same_samples(ours: Any, theirs: Any, what: str) -> None:
    mine, reference = ours.detach().numpy(), theirs.detach().numpy()
    assert mine.shape == reference.shape and mine.dtype == reference.dtype, what
    if mine.dtype.kind == "f":
        np.testing.assert_array_equal(mine, reference, err_msg=what)
    else:
        np.testing.assert_array_equal(mine, reference, err_msg=what)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(EXACT))
def test_same_samples_as_torch(name, dtype):
    draw, scalar_bernoulli = EXACT[name]
    if scalar_bernoulli and not DEFAULT_BERNOULLI:
        pytest.skip(OTHER_KERNEL)
    for seed in SEEDS:
        for shape in SHAPES:
            if name.endswith("transposed") and len(shape) < 2:
                shape = (shape[0], 2)
            for use_generator in (False, True):
                mine, theirs = _seeded(seed, use_generator)
                what = f"{name} seed={seed} shape={shape} generator={use_generator}"
                theirs_out = draw(torch, shape, dtype, theirs)
                assert_same_samples(draw(mt, shape, dtype, mine), theirs_out, what)
                assert (_state(mt, mine) == _state(torch, theirs)).all(), what


@pytest.mark.parametrize("dtype", ["float16", *DTYPES])
@pytest.mark.parametrize(("num_samples", "replacement"), MULTINOMIAL)
def test_multinomial_same_samples_as_torch(num_samples, replacement, dtype):
    for seed in SEEDS:
        for shape in WEIGHT_SHAPES:
            if not replacement and num_samples > shape[-1]:
                continue
            weights = np.random.default_rng(3).random(shape).astype(dtype)
            weights[..., ::4] = 0.0  # zero weights, never drawn while others are left
            weights[..., 1 if shape[-1] > 1 else 0] = 1.0
            if not replacement:  # enough positive weights: no ties among the zeros
                num_samples = min(num_samples, int((weights > 0).sum(-1).min()))
            for use_generator in (False, True):
                mine, theirs = _seeded(seed, use_generator)
                what = f"seed={seed} shape={shape} generator={use_generator}"
                ours = mt.multinomial(mt.tensor(weights), num_samples, replacement, generator=mine)
                reference = torch.multinomial(
                    torch.tensor(weights), num_samples, replacement, generator=theirs
                )
                assert_same_samples(ours, reference, what)
                assert (_state(mt, mine) == _state(torch, theirs)).all(), what


def test_feature_dropout_masks_and_gumbel_noise_are_torchs():
    if not DEFAULT_BERNOULLI:
        pytest.skip(OTHER_KERNEL)
    x = np.random.default_rng(4).standard_normal((3, 4, 5, 2)).astype(np.float32)
    calls = [
        ("dropout1d", lambda F, t: F.dropout1d(t[..., 0], 0.4)),
        ("dropout2d", lambda F, t: F.dropout2d(t, 0.5)),
        ("dropout3d", lambda F, t: F.dropout3d(t[None], 0.3)),
        ("feature_alpha_dropout", lambda F, t: F.feature_alpha_dropout(t, 0.25, True)),
        ("gumbel_softmax", lambda F, t: F.gumbel_softmax(t, tau=0.5)),
        ("gumbel_softmax:hard", lambda F, t: F.gumbel_softmax(t, hard=True, dim=1)),
    ]
    for name, call in calls:
        for seed in SEEDS:
            mt.manual_seed(seed)
            torch.manual_seed(seed)
            reference = call(torch.nn.functional, torch.tensor(x))
            ours = call(mt.nn.functional, mt.tensor(x))
            np.testing.assert_allclose(ours.numpy(), reference.numpy(), rtol=3e-7, atol=1e-7)
            assert (mt.get_rng_state().numpy() == torch.get_rng_state().numpy()).all(), name


def test_modules_and_fractional_pooling_draw_torchs_numbers():
    x = np.random.default_rng(5).standard_normal((2, 3, 9, 9)).astype(np.float32)
    for seed in SEEDS:
        mt.manual_seed(seed)
        torch.manual_seed(seed)
        ours = mt.nn.functional.fractional_max_pool2d(mt.tensor(x), 2, output_size=(4, 5))
        reference = torch.nn.functional.fractional_max_pool2d(torch.tensor(x), 2, (4, 5))
        np.testing.assert_array_equal(ours.numpy(), reference.numpy())
        if DEFAULT_BERNOULLI:
            ours = mt.nn.Dropout(0.2)(mt.tensor(x))
            np.testing.assert_array_equal(ours.numpy(), torch.nn.Dropout(0.2)(torch.tensor(x)))
        ours = mt.nn.RReLU()(mt.tensor(x))
        np.testing.assert_array_equal(ours.numpy(), torch.nn.RReLU()(torch.tensor(x)).numpy())


def test_scalar_bernoulli_is_torchs_default_kernel_on_every_processor():
    # microtensor's rule on every processor: torch's default kernel
    for dtype in (mt.float32, mt.float64):
        uniform = mt.Generator().manual_seed(5)._uniform(1000, np.float64)
        ours = mt.zeros(1000, dtype=dtype).bernoulli_(0.3, generator=mt.Generator().manual_seed(5))
        np.testing.assert_array_equal(ours.numpy(), (uniform < 0.3).astype(ours.numpy().dtype))
        mt.manual_seed(6)
        mask = mt.Generator().manual_seed(6)._uniform(1000, np.float64) < 0.75
        kept = mt.nn.functional.dropout(mt.ones(1000, dtype=dtype), 0.25).numpy() != 0
        np.testing.assert_array_equal(kept, mask)


def test_multinomial_fills_up_with_zero_weights_in_index_order():
    # Differs from PyTorch: torch's order among these ties comes from its partial sort
    weights = mt.tensor([0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0])
    for seed in range(5):
        draws = mt.multinomial(weights, 7, generator=mt.Generator().manual_seed(seed)).tolist()
        assert sorted(draws[:2]) == [2, 4] and draws[2:] == [0, 1, 3, 5, 6]


# --- distribution rows: same distribution (functions tested exactly elsewhere) --------------

N = 4000
P_VALUE = 1e-4  # seeds are fixed, so a row passes or fails the same way on every run


def _f64(lib: Any) -> Any:
    return lib.float64


DRAWS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    # name: (draw with `lib` = torch or microtensor, discrete)
    "rand": (lambda lib: lib.rand(N, dtype=_f64(lib)), False),
    "randn": (lambda lib: lib.randn(N, dtype=_f64(lib)), False),
    "rand_like": (lambda lib: lib.rand_like(lib.zeros(N, dtype=_f64(lib))), False),
    "randn_like": (lambda lib: lib.randn_like(lib.zeros(N, dtype=_f64(lib))), False),
    "randint": (lambda lib: lib.randint(-3, 7, (N,)), True),
    "randint_like": (lambda lib: lib.randint_like(lib.zeros(N), 2, 9), True),
    "normal:tensor_tensor": (
        lambda lib: lib.normal(
            lib.full((N,), 2.0, dtype=_f64(lib)), lib.full((N,), 3.0, dtype=_f64(lib))
        ),
        False,
    ),
    "normal:number_number": (lambda lib: lib.normal(1.5, 0.5, (N,)), False),
    "normal:number_tensor": (
        lambda lib: lib.normal(-1.0, lib.full((N,), 2.0, dtype=_f64(lib))),
        False,
    ),
    "Tensor.uniform_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).uniform_(-2, 5), False),
    "Tensor.normal_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).normal_(1, 4), False),
    "Tensor.exponential_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).exponential_(2.0), False),
    "Tensor.cauchy_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).cauchy_(1.0, 0.5), False),
    "Tensor.log_normal_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).log_normal_(0.0, 0.5), False),
    "Tensor.geometric_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).geometric_(0.3), False),
    "Tensor.random_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).random_(0, 5), True),
}


def same_distribution(mine: np.ndarray, theirs: np.ndarray, discrete: bool) -> str:
    """'' when the samples agree, else what differs."""
    if discrete and set(np.unique(mine)) != set(np.unique(theirs)):
        return f"values {np.unique(mine)[:8]} != torch's {np.unique(theirs)[:8]}"
    p_value = stats.ks_2samp(mine.ravel(), theirs.ravel(), method="asymp").pvalue
    if p_value < P_VALUE:
        return (
            f"Kolmogorov-Smirnov p = {p_value:.2g}: mean {mine.mean():.4g} vs {theirs.mean():.4g}"
        )
    return ""


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_random_op_matches_torch_in_distribution(name):
    draw, discrete = DRAWS[name]
    torch.manual_seed(0)
    mt.manual_seed(1)  # another seed, so that equal streams do not make this trivial
    theirs = draw(torch)
    mine = draw(mt)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    problem = same_distribution(mine.numpy(), theirs.numpy(), discrete)
    assert not problem, f"{name}: {problem}"


def test_a_different_distribution_is_caught():
    rng = np.random.default_rng(0)
    a = rng.random(N)
    assert same_distribution(a, rng.random(N), False) == ""
    assert same_distribution(a * 1.2, rng.random(N), False)
    assert same_distribution(np.array([0, 1, 2]), np.array([0, 1, 3]), True)
