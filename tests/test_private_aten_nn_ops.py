"""torch's private ATen nn kernels (microtensor/_private_aten_nn_ops.py) against torch:
forward values, gradients for a random upstream gradient, gradcheck and gradgradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import _private_aten_ops as P
from tests.helpers import assert_same, check_gradients, compare_with_torch

aten = torch.ops.aten
RNG = np.random.default_rng(1)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.5, 2.0, shape)


# ---------------------------------------------------------------------------------------------
# batch norm


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5)])
def test_native_batch_norm_legit_matches_torch(training, shape):
    c = shape[1]
    stats = [randn(c), positive(c)]
    mt_stats = [mt.tensor(s.copy()) for s in stats]
    torch_stats = [torch.tensor(s.copy()) for s in stats]
    compare_with_torch(
        lambda x, w, b: P._native_batch_norm_legit(x, w, b, *mt_stats, training, 0.3, 1e-3),
        lambda x, w, b: torch._native_batch_norm_legit(x, w, b, *torch_stats, training, 0.3, 1e-3),
        [randn(*shape), randn(c), randn(c)],
    )
    for mine, theirs in zip(mt_stats, torch_stats, strict=True):  # updated in training only
        assert_same(mine, theirs)


def test_native_batch_norm_legit_no_stats_overload():
    compare_with_torch(
        lambda x, w: P._native_batch_norm_legit(x, w, None, True, 0.1, 1e-5),
        lambda x, w: torch._native_batch_norm_legit(x, w, None, True, 0.1, 1e-5),
        [randn(4, 2, 3), randn(2)],
    )
    keywords = P._native_batch_norm_legit(
        mt.tensor(randn(4, 2)), None, None, training=True, momentum=0.1, eps=1e-5
    )
    assert tuple(keywords[1].shape) == (2,)
    check_gradients(
        lambda x, w: P._native_batch_norm_legit(x, w, None, True, 0.1, 1e-5)[0],
        [randn(4, 2), randn(2)],
    )


def test_native_batch_norm_legit_errors():
    x = mt.zeros(3, 2)
    with pytest.raises(TypeError, match="training, momentum and eps"):
        P._native_batch_norm_legit(x, None, None, mt.zeros(2), mt.ones(2))
    with pytest.raises(TypeError, match="must be Tensors"):
        P._native_batch_norm_legit(x, None, None, 0.0, mt.ones(2), True, 0.1, 1e-5)
    with pytest.raises(RuntimeError, match="running_mean and running_var"):
        P._native_batch_norm_legit(x, None, None, False, 0.1, 1e-5)


def test_batch_norm_with_update_matches_torch():
    stats = [randn(3), positive(3)]
    mt_stats = [mt.tensor(s.copy()) for s in stats]
    torch_stats = [torch.tensor(s.copy()) for s in stats]
    out = compare_with_torch(
        lambda x, w, b: P._batch_norm_with_update(x, w, b, *mt_stats, 0.5, 1e-4),
        lambda x, w, b: aten._batch_norm_with_update(x, w, b, *torch_stats, 0.5, 1e-4),
        [randn(5, 3, 2), randn(3), randn(3)],
    )
    assert out[3].dtype == mt.uint8
    for mine, theirs in zip(mt_stats, torch_stats, strict=True):
        assert_same(mine, theirs)


# ---------------------------------------------------------------------------------------------
# softmax and dropout


@pytest.mark.parametrize("shape, dim", [((5,), 0), ((4, 3), 0), ((2, 4, 3), -1)])
def test_softmax_backward_data_matches_torch(shape, dim):
    output = torch.softmax(torch.tensor(randn(*shape)), dim).numpy()
    compare_with_torch(
        lambda g, y: P._softmax_backward_data(g, y, dim, mt.float64),
        lambda g, y: aten._softmax_backward_data(g, y, dim, torch.float64),
        [randn(*shape), output],
    )
    check_gradients(
        lambda g, y: P._softmax_backward_data(g, y, dim, mt.float64), [randn(*shape), output]
    )


def _masked(shape: tuple[int, ...], rows: list[int]) -> np.ndarray:
    x = randn(*shape)
    x[RNG.random(shape) < 0.3] = -math.inf
    x[rows] = -math.inf  # whole rows (along the last dim) of -inf
    return x


@pytest.mark.parametrize("shape, dim, rows", [((4, 5), 1, [0, 2]), ((3, 3), 1, [0, 1, 2])])
def test_safe_softmax_matches_torch(shape, dim, rows):
    x = _masked(shape, rows)
    out = compare_with_torch(
        lambda x: P._safe_softmax(x, dim), lambda x: aten._safe_softmax(x, dim), [x]
    )
    assert not np.isnan(out.detach().numpy()).any()
    x64 = mt.tensor(x, requires_grad=True)
    (grad,) = mt.autograd.grad(P._safe_softmax(x64, dim).sum(), x64)
    assert not np.isnan(grad.numpy()).any()


def test_safe_softmax_dtype_and_second_derivative():
    x = randn(3, 4)
    compare_with_torch(
        lambda x: P._safe_softmax(x, 0, dtype=mt.float32),
        lambda x: aten._safe_softmax(x, 0, dtype=torch.float32),
        [x],
        grad=False,
    )
    check_gradients(lambda x: P._safe_softmax(x, 1), [x])


@pytest.mark.parametrize("scale", [0.0, 2.0])
@pytest.mark.parametrize("shape", [(), (3, 4)])
def test_native_dropout_backward_matches_torch(scale, shape):
    mask = RNG.random(shape) < 0.5
    compare_with_torch(
        lambda g, m: P.native_dropout_backward(g, m, scale),
        lambda g, m: aten.native_dropout_backward(g, m, scale),
        [np.asarray(randn(*shape)), np.asarray(mask)],
    )


# ---------------------------------------------------------------------------------------------
# max pooling's backward


@pytest.mark.parametrize(
    "shape, kernel, stride, padding, dilation, ceil_mode",
    [
        ((1, 2, 5, 6), 3, 2, 1, 1, True),
        ((2, 6, 7), (3, 2), (2, 1), (1, 1), (1, 2), False),
    ],
)
def test_max_pool2d_with_indices_backward_matches_torch(
    shape, kernel, stride, padding, dilation, ceil_mode
):
    x = randn(*shape)
    settings = (kernel, stride, padding, dilation, ceil_mode)
    out, idx = F.max_pool2d_with_indices(mt.tensor(x), *settings, return_indices=True)
    t_out, t_idx = torch.nn.functional.max_pool2d_with_indices(
        torch.tensor(x), *settings, return_indices=True
    )
    pairs = [(p, (p,) * 2) if isinstance(p, int) else (p, p) for p in settings[:4]]
    grad_out = randn(*out.shape)
    # the gradient with respect to x is zero (torch's zeros_like, microtensor's None)
    compare_with_torch(
        lambda g: P.max_pool2d_with_indices_backward(g, mt.tensor(x), *settings, idx),
        lambda g: aten.max_pool2d_with_indices_backward(
            g, torch.tensor(x), *[p for _, p in pairs], ceil_mode, t_idx
        ),
        [grad_out],
    )
    assert t_out.shape == tuple(out.shape)


def test_max_pool2d_with_indices_backward_errors():
    with pytest.raises(RuntimeError, match="3-D or 4-D"):
        P.max_pool2d_with_indices_backward(
            mt.zeros(2), mt.zeros(4), 2, 2, 0, 1, False, mt.tensor([0, 1])
        )
    with pytest.raises(RuntimeError, match="differ"):
        P.max_pool2d_with_indices_backward(
            mt.zeros(1, 1, 1), mt.zeros(1, 2, 2), 2, 2, 0, 1, False, mt.tensor([[[0, 1]]])
        )


# ---------------------------------------------------------------------------------------------
# antialiased bilinear upsampling


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (([3, 4], False), {}),
        (([7, 5], True), {}),
        (([3, 3], False), {"scales_h": 1.7, "scales_w": 0.4}),
        ((None, False, [1.7, 0.45]), {}),
        ((None, True), {"scale_factors": [0.8, 1.0]}),
    ],
)
def test_upsample_bilinear2d_aa_matches_torch(args, kwargs):
    x = randn(2, 3, 6, 9)
    compare_with_torch(
        lambda x: P._upsample_bilinear2d_aa(x, *args, **kwargs),
        lambda x: aten._upsample_bilinear2d_aa(x, *args, **kwargs),
        [x],
    )


def test_upsample_bilinear2d_aa_gradgradcheck_and_errors():
    check_gradients(lambda x: P._upsample_bilinear2d_aa(x, [2, 5], False), [randn(1, 1, 4, 3)])
    x = mt.zeros(1, 1, 4, 4)
    with pytest.raises(RuntimeError, match="4-D"):
        P._upsample_bilinear2d_aa(mt.zeros(1, 4, 4), [2, 2], False)
    with pytest.raises(RuntimeError, match="not both"):
        P._upsample_bilinear2d_aa(x, [2, 2], False, [0.5, 0.5])
    with pytest.raises(RuntimeError, match="is required"):
        P._upsample_bilinear2d_aa(x, None, False)
    with pytest.raises(RuntimeError, match="at least 1"):
        P._upsample_bilinear2d_aa(x, [0, 2], False)
