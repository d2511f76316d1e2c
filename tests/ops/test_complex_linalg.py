"""Complex linear algebra against torch: eig/eigvals/eigh, inv, det, slogdet, solve and norms.

Values, gradients for a random (complex) upstream gradient, second derivatives, and finite
differences in complex128 (torch's convention: z.grad = dL/dx + i dL/dy for z = x + iy).
"""

import math

import numpy as np
import pytest
import torch

import microtensor as mt

TOL = {
    np.dtype(np.float32): 1e-5,
    np.dtype(np.complex64): 1e-5,
    np.dtype(np.float64): 1e-10,
    np.dtype(np.complex128): 1e-10,
}


def _matrices(rng, shape, dtype):
    """Random matrices of ``dtype``, complex ones with random imaginary parts."""
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _close(mine, theirs, tol, what):
    mine = mine.detach().numpy() if isinstance(mine, mt.Tensor) else mine
    if isinstance(theirs, torch.Tensor):
        theirs = theirs.detach().resolve_conj().numpy()
    assert mine.dtype == theirs.dtype, f"{what}: dtype {mine.dtype} != torch's {theirs.dtype}"
    assert mine.shape == theirs.shape, f"{what}: shape {mine.shape} != torch's {theirs.shape}"
    np.testing.assert_allclose(mine, theirs, rtol=tol, atol=tol, err_msg=what)


def _as_tuple(out):
    return tuple(out) if isinstance(out, tuple | list) else (out,)


def compare(mt_fn, torch_fn, arrays, *, grad=True, second=True, tol=None, seed=0):
    """Outputs, gradients (random upstream) and, if ``second``, second derivatives vs torch."""
    rng = np.random.default_rng(seed)
    tol = tol or TOL[arrays[0].dtype]
    mt_in = [mt.tensor(a, requires_grad=True) for a in arrays]
    torch_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    mine, theirs = _as_tuple(mt_fn(*mt_in)), _as_tuple(torch_fn(*torch_in))
    for i, (m, t) in enumerate(zip(mine, theirs, strict=True)):
        _close(m, t, tol, f"output {i}")
    if not grad:
        return
    upstream = [
        _matrices(rng, tuple(t.shape), t.detach().resolve_conj().numpy().dtype) for t in theirs
    ]
    grads_mt = mt.autograd.grad(
        list(mine), mt_in, [mt.tensor(u) for u in upstream], create_graph=second
    )
    grads_torch = torch.autograd.grad(
        list(theirs), torch_in, [torch.tensor(u) for u in upstream], create_graph=second
    )
    for i, (m, t) in enumerate(zip(grads_mt, grads_torch, strict=True)):
        _close(m, t, tol * 10, f"grad of input {i}")
    if not second:
        return
    weights = [_matrices(rng, a.shape, a.dtype) for a in arrays]
    loss_mt = sum((g * mt.tensor(w)).real.sum() for g, w in zip(grads_mt, weights, strict=True))
    loss_torch = sum(
        (g * torch.tensor(w)).real.sum() for g, w in zip(grads_torch, weights, strict=True)
    )
    second_mt = mt.autograd.grad(loss_mt, mt_in)
    second_torch = torch.autograd.grad(loss_torch, torch_in)
    for i, (m, t) in enumerate(zip(second_mt, second_torch, strict=True)):
        _close(m, t, tol * 100, f"second derivative of input {i}")


def check_finite_differences(loss_fn, a, eps=1e-6, tol=1e-6):
    """z.grad against central differences of the real loss in each real and imaginary part."""
    z = mt.tensor(a, requires_grad=True)
    loss_fn(z).backward()
    numeric = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        for unit in (1.0, 1j):
            step = np.zeros_like(a)
            step[index] = eps * unit
            up = loss_fn(mt.tensor(a + step)).item()
            down = loss_fn(mt.tensor(a - step)).item()
            numeric[index] += unit * (up - down) / (2 * eps)
    np.testing.assert_allclose(z.grad.numpy(), numeric, rtol=tol, atol=tol)


# --- eig, eigvals, eigh ----------------------------------------------------------------------


