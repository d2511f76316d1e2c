"""Gradients through complex tensors equal torch's (z.grad = dL/dx + i dL/dy).

Each case runs the same function in microtensor and torch on complex128 inputs (and real ones
mixed in), with a random upstream gradient, and compares values and gradients; a numerical check
(finite differences on the real and imaginary parts apart) pins the convention itself.
"""

import numpy as np
import pytest
import torch

import microtensor as mt

RNG = np.random.default_rng(0)


def _c(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _r(*shape):
    return RNG.standard_normal(shape)


CASES = {
    "mul": (lambda L, a, b: a * b, [_c(3, 4), _c(4)]),
    "mul real": (lambda L, a, b: a * b, [_c(3, 4), _r(4)]),
    "mul number": (lambda L, a: (2 - 1j) * a * 3, [_c(3)]),
    "add sub neg": (lambda L, a, b: -(a + b) - 1j * a + 1, [_c(3), _r(3)]),
    "div": (lambda L, a, b: a / b, [_c(3, 4), _c(4)]),
    "rdiv": (lambda L, a: 1 / a, [_c(4)]),
    "pow 3": (lambda L, a: a**3, [_c(5)]),
    "pow 2.5": (lambda L, a: a**2.5, [_c(5)]),
    "pow tensor": (lambda L, a, b: a**b, [_c(5), _c(5)]),
    "matmul": (lambda L, a, b: a @ b, [_c(2, 3, 4), _c(4, 5)]),
    "matmul vector": (lambda L, a, b: a @ b, [_c(3, 4), _c(4)]),
    "mm": (lambda L, a, b: L.mm(a, b), [_c(3, 4), _c(4, 2)]),
    "bmm": (lambda L, a, b: L.bmm(a, b), [_c(2, 3, 4), _c(2, 4, 2)]),
    "dot": (lambda L, a, b: L.dot(a, b), [_c(4), _c(4)]),
    "outer": (lambda L, a, b: L.outer(a, b), [_c(4), _c(3)]),
    "einsum": (lambda L, a, b: L.einsum("bij,jk->bik", a, b), [_c(2, 3, 4), _c(4, 5)]),
    "sum mean": (lambda L, a: (a * 2).sum(0).mean(), [_c(3, 4)]),
    "shape": (lambda L, a: a.reshape(2, -1).t()[1:].flatten().unsqueeze(0).expand(2, -1), [_c(6)]),
    "cat stack": (lambda L, a, b: L.stack([L.cat([a, b]), L.cat([b, a])]), [_c(4), _c(4)]),
    "index": (lambda L, a: a[[0, 2, 2]] + a[1:].sum(), [_c(4)]),
    "cumsum flip roll": (lambda L, a: L.roll(L.flip(a.cumsum(0), [0]), 1), [_c(4)]),
    "type_as": (lambda L, a, b: a.type_as(b) * b, [_r(3), _c(3)]),
    "linear": (lambda L, x, w, b: L.nn.functional.linear(x, w, b), [_c(2, 4, 3), _c(5, 3), _c(5)]),
    "linear real input": (
        lambda L, x, w: L.nn.functional.linear(x.to(w.dtype), w),
        [_r(4, 3), _c(5, 3)],
    ),
}
for _name in [
    "exp",
    "log",
    "sqrt",
    "reciprocal",
    "square",
    "rsqrt",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "exp2",
]:
    CASES[_name] = (lambda L, a, name=_name: getattr(L, name)(a), [_c(5)])


def _run(lib, fn, arrays, grad):
    inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *inputs)
    grads = lib.autograd.grad(out, inputs, lib.tensor(grad))
    return out, grads


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_match_torch(name):
    fn, arrays = CASES[name]
    probe = fn(torch, *[torch.tensor(a) for a in arrays])
    grad = _c(*probe.shape) if probe.is_complex() else _r(*probe.shape)
    out, grads = _run(mt, fn, arrays, grad)
    t_out, t_grads = _run(torch, fn, arrays, grad)
    assert out.dtype.name == str(t_out.dtype).removeprefix("torch.")
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for g, tg, a in zip(grads, t_grads, arrays, strict=True):
        assert g.dtype.name == str(tg.dtype).removeprefix("torch.") == str(a.dtype)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-10, atol=1e-12)


def _real_loss(fn, arrays, weights):
    out = fn(mt, *[mt.tensor(a) for a in arrays]).numpy()
    return float(np.sum(out.real * weights.real + out.imag * weights.imag))


@pytest.mark.parametrize("name", ["mul", "div", "matmul", "exp", "pow 2.5", "mul real"])
def test_gradient_is_dl_dx_plus_i_dl_dy_numerically(name):
    fn, arrays = CASES[name]
    shape = fn(mt, *[mt.tensor(a) for a in arrays]).shape
    weights = _c(*shape)  # L = Re(sum(conj(w) * out)): the upstream gradient is w
    _, grads = _run(mt, fn, arrays, weights)
    eps = 1e-6
    for k, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for index in np.ndindex(a.shape):
            for step in [1.0, 1j] if np.iscomplexobj(a) else [1.0]:
                plus, minus = [x.copy() for x in arrays], [x.copy() for x in arrays]
                plus[k][index] += eps * step
                minus[k][index] -= eps * step
                slope = (_real_loss(fn, plus, weights) - _real_loss(fn, minus, weights)) / (2 * eps)
                numeric[index] += slope * step
        np.testing.assert_allclose(grads[k].numpy(), numeric, rtol=1e-6, atol=1e-7)


def test_complex64_gradients_stay_complex64():
    w = mt.tensor(_c(3).astype(np.complex64), requires_grad=True)
    x = mt.tensor(_r(3).astype(np.float32), requires_grad=True)
    with pytest.raises(
        RuntimeError, match="only for real scalar outputs but got microtensor.complex64"
    ):
        (w * x).sum().backward()
    (w * x).sum().backward(mt.tensor(1 + 0j))
    assert w.grad.dtype is mt.complex64 and x.grad.dtype is mt.float32
    np.testing.assert_allclose(x.grad.numpy(), w.detach().numpy().real, rtol=1e-6)
