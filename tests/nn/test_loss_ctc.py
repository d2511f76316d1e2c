"""ctc_loss (nn/_functional/loss_ctc.py, nn/loss_ctc.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import compare_with_torch

RNG = np.random.default_rng(0)
LOG_PROBS = torch.tensor(RNG.standard_normal((6, 3, 4))).log_softmax(2).numpy()
PADDED = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]])
FLAT = np.array([1, 1, 1, 1, 2, 2, 2, 2])


def _both(targets, input_lengths, target_lengths, **kwargs):
    def ours(lp):
        return F.ctc_loss(lp, mt.tensor(targets), input_lengths, target_lengths, **kwargs)

    def theirs(lp):
        return TF.ctc_loss(lp, torch.tensor(targets), torch.tensor(input_lengths),
                           torch.tensor(target_lengths), **kwargs)  # fmt: skip

    return ours, theirs


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("blank", [0, 3])
def test_ctc_loss_padded_targets(reduction, blank):
    targets = np.where(PADDED == blank, 1, PADDED)
    ours, theirs = _both(targets, [6, 5, 4], [3, 2, 1], blank=blank, reduction=reduction)
    compare_with_torch(ours, theirs, [LOG_PROBS])


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_concatenated_targets_and_infinity(zero_infinity):
    # the third sample cannot emit "2 2" in 2 steps (a repeat needs a blank between): inf
    ours, theirs = _both(FLAT, [3, 6, 2], [4, 2, 2], reduction="none",
                         zero_infinity=zero_infinity)  # fmt: skip
    if zero_infinity:
        compare_with_torch(ours, theirs, [LOG_PROBS])
    else:
        got, want = ours(mt.tensor(LOG_PROBS)), theirs(torch.tensor(LOG_PROBS))
        np.testing.assert_allclose(got.numpy(), want.numpy())
        assert np.isinf(got.numpy()[[0, 2]]).all()


def test_ctc_loss_unbatched_and_empty_target():
    lp = LOG_PROBS[:, 0]
    ours, theirs = _both(np.array([1, 2]), 6, 2, reduction="none")
    compare_with_torch(ours, theirs, [lp])
    ours, theirs = _both(np.zeros((3, 0), np.int64), [6, 4, 1], [0, 0, 0], reduction="mean")
    compare_with_torch(ours, theirs, [LOG_PROBS])


def test_ctc_loss_errors_and_no_second_derivative():
    lp = mt.tensor(LOG_PROBS, requires_grad=True)
    with pytest.raises(RuntimeError, match="input_lengths to have value at most 6"):
        F.ctc_loss(lp, mt.tensor(PADDED), [7, 5, 4], [3, 2, 1])
    with pytest.raises(RuntimeError, match="size at least 4 at dimension 1"):
        F.ctc_loss(lp, mt.tensor(PADDED), [6, 5, 4], [4, 2, 1])
    with pytest.raises(RuntimeError, match="floating"):
        F.ctc_loss(mt.ones(2, 1, 2, dtype=mt.int64), mt.tensor([[1]]), [2], [1])
    loss = F.ctc_loss(lp, mt.tensor(PADDED), [6, 5, 4], [3, 2, 1])
    (grad,) = mt.autograd.grad(loss, [lp], create_graph=True)
    lp_torch = torch.tensor(LOG_PROBS, requires_grad=True)
    (want,) = torch.autograd.grad(
        TF.ctc_loss(lp_torch, torch.tensor(PADDED), [6, 5, 4], [3, 2, 1]), [lp_torch]
    )
    np.testing.assert_allclose(grad.detach().numpy(), want.numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="no second derivative"):
        mt.autograd.grad(grad.sum(), [lp])


def test_ctc_loss_module():
    ours = mt.nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True)
    theirs = torch.nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True)
    assert repr(ours) == repr(theirs)
    got = ours(mt.tensor(LOG_PROBS), mt.tensor(PADDED), [6, 5, 4], [3, 2, 1])
    want = theirs(torch.tensor(LOG_PROBS), torch.tensor(PADDED), [6, 5, 4], [3, 2, 1])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
