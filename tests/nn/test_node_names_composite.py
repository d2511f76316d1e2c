"""Fused nn.functional ops carry torch's graph node name, with torch's values and gradients.

Each case is ``(id, call, arrays)``: ``call(F, lib, *tensors)`` runs the same code on
``torch.nn.functional`` (with ``lib = torch``) and ``microtensor.nn.functional`` (``lib = mt``).
The output's ``type(grad_fn).__name__`` must be torch's; values and the gradients for a random
upstream gradient must equal torch's (float64 and float32); gradcheck and gradgradcheck pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import ops
from microtensor.nn._functional.upsampling import _along
from tests.helpers import check_gradients, compare_with_torch


def _x(*shape, seed=0, low=None):
    rng = np.random.default_rng(seed)
    return rng.uniform(low, 1.0, shape) if low is not None else rng.standard_normal(shape)


X3, X4, X5 = _x(2, 3, 5), _x(2, 3, 4, 4), _x(1, 2, 3, 4, 3)


def _interp(x, **kwargs):
    return lambda F, lib, t: F.interpolate(t, **kwargs)


CASES = [
    ("nearest-1d", _interp(X3, scale_factor=2), [X3]),
    ("nearest-2d-sf", _interp(X4, scale_factor=2), [X4]),
    ("nearest-2d-size-down", _interp(X4, size=(3, 2)), [X4]),
    ("nearest-2d-recompute", _interp(X4, scale_factor=1.5, recompute_scale_factor=True), [X4]),
    ("nearest-3d", _interp(X5, size=(4, 5, 2)), [X5]),
    ("nearest-exact-1d", _interp(X3, size=7, mode="nearest-exact"), [X3]),
    ("nearest-exact-2d", _interp(X4, scale_factor=0.6, mode="nearest-exact"), [X4]),
    ("nearest-exact-3d", _interp(X5, scale_factor=1.5, mode="nearest-exact"), [X5]),
    ("linear", _interp(X3, scale_factor=1.7, mode="linear"), [X3]),
    ("linear-align", _interp(X3, size=8, mode="linear", align_corners=True), [X3]),
    ("bilinear", _interp(X4, scale_factor=2, mode="bilinear"), [X4]),
    ("bilinear-align", _interp(X4, size=(5, 3), mode="bilinear", align_corners=True), [X4]),
    (
        "bilinear-recompute",
        _interp(X4, scale_factor=1.5, mode="bilinear", recompute_scale_factor=True),
        [X4],
    ),
    ("bicubic", _interp(X4, size=(6, 5), mode="bicubic"), [X4]),
    ("bicubic-align", _interp(X4, scale_factor=0.75, mode="bicubic", align_corners=True), [X4]),
    ("trilinear", _interp(X5, scale_factor=2, mode="trilinear"), [X5]),
    ("trilinear-align", _interp(X5, size=(2, 5, 4), mode="trilinear", align_corners=True), [X5]),
    ("bilinear-aa", _interp(X4, size=(2, 3), mode="bilinear", antialias=True), [X4]),
    ("bicubic-aa", _interp(X4, size=(3, 2), mode="bicubic", antialias=True), [X4]),
    ("area-2d", _interp(X4, size=(3, 2), mode="area"), [X4]),
    ("area-3d", _interp(X5, size=2, mode="area"), [X5]),
    ("upsample_bilinear", lambda F, lib, t: F.upsample_bilinear(t, scale_factor=2), [X4]),
    ("adaptive_avg_pool1d", lambda F, lib, t: F.adaptive_avg_pool1d(t, 3), [X3]),
    ("adaptive_avg_pool2d-1", lambda F, lib, t: F.adaptive_avg_pool2d(t, 1), [X4]),
    ("adaptive_avg_pool2d-3", lambda F, lib, t: F.adaptive_avg_pool2d(t, 3), [X4]),
    ("adaptive_avg_pool2d-1x3", lambda F, lib, t: F.adaptive_avg_pool2d(t, (1, 3)), [X4]),
    ("adaptive_avg_pool2d-3d", lambda F, lib, t: F.adaptive_avg_pool2d(t, (2, 3)), [X4[0]]),
    ("adaptive_avg_pool3d-1", lambda F, lib, t: F.adaptive_avg_pool3d(t, 1), [X5]),
    ("adaptive_avg_pool3d-2", lambda F, lib, t: F.adaptive_avg_pool3d(t, (2, 3, 2)), [X5]),
]
IDS = [case[0] for case in CASES]


def _torch_name(call, arrays):
    args = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = call(TF, torch, *args)
    return type((out[0] if isinstance(out, tuple) else out).grad_fn).__name__


pytestmark = pytest.mark.filterwarnings("ignore:.*upsample.* is deprecated")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "call", "arrays"), CASES, ids=IDS)
def test_node_name_values_and_gradients(name, call, arrays, dtype):
    arrays = [a.astype(dtype) for a in arrays]
    out = compare_with_torch(
        lambda *t: call(F, mt, *t),
        lambda *t: call(TF, torch, *t),
        arrays,
        rng=np.random.default_rng(1),
    )
    out = out[0] if isinstance(out, tuple) else out
    assert type(out.grad_fn).__name__ == _torch_name(call, arrays)


@pytest.mark.parametrize(("name", "call", "arrays"), CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, call, arrays):
    small = [a[:1] if a.ndim > 3 else a for a in arrays]  # one sample is enough, and faster
    check_gradients(lambda *t: call(F, mt, *t), small)


# --- the fused ops against the compositions they replaced ------------------------------------


def test_interpolate_equals_the_composition_it_replaced():
    x = mt.tensor(_x(2, 3, 5, 6, seed=3), requires_grad=True)
    for mode, kwargs in [
        ("nearest", {"scale_factor": (1.7, 0.6)}),
        ("bilinear", {"size": (7, 4), "align_corners": False}),
        ("bicubic", {"scale_factor": 1.5, "align_corners": True}),
    ]:
        fused = F.interpolate(x, mode=mode, **kwargs)
        composed = _composed_interpolate(x, fused.shape[2:], mode, kwargs)
        np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), 0, 1e-15)
        g = mt.tensor(_x(*fused.shape, seed=4))
        (fused_grad,) = mt.autograd.grad(fused, x, g)
        (composed_grad,) = mt.autograd.grad(composed, x, g)
        np.testing.assert_allclose(fused_grad.numpy(), composed_grad.numpy(), 0, 1e-14)


def _composed_interpolate(x, sizes, mode, kwargs):
    """The composition interpolate was: index_select or a matrix product per spatial dim."""
    from microtensor.nn._functional import upsampling as up

    scales = kwargs.get("scale_factor")
    scales = scales if isinstance(scales, tuple) else (scales,) * 2
    y = x
    for axis, (n, out, scale) in enumerate(zip(x.shape[2:], sizes, scales, strict=True)):
        if mode == "nearest":
            index = mt.tensor(up._nearest_index(n, out, scale, False))
            y = ops.index_select(y, 2 + axis, index)
            continue
        build = up._cubic_matrix if mode == "bicubic" else up._linear_matrix
        y = _along(y, 2 + axis, build(n, out, scale, kwargs["align_corners"], np.float64))
    return y
