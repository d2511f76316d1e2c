"""Adafactor against torch.optim.Adafactor, step by step.

The problem: a small model with a 0-d, a 1-D, a 2-D and a 3-D parameter (the 2-D and 3-D ones
get factored second moments), built once with microtensor and once with torch from the same
weights.
"""

import copy
import inspect
import re

import numpy as np
import pytest
import torch

import microtensor as mt

SHAPES = [(), (5,), (5, 4), (2, 5, 3)]
STEPS = 20
CASES = [
    {},
    {"lr": 0.1},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.05, "eps": (1e-4, 1e-2)},
    {"lr": 0.05, "eps": (None, 0.0), "beta2_decay": -0.5},
    {"lr": 0.5, "d": 2.0},
    {"lr": 0.2, "weight_decay": 0.05, "maximize": True, "eps": (1e-6, 1e-3)},
    {"lr": 0.05, "weight_decay": 0.1, "foreach": True},  # torch's multi-tensor kernel
]
# float32 from torch's gradients: a few ulps. (Trajectories on their own gradients drift apart in
# float32 once lr is large: the update is normalized, so an ulp-level change of a near-zero
# gradient can move a parameter by a whole step; they are compared at the default lr only.)
TOLERANCES = {np.float64: (1e-8, 1e-10), np.float32: (1e-5, 2e-6)}  # as tests/optim/parity.py


def make_arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=shape).astype(dtype) for shape in SHAPES]
    x = rng.normal(size=(6, 4)).astype(dtype)
    y = rng.normal(size=(2, 6, 3)).astype(dtype)
    return weights, x, y


def loss_fn(params, x, y):
    scale, bias, weight, kernel = params
    hidden = (x @ weight.T + bias).tanh()
    out = hidden @ kernel * scale
    return ((out - y) ** 2).mean()


class Twin:
    """The model and an Adafactor of one library (``mt`` or ``torch``)."""

    def __init__(self, lib, options, dtype=np.float64):
        weights, x, y = make_arrays(dtype)
        self.lib = lib
        self.params = [lib.tensor(w.copy(), requires_grad=True) for w in weights]
        self.x, self.y = lib.tensor(x), lib.tensor(y)
        self.opt = lib.optim.Adafactor(self.params, **options)

    def step(self):
        self.opt.zero_grad()
        loss = loss_fn(self.params, self.x, self.y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


def assert_params_close(mine, theirs, rtol, atol, what=""):
    for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        assert a.dtype == b.dtype, f"{what} parameter {i}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} parameter {i}")


def state_arrays(opt):
    return {
        (i, key): value.detach().numpy()
        for i, p in enumerate(opt.param_groups[0]["params"])
        for key, value in opt.state[p].items()
    }


TRAJECTORIES = [(options, np.float64) for options in CASES] + [
    ({}, np.float32),
    ({"weight_decay": 0.1, "maximize": True}, np.float32),
]


@pytest.mark.parametrize(("options", "dtype"), TRAJECTORIES, ids=str)
def test_trajectory_matches_torch(options, dtype):
    mine, theirs = Twin(mt, options, dtype), Twin(torch, options, dtype)
    start = mine.values()
    rtol, atol = TOLERANCES[dtype]
    for step in range(STEPS):
        loss_mine, loss_theirs = mine.step(), theirs.step()
        assert loss_mine == pytest.approx(loss_theirs, rel=rtol, abs=atol)
        assert_params_close(mine.values(), theirs.values(), rtol, atol, f"step {step}")
    assert all(not np.allclose(a, b) for a, b in zip(mine.values(), start, strict=True))
    state_mine, state_theirs = state_arrays(mine.opt), state_arrays(theirs.opt)
    assert list(state_mine) == list(state_theirs)  # the same keys in the same order
    for key, value in state_theirs.items():
        assert state_mine[key].dtype == value.dtype and state_mine[key].shape == value.shape
        np.testing.assert_allclose(state_mine[key], value, rtol=rtol, atol=atol, err_msg=str(key))


def test_factored_state_shapes_are_torchs():
    twin = Twin(mt, {})
    twin.step()
    shapes = {key: value.shape for key, value in state_arrays(twin.opt).items()}
    assert shapes == {
        (0, "step"): (), (0, "variance"): (), (1, "step"): (), (1, "variance"): (5,),
        (2, "step"): (), (2, "row_var"): (5, 1), (2, "col_var"): (1, 4),
        (3, "step"): (), (3, "row_var"): (2, 5, 1), (3, "col_var"): (2, 1, 3),
    }  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("options", CASES, ids=str)
