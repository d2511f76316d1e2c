"""fliplr, flipud, rot90, Tensor.unfold."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (0, 2)], ids=str)
def test_fliplr_flipud_match_torch(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    compare_with_torch(mt.fliplr, torch.fliplr, [x])
    compare_with_torch(lambda t: t.flipud(), lambda t: t.flipud(), [x])
    check_gradients(mt.fliplr, [x])
    compare_with_torch(mt.flipud, torch.flipud, [np.arange(3.0)])


@pytest.mark.parametrize("k", [-3, 0, 1, 2, 5])
@pytest.mark.parametrize("dims", [(0, 1), (2, 0), (-1, -2)], ids=str)
def test_rot90_matches_torch(k, dims):
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    compare_with_torch(lambda t: mt.rot90(t, k, dims), lambda t: torch.rot90(t, k, dims), [x])
    check_gradients(lambda t: t.rot90(k, dims), [x], second=False)


def test_flip_and_rot90_errors():
    with pytest.raises(RuntimeError, match=r"fliplr\(\): Input must be >= 2-d"):
        mt.fliplr(mt.ones(3))
    with pytest.raises(RuntimeError, match=r"flipud\(\): Input must be >= 1-d"):
        mt.flipud(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"expected total rotation dims == 2, but got dims = 1"):
        mt.rot90(mt.ones(2, 2), 1, [0])
    with pytest.raises(RuntimeError, match=r"expected total dims >= 2, but got total dims = 1"):
        mt.rot90(mt.ones(2))
    with pytest.raises(RuntimeError, match=r"expected rotation dims to be different"):
        mt.rot90(mt.ones(2, 2), 1, [0, -2])


@pytest.mark.parametrize(
    "shape,dim,size,step",
    [
        ((7,), 0, 2, 1),
        ((7,), 0, 3, 2),
        ((2, 5, 3), 1, 2, 2),
        ((2, 3), -1, 3, 1),
        ((4,), 0, 0, 1),
        ((), 0, 1, 1),
        ((2, 3), 0, 1, 5),
    ],
    ids=str,
)
def test_unfold_matches_torch(shape, dim, size, step):
    x = np.random.default_rng(2).standard_normal(shape)
    compare_with_torch(
        lambda t: t.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), [x]
    )
    check_gradients(lambda t: t.unfold(dim, size, step), [x])


def test_unfold_errors():
    with pytest.raises(RuntimeError, match=r"maximum size for tensor at dimension 0 is 7 but size"):
        mt.arange(7).unfold(0, 8, 1)
    with pytest.raises(RuntimeError, match=r"step is 0 but must be > 0"):
        mt.arange(7).unfold(0, 2, 0)
    with pytest.raises(RuntimeError, match=r"dimension 0 is 1 but size is 2"):
        mt.tensor(2.0).unfold(0, 2, 1)


def test_constant_pad_nd_matches_torch():
    x = np.random.default_rng(3).standard_normal((1, 3, 3))
    for pad, value in (([2, 2], 0.0), ([1, 0, -1, 2], 1.5)):
        compare_with_torch(
            lambda t, p=pad, v=value: mt.constant_pad_nd(t, p, v),
            lambda t, p=pad, v=value: torch.constant_pad_nd(t, p, v),
            [x],
        )
    check_gradients(lambda t: mt.constant_pad_nd(t, [1, 2]), [x])
