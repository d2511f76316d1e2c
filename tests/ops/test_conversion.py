"""dtype conversions, clone/contiguous with memory_format, new_* methods, fill and zero_."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import compare_with_torch

CONVERSIONS = ["byte", "short", "char", "half", "int", "long", "float", "double", "bool"]


@pytest.mark.parametrize("method", CONVERSIONS)
def test_dtype_methods_match_torch(method):
    data = np.array([[-1.5, 0.0, 2.7], [3.2, 250.0, -0.4]])
    mine = getattr(mt.tensor(data), method)(memory_format=mt.preserve_format)
    theirs = getattr(torch.tensor(data), method)(memory_format=torch.preserve_format)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_clone_contiguous_and_to_take_memory_format():
    x = mt.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.clone(memory_format=mt.contiguous_format)
    assert y.tolist() == [[1.0, 2.0]]
    assert y.grad_fn is not None
    assert x.contiguous(memory_format=mt.contiguous_format) is x
    assert mt.clone(x, memory_format=mt.preserve_format).tolist() == [[1.0, 2.0]]
    assert x.to(mt.float64, memory_format=mt.preserve_format).dtype == mt.float64
    with pytest.raises(TypeError, match=r"clone\(\): memory_format must be"):
        x.clone(memory_format="contiguous")


def test_clone_with_memory_format_passes_gradients():
    compare_with_torch(
        lambda t: t.clone(memory_format=mt.preserve_format) * 2,
        lambda t: t.clone(memory_format=torch.preserve_format) * 2,
        [np.random.default_rng(0).standard_normal((2, 3))],
    )


@pytest.mark.parametrize("method", ["new_zeros", "new_ones", "new_empty"])
def test_new_methods_take_device(method):
    x = mt.ones(2, dtype=mt.float64)
    out = getattr(x, method)((2, 3), device="cpu")
    theirs = getattr(torch.ones(2, dtype=torch.float64), method)((2, 3), device="cpu")
    assert out.shape == tuple(theirs.shape)
    assert out.dtype == mt.float64
    if method != "new_empty":
        np.testing.assert_array_equal(out.numpy(), theirs.numpy())
    assert getattr(x, method)(2, 3, dtype=mt.int64).dtype == mt.int64
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        getattr(x, method)(2, device="cuda")


def test_new_full_and_new_tensor_take_device():
    x = mt.ones(1, dtype=mt.int64)
    assert x.new_full((2,), 3, device="cpu").tolist() == [3, 3]
    assert x.new_tensor([1, 2], device=mt.device("cpu")).tolist() == [1, 2]
    with pytest.raises(RuntimeError, match=r"new_tensor\(\): microtensor runs on the CPU"):
        x.new_tensor([1], device="cuda")


def test_fill_matches_torch_values_and_gradients():
    rng = np.random.default_rng(1)
    compare_with_torch(lambda t: mt.fill(t, 2.5), lambda t: torch.fill(t, 2.5), [rng.random(3)])
    compare_with_torch(
        lambda t, v: mt.fill(t, v), lambda t, v: torch.fill(t, v), [rng.random(3), np.array(1.5)]
    )
    assert (
        mt.fill(mt.tensor([1, 2]), 2.7).tolist() == torch.fill(torch.tensor([1, 2]), 2.7).tolist()
    )


def test_fill_rejects_a_value_with_dimensions():
    with pytest.raises(RuntimeError, match=r"fill\(\): only supports a 0-dimension value"):
        mt.fill(mt.zeros(2), mt.ones(2))


def test_fill_and_zero_in_place_functions():
    x = mt.ones(3)
    assert mt.zero_(x) is x
    assert x.tolist() == [0.0, 0.0, 0.0]
    assert mt.fill_(x, 4.0) is x
    assert x.tolist() == [4.0, 4.0, 4.0]


def test_bfloat16_converts_and_keeps_the_graph():
    x = mt.tensor([1.0, 2.5, 1e-3], requires_grad=True)
    y = x.bfloat16()
    assert y.dtype == mt.bfloat16 and y.requires_grad
    (g,) = mt.autograd.grad(y.sum(), x)
    assert g.dtype == mt.float32 and g.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("low", "high", "dtype"),
    [
        (-3e38, 3e38, "float32"),  # to - from overflows float
        (-1e39, 0.0, "float32"),  # from outside float
        (0.0, 1e39, "float32"),
        (-1e5, 1e5, "float16"),
        (-1e308, 1e308, "float64"),
        (float("nan"), 1.0, "float32"),
        (0.0, float("inf"), "float64"),
    ],
)
def test_uniform_bounds_raise_torch_errors(low, high, dtype):
    with pytest.raises(RuntimeError) as expected:
        torch.empty(3, dtype=getattr(torch, dtype)).uniform_(low, high)
    with pytest.raises(RuntimeError) as got:
        mt.empty(3, dtype=getattr(mt, dtype)).uniform_(low, high)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(("low", "high"), [(-1e300, 1e300), (-5e307, 8e307), (-1e-300, 1e-300)])
def test_uniform_over_huge_float64_ranges_equals_torch(low, high):
    torch.manual_seed(5)
    mt.manual_seed(5)
    want = torch.empty(40, dtype=torch.float64).uniform_(low, high).numpy()
    got = mt.empty(40, dtype=mt.float64).uniform_(low, high).numpy()
    np.testing.assert_array_equal(got, want)


FILLS = {
    "fill_ -1 uint8": lambda lib: lib.zeros(3, dtype=lib.uint8).fill_(-1),
    "fill_ 300 uint8": lambda lib: lib.zeros(3, dtype=lib.uint8).fill_(300),
    "fill_ 1e39 float32": lambda lib: lib.zeros(2).fill_(1e39),
    "fill_ 200.0 int8": lambda lib: lib.zeros(2, dtype=lib.int8).fill_(200.0),
    "fill_ 3.7 int8": lambda lib: lib.zeros(2, dtype=lib.int8).fill_(3.7),
    "new_full -1 uint8": lambda lib: lib.zeros(3, dtype=lib.uint8).new_full((2,), -1),
    "new_full 1e39": lambda lib: lib.zeros(2).new_full((2,), 1e39),
    "masked_fill -1 uint8": lambda lib: lib.zeros(3, dtype=lib.uint8).masked_fill(
        lib.tensor([True, False, True]), -1
    ),
    "masked_fill 256 uint8": lambda lib: lib.zeros(3, dtype=lib.uint8).masked_fill(
        lib.tensor([True, False, True]), 256
    ),
    "masked_fill 2**63 int64": lambda lib: lib.zeros(2, dtype=lib.int64).masked_fill(
        lib.tensor([True, False]), 2**63
    ),
    "tensor -1 -255 uint8": lambda lib: lib.tensor([-1, -255, 3], dtype=lib.uint8),
    "tensor -256 uint8": lambda lib: lib.tensor([-256], dtype=lib.uint8),
    "tensor -1 uint16": lambda lib: lib.tensor([-1], dtype=lib.uint16),
}


@pytest.mark.parametrize("name", FILLS)
def test_fill_values_wrap_or_overflow_as_torch(name):
    """torch wraps -max..-1 into unsigned dtypes and refuses values outside the dtype."""
    try:
        want = FILLS[name](torch).tolist()
    except RuntimeError as error:
        assert "cannot be converted to type" in str(error)
        with pytest.raises(RuntimeError, match="cannot be converted to type"):
            FILLS[name](mt)
        return
    assert FILLS[name](mt).tolist() == want
