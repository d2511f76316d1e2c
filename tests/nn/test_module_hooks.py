"""Module forward hooks: pre/post, kwargs, prepend, removal, always_call."""

import warnings

import pytest
import torch

import microtensor as mt
from microtensor import nn


class _Pair(nn.Module):
    def forward(self, x, y=0.0):
        return x + y


def test_forward_pre_hook_and_hook_modify_input_and_output_and_are_removable():
    m = _Pair()
    pre = m.register_forward_pre_hook(lambda mod, args: (args[0] * 10,))
    post = m.register_forward_hook(lambda mod, args, out: out + 1)
    assert m(mt.tensor(1.0)).item() == 11.0
    pre.remove()
    assert m(mt.tensor(1.0)).item() == 2.0
    post.remove()
    post.remove()  # a second remove does nothing
    assert m(mt.tensor(1.0)).item() == 1.0


def test_hooks_with_kwargs_prepend_and_context_manager():
    m, calls = _Pair(), []
    m.register_forward_hook(lambda mod, args, out: calls.append("second"))
    m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)

    def pre(mod, args, kwargs):
        return args, {"y": kwargs.get("y", 0.0) + 100.0}

    with m.register_forward_pre_hook(pre, with_kwargs=True):
        seen = []
        m.register_forward_hook(lambda mod, a, kw, out: seen.append(kw["y"]), with_kwargs=True)
        assert m(mt.tensor(1.0), y=1.0).item() == 102.0
        assert seen == [101.0] and calls == ["first", "second"]
    assert m(mt.tensor(1.0), y=1.0).item() == 2.0
    m.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        m(mt.tensor(1.0))


def test_always_call_hook_runs_when_forward_raises():
    m, calls = _Pair(), []
    m.register_forward_hook(lambda mod, args, out: calls.append("normal"))
    m.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
    with pytest.raises(TypeError):
        m("a", 1)
    assert calls == [None]


def hook_log(lib):
    """with_kwargs pre/post hooks, prepend, a bad pre-hook result, always_call on errors."""
    log = []

    class Scale(lib.nn.Module):
        def forward(self, x, y=1):
            log.append(("forward", y))
            return x * y

    m = Scale()
    m.register_forward_pre_hook(lambda mod, a, k: (a, {**k, "y": 3}), with_kwargs=True)
    m.register_forward_pre_hook(lambda mod, a: log.append("plain pre"), prepend=True)
    m.register_forward_hook(
        lambda mod, a, k, o: log.append(("post", sorted(k), o.tolist())), with_kwargs=True
    )
    m.register_forward_hook(lambda mod, a, o: log.append("first post"), prepend=True)
    log.append(m(lib.tensor([2.0]), y=2).tolist())
    bad = Scale()
    bad.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError) as error:
        bad(lib.ones(1))
    log.append(str(error.value))

    class Broken(lib.nn.Module):
        def forward(self, x):
            raise KeyError("forward fails")

    def failing(mod, a, o):
        raise ValueError("hook fails")

    broken = Broken()
    broken.register_forward_hook(failing, always_call=True)
    broken.register_forward_hook(lambda mod, a, o: log.append(("always", o)), always_call=True)
    broken.register_forward_hook(lambda mod, a, o: log.append("not always"))
    with warnings.catch_warnings(record=True) as caught, pytest.raises(KeyError):
        warnings.simplefilter("always")
        broken(lib.ones(1))
    log.append([str(w.message) for w in caught])
    return log


def test_kwargs_prepend_and_always_call_match_torch():
    mine = hook_log(mt)
    assert mine == hook_log(torch)
    assert mine[1] == ("forward", 3) and mine[-2] == ("always", None)
