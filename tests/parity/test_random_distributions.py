"""Random ops against torch on shape, dtype and distribution (the OpInfo test checks random
entries on shape and dtype only, since the two libraries draw different streams).

Each row draws a few thousand numbers with the same call in both libraries; the samples must
come from the same distribution (two-sample Kolmogorov-Smirnov test, fixed seeds) and, for
discrete ones, take the same set of values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from scipy import stats

import microtensor as mt

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
    # unbounded support: the rare large values differ between any two samples, so KS alone
    "Tensor.geometric_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).geometric_(0.3), False),
    "Tensor.bernoulli_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).bernoulli_(0.3), True),
    "Tensor.random_": (lambda lib: lib.zeros(N, dtype=_f64(lib)).random_(0, 5), True),
    "bernoulli": (lambda lib: lib.bernoulli(lib.full((N,), 0.3, dtype=_f64(lib))), True),
    "poisson": (lambda lib: lib.poisson(lib.full((N,), 3.0, dtype=_f64(lib))), True),
    "rrelu": (
        lambda lib: lib.nn.functional.rrelu(-lib.ones(N, dtype=_f64(lib)), 0.1, 0.3, True),
        False,
    ),
    "multinomial:replacement": (
        lambda lib: lib.multinomial(lib.tensor([0.1, 0.2, 0.0, 0.7], dtype=_f64(lib)), N, True),
        True,
    ),
    "multinomial:first_draw": (
        lambda lib: lib.multinomial(lib.tensor([[1.0, 2.0, 7.0]] * N, dtype=_f64(lib)), 2)[:, 0],
        True,
    ),
    "dropout": (
        lambda lib: lib.nn.functional.dropout(lib.ones(N, dtype=_f64(lib)), 0.3, True),
        True,
    ),
    "dropout2d": (
        lambda lib: lib.nn.functional.dropout2d(lib.ones(N // 4, 4, 1, 1, dtype=_f64(lib)), 0.4),
        True,
    ),
    "alpha_dropout": (
        lambda lib: lib.nn.functional.alpha_dropout(lib.ones(N, dtype=_f64(lib)), 0.3, True),
        True,
    ),
    "feature_alpha_dropout": (
        lambda lib: lib.nn.functional.feature_alpha_dropout(
            lib.ones(N // 4, 4, 2, dtype=_f64(lib)), 0.3, True
        ),
        True,
    ),
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
    mt.manual_seed(0)
    theirs = draw(torch)
    try:
        mine = draw(mt)
    except AttributeError as error:
        if "microtensor" not in str(error) and "'Tensor'" not in str(error):
            raise
        pytest.skip(f"not in microtensor yet ({error})")
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
