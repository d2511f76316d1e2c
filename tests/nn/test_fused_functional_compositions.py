"""The fused nn.functional ops equal the compositions they replaced, and their edge cases.

Their graph nodes, values against torch, gradcheck and gradgradcheck are in
``test_node_names_fused_functional.py`` (whose inputs these tests share).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import ops
from tests.nn.test_node_names_fused_functional import (
    B6,
    GRID,
    SHRINK,
    SIGNS,
    W6,
    X2,
    X4,
    Y2,
    _edges,
    _x,
)


def test_node_lists_none_for_a_target_without_grad():
    x = mt.tensor(X2, requires_grad=True)
    node = F.huber_loss(x, mt.tensor(Y2)).grad_fn
    assert _edges(node, 1) == ("HuberLossBackward0", ["torch::autograd::AccumulateGrad", None])


# --- the fused ops against the compositions they replaced ------------------------------------


def _same_values_and_gradients(fused_fn, composed_fn, arrays):
    inputs = [mt.tensor(a, requires_grad=True) for a in arrays]
    fused, composed = fused_fn(*inputs), composed_fn(*inputs)
    np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), 1e-12, 1e-12)
    g = mt.tensor(_x(*fused.shape, seed=9))
    fused_grads = mt.autograd.grad(fused, inputs, g)
    composed_grads = mt.autograd.grad(composed, inputs, g)
    for a, b in zip(fused_grads, composed_grads, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), 1e-12, 1e-12)


def test_group_norm_equals_the_composition_it_replaced():
    def composed(x, w, b):  # the view of (N, G, C/G, S) standardised, as group_norm was
        grouped = ops.reshape(x, (2, 3, 2, 6))
        mean = ops.mean(grouped, (2, 3), True)
        var = ops.mean((grouped - mean) ** 2, (2, 3), True)
        x_hat = ops.reshape((grouped - mean) / ops.sqrt(var + 1e-5), x.shape)
        return x_hat * ops.reshape(w, (6, 1, 1)) + ops.reshape(b, (6, 1, 1))

    _same_values_and_gradients(lambda x, w, b: F.group_norm(x, 3, w, b), composed, [X4, W6, B6])


def test_huber_and_smooth_l1_equal_the_compositions_they_replaced():
    def huber(x, y):
        dist = ops.abs(x - y)
        return ops.where(dist._data < 1.0, 0.5 * dist * dist, dist - 0.5)

    def smooth_l1(x, y):
        dist = ops.abs(x - y)
        return ops.where(dist._data < 0.7, 0.5 * dist * dist / 0.7, dist - 0.35)

    fused = [
        lambda x, y: F.huber_loss(x, y, reduction="none"),
        lambda x, y: F.smooth_l1_loss(x, y, reduction="none", beta=0.7),
    ]
    _same_values_and_gradients(fused[0], huber, [X2, Y2])
    _same_values_and_gradients(fused[1], smooth_l1, [X2, Y2])


def test_glu_and_shrinks_equal_the_compositions_they_replaced():
    _same_values_and_gradients(F.glu, lambda x: x[:, :2] * ops.sigmoid(x[:, 2:]), [X2])
    keep = np.abs(SHRINK) > 0.5
    _same_values_and_gradients(F.hardshrink, lambda x: ops.where(keep, x, 0.0), [SHRINK])
    shifted = lambda x: ops.where(SHRINK > 0.5, x - 0.5, x + 0.5)  # noqa: E731
    _same_values_and_gradients(F.softshrink, lambda x: ops.where(keep, shifted(x), 0.0), [SHRINK])


def test_fold_and_unfold_equal_the_convolutions_they_replaced():
    x = mt.tensor(_x(2, 3, 5, 4), requires_grad=True)
    cols = F.unfold(x, (2, 3), padding=1, stride=(1, 2))
    eye = np.eye(6).reshape(6, 1, 2, 3)  # one one-hot kernel per offset, for each channel
    weight = mt.tensor(np.tile(eye, (3, 1, 1, 1)))
    composed = ops.reshape(F.conv2d(x, weight, padding=1, stride=(1, 2), groups=3), cols.shape)
    np.testing.assert_array_equal(cols.detach().numpy(), composed.detach().numpy())
    g = mt.tensor(_x(*cols.shape, seed=9))
    np.testing.assert_allclose(
        mt.autograd.grad(cols, x, g)[0].numpy(), mt.autograd.grad(composed, x, g)[0].numpy(), 1e-13
    )
    image = F.fold(cols, (5, 4), (2, 3), padding=1, stride=(1, 2))
    np.testing.assert_allclose(image.detach().numpy(), mt.autograd.grad(cols, x, cols)[0].numpy())


def test_shuffles_equal_the_compositions_they_replaced():
    def composed(x):  # pixel_shuffle as it was: view, permute, reshape
        y = ops.reshape(x, (2, 2, 2, 2, 3, 2))
        return ops.reshape(ops.permute(y, (0, 1, 4, 2, 5, 3)), (2, 2, 6, 4))

    _same_values_and_gradients(lambda x: F.pixel_shuffle(x, 2), composed, [_x(2, 8, 3, 2)])
    x = _x(2, 8, 3, 2)
    shuffled = F.pixel_unshuffle(F.pixel_shuffle(mt.tensor(x), 2), 2)
    np.testing.assert_array_equal(shuffled.numpy(), x)


def test_soft_margin_equals_the_composition_it_replaced():
    signs = mt.tensor(SIGNS)
    _same_values_and_gradients(
        lambda x: F.soft_margin_loss(x, signs, reduction="none"),
        lambda x: -ops.log(ops.sigmoid(signs * x)),
        [X2],
    )


def test_pad_equals_the_composition_it_replaced():
    for mode in ("reflect", "replicate"):
        _same_values_and_gradients(
            lambda x, m=mode: F.pad(x, (2, 1, 1, 2), mode=m),
            lambda x, m=mode: ops.pad(x, (2, 1, 1, 2), mode=m),
            [_x(2, 2, 3, 4)],
        )


@pytest.mark.parametrize(
    ("mode", "widths", "message"),
    [
        ("reflect", (3, 0), "Padding size should be less than"),
        ("replicate", (1, 1), "replicate padding needs a non-empty dim"),
        ("reflect", (1,), "Padding length must be divisible by 2"),
    ],
)
def test_pad_errors_are_ops_pads(mode, widths, message):
    x = mt.zeros(1, 2, 0 if mode == "replicate" else 3)
    with pytest.raises(RuntimeError, match=message):
        F.pad(x, widths, mode=mode)


def test_pad_with_negative_widths_crops_as_ops_pad():
    x = mt.tensor(_x(1, 2, 5), requires_grad=True)
    out = F.pad(x, (-1, 2), mode="reflect")
    expected = TF.pad(torch.tensor(_x(1, 2, 5)), (-1, 2), mode="reflect")
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), 0, 1e-15)


def test_grid_sample_backward_twice_with_retain_graph():
    x, grid = mt.tensor(_x(1, 2, 3, 4), requires_grad=True), mt.tensor(GRID[:1], requires_grad=True)
    out = F.grid_sample(x, grid, align_corners=False).sum()
    out.backward(retain_graph=True)
    first = (x.grad.numpy().copy(), grid.grad.numpy().copy())
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first[0])
    np.testing.assert_allclose(grid.grad.numpy(), 2 * first[1])


def test_empty_mean_losses_are_nan_like_torchs():
    for fn in (F.mse_loss, F.huber_loss, F.smooth_l1_loss):
        out = fn(mt.zeros(0, requires_grad=True), mt.zeros(0))
        assert np.isnan(out.item()) and out.grad_fn.name().endswith("LossBackward0")


def test_fractional_max_pool_errors_are_torchs():
    x3 = mt.zeros(1, 1, 3, 3, 3)
    with pytest.raises(RuntimeError, match="is larger than the input size 3"):
        F.fractional_max_pool3d(x3, 2, 2, _random_samples=mt.zeros(1, 1, 3))
    x2 = mt.zeros(1, 1, 3, 3)
    F.fractional_max_pool2d(x2, 2, 2, _random_samples=mt.zeros(1, 1, 2))  # 2-D allows it
    with pytest.raises(RuntimeError, match="same dtype as input"):
        F.fractional_max_pool2d(x2, 2, 2, _random_samples=mt.zeros(1, 1, 2, dtype=mt.float64))


def test_multi_margin_weight_is_not_differentiable_as_torchs():
    weight = mt.tensor(W6[:4], requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.multi_margin_loss(mt.tensor(X2), mt.tensor([0, 2, 3]), weight=weight)
    with mt.no_grad():
        F.multi_margin_loss(mt.tensor(X2), mt.tensor([0, 2, 3]), weight=weight)
