"""as_strided, as_strided_copy, as_strided_scatter on contiguous inputs."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

STRIDES = [
    ((2, 2), (1, 2), 0),
    ((3,), (2,), 1),
    ((2, 3), (0, 1), 2),
    ((), (), 5),
    ((2, 0), (1, 1), 0),
]


@pytest.mark.parametrize("size,stride,offset", STRIDES, ids=str)
def test_as_strided_matches_torch(size, stride, offset):
    x = np.random.default_rng(0).standard_normal((2, 3, 2))
    compare_with_torch(
        lambda t: mt.as_strided(t, size, stride, offset),
        lambda t: torch.as_strided(t, size, stride, offset),
        [x],
    )
    compare_with_torch(
        lambda t: t.as_strided(size, stride, offset),
        lambda t: t.as_strided(size, stride, offset),
        [x],
    )
    check_gradients(lambda t: mt.as_strided_copy(t, size, stride, offset), [x])


def test_as_strided_scatter_values_and_gradients():
    # PyTorch 2.13 returns the gradient of input at the scattered positions instead of off
    # them (input [1, 2, 3, 4], src at 1 and 3, weights [1, 2, 3, 4] give [0, 2, 0, 4]), so
    # the values are compared with torch and the gradients with gradcheck
    rng = np.random.default_rng(1)
    x, src = rng.standard_normal(6), rng.standard_normal((2, 2))
    compare_with_torch(
        lambda t, s: mt.as_strided_scatter(t, s, (2, 2), (1, 3), 1),
        lambda t, s: torch.as_strided_scatter(t, s, (2, 2), (1, 3), 1),
        [x, src],
        grad=False,
    )
    a, s = (
        mt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True),
        mt.tensor([5.0, 6.0], requires_grad=True),
    )
    y = a.as_strided_scatter(s, (2,), (2,), 1)
    grad_a, grad_s = mt.autograd.grad((y * mt.tensor([1.0, 2.0, 3.0, 4.0])).sum(), (a, s))
    assert y.tolist() == [1.0, 5.0, 3.0, 6.0]
    assert grad_a.tolist() == [1.0, 0.0, 3.0, 0.0] and grad_s.tolist() == [2.0, 4.0]
    check_gradients(lambda t, v: mt.as_strided_scatter(t, v, (2, 2), (1, 3), 1), [x, src])


def test_as_strided_errors():
    x = mt.zeros(4)
    with pytest.raises(
        RuntimeError, match=r"as_strided\(\): setStorage: sizes \[3\], strides \[2\]"
    ):
        mt.as_strided(x, (3,), (2,))
    with pytest.raises(RuntimeError, match=r"mismatch in length of strides and shape"):
        mt.as_strided(x, (2,), (1, 1))
    with pytest.raises(RuntimeError, match=r"src size = \[3\], slice size = \[2\]"):
        mt.as_strided_scatter(x, mt.ones(3), (2,), (1,))
