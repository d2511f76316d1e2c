"""The convolution array kernels (nn/_functional/_conv_ops.py): channels-last im2col, both
paths of the transposed convolution, the weight gradient from the forward's columns."""

import itertools

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.nn._functional._conv_ops import (
    Geometry,
    conv_arrays,
    conv_t_arrays,
    wgrad_arrays,
    wgrad_from_columns,
)
from tests.helpers import assert_same, compare_with_torch


def conv_by_definition(x, w, stride, padding, dilation, groups):
    """y[n, o, p] = sum_{c, k} w[o, c, k] * xpad[n, g(o) * Cg + c, p * s + k * d], by loops."""
    xp = np.pad(x, ((0, 0), (0, 0), *[(p, p) for p in padding]))
    out_size = [
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(xp.shape[2:], w.shape[2:], stride, dilation, strict=True)
    ]
    cg, og = w.shape[1], w.shape[0] // groups
    y = np.zeros((x.shape[0], w.shape[0], *out_size))
    for o in range(w.shape[0]):
        channels = slice(o // og * cg, (o // og + 1) * cg)
        for p in itertools.product(*[range(m) for m in out_size]):
            for k in itertools.product(*[range(m) for m in w.shape[2:]]):
                at = tuple(
                    pi * s + ki * d for pi, ki, s, d in zip(p, k, stride, dilation, strict=True)
                )
                window = xp[(slice(None), channels, *at)]
                y[(slice(None), o, *p)] += window @ w[(o, slice(None), *k)]
    return y


CASES = [  # x shape, w shape, stride, padding, dilation, groups
    ((2, 3, 5), (4, 3, 2), (2,), (1,), (1,), 1),
    ((1, 4, 5, 4), (6, 2, 3, 2), (1, 2), (1, 0), (2, 1), 2),
    ((2, 2, 3, 4, 3), (2, 1, 2, 2, 1), (1, 1, 2), (0, 1, 1), (1, 1, 1), 2),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation", "groups"), CASES)
def test_conv_arrays_equal_the_definition_and_fuse_the_bias(
    x_shape, w_shape, stride, padding, dilation, groups
):
    rng = np.random.default_rng(0)
    x, w, b = (
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
    )
    geo = Geometry(stride, tuple((p, p) for p in padding), dilation, groups)
    expected = conv_by_definition(x, w, stride, padding, dilation, groups)
    out, cols = conv_arrays(x, w, geo)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    with_bias, _ = conv_arrays(x, w, geo, b)
    np.testing.assert_allclose(with_bias, expected + b.reshape(-1, *(1,) * (x.ndim - 2)), 1e-12)
    assert with_bias.flags.c_contiguous
    g = rng.standard_normal(out.shape)
    np.testing.assert_allclose(
        wgrad_from_columns(cols, g, w.shape), wgrad_arrays(x, g, geo, w_shape[2:]), 1e-12
    )


def _adjoint_check(x_shape, w_shape, geo, size):
    """<conv_t(g, w), x> == <g, conv(x, w)>: conv_t is conv's adjoint in x."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    y, _ = conv_arrays(x, w, geo)
    g = rng.standard_normal(y.shape)
    back = conv_t_arrays(g, w, geo, size)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(back, x), np.vdot(g, y), rtol=1e-12)


@pytest.mark.parametrize("stride", [(1, 1), (2, 1)])  # the flipped-kernel path and col2im
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_t_arrays_is_the_adjoint_on_both_paths(stride, groups):
    geo = Geometry(stride, ((1, 1), (2, 2)), (1, 2), groups)
    _adjoint_check((2, 4, 5, 6), (4, 4 // groups, 3, 2), geo, (5, 6))


@pytest.mark.parametrize("padding", [0, 2, 3])  # 3 > d (k - 1): the stride-1 fallback
def test_conv_transpose_stride_one_any_padding_matches_torch(padding):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 3, 3, 3))]
    arrays.append(rng.standard_normal(3))
    compare_with_torch(
        lambda x, w, b: F.conv_transpose2d(x, w, b, padding=padding),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, padding=padding),
        arrays,
    )


def test_conv_weight_gradient_reuses_the_forward_columns_and_matches_torch():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((4, 3, 6, 6)), rng.standard_normal((5, 3, 3, 3))
    conv = mt.nn.Conv2d(3, 5, 3, padding=1, dtype=mt.float64)
    with mt.no_grad():
        conv.weight.copy_(mt.tensor(w))
    out = conv(mt.tensor(x))
    assert out.grad_fn.saved_tensors[2].shape == (1, 4 * 6 * 6, 27)  # for the weight grad
    out.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.grad_fn.saved_tensors  # noqa: B018 - freed with the columns
    expected = torch.nn.grad.conv2d_weight(
        torch.tensor(x), w.shape, torch.ones(4, 5, 6, 6, dtype=torch.float64), padding=1
    )
    assert_same(conv.weight.grad, expected)


@pytest.mark.parametrize("stride", [1, 2])
def test_empty_batch_gives_empty_outputs_and_zero_weight_gradients(stride):
    for fn, tfn, w_shape in (
        (F.conv2d, torch.nn.functional.conv2d, (4, 2, 3, 3)),
        (F.conv_transpose2d, torch.nn.functional.conv_transpose2d, (2, 4, 3, 3)),
    ):
        x, w = mt.zeros(0, 2, 3, 3, requires_grad=True), mt.ones(*w_shape, requires_grad=True)
        out = fn(x, w, stride=stride, padding=1)
        expected = tfn(torch.zeros(0, 2, 3, 3), torch.ones(*w_shape), stride=stride, padding=1)
        assert tuple(out.shape) == tuple(expected.shape)
        out.sum().backward()
        assert x.grad.shape == (0, 2, 3, 3)
        assert np.array_equal(w.grad.numpy(), np.zeros(w_shape, np.float32))
