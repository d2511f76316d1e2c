"""affine_grid and grid_sample (nn/_functional/grid_sample.py) against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 3, 2, 4, 3)])
@pytest.mark.parametrize("align", [True, False])
def test_affine_grid_matches_torch(size, align):
    nd = len(size) - 2
    theta = RNG.standard_normal((2, nd, nd + 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare_with_torch(lambda t: F.affine_grid(t, size, align),
                           lambda t: TF.affine_grid(t, size, align), [theta])  # fmt: skip
    unit = [w for w in caught if "unit-size grids" in str(w.message)]
    assert len(unit) == (2 if align and 1 in size[2:] else 0)  # ours and torch's


@pytest.mark.parametrize(("mode", "nd"), [("bilinear", 2), ("bilinear", 3), ("nearest", 2),
                                          ("nearest", 3), ("bicubic", 2)])  # fmt: skip
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [True, False])
def test_grid_sample_matches_torch(mode, padding_mode, align, nd):
    x = RNG.standard_normal((2, 2, *[4, 3, 5][:nd]))
    grid = RNG.uniform(-1.3, 1.3, (2, *[3, 2, 2][:nd], nd))
    options = {"mode": mode, "padding_mode": padding_mode, "align_corners": align}
    if mode == "nearest":  # no gradient for the grid (PyTorch's is all zeros)
        compare_with_torch(
            lambda a: F.grid_sample(a, mt.tensor(grid), **options),
            lambda a: TF.grid_sample(a, torch.tensor(grid), **options),
            [x],
        )
        return  # fmt: skip
    compare_with_torch(lambda a, g: F.grid_sample(a, g, **options),
                       lambda a, g: TF.grid_sample(a, g, **options), [x, grid])  # fmt: skip


@pytest.mark.parametrize(("mode", "padding_mode"), [("bilinear", "zeros"),
                                                    ("bilinear", "reflection"),
                                                    ("bicubic", "border")])  # fmt: skip
def test_grid_sample_gradcheck(mode, padding_mode):
    x, grid = RNG.standard_normal((1, 1, 3, 3)), RNG.uniform(-1.2, 1.2, (1, 2, 2, 2))
    check_gradients(lambda a, g: F.grid_sample(a, g, mode, padding_mode=padding_mode,
                                               align_corners=False), [x, grid])  # fmt: skip
    theta = RNG.standard_normal((1, 2, 3))
    check_gradients(lambda t: F.affine_grid(t, (1, 1, 2, 3), align_corners=False), [theta])


def test_default_align_corners_warns():
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(mt.tensor([[[1.0, 0, 0], [0, 1.0, 0]]]), (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(mt.ones(1, 1, 2, 2), grid)


def test_grid_sample_errors():
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(mt.ones(1, 3, 3), (1, 1, 2, 2), align_corners=False)
    with pytest.raises(NotImplementedError, match="4D and 5D sizes"):
        F.affine_grid(mt.ones(1, 2, 3), (1, 1, 2), align_corners=False)
    with pytest.raises(ValueError, match="expected mode"):
        F.grid_sample(mt.ones(1, 1, 2, 2), mt.zeros(1, 1, 1, 2), "cubic", align_corners=False)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D"):
        F.grid_sample(mt.ones(1, 1, 2, 2, 2), mt.zeros(1, 1, 1, 1, 3), "bicubic",
                      align_corners=False)  # fmt: skip
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(mt.ones(1, 1, 2, 2), mt.zeros(1, 1, 1, 2), padding_mode="wrap")
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(mt.ones(1, 1, 2, 2), mt.zeros(2, 1, 1, 2), align_corners=False)
