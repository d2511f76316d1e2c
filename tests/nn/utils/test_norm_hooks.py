"""The older nn.utils.weight_norm and spectral_norm (forward pre-hooks), against torch."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn


def to_mt(state):
    return {k: mt.tensor(v.detach().numpy()) for k, v in state.items()}


def close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


@pytest.mark.parametrize("dim", [0, 1])
def test_weight_norm_keys_values_grads(dim):
    ours = nn.utils.weight_norm(nn.Linear(3, 2).double(), dim=dim)
    theirs = torch.nn.utils.weight_norm(torch.nn.Linear(3, 2).double(), dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g", "weight_v"]
    ours.load_state_dict(to_mt(theirs.state_dict()))
    x = np.random.default_rng(0).normal(size=(4, 3))
    y_ours, y_theirs = ours(mt.tensor(x)), theirs(torch.tensor(x))
    close(y_ours, y_theirs)
    (y_ours**3).sum().backward()
    (y_theirs**3).sum().backward()
    close(ours.weight_g.grad, theirs.weight_g.grad)
    close(ours.weight_v.grad, theirs.weight_v.grad)
    nn.utils.remove_weight_norm(ours)
    assert list(ours.state_dict()) == ["bias", "weight"]
    close(ours.weight, theirs.weight)


def test_weight_norm_warns_and_refuses_twice():
    lin = nn.Linear(2, 2)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(lin)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        nn.utils.weight_norm(lin)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        nn.utils.remove_weight_norm(lin, "bias")


def test_spectral_norm_hook_matches_torch():
    ours = nn.utils.spectral_norm(nn.Linear(4, 3).double())
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(to_mt(theirs.state_dict()))
    x = np.random.default_rng(1).normal(size=(2, 4))
    for _ in range(3):
        y_ours, y_theirs = ours(mt.tensor(x)), theirs(torch.tensor(x))
        close(y_ours, y_theirs)
    close(ours.weight_u, theirs.weight_u)
    close(ours.weight_v, theirs.weight_v)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    close(ours.weight_orig.grad, theirs.weight_orig.grad)
    ours.eval()
    theirs.eval()
    close(ours(mt.tensor(x)), theirs(torch.tensor(x)))  # no power iteration in eval
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    close(ours.weight, theirs.weight)


def test_conv_transpose_uses_dim_1():
    conv = nn.utils.spectral_norm(nn.ConvTranspose2d(2, 5, 3))
    assert tuple(conv.weight_u.shape) == (5,) and tuple(conv.weight_v.shape) == (2 * 9,)
