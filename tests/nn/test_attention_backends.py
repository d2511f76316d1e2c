"""nn.attention (microtensor/nn/attention/): SDPBackend and sdpa_kernel, as torch's on the CPU."""

from __future__ import annotations

import pytest
import torch
import torch.nn.attention as torch_attention

import microtensor as mt
from microtensor.nn.attention import SDPBackend, sdpa_kernel


def test_backends_have_torchs_names_values_and_reprs():
    for theirs in torch_attention.SDPBackend.__members__.values():
        mine = SDPBackend[theirs.name]
        assert mine.value == theirs.value and repr(mine) == repr(theirs)


def _switches(lib):
    cuda = lib.backends.cuda
    return (
        cuda.flash_sdp_enabled(),
        cuda.math_sdp_enabled(),
        cuda.mem_efficient_sdp_enabled(),
        cuda.cudnn_sdp_enabled(),
    )


@pytest.mark.parametrize(
    "names",
    [
        ["MATH"],
        ["CUDNN_ATTENTION"],
        ["FLASH_ATTENTION", "MATH"],
        ["EFFICIENT_ATTENTION"],
        ["ERROR"],
    ],
)
def test_sdpa_kernel_sets_the_switches_and_restores_them(names):
    mine = [SDPBackend[n] for n in names]
    theirs = [getattr(torch_attention.SDPBackend, n) for n in names]
    q = torch.randn(1, 2, 3, 4)
    with torch_attention.sdpa_kernel(theirs):
        expected = _switches(torch)
        try:
            torch.nn.functional.scaled_dot_product_attention(q, q, q)
            torch_runs = True
        except RuntimeError:
            torch_runs = False
    x = mt.tensor(q.numpy())
    with sdpa_kernel(mine) as result:
        assert result == {}
        assert _switches(mt) == expected
        if torch_runs:
            out = mt.nn.functional.scaled_dot_product_attention(x, x, x)
            assert out.shape == (1, 2, 3, 4)
        else:
            with pytest.raises(RuntimeError, match="No viable backend for scaled_dot_product"):
                mt.nn.functional.scaled_dot_product_attention(x, x, x)
    assert _switches(mt) == (True, True, True, True)


def test_one_backend_and_bad_arguments():
    with sdpa_kernel(SDPBackend.MATH):
        assert not mt.backends.cuda.flash_sdp_enabled()
    with pytest.raises(AssertionError, match="must be an instance of SDPBackend.*got str"):
        with sdpa_kernel("math"):
            pass


def test_backends_cuda_switches_also_gate_attention():
    x = mt.randn(1, 2, 3, 4)
    mt.backends.cuda.enable_math_sdp(False)
    try:
        mt.nn.functional.scaled_dot_product_attention(x, x, x)  # the CPU flash kernel remains
        mt.backends.cuda.enable_flash_sdp(False)
        with pytest.raises(RuntimeError, match="No viable backend"):
            mt.nn.functional.scaled_dot_product_attention(x, x, x)
    finally:
        mt.backends.cuda.enable_math_sdp(True)
        mt.backends.cuda.enable_flash_sdp(True)