def test_same_gradients_give_torchs_update(options, dtype):
    mine, theirs = Twin(mt, options, dtype), Twin(torch, options, dtype)
    rtol, atol = (1e-12, 1e-14) if dtype == np.float64 else TOLERANCES[dtype]
    for step in range(STEPS):
        theirs.opt.zero_grad()
        loss_fn(theirs.params, theirs.x, theirs.y).backward()
        for p, q in zip(mine.params, theirs.params, strict=True):
            p.grad = mt.tensor(q.grad.numpy().copy())
        mine.opt.step(), theirs.opt.step()
        assert_params_close(mine.values(), theirs.values(), rtol, atol, f"step {step}")


def test_tensor_lr_matches_torch():
    mine = Twin(mt, {"lr": mt.tensor(0.05, dtype=mt.float64)})
    theirs = Twin(torch, {"lr": torch.tensor(0.05, dtype=torch.float64)})
    for _ in range(5):
        mine.step(), theirs.step()
    assert_params_close(mine.values(), theirs.values(), 1e-10, 1e-12)


def test_eps1_none_takes_the_first_parameters_dtype_for_the_group():
    # torch's loop sets eps1 from the first parameter it meets and keeps it for the others
    results = []
    for lib in (mt, torch):
        first = lib.tensor([1e-9, 2e-9], dtype=lib.float32, requires_grad=True)
        second = lib.tensor([1e-9, -3e-9], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.Adafactor([first, second], lr=0.1)
        first.grad, second.grad = lib.tensor([1e-9, 1e-9], dtype=lib.float32), second.detach()
        opt.step()
        results.append(second.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def load_into(lib, state_dict):
    """``state_dict`` with its tensors converted to ``lib``'s."""
    return {
        "state": {
            i: {key: lib.tensor(value.detach().numpy().copy()) for key, value in entries.items()}
            for i, entries in state_dict["state"].items()
        },
        "param_groups": copy.deepcopy(state_dict["param_groups"]),
    }


@pytest.mark.parametrize("source", [mt, torch], ids=["from-microtensor", "from-torch"])
def test_state_dict_round_trip(source):
    options = {"lr": 0.05, "weight_decay": 0.1}
    trained = Twin(source, options)
    for _ in range(10):
        trained.step()
    state_dict = trained.opt.state_dict()
    resumed = [Twin(lib, options) for lib in (mt, torch)]
    for twin in resumed:
        with twin.lib.no_grad():
            for p, value in zip(twin.params, trained.values(), strict=True):
                p.copy_(twin.lib.tensor(value))
        twin.opt.load_state_dict(load_into(twin.lib, state_dict))
    mine, theirs = resumed
    assert mine.opt.state_dict()["param_groups"] == theirs.opt.state_dict()["param_groups"]
    assert list(state_arrays(mine.opt)) == list(state_arrays(theirs.opt))
    for _ in range(10):
        mine.step(), theirs.step(), trained.step()
    assert_params_close(mine.values(), theirs.values(), 1e-10, 1e-12, "resumed")
    assert_params_close(mine.values(), trained.values(), 1e-10, 1e-12, "uninterrupted")


def parameters(cls):
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]


def test_signature_defaults_and_repr_are_torchs():
    assert parameters(mt.optim.Adafactor) == parameters(torch.optim.Adafactor)
    mine = mt.optim.Adafactor([mt.zeros(2, requires_grad=True)], lr=0.03, foreach=True)
    theirs = torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], lr=0.03, foreach=True)
    assert mine.defaults == theirs.defaults
    assert mine.param_groups[0].keys() == theirs.param_groups[0].keys()
    assert repr(mine) == repr(theirs)


def test_a_closure_returns_its_loss_and_grads_none_are_skipped():
    w, frozen = mt.ones(3, requires_grad=True), mt.ones(2, requires_grad=True)
    opt = mt.optim.Adafactor([w, frozen])

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 3.0
    assert w.tolist() != [1.0, 1.0, 1.0] and frozen.tolist() == [1.0, 1.0]
    assert frozen not in opt.state


INVALID = [
    ({"lr": -0.1}, "Learning rate should be >= 0 but is: -0.1"),
    ({"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
    ({"eps": (-1e-3, 1e-3)}, "epsilon1 should be >= 0 but is: -0.001"),
    ({"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
    ({"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
    ({"weight_decay": -0.1}, "weight_decay should be >= 0 but is: -0.1"),
]


@pytest.mark.parametrize(("options", "message"), INVALID, ids=str)
def test_invalid_arguments_raise_torchs_errors(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError, match=re.escape(message)):
        mt.optim.Adafactor([mt.zeros(2, requires_grad=True)], **options)


def test_a_tensor_lr_must_have_one_element():
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], lr=torch.ones(2))
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        mt.optim.Adafactor([mt.zeros(2, requires_grad=True)], lr=mt.ones(2))
