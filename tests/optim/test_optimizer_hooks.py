"""Optimizer hooks: step pre/post, state-dict and load-state-dict hooks, global step hooks."""

import importlib

import pytest
import torch

import microtensor as mt


def problem(lib):
    w = lib.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    return w


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_step_hooks_run_around_step_in_torchs_order(lib):
    w = problem(lib)
    opt = lib.optim.SGD([w], lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", w.tolist())))
    handle = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", w.tolist())))
    optimizer_module = importlib.import_module(f"{lib.__name__}.optim.optimizer")
    pre_global = optimizer_module.register_optimizer_step_pre_hook(
        lambda o, a, k: calls.append(("global pre", o is opt))
    )
    post_global = optimizer_module.register_optimizer_step_post_hook(
        lambda o, a, k: calls.append(("global post", o is opt))
    )
    try:
        opt.step()
    finally:
        pre_global.remove(), post_global.remove()
    assert calls == [
        ("global pre", True),
        ("pre", [1.0, -2.0]),
        ("post", [0.800000011920929, -1.600000023841858]),
        ("global post", True),
    ]
    handle.remove()
    opt.step()
    assert len(calls) == 5 and calls[-1][0] == "pre"


def test_a_pre_hook_can_replace_the_closure():
    w = mt.tensor([1.0], requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    opt.register_step_pre_hook(lambda o, args, kwargs: ((), {"closure": closure}))
    assert opt.step().item() == 1.0
    assert w.item() == pytest.approx(0.8)
    opt.register_step_pre_hook(lambda o, args, kwargs: "nonsense")
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        opt.step()


def test_hooks_also_run_around_a_user_subclass_step():
    class Halve(mt.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})

        def step(self, closure=None):
            for p in self.param_groups[0]["params"]:
                p.detach().mul_(0.5)

    w = mt.tensor([4.0], requires_grad=True)
    opt = Halve([w])
    seen = []
    opt.register_step_post_hook(lambda o, a, k: seen.append(w.item()))
    opt.step()
    assert seen == [2.0]


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_state_dict_hooks(lib):
    w = problem(lib)
    opt = lib.optim.Adam([w], lr=0.1)
    opt.step()
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
    opt.register_state_dict_pre_hook(lambda o: calls.append("first"), prepend=True)

    def post(o, state_dict):
        calls.append("post")
        state_dict["extra"] = 7
        return state_dict

    opt.register_state_dict_post_hook(post)
    state_dict = opt.state_dict()
    assert calls == ["first", "pre", "post"] and state_dict["extra"] == 7

    def load_pre(o, state_dict):
        calls.append("load pre")
        state_dict = dict(state_dict)
        state_dict.pop("extra")
        return state_dict

    opt.register_load_state_dict_pre_hook(load_pre)
    opt.register_load_state_dict_post_hook(lambda o: calls.append("load post"))
    opt.load_state_dict(state_dict)
    assert calls[3:] == ["load pre", "load post"]
    assert "extra" in state_dict  # the hook got a shallow copy
