"""``microtensor.quasirandom.SobolEngine`` gives torch's points, state and errors exactly."""

import numpy as np
import pytest
import torch
from torch.quasirandom import SobolEngine as TorchSobol

import microtensor as mt
from microtensor.quasirandom import SobolEngine

DTYPES = [(mt.float32, torch.float32), (mt.float64, torch.float64)]
SCRAMBLES = [(False, None), (True, 0), (True, 7)]


def assert_equal_points(actual, expected):
    assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_array_equal(actual.numpy(), expected.numpy())


def assert_same_state(mine, theirs):
    for name in ("sobolstate", "shift", "quasi"):
        np.testing.assert_array_equal(getattr(mine, name).numpy(), getattr(theirs, name).numpy())
        assert getattr(mine, name).dtype == mt.int64
    assert_equal_points(mine._first_point, theirs._first_point)
    assert mine.num_generated == theirs.num_generated


@pytest.mark.parametrize("dimension", [1, 2, 5, 100, 1111])
@pytest.mark.parametrize(("scramble", "seed"), SCRAMBLES)
@pytest.mark.parametrize(("dtype", "torch_dtype"), DTYPES, ids=["float32", "float64"])
def test_draws_equal_torchs(dimension, scramble, seed, dtype, torch_dtype):
    mine = SobolEngine(dimension, scramble=scramble, seed=seed)
    theirs = TorchSobol(dimension, scramble=scramble, seed=seed)
    assert_same_state(mine, theirs)
    n = 1000 if dimension <= 100 else 200
    assert_equal_points(mine.draw(n, dtype=dtype), theirs.draw(n, dtype=torch_dtype))
    mine.fast_forward(37)
    theirs.fast_forward(37)
    assert_equal_points(mine.draw(5, dtype=dtype), theirs.draw(5, dtype=torch_dtype))
    assert_same_state(mine, theirs)


def test_direction_numbers_of_all_21201_dimensions_are_torchs():
    mine, theirs = SobolEngine(SobolEngine.MAXDIM), TorchSobol(TorchSobol.MAXDIM)
    np.testing.assert_array_equal(mine.sobolstate.numpy(), theirs.sobolstate.numpy())


@pytest.mark.parametrize(("scramble", "seed"), SCRAMBLES)
def test_draw_sequences_fast_forward_and_reset(scramble, seed):
    mine = SobolEngine(3, scramble=scramble, seed=seed)
    theirs = TorchSobol(3, scramble=scramble, seed=seed)
    assert mine.fast_forward(1) is mine and theirs.fast_forward(1) is theirs  # fresh engine
    for n in (1, 1, 7, 64):
        assert_equal_points(mine.draw(n), theirs.draw(n))
    mine.fast_forward(1_000_003)
    theirs.fast_forward(1_000_003)
    assert_equal_points(mine.draw(3), theirs.draw(3))
    assert_same_state(mine, theirs)
    assert mine.reset() is mine
    theirs.reset()
    assert_same_state(mine, theirs)
    assert_equal_points(mine.draw(4), theirs.draw(4))


def test_draw_base2():
    mine, theirs = SobolEngine(4, scramble=True, seed=7), TorchSobol(4, scramble=True, seed=7)
    for m in (0, 0, 1, 2):
        assert_equal_points(mine.draw_base2(m), theirs.draw_base2(m))
    with pytest.raises(ValueError, match=r"n=8\+2\*\*2=12\. If you still want to do this"):
        mine.draw_base2(2)
    with pytest.raises(ValueError, match=r"n=8\+2\*\*2=12"):
        theirs.draw_base2(2)


def test_unseeded_scrambling_draws_from_the_default_generator():
    mt.manual_seed(3)
    torch.manual_seed(3)
    mine, theirs = SobolEngine(6, scramble=True), TorchSobol(6, scramble=True)
    assert_same_state(mine, theirs)
    assert_equal_points(mt.rand(2), torch.rand(2))  # both streams moved on alike


def test_out_and_dtypes():
    mine, theirs = SobolEngine(2), TorchSobol(2)
    out, torch_out = mt.empty(0, dtype=mt.float64), torch.empty(0, dtype=torch.float64)
    assert mine.draw(3, out=out) is out
    theirs.draw(3, out=torch_out)
    assert_equal_points(out, torch_out)
    fresh = SobolEngine(2, scramble=True, seed=0)
    assert_equal_points(
        fresh.draw(1, dtype=mt.int64), TorchSobol(2, True, 0).draw(1, dtype=torch.int64)
    )
    assert_equal_points(SobolEngine(2).draw(3, dtype=float), TorchSobol(2).draw(3, dtype=float))


def test_attributes_and_repr():
    mine = SobolEngine(5, scramble=True, seed=7)
    assert (mine.MAXBIT, mine.MAXDIM) == (TorchSobol.MAXBIT, TorchSobol.MAXDIM) == (30, 21201)
    assert (mine.dimension, mine.scramble, mine.seed, mine.num_generated) == (5, True, 7, 0)
    assert (
        repr(mine)
        == repr(TorchSobol(5, scramble=True, seed=7))
        == ("SobolEngine(dimension=5, scramble=True, seed=7)")
    )
    assert repr(SobolEngine(2)) == repr(TorchSobol(2)) == "SobolEngine(dimension=2)"
    assert repr(SobolEngine(2, seed=1)) == "SobolEngine(dimension=2, seed=1)"
    mine.draw(3)
    assert mine.num_generated == 3


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda lib, S: S(0),
            ValueError,
            r"Supported range of dimensionality for SobolEngine is \[1, 21201\]",
        ),
        (lambda lib, S: S(21202), ValueError, r"is \[1, 21201\]"),
        (lambda lib, S: S(2.5), TypeError, r"SobolEngine\(\): argument 'dimension'"),
        (lambda lib, S: S(2).draw(0), RuntimeError, r"negative dimension -1: \[-1, 2\]"),
        (lambda lib, S: S(2).draw(-1), RuntimeError, r"negative dimension -2: \[-2, 2\]"),
        (lambda lib, S: S(2).draw(2.5), TypeError, r"argument 'n'"),
        (lambda lib, S: S(2).draw(3, dtype=lib.int64), NotImplementedError, "_sobol_engine_draw"),
        (lambda lib, S: S(2).draw(3, dtype=lib.float16), NotImplementedError, "_sobol_engine_draw"),
        (lambda lib, S: S(2).draw(3, dtype="float32"), TypeError, r"argument 'dtype'"),
        (lambda lib, S: S(2).draw_base2(-1), TypeError, "unsupported operand"),
    ],
    ids=[
        "zero",
        "too-many",
        "float",
        "draw-0",
        "draw-negative",
        "float-n",
        "int64",
        "float16",
        "dtype-str",
        "base2-negative",
    ],  # fmt: skip
)
def test_errors_are_torchs(call, error, match):
    with pytest.raises(error, match=match):
        call(mt, SobolEngine)
    with pytest.raises(error):
        call(torch, TorchSobol)
