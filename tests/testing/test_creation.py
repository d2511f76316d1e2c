"""make_tensor (microtensor/testing/creation.py): torch's ranges, options and random draws."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.testing import make_tensor

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _both(dtype, *shape, **options):
    """make_tensor in torch and microtensor after the same seed, as NumPy arrays."""
    torch.manual_seed(3)
    mt.manual_seed(3)
    want = torch.testing.make_tensor(*shape, dtype=getattr(torch, dtype), device="cpu", **options)
    got = make_tensor(*shape, dtype=getattr(mt, dtype), device="cpu", **options)
    return got, want


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("shape", "options"),
    [
        (((4, 5),), {}),
        ((3, 7), {"noncontiguous": True, "exclude_zero": True}),
        (([17],), {"low": -2, "high": 3}),
        ((6,), {"low": -1e9, "high": 1e9}),  # clamped to the dtype's range
        ((0, 3), {}),
    ],
)
def test_values_and_layout_equal_torch_after_the_same_seed(dtype, shape, options):
    got, want = _both(dtype, *shape, **options)
    assert got.dtype == getattr(mt, dtype)
    assert got.shape == tuple(want.shape)
    assert got.stride() == want.stride()
    assert got.is_contiguous() == want.is_contiguous()
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_huge_float64_ranges_halve_then_double_as_torch():
    got, want = _both("float64", 40, low=-1e308, high=1e308)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert np.isfinite(got.numpy()).all()


def test_default_ranges():
    mt.manual_seed(0)
    values = make_tensor(4000, dtype=mt.float32, device="cpu").numpy()
    assert -9 <= values.min() and values.max() < 9 and values.min() < -8.9
    ints = make_tensor(4000, dtype=mt.int64, device="cpu").numpy()
    assert (ints.min(), ints.max()) == (-9, 9)
    assert make_tensor(4000, dtype=mt.uint8, device="cpu").numpy().min() == 0


def test_requires_grad_and_memory_format():
    t = make_tensor(2, 3, 4, 5, dtype=mt.float64, device="cpu", requires_grad=True)
    assert t.requires_grad and t.is_leaf
    cl = make_tensor(2, 3, 4, 5, dtype=mt.float32, device="cpu", memory_format=mt.channels_last)
    assert cl.is_contiguous(memory_format=mt.channels_last)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dtype": "int64", "requires_grad": True}, "requires_grad=True` is not supported"),
        ({"dtype": "float32", "low": 2, "high": 1}, "must be less than `high`"),
        ({"dtype": "float32", "low": float("nan")}, "cannot be NaN"),
        ({"dtype": "uint8", "low": -20, "high": -10}, r"only supports \[0, 256\)"),
        ({"dtype": "float32", "noncontiguous": True, "memory_format": "channels_last"}, "mutually"),
    ],
)
def test_bad_arguments_raise_value_error_as_torch(kwargs, match):
    for lib in (torch, mt):
        options = dict(kwargs, dtype=getattr(lib, kwargs["dtype"]))
        if "memory_format" in options:
            options["memory_format"] = lib.channels_last
        maker = torch.testing.make_tensor if lib is torch else make_tensor
        with pytest.raises(ValueError, match=match):
            maker(2, 3, 4, 5, device="cpu", **options)


def test_low_equal_high_warns_for_floats():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = make_tensor(3, dtype=mt.float32, device="cpu", low=2, high=2)
    assert any(issubclass(w.category, FutureWarning) for w in caught)
    assert t.tolist() == [2.0, 2.0, 2.0]


def test_gpu_device_raises_clearly():
    with pytest.raises(RuntimeError, match="make_tensor.*CPU only"):
        make_tensor(3, dtype=mt.float32, device="cuda")


def test_reachable_as_microtensor_testing_make_tensor():
    assert mt.testing.make_tensor is make_tensor


@pytest.mark.parametrize("dtype", ["cfloat", "cdouble"])
@pytest.mark.parametrize(
    "options",
    [
        {"low": -1, "high": 1},
        {},
        {"exclude_zero": True, "low": 0, "high": 1},
        {"noncontiguous": True},
    ],
)
def test_complex_tensors_draw_torchs_values(dtype, options):
    mt.manual_seed(3)
    torch.manual_seed(3)
    ours = make_tensor(
        (2, 5), dtype=getattr(mt, dtype), device="cpu", requires_grad=True, **options
    )
    theirs = torch.testing.make_tensor(
        (2, 5), dtype=getattr(torch, dtype), device="cpu", requires_grad=True, **options
    )
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    assert ours.requires_grad and ours.is_contiguous() == theirs.is_contiguous()
