"""Instance, RMS and local response normalisation (nn/instancenorm.py, nn/normalization.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 2, 3), (1, 2, 2, 2, 2)])
@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_matches_torch(shape, affine):
    x, w, b = _x(*shape), _x(shape[1], seed=1), _x(shape[1], seed=2)
    args = [x, w, b] if affine else [x]

    def call(fn, inp, weight=None, bias=None):
        return fn(inp, None, None, weight, bias)

    compare_with_torch(
        lambda *a: call(F.instance_norm, *a), lambda *a: call(TF.instance_norm, *a), args
    )
    if shape == (2, 3, 4):
        check_gradients(lambda *a: call(F.instance_norm, *a), args)


def test_instance_norm_running_stats():
    x = _x(3, 2, 5)
    ours = [mt.zeros(2), mt.ones(2)]
    theirs = [torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)]
    F.instance_norm(mt.tensor(x), *ours, momentum=0.3)
    TF.instance_norm(torch.tensor(x), *theirs, momentum=0.3)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-6)
    got = F.instance_norm(mt.tensor(x), *ours, use_input_stats=False)
    want = TF.instance_norm(torch.tensor(x), *theirs, use_input_stats=False)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"])
@pytest.mark.parametrize("options", [{}, {"affine": True, "track_running_stats": True},
                                     {"affine": True, "bias": False}])  # fmt: skip
def test_instance_norm_modules(name, options):
    nd = int(name[-2])
    ours, theirs = getattr(mt.nn, name)(3, **options), getattr(torch.nn, name)(3, **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = _x(2, 3, *[3] * nd)
    for unbatched in (False, True):
        inp = x[0] if unbatched else x
        got = ours(mt.tensor(inp, dtype=mt.float32))
        want = theirs(torch.tensor(inp, dtype=torch.float32))
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-5)
    ours.eval(), theirs.eval()
    got, want = ours(mt.tensor(x, dtype=mt.float32)), theirs(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-5)


def test_instance_norm_errors():
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(mt.ones(2, 3, 1))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        mt.nn.InstanceNorm1d(3)(mt.ones(3))
    with pytest.raises(ValueError, match="to match num_features"):
        mt.nn.InstanceNorm1d(4, affine=True)(mt.ones(2, 3, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        mt.nn.InstanceNorm1d(4)(mt.ones(2, 3, 5))


@pytest.mark.parametrize(("shape", "normalized"), [((2, 3), (3,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(shape, normalized, eps):
    x, w = _x(*shape), _x(*normalized, seed=1)
    compare_with_torch(
        lambda a, b: F.rms_norm(a, normalized, b, eps),
        lambda a, b: TF.rms_norm(a, normalized, b, eps),
        [x, w],
    )
    compare_with_torch(
        lambda a: F.rms_norm(a, normalized, eps=eps), lambda a: TF.rms_norm(a, normalized, eps=eps),
        [x.astype(np.float32)],
    )  # fmt: skip
    if eps:
        check_gradients(lambda a, b: F.rms_norm(a, normalized, b, eps), [x, w])


def test_rms_norm_module_and_errors():
    ours, theirs = mt.nn.RMSNorm([2, 3]), torch.nn.RMSNorm([2, 3])
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(mt.nn.RMSNorm(3, elementwise_affine=False).state_dict()) == []
    x = _x(4, 2, 3).astype(np.float32)
    assert_same(ours(mt.tensor(x)).detach(), theirs(torch.tensor(x)).detach())
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(mt.ones(2, 3), (2,))


@pytest.mark.parametrize(
    ("shape", "size"), [((2, 5, 3), 3), ((1, 4, 2, 3), 2), ((1, 3, 2, 2, 2), 4)]
)
def test_local_response_norm_matches_torch(shape, size):
    x = _x(*shape)
    compare_with_torch(
        lambda a: F.local_response_norm(a, size, 0.1, 0.6, 2.0),
        lambda a: TF.local_response_norm(a, size, 0.1, 0.6, 2.0),
        [x],
    )
    if len(shape) == 3:
        check_gradients(lambda a: F.local_response_norm(a, size), [x])


def test_local_response_norm_module_and_errors():
    ours, theirs = mt.nn.LocalResponseNorm(3, k=2.0), torch.nn.LocalResponseNorm(3, k=2.0)
    assert repr(ours) == repr(theirs)
    x = _x(2, 4, 3)
    assert_same(ours(mt.tensor(x)), theirs(torch.tensor(x)))
    with pytest.raises(ValueError, match="3D or higher"):
        F.local_response_norm(mt.ones(2, 3), 2)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_empty_input(training):
    x, w, b = np.zeros((0, 3)), _x(3), _x(3, seed=1)
    ours, theirs = [mt.zeros(3), mt.ones(3)], [torch.zeros(3).double(), torch.ones(3).double()]
    compare_with_torch(
        lambda a, c, d: F.batch_norm(a, *ours, c, d, training),
        lambda a, c, d: TF.batch_norm(a, *theirs, c, d, training),
        [x, w, b],
    )
    np.testing.assert_array_equal(ours[1].numpy(), [1.0, 1.0, 1.0])


def test_batch_norm_empty_1d_input():
    ours = F.batch_norm(mt.ones(0), mt.ones(0), mt.ones(0), training=True)
    theirs = TF.batch_norm(torch.ones(0), torch.ones(0), torch.ones(0), training=True)
    assert ours.shape == theirs.shape == (0,)


def test_batch_norm_3d_module():
    ours, theirs = mt.nn.BatchNorm3d(2), torch.nn.BatchNorm3d(2)
    assert repr(ours) == repr(theirs)
    x = _x(2, 2, 2, 3, 2)
    got, want = ours(mt.tensor(x, dtype=mt.float32)), theirs(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5)
