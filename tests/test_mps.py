"""microtensor.mps answers as torch.mps does on a machine without Apple's GPU."""

import inspect

import pytest
import torch

import microtensor as mt


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", mt.mps.__all__)
def test_names_and_signatures_match_torch(name):
    assert _params(getattr(mt.mps, name)) == _params(getattr(torch.mps, name))


def _outcome(module, name, *args):
    try:
        return ("value", getattr(module, name)(*args))
    except Exception as err:  # noqa: BLE001 - the type and message are compared
        return (type(err).__name__, str(err).split(" (microtensor")[0])


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("is_available", ()),
        ("device_count", ()),
        ("manual_seed", (0,)),
        ("seed", ()),
        ("synchronize", ()),
        ("empty_cache", ()),
        ("get_rng_state", ()),
        ("current_allocated_memory", ()),
        ("driver_allocated_memory", ()),
        ("recommended_max_memory", ()),
        ("set_per_process_memory_fraction", (1,)),
    ],
)
def test_calls_behave_as_torch_without_mps(name, args):
    if torch.backends.mps.is_available():
        pytest.skip("torch has MPS here")
    assert _outcome(mt.mps, name, *args) == _outcome(torch.mps, name, *args)


def test_manual_seed_leaves_the_cpu_generator_alone():
    mt.manual_seed(5)
    expected = mt.rand(2).tolist()
    mt.manual_seed(5)
    mt.mps.manual_seed(123)
    assert mt.rand(2).tolist() == expected
