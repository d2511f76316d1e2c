"""Same seed, same numbers: every random factory and in-place method against torch's CPU streams.

Each case seeds both libraries, makes the same call, and then draws three more uniforms from
each, so a case also checks that microtensor consumed exactly as many draws as torch. Integers
must be equal and floats equal bit for bit, float64 too (glibc's ``log``, ``log1p`` and ``exp``
are ported in ``_libm``); only float64 ``cauchy_`` may differ, by an ulp (NumPy's ``tan``, see
``_rng_continuous``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import microtensor as mt

SEEDS = (0, 1, 2024)
SIZES = ((0,), (1,), (15,), (16,), (17,), (1000,), (3, 5, 7))
DTYPES = ("float32", "float64")


def _lib_dtype(lib: Any, name: str) -> Any:
    return getattr(lib, name)


def assert_stream_equal(actual: Any, expected: Any, scale: float = 1.0, ulps: int = 0) -> None:
    """Equal values (bits, or float64 to ``ulps`` of ``scale``), shapes and dtypes."""
    a, e = actual.numpy(), expected.numpy()
    assert a.shape == e.shape and a.dtype == e.dtype, (a.shape, e.shape, a.dtype, e.dtype)
    if a.dtype == np.float64 and ulps:
        tolerance = ulps * np.finfo(np.float64).eps * np.maximum(np.abs(e), scale)
        assert np.all(np.abs(a - e) <= tolerance), np.max(np.abs(a - e))
    else:
        np.testing.assert_array_equal(a, e)


def run_both(call: Callable[[Any], Any], seed: int, scale: float = 1.0, ulps: int = 0) -> None:
    torch.manual_seed(seed)
    expected = call(torch)
    after_torch = torch.rand(3)
    mt.manual_seed(seed)
    actual = call(mt)
    assert_stream_equal(actual, expected, scale, ulps)
    np.testing.assert_array_equal(mt.rand(3).numpy(), after_torch.numpy())


@pytest.mark.parametrize("dtype", [*DTYPES, "float16"])
@pytest.mark.parametrize("name", ["rand", "randn"])
def test_rand_and_randn(name, dtype):
    for seed in SEEDS:
        for size in SIZES:
            run_both(
                lambda lib, size=size: getattr(lib, name)(*size, dtype=_lib_dtype(lib, dtype)), seed
            )


@pytest.mark.parametrize("seed", SEEDS)
def test_randn_keeps_the_cached_second_sample_across_calls(seed):
    """Small randn draws Box-Muller pairs; the unused sine waits in the generator."""
    run_both(
        lambda lib: lib.cat([lib.randn(3), lib.randn(1), lib.randn(2, dtype=lib.float64)]), seed
    )


@pytest.mark.parametrize(
    "bounds",
    [
        (0, 10),
        (-5, 3),
        (0, 2**28 - 1),
        (0, 2**28),
        (0, 2**32),
        (-(2**40), 2**40),
        (7, 8),
        (-(2**31), 2**31 - 1),
    ],
)
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_randint(bounds, dtype):
    low, high = bounds
    info = np.iinfo(dtype) if dtype.startswith("int") else None
    if info is not None and (low < info.min or high - 1 > info.max):
        pytest.skip("bounds outside the dtype")
    if dtype == "float32" and max(abs(low), abs(high)) > 2**24:
        pytest.skip("torch warns: float32 cannot hold every integer of the range")
    for seed in SEEDS:
        run_both(lambda lib: lib.randint(low, high, (40,), dtype=_lib_dtype(lib, dtype)), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_overloads_and_like(seed):
    run_both(lambda lib: lib.randint(9, (2, 3)), seed)
    base = np.zeros((4, 5), dtype=np.int32)
    run_both(lambda lib: lib.randint_like(lib.tensor(base), 3, 20), seed)
    run_both(lambda lib: lib.randint_like(lib.tensor(base), 7), seed)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 257, 5000])
def test_randperm(n):
    for seed in SEEDS:
        run_both(lambda lib: lib.randperm(n), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_randperm_dtypes(seed):
    run_both(lambda lib: lib.randperm(100, dtype=lib.int32), seed)
    run_both(lambda lib: lib.randperm(100, dtype=lib.float32), seed)


NORMAL_CALLS = {
    "number_number": lambda lib, mean, std: lib.normal(0.5, 2.0, (5, 7)),
    "tensor_number": lambda lib, mean, std: lib.normal(lib.tensor(mean), 0.3),
    "number_tensor": lambda lib, mean, std: lib.normal(-1.0, lib.tensor(std)),
    "tensor_tensor": lambda lib, mean, std: lib.normal(lib.tensor(mean), lib.tensor(std)),
    "broadcast": lambda lib, mean, std: lib.normal(lib.tensor(mean), lib.tensor(std[0])),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("overload", list(NORMAL_CALLS))
def test_normal_overloads(overload, dtype):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        mean = rng.standard_normal((6, 20)).astype(dtype)
        std = rng.random((6, 20)).astype(dtype) + 0.1
        run_both(lambda lib, m=mean, s=std: NORMAL_CALLS[overload](lib, m, s), seed, scale=3.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["rand_like", "randn_like"])
def test_like_factories_follow_the_input_layout(name, dtype):
    """A transposed input: torch's empty_like keeps its strides, so draws land transposed."""
    base = np.zeros((4, 6), dtype=dtype)
    for seed in SEEDS:
        run_both(lambda lib: getattr(lib, name)(lib.tensor(base)), seed)
        run_both(lambda lib: getattr(lib, name)(lib.tensor(base).t()), seed)


