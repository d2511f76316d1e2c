"""microtensor.accelerator answers as torch's does on a machine without an accelerator."""

import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize("lib", [torch, mt], ids=["torch", "microtensor"])
def test_the_tutorials_device_line_picks_the_cpu(lib):
    device = lib.accelerator.current_accelerator().type if lib.accelerator.is_available() else "cpu"
    assert device == "cpu"
    assert lib.accelerator.current_accelerator() is None
    assert lib.accelerator.current_accelerator(check_available=True) is None
    assert lib.accelerator.device_count() == 0


@pytest.mark.parametrize("name", ["current_device_index", "synchronize", "set_device_index"])
def test_calls_that_need_a_device_raise_torchs_error(name):
    args = (0,) if name == "set_device_index" else ()
    with pytest.raises(
        RuntimeError, match="Cannot access accelerator device when none is available"
    ):
        getattr(torch.accelerator, name)(*args)
    with pytest.raises(
        RuntimeError, match="Cannot access accelerator device when none is available"
    ):
        getattr(mt.accelerator, name)(*args)
    assert mt.accelerator.current_device_idx is mt.accelerator.current_device_index
