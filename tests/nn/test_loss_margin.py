"""Margin losses (nn/_functional/loss_margin.py, nn/loss_margin.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
SIGNS = np.sign(RNG.standard_normal((4, 5)))
CLASSES = np.array([0, 4, 2, 2])
LABELS = np.array([[3, 0, -1, 1, 2], [1, -1, 2, 2, 2], [-1, 0, 0, 0, 0], [0, 1, 2, 3, 4]])
REDUCTIONS = ["none", "mean", "sum"]


def _both(name, **kwargs):
    return (lambda *a, **k: getattr(F, name)(*a, **kwargs, **k),
            lambda *a, **k: getattr(TF, name)(*a, **kwargs, **k))  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding_loss(reduction, margin):
    ours, theirs = _both("hinge_embedding_loss", margin=margin, reduction=reduction)
    compare_with_torch(lambda x: ours(x, mt.tensor(SIGNS)), lambda x: theirs(x, torch.tensor(SIGNS)),
                       [X])  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss(reduction, p, weighted):
    w = np.arange(1.0, 6.0) if weighted else None
    ours, theirs = _both("multi_margin_loss", p=p, margin=0.7, reduction=reduction)
    compare_with_torch(
        lambda x: ours(x, mt.tensor(CLASSES), weight=None if w is None else mt.tensor(w)),
        lambda x: theirs(x, torch.tensor(CLASSES), weight=None if w is None else torch.tensor(w)),
        [X],
    )
    if reduction == "sum" and weighted:
        check_gradients(lambda x: ours(x, mt.tensor(CLASSES)), [X])


@pytest.mark.parametrize("name", ["multi_margin_loss", "multilabel_margin_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_class_margin_losses_on_a_0d_input(name, reduction):
    ours, theirs = _both(name, reduction=reduction)
    compare_with_torch(lambda x: ours(x, mt.tensor(0)), lambda x: theirs(x, torch.tensor(0)),
                       [np.array(0.5)])  # fmt: skip


def test_multi_margin_loss_vector():
    for reduction, target in zip(REDUCTIONS * 2, [[2]] * 3 + [2] * 3, strict=True):
        compare_with_torch(lambda x, r=reduction, t=target: F.multi_margin_loss(x, mt.tensor(t), reduction=r),
                           lambda x, r=reduction, t=target: TF.multi_margin_loss(x, torch.tensor(t),
                                                                       reduction=r),
                           [X[0]])  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    ours, theirs = _both("multilabel_margin_loss", reduction=reduction)
    compare_with_torch(lambda x: ours(x, mt.tensor(LABELS)),
                       lambda x: theirs(x, torch.tensor(LABELS)), [X])  # fmt: skip
    compare_with_torch(lambda x: ours(x, mt.tensor(LABELS[0])),
                       lambda x: theirs(x, torch.tensor(LABELS[0])), [X[0]])  # fmt: skip
    if reduction == "sum":
        check_gradients(lambda x: ours(x, mt.tensor(LABELS)), [X])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin_loss(reduction, weighted):
    target = (SIGNS > 0).astype(np.float64)
    args = [X, target, RNG.standard_normal(5)] if weighted else [X, target]
    ours, theirs = _both("multilabel_soft_margin_loss", reduction=reduction)
    compare_with_torch(ours, theirs, args)
    if weighted and reduction == "mean":
        check_gradients(ours, args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (3,)])
def test_triplet_margin_loss(reduction, swap, shape):
    arrays = [RNG.standard_normal(shape) for _ in range(3)]
    ours, theirs = _both("triplet_margin_loss", margin=2.0, p=1.5, swap=swap, reduction=reduction)
    compare_with_torch(ours, theirs, arrays)
    if swap and reduction == "sum" and len(shape) == 2:
        check_gradients(ours, arrays)


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(swap):
    arrays = [RNG.standard_normal((4, 3)) for _ in range(3)]
    for distance in (None, "cosine"):
        ours = F.cosine_similarity if distance else None
        theirs = TF.cosine_similarity if distance else None
        compare_with_torch(
            lambda *a, d=ours: F.triplet_margin_with_distance_loss(*a, distance_function=d,
                                                                    swap=swap),
            lambda *a, d=theirs: TF.triplet_margin_with_distance_loss(*a, distance_function=d,
                                                                      swap=swap),
            arrays,
        )  # fmt: skip


def test_margin_loss_errors():
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(mt.ones(2, 3), mt.tensor([0, 1]), p=3)
    with pytest.raises(RuntimeError, match="class indices"):
        F.multi_margin_loss(mt.ones(2, 3), mt.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(mt.ones(2, 3), mt.tensor([[0, 5, -1], [0, 1, 2]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_loss(mt.ones(2, 3), mt.ones(2, 3), mt.ones(3))
    with pytest.raises(ValueError, match="greater than 0"):
        F.triplet_margin_with_distance_loss(mt.ones(3), mt.ones(3), mt.ones(3), margin=0.0)
    with pytest.raises(ValueError, match="greater than 0"):
        mt.nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match="1D tensor"):
        mt.nn.MultiMarginLoss(weight=mt.ones(2, 2))


@pytest.mark.parametrize(
    ("name", "kwargs", "args"),
    [("HingeEmbeddingLoss", {"margin": 0.5}, [X, SIGNS]),
     ("MultiMarginLoss", {"p": 2, "weight": np.arange(1.0, 6.0)}, [X, CLASSES]),
     ("MultiLabelMarginLoss", {}, [X, LABELS]),
     ("MultiLabelSoftMarginLoss", {"weight": np.ones(5)}, [X, (SIGNS > 0) * 1.0]),
     ("TripletMarginLoss", {"swap": True}, [X, X[::-1].copy(), SIGNS]),
     ("TripletMarginWithDistanceLoss", {"margin": 2.0}, [X, X[::-1].copy(), SIGNS])],
)  # fmt: skip
def test_margin_loss_modules(name, kwargs, args):
    wrap = {k: mt.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    twrap = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ours, theirs = getattr(mt.nn, name)(**wrap), getattr(torch.nn, name)(**twrap)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    got = ours(*[mt.tensor(a) for a in args])
    want = theirs(*[torch.tensor(a) for a in args])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
