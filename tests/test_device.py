"""device("cuda") is a value; putting tensors or modules there raises; CPU moves work."""

import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize("spec", ["cpu", "cuda", "cuda:1", "mps", "meta"])
def test_devices_print_and_compare_like_torch(spec):
    mine, theirs = mt.device(spec), torch.device(spec)
    assert repr(mine) == repr(theirs) and str(mine) == str(theirs)
    assert (mine.type, mine.index) == (theirs.type, theirs.index)
    assert mine == mt.device(spec) and hash(mine) == hash(mt.device(spec))


def test_device_with_index_and_copy():
    assert mt.device("cuda", 1) == mt.device("cuda:1") != mt.device("cuda")
    assert repr(mt.device("cuda", 0)) == repr(torch.device("cuda", 0))
    assert mt.device(mt.device("cpu")) == mt.device("cpu") == mt.ones(1).device
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        mt.device("gpu")


def test_default_device_is_the_cpu():
    assert mt.get_default_device() == mt.device("cpu")
    assert repr(mt.get_default_device()) == repr(torch.get_default_device())
    mt.set_default_device("cpu")
    mt.set_default_device(None)
    with pytest.raises(RuntimeError, match=r"set_default_device\(\): microtensor runs on the CPU"):
        mt.set_default_device("cuda")


def test_cpu_moves_work_and_return_the_tensor():
    t = mt.tensor([1.0, 2.0])
    assert t.to("cpu") is t and t.to(mt.device("cpu")) is t and t.cpu() is t
    assert t.to("cpu", mt.float64).dtype == mt.float64
    assert t.pin_memory() is t and t.is_pinned() is False
    assert t.is_cuda is False and not torch.zeros(1).is_pinned()


@pytest.mark.parametrize(
    "move",
    [
        lambda t: t.to("cuda"),
        lambda t: t.to(mt.device("cuda", 0)),
        lambda t: t.to(device="cuda"),
        lambda t: t.cuda(),
        lambda t: t.cuda(1),
    ],
)
def test_moving_a_tensor_to_cuda_raises_clearly(move):
    with pytest.raises(RuntimeError, match="microtensor runs on the CPU only; device 'cuda"):
        move(mt.ones(2))


def test_modules_and_factories_refuse_cuda_device_values():
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        mt.nn.Linear(2, 2).to(mt.device("cuda"))
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        mt.nn.Linear(2, 2, device=mt.device("cuda"))
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        mt.zeros(2, device=mt.device("cuda"))
    model = mt.nn.Linear(2, 2)
    assert model.to(mt.device("cpu")) is model


def test_the_usual_device_choice_runs():
    device = mt.device("cuda" if mt.cuda.is_available() else "cpu")
    x = mt.randn(3, 2).to(device)
    assert x.device == device and x.device.type == "cpu"
