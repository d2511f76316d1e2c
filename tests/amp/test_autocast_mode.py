import warnings

import pytest

import microtensor as mt
from microtensor.amp.autocast_mode import autocast as autocast_class


def test_enabled_cpu_autocast_warns_once_and_keeps_full_precision(monkeypatch):
    monkeypatch.setattr(autocast_class, "_warned", False)
    with pytest.warns(UserWarning, match="without lowering precision"):
        with mt.autocast("cpu", dtype=mt.float16):
            y = mt.ones(2, 2) @ mt.ones(2, 2)
            assert not mt.is_autocast_enabled()
    assert y.dtype is mt.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time: silent
        with mt.autocast("cpu"):
            pass


def test_cuda_autocast_is_disabled_with_torchs_warning():
    with pytest.warns(UserWarning, match="Disabling autocast"):
        block = mt.autocast("cuda")
    with block:
        pass
    with pytest.warns(FutureWarning, match=r"cuda.amp.autocast\(args...\)` is deprecated"):
        with pytest.warns(UserWarning, match="Disabling autocast"):
            mt.cuda.amp.autocast()


def test_disabled_autocast_is_silent_and_works_as_a_decorator():
    @mt.autocast("cpu", enabled=False)
    def double(x):
        return x * 2

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert double(mt.ones(1)).item() == 2.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown device_type"):
        mt.autocast("gpu")
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        mt.autocast(0)