def _phase_free(values, vectors):
    """A loss of eig's outputs invariant to each eigenvector's phase, as torch requires."""
    return values.real, values.imag, vectors.abs()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_eig_is_complex_and_matches_torch(dtype):
    a = _matrices(np.random.default_rng(1), (2, 4, 4), dtype)
    values, vectors = mt.linalg.eig(mt.tensor(a))
    expected_values, expected_vectors = torch.linalg.eig(torch.tensor(a))
    tol = TOL[np.dtype(dtype)]
    _close(values, expected_values, tol, "eigenvalues")
    mine = vectors.numpy()
    # LAPACK's normalisation: norm 1 and the largest entry real; its sign (phase) is free,
    # and PyTorch's MKL may pick another than NumPy's OpenBLAS, so take torch's phases
    np.testing.assert_allclose(np.linalg.norm(mine, axis=-2), 1.0, rtol=tol)
    largest = np.take_along_axis(mine, np.abs(mine).argmax(-2)[..., None, :], -2)
    np.testing.assert_array_equal(largest.imag, 0.0)
    inner = np.sum(np.conj(mine) * expected_vectors.numpy(), axis=-2, keepdims=True)
    _close(mine * (inner / np.abs(inner)).astype(mine.dtype), expected_vectors, tol, "vectors")
    _close(mt.linalg.eigvals(mt.tensor(a)), expected_values, tol, "eigvals")


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.complex64])
def test_eig_gradients_match_torch(dtype):
    a = _matrices(np.random.default_rng(2), (2, 3, 3), dtype)
    compare(
        lambda x: _phase_free(*mt.linalg.eig(x)),
        lambda x: _phase_free(*torch.linalg.eig(x)),
        [a],
        second=dtype != np.complex64,
        tol=1e-4 if dtype == np.complex64 else None,
    )


