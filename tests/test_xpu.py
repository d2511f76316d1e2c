"""microtensor.xpu answers as torch.xpu does on a machine without an Intel GPU."""

import inspect

import pytest
import torch

import microtensor as mt


def _params(fn):
    return [p.name for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", mt.xpu.__all__)
def test_names_and_parameters_match_torch(name):
    assert _params(getattr(mt.xpu, name)) == _params(getattr(torch.xpu, name))


def _outcome(module, name, *args):
    try:
        return ("value", getattr(module, name)(*args))
    except Exception as err:  # noqa: BLE001 - the type and message are compared
        return (type(err).__name__, str(err).split(" (microtensor")[0])


@pytest.mark.parametrize(
    ("name", "args"),
    [
        (n, (0,) if n in ("manual_seed", "manual_seed_all", "set_device") else ())
        for n in mt.xpu.__all__
    ],
)
def test_calls_behave_as_torch_without_xpu(name, args):
    if torch.xpu.is_available():
        pytest.skip("torch has an XPU here")
    assert _outcome(mt.xpu, name, *args) == _outcome(torch.xpu, name, *args)
