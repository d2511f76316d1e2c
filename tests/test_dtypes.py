"""dtype objects, default dtype and promotion."""

import numpy as np
import pytest

import microtensor as mt
from microtensor import dtypes


def test_dtype_objects_print_and_compare():
    assert repr(mt.float32) == "microtensor.float32"
    assert mt.float is mt.float32 and mt.double is mt.float64 and mt.long is mt.int64
    assert mt.float32.is_floating_point and not mt.int64.is_floating_point
    assert mt.tensor([1.0]).dtype == mt.float32


def test_to_dtype_accepts_numpy_and_python_types():
    assert dtypes.to_dtype(np.float64) is mt.float64
    assert dtypes.to_dtype("int32") is mt.int32
    assert dtypes.to_dtype(float) is mt.float32 and dtypes.to_dtype(int) is mt.int64
    assert dtypes.to_dtype(bool) is mt.bool
    with pytest.raises(TypeError, match="unsupported dtype"):
        dtypes.to_dtype("object")


def test_set_default_dtype():
    try:
        mt.set_default_dtype(mt.float64)
        assert mt.tensor([1.5]).dtype == mt.float64 and mt.zeros(1).dtype == mt.float64
        assert (mt.tensor([1, 2]) / 2).dtype == mt.float64
    finally:
        mt.set_default_dtype(mt.float32)
    with pytest.raises(TypeError, match="only floating-point types"):
        mt.set_default_dtype(mt.int64)


@pytest.mark.parametrize(
    "a,b,expected",
    [
        (np.zeros(2, np.float32), 2.5, np.float32),
        (np.zeros(2, np.int64), 2.5, np.float32),
        (np.zeros(2, np.bool_), 2, np.int64),
        (np.zeros(2, np.int32), 2, np.int32),
        (np.zeros(2, np.float32), np.zeros((), np.float64), np.float32),
        (np.zeros((), np.float64), np.zeros(2, np.int64), np.float64),
        (np.zeros(2, np.float32), np.zeros(2, np.float64), np.float64),
        (np.zeros(2, np.uint8), np.zeros(2, np.int8), np.int16),
    ],
)
def test_result_type_follows_torch(a, b, expected):
    assert dtypes.result_type(a, b) == np.dtype(expected)


def test_int_with_float_tensor_promotes_to_the_float_dtype():
    assert dtypes.result_type(np.zeros(2, np.int64), np.zeros(2, np.float32)) == np.float32
    assert (mt.tensor([1, 2]) + mt.tensor([1.0, 2.0])).dtype == mt.float32


WIDE_UINTS = ["uint16", "uint32", "uint64"]
# what torch 2.13 implements for its "limited support" unsigned dtypes
UINT_OPS = [
    "x & y", "x | y", "x ^ y", "x * 2", "x == y", "x != y", "x.sum()", "x + 1.5", "x / 2",
    "x.to(lib.float32)", "x.to(lib.int64)", "x[1:]", "lib.cat([x, y])", "x.clone()",
    "x.prod()", "lib.sort(x)[0]", "y.float().to(y.dtype)", "x.tolist()",
]  # fmt: skip


@pytest.mark.parametrize("name", WIDE_UINTS)
@pytest.mark.parametrize("expression", UINT_OPS)
def test_wide_unsigned_ints_match_torch(name, expression):
    import torch

    results = []
    for lib in (torch, mt):
        top = 2 ** (8 * getattr(mt, name).itemsize) - 1
        x = lib.tensor([1, 5, top], dtype=getattr(lib, name))
        y = lib.tensor([3, 5, 2], dtype=getattr(lib, name))
        results.append(repr(eval(expression, {"lib": lib, "x": x, "y": y})))
    assert results[1] == results[0].replace("torch.", "microtensor.")


def test_wide_unsigned_dtype_objects_and_factories():
    assert repr(mt.uint32) == "microtensor.uint32" and not mt.uint32.is_signed
    assert dtypes.to_dtype(np.uint64) is mt.uint64 and dtypes.to_dtype("uint16") is mt.uint16
    assert mt.zeros(2, dtype=mt.uint16).dtype == mt.uint16
    assert mt.arange(3, dtype=mt.uint64).tolist() == [0, 1, 2]
    assert mt.full((1,), 2**64 - 1, dtype=mt.uint64).item() == 2**64 - 1
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require"):
        mt.ones(1, dtype=mt.uint32, requires_grad=True)


def test_bfloat16_is_named_without_importing_ml_dtypes():
    assert repr(mt.bfloat16) == "microtensor.bfloat16" and mt.bfloat16.is_floating_point
    assert dtypes.to_dtype("bfloat16") is mt.bfloat16
    import ml_dtypes

    assert dtypes.to_dtype(ml_dtypes.bfloat16) is mt.bfloat16
    assert dtypes.from_numpy_dtype(np.dtype(ml_dtypes.bfloat16)) is mt.bfloat16