IN_PLACE = {
    "uniform_": ((), (-2.0, 5.0), (0.25, 0.5)),
    "normal_": ((), (0.5, 2.0), (-1.0, 0.01)),
    "exponential_": ((), (2.5,)),
    "geometric_": ((0.3,), (0.9,)),
    "cauchy_": ((), (0.5, 2.0)),
    "log_normal_": ((), (0.2, 0.5)),
    "bernoulli_": ((), (0.3,)),
}
CASES = [(name, args) for name, forms in IN_PLACE.items() for args in forms]


LAYOUTS = [((1,), "contiguous"), ((16,), "contiguous"), ((17,), "contiguous")] + [
    ((40, 25), layout) for layout in ("contiguous", "transposed", "strided")
]


def _target(lib: Any, size: tuple[int, ...], layout: str, dtype: str) -> Any:
    if layout == "transposed":
        return lib.zeros(*size[::-1], dtype=_lib_dtype(lib, dtype)).t()
    if layout == "strided":  # every other column: not contiguous, memory order as C order
        return lib.zeros(size[0], 2 * size[1], dtype=_lib_dtype(lib, dtype))[:, ::2]
    return lib.zeros(*size, dtype=_lib_dtype(lib, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "args"), CASES, ids=[f"{n}{a}" for n, a in CASES])
def test_in_place_distributions(name, args, dtype):
    ulps = 1 if name == "cauchy_" else 0  # NumPy's tan: see test_float64_cauchy_is_within_an_ulp
    for seed in SEEDS[:2]:
        for size, layout in LAYOUTS:

            def call(lib: Any, size: Any = size, layout: str = layout) -> Any:
                target = _target(lib, size, layout, dtype)
                getattr(target, name)(*args)
                return target.contiguous()

            run_both(call, seed, scale=2.0, ulps=ulps)


@pytest.mark.parametrize(
    "dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float32", "float64"]
)
def test_random_(dtype):
    forms = [(), (0, 2)] + ([] if dtype == "bool" else [(7,), (2, None)])
    forms += [] if dtype in ("uint8", "bool") else [(-3, 9)]
    for seed in SEEDS:
        for args in forms:
            run_both(
                lambda lib, args=args: lib.zeros(5, 7, dtype=_lib_dtype(lib, dtype)).random_(*args),
                seed,
            )


