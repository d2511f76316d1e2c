"""RNN, LSTM and GRU against torch: outputs, gradients, state dicts, reprs and errors."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor import nn
from tests.helpers import assert_same, check_gradients
from tests.nn.test_rnn_cells import check_parity, pack_states

DTYPES = [np.float64, np.float32]
LAYERS = {"RNN": 1, "LSTM": 2, "GRU": 1}  # name -> number of states


def make_pair(name, input_size, hidden_size, dtype, **options):
    """A torch layer and a microtensor layer with the same (torch-initialised) weights."""
    torch_layer = getattr(torch.nn, name)(input_size, hidden_size, **options)
    torch_layer = torch_layer.double() if dtype == np.float64 else torch_layer
    mt_dtype = mt.float64 if dtype == np.float64 else mt.float32
    mt_layer = getattr(nn, name)(input_size, hidden_size, dtype=mt_dtype, **options)
    state = {k: mt.tensor(v.numpy()) for k, v in torch_layer.state_dict().items()}
    mt_layer.load_state_dict(state)
    return mt_layer, torch_layer


def flatten(out):
    """(output, h_n) or (output, (h_n, c_n)) -> a flat tuple."""
    output, hidden = out
    return (output, *hidden) if isinstance(hidden, tuple) else (output, hidden)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(LAYERS))
@settings(max_examples=8)
@given(
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
    num_layers=st.integers(1, 2),
    batch_first=st.booleans(),
    bidirectional=st.booleans(),
    bias=st.booleans(),
    relu=st.booleans(),
    with_state=st.booleans(),
    batched=st.booleans(),
)
def test_layer_matches_torch(
    name, dtype, sizes, num_layers, batch_first, bidirectional, bias, relu, with_state, batched
):
    seq_len, batch, input_size, hidden_size = sizes
    options = {
        "num_layers": num_layers,
        "batch_first": batch_first,
        "bidirectional": bidirectional,
        "bias": bias,
    }
    if name == "RNN" and relu:
        options["nonlinearity"] = "relu"
    mt_layer, torch_layer = make_pair(name, input_size, hidden_size, dtype, **options)
    rng = np.random.default_rng(0)
    if not batched:
        shape = (seq_len, input_size)
    else:
        shape = (batch, seq_len, input_size) if batch_first else (seq_len, batch, input_size)
    x = rng.standard_normal(shape).astype(dtype)
    state_lead = (num_layers * (2 if bidirectional else 1),) + ((batch,) if batched else ())
    n_states = LAYERS[name] if with_state else 0
    states = [
        rng.standard_normal((*state_lead, hidden_size)).astype(dtype) for _ in range(n_states)
    ]
    check_parity(mt_layer, torch_layer, x, states, dtype, flatten)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_gradcheck(name):
    layer = getattr(nn, name)(2, 2, num_layers=2, bidirectional=True, dtype=mt.float64)
    rng = np.random.default_rng(0)
    states = [rng.standard_normal((4, 1, 2)) for _ in range(LAYERS[name])]

    def fn(x, *s):
        output, hidden = layer(x, *pack_states(list(s)))
        return output, *(hidden if isinstance(hidden, tuple) else (hidden,))

    check_gradients(fn, [rng.standard_normal((3, 1, 2)), *states], second=False)


@pytest.mark.parametrize("name", list(LAYERS))
def test_state_dict_keys_and_shapes_match_torch(name):
    options = {"num_layers": 2, "bidirectional": True}
    torch_sd = getattr(torch.nn, name)(3, 5, **options).state_dict()
    mt_sd = getattr(nn, name)(3, 5, **options).state_dict()
    assert list(mt_sd) == list(torch_sd)
    assert "weight_ih_l1_reverse" in mt_sd
    for key, value in torch_sd.items():
        assert tuple(mt_sd[key].shape) == tuple(value.shape), key
    no_bias = getattr(nn, name)(3, 5, bias=False).state_dict()
    assert list(no_bias) == ["weight_ih_l0", "weight_hh_l0"]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("LSTM", {"num_layers": 2, "batch_first": True}),
        ("LSTM", {"bias": False, "dropout": 0.5, "num_layers": 3, "bidirectional": True}),
        ("GRU", {}),
        ("RNN", {"nonlinearity": "relu"}),
    ],
)
def test_repr_matches_torch(name, options):
    assert repr(getattr(nn, name)(10, 20, **options)) == repr(
        getattr(torch.nn, name)(10, 20, **options)
    )
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == (
        "LSTM(10, 20, num_layers=2, batch_first=True)"
    )


def test_all_weights_groups_by_layer_and_direction():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    groups = lstm.all_weights
    assert len(groups) == 4 and all(len(g) == 4 for g in groups)
    assert groups[1][0] is lstm.weight_ih_l0_reverse
    assert tuple(groups[2][0].shape) == (16, 8)


def test_init_is_uniform_in_bound():
    mt.manual_seed(0)
    gru = nn.GRU(4, 25, num_layers=2)
    values = np.concatenate([p.detach().numpy().ravel() for p in gru.parameters()])
    assert np.all(np.abs(values) <= 0.2) and values.min() < -0.19 and values.max() > 0.19


@pytest.mark.parametrize("name", list(LAYERS))
def test_dropout_between_layers(name):
    rng = np.random.default_rng(0)
    mt_layer, torch_layer = make_pair(name, 3, 4, np.float64, num_layers=2, dropout=0.5)
    x = rng.standard_normal((5, 2, 3))
    mt_layer.eval()
    torch_layer.eval()
    assert_same(mt_layer(mt.tensor(x))[0], torch_layer(torch.tensor(x))[0])
    mt_layer.train()
    mt.manual_seed(0)
    first = mt_layer(mt.tensor(x))[0].detach().numpy()
    second = mt_layer(mt.tensor(x))[0].detach().numpy()
    evaluated = mt_layer.eval()(mt.tensor(x))[0].detach().numpy()
    assert not np.allclose(first, second) and not np.allclose(first, evaluated)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(3, 4, num_layers=2, dropout=0.5)


def test_dtype_follows_input_and_module():
    lstm = nn.LSTM(3, 4)
    output, (h_n, c_n) = lstm(mt.zeros(2, 3))
    assert output.dtype == h_n.dtype == c_n.dtype == mt.float32
    output, h_n = nn.GRU(3, 4).double()(mt.zeros(2, 1, 3, dtype=mt.float64))
    assert output.dtype == h_n.dtype == mt.float64
    assert tuple(output.shape) == (2, 1, 4) and tuple(h_n.shape) == (1, 1, 4)


@pytest.mark.parametrize("name", list(LAYERS))
def test_input_errors(name):
    layer = getattr(nn, name)(10, 20)
    with pytest.raises(ValueError, match=f"{name}: Expected input to be 2D or 3D, got 4D"):
        layer(mt.zeros(3, 2, 4, 10))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Exp"):
        layer(mt.zeros(3, 2, 7))
    with pytest.raises(RuntimeError, match="Expected 10, got 7"):
        layer(mt.zeros(3, 7))
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        layer(mt.zeros(0, 2, 10))
    with pytest.raises(TypeError, match="input must be a Tensor, got ndarray"):
        layer(np.zeros((3, 2, 10)))


@pytest.mark.parametrize("name", list(LAYERS))
def test_state_errors(name):
    layer = getattr(nn, name)(10, 20)
    n = LAYERS[name]
    which = "hidden\\[0\\]" if n == 2 else "hidden"
    with pytest.raises(RuntimeError, match=f"Expected {which} size \\(1, 2, 20\\), got \\[2, 2"):
        layer(mt.zeros(3, 2, 10), *pack_states([mt.zeros(2, 2, 20)] * n))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but"):
        layer(mt.zeros(3, 10), *pack_states([mt.zeros(1, 2, 20)] * n))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but"):
        layer(mt.zeros(3, 2, 10), *pack_states([mt.zeros(1, 20)] * n))
    with pytest.raises(RuntimeError, match=f"Expected {which} size \\(1, 20\\), got \\[1, 5\\]"):
        layer(mt.zeros(3, 10), *pack_states([mt.zeros(1, 5)] * n))


def test_lstm_second_state_is_checked():
    with pytest.raises(RuntimeError, match="Expected hidden\\[1\\] size \\(1, 2, 20\\), got"):
        nn.LSTM(10, 20)(mt.zeros(3, 2, 10), (mt.zeros(1, 2, 20), mt.zeros(2, 2, 20)))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"nonlinearity": "foo"}, "Unknown nonlinearity 'foo'. Select from 'tanh' or 'relu'."),
        ({"dropout": 2}, "dropout should be a number in range \\[0, 1\\]"),
        ({"num_layers": 0}, "num_layers must be greater than zero, got 0"),
    ],
)
def test_option_errors(options, message):
    with pytest.raises(ValueError, match=message):
        nn.RNN(10, 20, **options)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero, got 0"):
        nn.LSTM(10, 0)
