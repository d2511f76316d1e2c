"""Padding (nn/_functional/padding.py, nn/padding.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch

WIDTHS = [(-1, 2), (-2, 2), (2, -3), (-1, -1), (-4, 1), (1, 0, -1, 2), (0, -1, 1, -2)]


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("widths", WIDTHS)
def test_negative_widths_match_torch(mode, widths):
    x = _x((2, 4, 5) if len(widths) == 2 else (1, 2, 4, 5))
    compare_with_torch(lambda a: F.pad(a, widths, mode), lambda a: TF.pad(a, widths, mode), [x])


def test_negative_widths_gradcheck():
    check_gradients(lambda a: F.pad(a, (-1, 2), "reflect"), [_x((1, 1, 4))])


def test_negative_widths_errors():
    with pytest.raises(RuntimeError, match="too small"):
        F.pad(mt.ones(1, 1, 3), (-4, 1), "replicate")
    with pytest.raises(RuntimeError, match="less than the corresponding input dimension"):
        F.pad(mt.ones(1, 1, 3), (-3, 3), "reflect")
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        mt.nn.CircularPad2d(1)(mt.ones(2, 2))


MODULES = [
    (name, nd)
    for nd in (1, 2, 3)
    for name in (f"{k}Pad{nd}d" for k in ("Zero", "Constant", "Reflection", "Replication",
                                           "Circular"))
]  # fmt: skip


@pytest.mark.parametrize(("name", "nd"), MODULES)
@pytest.mark.parametrize("padding", [1, "tuple"])
def test_padding_modules_match_torch(name, nd, padding):
    if padding == "tuple":
        padding = tuple(range(1, 2 * nd + 1)) if "Zero" in name or "Constant" in name else (
            tuple([1, 0, 2, 1, 0, 1][: 2 * nd]))  # fmt: skip
    args = (padding, 2.5) if "Constant" in name else (padding,)
    ours, theirs = getattr(mt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == {}
    x = _x((2, 3, *[3] * nd))
    np.testing.assert_array_equal(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
