"""In-place ops through indexing views while recording, compared with PyTorch."""

import numpy as np
import pytest
import torch

import microtensor as mt


def run_both(fn):
    results = []
    for lib in (mt, torch):
        results.append(
            [np.asarray(v.detach().numpy() if hasattr(v, "detach") else v) for v in fn(lib)]
        )
    for mine, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_augmented_assignment_on_an_index_of_a_non_leaf():
    def fn(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y[0] += y[1] * 3
        y[:, 1] *= x[:, 2]
        (y * y).sum().backward()
        return y, x.grad

    run_both(fn)


def test_modifying_a_view_updates_the_base_and_its_gradient():
    def fn(lib):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        v = y[1:]
        v *= 10
        y.pow(2).sum().backward()
        return y, x.grad

    run_both(fn)


def test_augmented_assignment_into_a_constant_with_a_differentiable_value():
    def fn(lib):
        w = lib.tensor([2.0], dtype=lib.float64, requires_grad=True)
        z = lib.zeros(3, dtype=lib.float64)
        z[1:2] += w * 2
        (z * lib.tensor([1.0, 5.0, 7.0], dtype=lib.float64)).sum().backward()
        return z, w.grad

    run_both(fn)


def test_in_place_on_a_reshape_view_while_recording_raises():
    y = mt.ones(4, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="in-place operation on a view"):
        y.view(2, 2).mul_(3)
