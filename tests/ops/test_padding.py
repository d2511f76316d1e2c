"""ops.pad (microtensor/ops/padding.py): negative widths in every mode, against PyTorch.

The positive-width modes are in test_rearrange.py's table; F.pad's module tests are in
tests/nn/test_padding.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch.nn.functional as TF

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

MODES = ["constant", "reflect", "replicate", "circular"]
WIDTHS = [(-1, 2), (2, -3), (-1, -1), (1, 0, -1, 2), (0, -2, 1, -1)]


def _x(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("widths", WIDTHS)
def test_negative_widths_match_torch(mode, widths):
    x = _x((2, 4, 5) if len(widths) == 2 else (1, 2, 4, 5))
    compare_with_torch(
        lambda a: mt.ops.pad(a, widths, mode), lambda a: TF.pad(a, widths, mode), [x]
    )


@pytest.mark.parametrize("mode", MODES)
def test_negative_widths_3d_match_torch(mode):
    widths = (1, -1, -2, 1, 0, -1)
    compare_with_torch(
        lambda a: mt.ops.pad(a, widths, mode),
        lambda a: TF.pad(a, widths, mode),
        [_x((1, 2, 3, 4, 4))],
    )


@pytest.mark.parametrize("mode", ["reflect", "circular"])
def test_negative_widths_gradcheck(mode):
    check_gradients(lambda a: mt.ops.pad(a, (-1, 2, 1, -1), mode), [_x((1, 3, 4))])


def test_a_crop_to_nothing_is_an_error_outside_constant_mode():
    with pytest.raises(RuntimeError, match="too small for padding"):
        mt.ops.pad(mt.ones(1, 1, 3), (-2, -1), "reflect")
    assert mt.ops.pad(mt.ones(1, 1, 3), (-2, -1)).shape == (1, 1, 0)
