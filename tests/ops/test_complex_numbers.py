"""complex, polar, view_as_real, view_as_complex, and abs/angle/sgn of complex tensors vs torch.

Gradients follow torch's convention (z.grad = dL/dx + i dL/dy for a real loss L): each op is
checked against torch.autograd.grad with a random complex upstream gradient, against finite
differences in complex128, and (where torch has them) in its second derivatives.
"""

import re

import numpy as np
import pytest
import torch

import microtensor as mt

RNG_SEED = 20261204


def _complex_values(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    return np.asarray(rng.standard_normal(shape) + 1j * rng.standard_normal(shape), dtype)


def _real_values(shape, dtype, seed, positive=False):
    values = np.random.default_rng(seed).standard_normal(shape)
    return np.asarray(np.abs(values) + 0.1 if positive else values, dtype)


def _torch(array, requires_grad=False):
    """A torch tensor of ``array``, with torch's own strides (an empty NumPy array's are 0)."""
    t = torch.empty(array.shape, dtype=torch.tensor(np.zeros(1, array.dtype)).dtype)
    return t.copy_(torch.from_numpy(array)).requires_grad_(requires_grad)


def _leaves(arrays):
    """The same values as microtensor and torch leaves that require grad."""
    ours = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [_torch(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _upstream(out_numpy, seed):
    """A random upstream gradient of the output's dtype (complex for a complex output)."""
    shape, dtype = out_numpy.shape, out_numpy.dtype
    if dtype.kind == "c":
        return _complex_values(shape, dtype, seed)
    return _real_values(shape, dtype, seed)


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if np.dtype(dtype).itemsize <= 8 else {"rtol": 1e-12}


# input makers (shape, float dtype, seed) -> array: complex of that precision, real, pairs
def _c(shape, dtype, seed):
    return _complex_values(shape, _cdtype(dtype), seed)


def _cdtype(dtype):
    return np.complex128 if np.dtype(dtype) == np.float64 else np.complex64


def _r(shape, dtype, seed):
    return _real_values(shape, dtype, seed)


def _positive(shape, dtype, seed):
    return _real_values(shape, dtype, seed, positive=True)


def _pairs(shape, dtype, seed):
    return _real_values((*shape, 2), dtype, seed)


# name: microtensor function, torch function, input makers
OPS = {
    "abs": (mt.abs, torch.abs, [_c]),
    "angle": (mt.angle, torch.angle, [_c]),
    "sgn": (mt.sgn, torch.sgn, [_c]),
    "conj": (mt.conj, torch.conj, [_c]),
    "conj_physical": (mt.conj_physical, torch.conj_physical, [_c]),
    "real": (mt.real, torch.real, [_c]),
    "imag": (mt.imag, torch.imag, [_c]),
    "view_as_real": (mt.view_as_real, torch.view_as_real, [_c]),
    "view_as_complex": (mt.view_as_complex, torch.view_as_complex, [_pairs]),
    "complex": (mt.complex, torch.complex, [_r, _r]),
    # torch's polar gradient takes sgn(z), not exp(i angle): wrong for abs < 0, tested apart
    "polar": (mt.polar, torch.polar, [_positive, _r]),
}
SECOND_ORDER = ["abs", "angle", "sgn", "polar"]  # the others are linear: no second derivative


def _inputs(name, shape, dtype):
    makers = OPS[name][2]
    return [make(shape, dtype, RNG_SEED + i) for i, make in enumerate(makers)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_values_and_dtypes_match_torch(name, dtype):
    ours, theirs = OPS[name][:2]
    for shape in [(3, 4), (), (0,), (2, 1, 3)]:
        arrays = _inputs(name, shape, dtype)
        got = ours(*[mt.tensor(a) for a in arrays])
        want = theirs(*[_torch(a) for a in arrays]).resolve_conj().resolve_neg()
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), **_tol(got._data.dtype))


def test_sgn_and_angle_at_zero_and_on_axes_match_torch():
    values = np.array([0j, 3 + 4j, -1 + 0j, complex(-1, -0.0), -2j, complex(0, -0.0)])
    for dtype in (np.complex64, np.complex128):
        z, tz = mt.tensor(values.astype(dtype)), torch.tensor(values.astype(dtype))
        for op in ("sgn", "angle", "abs"):
            got, want = getattr(mt, op)(z).numpy(), getattr(torch, op)(tz).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)
            assert np.array_equal(np.signbit(got.real), np.signbit(want.real)), op


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(OPS))
def test_gradients_match_torch_for_a_random_upstream_gradient(name, dtype):
    ours, theirs = OPS[name][:2]
    arrays = _inputs(name, (3, 4), dtype)
    (xs, txs) = _leaves(arrays)
    out, tout = ours(*xs), theirs(*txs)
    v = _upstream(tout.detach().resolve_conj().resolve_neg().numpy(), RNG_SEED + 7)
    grads = mt.autograd.grad(out, xs, grad_outputs=mt.tensor(v))
    want = torch.autograd.grad(tout, txs, grad_outputs=torch.tensor(v))
    for g, w, a in zip(grads, want, arrays, strict=True):
        assert g.dtype == mt.tensor(a).dtype
        np.testing.assert_allclose(g.numpy(), w.resolve_conj().numpy(), **_tol(a.dtype))


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_torch(name):
    ours, theirs = OPS[name][:2]
    arrays = _inputs(name, (2, 3), np.float64)
    xs, txs = _leaves(arrays)
    out, tout = ours(*xs), theirs(*txs)
    v = _upstream(tout.detach().numpy(), RNG_SEED + 11)
    grads = mt.autograd.grad(out, xs, grad_outputs=mt.tensor(v), create_graph=True)
    tgrads = torch.autograd.grad(tout, txs, grad_outputs=torch.tensor(v), create_graph=True)
    w = [_upstream(g.detach().numpy(), RNG_SEED + 13 + i) for i, g in enumerate(tgrads)]
    second = mt.autograd.grad(grads, xs, grad_outputs=[mt.tensor(a) for a in w])
    tsecond = torch.autograd.grad(tgrads, txs, grad_outputs=[torch.tensor(a) for a in w])
    for g, t in zip(second, tsecond, strict=True):
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_second_derivative_of_a_composite_of_the_complex_ops_matches_torch():
    def loss(m, z):
        parts = m.real(z) ** 2 * m.imag(z) + m.abs(m.conj(z)) ** 3
        return (parts + m.angle(z) * m.real(m.sgn(z)) + m.view_as_real(z * z).sum(-1)).sum()

    data = _complex_values((3,), np.complex128, RNG_SEED + 19)
    w = _complex_values((3,), np.complex128, RNG_SEED + 23)
    results = []
    for m in (mt, torch):
        z = m.tensor(data, requires_grad=True)
        (g,) = m.autograd.grad(loss(m, z), z, create_graph=True)
        (h,) = m.autograd.grad(g, z, grad_outputs=m.tensor(w))
        results.append((g.detach().numpy(), h.numpy()))
    (g, h), (tg, th) = results
    np.testing.assert_allclose(g, tg, rtol=1e-12)
    np.testing.assert_allclose(h, th, rtol=1e-11)


