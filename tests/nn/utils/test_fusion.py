"""fuse_conv_bn_eval / fuse_linear_bn_eval and skip_init, against torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn


def trained_bn(lib, bn, rng, features):
    with lib.no_grad():
        bn.running_mean.copy_(lib.tensor(rng.normal(size=features)))
        bn.running_var.copy_(lib.tensor(rng.uniform(0.5, 2.0, size=features)))
        bn.weight.copy_(lib.tensor(rng.normal(size=features)))
        bn.bias.copy_(lib.tensor(rng.normal(size=features)))
    return bn.eval()


@pytest.mark.parametrize("transpose", [False, True])
def test_fused_conv_equals_conv_then_bn_and_torchs_weights(transpose):
    outputs = []
    for lib in (torch, mt):
        rng = np.random.default_rng(0)
        conv_cls = lib.nn.ConvTranspose2d if transpose else lib.nn.Conv2d
        conv = conv_cls(2, 3, 3).double().eval()
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(rng.normal(size=tuple(conv.weight.shape))))
            conv.bias.copy_(lib.tensor(rng.normal(size=3)))
        bn = trained_bn(lib, lib.nn.BatchNorm2d(3).double(), rng, 3)
        fused = lib.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        x = lib.tensor(rng.normal(size=(1, 2, 5, 5)))
        np.testing.assert_allclose(
            fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), atol=1e-12
        )
        outputs.append((fused.weight.detach().numpy(), fused.bias.detach().numpy()))
    np.testing.assert_allclose(outputs[1][0], outputs[0][0], atol=1e-14)
    np.testing.assert_allclose(outputs[1][1], outputs[0][1], atol=1e-14)


def test_fused_linear_equals_linear_then_bn():
    rng = np.random.default_rng(1)
    linear = nn.Linear(4, 3).double().eval()
    bn = trained_bn(mt, nn.BatchNorm1d(3).double(), rng, 3)
    fused = nn.utils.fuse_linear_bn_eval(linear, bn)
    x = mt.tensor(rng.normal(size=(2, 4)))
    np.testing.assert_allclose(
        fused(x).detach().numpy(), bn(linear(x)).detach().numpy(), atol=1e-12
    )
    assert fused is not linear and isinstance(fused.weight, nn.Parameter)


def test_fusion_needs_eval_mode():
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(1, 1, 1), nn.BatchNorm2d(1))


def test_skip_init():
    lin = nn.utils.skip_init(nn.Linear, 3, 2, bias=False)
    assert tuple(lin.weight.shape) == (2, 3) and lin.bias is None
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(len, 1)
