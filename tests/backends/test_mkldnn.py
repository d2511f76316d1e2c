"""microtensor.backends.mkldnn and openmp: torch's flags and signatures; honest availability."""

import inspect

import torch
import torch.backends.mkldnn
import torch.backends.openmp

import microtensor as mt


def test_flags_defaults_and_signatures_match_torch():
    mkldnn = mt.backends.mkldnn
    assert (mkldnn.enabled, mkldnn.deterministic) == (
        torch.backends.mkldnn.enabled,
        torch.backends.mkldnn.deterministic,
    )
    assert mkldnn.fp32_precision == torch.backends.mkldnn.fp32_precision
    for name in ("flags", "set_flags", "is_available"):
        ours = inspect.signature(getattr(mkldnn, name)).parameters
        theirs = inspect.signature(getattr(torch.backends.mkldnn, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()
        ]


def test_flags_block_sets_and_restores():
    mkldnn = mt.backends.mkldnn
    with mkldnn.flags(enabled=False, deterministic=True):
        assert (mkldnn.enabled, mkldnn.deterministic, mkldnn.allow_tf32) == (False, True, True)
    assert (mkldnn.enabled, mkldnn.deterministic, mkldnn.allow_tf32) == (True, False, False)
    mkldnn.enabled = False
    try:
        assert mt.backends.mkldnn.enabled is False
    finally:
        mkldnn.enabled = True


def test_availability_is_false_microtensor_uses_neither():
    assert mt.backends.mkldnn.is_available() is False
    assert mt.backends.openmp.is_available() is False
    assert callable(torch.backends.openmp.is_available)  # torch has the same query