def _numerical_grads(fn, arrays, v, eps=1e-6):
    """dL/dx + i dL/dy by central differences, for L = Re(sum(out * conj(v)))."""

    def loss(values):
        out = fn(*[mt.tensor(a) for a in values]).numpy()
        return np.real(np.sum(out * np.conj(v)))

    grads = []
    for k, a in enumerate(arrays):
        grad = np.zeros_like(a)
        directions = (1.0, 1j) if a.dtype.kind == "c" else (1.0,)
        for idx in np.ndindex(a.shape):
            for direction in directions:
                shifted = [b.copy() for b in arrays]
                shifted[k][idx] += eps * direction
                up = loss(shifted)
                shifted[k][idx] -= 2 * eps * direction
                grad[idx] += direction * (up - loss(shifted)) / (2 * eps)
        grads.append(grad)
    return grads


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradients_match_finite_differences_in_complex128(name):
    ours = OPS[name][0]
    arrays = _inputs(name, (2, 2), np.float64)
    xs = [mt.tensor(a, requires_grad=True) for a in arrays]
    out = ours(*xs)
    v = _upstream(out.detach().numpy(), RNG_SEED + 17)
    grads = mt.autograd.grad(out, xs, grad_outputs=mt.tensor(v))
    for g, n in zip(grads, _numerical_grads(ours, arrays, v), strict=True):
        np.testing.assert_allclose(g.numpy(), n, rtol=1e-6, atol=1e-8)


