"""nn.utils.parametrize and parametrizations.weight_norm / spectral_norm, against torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn
from microtensor.nn.utils import parametrizations, parametrize


def to_mt(state):
    return {k: mt.tensor(v.detach().numpy()) for k, v in state.items()}


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(
        np.asarray(a.detach().numpy()), np.asarray(b.detach().numpy()), rtol=tol, atol=tol
    )


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


class TorchSymmetric(torch.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


class Scale(nn.Module):
    def forward(self, x):
        return 2 * x

    def right_inverse(self, x):
        return x / 2


def test_custom_parametrization_repr_keys_grads_like_torch():
    ours = parametrize.register_parametrization(nn.Linear(3, 3).double(), "weight", Symmetric())
    theirs = torch.nn.utils.parametrize.register_parametrization(
        torch.nn.Linear(3, 3).double(), "weight", TorchSymmetric()
    )
    assert repr(ours).replace("Symmetric", "S") == repr(theirs).replace("TorchSymmetric", "S")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(to_mt(theirs.state_dict()))
    x = np.random.default_rng(0).normal(size=(4, 3))
    y_ours, y_theirs = ours(mt.tensor(x)), theirs(torch.tensor(x))
    close(y_ours, y_theirs)
    (y_ours**2).sum().backward()
    (y_theirs**2).sum().backward()
    close(ours.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad)
    assert parametrize.is_parametrized(ours) and parametrize.is_parametrized(ours, "weight")
    assert not parametrize.is_parametrized(ours, "bias")
    assert parametrize.type_before_parametrizations(ours) is nn.Linear


def test_right_inverse_on_registration_and_assignment():
    lin = nn.Linear(2, 2)
    weight = lin.weight.detach().clone()
    parametrize.register_parametrization(lin, "weight", Scale())
    close(lin.parametrizations.weight.original, weight / 2, 1e-7)
    close(lin.weight, weight, 1e-7)
    lin.weight = mt.ones(2, 2)
    close(lin.parametrizations.weight.original, mt.full((2, 2), 0.5))


def test_chained_parametrizations_and_cached():
    lin = nn.Linear(3, 3)
    parametrize.register_parametrization(lin, "weight", Symmetric())
    parametrize.register_parametrization(lin, "weight", Scale())
    assert len(lin.parametrizations.weight) == 2
    with parametrize.cached():
        assert lin.weight is lin.weight
    assert lin.weight is not lin.weight


def test_remove_keeps_value_or_original():
    for leave in (True, False):
        lin = nn.Linear(2, 2)
        before = lin.weight.detach().clone()
        parametrize.register_parametrization(lin, "weight", Scale())
        lin.weight = mt.full((2, 2), 4.0)
        parametrize.remove_parametrizations(lin, "weight", leave_parametrized=leave)
        assert type(lin) is nn.Linear and isinstance(lin.weight, nn.Parameter)
        assert list(lin.state_dict()) == ["bias", "weight"]  # re-registered last, as torch
        close(lin.weight, mt.full((2, 2), 4.0 if leave else 2.0))
        assert not bool((lin.weight == before).all())


def test_errors():
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(nn.Linear(2, 2), "nope", Symmetric())

    class Shrink(nn.Module):
        def forward(self, x):
            return x[0]

    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", Shrink())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(nn.Linear(2, 2), "weight")


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization_matches_torch(dim):
    ours = parametrizations.weight_norm(nn.Linear(3, 4).double(), dim=dim)
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4).double(), dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(to_mt(theirs.state_dict()))
    x = np.random.default_rng(1).normal(size=(5, 3))
    y_ours, y_theirs = ours(mt.tensor(x)), theirs(torch.tensor(x))
    close(y_ours, y_theirs)
    upstream = np.random.default_rng(2).normal(size=(5, 4))
    (y_ours * mt.tensor(upstream)).sum().backward()
    (y_theirs * torch.tensor(upstream)).sum().backward()
    for name in ("original0", "original1"):
        close(
            getattr(ours.parametrizations.weight, name).grad,
            getattr(theirs.parametrizations.weight, name).grad,
        )


def test_weight_norm_conv_shapes():
    conv = parametrizations.weight_norm(nn.Conv2d(2, 3, 3))
    assert tuple(conv.parametrizations.weight.original0.shape) == (3, 1, 1, 1)


def test_spectral_norm_parametrization_matches_torch_in_train_and_eval():
    ours = parametrizations.spectral_norm(nn.Linear(4, 3).double())
    theirs = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(4, 3).double())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(to_mt(theirs.state_dict()))
    x = np.random.default_rng(3).normal(size=(2, 4))
    for _ in range(3):  # each training-mode access runs one power iteration
        y_ours, y_theirs = ours(mt.tensor(x)), theirs(torch.tensor(x))
        close(y_ours, y_theirs)
    close(ours.parametrizations.weight[0]._u, theirs.parametrizations.weight[0]._u)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    close(ours.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad)
    ours.eval()
    theirs.eval()
    close(ours(mt.tensor(x)), theirs(torch.tensor(x)))


def test_spectral_norm_bounds_the_largest_singular_value():
    mt.manual_seed(0)  # power iteration from random vectors: 3 seeds in 40 converge slower
    conv = parametrizations.spectral_norm(nn.Conv2d(3, 5, 2))
    sigma = np.linalg.svd(conv.weight.detach().numpy().reshape(5, -1), compute_uv=False)[0]
    assert abs(sigma - 1) < 1e-2  # 15 + 1 power iterations in float32 (torch: the same)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
