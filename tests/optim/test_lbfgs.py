"""LBFGS against torch.optim.LBFGS: the same closure calls, losses, parameters and state."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.optim.test_algorithms import assert_params_close, loss_fn, make_arrays

CASES = [
    {},
    {"lr": 0.5, "max_iter": 5},
    {"history_size": 3, "max_iter": 8},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "history_size": 4, "max_iter": 10, "max_eval": 12},
    {"line_search_fn": "strong_wolfe", "tolerance_change": 1e-4},
    {"tolerance_grad": 3e-2, "max_iter": 25, "line_search_fn": "strong_wolfe"},  # stops early
    {"lr": 0.2, "max_iter": 10, "tolerance_change": 1e-6},
]


class LbfgsTwin:
    """The tanh-network problem of test_algorithms, optimized by LBFGS with a closure."""

    def __init__(self, lib, options):
        weights, x, y = make_arrays()
        self.lib = lib
        self.params = [lib.tensor(w, requires_grad=True) for w in weights]
        self.x, self.y = lib.tensor(x), lib.tensor(y)
        self.opt = lib.optim.LBFGS(self.params, **options)
        self.calls = 0

    def closure(self):
        self.calls += 1
        self.opt.zero_grad()
        loss = loss_fn(self.params, self.x, self.y)
        loss.backward()
        return loss

    def step(self):
        return self.opt.step(self.closure).item()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


def flat_state(opt):
    """The tensors and numbers of LBFGS's state (PyTorch's keys) as arrays and floats."""
    (state,) = opt.state_dict()["state"].values()
    out = {}
    for key, value in state.items():
        values = value if isinstance(value, list) else [value]
        out[key] = [
            None if v is None else float(v) if not hasattr(v, "numpy") else v.detach().numpy()
            for v in values
        ]
    return out


@pytest.mark.parametrize("options", CASES, ids=str)
def test_trajectory_and_closure_calls_match_torch(options):
    mine, theirs = LbfgsTwin(mt, options), LbfgsTwin(torch, options)
    for step in range(3):  # (lr=1 without line search diverges later: chaos, not a bug)
        assert mine.step() == pytest.approx(theirs.step(), rel=1e-10, abs=1e-12)
        assert mine.calls == theirs.calls, f"step {step}"
        assert_params_close(mine.values(), theirs.values(), 1e-8, 1e-10, f"step {step}")
    assert mine.calls > 3  # the closure runs several times per step
    state_mine, state_theirs = flat_state(mine.opt), flat_state(theirs.opt)
    assert state_mine.keys() == state_theirs.keys()
    for key, values in state_theirs.items():
        assert len(state_mine[key]) == len(values), key
        for a, b in zip(state_mine[key], values, strict=True):
            if b is None:
                assert a is None, key
            else:
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=key)


def test_loss_falls_to_the_minimum_of_a_quadratic():
    w = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64, requires_grad=True)
    target = mt.tensor([3.0, 1.0, -1.0], dtype=mt.float64)
    opt = mt.optim.LBFGS([w], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((w - target) ** 2 * mt.tensor([1.0, 10.0, 100.0], dtype=mt.float64)).sum()
        loss.backward()
        return loss

    first = opt.step(closure).item()
    assert first > 100
    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), target.numpy(), atol=1e-6)


def test_state_dict_round_trip_resumes_like_torch():
    options = {"history_size": 5, "max_iter": 4, "line_search_fn": "strong_wolfe"}
    mine, theirs = LbfgsTwin(mt, options), LbfgsTwin(torch, options)
    for _ in range(2):
        mine.step(), theirs.step()
    resumed = LbfgsTwin(mt, options)
    with mt.no_grad():
        for p, q in zip(resumed.params, mine.params, strict=True):
            p.copy_(q)
    resumed.opt.load_state_dict(mine.opt.state_dict())
    for _ in range(2):
        resumed.step(), theirs.step()
    assert_params_close(resumed.values(), theirs.values(), 1e-8, 1e-10)


def test_errors():
    w = mt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        mt.optim.LBFGS([{"params": [w]}, {"params": [mt.zeros(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        mt.optim.LBFGS([w], lr=-1)
    opt = mt.optim.LBFGS([w], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


def test_float32_stays_float32_and_matches_torch():
    losses = []
    for lib in (mt, torch):
        weights, x, y = make_arrays(dtype=np.float32)
        params = [lib.tensor(w, requires_grad=True) for w in weights]
        x, y = lib.tensor(x), lib.tensor(y)
        opt = lib.optim.LBFGS(params, max_iter=5, line_search_fn="strong_wolfe")

        def closure(opt=opt, params=params, x=x, y=y):
            opt.zero_grad()
            loss = loss_fn(params, x, y)
            loss.backward()
            return loss

        losses.append([opt.step(closure).item() for _ in range(3)])
        assert all(p.dtype == lib.float32 for p in params)
        (state,) = opt.state.values()
        assert state["d"].dtype == lib.float32
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