def test_view_as_real_and_view_as_complex_are_views_that_write_through():
    z = mt.tensor([1 + 2j, 3 - 4j])
    pairs = mt.view_as_real(z)
    assert pairs.dtype == mt.float32 and pairs.shape == (2, 2) and pairs.stride() == (2, 1)
    pairs[1, 1] = 7.0
    assert z.tolist() == [1 + 2j, 3 + 7j]
    x = mt.zeros(3, 2, dtype=mt.float64)
    c = mt.view_as_complex(x)
    assert c.dtype == mt.complex128 and c.shape == (3,)
    c[0] = 1 + 2j
    assert x.tolist() == [[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]]
    assert mt.view_as_real(mt.tensor(1 + 1j, dtype=mt.cdouble)).shape == (2,)
    assert mt.view_as_complex(mt.tensor([1.0, 2.0])).shape == ()
    transposed, ttransposed = mt.zeros(3, 4, dtype=mt.cdouble).T, torch.zeros(3, 4).cdouble().T
    assert mt.view_as_real(transposed).stride() == torch.view_as_real(ttransposed).stride()
    sliced = mt.view_as_complex(mt.zeros(3, 5, 2)[:, 1:4])
    assert sliced.stride() == torch.view_as_complex(torch.zeros(3, 5, 2)[:, 1:4]).stride()


def test_view_as_complex_errors_match_torch():
    cases = [
        lambda m: m.zeros(3, 2, dtype=m.int32),
        lambda m: m.zeros(()),
        lambda m: m.zeros(3, 3),
        lambda m: m.zeros(2, 3).T,
        lambda m: m.zeros(3, 4)[:, 1:3][:, ::1].reshape(3, 2)[:, :],
        lambda m: m.zeros(4, 3)[:, 1:],
        lambda m: m.zeros(7)[1:].reshape(3, 2),
    ]
    for make in cases:
        with pytest.raises(RuntimeError) as theirs:
            torch.view_as_complex(make(torch))
        with pytest.raises(RuntimeError, match=re.escape(str(theirs.value))):
            mt.view_as_complex(make(mt))
    with pytest.raises(TypeError, match=r"view_as_complex\(\): argument 'input'"):
        mt.view_as_complex([1.0, 2.0])
    with pytest.raises(RuntimeError, match="microtensor does not have"):
        mt.view_as_complex(mt.zeros(3, 2, dtype=mt.float16))


def test_view_as_real_errors_match_torch():
    for m in (mt, torch):
        with pytest.raises(RuntimeError, match="view_as_real is only supported for complex"):
            m.view_as_real(m.zeros(3))
    with pytest.raises(TypeError, match=r"view_as_real\(\): argument 'input'"):
        mt.view_as_real(1j)


@pytest.mark.parametrize("fn", ["complex", "polar"])
def test_complex_and_polar_dtype_errors_match_torch(fn):
    cases = [
        lambda m: (m.ones(2, dtype=m.int64), m.ones(2)),
        lambda m: (m.ones(2), m.ones(2, dtype=m.int64)),
        lambda m: (m.ones(2, dtype=m.bool), m.ones(2, dtype=m.bool)),
        lambda m: (m.ones(2, dtype=m.float64), m.ones(2)),
        lambda m: (m.ones(2, dtype=m.cfloat), m.ones(2, dtype=m.cfloat)),
        lambda m: (m.ones(2, dtype=m.bfloat16), m.ones(2, dtype=m.bfloat16)),
        lambda m: (m.ones(2), m.ones(3)),
    ]
    for make in cases:
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch, fn)(*make(torch))
        with pytest.raises(RuntimeError, match=re.escape(str(theirs.value))):
            getattr(mt, fn)(*make(mt))
    with pytest.raises(TypeError, match=rf"{fn}\(\): argument '\w+' \(position 2\) must be Tensor"):
        getattr(mt, fn)(mt.ones(2), 1.0)
    with pytest.raises(RuntimeError, match="complex32"):
        getattr(mt, fn)(mt.ones(2, dtype=mt.float16), mt.ones(2, dtype=mt.float16))


