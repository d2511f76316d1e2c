"""glu, hardshrink, softshrink, rrelu, gumbel_softmax and their modules (activation.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch


def _x(*shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    x.flat[:3] = [0.5, -0.5, 0.0]  # the thresholds themselves
    return x


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
@pytest.mark.parametrize("lambd", [0.5, 0.0, 1.2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shrink_matches_torch(name, lambd, dtype):
    compare_with_torch(
        lambda a: getattr(F, name)(a, lambd), lambda a: getattr(TF, name)(a, lambd),
        [_x(3, 4).astype(dtype)],
    )  # fmt: skip


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu_matches_torch(dim):
    x = _x(4, 6)
    compare_with_torch(lambda a: F.glu(a, dim), lambda a: TF.glu(a, dim), [x])
    if dim == 1:
        check_gradients(lambda a: F.glu(a, dim), [x[:2, :4]])


def test_rrelu():
    x = _x(50, 40)
    compare_with_torch(lambda a: F.rrelu(a, 0.1, 0.3), lambda a: TF.rrelu(a, 0.1, 0.3), [x])
    xs = mt.tensor(x, requires_grad=True)
    y = F.rrelu(xs, 0.1, 0.3, training=True)
    ratio = y.detach().numpy()[x < 0] / x[x < 0]
    assert ratio.min() >= 0.1 and ratio.max() <= 0.3 and ratio.std() > 0.04
    np.testing.assert_array_equal(y.detach().numpy()[x > 0], x[x > 0])
    y.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy()[x < 0], ratio)
    inplace = mt.tensor(x)
    F.rrelu_(inplace, 0.2, 0.2, training=True)
    np.testing.assert_allclose(inplace.numpy(), np.where(x > 0, x, 0.2 * x))


def test_activation_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(mt.ones(2, 3), 1)
    with pytest.raises(RuntimeError, match="does not support scalars"):
        F.glu(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match="greater or equal to 0"):
        F.softshrink(mt.ones(2), -1.0)
    with pytest.raises(RuntimeError, match="Lower bound"):
        F.rrelu(mt.ones(2), 0.5, 0.2, True)
    with pytest.raises(ValueError, match="expected input to be 3D or 4D"):
        mt.nn.Softmax2d()(mt.ones(2, 2))


@pytest.mark.parametrize(
    ("name", "args"),
    [("GLU", ()), ("GLU", (0,)), ("Hardshrink", ()), ("Softshrink", (0.3,)), ("RReLU", ()),
     ("RReLU", (0.1, 0.3, True)), ("Softmax2d", ())],
)  # fmt: skip
def test_activation_modules_match_torch(name, args):
    ours, theirs = getattr(mt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    ours.eval(), theirs.eval()
    x = _x(2, 4, 2)
    np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12)  # fmt: skip


def test_gumbel_softmax_samples_the_softmax():
    mt.manual_seed(0)
    logits = np.log(np.array([0.1, 0.2, 0.7]))
    x = mt.tensor(np.tile(logits, (20000, 1)), requires_grad=True)
    soft = F.gumbel_softmax(x, tau=0.5)
    assert soft.shape == x.shape and soft.dtype == mt.float64
    np.testing.assert_allclose(soft.detach().numpy().sum(1), 1.0)
    hard = F.gumbel_softmax(x, hard=True)
    counts = hard.detach().numpy().mean(0)
    np.testing.assert_allclose(counts, [0.1, 0.2, 0.7], atol=0.015)  # the Gumbel-max trick
    assert set(np.unique(hard.detach().numpy())) == {0.0, 1.0}
    upstream = mt.tensor(np.random.default_rng(1).standard_normal((5, 3)))
    small = mt.tensor(np.tile(logits, (5, 1)), requires_grad=True)
    samples = []
    for is_hard in (False, True):  # the same noise: the hard sample is the soft one's argmax
        mt.manual_seed(3)
        y = F.gumbel_softmax(small, hard=is_hard)
        samples.append((y.detach().numpy(), mt.autograd.grad((y * upstream).sum(), [small])[0]))
    (y_soft, g_soft), (y_hard, g_hard) = samples
    np.testing.assert_array_equal(y_hard.argmax(1), y_soft.argmax(1))
    np.testing.assert_allclose(g_hard.numpy(), g_soft.numpy())  # straight-through gradient
    with pytest.warns(UserWarning, match="deprecated"):
        F.gumbel_softmax(mt.zeros(2), eps=1e-5)
