"""native_batch_norm, native_layer_norm, native_group_norm (microtensor/ops/native_norms.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch


def _x(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_torch(affine):
    x, w, b = _x((4, 3, 2)), _x((3,), 1), _x((3,), 2)
    args = [x, w, b] if affine else [x]

    def call(lib, x, w=None, b=None):
        return lib.native_batch_norm(x, w, b, None, None, True, 0.1, 1e-5)

    compare_with_torch(lambda *a: call(mt, *a), lambda *a: call(torch, *a), args)


def test_batch_norm_updates_the_running_statistics_as_torch():
    x = _x((5, 2, 3))
    running = {
        lib: (lib.tensor(_x((2,), 3)), lib.tensor(np.abs(_x((2,), 4)))) for lib in (mt, torch)
    }
    for lib in (mt, torch):
        lib.native_batch_norm(lib.tensor(x), None, None, *running[lib], True, 0.3, 1e-5)
    for mine, theirs in zip(running[mt], running[torch], strict=True):
        assert_same(mine, theirs)


def test_batch_norm_evaluation_uses_the_running_statistics_and_saves_nothing():
    x, mean, var = _x((3, 2)), _x((2,), 1), np.abs(_x((2,), 2))
    compare_with_torch(
        lambda x, w: mt.native_batch_norm(
            x, w, None, mt.tensor(mean), mt.tensor(var), False, 0.1, 1e-3
        ),
        lambda x, w: torch.native_batch_norm(
            x, w, None, torch.tensor(mean), torch.tensor(var), False, 0.1, 1e-3
        ),
        [x, _x((2,), 3)],
    )
    with pytest.raises(RuntimeError, match="running_mean and running_var must be given"):
        mt.native_batch_norm(mt.tensor(x), None, None, None, None, False, 0.1, 1e-5)
    with pytest.raises(RuntimeError, match="2 or more dims"):
        mt.native_batch_norm(mt.ones(3), None, None, None, None, True, 0.1, 1e-5)


def test_layer_norm_matches_torch_and_its_statistics_need_no_grad():
    x, w, b = _x((2, 3, 4)), _x((3, 4), 1), _x((3, 4), 2)
    out = compare_with_torch(
        lambda x, w, b: mt.native_layer_norm(x, [3, 4], w, b, 1e-5),
        lambda x, w, b: torch.native_layer_norm(x, [3, 4], w, b, 1e-5),
        [x, w, b],
    )
    assert out[1].shape == (2, 1, 1) and not out[1].requires_grad and not out[2].requires_grad
    with pytest.raises(RuntimeError, match=r"expected an input of shape \[\*, 3\]"):
        mt.native_layer_norm(mt.tensor(x), [3], None, None, 1e-5)


def test_group_norm_matches_torch_with_differentiable_statistics():
    x, w, b = _x((2, 4, 3)), _x((4,), 1), _x((4,), 2)
    out = compare_with_torch(
        lambda x, w, b: mt.native_group_norm(x, w, b, 2, 4, 3, 2, 1e-5),
        lambda x, w, b: torch.native_group_norm(x, w, b, 2, 4, 3, 2, 1e-5),
        [x, w, b],
    )
    assert out[1].shape == (2, 2) and out[1].requires_grad
    with pytest.raises(RuntimeError, match="divisible by group=3"):
        mt.native_group_norm(mt.tensor(x), None, None, 2, 4, 3, 3, 1e-5)
    with pytest.raises(RuntimeError, match="N \\* C \\* HxW"):
        mt.native_group_norm(mt.tensor(x), None, None, 2, 4, 2, 2, 1e-5)


def test_second_derivatives():
    check_gradients(lambda x: mt.native_layer_norm(x, [3], None, None, 1e-5)[0], [_x((2, 3))])
    check_gradients(
        lambda x: mt.native_group_norm(x, None, None, 1, 4, 1, 2, 1e-5)[2], [_x((1, 4))]
    )
