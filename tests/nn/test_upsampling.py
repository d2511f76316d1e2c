"""Resampling (nn/_functional/upsampling.py, nn/upsampling.py) against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch

SPATIAL = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
CASES = [
    # (mode, spatial shape, kwargs)
    ("nearest", (5,), {"size": 7}),
    ("nearest", (4, 3), {"scale_factor": 2}),
    ("nearest", (4, 3), {"scale_factor": (1.7, 0.6)}),
    ("nearest", (3, 2, 4), {"size": (5, 3, 2)}),
    ("nearest-exact", (5,), {"size": 3}),
    ("nearest-exact", (4, 3), {"scale_factor": 1.5}),
    ("linear", (5,), {"size": 8}),
    ("linear", (5,), {"scale_factor": 0.6}),
    ("linear", (5,), {"scale_factor": 1.7, "recompute_scale_factor": True}),
    ("bilinear", (3, 4), {"size": (5, 2)}),
    ("bilinear", (3, 4), {"scale_factor": 2.5}),
    ("bicubic", (3, 4), {"size": (6, 5)}),
    ("bicubic", (4, 4), {"scale_factor": 0.75}),
    ("trilinear", (2, 3, 3), {"size": (3, 4, 2)}),
    ("area", (5, 4), {"size": (3, 2)}),
    ("area", (6,), {"scale_factor": 0.5}),
    ("area", (4, 3, 2), {"size": 2}),
]


def _x(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


ALIGNED = [
    (*case, align, dtype)
    for case in CASES
    for align in ([None, True, False] if case[0] in SPATIAL else [None])
    for dtype in ([np.float64, np.float32] if align is None else [np.float64])
]


@pytest.mark.parametrize(("mode", "spatial", "kwargs", "align_corners", "dtype"), ALIGNED)
def test_interpolate_matches_torch(mode, spatial, kwargs, align_corners, dtype):
    kwargs = {**kwargs, "mode": mode, "align_corners": align_corners}
    compare_with_torch(
        lambda x: F.interpolate(x, **kwargs),
        lambda x: TF.interpolate(x, **kwargs),
        [_x((2, 3, *spatial), dtype)],
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize(
    ("spatial", "kwargs"),
    [((8, 7), {"size": (3, 4)}), ((5, 6), {"size": (9, 4), "align_corners": True}),
     ((10, 9), {"scale_factor": 0.4})],
)  # fmt: skip
def test_interpolate_antialias_matches_torch(mode, spatial, kwargs):
    kwargs = {**kwargs, "mode": mode, "antialias": True}
    compare_with_torch(lambda x: F.interpolate(x, **kwargs), lambda x: TF.interpolate(x, **kwargs),
                       [_x((1, 2, *spatial))])  # fmt: skip
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        F.interpolate(mt.ones(1, 1, 4), size=2, mode="linear", antialias=True)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
def test_interpolate_gradcheck(mode):
    check_gradients(lambda x: F.interpolate(x, size=(3, 2), mode=mode), [_x((1, 1, 2, 3))])


def test_interpolate_integer_nearest():
    x = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    compare_with_torch(
        lambda a: F.interpolate(a, scale_factor=2),
        lambda a: TF.interpolate(a, scale_factor=2),
        [x],
        grad=False,
    )


def test_interpolate_errors():
    x = mt.ones(1, 1, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 2))
    with pytest.raises(NotImplementedError, match="4D"):
        F.interpolate(x, size=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="unknown mode"):
        F.interpolate(x, size=2, mode="cubic")


def test_legacy_upsample_warns():
    x = _x((1, 2, 3, 3))
    with pytest.warns(UserWarning, match="deprecated"):
        got = F.upsample_bilinear(mt.tensor(x), scale_factor=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = TF.upsample_bilinear(torch.tensor(x), scale_factor=2)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="deprecated"):
        got = F.upsample_nearest(mt.tensor(x), size=5)
    np.testing.assert_array_equal(got.numpy(), TF.interpolate(torch.tensor(x), 5).numpy())


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("Upsample", {"scale_factor": 2, "mode": "bilinear"}),
        ("Upsample", {"size": (5, 4)}),
        ("UpsamplingNearest2d", {"scale_factor": 2}),
        ("UpsamplingBilinear2d", {"size": 5}),
    ],
)
def test_upsampling_modules(name, args):
    ours, theirs = getattr(mt.nn, name)(**args), getattr(torch.nn, name)(**args)
    assert repr(ours) == repr(theirs)
    x = _x((1, 2, 3, 3))
    np.testing.assert_allclose(
        ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-12
    )
