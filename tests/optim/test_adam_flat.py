"""Adam's one pass over a group's moments end to end (Adam._flat_step) against its loop.

The pass is set up at the group's first step when every tensor has a gradient; it takes the
small tensors (the large ones stay in the loop), must give the per-tensor loop's values bit
for bit, and hands over to the loop whenever it cannot run.
(The trajectories against torch are in test_algorithms.py.)
"""

import copy
import pickle

import numpy as np
import pytest
import torch

import microtensor as mt

SHAPES = [(6, 4), (6,), (130, 130), (3, 6), (3,), ()]  # (130, 130): too large, the loop


def _params(dtype=np.float32):
    rng = np.random.default_rng(0)
    return [mt.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]


def _pair(optimizer, dtype=np.float32, **options):
    """Two optimizers on equal parameters: the second kept on the per-tensor loop."""
    flat, loop = _params(dtype), _params(dtype)
    a, b = optimizer(flat, **options), optimizer(loop, **options)
    b._flat[id(b.param_groups[0])] = (b.param_groups[0],)  # the loop's marker
    return (flat, a), (loop, b)


def _step(params, optimizer, seed, skip=None):
    rng = np.random.default_rng(seed)
    for i, p in enumerate(params):
        grad = rng.standard_normal(p.shape).astype(p.detach().numpy().dtype)
        p.grad = None if i == skip else mt.tensor(grad)
    optimizer.step()


def _assert_same(first, second, versions=True):
    (flat, a), (loop, b) = first, second
    for p, q in zip(flat, loop, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        for key in ("step", "exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(a.state[p][key].numpy(), b.state[q][key].numpy())
        assert p._version == q._version or not versions


@pytest.mark.parametrize(
    "optimizer, options",
    [
        (mt.optim.Adam, {}),
        (mt.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.99), "maximize": True}),
        (mt.optim.Adam, {"lr": mt.tensor(0.01)}),
        (mt.optim.AdamW, {"lr": 0.02}),
        (mt.optim.Adam, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_flat_pass_gives_the_loops_bits(optimizer, options, dtype):
    first, second = _pair(optimizer, dtype, **options)
    for seed in range(4):
        _step(*first, seed)
        _step(*second, seed)
        _assert_same(first, second)
    flat = first[1]._flat[id(first[1].param_groups[0])]
    assert len(flat[3]) == len(SHAPES) - 1  # the pass ran, on all but the large tensor
    # the moments are views of the flat arrays, updated in place: a held array stays live
    held = first[1].state[first[0][0]]["exp_avg"].numpy()
    before = held.copy()
    _step(*first, 9)
    assert not np.array_equal(held, before)


def test_it_hands_over_to_the_loop_when_a_gradient_is_missing_or_state_is_replaced():
    first, second = _pair(mt.optim.Adam, lr=0.1)
    for seed, skip in [(0, None), (1, None), (2, 1), (3, None)]:  # unequal steps after 2
        _step(*first, seed, skip)
        _step(*second, seed, skip)
        _assert_same(first, second)
    first, second = _pair(mt.optim.Adam, lr=0.1)
    for seed in range(2):
        _step(*first, seed)
        _step(*second, seed)
    first[1].load_state_dict(second[1].state_dict())  # fresh tensors: no longer the views
    for seed in range(2, 4):
        _step(*first, seed)
        _step(*second, seed)
        _assert_same(first, second)
    first, second = _pair(mt.optim.Adam, lr=0.1)
    for seed in range(4):
        if seed == 2:  # a tensor leaves the group: the pass must not update it any more
            first[1].param_groups[0]["params"].pop(0)
            second[1].param_groups[0]["params"].pop(0)
        _step(*first, seed)
        _step(*second, seed)
        _assert_same(first, second)


def test_a_first_step_with_a_missing_gradient_keeps_the_loop_and_matches_torch():
    ours = _params(np.float64)
    theirs = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in ours]
    a, b = mt.optim.Adam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    rng = np.random.default_rng(1)
    for step in range(3):
        for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
            grad = rng.standard_normal(p.shape)
            missing = step == 0 and i == 2
            p.grad = None if missing else mt.tensor(grad)
            q.grad = None if missing else torch.tensor(grad)
        a.step()
        b.step()
    assert len(a._flat[id(a.param_groups[0])]) == 1
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))])
def test_a_copied_optimizer_keeps_updating_its_own_state(duplicate):
    first, second = _pair(mt.optim.Adam, lr=0.1)
    for seed in range(2):
        _step(*first, seed)
        _step(*second, seed)
    copied = duplicate(first[1])
    first = (copied.param_groups[0]["params"], copied)
    for seed in range(2, 5):
        _step(*first, seed)
        _step(*second, seed)
        _assert_same(first, second, versions=False)  # a copied tensor starts at version 0
