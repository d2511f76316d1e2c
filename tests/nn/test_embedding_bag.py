"""embedding_bag (nn/_functional/embedding_bag.py, nn/embedding_bag.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch

WEIGHT = np.random.default_rng(0).standard_normal((6, 3))
FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 0, 2])
CASES = [
    # (input, offsets, options)
    (FLAT, np.array([0, 4, 4, 7]), {}),
    (FLAT, np.array([0, 3, 9]), {"include_last_offset": True}),
    (FLAT.reshape(3, 3), None, {}),
    (FLAT, np.array([0, 2, 5]), {"padding_idx": 2}),
    (np.array([2, 2, 1]), np.array([0, 2]), {"padding_idx": 2}),
]


def _run(fn, tensor, inp, offsets, weight, psw=None, **options):
    off = None if offsets is None else tensor(offsets)
    return fn(tensor(inp), weight, off, per_sample_weights=psw, **options)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize(("inp", "offsets", "options"), CASES)
def test_embedding_bag_matches_torch(mode, inp, offsets, options):
    compare_with_torch(
        lambda w: _run(F.embedding_bag, mt.tensor, inp, offsets, w, mode=mode, **options),
        lambda w: _run(TF.embedding_bag, torch.tensor, inp, offsets, w, mode=mode, **options),
        [WEIGHT],
    )


@pytest.mark.parametrize(("inp", "offsets", "options"), CASES[:4])
def test_embedding_bag_per_sample_weights(inp, offsets, options):
    psw = np.random.default_rng(1).standard_normal(inp.shape)
    compare_with_torch(
        lambda w, p: _run(F.embedding_bag, mt.tensor, inp, offsets, w, p, mode="sum", **options),
        lambda w, p: _run(TF.embedding_bag, torch.tensor, inp, offsets, w, p, mode="sum",
                          **options),
        [WEIGHT, psw],
    )  # fmt: skip


def test_embedding_bag_ties_and_gradcheck():
    weight = np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 2.0]])
    compare_with_torch(
        lambda w: F.embedding_bag(mt.tensor([0, 1, 2]), w, mt.tensor([0]), mode="max"),
        lambda w: TF.embedding_bag(torch.tensor([0, 1, 2]), w, torch.tensor([0]), mode="max"),
        [weight],
    )
    for mode in ("mean", "max"):
        check_gradients(
            lambda w, m=mode: F.embedding_bag(mt.tensor([[0, 1], [2, 1]]), w, mode=m), [WEIGHT]
        )


def test_embedding_bag_errors():
    w = mt.ones(4, 2)
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(mt.tensor([[0, 1]]), w, per_sample_weights=mt.ones(1, 2))
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(mt.tensor([[0, 1]]), w, mt.tensor([0]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        F.embedding_bag(mt.tensor([0, 1]), w)
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(mt.tensor([0, 1]), w, mt.tensor([1]))
    with pytest.raises(RuntimeError, match="offsets\\[-1\\] can not be greater"):
        F.embedding_bag(mt.tensor([0, 1]), w, mt.tensor([0, 3]))
    with pytest.raises(RuntimeError, match=r"Index 1 of input takes value 4 .* range \[0, 4\)"):
        F.embedding_bag(mt.tensor([0, 4]), w, mt.tensor([0]))
    with pytest.raises(RuntimeError, match="non-decreasing"):
        F.embedding_bag(mt.tensor([0, 1, 2, 3]), w, mt.tensor([0, 3, 1]))
    with pytest.raises(ValueError, match="mode has to be one of"):
        F.embedding_bag(mt.tensor([[0, 1]]), w, mode="prod")


def test_embedding_bag_module():
    options = {"mode": "max", "padding_idx": 2, "max_norm": 1.0}
    ours, theirs = mt.nn.EmbeddingBag(6, 3, **options), torch.nn.EmbeddingBag(6, 3, **options)
    assert repr(ours) == repr(theirs)
    assert repr(mt.nn.EmbeddingBag(6, 3)) == repr(torch.nn.EmbeddingBag(6, 3))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert not ours.weight.detach().numpy()[2].any()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
    got = ours(mt.tensor(FLAT), mt.tensor([0, 4]))
    want = theirs(torch.tensor(FLAT), torch.tensor([0, 4]))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)


def test_embedding_bag_from_pretrained():
    ours = mt.nn.EmbeddingBag.from_pretrained(mt.tensor(WEIGHT), mode="sum", padding_idx=2)
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(WEIGHT), mode="sum",
                                                   padding_idx=2)  # fmt: skip
    assert repr(ours) == repr(theirs) and not ours.weight.requires_grad
    got = ours(mt.tensor(FLAT), mt.tensor([0, 3]))
    np.testing.assert_allclose(
        got.numpy(), theirs(torch.tensor(FLAT), torch.tensor([0, 3])).numpy()
    )
    assert mt.nn.EmbeddingBag.from_pretrained(mt.tensor(WEIGHT), freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="2-dimensional"):
        mt.nn.EmbeddingBag.from_pretrained(mt.ones(3))