def test_eig_of_float32_gradient_matches_torch():
    a = _matrices(np.random.default_rng(6), (3, 3), np.float32)
    assert np.iscomplex(np.linalg.eigvals(a)).sum() == 2  # a conjugate pair and a real one
    compare(
        lambda x: _phase_free(*mt.linalg.eig(x)),
        lambda x: _phase_free(*torch.linalg.eig(x)),
        [a],
        second=False,
        tol=1e-4,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eigvals_gradients_match_torch(dtype):
    a = _matrices(np.random.default_rng(4), (2, 3, 3), dtype)
    compare(mt.linalg.eigvals, torch.linalg.eigvals, [a])
    x = mt.tensor(a, requires_grad=True)
    assert type(mt.linalg.eigvals(x).grad_fn).__name__ == "LinalgEigBackward0"


def test_eig_finite_differences():
    a = _matrices(np.random.default_rng(5), (3, 3), np.complex128)
    weights = _matrices(np.random.default_rng(6), (3, 3), np.float64)

    def loss(x):
        values, vectors = mt.linalg.eig(x)
        return (values * values).imag.sum() + (vectors.abs() * mt.tensor(weights)).sum()

    check_finite_differences(loss, a)


def test_eig_phase_dependent_loss_raises_as_torch():
    a = _matrices(np.random.default_rng(7), (3, 3), np.complex128)
    x, t = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    message = r"linalg_eig_backward: The eigenvectors in the complex case are specified up to"
    with pytest.raises(RuntimeError, match=message):
        torch.linalg.eig(t)[1].sum().real.backward()
    with pytest.raises(RuntimeError, match=message):
        mt.linalg.eig(x)[1].sum().real.backward()
    h = a + a.conj().T
    x, t = mt.tensor(h, requires_grad=True), torch.tensor(h, requires_grad=True)
    message = message.replace("eig_", "eigh_")
    with pytest.raises(RuntimeError, match=message):
        torch.linalg.eigh(t)[1].sum().real.backward()
    with pytest.raises(RuntimeError, match=message):
        mt.linalg.eigh(x)[1].sum().real.backward()


def test_eigh_of_hermitian_matrices_matches_torch():
    a = _matrices(np.random.default_rng(8), (2, 3, 3), np.complex128)
    h = a + np.conj(np.swapaxes(a, -1, -2))
    compare(
        lambda x: (lambda w, v: (w, v.abs()))(*mt.linalg.eigh(x)),
        lambda x: (lambda w, v: (w, v.abs()))(*torch.linalg.eigh(x)),
        [h],
    )
    compare(mt.linalg.eigvalsh, torch.linalg.eigvalsh, [h])


def test_eig_errors_as_torch():
    with pytest.raises(RuntimeError, match=r"linalg.eig: input tensor should not contain infs"):
        mt.linalg.eig(mt.tensor([[1j, float("nan")], [0j, 1j]]))
    with pytest.raises(RuntimeError, match=r"linalg.eigvals: A must be batches of square"):
        mt.linalg.eigvals(mt.ones(2, 3, dtype=mt.complex64))
    assert not hasattr(mt.Tensor, "eig")  # torch's Tensor.eig only raises that it was removed


# --- inv, det, slogdet, solve -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", ["inv", "det", "slogdet"])
def test_inverse_and_determinants_match_torch(name, dtype):
    a = _matrices(np.random.default_rng(9), (2, 3, 3), dtype)
    compare(
        lambda x: _as_tuple(getattr(mt.linalg, name)(x)),
        lambda x: _as_tuple(getattr(torch.linalg, name)(x)),
        [a],
        second=dtype == np.complex128,
        tol=1e-4 if dtype == np.complex64 else None,
    )


@pytest.mark.parametrize("rhs", [(2, 3, 2), (3,)])
def test_solve_matches_torch(rhs):
    rng = np.random.default_rng(10)
    a, b = _matrices(rng, (2, 3, 3), np.complex128), _matrices(rng, rhs, np.complex128)
    compare(mt.linalg.solve, torch.linalg.solve, [a, b])


@pytest.mark.parametrize("upper", [True, False])
def test_solve_triangular_matches_torch(upper):
    rng = np.random.default_rng(21)
    a, b = _matrices(rng, (2, 3, 3), np.complex128), _matrices(rng, (2, 3, 2), np.complex128)
    compare(
        lambda x, y: mt.linalg.solve_triangular(x, y, upper=upper),
        lambda x, y: torch.linalg.solve_triangular(x, y, upper=upper),
        [a + 3 * np.eye(3), b],
    )


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_pinv_matches_torch(shape):
    a = _matrices(np.random.default_rng(22), (2,) + shape, np.complex128)
    compare(mt.linalg.pinv, torch.linalg.pinv, [a])
    h = a[..., :2, :2] + np.conj(np.swapaxes(a[..., :2, :2], -1, -2))
    compare(
        lambda x: mt.linalg.pinv(x, hermitian=True),
        lambda x: torch.linalg.pinv(x, hermitian=True),
        [h],
    )


def test_solve_left_false_matches_torch():
    rng = np.random.default_rng(11)
    a, b = _matrices(rng, (3, 3), np.complex128), _matrices(rng, (2, 3), np.complex128)
    compare(
        lambda x, y: mt.linalg.solve(x, y, left=False),
        lambda x, y: torch.linalg.solve(x, y, left=False),
        [a, b],
    )


@pytest.mark.parametrize("name", ["inv", "det", "slogdet"])
def test_inverse_and_determinants_finite_differences(name):
    rng = np.random.default_rng(12)
    a = _matrices(rng, (3, 3), np.complex128)
    fn = getattr(mt.linalg, name)
    weights = [
        mt.tensor(_matrices(rng, o.shape, np.complex128)) for o in _as_tuple(fn(mt.tensor(a)))
    ]

    def loss(x):
        return sum((o * w).real.sum() for o, w in zip(_as_tuple(fn(x)), weights, strict=True))

    check_finite_differences(loss, a)


def test_logdet_of_complex_matches_torch():
    a = _matrices(np.random.default_rng(20), (2, 3, 3), np.complex128)
    compare(mt.logdet, torch.logdet, [a])


def test_inv_ex_and_solve_ex_of_singular_complex_matrices_as_torch():
    singular = np.zeros((2, 2), np.complex64)
    for name, args in (("inv_ex", ()), ("solve_ex", (np.ones(2, np.complex64),))):
        mine = getattr(mt.linalg, name)(mt.tensor(singular), *map(mt.tensor, args))
        theirs = getattr(torch.linalg, name)(torch.tensor(singular), *map(torch.tensor, args))
        _close(mine[0], theirs[0], 0, f"{name} result")
        _close(mine[1], theirs[1], 0, f"{name} info")


@pytest.mark.parametrize("p", ["fro", 1, -math.inf])
def test_cond_of_complex_matches_torch_and_finite_differences(p):
    a = _matrices(np.random.default_rng(23), (2, 3, 3), np.complex128)
    compare(lambda x: mt.linalg.cond(x, p), lambda x: torch.linalg.cond(x, p), [a], grad=False)
    check_finite_differences(lambda x: mt.linalg.cond(x, p).sum(), a, tol=1e-5)
    for q in (None, 2, -2, "nuc"):  # the singular-value orders: complex svdvals
        compare(lambda x, q=q: mt.linalg.cond(x, q), lambda x, q=q: torch.linalg.cond(x, q), [a])


def test_slogdet_sign_is_complex_and_real_input_unchanged():
    a = _matrices(np.random.default_rng(13), (3, 3), np.complex64)
    sign, logabsdet = mt.linalg.slogdet(mt.tensor(a))
    assert sign.dtype == mt.complex64 and logabsdet.dtype == mt.float32
    real = mt.linalg.slogdet(mt.tensor(a.real))
    assert real.sign.dtype == mt.float32 and abs(real.sign.item()) == 1.0


def test_integer_input_refused_as_torch():
    for name in ("inv", "det", "slogdet"):
        with pytest.raises(RuntimeError, match=rf"linalg.{name}: Expected a floating point or"):
            getattr(mt.linalg, name)(mt.ones(2, 2, dtype=mt.int64))


# --- norms ------------------------------------------------------------------------------------

ORDS = [2, 1, math.inf, -math.inf, 0, 3, 0.5, 1.5, -1]


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_of_complex_matches_torch(ord):
    z = _matrices(np.random.default_rng(14), (3, 4), np.complex128)
    compare(
        lambda x: mt.linalg.vector_norm(x, ord, 1),
        lambda x: torch.linalg.vector_norm(x, ord, 1),
        [z],
        grad=ord != 0,  # the count of nonzeros has no gradient (both say the input is unused)
        second=not math.isinf(ord),
    )
    compare(
        lambda x: mt.linalg.vector_norm(x, ord),
        lambda x: torch.linalg.vector_norm(x, ord),
        [z],
        grad=ord != 0,
    )


@pytest.mark.parametrize("ord", [o for o in ORDS if o != 0])
def test_vector_norm_finite_differences(ord):
    z = _matrices(np.random.default_rng(15), (2, 3), np.complex128)
    weights = np.random.default_rng(16).standard_normal(2)
    check_finite_differences(
        lambda x: (mt.linalg.vector_norm(x, ord, 1) * mt.tensor(weights)).sum(), z
    )


def test_norm_of_complex64_is_float32_and_of_zeros_has_zero_gradient():
    z = _matrices(np.random.default_rng(17), (5,), np.complex64)
    out = mt.linalg.vector_norm(mt.tensor(z))
    _close(out, torch.linalg.vector_norm(torch.tensor(z)), 1e-6, "norm")
    assert out.dtype == mt.float32
    _close(
        mt.linalg.norm(mt.tensor(z), dtype=mt.complex128),
        torch.linalg.norm(torch.tensor(z), dtype=torch.complex128),
        1e-10,
        "norm with dtype",
    )
    zeros = mt.zeros(3, dtype=mt.complex128, requires_grad=True)
    mt.linalg.vector_norm(zeros).backward()
    assert zeros.grad.tolist() == [0j, 0j, 0j]


@pytest.mark.parametrize("ord", [2, 3, 1.5, 0.5])
def test_vector_norm_at_zero_as_torch(ord):
    """Gradient 0 at a zero vector; the second derivative there is nan, as torch's."""
    compare(
        lambda x: mt.linalg.vector_norm(x, ord),
        lambda x: torch.linalg.vector_norm(x, ord),
        [np.zeros(4, np.complex128)],
    )


@pytest.mark.parametrize("ord", ["fro", 1, -1, math.inf, -math.inf])
def test_matrix_norm_of_complex_matches_torch(ord):
    a = _matrices(np.random.default_rng(18), (2, 3, 4), np.complex128)
    compare(
        lambda x: mt.linalg.matrix_norm(x, ord),
        lambda x: torch.linalg.matrix_norm(x, ord),
        [a],
        second=ord == "fro",
    )
    compare(lambda x: mt.linalg.norm(x[0], ord), lambda x: torch.linalg.norm(x[0], ord), [a])


def test_dist_and_renorm_of_complex_match_torch():
    rng = np.random.default_rng(19)
    a, b = _matrices(rng, (3, 4), np.complex128), _matrices(rng, (4,), np.complex128)
    compare(lambda x, y: mt.dist(x, y, 3), lambda x, y: torch.dist(x, y, 3), [a, b])
    compare(lambda x: mt.renorm(x, 2, 0, 1.0), lambda x: torch.renorm(x, 2, 0, 1.0), [a])


def test_norm_errors_as_torch():
    z, x = mt.ones(2, dtype=mt.complex64), mt.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"dtype should be complex for complex inputs, but"):
        mt.linalg.vector_norm(z, dtype=mt.float64)
    with pytest.raises(RuntimeError, match=r"dtype should be real for real inputs, but got Com"):
        mt.linalg.matrix_norm(x, dtype=mt.complex128)
    x = mt.ones(2, dtype=mt.complex128, requires_grad=True)
    assert type(mt.linalg.vector_norm(x).grad_fn).__name__ == "LinalgVectorNormBackward0"
