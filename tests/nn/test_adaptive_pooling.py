"""Adaptive and fractional max pooling, unpooling and LP pooling against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch


def _x(*shape, seed=0, ties=False):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.round(x) if ties else x


@pytest.mark.parametrize(
    ("nd", "shape", "size"),
    [(1, (2, 3, 7), 3), (1, (3, 5), 5), (2, (2, 2, 5, 7), (3, 4)), (2, (2, 5, 4), (2, None)),
     (3, (1, 2, 3, 4, 5), (2, 3, 2))],
)  # fmt: skip
@pytest.mark.parametrize("ties", [False, True])
def test_adaptive_max_pool_matches_torch(nd, shape, size, ties):
    name = f"adaptive_max_pool{nd}d"
    ours, theirs = getattr(F, name), getattr(TF, name)
    compare_with_torch(
        lambda a: ours(a, size, return_indices=True),
        lambda a: theirs(a, size, return_indices=True),
        [_x(*shape, ties=ties)],
    )


def test_adaptive_max_pool_gradcheck_and_with_indices():
    check_gradients(lambda a: F.adaptive_max_pool2d(a, (2, 3)), [_x(1, 1, 3, 4)])
    y, idx = F.adaptive_max_pool1d_with_indices(mt.tensor([[[1.0, 3.0, 2.0]]]), 2)
    assert idx.tolist() == [[[1, 1]]]


@pytest.mark.parametrize(
    ("nd", "shape", "kernel", "size"),
    [(2, (2, 3, 7, 6), (2, 3), (3, 3)), (2, (2, 5, 5), 2, 4), (3, (2, 2, 5, 6, 7), (2, 1, 3),
                                                                (3, 4, 3))],
)  # fmt: skip
def test_fractional_max_pool_fixed_samples(nd, shape, kernel, size):
    batched = shape if len(shape) == nd + 2 else (1, *shape)
    samples = np.random.default_rng(1).random((batched[0], batched[1], nd))
    name = f"fractional_max_pool{nd}d"
    ours, theirs = mt.tensor(samples), torch.tensor(samples)
    compare_with_torch(
        lambda a: getattr(F, name)(a, kernel, size, return_indices=True, _random_samples=ours),
        lambda a: getattr(TF, name)(a, kernel, size, return_indices=True, _random_samples=theirs),
        [_x(*shape)],
    )


def test_empty_batch():
    x = mt.ones(0, 1, 4, 5, 4)
    assert F.fractional_max_pool3d(x, [2, 2, 1], output_size=2).shape == (0, 1, 2, 2, 2)
    assert F.adaptive_max_pool2d(mt.ones(0, 2, 3, 3), 2).shape == (0, 2, 2, 2)


def test_fractional_max_pool_random_and_errors():
    y = F.fractional_max_pool2d(mt.randn(2, 3, 9, 8), 2, output_ratio=(0.5, 0.5))
    assert y.shape == (2, 3, 4, 4) and y.dtype == mt.float32
    x = mt.tensor(_x(1, 1, 6, 6))
    picks = F.fractional_max_pool2d(x, 2, 3)
    assert set(np.round(picks.numpy().ravel(), 12)) <= set(np.round(x.numpy().ravel(), 12))
    with pytest.raises(ValueError, match="output_size or an output_ratio"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(RuntimeError, match="larger than the input size"):
        F.fractional_max_pool2d(x, 3, 5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        mt.nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="only one of"):
        mt.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)


@pytest.mark.parametrize(
    ("nd", "shape", "kwargs"),
    [(1, (2, 3, 8), {"kernel_size": 2}), (2, (2, 2, 5, 7), {"kernel_size": 3, "stride": 2,
                                                              "padding": 1}),
     (3, (1, 2, 4, 4, 6), {"kernel_size": 2})],
)  # fmt: skip
def test_max_unpool_matches_torch(nd, shape, kwargs):
    pooled, indices = getattr(TF, f"max_pool{nd}d")(torch.tensor(_x(*shape)), **kwargs,
                                                    return_indices=True)  # fmt: skip
    size = shape[2:]
    for output_size in (None, size):
        compare_with_torch(
            lambda a, i, o=output_size: getattr(F, f"max_unpool{nd}d")(a, i, **kwargs,
                                                                       output_size=o),
            lambda a, i, o=output_size: getattr(TF, f"max_unpool{nd}d")(a, i, **kwargs,
                                                                        output_size=o),
            [pooled.numpy(), indices.numpy()],
        )  # fmt: skip


def test_max_unpool_errors():
    x, idx = mt.ones(1, 1, 2, 2), mt.tensor([[[[0, 1], [2, 9]]]])
    with pytest.raises(RuntimeError, match="invalid max index: 9"):
        F.max_unpool2d(x, idx, 1)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(x, mt.zeros(1, 1, 2, 2, dtype=mt.int64), 2, output_size=(9, 9))


@pytest.mark.parametrize(
    ("nd", "shape", "p", "kwargs"),
    [(1, (2, 3, 7), 2.0, {"kernel_size": 3}), (2, (2, 2, 5, 6), 3.0, {"kernel_size": (2, 3),
                                                                        "stride": 1}),
     (2, (2, 4, 5), 1.0, {"kernel_size": 2, "ceil_mode": True}),
     (3, (1, 1, 4, 4, 4), 2.0, {"kernel_size": 2})],
)  # fmt: skip
def test_lp_pool_matches_torch(nd, shape, p, kwargs):
    x = np.abs(_x(*shape)) + 0.1
    name = f"lp_pool{nd}d"
    compare_with_torch(lambda a: getattr(F, name)(a, p, **kwargs),
                       lambda a: getattr(TF, name)(a, p, **kwargs), [x])  # fmt: skip
    if nd == 1:
        check_gradients(lambda a: F.lp_pool1d(a, p, **kwargs), [x])


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [("AdaptiveMaxPool2d", ((2, None),), (1, 2, 5, 4)), ("AdaptiveMaxPool1d", (3,), (2, 7)),
     ("AdaptiveMaxPool3d", (2,), (1, 1, 3, 4, 3)), ("LPPool2d", (2, 2), (1, 2, 4, 4)),
     ("LPPool1d", (1.5, 2, 1), (1, 3, 5)), ("MaxPool3d", (2,), (1, 2, 4, 4, 4)),
     ("AvgPool3d", (2,), (1, 2, 4, 4, 4)), ("AdaptiveAvgPool3d", ((1, 2, None),),
                                             (1, 2, 3, 4, 5)),
     ("LPPool3d", (1, 2), (1, 1, 2, 2, 4))],
)  # fmt: skip
def test_pooling_modules_match_torch(name, args, shape):
    ours, theirs = getattr(mt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    x = np.abs(_x(*shape))
    np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12)  # fmt: skip


def test_unpool_and_fractional_modules():
    for nd in (1, 2, 3):
        name = f"MaxUnpool{nd}d"
        assert repr(getattr(mt.nn, name)(2, 1, 1)) == repr(getattr(torch.nn, name)(2, 1, 1))
    pool, unpool = torch.nn.MaxPool2d(2, return_indices=True), mt.nn.MaxUnpool2d(2)
    y, idx = pool(torch.tensor(_x(1, 2, 4, 4)))
    got = unpool(mt.tensor(y.numpy()), mt.tensor(idx.numpy()))
    np.testing.assert_array_equal(got.numpy(), torch.nn.MaxUnpool2d(2)(y, idx).numpy())
    samples = np.random.default_rng(3).random((1, 2, 2))
    ours = mt.nn.FractionalMaxPool2d(2, (3, 3), _random_samples=mt.tensor(samples))
    theirs = torch.nn.FractionalMaxPool2d(2, (3, 3), _random_samples=torch.tensor(samples))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = _x(1, 2, 6, 5)
    np.testing.assert_array_equal(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())


def test_avg_pool_empty_stride_means_kernel():
    x = _x(1, 2, 4, 6)
    compare_with_torch(lambda a: F.avg_pool2d(a, 2, stride=()),
                       lambda a: TF.avg_pool2d(a, 2, stride=()), [x])  # fmt: skip


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_pool_with_indices(nd):
    x = _x(1, 2, *[4] * nd, ties=True)
    name = f"max_pool{nd}d_with_indices"
    compare_with_torch(lambda a: getattr(F, name)(a, 2), lambda a: getattr(TF, name)(a, 2), [x])
