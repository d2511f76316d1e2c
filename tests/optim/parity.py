"""Shared checks of an optimizer against its torch.optim twin (used by the test_<algorithm> files).

Every check runs the problem of ``test_algorithms`` (a 2-layer tanh network in float64) in both
frameworks from the same weights.
"""

import copy

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.optim.test_algorithms import Twin, assert_params_close, loss_fn, state_arrays


def check_trajectory(name, options, steps=30):
    """Same losses, parameters and state as torch at every step."""
    mine, theirs = Twin(mt, name, options), Twin(torch, name, options)
    start = [v.copy() for v in mine.values()]
    for step in range(steps):
        loss_mine, loss_theirs = mine.step(), theirs.step()
        assert loss_mine == pytest.approx(loss_theirs, rel=1e-8, abs=1e-10)
        assert_params_close(mine.values(), theirs.values(), what=f"{name} step {step}")
    assert any(not np.allclose(a, b) for a, b in zip(mine.values(), start, strict=True))
    state_mine, state_theirs = state_arrays(mine.opt), state_arrays(theirs.opt)
    assert state_mine.keys() == state_theirs.keys()
    for key, value in state_theirs.items():
        assert state_mine[key].dtype == value.dtype, key
        np.testing.assert_allclose(state_mine[key], value, rtol=1e-8, atol=1e-10, err_msg=str(key))


def check_same_gradients(name, options, steps=20):
    """Given torch's gradients, microtensor's update equals torch's to rounding."""
    mine, theirs = Twin(mt, name, options), Twin(torch, name, options)
    for step in range(steps):
        theirs.opt.zero_grad()
        loss_fn(theirs.params, theirs.x, theirs.y).backward()
        for p, q in zip(mine.params, theirs.params, strict=True):
            p.grad = mt.tensor(q.grad.numpy().copy())
        mine.opt.step(), theirs.opt.step()
        assert_params_close(mine.values(), theirs.values(), 1e-12, 1e-14, f"{name} step {step}")


def check_state_dict_round_trip(name, options, steps=10):
    """Loading a state dict mid-run resumes as torch resumes, from microtensor's or torch's dict.

    (Loading casts floating state other than ``step`` to the parameter's dtype, in both.)
    """
    mine, theirs = Twin(mt, name, options), Twin(torch, name, options)
    for _ in range(steps):
        mine.step(), theirs.step()
    resumed, from_torch = Twin(mt, name, options), Twin(mt, name, options)
    torch_resumed = Twin(torch, name, options)
    for twin in (resumed, from_torch, torch_resumed):
        with twin.lib.no_grad():
            for p, q in zip(twin.params, mine.params, strict=True):
                p.copy_(twin.lib.tensor(q.detach().numpy().copy()))
    resumed.opt.load_state_dict(copy.deepcopy(mine.opt.state_dict()))
    torch_resumed.opt.load_state_dict(copy.deepcopy(theirs.opt.state_dict()))
    torch_state = theirs.opt.state_dict()
    from_torch.opt.load_state_dict(
        {
            "state": {
                i: {k: mt.tensor(v.numpy().copy()) for k, v in entries.items()}
                for i, entries in torch_state["state"].items()
            },
            "param_groups": torch_state["param_groups"],
        }
    )
    assert resumed.opt.param_groups[0].keys() == torch_resumed.opt.param_groups[0].keys()
    for _ in range(steps):
        resumed.step(), from_torch.step(), torch_resumed.step()
    assert_params_close(resumed.values(), torch_resumed.values(), what="resumed")
    assert_params_close(from_torch.values(), torch_resumed.values(), what="from torch's dict")
    state_mine, state_theirs = state_arrays(resumed.opt), state_arrays(torch_resumed.opt)
    assert {k: v.dtype for k, v in state_mine.items()} == {
        k: v.dtype for k, v in state_theirs.items()
    }
