"""reduce_kept: the column-major reduction of many short rows equals NumPy's own reduction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.ops._short_rows import reduce_kept

SHAPES = [(2048, 32), (300, 2), (128, 64), (129, 65), (127, 3), (4, 64, 16), (512, 16, 1), (5,)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum])
def test_extrema_equal_numpy_bit_for_bit(shape: tuple[int, ...], ufunc: np.ufunc) -> None:
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    a.reshape(-1)[::7] = np.nan  # NaN wins in both
    a.reshape(-1)[3::11] = -np.inf
    got = reduce_kept(ufunc, a, -1)
    np.testing.assert_array_equal(got, ufunc.reduce(a, axis=-1, keepdims=True))
    assert got.shape == shape[:-1] + (1,)


@pytest.mark.parametrize("shape", SHAPES)
def test_sum_close_to_numpy(shape: tuple[int, ...]) -> None:
    a = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_allclose(reduce_kept(np.add, a, a.ndim - 1), a.sum(-1, keepdims=True))


def test_other_axes_dtypes_and_empty() -> None:
    a = np.arange(4096 * 4, dtype=np.int64).reshape(4096, 4)
    np.testing.assert_array_equal(reduce_kept(np.maximum, a, 1), a[:, -1:])
    np.testing.assert_array_equal(reduce_kept(np.maximum, a, 0), a[-1:])
    empty = np.zeros((300, 0), np.float32)
    assert reduce_kept(np.maximum, empty, -1, initial=-np.inf).shape == (300, 1)
    view = np.random.default_rng(2).standard_normal((64, 400)).T[:, ::5]  # not contiguous
    np.testing.assert_array_equal(reduce_kept(np.minimum, view, -1), view.min(-1, keepdims=True))


def test_ops_on_short_rows_match_torch() -> None:
    """softmax, log_softmax, amax, logsumexp and cross entropy over short rows, with gradients."""
    x = np.random.default_rng(3).standard_normal((64, 4, 8, 8))
    target = np.random.default_rng(4).integers(0, 8, 2048)
    for fn in (
        lambda lib, t: lib.softmax(t, -1),
        lambda lib, t: lib.log_softmax(t, -1),
        lambda lib, t: lib.amax(t, -1),
        lambda lib, t: lib.logsumexp(t, -1),
        lambda lib, t: lib.nn.functional.cross_entropy(
            t.reshape(-1, 8), lib.tensor(target), reduction="none"
        ),
    ):
        ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out_m, out_t = fn(mt, ours), fn(torch, theirs)
        np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
        weights = np.random.default_rng(5).standard_normal(tuple(out_t.shape))
        (out_m * mt.tensor(weights)).sum().backward()
        (out_t * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-14)
