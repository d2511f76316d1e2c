"""torch.grid_sampler / grid_sampler_2d / grid_sampler_3d (nn/_functional/grid_sample.py):
grid_sample with PyTorch's integer codes for the modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import compare_with_torch


def _x(shape: tuple[int, ...], seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape) * scale


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_grid_sampler_2d_matches_torch(mode, padding):
    x, grid = _x((1, 2, 3, 4)), _x((1, 2, 3, 2), 1, 0.7)
    align = mode == 2
    if mode == 1:  # nearest: the grid gets no gradient (grid_sample's documented difference)
        compare_with_torch(
            lambda a: mt.grid_sampler_2d(a, mt.tensor(grid), mode, padding, align),
            lambda a: torch.grid_sampler_2d(a, torch.tensor(grid), mode, padding, align),
            [x],
        )
        return
    compare_with_torch(
        lambda a, g: mt.grid_sampler_2d(a, g, mode, padding, align),
        lambda a, g: torch.grid_sampler_2d(a, g, mode, padding, align),
        [x, grid],
    )


@pytest.mark.parametrize("mode", [0, 1])
def test_grid_sampler_3d_and_grid_sampler_match_torch(mode):
    x, grid = _x((1, 1, 2, 3, 3)), _x((1, 2, 1, 2, 3), 2, 0.7)
    pairs = ((mt.grid_sampler_3d, torch.grid_sampler_3d), (mt.grid_sampler, torch.grid_sampler))
    for mine, theirs in pairs:
        compare_with_torch(
            lambda a, f=mine: f(a, mt.tensor(grid), mode, 1, False),
            lambda a, f=theirs: f(a, torch.tensor(grid), mode, 1, False),
            [x],
        )
    compare_with_torch(
        lambda a, g: mt.grid_sampler_3d(a, g, 0, 2, True),
        lambda a, g: torch.grid_sampler_3d(a, g, 0, 2, True),
        [x, grid],
    )


def test_errors():
    x, grid = mt.ones(1, 1, 2, 2), mt.zeros(1, 1, 1, 2)
    with pytest.raises(RuntimeError, match="expected interpolation_mode to be 0, 1 or 2"):
        mt.grid_sampler_2d(x, grid, 3, 0, False)
    with pytest.raises(RuntimeError, match="expected padding_mode to be 0, 1 or 2"):
        mt.grid_sampler(x, grid, 0, -1, False)
    with pytest.raises(RuntimeError, match="expected 5D input and grid"):
        mt.grid_sampler_3d(x, grid, 0, 0, False)
    with pytest.raises(RuntimeError, match="expected 4D input and grid"):
        mt.grid_sampler_2d(mt.ones(1, 1, 2, 2, 2), mt.zeros(1, 1, 1, 1, 3), 0, 0, False)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        mt.grid_sampler_3d(mt.ones(1, 1, 2, 2, 2), mt.zeros(1, 1, 1, 1, 3), 2, 0, False)
