"""The Optimizer base: parameter groups, zero_grad, closures, state_dict / resume, repr, errors."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.optim.test_algorithms import Twin, assert_params_close, loss_fn

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"]
RESUME_OPTIONS = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    "Adam": {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01},
    "AdamW": {"lr": 0.01, "amsgrad": True},
    "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
    "Adadelta": {"lr": 0.5},
}


def leaf(values=(1.0, -2.0)):
    return mt.tensor(list(values), requires_grad=True)


# --- construction and parameter groups ----------------------------------------------------


def test_errors_for_bad_parameters():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        mt.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        mt.optim.SGD([leaf() * 2], lr=0.1)
    w = leaf()
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        mt.optim.SGD([{"params": [w]}, {"params": [leaf(), w]}], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got microtensor"):
        mt.optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        mt.optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is"):
        mt.optim.SGD([w, np.ones(2)], lr=0.1)
    opt = mt.optim.SGD([w], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict, but got list"):
        opt.add_param_group([leaf()])
    with pytest.raises(ValueError, match="Some param names are missing"):
        mt.optim.SGD([("a", leaf()), leaf()], lr=0.1)
    with pytest.raises(NotImplementedError, match="Optimizer does not implement step"):
        mt.optim.Optimizer([leaf()], {}).step()


def test_non_leaf_that_retains_grad_and_frozen_tensors_are_accepted():
    hidden = leaf() * 2
    hidden.retain_grad()
    frozen = mt.tensor([1.0, 2.0])  # never gets a gradient: steps skip it
    opt = mt.optim.SGD([hidden, frozen], lr=0.1)
    assert opt.param_groups[0]["params"][1] is frozen


def test_duplicate_parameter_in_a_group_warns_like_torch():
    w = leaf()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        mt.optim.SGD([w, w], lr=0.1)


def test_groups_defaults_and_add_param_group():
    w, b, extra = leaf(), leaf([0.5]), leaf([3.0])
    opt = mt.optim.SGD([{"params": w}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.defaults == {
        "lr": 0.1,
        "momentum": 0,
        "dampening": 0,
        "weight_decay": 0,
        "nesterov": False,
        "maximize": False,
        "foreach": None,
        "differentiable": False,
        "fused": None,
    }  # torch.optim.SGD's defaults, key for key
    assert opt.param_groups[0]["params"] == [w] and opt.param_groups[0]["lr"] == 0.1
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    opt.add_param_group({"params": [extra], "lr": 1.0})
    (w.sum() + b.sum() + extra.sum()).backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, -2.1])
    np.testing.assert_allclose(b.detach().numpy(), [0.0])
    np.testing.assert_allclose(extra.detach().numpy(), [2.0])
    assert set(opt.state) == {b}  # momentum buffers only where momentum is on


def test_named_parameters_give_param_names_like_torch():
    w, b = leaf(), leaf([0.0])
    opt = mt.optim.Adam([("weight", w), ("bias", b)])
    assert opt.param_groups[0]["params"] == [w, b]
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_state_is_a_defaultdict_keyed_by_parameter():
    w = leaf()
    opt = mt.optim.Adam([w], lr=0.1)
    assert opt.state[leaf()] == {}  # defaultdict(dict)
    (w * w).sum().backward()
    opt.step()
    assert set(opt.state[w]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state[w]["step"].item() == 1.0
    np.testing.assert_allclose(opt.state[w]["exp_avg"].numpy(), [0.2, -0.4])


def test_repr_is_torchs():
    opt = mt.optim.SGD([leaf()], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [leaf()], "lr": 0.5})
    group = (
        "    dampening: 0\n    differentiable: False\n    foreach: None\n    fused: None\n"
        "    lr: {lr}\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n"
        "    weight_decay: 0\n"
    )
    expected = (
        "SGD (\nParameter Group 0\n"
        + group.format(lr=0.1)
        + "\nParameter Group 1\n"
        + group.format(lr=0.5)
        + ")"
    )
    assert repr(opt) == expected
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    theirs.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5})
    assert repr(opt) == repr(theirs)


# --- zero_grad, closure, graph ---------------------------------------------------------------


def test_zero_grad_sets_to_none_by_default():
    w = leaf()
    opt = mt.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad()  # no grad: nothing to do
    assert w.grad is None


def test_zero_grad_in_place_keeps_the_tensor_and_detaches_it():
    w = leaf()
    opt = mt.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and not grad.requires_grad
    np.testing.assert_array_equal(grad.numpy(), [0.0, 0.0])
    (w * 3).sum().backward()  # accumulates into the zeroed tensor
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])
    w.grad = None
    (w * w).sum().backward(create_graph=True)  # a grad with a graph of its own
    assert w.grad.requires_grad
    opt.zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and not w.grad.requires_grad
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned(name):
    mine, theirs = Twin(mt, name, RESUME_OPTIONS[name]), Twin(torch, name, RESUME_OPTIONS[name])
    calls = []

    def closure_for(twin):
        def closure():
            calls.append(twin.lib.is_grad_enabled())
            twin.opt.zero_grad()
            loss = loss_fn(twin.params, twin.x, twin.y)
            loss.backward()
            return loss

        return closure

    for _ in range(5):
        with mt.no_grad():
            loss_mine = mine.opt.step(closure_for(mine))
        loss_theirs = theirs.opt.step(closure_for(theirs))
        assert loss_mine.item() == pytest.approx(loss_theirs.item(), rel=1e-10)
    assert calls == [True] * 10
    assert_params_close(mine.values(), theirs.values())
    assert mine.opt.step() is None


def test_step_bumps_the_version_so_a_stale_graph_raises_like_torch():
    for lib in (mt, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        (w * w).sum().backward()
        stale = (w * w).sum()
        opt.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            stale.backward()


# --- state_dict / load_state_dict --------------------------------------------------------------


def test_state_dict_has_torchs_format():
    mine, theirs = Twin(mt, "Adam", {"lr": 0.01}), Twin(torch, "Adam", {"lr": 0.01})
    for twin in (mine, theirs):
        twin.opt.add_param_group({"params": [twin.lib.zeros(2, requires_grad=True)], "lr": 0.1})
        twin.step()
    sd_mine, sd_theirs = mine.opt.state_dict(), theirs.opt.state_dict()
    assert set(sd_mine) == {"state", "param_groups"}
    assert [g["params"] for g in sd_mine["param_groups"]] == [[0, 1, 2, 3], [4]]
    assert [g["params"] for g in sd_theirs["param_groups"]] == [[0, 1, 2, 3], [4]]
    for g_mine, g_theirs in zip(sd_mine["param_groups"], sd_theirs["param_groups"], strict=True):
        assert set(g_mine) <= set(g_theirs)
        assert {k: g_theirs[k] for k in g_mine} == g_mine
    assert sd_mine["state"].keys() == sd_theirs["state"].keys() == {0, 1, 2, 3}
    step = sd_mine["state"][0]["step"]
    assert isinstance(step, mt.Tensor) and step.shape == () and step.item() == 1.0
    assert (
        step.dtype == mt.float32 == {torch.float32: mt.float32}[sd_theirs["state"][0]["step"].dtype]
    )
    assert sd_mine["state"][0]["exp_avg"] is mine.opt.state[mine.params[0]]["exp_avg"]


def test_load_state_dict_errors():
    opt = mt.optim.SGD([leaf(), leaf()], lr=0.1)
    two_groups = mt.optim.SGD([{"params": [leaf()]}, {"params": [leaf()]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(two_groups.state_dict())
    one_param = mt.optim.SGD([leaf()], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(one_param.state_dict())


@pytest.mark.parametrize("name", NAMES)
def test_resume_from_state_dict_gives_the_uninterrupted_trajectory(name):
    options = RESUME_OPTIONS[name]
    uninterrupted, first = Twin(mt, name, options), Twin(mt, name, options)
    for _ in range(30):
        uninterrupted.step(), first.step()
    saved = first.opt.state_dict()
    resumed = Twin(mt, name, {**options, "lr": 123.0})  # options come from the state dict
    for p, q in zip(resumed.params, first.params, strict=True):
        p.data = q.detach().clone()
    resumed.opt.load_state_dict(saved)
    assert resumed.opt.param_groups[0]["lr"] == options["lr"]
    for p in resumed.params:  # copies: the resumed optimizer never shares the saved arrays
        for value in resumed.opt.state[p].values():
            assert all(value._data is not v._data for v in saved["state"][0].values())
    for step in range(30):
        uninterrupted.step(), resumed.step()
        assert_params_close(resumed.values(), uninterrupted.values(), 0, 0, f"step {step}")


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_from_torch_resumes_torchs_trajectory(name):
    """A torch optimizer's state (as arrays, keys as strings, as after a JSON round trip)
    loads into microtensor, which then continues exactly as torch does."""
    options = RESUME_OPTIONS[name]
    mine, theirs = Twin(mt, name, options), Twin(torch, name, options)
    for _ in range(20):
        theirs.step()
    sd = theirs.opt.state_dict()
    converted = {
        "state": {
            str(idx): {k: v.numpy().copy() for k, v in entry.items()}
            for idx, entry in sd["state"].items()
        },
        "param_groups": [
            dict(g, betas=list(g["betas"])) if "betas" in g else g for g in sd["param_groups"]
        ],
    }
    for p, q in zip(mine.params, theirs.params, strict=True):
        p.data = mt.tensor(q.detach().numpy().copy())
    mine.opt.load_state_dict(converted)
    for step in range(20):
        mine.step(), theirs.step()
        assert_params_close(mine.values(), theirs.values(), what=f"step {step}")


def test_microtensor_state_dict_loads_into_torch():
    mine, theirs = Twin(mt, "Adam", {"lr": 0.01}), Twin(torch, "Adam", {"lr": 0.01})
    for _ in range(10):
        mine.step()
    sd = mine.opt.state_dict()
    theirs.opt.load_state_dict(
        {
            "state": {
                i: {k: torch.tensor(v.numpy()) for k, v in e.items()}
                for i, e in sd["state"].items()
            },
            "param_groups": sd["param_groups"],
        }
    )
    with torch.no_grad():
        for p, q in zip(theirs.params, mine.params, strict=True):
            p.copy_(torch.tensor(q.detach().numpy()))
    for _ in range(10):
        mine.step(), theirs.step()
    assert_params_close(mine.values(), theirs.values())


def test_load_casts_float_state_to_the_parameter_dtype_but_not_step():
    w = mt.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    opt = mt.optim.Adam([w])
    saved = {
        "state": {
            0: {"step": 3, "exp_avg": np.ones(2), "exp_avg_sq": mt.ones(2, dtype=mt.float64)}
        },
        "param_groups": [{"params": [0], "lr": 0.5, "betas": [0.9, 0.999]}],
    }
    opt.load_state_dict(saved)
    state = opt.state[w]
    assert state["exp_avg"].dtype == mt.float32 and state["exp_avg_sq"].dtype == mt.float32
    assert state["step"].item() == 3.0 and state["step"].shape == ()
    group = opt.param_groups[0]
    assert group["lr"] == 0.5 and group["eps"] == 1e-8  # missing options take the defaults
    (w * w).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
    assert state["step"].item() == 4.0 and w.dtype == mt.float32


def test_adamw_stays_decoupled_after_loading():
    w = leaf()
    adam_state = mt.optim.Adam([leaf()], weight_decay=0.1).state_dict()
    opt = mt.optim.AdamW([w], weight_decay=0.1)
    opt.load_state_dict(adam_state)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


# --- hyper-parameter validation ---------------------------------------------------------------

INVALID = [
    ("SGD", {"lr": -1}, "Invalid learning rate: -1"),
    ("SGD", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
    ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov momentum requires"),
    ("Adam", {"lr": -0.1}, "Invalid learning rate: -0.1"),
    ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("AdamW", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("AdamW", {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    ("AdamW", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("RMSprop", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("RMSprop", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("RMSprop", {"momentum": -1.0}, "Invalid momentum value: -1.0"),
    ("RMSprop", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("RMSprop", {"alpha": -0.9}, "Invalid alpha value: -0.9"),
    ("Adagrad", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adagrad", {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
    ("Adagrad", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "Invalid initial_accumulator_value value"),
    ("Adagrad", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adadelta", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adadelta", {"rho": 1.1}, "Invalid rho value: 1.1"),
    ("Adadelta", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adadelta", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
]


@pytest.mark.parametrize("name, options, message", INVALID, ids=lambda v: str(v))
def test_invalid_hyper_parameters_raise_torchs_value_error(name, options, message):
    with pytest.raises(ValueError, match=message):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **options)
    with pytest.raises(ValueError, match=message) as info:
        getattr(mt.optim, name)([leaf()], **options)
    if message.startswith("Invalid"):  # microtensor adds the rule that was broken
        assert f"({name} expects" in str(info.value)


def test_resume_through_a_checkpoint_file(tmp_path):
    """optimizer + scheduler state through microtensor.save / load (safetensors + JSON)."""
    options = RESUME_OPTIONS["Adam"]
    uninterrupted, first = Twin(mt, "Adam", options), Twin(mt, "Adam", options)
    scheds = [
        mt.optim.lr_scheduler.MultiStepLR(t.opt, [5, 25], 0.5) for t in (uninterrupted, first)
    ]
    for _ in range(20):
        for twin, sched in zip((uninterrupted, first), scheds, strict=True):
            twin.step()
            sched.step()
    path = tmp_path / "checkpoint.mt"
    mt.save({"optimizer": first.opt.state_dict(), "scheduler": scheds[1].state_dict()}, path)
    checkpoint = mt.load(path)
    resumed = Twin(mt, "Adam", options)
    for p, q in zip(resumed.params, first.params, strict=True):
        p.data = q.detach().clone()
    sched = mt.optim.lr_scheduler.MultiStepLR(resumed.opt, [5, 25], 0.5)
    resumed.opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    for step in range(20):
        for twin, s in ((uninterrupted, scheds[0]), (resumed, sched)):
            twin.step()
            s.step()
        assert sched.get_last_lr() == scheds[0].get_last_lr()
        assert_params_close(resumed.values(), uninterrupted.values(), 0, 0, f"step {step}")
