"""OneHotCategoricalStraightThrough against torch's: draws, the straight-through gradient."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
import microtensor.distributions as md

RNG = np.random.default_rng(7)
PROBS = RNG.uniform(0.1, 1.0, (3, 4))


def pair(use_logits):
    ours = mt.tensor(np.log(PROBS) if use_logits else PROBS, requires_grad=True)
    theirs = torch.tensor(np.log(PROBS) if use_logits else PROBS, requires_grad=True)
    key = "logits" if use_logits else "probs"
    return (
        md.OneHotCategoricalStraightThrough(**{key: ours}),
        td.OneHotCategoricalStraightThrough(**{key: theirs}),
        ours,
        theirs,
    )


@pytest.mark.parametrize("use_logits", [False, True])
def test_rsample_is_torchs_draw_with_the_gradient_of_probs(use_logits):
    ours, theirs, our_param, their_param = pair(use_logits)
    assert ours.has_rsample is theirs.has_rsample is True
    assert isinstance(ours, md.OneHotCategorical)
    mt.manual_seed(0), torch.manual_seed(0)
    a, b = ours.rsample((5,)), theirs.rsample((5,))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert a.requires_grad and tuple(a.shape) == (5, 3, 4)
    upstream = RNG.standard_normal((5, 3, 4))
    (a * mt.tensor(upstream)).sum().backward()
    (b * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(our_param.grad.numpy(), their_param.grad.numpy(), rtol=1e-12)
    assert np.abs(our_param.grad.numpy()).max() > 0.1


def test_sample_log_prob_entropy_and_expand_are_torchs():
    ours, theirs, _, _ = pair(False)
    mt.manual_seed(3), torch.manual_seed(3)
    a, b = ours.sample((2,)), theirs.sample((2,))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not a.requires_grad
    np.testing.assert_allclose(
        ours.log_prob(a).detach().numpy(), theirs.log_prob(b).detach().numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        ours.entropy().detach().numpy(), theirs.entropy().detach().numpy(), rtol=1e-12
    )
    big_ours, big_theirs = ours.expand((2, 3)), theirs.expand(torch.Size((2, 3)))
    assert type(big_ours) is md.OneHotCategoricalStraightThrough
    assert tuple(big_ours.batch_shape) == tuple(big_theirs.batch_shape) == (2, 3)
    mt.manual_seed(1), torch.manual_seed(1)
    np.testing.assert_array_equal(
        big_ours.rsample().detach().numpy(), big_theirs.rsample().detach().numpy()
    )


def test_the_gradient_is_that_of_the_normalised_probs():
    # (the value does not move with probs, so a numerical gradcheck would see zero)
    probs = mt.tensor(PROBS, requires_grad=True)
    d = md.OneHotCategoricalStraightThrough(probs)
    upstream = mt.tensor(RNG.standard_normal((2, 3, 4)))
    draw = d.rsample((2,))
    (through_draw,) = mt.autograd.grad((draw * upstream).sum(), [probs], retain_graph=True)
    (through_probs,) = mt.autograd.grad((d.probs * upstream.sum(0)).sum(), [probs])
    np.testing.assert_allclose(through_draw.numpy(), through_probs.numpy(), rtol=1e-12)
