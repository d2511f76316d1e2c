"""Build flags, get_device_module, is_distributed, Stream and Event against torch's CPU answers."""

import numpy as np
import pytest
import torch

import microtensor as mt


def test_flags_are_bools_answering_for_numpy():
    for name in ("has_lapack", "has_mkl", "has_openmp", "has_spectral"):
        assert isinstance(getattr(mt, name), bool) and isinstance(getattr(torch, name), bool)
    assert mt.has_lapack and mt.has_spectral and not mt.has_openmp
    blas = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    assert mt.has_mkl == ("mkl" in blas.lower())


def test_abi_threads_and_distributed_as_torch():
    assert mt.compiled_with_cxx11_abi() is torch.compiled_with_cxx11_abi()
    assert mt.init_num_threads() is None
    assert mt.is_vulkan_available() is torch.is_vulkan_available() is False
    assert mt.is_distributed(mt.ones(2)) is torch.is_distributed(torch.ones(2)) is False
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        mt.is_distributed(3)


@pytest.mark.parametrize("device", [None, "cpu", "cuda", "cuda:0", "mps", "xpu"])
def test_get_device_module_names_torchs_module(device):
    expected = torch.get_device_module(device).__name__
    assert mt.get_device_module(device).__name__ == expected.replace("torch", "microtensor")
    if device is not None:
        assert mt.get_device_module(mt.device(device)) is mt.get_device_module(device)


@pytest.mark.parametrize(
    "device,message",
    [
        ("meta", "does not have a corresponding module"),
        ("hpu", "does not have a corresponding module"),
        ("foo", "Expected one of cpu, cuda"),
        (3, "Invalid value of device '3'"),
    ],
)
def test_get_device_module_errors(device, message):
    with pytest.raises(RuntimeError, match=message):
        torch.get_device_module(device)
    with pytest.raises(RuntimeError, match=message):
        mt.get_device_module(device)


def test_stream_answers_as_torchs_cpu_stream():
    ours, theirs = mt.Stream("cpu"), torch.Stream("cpu")
    assert repr(ours) == repr(theirs).replace("torch", "microtensor")
    for name in ("device_type", "device_index", "stream_id"):
        assert getattr(ours, name) == getattr(theirs, name)
    assert str(ours.device) == str(theirs.device) == "cpu"
    assert ours.query() is theirs.query() is True
    assert ours.synchronize() is None and ours.is_capturing() is False
    assert ours.wait_event(mt.Event()) is None
    assert ours == mt.Stream() and hash(ours) == hash(mt.Stream(priority=-1))
    with ours as entered:
        assert entered is ours
    for call in (lambda: ours.record_event(), lambda: ours.wait_stream(ours)):
        with pytest.raises(RuntimeError, match="cpu backend doesn't support events."):
            call()


def test_event_answers_as_torchs_cpu_event():
    for kwargs in ({}, {"enable_timing": True}):
        assert repr(mt.Event(**kwargs)) == repr(torch.Event(**kwargs)).replace(
            "torch", "microtensor"
        )
    event = mt.Event()
    assert event.query() is True and event.synchronize() is None and event.wait() is None
    assert str(event.device) == "cpu" and event.event_id == 0
    with pytest.raises(RuntimeError, match="cpu backend doesn't support events."):
        event.record()
    with pytest.raises(ValueError, match="created with argument 'enable_timing=True'"):
        event.elapsed_time(mt.Event())
    with pytest.raises(ValueError, match="must be recorded"):
        mt.Event(enable_timing=True).elapsed_time(mt.Event(enable_timing=True))


@pytest.mark.parametrize("cls", ["Stream", "Event"])
def test_other_devices_raise(cls):
    with pytest.raises(RuntimeError, match="no cuda device, only the CPU"):
        getattr(mt, cls)("cuda")
