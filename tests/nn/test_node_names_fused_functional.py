"""Fused nn.functional ops carry torch's graph node (name and next_functions), values, gradients.

Covers the ops fused for torch's node names: batch, instance and group norm, glu, the shrinks,
prelu, rrelu, pad (reflect, replicate), unfold, fold, the shuffles, adaptive and fractional max
pooling, affine_grid, grid_sample, embedding_bag, pairwise_distance, and the losses (mse,
smooth_l1, huber, soft_margin, cross_entropy with class probabilities) for every reduction;
the comparisons with the compositions they replaced are in
``test_fused_functional_compositions.py``. Each case is ``(id, call, arrays)``:
``call(F, lib, *tensors)`` runs the same code on ``torch.nn.functional`` (``lib = torch``) and
``microtensor.nn.functional`` (``lib = mt``). The node's name and its ``next_functions``
(the names of the nodes it points to) must be torch's; values and the gradients for a random
upstream gradient equal torch's (float64 and float32); gradcheck and gradgradcheck pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


X2, X4 = _x(3, 4), _x(2, 6, 3, 2, seed=1)
W6, B6 = _x(6, seed=2), _x(6, seed=3)
Y2, Y_COL = _x(3, 4, seed=4) * 1.5, _x(3, 1, seed=5)
W53 = _x(5, 3, seed=10)
GRID = np.random.default_rng(12).uniform(-1.2, 1.2, (2, 3, 2, 2))
GRID_3D = np.random.default_rng(13).uniform(-1.1, 1.1, (1, 2, 2, 1, 3))
SIGNS = np.sign(_x(3, 4, seed=6))
SHRINK = np.array([-1.2, -0.5, -0.3, 0.0, 0.2, 0.5, 0.7, 2.0])  # includes both kinks

CASES = [
    ("group_norm", lambda F, lib, x, w, b: F.group_norm(x, 3, w, b), [X4, W6, B6]),
    ("group_norm-no-affine", lambda F, lib, x: F.group_norm(x, 2), [X4]),
    ("group_norm-weight-only", lambda F, lib, x, w: F.group_norm(x, 6, w), [X4, W6]),
    ("group_norm-2d", lambda F, lib, x, w, b: F.group_norm(x, 2, w[:4], b[:4]), [X2, W6, B6]),
    ("batch_norm", lambda F, lib, x, w, b: F.batch_norm(x, None, None, w, b, True), [X4, W6, B6]),
    (
        "batch_norm-eval",
        lambda F, lib, x, w, b: F.batch_norm(x, *_stats(lib, x), w, b),
        [X4, W6, B6],
    ),
    ("batch_norm-no-affine", lambda F, lib, x: F.batch_norm(x, None, None, training=True), [X4]),
    ("instance_norm", lambda F, lib, x, w, b: F.instance_norm(x, weight=w, bias=b), [X4, W6, B6]),
    ("instance_norm-no-affine", lambda F, lib, x: F.instance_norm(x), [X4]),
    (
        "instance_norm-running",
        lambda F, lib, x, w: F.instance_norm(x, *_stats(lib, x), weight=w),
        [X4, W6],
    ),
    (
        "instance_norm-eval",
        lambda F, lib, x, w, b: F.instance_norm(x, *_stats(lib, x), w, b, False),
        [X4, W6, B6],
    ),
    (
        "affine_grid",
        lambda F, lib, t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False),
        [_x(2, 2, 3)],
    ),
    (
        "affine_grid-3d-align",
        lambda F, lib, t: F.affine_grid(t, (1, 2, 2, 3, 4), align_corners=True),
        [_x(1, 3, 4)],
    ),
    ("adaptive_max_pool1d", lambda F, lib, x: F.adaptive_max_pool1d(x, 3), [_x(2, 3, 7)]),
    ("adaptive_max_pool1d-unbatched", lambda F, lib, x: F.adaptive_max_pool1d(x, 4), [X2]),
    ("adaptive_max_pool2d", lambda F, lib, x: F.adaptive_max_pool2d(x, (2, 3)), [_x(2, 2, 5, 7)]),
    ("adaptive_max_pool2d-unbatched", lambda F, lib, x: F.adaptive_max_pool2d(x, 2), [_x(2, 3, 5)]),
    ("adaptive_max_pool3d", lambda F, lib, x: F.adaptive_max_pool3d(x, 2), [_x(1, 2, 3, 4, 5)]),
    (
        "fractional_max_pool2d",
        lambda F, lib, x: F.fractional_max_pool2d(
            x, 2, (3, 2), _random_samples=_u(lib, x, 2, 3, 2)
        ),
        [_x(2, 3, 5, 4)],
    ),
    (
        "fractional_max_pool3d-unbatched",
        lambda F, lib, x: F.fractional_max_pool3d(
            x, 2, (2, 2, 1), _random_samples=_u(lib, x, 1, 2, 3)
        ),
        [_x(2, 4, 4, 3)],
    ),
    ("pairwise_distance", lambda F, lib, x, y: F.pairwise_distance(x, y), [X2, Y2]),
    ("pairwise_distance-p1", lambda F, lib, x, y: F.pairwise_distance(x, y, 1.0), [X2, Y2]),
    ("pairwise_distance-inf", lambda F, lib, x, y: F.pairwise_distance(x, y, np.inf), [X2, Y2]),
    (
        "pairwise_distance-broadcast-keepdim",
        lambda F, lib, x, y: F.pairwise_distance(x, y, keepdim=True),
        [X2, Y2[0]],
    ),
    ("embedding_bag-sum", lambda F, lib, w: _bag(F, lib, w, mode="sum"), [W53]),
    ("embedding_bag-mean", lambda F, lib, w: _bag(F, lib, w), [W53]),
    ("embedding_bag-max", lambda F, lib, w: _bag(F, lib, w, mode="max"), [W53]),
    (
        "embedding_bag-weights-padding",
        lambda F, lib, w, s: _bag(F, lib, w, mode="sum", per_sample_weights=s, padding_idx=2),
        [W53, _x(6, seed=11)],
    ),
    (
        "embedding_bag-2d-max",
        lambda F, lib, w: F.embedding_bag(lib.tensor([[0, 4, 4], [1, 3, 0]]), w, mode="max"),
        [W53],
    ),
    (
        "grid_sample-bilinear",
        lambda F, lib, x, g: F.grid_sample(x, g, align_corners=False),
        [_x(2, 2, 3, 4), GRID],
    ),
    (
        "grid_sample-bicubic-border",
        lambda F, lib, x, g: F.grid_sample(x, g, "bicubic", "border", align_corners=True),
        [_x(2, 2, 3, 4), GRID],
    ),
    (
        "grid_sample-nearest-reflection",
        lambda F, lib, x: F.grid_sample(
            x, lib.tensor(GRID).to(x.dtype), "nearest", "reflection", True
        ),
        [_x(2, 2, 3, 4)],
    ),
    (
        "grid_sample-3d",
        lambda F, lib, x, g: F.grid_sample(x, g, align_corners=False),
        [_x(1, 2, 2, 3, 3), GRID_3D],
    ),
    ("pdist", lambda F, lib, x: F.pdist(x), [X2]),
    ("pdist-p1", lambda F, lib, x: F.pdist(x, 1.0), [_x(4, 3, seed=14)]),
    ("pdist-one-row", lambda F, lib, x: F.pdist(x), [_x(1, 3, seed=15)]),
    ("glu-last", lambda F, lib, x: F.glu(x), [X2]),
    ("glu-dim1", lambda F, lib, x: F.glu(x, 1), [X4]),
    ("hardshrink", lambda F, lib, x: F.hardshrink(x), [SHRINK]),
    ("hardshrink-lambd", lambda F, lib, x: F.hardshrink(x, 0.25), [X2]),
    ("softshrink", lambda F, lib, x: F.softshrink(x), [SHRINK]),
    ("softshrink-lambd", lambda F, lib, x: F.softshrink(x, 0.25), [X2]),
    ("prelu", lambda F, lib, x, w: F.prelu(x, w), [X4, W6]),
    ("prelu-one-slope", lambda F, lib, x, w: F.prelu(x, w), [X2, W6[:1]]),
    ("prelu-0d", lambda F, lib, x, w: F.prelu(x, w), [np.array(-1.5), W6[:1]]),
    ("rrelu-eval", lambda F, lib, x: F.rrelu(x, 0.1, 0.3), [X2]),
    ("rrelu-train", lambda F, lib, x: _seeded(lib, F.rrelu, x, training=True), [X2]),
    ("unfold", lambda F, lib, x: F.unfold(x, 2), [_x(2, 3, 4, 3)]),
    (
        "unfold-geometry",
        lambda F, lib, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        [_x(1, 2, 5, 6)],
    ),
    ("unfold-unbatched", lambda F, lib, x: F.unfold(x, 2, stride=2), [_x(2, 4, 4)]),
    ("fold", lambda F, lib, x: F.fold(x, (3, 3), 2), [_x(2, 8, 4)]),
    ("fold-geometry", lambda F, lib, x: F.fold(x, (4, 5), 2, padding=1, stride=2), [_x(1, 8, 9)]),
    ("fold-unbatched", lambda F, lib, x: F.fold(x, (3, 4), (2, 1), dilation=2), [_x(4, 4)]),
    ("pixel_shuffle", lambda F, lib, x: F.pixel_shuffle(x, 2), [_x(2, 8, 3, 2)]),
    ("pixel_shuffle-batch", lambda F, lib, x: F.pixel_shuffle(x, 2), [_x(2, 1, 4, 2, 3)]),
    ("pixel_unshuffle", lambda F, lib, x: F.pixel_unshuffle(x, 2), [_x(2, 3, 4, 2)]),
    ("channel_shuffle", lambda F, lib, x: F.channel_shuffle(x, 3), [X4]),
    ("channel_shuffle-3d", lambda F, lib, x: F.channel_shuffle(x, 2), [_x(2, 4, 3)]),
]
for red in ("mean", "sum", "none"):
    CASES += [
        (f"mse-{red}", lambda F, lib, x, y, r=red: F.mse_loss(x, y, reduction=r), [X2, Y2]),
        (
            f"mse-broadcast-{red}",
            lambda F, lib, x, y, r=red: F.mse_loss(x, y, reduction=r),
            [X2, Y_COL],
        ),
        (
            f"smooth_l1-{red}",
            lambda F, lib, x, y, r=red: F.smooth_l1_loss(x, y, reduction=r, beta=0.7),
            [X2, Y2],
        ),
        (
            f"soft_margin-{red}",
            lambda F, lib, x, r=red: F.soft_margin_loss(
                x, lib.tensor(SIGNS).to(x.dtype), reduction=r
            ),
            [X2],
        ),
        (f"huber-{red}", lambda F, lib, x, y, r=red: F.huber_loss(x, y, reduction=r), [X2, Y2]),
        (
            f"huber-delta-broadcast-{red}",
            lambda F, lib, x, y, r=red: F.huber_loss(x, y, reduction=r, delta=0.5),
            [X2, Y_COL],
        ),
    ]
for mode in ("reflect", "replicate"):
    CASES += [
        (f"pad-{mode}-1d", lambda F, lib, x, m=mode: F.pad(x, (2, 1), mode=m), [_x(2, 3, 4)]),
        (f"pad-{mode}-1d-unbatched", lambda F, lib, x, m=mode: F.pad(x, (0, 3), m), [X2]),
        (f"pad-{mode}-crop", lambda F, lib, x, m=mode: F.pad(x, (-1, 2), m), [_x(2, 3, 5)]),
        (
            f"pad-{mode}-2d-crop",
            lambda F, lib, x, m=mode: F.pad(x, (1, -2, -1, 3), m),
            [_x(1, 2, 4, 5)],
        ),
        (f"pad-{mode}-2d", lambda F, lib, x, m=mode: F.pad(x, (1, 2, 2, 0), m), [_x(1, 2, 3, 4)]),
        (
            f"pad-{mode}-3d",
            lambda F, lib, x, m=mode: F.pad(x, (1, 1, 0, 2, 1, 0), mode=m),
            [_x(1, 2, 2, 3, 3)],
        ),
    ]
CLASSES = np.array([0, 2, 3])
for red in ("mean", "sum", "none"):
    CASES += [
        (
            f"multi_margin-{red}",
            lambda F, lib, x, r=red: F.multi_margin_loss(x, lib.tensor(CLASSES), reduction=r),
            [X2],
        ),
        (
            f"multi_margin-p2-weight-{red}",
            lambda F, lib, x, r=red: F.multi_margin_loss(
                x, lib.tensor(CLASSES), 2, 0.7, lib.tensor(W6[:4]).to(x.dtype), reduction=r
            ),
            [X2],
        ),
    ]
LABELS = np.array([[3, 0, -1, 1], [1, -1, 2, 2], [-1, 0, 0, 0]])
for red in ("mean", "sum", "none"):
    CASES.append(
        (
            f"multilabel_margin-{red}",
            lambda F, lib, x, r=red: F.multilabel_margin_loss(x, lib.tensor(LABELS), reduction=r),
            [X2],
        )
    )
CASES.append(
    (
        "multilabel_margin-vector-none",
        lambda F, lib, x: F.multilabel_margin_loss(x, lib.tensor(LABELS[0]), reduction="none"),
        [X2[0]],
    )
)
CASES.append(
    (
        "multi_margin-vector-none",
        lambda F, lib, x: F.multi_margin_loss(x, lib.tensor(1), reduction="none"),
        [X2[0]],
    )
)
PROBS = np.random.default_rng(8).dirichlet(np.ones(4), 3)
for red in ("mean", "sum", "none"):
    CASES.append(
        (
            f"cross_entropy-probs-{red}",
            lambda F, lib, x, y, r=red: F.cross_entropy(x, y, reduction=r, label_smoothing=0.1),
            [X2, PROBS],
        )
    )
IDS = [case[0] for case in CASES]

pytestmark = pytest.mark.filterwarnings("ignore:Using a target size")


def _bag(F, lib, weight, **kwargs):
    """embedding_bag of three bags, the middle one empty, a row used twice."""
    indices, offsets = lib.tensor([0, 2, 4, 2, 1, 3]), lib.tensor([0, 3, 3])
    return F.embedding_bag(indices, weight, offsets, **kwargs)


def _u(lib, x, *shape):
    """Fractional max pooling's samples, fixed (in the input's dtype, as torch requires)."""
    return lib.tensor(np.random.default_rng(7).uniform(size=shape)).to(x.dtype)


def _stats(lib, x):
    """Running mean and variance for 6 channels, fresh per call (batch norm updates them)."""
    return lib.tensor(W6 * 0.1).to(x.dtype), lib.tensor(B6 * B6 + 0.5).to(x.dtype)


def _seeded(lib, fn, *args, **kwargs):
    lib.manual_seed(0)  # microtensor's generator draws torch's numbers after the same seed
    return fn(*args, **kwargs)


def _edges(node, depth=3):
    """The node's name and its next_functions' edges, ``depth`` levels down (None: no grad)."""
    if node is None:
        return None
    if depth == 0:
        return node.name()
    return node.name(), [_edges(n, depth - 1) for n, _ in node.next_functions]


def _run(lib, functional, call, arrays):
    args = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = call(functional, lib, *args)
    return _edges(out.grad_fn)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "call", "arrays"), CASES, ids=IDS)
def test_values_and_gradients_equal_torch(name, call, arrays, dtype):
    arrays = [a.astype(dtype) for a in arrays]
    compare_with_torch(
        lambda *t: call(F, mt, *t),
        lambda *t: call(TF, torch, *t),
        arrays,
        rng=np.random.default_rng(1),
    )


@pytest.mark.parametrize(("name", "call", "arrays"), CASES, ids=IDS)
def test_node_and_next_functions_are_torchs(name, call, arrays):
    assert _run(mt, F, call, arrays) == _run(torch, TF, call, arrays)


@pytest.mark.parametrize(("name", "call", "arrays"), CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, call, arrays):
    if name.startswith(("hardshrink", "softshrink")) and name.endswith("shrink"):
        arrays = [SHRINK + 0.05]  # finite differences step over no kink
    check_gradients(lambda *t: call(F, mt, *t), arrays)
