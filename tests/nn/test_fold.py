"""Sliding blocks (nn/_functional/fold.py, nn/fold.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch

OPTIONS = [
    {"kernel_size": 2},
    {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1, "stride": (2, 1)},
    {"kernel_size": 3, "padding": (0, 1), "stride": 2},
]


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (2, 4, 5)])
def test_unfold_and_fold_match_torch(options, shape):
    x = _x(*shape)
    compare_with_torch(lambda a: F.unfold(a, **options), lambda a: TF.unfold(a, **options), [x])
    cols = TF.unfold(torch.tensor(x), **options).numpy()
    size = shape[-2:]
    compare_with_torch(
        lambda a: F.fold(a, size, **options), lambda a: TF.fold(a, size, **options), [cols]
    )


def test_unfold_fold_gradcheck():
    check_gradients(lambda a: F.unfold(a, 2, padding=1), [_x(1, 2, 2, 3)])
    check_gradients(lambda a: F.fold(a, (3, 3), 2), [_x(1, 4, 4)])


def test_fold_errors():
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(mt.ones(1, 5, 9), (4, 4), 2)
    with pytest.raises(RuntimeError, match="number of sliding blocks 3 \\* 3 = 9"):
        F.fold(mt.ones(1, 4, 8), (4, 4), 2)
    with pytest.raises(RuntimeError, match="Expected 2D or 3D"):
        F.fold(mt.ones(4), (4, 4), 2)
    with pytest.raises(NotImplementedError, match="Only 3D or 4D"):
        F.unfold(mt.ones(4, 4), 2)
    with pytest.raises(RuntimeError, match="at least one"):
        F.unfold(mt.ones(1, 1, 2, 2), 3)


def test_fold_modules():
    pairs = [
        (mt.nn.Unfold(2, stride=2), torch.nn.Unfold(2, stride=2)),
        (mt.nn.Fold((4, 5), (2, 2), stride=2), torch.nn.Fold((4, 5), (2, 2), stride=2)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    x = _x(1, 3, 4, 5)
    cols = pairs[0][0](mt.tensor(x))
    np.testing.assert_array_equal(cols.numpy(), pairs[0][1](torch.tensor(x)).numpy())
    image = pairs[1][0](mt.tensor(_x(1, 12, 4)))
    np.testing.assert_array_equal(image.numpy(), pairs[1][1](torch.tensor(_x(1, 12, 4))).numpy())
