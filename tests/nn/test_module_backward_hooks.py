"""Module.register_full_backward_hook / _pre_hook: the gradients they see, and replace, as torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn


def build(lib, seed=0):
    """Linear(3, 2) in float64 with fixed weights, in either library."""
    rng = np.random.default_rng(seed)
    lin = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(rng.normal(size=(2, 3))))
        lin.bias.copy_(lib.tensor(rng.normal(size=2)))
    return lin


def as_lists(grads):
    return [None if g is None else np.asarray(g.detach().numpy()).round(12).tolist() for g in grads]


def run(lib, *, replace=False, pre_scale=None, x_grad=True):
    lin = build(lib)
    log = []

    def pre(module, grad_output):
        log.append(("pre", as_lists(grad_output)))
        if pre_scale is not None:
            return tuple(g * pre_scale for g in grad_output)
        return None

    def hook(module, grad_input, grad_output):
        log.append(("hook", as_lists(grad_input), as_lists(grad_output)))
        if replace:
            return tuple(None if g is None else g * 10 for g in grad_input)
        return None

    lin.register_full_backward_pre_hook(pre)
    lin.register_full_backward_hook(hook)
    x = lib.tensor(np.arange(6.0).reshape(2, 3) / 7, requires_grad=x_grad)
    upstream = lib.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=lib.float64)
    (lin(x) * upstream).sum().backward()
    grads = [x.grad, lin.weight.grad, lin.bias.grad]
    return log, as_lists(grads)


@pytest.mark.parametrize("options", [{}, {"replace": True}, {"pre_scale": 3.0}, {"x_grad": False}])
def test_hooks_see_and_replace_the_gradients_torch_does(options):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note when no input requires grad
        expected = run(torch, **options)
    assert run(mt, **options) == expected


def test_hook_order_prepend_and_removal():
    lin = nn.Linear(2, 2)
    calls = []
    first = lin.register_full_backward_hook(lambda m, gi, go: calls.append("first"))
    lin.register_full_backward_hook(lambda m, gi, go: calls.append("prepended"), prepend=True)
    lin(mt.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == ["prepended", "first"]
    first.remove()
    calls.clear()
    lin(mt.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == ["prepended"]


def test_several_outputs_and_inputs():
    class Split(nn.Module):
        def forward(self, a, scale, b):
            return a * scale + b, a - b

    seen = []
    module = Split()
    module.register_full_backward_hook(lambda m, gi, go: seen.append((len(gi), len(go))))
    a = mt.ones(2, requires_grad=True)
    b = mt.ones(2, requires_grad=True)
    first, second = module(a, 2.0, b)
    (first.sum() + 3 * second.sum()).backward()
    assert seen == [(2, 2)]  # the non-tensor argument has no slot
    assert a.grad.tolist() == [5.0, 5.0] and b.grad.tolist() == [-2.0, -2.0]


def test_wrong_number_of_gradients_is_an_error():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(
        RuntimeError, match="backward hook returned an invalid number of grad_input"
    ):
        lin(mt.ones(1, 2, requires_grad=True)).sum().backward()


def test_no_hooks_under_no_grad_and_old_name_warns():
    lin = nn.Linear(2, 2)
    with pytest.warns(FutureWarning, match="register_full_backward_hook"):
        lin.register_backward_hook(lambda m, gi, go: None)
    with mt.no_grad():
        out = lin(mt.ones(1, 2))
    assert out.grad_fn is None
