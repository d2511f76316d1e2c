"""ExponentialFamily: the Bregman entropy and KL against torch's ExponentialFamily methods.

torch's Normal and Gamma are exponential families with the natural parameters and log
normalizers below; microtensor's families derive from Distribution, so user subclasses with the
same definitions are compared with torch's base-class methods applied to torch's families.
"""

import math

import numpy as np
import pytest
import torch
import torch.distributions as td
from torch.distributions.kl import _kl_expfamily_expfamily

import microtensor as mt
import microtensor.distributions as md
from microtensor.distributions.utils import broadcast_all

RNG = np.random.default_rng(5)
LOC, SCALE = RNG.standard_normal((2, 3)), RNG.uniform(0.5, 2.0, (2, 3))
CONC, RATE = RNG.uniform(0.5, 3.0, (2, 3)), RNG.uniform(0.5, 2.0, (2, 3))


class FamilyNormal(md.ExponentialFamily):
    """theta = (loc / scale^2, -1 / (2 scale^2)), F = -x^2 / (4y) + log(-pi / y) / 2."""

    _mean_carrier_measure = 0

    def __init__(self, loc, scale):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape)

    @property
    def _natural_params(self):
        return (self.loc / self.scale.pow(2), -0.5 * self.scale.pow(2).reciprocal())

    def _log_normalizer(self, x, y):
        return -0.25 * x.pow(2) / y + 0.5 * (-math.pi / y).log()


class FamilyGamma(md.ExponentialFamily):
    """theta = (concentration - 1, -rate), F = lgamma(x + 1) + (x + 1) log(-1 / y)."""

    _mean_carrier_measure = 0

    def __init__(self, concentration, rate):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.rate.shape)

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return mt.lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()


FAMILIES = {"normal": (FamilyNormal, td.Normal, (LOC, SCALE)), "gamma": (FamilyGamma, td.Gamma, (CONC, RATE))}  # fmt: skip


def close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", FAMILIES)
def test_entropy_is_torchs_bregman_entropy_and_the_closed_form(name):
    ours_cls, theirs_cls, params = FAMILIES[name]
    ours = ours_cls(*[mt.tensor(p, requires_grad=True) for p in params])
    theirs = theirs_cls(*[torch.tensor(p, requires_grad=True) for p in params])
    entropy = ours.entropy()
    close(entropy, td.ExponentialFamily.entropy(theirs))
    close(entropy, theirs.entropy(), rtol=1e-9)  # torch's closed form
    assert tuple(entropy.shape) == (2, 3) and entropy.requires_grad
    entropy.sum().backward()  # as torch: through the detached natural parameters only
    assert ours.loc.grad is None if name == "normal" else ours.rate.grad is None


@pytest.mark.parametrize("name", FAMILIES)
def test_kl_divergence_is_torchs_bregman_divergence_with_gradients(name):
    ours_cls, theirs_cls, params = FAMILIES[name]
    other = [RNG.uniform(0.5, 2.0, (2, 3)) for _ in params]
    p_ours, q_ours = ours_cls(*[mt.tensor(a) for a in params]), None
    q_params_ours = [mt.tensor(a, requires_grad=True) for a in other]
    q_params_theirs = [torch.tensor(a, requires_grad=True) for a in other]
    q_ours = ours_cls(*q_params_ours)
    p_theirs = theirs_cls(*[torch.tensor(a) for a in params])
    q_theirs = theirs_cls(*q_params_theirs)
    kl_ours = md.kl_divergence(p_ours, q_ours)
    kl_theirs = _kl_expfamily_expfamily(p_theirs, q_theirs)
    close(kl_ours, kl_theirs)
    close(kl_ours, td.kl_divergence(p_theirs, q_theirs), rtol=1e-9)  # the closed form
    upstream = RNG.standard_normal((2, 3))
    (kl_ours * mt.tensor(upstream)).sum().backward()
    (kl_theirs * torch.tensor(upstream)).sum().backward()
    for a, b in zip(q_params_ours, q_params_theirs, strict=True):
        close(a.grad, b.grad)


def test_entropy_is_twice_differentiable_through_the_natural_parameters():
    theta = [mt.tensor(LOC / SCALE**2, requires_grad=True), mt.tensor(-0.5 / SCALE**2)]
    family = FamilyNormal(mt.tensor(LOC), mt.tensor(SCALE))
    grads = mt.autograd.grad(family._log_normalizer(*theta).sum(), theta[:1], create_graph=True)
    np.testing.assert_allclose(grads[0].detach().numpy(), LOC, rtol=1e-12)  # E[x] = grad F


def test_kl_between_two_families_raises_as_torch():
    match = "cross KL-divergence between different exponential families"
    with pytest.raises(NotImplementedError, match=match):
        md.kl_divergence(FamilyNormal(0.0, 1.0), FamilyGamma(2.0, 1.0))
    with pytest.raises(NotImplementedError, match=match):
        _kl_expfamily_expfamily(td.Normal(0.0, 1.0), td.Gamma(2.0, 1.0))


def test_the_abstract_parts_raise_not_implemented_error():
    family = md.ExponentialFamily(batch_shape=(2,))
    assert isinstance(family, md.Distribution)
    for attempt in (lambda: family._natural_params, lambda: family._log_normalizer(mt.zeros(2)),
                    lambda: family._mean_carrier_measure, family.entropy):  # fmt: skip
        with pytest.raises(NotImplementedError):
            attempt()
    assert md.exp_family.ExponentialFamily is md.ExponentialFamily
