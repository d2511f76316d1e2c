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
        dtypes.to_dtype("complex64")


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
