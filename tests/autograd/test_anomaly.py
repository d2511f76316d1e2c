"""Anomaly mode: NaN is located in backward (as PyTorch) and in forward (microtensor only)."""

import inspect

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.autograd import anomaly


def leaf(values):
    return mt.tensor(values, dtype=mt.float64, requires_grad=True)


def line_of(marker):
    """The line number, in this file, of the line holding ``marker``."""
    source = inspect.getsource(inspect.getmodule(line_of)).splitlines()
    return next(i for i, line in enumerate(source, 1) if marker in line and "line_of" not in line)


def test_nan_made_in_forward_names_the_op_and_the_users_line():
    x = leaf([-1.0, 4.0])
    with mt.autograd.detect_anomaly(), pytest.raises(RuntimeError) as error:
        x.log()  # forward-nan-here
    message = str(error.value)
    assert message.startswith("Function 'LogBackward0' produced nan values in its 0th output")
    assert f"test_anomaly.py:{line_of('# forward-nan-here')}:" in message
    assert "x.log()  # forward-nan-here" in message


def test_nan_inside_a_module_points_at_the_modules_line():
    class Shifted(mt.nn.Module):
        def forward(self, x):
            return mt.sqrt(x - 10)  # module-nan-here

    with mt.autograd.detect_anomaly(), pytest.raises(RuntimeError, match="SqrtBackward0") as error:
        Shifted()(leaf([1.0]))
    assert f"test_anomaly.py:{line_of('# module-nan-here')}:" in str(error.value)


def test_custom_function_making_nan_is_located():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * float("nan")

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out

    with (
        mt.autograd.detect_anomaly(),
        pytest.raises(RuntimeError, match="'BadBackward' produced nan"),
    ):
        Bad.apply(leaf([1.0]))


def test_nan_coming_in_with_the_data_is_not_blamed_on_the_op():
    x = leaf([float("nan"), 1.0])
    with mt.autograd.detect_anomaly():
        y = (x * 2).sum()
    assert np.isnan(y.item())


def test_infinities_pass_in_forward_and_backward_as_in_torch():
    x, tx = leaf([0.0, 1.0]), torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    with mt.autograd.detect_anomaly():
        x.log().sum().backward()
    with torch.autograd.detect_anomaly():
        tx.log().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())  # [inf, 1]


def test_nan_in_backward_matches_torchs_message():
    x, tx = leaf([0.0]), torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    with mt.autograd.detect_anomaly():
        y = (mt.sqrt(x) * 0).sum()
        with pytest.raises(
            RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output"
        ):
            y.backward()
    with torch.autograd.detect_anomaly():
        ty = (torch.sqrt(tx) * 0).sum()
        with pytest.raises(
            RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output"
        ):
            ty.backward()


def test_without_check_nan_or_outside_anomaly_mode_nothing_is_checked():
    x = leaf([-1.0])
    with mt.autograd.detect_anomaly(check_nan=False):
        y = x.log()
    assert np.isnan(y.item()) and y.grad_fn._trace  # the traceback is still kept
    with np.errstate(invalid="ignore"):
        z = x.log()
    assert np.isnan(z.item()) and z.grad_fn._trace is None
    assert not anomaly.is_anomaly_enabled()


def test_anomaly_mode_is_restored_after_the_error():
    with pytest.raises(RuntimeError, match="produced nan"), mt.autograd.detect_anomaly():
        leaf([-1.0]).log()
    assert not anomaly.is_anomaly_enabled() and anomaly.state.check_nan
