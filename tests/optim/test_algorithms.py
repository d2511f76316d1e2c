"""Parity of every optimizer with torch.optim: 100 steps, every option combination.

The problem: a 2-layer tanh network on a fixed regression batch, built once with microtensor
and once with torch (the same function: both have ``@``, ``.tanh()``, ``**`` and ``.mean()``),
from the same initial weights. Both optimizers must follow the same trajectory to 1e-8.
"""

import inspect

import numpy as np
import pytest
import torch

import microtensor as mt

STEPS = 100

# (optimizer name, options): each option of the issue, alone and combined.
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.01, "maximize": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("Adam", {"lr": 0.005, "maximize": True, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
    ("AdamW", {"lr": 0.005, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True}),
    # eps not tiny: near a stationary point RMSprop is sign descent, where a rounding-level
    # difference in a gradient flips a whole step (test_same_gradients covers tiny eps)
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "eps": 1e-2}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5}),
    (
        "Adagrad",
        {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.1},
    ),
    ("Adagrad", {"lr": 0.05, "eps": 1e-3, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5}),
    ("Adadelta", {"lr": 1.0, "weight_decay": 0.1, "eps": 1e-4}),
    ("Adadelta", {"lr": 0.5, "maximize": True}),
]


# every algorithm with a per-parameter update (LBFGS and SparseAdam have their own tests)
ALL_NAMES = [
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam", "Adamax", "ASGD",
    "Rprop",
]  # fmt: skip


def case_id(case):
    name, options = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in options.items())


def make_arrays(seed=0, dtype=np.float64):
    """Initial weights (W1, b1, W2, b2) and the batch (x, y)."""
    rng = np.random.default_rng(seed)
    weights = [
        rng.normal(size=(3, 6)) * 0.7,
        rng.normal(size=6) * 0.1,
        rng.normal(size=(6, 2)) * 0.7,
        rng.normal(size=2) * 0.1,
    ]
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    return [w.astype(dtype) for w in weights], x.astype(dtype), y.astype(dtype)


def loss_fn(params, x, y):
    """Works on microtensor and torch tensors alike."""
    w1, b1, w2, b2 = params
    out = (x @ w1 + b1).tanh() @ w2 + b2
    return ((out - y) ** 2).mean()


class Twin:
    """The same problem in one framework: params, batch, optimizer."""

    def __init__(self, lib, name, options, seed=0, dtype=np.float64, groups=None):
        weights, x, y = make_arrays(seed, dtype)
        self.lib = lib
        self.params = [lib.tensor(w, requires_grad=True) for w in weights]
        self.x, self.y = lib.tensor(x), lib.tensor(y)
        cls = getattr(lib.optim, name)
        # torch's single-tensor kernels, the algorithm microtensor follows (both accept foreach)
        extra = {"foreach": False} if "foreach" in inspect.signature(cls).parameters else {}
        if groups is None:
            self.opt = cls(self.params, **options, **extra)
        else:  # groups: list of (param indices, group options)
            spec = [{"params": [self.params[i] for i in idx], **opts} for idx, opts in groups]
            self.opt = cls(spec, **options, **extra)

    def step(self):
        self.opt.zero_grad()
        loss = loss_fn(self.params, self.x, self.y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def values(self):
        return [p.detach().numpy().copy() for p in self.params]


def assert_params_close(mine, theirs, rtol=1e-8, atol=1e-8, what=""):
    for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} param {i}")


def state_arrays(opt):
    """{(param index, key): array} from a state_dict, for comparing mt with torch."""
    return {
        (idx, key): value.detach().numpy()
        for idx, entries in opt.state_dict()["state"].items()
        for key, value in entries.items()
    }


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trajectory_matches_torch(case):
    name, options = case
    mine, theirs = Twin(mt, name, options), Twin(torch, name, options)
    for step in range(STEPS):
        loss_mine, loss_theirs = mine.step(), theirs.step()
        assert loss_mine == pytest.approx(loss_theirs, rel=1e-8, abs=1e-10)
        assert_params_close(mine.values(), theirs.values(), what=f"{name} step {step}")
    start = make_arrays()[0]
    assert any(not np.allclose(a, b) for a, b in zip(mine.values(), start, strict=True))
    # the state (moments, buffers, step counters) matches torch's, key for key
    state_mine, state_theirs = state_arrays(mine.opt), state_arrays(theirs.opt)
    assert state_mine.keys() == state_theirs.keys()
    for key, value in state_theirs.items():
        assert state_mine[key].dtype == value.dtype, key
        np.testing.assert_allclose(state_mine[key], value, rtol=1e-8, atol=1e-10, err_msg=str(key))


