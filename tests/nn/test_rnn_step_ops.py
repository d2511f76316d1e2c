"""The fused recurrent steps (nn/_functional/_rnn_step_ops.py) against the compositions they
replace and against torch: values, gradients, gradcheck and gradgradcheck."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn, ops
from microtensor.nn._functional._rnn_step_ops import GruStep, LstmStep, RnnStep
from tests.helpers import assert_same, check_gradients

B, H, P = 3, 4, 2  # batch, hidden size, the recurrent input's size (a projection's)


# --- the compositions the ops replace, written with ordinary recorded ops --------------------


def rnn_composed(x_proj, h, w_hh, nonlinearity):
    pre = x_proj + h @ w_hh.T
    return ops.tanh(pre) if nonlinearity == "tanh" else ops.relu(pre)


def lstm_composed(x_proj, h, c, w_hh):
    i, f, g, o = ops.chunk(x_proj + h @ w_hh.T, 4, -1)
    new_c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(new_c), new_c


def gru_composed(x_proj, h, w_hh, b_hh):
    q = h @ w_hh.T if b_hh is None else h @ w_hh.T + b_hh
    x_r, x_z, x_n = ops.chunk(x_proj, 3, -1)
    q_r, q_z, q_n = ops.chunk(q, 3, -1)
    r, z = ops.sigmoid(x_r + q_r), ops.sigmoid(x_z + q_z)
    n = ops.tanh(x_n + r * q_n)
    return n + z * (h - n)


def _cases(rng, dtype=np.float64):
    """(name, fused fn, composed fn, input arrays) for each op and option."""
    x4, x3, x1 = (rng.standard_normal((B, k * H)) * 2 for k in (4, 3, 1))
    h_p, h, c = (
        rng.standard_normal((B, P)),
        rng.standard_normal((B, H)),
        rng.standard_normal((B, H)),
    )
    w4, w3, w1 = (rng.standard_normal((k * H, s)) for k, s in ((4, P), (3, H), (1, H)))
    b3 = rng.standard_normal(3 * H)
    cases = [
        (
            "rnn_tanh",
            lambda *a: RnnStep.apply(*a, "tanh", None),
            lambda *a: rnn_composed(*a, "tanh"),
            [x1, h, w1],
        ),
        (
            "rnn_relu",
            lambda *a: RnnStep.apply(*a, "relu", None),
            lambda *a: rnn_composed(*a, "relu"),
            [x1, h, w1],
        ),
        ("lstm", lambda *a: LstmStep.apply(*a, None), lstm_composed, [x4, h_p, c, w4]),
        ("gru", lambda *a: GruStep.apply(*a, None), gru_composed, [x3, h, w3, b3]),
        (
            "gru_no_bias",
            lambda *a: GruStep.apply(*a, None, None),
            lambda *a: gru_composed(*a, None),
            [x3, h, w3],
        ),
    ]
    return [(name, f, g, [a.astype(dtype) for a in arrays]) for name, f, g, arrays in cases]


CASE_NAMES = [case[0] for case in _cases(np.random.default_rng(0))]


def _run(fn, arrays, upstream_rng):
    """Outputs and the input gradients for a random upstream gradient."""
    inputs = [mt.tensor(a, requires_grad=True) for a in arrays]
    outs = fn(*inputs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    upstream = [
        mt.tensor(upstream_rng.standard_normal(o.shape).astype(a.dtype))
        for o, a in zip(outs, arrays, strict=False)
    ]
    grads = mt.autograd.grad(list(outs), inputs, upstream)
    return outs, grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", CASE_NAMES)
def test_fused_step_matches_composition(name, dtype):
    (_, fused, composed, arrays) = next(
        c for c in _cases(np.random.default_rng(0), dtype) if c[0] == name
    )
    outs, grads = _run(fused, arrays, np.random.default_rng(1))
    ref_outs, ref_grads = _run(composed, arrays, np.random.default_rng(1))
    for i, (a, e) in enumerate(zip(outs, ref_outs, strict=True)):
        assert_same(a, e, what=f"{name} output {i}")
    for i, (a, e) in enumerate(zip(grads, ref_grads, strict=True)):
        assert_same(a, e, what=f"{name} grad {i}")
    assert outs[0].grad_fn.name().endswith("StepBackward0")  # one node, not the composition


@pytest.mark.parametrize("name", CASE_NAMES)
def test_fused_step_gradcheck_and_gradgradcheck(name):
    (_, fused, _, arrays) = next(c for c in _cases(np.random.default_rng(2)) if c[0] == name)
    if name == "rnn_relu":  # keep pre-activations away from relu's kink
        arrays[0] = arrays[0] + np.sign(arrays[0]) * 3
    check_gradients(fused, arrays)


def test_lstm_step_with_projection_is_the_op_then_linear():
    rng = np.random.default_rng(3)
    cell = nn.LSTM(2, H, proj_size=P, dtype=mt.float64)
    x = mt.tensor(rng.standard_normal((5, B, 2)), requires_grad=True)
    output, (h_n, c_n) = cell(x)
    assert output.shape == (5, B, P) and h_n.shape == (1, B, P) and c_n.shape == (1, B, H)
    check_gradients(lambda inp: cell(inp)[0], [rng.standard_normal((3, 1, 2))])


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_layer_double_backward_matches_torch(name):
    """Second derivatives through a whole sequence layer equal torch's (CPU double backward)."""
    torch.manual_seed(0)
    torch_layer = getattr(torch.nn, name)(3, 4, batch_first=True).double()
    mt_layer = getattr(nn, name)(3, 4, batch_first=True, dtype=mt.float64)
    mt_layer.load_state_dict({k: mt.tensor(v.numpy()) for k, v in torch_layer.state_dict().items()})
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 3))
    upstream = rng.standard_normal((2, 5, 4))
    results = []
    for lib, layer in ((mt, mt_layer), (torch, torch_layer)):
        xt = lib.tensor(x, requires_grad=True)
        out = layer(xt)[0]
        (grad_x,) = lib.autograd.grad((out * lib.tensor(upstream)).sum(), xt, create_graph=True)
        weight = layer.weight_hh_l0
        (second,) = lib.autograd.grad((grad_x * grad_x).sum(), weight)
        results.append((grad_x, second))
    assert_same(results[0][0], results[1][0], what="first derivative")
    assert_same(results[0][1], results[1][1], what="second derivative")


