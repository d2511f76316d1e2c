"""RNN/LSTM/GRU on PackedSequence input, LSTM proj_size, flatten_parameters: against torch."""

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as torch_rnn

import microtensor as mt
from microtensor import nn
from microtensor.nn.utils import rnn
from tests.helpers import assert_same, check_gradients
from tests.nn.test_rnn import make_pair

LAYERS = {"RNN": 1, "LSTM": 2, "GRU": 1}  # name -> number of states


def run_both(mt_layer, torch_layer, x, lengths, states, enforce_sorted, batch_first):
    """Pack x on both sides, run, and compare packed outputs, final states and gradients."""
    mt_x, t_x = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mt_s = [mt.tensor(s, requires_grad=True) for s in states]
    t_s = [torch.tensor(s, requires_grad=True) for s in states]
    mt_packed = rnn.pack_padded_sequence(mt_x, lengths, batch_first, enforce_sorted)
    t_packed = torch_rnn.pack_padded_sequence(t_x, lengths, batch_first, enforce_sorted)

    def hx(s):
        if not s:
            return ()
        return (s[0],) if len(s) == 1 else (tuple(s),)

    mt_out, mt_hidden = mt_layer(mt_packed, *hx(mt_s))
    t_out, t_hidden = torch_layer(t_packed, *hx(t_s))
    assert isinstance(mt_out, rnn.PackedSequence)
    assert_same(mt_out.batch_sizes, t_out.batch_sizes)
    mt_outs = [mt_out.data, *(mt_hidden if isinstance(mt_hidden, tuple) else (mt_hidden,))]
    t_outs = [t_out.data, *(t_hidden if isinstance(t_hidden, tuple) else (t_hidden,))]
    rng = np.random.default_rng(1)
    mt_loss, t_loss = 0, 0
    for i, (m, t) in enumerate(zip(mt_outs, t_outs, strict=True)):
        assert_same(m, t, what=f"output {i}")
        upstream = rng.standard_normal(tuple(t.shape))
        mt_loss = mt_loss + (m * mt.tensor(upstream)).sum()
        t_loss = t_loss + (t * torch.tensor(upstream)).sum()
    mt_loss.backward()
    t_loss.backward()
    assert_same(mt_x.grad, t_x.grad, what="grad of input")
    for i, (m, t) in enumerate(zip(mt_s, t_s, strict=True)):
        assert_same(m.grad, t.grad, what=f"grad of state {i}")
    t_params = dict(torch_layer.named_parameters())
    for name, p in mt_layer.named_parameters():
        assert_same(p.grad, t_params[name].grad, what=f"grad of {name}")


@pytest.mark.parametrize(
    ("lengths", "enforce_sorted"), [([5, 3, 3, 1], True), ([2, 5, 1, 4], False)]
)
@pytest.mark.parametrize(
    "options",
    [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True, "bidirectional": True}],
)
@pytest.mark.parametrize("name", list(LAYERS))
def test_packed_input_matches_torch(name, options, lengths, enforce_sorted):
    mt_layer, torch_layer = make_pair(name, 3, 4, np.float64, **options)
    batch_first = options.get("batch_first", False)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    lead = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    states = [rng.standard_normal((lead, 4, 4)) for _ in range(LAYERS[name])]
    # given states are permuted through sorted_indices; zeros when the states are left out
    states = states if not enforce_sorted else []
    run_both(mt_layer, torch_layer, x, lengths, states, enforce_sorted, batch_first)


def test_packed_output_pads_back_like_torch():
    mt_layer, torch_layer = make_pair("GRU", 2, 3, np.float64, bidirectional=True)
    x = np.random.default_rng(0).standard_normal((4, 3, 2))
    mt_out, _ = mt_layer(rnn.pack_padded_sequence(mt.tensor(x), [2, 4, 1], enforce_sorted=False))
    t_out, _ = torch_layer(
        torch_rnn.pack_padded_sequence(torch.tensor(x), [2, 4, 1], enforce_sorted=False)
    )
    mt_padded, mt_lengths = rnn.pad_packed_sequence(mt_out, batch_first=True)
    t_padded, t_lengths = torch_rnn.pad_packed_sequence(t_out, batch_first=True)
    assert_same(mt_padded, t_padded)
    assert_same(mt_lengths, t_lengths)


@pytest.mark.parametrize(
    "options",
    [{}, {"num_layers": 2, "bidirectional": True, "batch_first": True}, {"bias": False}],
)
def test_lstm_proj_size_matches_torch(options):
    mt_layer, torch_layer = make_pair("LSTM", 3, 5, np.float64, proj_size=2, **options)
    assert list(mt_layer.state_dict()) == list(torch_layer.state_dict())
    assert tuple(mt_layer.weight_hr_l0.shape) == (2, 5)
    assert repr(mt_layer) == repr(torch_layer)
    rng = np.random.default_rng(0)
    lead = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    states = [rng.standard_normal((lead, 3, 2)), rng.standard_normal((lead, 3, 5))]
    batch_first = options.get("batch_first", False)
    x = rng.standard_normal((3, 4, 3) if batch_first else (4, 3, 3))
    run_both(mt_layer, torch_layer, x, [3, 2, 2], states, False, batch_first)
    mt_out, (h_n, c_n) = mt_layer(mt.tensor(x))
    t_out, (t_h, t_c) = torch_layer(torch.tensor(x))
    assert_same(mt_out, t_out)
    assert_same(h_n, t_h)
    assert_same(c_n, t_c)


def test_packed_gradcheck():
    lstm = nn.LSTM(2, 2, bidirectional=True, dtype=mt.float64)

    def fn(x):
        packed = rnn.pack_padded_sequence(x, [1, 3, 2], enforce_sorted=False)
        out, (h_n, c_n) = lstm(packed)
        return out.data, h_n, c_n

    check_gradients(fn, [np.random.default_rng(0).standard_normal((3, 3, 2))], second=False)


def test_flatten_parameters_is_a_no_op():
    gru = nn.GRU(3, 4)
    before = [p.detach().numpy().copy() for p in gru.parameters()]
    assert gru.flatten_parameters() is None
    for old, p in zip(before, gru.parameters(), strict=True):
        np.testing.assert_array_equal(old, p.detach().numpy())


def test_proj_and_packed_errors():
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size should be a positive integer or zero"):
        nn.LSTM(3, 4, proj_size=-1)
    lstm = nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(
        RuntimeError, match="Expected hidden\\[0\\] size \\(1, 2, 2\\), got \\[1, 2, 4"
    ):
        lstm(mt.zeros(5, 2, 3), (mt.zeros(1, 2, 4), mt.zeros(1, 2, 4)))
    packed = rnn.pack_sequence([mt.zeros(3, 2), mt.zeros(2, 2)])
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Exp"):
        lstm(packed)