def test_complex_and_polar_broadcast_as_torch():
    a, b = _real_values((2, 1), np.float32, 1), _real_values((3,), np.float32, 2)
    for fn in ("complex", "polar"):
        got = getattr(mt, fn)(mt.tensor(a), mt.tensor(b))
        want = getattr(torch, fn)(torch.tensor(a), torch.tensor(b))
        assert got.shape == (2, 3) and got.dtype == mt.complex64
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
        xs, txs = _leaves([a, b])
        v = _complex_values((2, 3), np.complex64, 3)
        grads = mt.autograd.grad(getattr(mt, fn)(*xs), xs, grad_outputs=mt.tensor(v))
        tfn = getattr(torch, fn)
        want_grads = torch.autograd.grad(tfn(*txs), txs, grad_outputs=torch.tensor(v))
        for g, w in zip(grads, want_grads, strict=True):
            assert g.shape == w.shape
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-5, atol=1e-6)


def test_polar_gradient_of_abs_is_zero_where_abs_is_zero_as_torch():
    abs_, angle = np.array([0.0, 2.0, -1.0]), np.array([0.5, -1.0, 2.0])
    xs, txs = _leaves([abs_, angle])
    v = _complex_values((3,), np.complex128, 5)
    grads = mt.autograd.grad(mt.polar(*xs), xs, grad_outputs=mt.tensor(v))
    want = torch.autograd.grad(torch.polar(*txs), txs, grad_outputs=torch.tensor(v))
    assert grads[0].tolist()[0] == 0.0 == want[0].tolist()[0]
    for g, w in zip(grads, want, strict=True):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


def test_graph_node_names_match_torch():
    z = mt.tensor([1 + 1j], requires_grad=True)
    tz = torch.tensor([1 + 1j], requires_grad=True)
    x, tx = mt.ones(2, 2, requires_grad=True), torch.ones(2, 2, requires_grad=True)
    for ours, theirs in [
        (mt.view_as_real(z), torch.view_as_real(tz)),
        (mt.view_as_complex(x), torch.view_as_complex(tx)),
        (mt.polar(x[0], x[1]), torch.polar(tx[0], tx[1])),
        (mt.complex(x[0], x[1]), torch.complex(tx[0], tx[1])),
        (z.abs(), tz.abs()),
        (z.angle(), tz.angle()),
        (z.sgn(), tz.sgn()),
        (z.conj(), tz.conj()),
        (z.conj_physical(), tz.conj_physical()),
        (z.real, tz.real),
        (z.imag, tz.imag),
    ]:
        assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__


def test_sign_of_complex_raises_as_torch():
    for m in (mt, torch):
        with pytest.raises(NotImplementedError, match="Please use torch.sgn instead"):
            m.sign(m.tensor([1j]))


def test_rotary_embedding_as_llama_writes_it_matches_torch():
    def rotary(m, x):
        dim, end = x.shape[-1], x.shape[1]
        freqs = 1.0 / (10000.0 ** (m.arange(0, dim, 2)[: dim // 2].float() / dim))
        freqs = m.outer(m.arange(end).float(), freqs)
        freqs_cis = m.polar(m.ones_like(freqs), freqs)
        x_ = m.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
        out = m.view_as_real(x_ * freqs_cis[None, :, None, :]).flatten(3).type_as(x)
        return out

    values = _real_values((2, 6, 2, 8), np.float64, 21)
    weights = _real_values((2, 6, 2, 8), np.float64, 22)
    x, tx = mt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    out, tout = rotary(mt, x), rotary(torch, tx)
    assert out.dtype == mt.float64
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-6)
    (out * mt.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["complex", "polar"])
def test_out_argument_of_complex_and_polar_as_torch(fn):
    a, b = _positive((3,), np.float32, 1), _real_values((3,), np.float32, 2)
    for m in (mt, torch):
        out = m.empty(3, dtype=m.cfloat)
        assert getattr(m, fn)(m.tensor(a), m.tensor(b), out=out) is out
    want = getattr(torch, fn)(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-6)
    message = "Expected object of scalar type ComplexFloat but got scalar type ComplexDouble for"
    for m in (mt, torch):
        with pytest.raises(RuntimeError, match=message):
            getattr(m, fn)(m.tensor(a), m.tensor(b), out=m.empty(3, dtype=m.cdouble))


def test_in_place_abs_of_a_complex_tensor_raises_as_torch():
    for m in (mt, torch):
        for call in (m.Tensor.abs_, m.Tensor.absolute_, m.abs_):
            z = m.tensor([3 + 4j])
            with pytest.raises(RuntimeError, match="In-place abs is not supported for complex"):
                call(z)
            assert z.tolist() == [3 + 4j]
        z = m.tensor([3 + 4j])
        assert z.sgn_() is z and np.allclose(z.tolist(), [0.6 + 0.8j])
