"""cross_entropy and nll_loss reject bad arguments with PyTorch's exception types, and messages
that name the values, shapes and dtypes involved."""

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F

X = mt.zeros(3, 5)
T = mt.tensor([1, 2, 3])

CASES = [
    # (args, kwargs, exception, message)
    ((X, mt.tensor([1, 2, 5])), {}, IndexError, r"Target 5 is out of bounds.*\[0, 5\) for 5 classes"),
    ((X, mt.tensor([1, -1, 2])), {}, IndexError, r"Target -1 is out of bounds.*ignore_index \(-100\)"),
    ((X, mt.tensor([1, 7, 2])), {"ignore_index": 6}, IndexError, "Target 7 is out of bounds"),
    ((X, mt.tensor([1.0, 2.0, 3.0])), {}, RuntimeError, r"Long or Byte.*got microtensor.float32"),
    ((X, mt.tensor([1, 2, 3], dtype=mt.int32)), {}, RuntimeError, r"but got microtensor.int32"),
    ((X, mt.tensor([True, False, True])), {}, RuntimeError, r"but got microtensor.bool"),
    ((X, mt.tensor([1, 2])), {}, ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(2\).*\(3, 5\).*\(2,\)"),
    ((X, mt.tensor([[1, 2, 3]])), {}, ValueError, r"batch_size \(3\) to match target batch_size \(1\)"),
    ((mt.zeros(2, 3, 4), mt.zeros(2, 5, dtype=mt.int64)), {}, RuntimeError,
     r"Expected target size \(2, 4\), got \(2, 5\).*input \(2, 3, 4\)"),
    ((mt.zeros(2, 3, 4), mt.zeros(2, dtype=mt.int64)), {}, RuntimeError, r"target size \(2, 4\), got \(2,\)"),
    ((mt.zeros(2, 3, 4, 5), mt.zeros(2, 4, 4, dtype=mt.int64)), {}, RuntimeError, r"\(2, 4, 5\), got \(2, 4, 4\)"),
    ((mt.zeros(5), mt.tensor([1, 2])), {}, ValueError, "For 1D input, 1D target must have size 1, but got target size: 2"),
    ((mt.zeros(5), mt.zeros(1, 1, dtype=mt.int64)), {}, RuntimeError, "0D or 1D target tensor expected"),
    ((mt.tensor(1.0), mt.tensor(0)), {}, ValueError, r"Expected 1 or more dimensions \(got 0\)"),
    ((X, T), {"weight": mt.ones(3)}, RuntimeError,
     r"defined either for all 5 classes or no classes but got weight tensor of shape: \(3,\)"),
    ((X, T), {"weight": mt.ones(1, 5)}, RuntimeError, r"weight tensor of shape: \(1, 5\)"),
    ((X, T), {"weight": mt.ones(5, dtype=mt.float64)}, RuntimeError,
     r"expected scalar type microtensor.float32 but found microtensor.float64"),
    ((X, T), {"weight": mt.ones(5, requires_grad=True)}, RuntimeError,
     "not differentiable with respect to argument 'weight'"),
    ((X, T), {"weight": np.ones(5)}, TypeError, "argument 'weight' must be Tensor, not ndarray"),
    ((X, [1, 2, 3]), {}, TypeError, "argument 'target' must be Tensor, not list"),
    ((np.zeros((3, 5)), T), {}, TypeError, "argument 'input' must be Tensor, not ndarray"),
    ((mt.zeros(3, 5, dtype=mt.int64), T), {}, NotImplementedError, "floating.*microtensor.int64"),
    ((X, T), {"reduction": "batchmean"}, ValueError, "batchmean is not a valid value for reduction"),
]  # fmt: skip

CE_ONLY = [
    ((X, T), {"label_smoothing": 1.5}, RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    ((X, mt.zeros(3, 5, dtype=mt.int64)), {}, RuntimeError,
     "Expected floating point type for target with class probabilities, got microtensor.int64"),
    ((X, mt.zeros(3, 5)), {"ignore_index": 1}, RuntimeError, "ignore_index is not supported for floating point target"),
    ((X, mt.zeros(3, 5)), {"weight": mt.ones(4)}, RuntimeError, r"for all 5 classes .* shape: \(4,\)"),
]  # fmt: skip


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("args,kwargs,error,match", CASES)
def test_errors(name, args, kwargs, error, match):
    with pytest.raises(error, match=rf"{name}\(\): (.|\n)*{match}"):
        getattr(F, name)(*args, **kwargs)


@pytest.mark.parametrize("args,kwargs,error,match", CE_ONLY)
def test_cross_entropy_errors(args, kwargs, error, match):
    with pytest.raises(error, match=rf"cross_entropy\(\): (.|\n)*{match}"):
        F.cross_entropy(*args, **kwargs)


def test_nll_loss_does_not_take_probability_targets():
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
        F.nll_loss(X, mt.zeros(3, 5))


def test_ignored_out_of_range_targets_and_no_grad_weights_are_fine():
    x = mt.zeros(3, 5, requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([1, 9, 2]), ignore_index=9)
    assert np.isclose(loss.item(), np.log(5.0))
    with mt.no_grad():
        out = F.nll_loss(X, T, weight=mt.ones(5, requires_grad=True))
    assert out.item() == 0.0