@pytest.mark.parametrize(
    "case", CASES + [("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6})], ids=case_id
)
def test_same_gradients_give_the_same_update_as_torch(case):
    """The update rule alone: microtensor's optimizer gets torch's gradients, to ~1 ulp."""
    name, options = case
    mine, theirs = Twin(mt, name, options), Twin(torch, name, options)
    for step in range(STEPS):
        theirs.opt.zero_grad()
        loss_fn(theirs.params, theirs.x, theirs.y).backward()
        for p, q in zip(mine.params, theirs.params, strict=True):
            p.grad = mt.tensor(q.grad.numpy().copy())
        mine.opt.step(), theirs.opt.step()
        assert_params_close(mine.values(), theirs.values(), 1e-12, 1e-14, f"{name} step {step}")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_param_groups_with_own_options_match_torch(name):
    options = {"SGD": {"momentum": 0.9}, "RMSprop": {"momentum": 0.5, "centered": True}}.get(
        name, {}
    )
    second = {"lr": 0.005, "etas": (0.3, 1.4)} if name == "Rprop" else {"lr": 0.005}
    option = "etas" if name == "Rprop" else "weight_decay"  # Rprop has no weight decay
    second.setdefault(option, 0.1)
    groups = [([0, 1], {"lr": 0.02}), ([2, 3], second)]
    mine = Twin(mt, name, {"lr": 0.01, **options}, groups=groups)
    theirs = Twin(torch, name, {"lr": 0.01, **options}, groups=groups)
    assert [g["lr"] for g in mine.opt.param_groups] == [0.02, 0.005]
    default = theirs.opt.param_groups[0][option]  # the default fills the gap
    assert mine.opt.param_groups[0][option] == default == mine.opt.defaults[option]
    for step in range(50):
        mine.step(), theirs.step()
        assert_params_close(mine.values(), theirs.values(), what=f"step {step}")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_options_changed_between_steps_match_torch(name):
    mine, theirs = Twin(mt, name, {"lr": 0.01}), Twin(torch, name, {"lr": 0.01})
    for step in range(60):
        if step == 20:  # as a scheduler or a user would
            for twin in (mine, theirs):
                for group in twin.opt.param_groups:
                    group["lr"] = 0.003
                    group["weight_decay"] = 0.2
                    if "betas" in group:
                        group["betas"] = (0.8, 0.99)
                    if name == "SGD":
                        group["momentum"] = 0.7
                    if name == "Adadelta":
                        group["rho"] = 0.8
        mine.step(), theirs.step()
        assert_params_close(mine.values(), theirs.values(), what=f"step {step}")


def test_parameter_without_grad_is_skipped_like_torch():
    for lib in (mt, torch):
        unused = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        twin = Twin(lib, "Adam", {"lr": 0.1})
        twin.opt.add_param_group({"params": [unused]})
        twin.step()
        assert unused.grad is None
        np.testing.assert_array_equal(unused.detach().numpy(), [1.0, 2.0])
        assert unused not in twin.opt.state
        assert sorted(twin.opt.state_dict()["state"]) == [0, 1, 2, 3]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_float32_stays_float32_and_matches_torch(name):
    options = {
        "SGD": {"momentum": 0.9, "nesterov": True},
        "Adam": {"amsgrad": True, "weight_decay": 0.1},
        "AdamW": {"amsgrad": True},
        "RMSprop": {"centered": True, "momentum": 0.5},
        "Adagrad": {"lr_decay": 0.01},
        "Adadelta": {"weight_decay": 0.1},
        "NAdam": {"weight_decay": 0.1},
        "RAdam": {"weight_decay": 0.1, "decoupled_weight_decay": True},
        "Adamax": {"weight_decay": 0.1},
        "ASGD": {"t0": 5},
        "Rprop": {"etas": (0.4, 1.3)},
    }[name]
    mine = Twin(mt, name, {"lr": np.float64(0.01), **options}, dtype=np.float32)
    theirs = Twin(torch, name, {"lr": 0.01, **options}, dtype=np.float32)
    for _ in range(20):
        mine.step(), theirs.step()
    for p in mine.params:
        assert p.dtype == mt.float32 and p.grad.dtype == mt.float32
    for (idx, key), value in state_arrays(mine.opt).items():
        expected = np.float32 if key != "step" else np.dtype(mt.get_default_dtype().numpy)
        assert value.dtype == expected, (idx, key)
    assert_params_close(mine.values(), theirs.values(), rtol=1e-4, atol=1e-5)


def test_update_is_in_place_and_outside_the_graph():
    twin = Twin(mt, "Adam", {"lr": 0.1})
    arrays = [p._data for p in twin.params]
    versions = [p._version for p in twin.params]
    twin.step()
    assert all(p._data is a for p, a in zip(twin.params, arrays, strict=True))
    assert all(p.is_leaf and p.grad_fn is None for p in twin.params)
    assert [p._version for p in twin.params] == [v + 1 for v in versions]