@pytest.mark.parametrize("seed", SEEDS)
def test_random_full_64_bit_range_and_keyword_to(seed):
    run_both(lambda lib: lib.zeros(9, dtype=lib.int64).random_(-(2**63), None), seed)
    run_both(lambda lib: lib.zeros(9, dtype=lib.int64).random_(3, to=40), seed)
    run_both(lambda lib: lib.zeros(9, dtype=lib.int64).random_(to=40), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_generator_argument_leaves_the_default_stream_alone(seed):
    def call(lib: Any) -> Any:
        g = lib.Generator().manual_seed(seed + 11)
        draws = [
            lib.rand(20, generator=g),
            lib.randn(20, generator=g),
            lib.randint(0, 9, (20,), generator=g).double(),
            lib.randperm(20, generator=g).double(),
            lib.normal(0.0, 1.0, (20,), generator=g),
            lib.zeros(20).uniform_(-1, 1, generator=g),
            lib.zeros(20).normal_(generator=g),
            lib.zeros(20).exponential_(generator=g),
            lib.zeros(20, dtype=lib.int64).random_(0, 5, generator=g).double(),
        ]
        return lib.cat([d.double() for d in draws])

    run_both(call, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_float16_uniforms_round_from_float32_and_never_reach_to(seed):
    """float16 draws float32 uniforms; a value rounding up to `to` becomes `from` (torch 2.13)."""
    run_both(lambda lib: lib.rand(3000, dtype=lib.float16), seed)
    run_both(lambda lib: lib.zeros(20000, dtype=lib.float16).uniform_(-2, 3), seed)
    # the clamp matters: unclamped, some of these draws round to 3 in float16
    x = mt.Generator().manual_seed(seed)._uniform(20000, np.float32)
    assert ((x * np.float32(5) - np.float32(2)).astype(np.float16) == 3).any()


@pytest.mark.parametrize("seed", SEEDS)
def test_float16_normal_takes_float32_blocks_and_16_fresh_draws_for_the_tail(seed):
    """Half randn: float32 Box-Muller per block of 16; the tail's uniforms are drawn once."""
    for n in (16, 33, 1000, 4099):
        run_both(lambda lib, n=n: lib.randn(n, dtype=lib.float16), seed)
        run_both(lambda lib, n=n: lib.zeros(n, dtype=lib.float16).normal_(0.5, 2.0), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_float64_box_muller_log_exp_equal_torch_bit_for_bit(seed):
    """Large float64 draws through glibc's log (randn, geometric_) and exp (log_normal_)."""
    run_both(lambda lib: lib.randn(20000, dtype=lib.float64), seed)
    run_both(lambda lib: lib.zeros(20000, dtype=lib.float64).normal_(-1.0, 3.0), seed)
    run_both(lambda lib: lib.zeros(20000, dtype=lib.float64).geometric_(0.01), seed)
    run_both(lambda lib: lib.zeros(20000, dtype=lib.float64).log_normal_(0.5, 3.0), seed)
    for dtype in ("float32", "float16"):
        run_both(lambda lib, d=dtype: lib.zeros(20000, dtype=getattr(lib, d)).log_normal_(), seed)
        run_both(lambda lib, d=dtype: lib.zeros(20000, dtype=getattr(lib, d)).exponential_(), seed)


def test_float64_cauchy_is_within_an_ulp():
    """Differs from PyTorch (pinned): glibc's tan is not ported; NumPy's is off by <= 1 ulp."""
    torch.manual_seed(0)
    expected = torch.zeros(100000, dtype=torch.float64).cauchy_().numpy()
    mt.manual_seed(0)
    actual = mt.zeros(100000, dtype=mt.float64).cauchy_().numpy()
    np.testing.assert_array_max_ulp(actual, expected, maxulp=1)
    assert (actual != expected).mean() < 0.02  # none where NumPy calls glibc's tan (no AVX-512)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["cauchy_", "normal_", "exponential_", "log_normal_"])
def test_float16_fills_round_through_float32_contiguous_or_not(kind, seed):
    # c10 casts each double draw to half through float: a direct cast differs now and then
    def fill(lib):
        with np.errstate(over="ignore"):
            flat = getattr(lib.empty(2000, dtype=lib.float16), kind)()
            strided = getattr(lib.empty(40, 30, dtype=lib.float16).t(), kind)()
        return lib.cat([flat, strided.reshape(-1)])

    run_both(fill, seed)
