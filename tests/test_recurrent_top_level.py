"""torch.rnn_tanh_cell ... torch.lstm / gru / rnn_tanh / rnn_relu against torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients

GATES = {"rnn_tanh_cell": 1, "rnn_relu_cell": 1, "lstm_cell": 4, "gru_cell": 3}
LAYERS = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def _pair(arrays, dtype=np.float64):
    arrays = [a.astype(dtype) if a is not None else None for a in arrays]
    mt_t = [mt.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    torch_t = [torch.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    return mt_t, torch_t


def _check_grads(mt_outs, torch_outs, mt_in, torch_in, rng):
    upstream = [
        rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype) for t in torch_outs
    ]
    mt_grads = mt.autograd.grad(mt_outs, mt_in, [mt.tensor(u) for u in upstream])
    torch_grads = torch.autograd.grad(torch_outs, torch_in, [torch.tensor(u) for u in upstream])
    for i, (m, t) in enumerate(zip(mt_grads, torch_grads, strict=True)):
        assert_same(m, t, what=f"grad {i}")


@pytest.mark.parametrize("name", list(GATES))
@pytest.mark.parametrize("biases", ["both", "ih", "hh", "none"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cells_match_torch(name, biases, dtype):
    rng = np.random.default_rng(0)
    batch, inp, hidden, gates = 3, 4, 5, GATES[name]
    b_ih = rng.standard_normal(gates * hidden) if biases in ("both", "ih") else None
    b_hh = rng.standard_normal(gates * hidden) if biases in ("both", "hh") else None
    arrays = [
        rng.standard_normal((batch, inp)),
        *[rng.standard_normal((batch, hidden)) for _ in range(2 if name == "lstm_cell" else 1)],
        rng.standard_normal((gates * hidden, inp)),
        rng.standard_normal((gates * hidden, hidden)),
    ]
    mt_t, torch_t = _pair([*arrays, b_ih, b_hh], dtype)
    states = 2 if name == "lstm_cell" else 1

    def call(lib, t):
        hx = (t[1], t[2]) if states == 2 else t[1]
        return getattr(lib, name)(t[0], hx, *t[1 + states :])

    mt_out, torch_out = call(mt, mt_t), call(torch, torch_t)
    mt_outs = list(mt_out) if states == 2 else [mt_out]
    torch_outs = list(torch_out) if states == 2 else [torch_out]
    for m, t in zip(mt_outs, torch_outs, strict=True):
        assert_same(m, t)
    used = [i for i, t in enumerate(torch_t) if t is not None]
    _check_grads(mt_outs, torch_outs, [mt_t[i] for i in used], [torch_t[i] for i in used], rng)


@pytest.mark.parametrize("name", list(GATES))
def test_cells_gradcheck(name):
    rng = np.random.default_rng(1)
    gates, states = GATES[name], 2 if name == "lstm_cell" else 1
    arrays = [
        rng.standard_normal((2, 3)),
        *[rng.standard_normal((2, 2)) for _ in range(states)],
        rng.standard_normal((gates * 2, 3)),
        rng.standard_normal((gates * 2, 2)),
        rng.standard_normal(gates * 2),
        rng.standard_normal(gates * 2),
    ]

    def fn(x, *rest):
        hx = (rest[0], rest[1]) if states == 2 else rest[0]
        out = getattr(mt, name)(x, hx, *rest[states:])
        return out if states == 1 else out[0] + out[1]

    check_gradients(fn, arrays)


def test_cell_errors():
    x, h = mt.zeros(3, 4), mt.zeros(3, 5)
    w_ih, w_hh = mt.zeros(5, 4), mt.zeros(5, 5)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 4 expected 3"):
        mt.rnn_tanh_cell(x, h, w_ih[:, :3], w_hh)
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size 2"):
        mt.rnn_tanh_cell(x, h[:2], w_ih, w_hh)
    with pytest.raises(
        RuntimeError, match="hidden0 has inconsistent hidden_size: got 3, expected 5"
    ):
        mt.rnn_tanh_cell(x, h[:, :3], w_ih, w_hh)
    with pytest.raises(RuntimeError, match="weight_ih first dim must be 1 \\* hidden_size = 6"):
        mt.rnn_relu_cell(x, h, w_ih, mt.zeros(5, 6))
    with pytest.raises(IndexError, match="input must be 2-D"):
        mt.gru_cell(x[0], h[0], mt.zeros(15, 4), mt.zeros(15, 5))
    with pytest.raises(RuntimeError, match="lstm_cell expects two hidden states"):
        mt.lstm_cell(x, [h], mt.zeros(20, 4), mt.zeros(20, 5))
    with pytest.raises(TypeError, match="must be tuple of Tensors, not Tensor"):
        mt.lstm_cell(x, h, mt.zeros(20, 4), mt.zeros(20, 5))


def _torch_weights(name, layers, bidirectional, bias, proj_size=0):
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(name, torch.nn.RNN)
    options = {"proj_size": proj_size} if proj_size else {}
    if name.startswith("rnn_"):
        options["nonlinearity"] = name[4:]
    torch.manual_seed(0)
    layer = module(4, 5, layers, bias=bias, bidirectional=bidirectional, **options).double()
    return [w.detach().numpy().copy() for w in layer._flat_weights]


CASES = [
    ("lstm", 1, False, True, False, 0),
    ("lstm", 2, True, True, True, 0),
    ("lstm", 2, True, False, False, 3),
    ("gru", 2, True, True, False, 0),
    ("gru", 1, False, False, True, 0),
    ("rnn_tanh", 2, False, True, False, 0),
    ("rnn_relu", 1, True, True, True, 0),
]


@pytest.mark.parametrize(("name", "layers", "bidirectional", "bias", "batch_first", "proj"), CASES)
def test_layers_match_torch(name, layers, bidirectional, bias, batch_first, proj):
    rng = np.random.default_rng(2)
    weights = _torch_weights(name, layers, bidirectional, bias, proj)
    count = layers * (2 if bidirectional else 1)
    x = rng.standard_normal((3, 6, 4) if batch_first else (6, 3, 4))
    sizes = [proj or 5, 5] if name == "lstm" else [5]
    states = [rng.standard_normal((count, 3, s)) for s in sizes]
    mt_t, torch_t = _pair([x, *states, *weights])

    def call(lib, t):
        hx = (t[1], t[2]) if name == "lstm" else t[1]
        rest = t[1 + len(sizes) :]
        return getattr(lib, name)(
            t[0], hx, rest, bias, layers, 0.0, False, bidirectional, batch_first
        )

    mt_outs, torch_outs = call(mt, mt_t), call(torch, torch_t)
    assert len(mt_outs) == len(torch_outs)
    for m, t in zip(mt_outs, torch_outs, strict=True):
        assert_same(m, t)
    _check_grads(list(mt_outs), list(torch_outs), mt_t, torch_t, rng)


@pytest.mark.parametrize("name", list(LAYERS))
def test_packed_layers_match_torch(name):
    rng = np.random.default_rng(3)
    weights = _torch_weights(name, 2, True, True)
    sizes = [3, 3, 2, 1]
    data = rng.standard_normal((sum(sizes), 4))
    states = [rng.standard_normal((4, 3, 5)) for _ in range(2 if name == "lstm" else 1)]
    mt_t, torch_t = _pair([data, *states, *weights])

    def call(lib, t, batch_sizes):
        hx = (t[1], t[2]) if name == "lstm" else t[1]
        rest = t[1 + len(states) :]
        return getattr(lib, name)(t[0], batch_sizes, hx, rest, True, 2, 0.0, False, True)

    mt_outs = call(mt, mt_t, mt.tensor(sizes))
    torch_outs = call(torch, torch_t, torch.tensor(sizes))
    for m, t in zip(mt_outs, torch_outs, strict=True):
        assert_same(m, t)
    _check_grads(list(mt_outs), list(torch_outs), mt_t, torch_t, rng)


def test_layers_gradcheck():
    rng = np.random.default_rng(4)
    weights = [w[:, :] if w.ndim == 2 else w for w in _torch_weights("gru", 1, True, True)]
    arrays = [rng.standard_normal((3, 2, 4)), rng.standard_normal((2, 2, 5)), *weights]

    def fn(x, h, *params):
        out, h_n = mt.gru(x, h, params, True, 1, 0.0, False, True, False)
        return out.sum() + h_n.sum()

    check_gradients(fn, arrays, second=False)


def test_layers_keyword_arguments_and_dropout_only_when_training():
    weights = [mt.tensor(w) for w in _torch_weights("rnn_tanh", 2, False, True)]
    x, h = mt.ones(4, 2, 4, dtype=mt.float64), mt.zeros(2, 2, 5, dtype=mt.float64)
    options = {"has_biases": True, "num_layers": 2, "dropout": 0.9, "bidirectional": False}
    eval_out, _ = mt.rnn_tanh(x, h, weights, train=False, batch_first=False, **options)
    ref, _ = torch.rnn_tanh(
        torch.ones(4, 2, 4, dtype=torch.float64),
        torch.zeros(2, 2, 5, dtype=torch.float64),
        [torch.tensor(w.numpy()) for w in weights],
        True,
        2,
        0.9,
        False,
        False,
        False,
    )
    assert_same(eval_out, ref)
    mt.manual_seed(0)
    train_out, _ = mt.rnn_tanh(x, h, weights, train=True, batch_first=False, **options)
    assert not np.allclose(train_out.numpy(), eval_out.numpy())


def test_layer_errors():
    weights = [mt.tensor(w) for w in _torch_weights("lstm", 1, False, True)]
    x, h = mt.zeros(6, 3, 4, dtype=mt.float64), mt.zeros(1, 3, 5, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="lstm expects two hidden states"):
        mt.lstm(x, (h,), weights, True, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="expected 4 weights .* got 3"):
        mt.lstm(x, (h, h), weights[:3], True, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="hidden state 0 must be"):
        mt.lstm(x, (h[:, :2], h), weights, True, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="input must be \\(time, batch, features\\)"):
        mt.lstm(x[0], (h, h), weights, True, 1, 0.0, False, False, False)
    with pytest.raises(TypeError, match="'hx' must be tuple of Tensors, not Tensor"):
        mt.lstm(x, h, weights, True, 1, 0.0, False, False, False)
    with pytest.raises(TypeError, match="'hx' must be Tensor, not tuple"):
        mt.gru(x, (h,), weights, True, 1, 0.0, False, False, False)
    with pytest.raises(TypeError, match="missing required arguments: batch_first"):
        mt.gru(x, h, weights, True, 1, 0.0, False, False)
    with pytest.raises(RuntimeError, match="num_layers must be at least 1"):
        mt.rnn_tanh(x, h, weights, True, 0, 0.0, False, False, False)
