"""nn.LSTM's and nn.GRU's whole-direction ops (nn/_functional/_rnn_sequence_ops.py): the same
values as the step-by-step path they replace, torch's gradients, gradcheck and gradgradcheck."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn, ops
from microtensor.nn._functional._rnn_sequence_ops import GruSequence, LstmSequence
from microtensor.nn.rnn_cells import gru_step, lstm_step, project
from tests.helpers import assert_same, check_gradients

T, B, H, IN = 5, 3, 4, 3  # steps, batch, hidden, input features


def stepwise(x, w_ih, b_ih, b_hh, h0, c0, w_hh, time_dim, reverse):
    """The per-step path of nn.LSTM: the projection, one LstmStep node per step, a stack."""
    steps = ops.unbind(project(x, w_ih, b_ih, b_hh), time_dim)
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    h, c, outs = h0, c0, {}
    for t in order:
        h, c = lstm_step(steps[t], h, c, w_hh)
        outs[t] = h
    return ops.stack([outs[t] for t in range(len(steps))], time_dim), h, c


def fused(x, w_ih, b_ih, b_hh, h0, c0, w_hh, time_dim, reverse):
    w_t = np.ascontiguousarray(w_hh._data.T)
    return LstmSequence.apply(x, w_ih, b_ih, b_hh, h0, c0, w_hh, w_t, time_dim, reverse)


def _arrays(rng, time_dim, dtype=np.float64, steps=T, batch=B, hidden=H, features=IN):
    """input, w_ih, b_ih, b_hh, h0, c0, w_hh."""
    shape = (steps, batch, features) if time_dim == 0 else (batch, steps, features)
    shapes = [shape, (4 * hidden, features), (4 * hidden,), (4 * hidden,)]
    shapes += [(batch, hidden), (batch, hidden), (4 * hidden, hidden)]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("time_dim", [0, 1])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
def test_sequence_op_equals_the_stepwise_path(time_dim, reverse, dtype, bias):
    rng = np.random.default_rng(time_dim + 2 * reverse)
    arrays = _arrays(rng, time_dim, dtype)
    shapes = (arrays[0].shape[:-1] + (H,), (B, H), (B, H))
    upstream = [rng.standard_normal(s).astype(dtype) for s in shapes]
    results = []
    for fn in (fused, stepwise):
        inputs = [mt.tensor(a, requires_grad=True) for a in arrays]
        if not bias:
            inputs[2] = inputs[3] = None
        outs = fn(*inputs, time_dim, reverse)
        loss = sum((o * mt.tensor(u)).sum() for o, u in zip(outs, upstream, strict=True))
        loss.backward()
        results.append(([o.detach() for o in outs], [t.grad for t in inputs if t is not None]))
    (outs, grads), (ref_outs, ref_grads) = results
    for a, e in zip(outs, ref_outs, strict=True):  # forward: the same arithmetic, the same bits
        np.testing.assert_array_equal(a.numpy(), e.numpy())
    for i, (a, e) in enumerate(zip(grads, ref_grads, strict=True)):
        assert_same(a, e, what=f"grad {i}")


@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_op_gradcheck_and_gradgradcheck(reverse):
    # small: gradgradcheck perturbs every input element
    arrays = _arrays(np.random.default_rng(7), 1, steps=3, batch=2, hidden=2, features=2)
    check_gradients(lambda *inputs: fused(*inputs, 1, reverse), arrays)


def test_an_unused_final_state_gets_no_gradient_trouble():
    arrays = _arrays(np.random.default_rng(8), 0)
    inputs = [mt.tensor(a, requires_grad=True) for a in arrays]
    out, _, _ = fused(*inputs, 0, False)
    out[-1].sum().backward()
    assert all(t.grad is not None and np.isfinite(t.grad.numpy()).all() for t in inputs)


def test_an_input_without_grad_gets_none_and_the_weights_theirs():
    arrays = _arrays(np.random.default_rng(13), 1)
    inputs = [mt.tensor(a, requires_grad=i > 0) for i, a in enumerate(arrays)]
    out, _, _ = fused(*inputs, 1, True)
    out.sum().backward()
    assert inputs[0].grad is None
    assert_same(inputs[2].grad, inputs[3].grad, what="b_ih and b_hh")
    assert inputs[2].grad is not inputs[3].grad  # two tensors: accumulating one leaves the other


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_layer_is_one_node_per_direction_and_matches_torch(batch_first):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, H, num_layers=2, bidirectional=True, batch_first=batch_first)
    ours = nn.LSTM(3, H, num_layers=2, bidirectional=True, batch_first=batch_first)
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(9)
    x = rng.standard_normal((B, T, 3) if batch_first else (T, B, 3)).astype(np.float32)
    h0, c0 = (rng.standard_normal((4, B, H)).astype(np.float32) for _ in range(2))
    results = []
    for lib, layer in ((mt, ours), (torch, theirs)):
        xt, ht, ct = (lib.tensor(a, requires_grad=True) for a in (x, h0, c0))
        out, (h_n, c_n) = layer(xt, (ht, ct))
        (out.sum() + (h_n * h_n).sum() + c_n.sum()).backward()
        grads = [xt.grad, ht.grad, ct.grad, layer.weight_hh_l1_reverse.grad]
        results.append(([out, h_n, c_n], grads))
    (mine, my_grads), (expected, their_grads) = results
    for i, (a, e) in enumerate(zip(mine + my_grads, expected + their_grads, strict=True)):
        assert_same(a, e, what=f"value {i}")
    first_node = ours(mt.tensor(x))[0].grad_fn
    assert "Cat" in first_node.name()  # the two directions' outputs, not a stack of steps


# --- GRU -------------------------------------------------------------------------------------


def gru_stepwise(x_proj, h0, w_hh, b_hh, time_dim, reverse):
    steps = ops.unbind(x_proj, time_dim)
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    h, outs = h0, {}
    for t in order:
        h = gru_step(steps[t], h, w_hh, b_hh)
        outs[t] = h
    return ops.stack([outs[t] for t in range(len(steps))], time_dim), h


def gru_fused(x_proj, h0, w_hh, b_hh, time_dim, reverse):
    w_t = np.ascontiguousarray(w_hh._data.T)
    return GruSequence.apply(x_proj, h0, w_hh, b_hh, w_t, time_dim, reverse)


def _gru_arrays(rng, time_dim, steps=T, batch=B, hidden=H, dtype=np.float64):
    shape = (steps, batch, 3 * hidden) if time_dim == 0 else (batch, steps, 3 * hidden)
    return [
        rng.standard_normal(shape).astype(dtype),
        rng.standard_normal((batch, hidden)).astype(dtype),
        (0.5 * rng.standard_normal((3 * hidden, hidden))).astype(dtype),
        rng.standard_normal(3 * hidden).astype(dtype),
    ]


@pytest.mark.parametrize("time_dim", [0, 1])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gru_sequence_op_equals_the_stepwise_path(time_dim, reverse, bias):
    rng = np.random.default_rng(10 + time_dim + 2 * reverse)
    arrays = _gru_arrays(rng, time_dim, dtype=np.float32)
    upstream = [
        rng.standard_normal(s).astype(np.float32) for s in (arrays[0].shape[:-1] + (H,), (B, H))
    ]
    results = []
    for fn in (gru_fused, gru_stepwise):
        inputs = [mt.tensor(a, requires_grad=True) for a in arrays]
        if not bias:
            inputs[3] = None
        outs = fn(*inputs, time_dim, reverse)
        loss = sum((o * mt.tensor(u)).sum() for o, u in zip(outs, upstream, strict=True))
        loss.backward()
        results.append(([o.detach() for o in outs], [t.grad for t in inputs if t is not None]))
    (outs, grads), (ref_outs, ref_grads) = results
    for a, e in zip(outs, ref_outs, strict=True):
        np.testing.assert_array_equal(a.numpy(), e.numpy())
    for i, (a, e) in enumerate(zip(grads, ref_grads, strict=True)):
        assert_same(a, e, what=f"grad {i}")


def test_gru_sequence_op_gradcheck_and_gradgradcheck():
    arrays = _gru_arrays(np.random.default_rng(11), 1, steps=3, batch=2, hidden=2)
    check_gradients(lambda x, h, w, b: gru_fused(x, h, w, b, 1, True), arrays)


def test_gru_layer_matches_torch():
    torch.manual_seed(1)
    theirs = torch.nn.GRU(3, H, num_layers=2, bidirectional=True, batch_first=True)
    ours = nn.GRU(3, H, num_layers=2, bidirectional=True, batch_first=True)
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(12)
    x = rng.standard_normal((B, T, 3)).astype(np.float32)
    results = []
    for lib, layer in ((mt, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        out, h_n = layer(xt)
        (out.sum() + (h_n * h_n).sum()).backward()
        results.append([out, h_n, xt.grad, layer.weight_hh_l0.grad, layer.bias_hh_l1_reverse.grad])
    for i, (a, e) in enumerate(zip(*results, strict=True)):
        assert_same(a, e, what=f"value {i}")
