"""RNNCell, LSTMCell and GRUCell against torch; gradcheck of the step functions."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor import nn
from microtensor.nn.rnn_cells import gru_step, lstm_step, project, rnn_step
from tests.helpers import assert_same, check_gradients

DTYPES = [np.float64, np.float32]
CELLS = {"RNNCell": 1, "LSTMCell": 2, "GRUCell": 1}  # name -> number of states


def make_pair(name, input_size, hidden_size, dtype, **options):
    """A torch cell and a microtensor cell holding the same (torch-initialised) weights."""
    torch_cell = getattr(torch.nn, name)(input_size, hidden_size, **options)
    torch_cell = torch_cell.double() if dtype == np.float64 else torch_cell
    mt_dtype = mt.float64 if dtype == np.float64 else mt.float32
    mt_cell = getattr(nn, name)(input_size, hidden_size, dtype=mt_dtype, **options)
    state = {k: mt.tensor(v.numpy()) for k, v in torch_cell.state_dict().items()}
    mt_cell.load_state_dict(state)
    return mt_cell, torch_cell


def check_parity(mt_module, torch_module, x, states, dtype, pack):
    """Outputs, input/state gradients and parameter gradients equal torch's."""
    mt_x, t_x = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mt_s = [mt.tensor(s, requires_grad=True) for s in states]
    t_s = [torch.tensor(s, requires_grad=True) for s in states]
    mt_outs, t_outs = (
        pack(mt_module(mt_x, *pack_states(mt_s))),
        pack(torch_module(t_x, *pack_states(t_s))),
    )
    rng = np.random.default_rng(1)
    mt_loss, t_loss = 0, 0
    for i, (m, t) in enumerate(zip(mt_outs, t_outs, strict=True)):
        assert_same(m, t, what=f"output {i}")
        upstream = rng.standard_normal(tuple(t.shape)).astype(dtype)
        mt_loss = mt_loss + (m * mt.tensor(upstream)).sum()
        t_loss = t_loss + (t * torch.tensor(upstream)).sum()
    mt_loss.backward()
    t_loss.backward()
    for what, m, t in [("input", mt_x, t_x)] + [
        (f"state {i}", m, t) for i, (m, t) in enumerate(zip(mt_s, t_s, strict=True))
    ]:
        assert_same(m.grad, t.grad, what=f"grad of {what}")
    t_params = dict(torch_module.named_parameters())
    for name, p in mt_module.named_parameters():
        assert_same(p.grad, t_params[name].grad, what=f"grad of {name}")


def pack_states(states):
    """No states -> no argument; one -> the tensor; two -> an (h, c) tuple."""
    if not states:
        return ()
    return (states[0],) if len(states) == 1 else (tuple(states),)


def flatten(out):
    return tuple(out) if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CELLS))
@settings(max_examples=6)
@given(
    batch=st.sampled_from([None, 1, 3]),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    bias=st.booleans(),
    relu=st.booleans(),
    with_state=st.booleans(),
)
def test_cell_matches_torch(name, dtype, batch, sizes, bias, relu, with_state):
    input_size, hidden_size = sizes
    options = {"bias": bias}
    if name == "RNNCell" and relu:
        options["nonlinearity"] = "relu"
    mt_cell, torch_cell = make_pair(name, input_size, hidden_size, dtype, **options)
    lead = () if batch is None else (batch,)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((*lead, input_size)).astype(dtype)
    n_states = CELLS[name] if with_state else 0
    states = [rng.standard_normal((*lead, hidden_size)).astype(dtype) for _ in range(n_states)]
    check_parity(mt_cell, torch_cell, x, states, dtype, flatten)


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_state_dict_keys_and_repr_match_torch(name):
    torch_cell = getattr(torch.nn, name)(3, 5, bias=False)
    mt_cell = getattr(nn, name)(3, 5, bias=False)
    assert list(mt_cell.state_dict()) == list(torch_cell.state_dict()) == ["weight_ih", "weight_hh"]
    assert repr(mt_cell) == repr(torch_cell)
    assert mt_cell.bias_ih is None and mt_cell.bias_hh is None


def test_rnn_cell_relu_repr_and_shapes():
    cell = nn.RNNCell(3, 5, nonlinearity="relu")
    assert repr(cell) == repr(torch.nn.RNNCell(3, 5, nonlinearity="relu"))
    assert repr(cell) == "RNNCell(3, 5, nonlinearity=relu)"
    gru = nn.GRUCell(3, 5)
    assert gru.weight_ih.shape == (15, 3) and gru.weight_hh.shape == (15, 5)
    assert nn.LSTMCell(3, 5).bias_hh.shape == (20,)


def test_cell_init_is_uniform_in_bound():
    mt.manual_seed(0)
    cell = nn.LSTMCell(50, 100)
    values = np.concatenate([p.detach().numpy().ravel() for p in cell.parameters()])
    bound = 1 / np.sqrt(100)
    assert np.all(np.abs(values) <= bound)
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound  # fills the interval
    mt.manual_seed(0)
    again = nn.LSTMCell(50, 100)
    assert_same(again.weight_hh, cell.weight_hh)


def test_step_functions_gradcheck():
    rng = np.random.default_rng(0)
    x_proj = rng.standard_normal((2, 3))
    h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    w_hh, b_hh = rng.standard_normal((3, 3)), rng.standard_normal(3)
    x, w_ih = rng.standard_normal((2, 2, 4)), rng.standard_normal((3, 4))
    check_gradients(project, [x, w_ih, rng.standard_normal(3), b_hh])
    for nonlinearity in ("tanh", "relu"):
        check_gradients(lambda *a, n=nonlinearity: rnn_step(*a, n), [x_proj, h, w_hh])
    check_gradients(
        lambda *a: lstm_step(*a)[0] + lstm_step(*a)[1] * 2,
        [rng.standard_normal((2, 12)), h, c, rng.standard_normal((12, 3))],
    )
    w_gru = rng.standard_normal((9, 3))
    check_gradients(gru_step, [rng.standard_normal((2, 9)), h, w_gru, rng.standard_normal(9)])


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_gradcheck_through_module(name):
    cell = getattr(nn, name)(2, 3, dtype=mt.float64)
    rng = np.random.default_rng(0)
    states = [rng.standard_normal((2, 3)) for _ in range(CELLS[name])]

    def fn(x, *s):
        out = cell(x, *pack_states(list(s)))
        return out[0] * out[1] if isinstance(out, tuple) else out

    check_gradients(fn, [rng.standard_normal((2, 2)), *states])


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_errors(name):
    cell = getattr(nn, name)(10, 20)
    with pytest.raises(ValueError, match=f"{name}: Expected input to be 1D or 2D, got 3D"):
        cell(mt.zeros(3, 2, 10))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 7 expected 10"):
        cell(mt.zeros(3, 7))
    n = CELLS[name]
    bad_batch = [mt.zeros(2, 20)] * n
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size"):
        cell(mt.zeros(3, 10), *pack_states(bad_batch))
    bad_size = [mt.zeros(3, 2)] * n
    with pytest.raises(RuntimeError, match="hidden0 has inconsistent hidden_size: got 2, exp"):
        cell(mt.zeros(3, 10), *pack_states(bad_size))
    with pytest.raises(RuntimeError, match="hidden state 0 must have as many dims as the input"):
        cell(mt.zeros(10), *pack_states([mt.zeros(1, 20)] * n))


def test_rnn_cell_bad_nonlinearity():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'foo'. Select from 'tanh' or"):
        nn.RNNCell(3, 4, nonlinearity="foo")
