"""microtensor.cpu (microtensor/cpu/): torch's CPU device namespace and its deprecated amp."""

from __future__ import annotations

import pytest
import torch

import microtensor as mt


def test_queries_answer_as_torchs():
    for name in ("is_available", "device_count", "current_device"):
        assert getattr(mt.cpu, name)() == getattr(torch.cpu, name)()
    mt.cpu.synchronize()
    mt.cpu.synchronize("cpu")
    mt.cpu.set_device("cpu")


def test_another_device_raises_clearly():
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.cpu.set_device("cuda:0")
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.cpu.synchronize("cuda")


def test_deprecated_amp_spellings_warn_as_torchs():
    with pytest.warns(FutureWarning, match=r"cpu\.amp\.autocast\(args...\)` is deprecated"):
        block = mt.cpu.amp.autocast()
    with block:
        assert (mt.ones(2, 2) @ mt.ones(2, 2)).dtype == mt.float32  # autocast changes nothing
    with pytest.warns(FutureWarning, match=r"cpu\.amp\.GradScaler\(args...\)` is deprecated"):
        scaler = mt.cpu.amp.GradScaler(enabled=False)
    assert not scaler.is_enabled()
    assert isinstance(block, mt.amp.autocast) and isinstance(scaler, mt.amp.GradScaler)
