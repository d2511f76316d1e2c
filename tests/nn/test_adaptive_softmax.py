"""AdaptiveLogSoftmaxWithLoss against torch with copied weights: output, loss, gradients,
log_prob, predict, state-dict keys and errors."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.nn.adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from tests.helpers import assert_same, check_gradients

RNG = np.random.default_rng(0)


def pair(in_features=8, n_classes=12, cutoffs=(3, 7), div_value=2.0, head_bias=True):
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(
        in_features, n_classes, list(cutoffs), div_value=div_value, head_bias=head_bias
    ).double()
    mine = AdaptiveLogSoftmaxWithLoss(
        in_features,
        n_classes,
        list(cutoffs),
        div_value=div_value,
        head_bias=head_bias,
        dtype=mt.float64,
    )
    mine.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return mine, theirs


def test_parameters_and_state_dict_keys_match_torch():
    mine, theirs = pair()
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters(), strict=True):
        assert tuple(p.shape) == tuple(q.shape), name
    assert mine.head_size == theirs.head_size and mine.cutoffs == theirs.cutoffs
    assert repr(mine).replace("float64", "").split() == repr(theirs).split()


@pytest.mark.parametrize(
    "target", [[0, 4, 11, 2, 8, 7], [1, 2, 0, 2, 1, 0], [9, 10, 11, 7, 8, 9], [5]]
)
def test_forward_and_gradients_match_torch(target):
    mine, theirs = pair()
    x = RNG.standard_normal((len(target), 8))
    mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    m_out, t_out = mine(mx, mt.tensor(target)), theirs(tx, torch.tensor(target))
    assert m_out._fields == t_out._fields == ("output", "loss")
    assert_same(m_out.output, t_out.output)
    assert_same(m_out.loss, t_out.loss)
    upstream = RNG.standard_normal(len(target))
    total_m = (m_out.output * mt.tensor(upstream)).sum() + m_out.loss
    total_t = (t_out.output * torch.tensor(upstream)).sum() + t_out.loss
    total_m.backward()
    total_t.backward()
    assert_same(mx.grad, tx.grad)
    for (name, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters(), strict=True):
        if q.grad is None:  # a cluster no target falls in
            assert p.grad is None, name
        else:
            assert_same(p.grad, q.grad, what=name)


def test_unbatched_input_matches_torch():
    mine, theirs = pair()
    x = RNG.standard_normal(8)
    m_out, t_out = mine(mt.tensor(x), mt.tensor(9)), theirs(torch.tensor(x), torch.tensor(9))
    assert tuple(m_out.output.shape) == () == tuple(t_out.output.shape)
    assert_same(m_out.output, t_out.output)
    assert_same(m_out.loss, t_out.loss)


def test_log_prob_and_predict_match_torch():
    mine, theirs = pair(head_bias=False)
    x = RNG.standard_normal((16, 8)) * 3
    assert_same(mine.log_prob(mt.tensor(x)), theirs.log_prob(torch.tensor(x)))
    np.testing.assert_allclose(np.exp(mine.log_prob(mt.tensor(x)).detach().numpy()).sum(1), 1.0)
    assert_same(mine.predict(mt.tensor(x)), theirs.predict(torch.tensor(x)))


@pytest.mark.parametrize("cluster_bias", [-50.0, 50.0])
def test_predict_when_all_or_none_are_in_the_shortlist(cluster_bias):
    mine, theirs = pair()
    with torch.no_grad():
        theirs.head.bias[3:] = cluster_bias
    mine.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal((5, 8))
    assert_same(mine.predict(mt.tensor(x)), theirs.predict(torch.tensor(x)))


def test_gradcheck_through_the_clusters():
    mine, _ = pair(in_features=4, n_classes=6, cutoffs=(2, 4))
    target = mt.tensor([0, 3, 5])
    check_gradients(lambda x: mine(x, target).output, [RNG.standard_normal((3, 4))])


@pytest.mark.parametrize(
    ("cutoffs", "message"),
    [
        ([], "cutoffs should be a sequence of length larger than 0"),
        ([5, 3], "cutoffs should be a sequence of unique, positive integers"),
        ([0, 3], "cutoffs should be a sequence of unique"),
        ([3, 12], "each value is between 1 and n_classes-1"),
        ([3, 3], "cutoffs should be a sequence of unique"),
        ([2.5], "cutoffs should be a sequence of unique"),
    ],
)
def test_bad_cutoffs_raise(cutoffs, message):
    with pytest.raises(ValueError, match=message):
        AdaptiveLogSoftmaxWithLoss(8, 12, cutoffs)


@pytest.mark.parametrize(
    ("x_shape", "target", "message"),
    [
        ((3, 8), [0, 1], "Input and target should have the same size in the batch dimension"),
        ((2, 2, 8), [0, 1], "1D target tensor expects 2D input tensors"),
        ((2, 8), 1, "0D target tensor expects 1D input tensors"),
        ((2, 8), [[0, 1]], "0D or 1D target tensor expected, multi-target not supported"),
        ((2, 8), [0, 12], r"Target values should be in \[0, 11\], but values in range \[0, 12\]"),
    ],
)
def test_bad_inputs_raise_as_torch(x_shape, target, message):
    mine, theirs = pair()
    x = RNG.standard_normal(x_shape)
    with pytest.raises(RuntimeError, match=message):
        mine(mt.tensor(x), mt.tensor(target))
    with pytest.raises(RuntimeError, match=message):
        theirs(torch.tensor(x), torch.tensor(target))


def test_reset_parameters_redraws_every_weight():
    mine, _ = pair()
    before = {k: v.numpy().copy() for k, v in mine.state_dict().items()}
    mine.reset_parameters()
    for key, value in mine.state_dict().items():
        assert not np.array_equal(value.numpy(), before[key]), key
