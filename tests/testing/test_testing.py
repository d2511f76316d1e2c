"""microtensor.testing: assert_close (messages as torch.testing's) and the hypothesis strategies."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import find, given
from hypothesis import strategies as st

import microtensor as mt
from microtensor.testing import assert_close, strategies

# --- assert_close -------------------------------------------------------------------------


def test_passes_within_dtype_tolerances():
    assert_close(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.0 + 1e-6]))
    assert_close(mt.tensor([1.0], dtype=mt.float64), mt.tensor([1.0 + 5e-8], dtype=mt.float64))
    assert_close(mt.tensor([1.0], dtype=mt.float16), mt.tensor([1.0009765625], dtype=mt.float16))
    assert_close(mt.tensor([1, 2]), mt.tensor([1, 2]))
    assert_close(mt.tensor([np.inf, -np.inf]), mt.tensor([np.inf, -np.inf]))
    assert_close(mt.tensor([1.0, np.nan]), mt.tensor([1.0, np.nan]), equal_nan=True)
    assert_close(mt.zeros(0, 3), mt.zeros(0, 3))
    assert_close(1.0, 1.0 + 1e-9)
    assert_close(None, None)
    assert_close(True, True)


def test_accepts_arrays_sequences_and_mappings():
    grad = mt.tensor([0.5, 1.5], requires_grad=True)
    assert_close(grad, np.array([0.5, 1.5], dtype=np.float32))
    assert_close([mt.tensor(1.0), (2, 3.0)], [mt.tensor(1.0), (2, 3.0)])
    assert_close({"w": mt.ones(2), "n": 3}, {"n": 3, "w": mt.ones(2)})
    assert_close(np.float64(2.0), np.float64(2.0))


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.1])),
        (np.array([True, False]), np.array([True, True])),
        (np.array([[2.0, np.inf]]), np.array([[2.0, -np.inf]])),
        (np.array([1.0, np.nan]), np.array([1.0, np.nan])),
        (np.array(2.0), np.array(3.0)),
        (1.0, 1.5),
        (1, 2),
        (1, 1.0),
        ([1.0, 2.0], [1.0, 2.5]),
        ([1.0, 2.0], [1.0]),
        ({"a": 1.0}, {"b": 1.0}),
        ({"a": [np.array([0.0]), 1]}, {"a": [np.array([1e-3]), 1]}),
    ],
)
def test_messages_match_torch(actual, expected):
    def as_torch(x):
        if isinstance(x, np.ndarray):
            return torch.from_numpy(x)
        if isinstance(x, dict):
            return {k: as_torch(v) for k, v in x.items()}
        if isinstance(x, list):
            return [as_torch(v) for v in x]
        return x

    def as_mt(x):
        if isinstance(x, np.ndarray):
            return mt.tensor(x)
        if isinstance(x, dict):
            return {k: as_mt(v) for k, v in x.items()}
        if isinstance(x, list):
            return [as_mt(v) for v in x]
        return x

    with pytest.raises(AssertionError) as expected_error:
        torch.testing.assert_close(as_torch(actual), as_torch(expected))
    with pytest.raises(AssertionError) as error:
        assert_close(as_mt(actual), as_mt(expected))
    assert str(error.value) == str(expected_error.value)


def test_float32_message_counts_and_locates_the_mismatch():
    with pytest.raises(AssertionError) as error:
        assert_close(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([[1.0, 2.0], [3.5, 4.0]]))
    assert str(error.value) == (
        "Tensor-likes are not close!\n\n"
        "Mismatched elements: 1 / 4 (25.0%)\n"
        "Greatest absolute difference: 0.5 at index (1, 0) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.14285714285714285 at index (1, 0) (up to 1.3e-06 allowed)"
    )


def test_integers_compare_exactly():
    # torch computes this relative difference in float32 (0.20000000298023224)
    with pytest.raises(AssertionError) as error:
        assert_close(mt.tensor([[1, 2], [3, 4]]), mt.tensor([[1, 2], [3, 5]]))
    assert str(error.value) == (
        "Tensor-likes are not equal!\n\n"
        "Mismatched elements: 1 / 4 (25.0%)\n"
        "Greatest absolute difference: 1 at index (1, 1)\n"
        "Greatest relative difference: 0.2 at index (1, 1)"
    )


def test_greatest_absolute_and_relative_differences_can_differ():
    with pytest.raises(AssertionError) as error:
        assert_close(np.array([0.0, 100.0]), np.array([0.1, 110.0]))
    message = str(error.value)
    assert "Mismatched elements: 2 / 2 (100.0%)" in message
    assert "Greatest absolute difference: 10.0 at index (1,)" in message
    assert "Greatest relative difference: 1.0 at index (0,)" in message


def test_shape_and_dtype_mismatches():
    shapes = r"microtensor.Size\(\[1\]\) != microtensor.Size\(\[2\]\)\."
    with pytest.raises(AssertionError, match=r"attribute 'shape' do not match: " + shapes):
        assert_close(mt.tensor([1.0]), mt.tensor([1.0, 2.0]))
    with pytest.raises(
        AssertionError,
        match="attribute 'dtype' do not match: microtensor.float32 != microtensor.float64",
    ):
        assert_close(mt.tensor([1.0]), mt.tensor([1.0], dtype=mt.float64))
    assert_close(mt.tensor([1.0]), mt.tensor([1.0], dtype=mt.float64), check_dtype=False)
    assert_close(1, 1.0, check_dtype=False)


def test_mixed_dtypes_use_the_larger_tolerance():
    half = mt.tensor([1.0], dtype=mt.float16)
    assert_close(half, mt.tensor([1.0005], dtype=mt.float64), check_dtype=False)
    with pytest.raises(AssertionError, match=r"up to 0.001 allowed"):
        assert_close(half, mt.tensor([1.01], dtype=mt.float64), check_dtype=False)


def test_explicit_tolerances():
    assert_close(mt.tensor([1.0]), mt.tensor([1.1]), rtol=0.0, atol=0.11)
    assert_close(mt.tensor([1.0]), mt.tensor([1.1]), rtol=0.1, atol=0.0)
    with pytest.raises(AssertionError, match=r"up to 0.09 allowed"):
        assert_close(mt.tensor([1.0]), mt.tensor([1.1]), rtol=0.0, atol=0.09)
    with pytest.raises(
        ValueError,
        match="Both 'rtol' and 'atol' must be either specified or omitted, but got no atol.",
    ):
        assert_close(mt.tensor([1.0]), mt.tensor([1.0]), rtol=0.1)
    with pytest.raises(ValueError, match="but got no rtol"):
        assert_close(mt.tensor([1.0]), mt.tensor([1.0]), atol=0.1)


def test_custom_message():
    with pytest.raises(AssertionError, match="^weights differ$"):
        assert_close(mt.tensor([1.0]), mt.tensor([2.0]), msg="weights differ")
    with pytest.raises(AssertionError, match=r"(?s)^Tensor-likes are not close!.*allowed\)!!$"):
        assert_close(mt.tensor([1.0]), mt.tensor([2.0]), msg=lambda m: m + "!!")


def test_uncomparable_inputs_raise_type_error():
    with pytest.raises(
        TypeError,
        match="No comparison pair was able to handle inputs of type "
        "<class 'microtensor.tensor.Tensor'> and <class 'float'>"
        r".*\.item\(\)",
    ):
        assert_close(mt.tensor(1.0), 1.0)
    with pytest.raises(TypeError, match="<class 'str'> and <class 'str'>"):
        assert_close("a", "a")


def test_none_and_bool_mismatches():
    with pytest.raises(AssertionError, match="None mismatch: None is not 1.0"):
        assert_close(None, 1.0)
    with pytest.raises(AssertionError, match="Booleans mismatch: True is not False"):
        assert_close(True, False)


# --- strategies ---------------------------------------------------------------------------


@given(strategies.shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
def test_shapes_respect_bounds(shape):
    assert 1 <= len(shape) <= 3
    assert all(2 <= side <= 4 for side in shape)


def test_default_shapes_include_0d_and_stay_small():
    assert find(strategies.shapes(), lambda s: len(s) == 0) == ()
    assert find(strategies.tensors(), lambda t: t.ndim == 0).shape == ()
    assert find(strategies.tensors(), lambda t: t.ndim == 3).ndim == 3


@given(strategies.tensors())
def test_tensors_default_to_small_float32_in_range(t):
    assert isinstance(t, mt.Tensor)
    assert t.dtype == mt.float32 and not t.requires_grad
    assert t.ndim <= 3 and all(1 <= side <= 4 for side in t.shape)
    values = t.numpy()
    assert np.all(np.isfinite(values)) and np.all(np.abs(values) <= 10)


@given(strategies.tensors(shape=(2, 3), dtype=mt.float64, requires_grad=True))
def test_tensors_with_fixed_shape_and_grad(t):
    assert t.shape == (2, 3) and t.dtype == mt.float64
    assert t.requires_grad and t.is_leaf


@given(strategies.tensors(shape=(3,), dtype=mt.cdouble, requires_grad=True))
def test_complex_tensors_have_finite_parts_and_require_grad(t):
    values = t.detach().numpy()
    assert t.dtype is mt.complex128 and t.requires_grad
    assert np.isfinite(values).all() and (np.abs(values.real) <= 10).all()
    assert (np.abs(values.imag) <= 10).all()


def test_complex_tensors_draw_nonzero_imaginary_parts():
    found = find(strategies.tensors(shape=(2,), dtype=mt.cfloat), lambda t: bool(t.imag.any()))
    assert found.dtype is mt.complex64


@given(strategies.tensors(shape=strategies.shapes(max_dims=2), dtype=mt.int8))
def test_integer_tensors_stay_in_default_range(t):
    assert t.dtype == mt.int8 and t.ndim <= 2
    assert np.all(np.abs(t.numpy().astype(np.int64)) <= 100)


@given(
    strategies.tensors(shape=(4,), dtype=np.float64, elements=st.floats(0.5, 2.0, allow_nan=False))
)
def test_tensors_with_custom_elements(t):
    assert np.all((t.numpy() >= 0.5) & (t.numpy() <= 2.0))


def test_tensors_with_a_dtype_strategy_draw_each_dtype():
    drawn = strategies.tensors(dtype=st.sampled_from([mt.bool, mt.int64, mt.float64]))
    for target in (mt.bool, mt.int64, mt.float64):
        assert find(drawn, lambda t, target=target: t.dtype == target).dtype == target


def test_tensors_reject_requires_grad_for_integers():
    with pytest.raises(RuntimeError, match="only floating dtypes can require gradients"):
        strategies.tensors(dtype=mt.int64, requires_grad=True)


@given(strategies.broadcastable_shapes((2, 1, 3), max_side=4))
def test_broadcastable_shapes_broadcast(shape):
    assert np.broadcast_shapes(shape, (2, 1, 3))


@given(strategies.mutually_broadcastable_shapes(3, max_dims=3, max_side=3))
def test_mutually_broadcastable_shapes_broadcast_to_result(shapes):
    assert len(shapes.input_shapes) == 3
    assert np.broadcast_shapes(*shapes.input_shapes) == shapes.result_shape


@given(strategies.floats_arrays(dtype=np.float32, min_value=-1.0, max_value=1.0))
def test_floats_arrays(array):
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    assert array.ndim <= 3 and np.all(np.abs(array) <= 1.0)


def test_testing_imports_without_hypothesis():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "from microtensor.testing import assert_close\n"
        "assert_close(1.0, 1.0)\n"
        "try:\n"
        "    import microtensor.testing.strategies\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "microtensor.testing.strategies needs hypothesis" in result.stdout


def test_torch_keyword_arguments_are_accepted():
    a = mt.ones(2, 3)
    assert_close(a, a.clone(), check_device=False, check_layout=False, check_stride=False)
    assert_close(a, a.clone(), allow_subclasses=True, rtol=0, atol=0, msg="never shown")


def test_check_stride_compares_strides_as_torch():
    a = mt.ones(2, 3)
    b = a.t().contiguous().t()
    assert_close(a, b)  # strides are not compared by default
    with pytest.raises(AssertionError) as got:
        assert_close(a, b, check_stride=True)
    with pytest.raises(AssertionError) as want:
        t = torch.ones(2, 3)
        torch.testing.assert_close(t, t.t().contiguous().t(), check_stride=True)
    assert str(got.value) == str(want.value)
    assert_close(a.numpy(), a.clone(), check_stride=True)  # an array's strides, in elements


def test_allow_subclasses_false_refuses_a_parameter_against_a_tensor():
    p = mt.nn.Parameter(mt.ones(2))
    assert_close(p, mt.ones(2))
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type"):
        assert_close(p, mt.ones(2), allow_subclasses=False)


def test_deprecated_assert_allclose():
    from microtensor.testing import assert_allclose

    with pytest.warns(FutureWarning, match="assert_allclose.*deprecated"):
        assert_allclose(mt.ones(2), [1.0, 1.00001])  # float32's old tolerances: 1e-4 / 1e-5
    with pytest.warns(FutureWarning), pytest.raises(AssertionError):
        assert_allclose(mt.ones(2), [1.0, 1.001])
    with pytest.warns(FutureWarning):  # dtypes are not compared, NaNs are equal
        assert_allclose(mt.tensor([1.0, float("nan")]), mt.tensor([1.0, float("nan")]).double())
