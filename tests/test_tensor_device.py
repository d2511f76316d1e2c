"""microtensor.get_device against torch.get_device; top-level GradScaler is amp's, as torch's."""

import inspect

import pytest
import torch

import microtensor as mt


def test_get_device_is_minus_one_for_cpu_tensors_as_torch():
    assert mt.get_device(mt.ones(2)) == torch.get_device(torch.ones(2)) == -1
    assert mt.get_device(mt.nn.Parameter(mt.ones(1))) == -1


def test_get_device_rejects_non_tensors_as_torch():
    with pytest.raises(TypeError) as ours:
        mt.get_device(3)
    with pytest.raises(TypeError) as theirs:
        torch.get_device(3)
    assert str(ours.value) == str(theirs.value)


def test_signature_and_grad_scaler_alias():
    assert list(inspect.signature(mt.get_device).parameters) == ["input"]
    assert mt.GradScaler is mt.amp.GradScaler
    assert torch.GradScaler is torch.amp.GradScaler
