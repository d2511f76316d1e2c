"""torch's deprecated per-device autocast functions: values and warnings as torch's."""

import warnings

import pytest
import torch

import microtensor as mt
from microtensor import _mode_queries

GETTERS = [
    "get_autocast_ipu_dtype",
    "get_autocast_xla_dtype",
    "is_autocast_ipu_enabled",
    "is_autocast_xla_enabled",
]


@pytest.fixture(autouse=True)
def _restore_dtypes():
    saved = dict(_mode_queries._AUTOCAST_DTYPES)
    yield
    _mode_queries._AUTOCAST_DTYPES.clear()
    _mode_queries._AUTOCAST_DTYPES.update(saved)


@pytest.mark.parametrize("name", GETTERS)
def test_getters_match_torch_and_warn(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(torch, name)()
    with pytest.warns(DeprecationWarning, match=f"torch.{name}\\(\\) is deprecated"):
        actual = getattr(mt, name)()
    assert str(actual).split(".")[-1] == str(expected).split(".")[-1]


@pytest.mark.parametrize("device_type", ["ipu", "xla", "gpu"])
def test_dtype_setters_reach_the_getters(device_type):
    with pytest.warns(DeprecationWarning, match="Please use torch.set_autocast_dtype"):
        getattr(mt, f"set_autocast_{device_type}_dtype")(mt.bfloat16)
    general = "cuda" if device_type == "gpu" else device_type
    assert mt.get_autocast_dtype(general) == mt.bfloat16
    if device_type != "gpu":
        with pytest.warns(DeprecationWarning):
            assert getattr(mt, f"get_autocast_{device_type}_dtype")() == mt.bfloat16


@pytest.mark.parametrize("device_type", ["cpu", "ipu", "xla"])
def test_enabled_setters_warn_and_leave_autocast_off(device_type):
    with pytest.warns(DeprecationWarning, match=f"set_autocast_enabled\\('{device_type}'"):
        getattr(mt, f"set_autocast_{device_type}_enabled")(False)
    with (
        pytest.warns(UserWarning, match="autocast stays disabled"),
        pytest.warns(DeprecationWarning),
    ):
        getattr(mt, f"set_autocast_{device_type}_enabled")(True)
    assert mt.is_autocast_enabled(device_type) is False


def test_autocast_nesting_counts_as_torchs():
    ours = [mt.autocast_increment_nesting(), mt.autocast_increment_nesting()]
    ours += [mt.autocast_decrement_nesting(), mt.autocast_decrement_nesting()]
    theirs = [torch.autocast_increment_nesting(), torch.autocast_increment_nesting()]
    theirs += [torch.autocast_decrement_nesting(), torch.autocast_decrement_nesting()]
    assert ours == theirs == [1, 2, 1, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mt.autocast("cpu"):
            assert mt.autocast_increment_nesting() == 2
            mt.autocast_decrement_nesting()
    assert mt.autocast_increment_nesting() == 1
    assert mt.autocast_decrement_nesting() == 0