def test_saturated_gates_stay_finite():
    """Large pre-activations: sigmoid's exp overflows to inf and gives exactly 0, no warning."""
    x_proj = mt.tensor(np.full((1, 4 * H), -1e4, dtype=np.float32), requires_grad=True)
    h, c = mt.zeros(1, P), mt.ones(1, H)
    w = mt.zeros(4 * H, P)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new_h, new_c = LstmStep.apply(x_proj, h, c, w, None)
        (new_h.sum() + new_c.sum()).backward()
    assert np.array_equal(new_h.detach().numpy(), np.zeros((1, H), np.float32))
    assert np.array_equal(new_c.detach().numpy(), np.zeros((1, H), np.float32))  # f = 0 forgets
    assert np.all(np.isfinite(x_proj.grad.numpy()))


def test_transposed_weight_argument_gives_the_same_step():
    """The layers pass W.T as a contiguous constant for speed; results and gradients agree."""
    rng = np.random.default_rng(5)
    x_proj, h, c = (
        rng.standard_normal((B, 4 * H)),
        rng.standard_normal((B, P)),
        rng.standard_normal((B, H)),
    )
    w = rng.standard_normal((4 * H, P))
    w_t = np.ascontiguousarray(w.T)
    plain = _run(lambda *a: LstmStep.apply(*a, None), [x_proj, h, c, w], np.random.default_rng(6))
    fast = _run(lambda *a: LstmStep.apply(*a, w_t), [x_proj, h, c, w], np.random.default_rng(6))
    for a, e in zip(plain[0] + plain[1], fast[0] + fast[1], strict=True):
        assert_same(a, e)
