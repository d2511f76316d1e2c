"""Division with rounding (microtensor/ops/division.py): div's rounding modes, floor_divide,
remainder and fmod on integers, and division by zero, against torch.

remainder and fmod on floating inputs (values, gradients) are in test_arithmetic.py's table of
binary ops.
"""

import numpy as np
import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize(
    ("a", "dtype", "b"),
    [
        ([-7, 7, -9, 9, 0, -8], "int64", [2, -2, -4, 4, 3, 2]),
        ([-7, 7], "int32", 2),
        ([7, 200, 255], "uint8", [3, 7, 2]),
        ([-7.0, 7.5, -0.5], "float32", [2.0, 2.0, 3.0]),
        ([-7, 7], "int64", 2.5),  # an int tensor by a float: the default float dtype
        ([-7, 7], "int16", [3, -3]),
    ],
)
def test_trunc_division_keeps_integers_as_torchs(a, dtype, b):
    got = mt.div(
        mt.tensor(a, dtype=getattr(mt, dtype)),
        mt.tensor(b) if isinstance(b, list) else b,
        rounding_mode="trunc",
    )
    expected = torch.div(
        torch.tensor(a, dtype=getattr(torch, dtype)),
        torch.tensor(b) if isinstance(b, list) else b,
        rounding_mode="trunc",
    )
    assert got.tolist() == expected.tolist()
    assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]


def test_trunc_division_has_torchs_node_and_zero_gradient():
    x = mt.tensor([3.0, -5.0], requires_grad=True)
    y = mt.div(x, 2, rounding_mode="trunc")
    assert (
        type(y.grad_fn).__name__
        == type(
            torch.div(torch.ones(1, requires_grad=True), 2, rounding_mode="trunc").grad_fn
        ).__name__
    )
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.tensor([7, 1]) // lib.tensor([0, 1]),
        lambda lib: lib.tensor([7]) % 0,
        lambda lib: lib.fmod(lib.tensor([7]), 0),
        lambda lib: lib.div(lib.tensor([7]), 0, rounding_mode="trunc"),
        lambda lib: lib.div(lib.tensor([7]), 0, rounding_mode="floor"),
        lambda lib: lib.remainder(
            lib.tensor([7], dtype=lib.uint8), lib.tensor([0], dtype=lib.uint8)
        ),
    ],
)
def test_integer_division_by_zero_raises_torchs_error(call):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        call(torch)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        call(mt)


def test_float_division_by_zero_gives_infinities_as_torchs():
    for call in (lambda lib: lib.tensor([7.0, -1.0]) // 0, lambda lib: lib.tensor([7.0]) % 0):
        with np.errstate(all="ignore"):
            got = call(mt)
        assert np.array_equal(got.numpy(), call(torch).numpy(), equal_nan=True)
