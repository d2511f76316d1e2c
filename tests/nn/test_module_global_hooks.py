"""nn.modules.module.register_module_*_hook: hooks of every module, in torch's order."""

import warnings

import pytest
import torch

import microtensor as mt


def call_log(lib):
    """What the global and per-module hooks see on one forward and backward of a small net."""
    hooks = lib.nn.modules.module
    log = []
    net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh())
    handles = [
        hooks.register_module_forward_pre_hook(lambda m, a: log.append(("gpre", type(m).__name__))),
        hooks.register_module_forward_hook(
            lambda m, a, k, o: log.append(("gpost", type(m).__name__, sorted(k))), with_kwargs=True
        ),
        net[0].register_forward_pre_hook(lambda m, a: log.append(("pre", type(m).__name__))),
        net[0].register_forward_hook(lambda m, a, o: log.append(("post", type(m).__name__))),
        hooks.register_module_full_backward_hook(
            lambda m, gi, go: log.append(("gbw", type(m).__name__, len(gi), len(go)))
        ),
        hooks.register_module_full_backward_pre_hook(
            lambda m, go: log.append(("gbwpre", type(m).__name__))
        ),
        net[0].register_full_backward_hook(lambda m, gi, go: log.append(("bw", type(m).__name__))),
    ]
    try:
        net(lib.ones(3, 2, requires_grad=True)).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    net(lib.ones(1, 2)).sum().backward()  # removed: nothing more is logged
    return log


def test_forward_and_backward_hook_order_is_torchs():
    mine = call_log(mt)
    assert mine == call_log(torch)
    assert mine[:3] == [("gpre", "Sequential"), ("gpre", "Linear"), ("pre", "Linear")]


def registration_log(lib):
    hooks = lib.nn.modules.module
    log = []
    handles = [
        hooks.register_module_parameter_registration_hook(lambda m, n, p: log.append(("p", n))),
        hooks.register_module_buffer_registration_hook(lambda m, n, b: log.append(("b", n))),
        hooks.register_module_module_registration_hook(lambda m, n, s: log.append(("m", n))),
    ]
    try:
        lib.nn.BatchNorm1d(2)
        seq = lib.nn.Sequential()
        seq.add_module("first", lib.nn.Identity())
        seq.second = lib.nn.Identity()
        seq.register_buffer("scale", lib.ones(1))
        seq.scale = lib.zeros(1)
    finally:
        for handle in handles:
            handle.remove()
    lib.nn.Linear(1, 1)
    return log


def test_registration_hooks_see_what_torchs_see():
    mine = registration_log(mt)
    assert mine == registration_log(torch)
    assert ("p", "weight") in mine and ("m", "second") in mine and mine.count(("b", "scale")) == 2


def test_registration_hook_may_replace_the_value():
    hooks = mt.nn.modules.module
    handle = hooks.register_module_buffer_registration_hook(lambda m, n, b: b * 2)
    try:
        model = mt.nn.Module()
        model.register_buffer("scale", mt.ones(2))
    finally:
        handle.remove()
    assert model.scale.tolist() == [2.0, 2.0]


def test_global_forward_hook_replaces_output_and_always_call_runs_on_error():
    for lib in (mt, torch):
        hooks = lib.nn.modules.module
        handle = hooks.register_module_forward_hook(lambda m, a, o: o + 1)
        try:
            assert lib.nn.Identity()(lib.tensor([1.0])).tolist() == [2.0]
        finally:
            handle.remove()
        seen = []

        class Broken(lib.nn.Module):
            def forward(self, x):
                raise ValueError("broken forward")

        handle = hooks.register_module_forward_hook(
            lambda m, a, o, seen=seen: seen.append(o), always_call=True
        )
        try:
            with pytest.raises(ValueError, match="broken forward"):
                Broken()(lib.ones(1))
        finally:
            handle.remove()
        assert seen == [None]


@pytest.mark.parametrize("first", ["full", "old"])
def test_old_and_full_global_backward_hooks_do_not_mix(first, monkeypatch):
    from microtensor.nn import module_global_hooks

    # the kind is remembered for the whole process, as in torch: start clean, restore after
    monkeypatch.setattr(module_global_hooks, "_global_is_full_backward_hook", None)
    hooks = mt.nn.modules.module
    full, old = hooks.register_module_full_backward_hook, hooks.register_module_backward_hook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the old hook's deprecation
        handle = (full if first == "full" else old)(lambda m, gi, go: None)
        try:
            with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and"):
                (old if first == "full" else full)(lambda m, gi, go: None)
        finally:
            handle.remove()


def each_kind_log(lib, kind):
    """Calls one global hook of ``kind`` sees while registered, and none once removed."""
    hooks, log = lib.nn.modules.module, []
    register = {
        "forward_pre": lambda: hooks.register_module_forward_pre_hook(lambda m, a: log.append(1)),
        "forward": lambda: hooks.register_module_forward_hook(lambda m, a, o: log.append(2)),
        "backward_pre": lambda: hooks.register_module_full_backward_pre_hook(
            lambda m, go: log.append(3)
        ),
        "backward": lambda: hooks.register_module_full_backward_hook(
            lambda m, gi, go: log.append(4)
        ),
    }[kind]
    net = lib.nn.Sequential(lib.nn.Linear(2, 1))
    for _ in range(2):  # a removed hook leaves the fast path to modules; a new one is seen again
        with register():
            net(lib.ones(1, 2, requires_grad=True)).sum().backward()
        net(lib.ones(1, 2, requires_grad=True)).sum().backward()
    return log


@pytest.mark.parametrize("kind", ["forward_pre", "forward", "backward_pre", "backward"])
def test_each_global_hook_kind_runs_until_removed(kind):
    mine = each_kind_log(mt, kind)
    assert mine == each_kind_log(torch, kind)
    assert len(mine) == 4  # two modules, two registrations


def registered_in_forward_log(lib, already_hooked):
    """Hooks that forward itself registers run on that same call when the call is hooked."""
    log, handles = [], []

    class Registering(lib.nn.Module):
        def forward(self, x):
            handles.append(self.register_forward_hook(lambda m, a, o: log.append("own")))
            handles.append(
                lib.nn.modules.module.register_module_forward_hook(
                    lambda m, a, o: log.append("global")
                )
            )
            return x

    module = Registering()
    if already_hooked:
        handles.append(module.register_forward_pre_hook(lambda m, a: log.append("pre")))
    try:
        module(lib.ones(1))
        log.append("|")
        module(lib.ones(1))
    finally:
        for handle in handles:
            handle.remove()
    return log


@pytest.mark.parametrize("already_hooked", [False, True])
def test_hooks_registered_by_forward_run_as_torchs(already_hooked):
    mine = registered_in_forward_log(mt, already_hooked)
    assert mine == registered_in_forward_log(torch, already_hooked)
    assert mine.count("own") == (3 if already_hooked else 2)
