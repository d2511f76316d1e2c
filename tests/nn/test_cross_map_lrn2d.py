"""CrossMapLRN2d: forward values equal torch's (its channel windows included); the gradient
is the exact derivative (gradcheck, gradgradcheck), where torch's hand-written one is not."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.nn.cross_map_lrn2d import _channel_windows
from tests.helpers import assert_same, check_gradients

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("channels", [1, 2, 5, 8])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 7])
def test_forward_matches_torch(channels, size):
    x = RNG.standard_normal((2, channels, 3, 2))
    mine = mt.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.6, k=1.5)(mt.tensor(x))
    theirs = torch.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.6, k=1.5)(torch.tensor(x))
    assert_same(mine, theirs)


def test_forward_matches_torch_in_float32_with_defaults():
    x = RNG.standard_normal((1, 6, 4, 4)).astype(np.float32) * 10
    assert_same(mt.nn.CrossMapLRN2d(5)(mt.tensor(x)), torch.nn.CrossMapLRN2d(5)(torch.tensor(x)))


def test_channel_windows_follow_torchs_running_sum():
    # channel 0 stays in every window (torch's recurrence never drops it)
    expected = [
        [1, 1, 0, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 0, 1, 1, 1, 0],
        [1, 0, 0, 1, 1, 1],
        [1, 0, 0, 0, 1, 1],
    ]
    np.testing.assert_array_equal(_channel_windows(6, 3), expected)


def test_gradients_are_exact():
    layer = mt.nn.CrossMapLRN2d(3, alpha=0.5, beta=0.75, k=1.0)
    check_gradients(lambda x: layer(x), [RNG.standard_normal((1, 4, 2, 2))])


def test_repr_and_error_as_torch():
    assert repr(mt.nn.CrossMapLRN2d(3)) == repr(torch.nn.CrossMapLRN2d(3))
    for lib in (mt, torch):
        with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D"):
            lib.nn.CrossMapLRN2d(3)(lib.ones(2, 3, 4))
