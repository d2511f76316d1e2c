"""Every optimizer has torch.optim's signature (names, kinds, defaults) and defaults dict."""

import inspect

import pytest
import torch

import microtensor as mt

NAMES = [
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam", "Adamax",
    "ASGD", "Rprop", "SparseAdam", "LBFGS", "Adafactor",
]  # fmt: skip


def parameters(cls):
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signature_is_torchs(name):
    assert parameters(getattr(mt.optim, name)) == parameters(getattr(torch.optim, name))


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_groups_have_torchs_keys_and_values(name):
    mine = getattr(mt.optim, name)([mt.zeros(2, requires_grad=True)])
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert mine.defaults == theirs.defaults
    assert mine.param_groups[0].keys() == theirs.param_groups[0].keys()
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_foreach_and_fused_are_accepted_and_kept(name):
    w = mt.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(mt.optim, name)([w], lr=0.1, foreach=True, fused=False)
    assert opt.param_groups[0]["foreach"] is True and opt.param_groups[0]["fused"] is False
    (w * w).sum().backward()
    opt.step()
    assert w.tolist() != [1.0, -2.0]


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adadelta", "NAdam", "RAdam",
                                  "Adamax", "ASGD", "Rprop"])  # fmt: skip
def test_capturable_is_refused_on_the_cpu(name):
    with pytest.raises(RuntimeError, match=f"{name}: capturable=True needs CUDA graphs"):
        getattr(mt.optim, name)([mt.zeros(2, requires_grad=True)], capturable=True)


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "NAdam", "Rprop", "Adamax", "RAdam"])
def test_differentiable_is_refused_where_not_implemented(name):
    with pytest.raises(NotImplementedError, match=f"{name}: differentiable=True"):
        getattr(mt.optim, name)([mt.zeros(2, requires_grad=True)], differentiable=True)


def test_sparse_adam_refuses_dense_gradients_as_torch():
    for lib in (mt, torch):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.SparseAdam([w], lr=0.1)
        w.sum().backward()
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
            opt.step()
    with pytest.raises(ValueError, match="Invalid learning rate: 0"):
        mt.optim.SparseAdam([mt.ones(2, requires_grad=True)], lr=0)
