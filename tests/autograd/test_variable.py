"""autograd.Variable (torch's deprecated alias of Tensor), anomaly_mode's path, the
multithreading flag: each as torch."""

import threading
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.autograd import Variable


@pytest.mark.parametrize("requires_grad", [False, True])
def test_variable_returns_a_leaf_tensor_sharing_memory_as_torch(requires_grad):
    for lib in (mt, torch):
        x = lib.ones(3)
        v = lib.autograd.Variable(x, requires_grad=requires_grad)
        assert type(v) is lib.Tensor and v is not x
        assert v.requires_grad is requires_grad and v.is_leaf and not x.requires_grad
        assert v.data_ptr() == x.data_ptr()
        v.detach()[0] = 5.0
        assert x[0].item() == 5.0


def test_variable_of_a_non_leaf_is_detached_as_torch():
    for lib in (mt, torch):
        y = lib.ones(2, requires_grad=True) * 2
        z = lib.autograd.Variable(y)
        assert z.grad_fn is None and not z.requires_grad and z.is_leaf
        w = lib.autograd.Variable(y, True)
        (w * 3).sum().backward()
        np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


def test_every_tensor_is_an_instance_of_variable():
    assert isinstance(mt.zeros(2), Variable) and isinstance(mt.nn.Parameter(mt.zeros(1)), Variable)
    assert not isinstance(np.zeros(2), Variable) and not isinstance(1.0, Variable)
    assert isinstance(torch.zeros(2), torch.autograd.Variable)


def test_variable_without_data_and_volatile_as_torch():
    for lib in (mt, torch):
        empty = lib.autograd.Variable()
        assert tuple(empty.shape) == (0,) and empty.dtype == lib.float32
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            v = lib.autograd.Variable(lib.ones(1), volatile=True)
        assert [str(w.message) for w in caught] == [
            "volatile was removed and now has no effect. Use `with torch.no_grad():` instead."
        ]
        assert not v.requires_grad


def test_variable_errors_as_torch():
    for lib in (mt, torch):
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            lib.autograd.Variable([1.0])
    with pytest.raises(RuntimeError, match="floating point and complex dtype can require gradients"):
        Variable(mt.arange(3), requires_grad=True)


def test_anomaly_mode_module_path():
    from microtensor.autograd import anomaly_mode

    assert anomaly_mode.detect_anomaly is mt.autograd.detect_anomaly
    assert anomaly_mode.set_detect_anomaly is mt.autograd.set_detect_anomaly
    assert sorted(anomaly_mode.__all__) == sorted(torch.autograd.anomaly_mode.__all__)


def test_multithreading_flag_follows_torch():
    for lib in (mt, torch):
        autograd = lib.autograd
        assert autograd.is_multithreading_enabled() is True
        with autograd.set_multithreading_enabled(False):
            assert autograd.is_multithreading_enabled() is False
        assert autograd.is_multithreading_enabled() is True
        manager = autograd.set_multithreading_enabled(False)  # a call sets it at once
        assert autograd.is_multithreading_enabled() is False
        with manager.clone():
            pass
        manager.__exit__(None, None, None)
        assert autograd.is_multithreading_enabled() is True


def test_multithreading_flag_is_per_thread():
    seen = []
    with mt.autograd.set_multithreading_enabled(False):
        thread = threading.Thread(
            target=lambda: seen.append(mt.autograd.is_multithreading_enabled())
        )
        thread.start()
        thread.join()
    assert seen == [True]
