"""The max pooling op: its block path (windows that tile) against its general path and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.nn._functional import _max_pool_ops
from microtensor.nn._functional._max_pool_ops import first_max, is_blocks
from tests.helpers import assert_same, check_gradients, compare_with_torch

# (input shape, kernel): the windows tile the input exactly, so max_pool takes the block path
BLOCK_CASES = [
    ((2, 3, 8), (2,)),
    ((2, 3, 6), (3,)),
    ((2, 3, 8, 8), (2, 2)),
    ((3, 2, 4, 6), (2, 3)),
    ((1, 2, 4, 4), (1, 1)),
    ((2, 2, 4, 4, 4), (2, 2, 2)),
]
FNS = {1: (F.max_pool1d, TF.max_pool1d), 2: (F.max_pool2d, TF.max_pool2d)}
FNS[3] = (F.max_pool3d, TF.max_pool3d)


def _data(shape, dtype, kind, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if kind == "ties":  # ReLU-like: many all-zero windows and repeated values
        x = np.maximum(np.round(x), 0.0)
    elif kind == "nan":
        x.flat[rng.choice(x.size, size=max(x.size // 5, 1), replace=False)] = np.nan
    elif kind == "inf":
        x.flat[:: max(x.size // 7, 1)] = -np.inf
    return x.astype(dtype)


@pytest.mark.parametrize(("shape", "kernel"), BLOCK_CASES)
def test_block_cases_take_the_block_path(shape, kernel):
    out = tuple(n // k for n, k in zip(shape[2:], kernel, strict=True))
    assert is_blocks(shape, kernel, kernel, (1,) * len(kernel), ((0, 0),) * len(kernel), out)
    y = FNS[len(kernel)][0](mt.randn(*shape, requires_grad=True), kernel)
    names = {1: "SqueezeBackward1", 2: "MaxPool2DWithIndicesBackward0"}
    names[3] = "MaxPool3DWithIndicesBackward0"
    assert y.grad_fn.blocks and y.grad_fn.name() == names[len(kernel)]


def test_other_windows_take_the_general_path():
    x = mt.randn(1, 1, 5, 5, requires_grad=True)
    for kwargs in ({"stride": 1}, {"padding": 1}, {"dilation": 2}):
        assert not F.max_pool2d(x, 2, **kwargs).grad_fn.blocks
    assert not F.max_pool2d(x, 2).grad_fn.blocks  # 5 is not 2 * 2: the last row is dropped


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["normal", "ties", "nan", "inf"])
@pytest.mark.parametrize(("shape", "kernel"), BLOCK_CASES)
def test_blocks_equal_the_general_path(shape, kernel, kind, dtype, monkeypatch):
    data = _data(shape, dtype, kind)
    upstream = None
    results = []
    for general in (False, True):
        if general:
            monkeypatch.setattr(_max_pool_ops, "is_blocks", lambda *args: False)
        x = mt.tensor(data, requires_grad=True)
        y, indices = FNS[len(kernel)][0](x, kernel, return_indices=True)
        assert y.grad_fn.blocks is not general
        if upstream is None:
            upstream = mt.tensor(np.random.default_rng(1).standard_normal(y.shape).astype(dtype))
        (grad,) = mt.autograd.grad(y, x, upstream)
        results.append([y.detach().numpy(), indices.numpy(), grad.numpy()])
    for block_result, general_result in zip(*results, strict=True):
        np.testing.assert_array_equal(block_result, general_result)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["normal", "ties", "nan"])
@pytest.mark.parametrize("return_indices", [False, True])
@pytest.mark.parametrize(("shape", "kernel"), BLOCK_CASES)
def test_blocks_match_torch(shape, kernel, kind, return_indices, dtype):
    mt_fn, torch_fn = FNS[len(kernel)]
    compare_with_torch(
        lambda x: mt_fn(x, kernel, return_indices=return_indices),
        lambda x: torch_fn(x, kernel, return_indices=return_indices),
        [_data(shape, dtype, kind)],
    )


def test_blocks_unbatched_and_non_contiguous_match_torch():
    data = _data((3, 4, 8, 6), np.float64, "ties")
    compare_with_torch(lambda x: F.max_pool2d(x[0], 2), lambda x: TF.max_pool2d(x[0], 2), [data])
    compare_with_torch(
        lambda x: F.max_pool2d(x.transpose(2, 3), (3, 2), return_indices=True),
        lambda x: TF.max_pool2d(x.transpose(2, 3), (3, 2), return_indices=True),
        [data],
    )


def test_blocks_gradient_goes_to_the_first_maximum():
    x = mt.tensor([[[[0.0, 0.0, 1.0, 2.0], [0.0, 0.0, 2.0, 2.0]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    y.backward(mt.tensor([[[[3.0, 5.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy(), [[[[3.0, 0.0, 0.0, 5.0], [0.0, 0.0, 0.0, 0.0]]]])
    np.testing.assert_array_equal(idx.numpy(), [[[[0, 3]]]])


@pytest.mark.parametrize(("shape", "kernel"), [((1, 2, 4, 6), (2, 3)), ((2, 1, 6), (2,))])
def test_blocks_gradcheck_and_gradgradcheck(shape, kernel):
    # distinct values keep the maxima away from ties, where max is not differentiable
    x = np.random.default_rng(3).permutation(np.prod(shape)).reshape(shape) / 7.0
    fn = FNS[len(kernel)][0]
    check_gradients(lambda t: fn(t, kernel), [x])


def test_blocks_double_backward_matches_torch():
    data = _data((2, 2, 4, 4), np.float64, "normal")
    upstream = np.random.default_rng(5).standard_normal((2, 2, 2, 2))
    grads = []
    for lib, fn in ((mt, F.max_pool2d), (torch, TF.max_pool2d)):
        x = lib.tensor(data, requires_grad=True)
        g = lib.tensor(upstream, requires_grad=True)
        (gx,) = lib.autograd.grad(fn(x, 2), x, g, create_graph=True)
        (gg,) = lib.autograd.grad((gx * gx).sum(), g)
        grads.append((gx, gg))
    assert_same(grads[0][0], grads[1][0])
    assert_same(grads[0][1], grads[1][1])


def test_first_max_marks_one_first_maximum_per_window():
    views = [np.array([1.0, np.nan, 2.0, 0.0]), np.array([1.0, 3.0, np.nan, 0.0])]
    views.append(np.array([0.5, np.nan, 2.0, 0.0]))
    y, hits = first_max(views)
    np.testing.assert_array_equal(y, [1.0, np.nan, np.nan, 0.0])
    np.testing.assert_array_equal(
        np.array(hits, dtype=int), [[1, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]
    )


def test_blocks_non_finite_upstream_gradient_reaches_only_the_maxima():
    data = _data((1, 2, 4, 4), np.float64, "ties")
    upstream = np.random.default_rng(2).standard_normal((1, 2, 2, 2))
    upstream.flat[[0, 3, 5]] = [np.nan, np.inf, -np.inf]
    grads = []
    for lib, fn in ((mt, F.max_pool2d), (torch, TF.max_pool2d)):
        x = lib.tensor(data, requires_grad=True)
        fn(x, 2).backward(lib.tensor(upstream))
        grads.append(x.grad)
    assert_same(grads[0], grads[1])
