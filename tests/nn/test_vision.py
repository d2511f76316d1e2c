"""Image rearrangements (nn/_functional/vision.py, nn/pixelshuffle.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize(
    ("name", "shape", "factor"),
    [
        ("pixel_shuffle", (2, 8, 2, 3), 2),
        ("pixel_shuffle", (9, 1, 2), 3),
        ("pixel_shuffle", (2, 1, 4, 1, 1), 2),
        ("pixel_unshuffle", (2, 2, 4, 6), 2),
        ("pixel_unshuffle", (1, 3, 3), 3),
        ("channel_shuffle", (2, 6, 3), 3),
        ("channel_shuffle", (1, 4, 2, 2), 2),
    ],
)
def test_rearrangements_match_torch(name, shape, factor):
    ours, theirs = getattr(F, name), getattr(TF, name)
    x = _x(shape)
    compare_with_torch(lambda a: ours(a, factor), lambda a: theirs(a, factor), [x])
    compare_with_torch(
        lambda a: ours(a, factor), lambda a: theirs(a, factor), [x.astype(np.int64)], grad=False
    )


def test_pixel_shuffle_gradcheck():
    check_gradients(lambda a: F.pixel_shuffle(a, 2), [_x((1, 4, 2, 1))])


def test_rearrangement_errors():
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(mt.ones(1, 3, 2, 2), 2)
    with pytest.raises(RuntimeError, match="height to be divisible"):
        F.pixel_unshuffle(mt.ones(1, 3, 3, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(mt.ones(3, 2), 2)
    with pytest.raises(RuntimeError, match="divisible by groups"):
        F.channel_shuffle(mt.ones(1, 3, 2, 2), 2)


@pytest.mark.parametrize(
    ("name", "arg", "shape"),
    [("PixelShuffle", 2, (1, 4, 2, 2)), ("PixelUnshuffle", 2, (1, 1, 4, 2)),
     ("ChannelShuffle", 2, (1, 4, 3))],
)  # fmt: skip
def test_rearrangement_modules(name, arg, shape):
    ours, theirs = getattr(mt.nn, name)(arg), getattr(torch.nn, name)(arg)
    assert repr(ours) == repr(theirs)
    x = _x(shape)
    np.testing.assert_array_equal(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
