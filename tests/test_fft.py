"""microtensor.fft against torch.fft: values, dtypes, gradients, double backward, errors."""

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.fft  # noqa: F401 - binds mt.fft if microtensor/__init__ does not yet
from tests.helpers import assert_same, check_gradients, compare_with_torch

NORMS = [None, "backward", "ortho", "forward"]
DTYPES = ["float64", "complex128", "float32", "complex64"]
REAL_ONLY = ("rfft", "ihfft")  # the transforms that refuse a complex input start so

# (function name, input shape, keyword arguments): even and odd lengths, cut and zero-padded
# inputs, -1 sizes, negative, reordered and omitted dims, batch dims
TRANSFORMS = [
    ("fft", (5,), {}),
    ("fft", (1,), {}),
    ("fft", (4, 3), {"n": 6, "dim": 0}),
    ("ifft", (3, 4), {"n": 3}),
    ("fft2", (2, 3, 4), {"s": (5, -1)}),
    ("ifft2", (3, 4), {"dim": (1, 0)}),
    ("fftn", (3, 4, 2), {}),
    ("fftn", (3, 4, 2), {"s": (2, 5), "dim": (2, 0)}),
    ("ifftn", (3, 4), {"s": 6}),
    ("rfft", (6,), {}),
    ("rfft", (2, 1), {"dim": 1}),
    ("rfft", (3, 5), {"n": 8, "dim": 0}),
    ("rfft2", (3, 4), {"s": (2, 7)}),
    ("rfftn", (3, 4, 5), {}),
    ("rfftn", (3, 4, 5), {"s": (3, -1), "dim": (2, 0)}),
    ("ihfft", (5,), {}),
    ("ihfft", (4, 3), {"n": 6, "dim": -2}),
    ("ihfft2", (3, 4), {}),
    ("ihfftn", (2, 3, 4), {"s": (5, 3), "dim": (0, -1)}),
    ("irfft", (5,), {}),
    ("irfft", (5,), {"n": 7}),
    ("irfft", (4, 5), {"n": 4, "dim": 0}),
    ("irfft", (3, 4), {"n": 11, "dim": -1}),
    ("irfft", (1,), {"n": 1}),
    ("irfft2", (3, 4), {}),
    ("irfft2", (2, 3, 4), {"s": (5, 7)}),
    ("irfftn", (3, 4, 5), {}),
    ("irfftn", (3, 4, 5), {"s": (2, -1), "dim": (2, 0)}),
    ("irfftn", (3, 4, 5), {"s": 9}),
    ("irfftn", (3, 4), {"dim": (1, 0)}),
    ("hfft", (6,), {}),
    ("hfft", (3, 6), {"n": 5, "dim": 1}),
    ("hfft2", (3, 4), {"s": (4, 6)}),
    ("hfftn", (2, 3, 4), {}),
    ("hfftn", (2, 3, 4), {"s": (3, 3), "dim": (-1, 0)}),
]
# every norm in double precision; in single precision one norm per entry, in turn
CASES = [
    (name, shape, kwargs, dtype, norm)
    for i, (name, shape, kwargs) in enumerate(TRANSFORMS)
    for dtype in DTYPES
    if not (dtype.startswith("complex") and name.startswith(REAL_ONLY))
    for norm in (NORMS if dtype in ("float64", "complex128") else [NORMS[i % 4]])
]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch's autograd on tiny FFTs spins its thread pool: 40x slower on a busy machine. One
    thread computes the same numbers."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_array(shape, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    return values.astype(dtype)


def as_numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()  # ihfft's result is a lazy conjugate
    return t.detach().numpy()


def assert_close(ours, theirs, what):
    """Equal values and dtype; float32 sums of n terms get an error in proportion to the
    largest value."""
    a, e = as_numpy(ours), as_numpy(theirs)
    assert (a.shape, a.dtype) == (e.shape, e.dtype), (
        f"{what}: {a.shape} {a.dtype} != {e.shape} {e.dtype}"
    )
    if a.dtype in (np.float64, np.complex128):
        tol = {"rtol": 1e-10, "atol": 1e-10}
    else:
        tol = {"rtol": 1.3e-6, "atol": 1e-5 * max(1.0, float(np.abs(e).max(initial=0.0)))}
    np.testing.assert_allclose(a, e, err_msg=what, **tol)


def value_and_two_derivatives(lib, name, x, norm, kwargs, seeds=(1, 2)):
    """fn(x), grad_x for a random upstream g, and the derivative of grad_x with respect to g
    for a random v (the second derivative of a linear map)."""
    xt = lib.tensor(x, requires_grad=True)
    y = getattr(lib.fft, name)(xt, norm=norm, **kwargs)
    g = lib.tensor(random_array(tuple(y.shape), as_numpy(y).dtype, seeds[0]), requires_grad=True)
    (grad_x,) = lib.autograd.grad(y, xt, g, create_graph=True)
    (grad_g,) = lib.autograd.grad(grad_x, g, lib.tensor(random_array(x.shape, x.dtype, seeds[1])))
    return y, grad_x, grad_g


@pytest.mark.parametrize(("name", "shape", "kwargs", "dtype", "norm"), CASES)
def test_transform_and_two_derivatives_match_torch(name, shape, kwargs, dtype, norm):
    x = random_array(shape, dtype)
    ours = value_and_two_derivatives(mt, name, x, norm, kwargs)
    theirs = value_and_two_derivatives(torch, name, x, norm, kwargs)
    for what, a, e in zip(
        ("value", "first derivative", "second derivative"), ours, theirs, strict=True
    ):
        assert_close(a, e, f"{name} {dtype} norm={norm}: {what}")


@pytest.mark.parametrize("name", ["irfft", "hfft2", "irfftn"])
def test_gradcheck(name):
    check_gradients(lambda x: getattr(mt.fft, name)(x, norm="ortho"), [random_array((3, 4))])


@pytest.mark.parametrize("name", ["fft", "rfft", "ihfft", "irfft", "hfftn"])
def test_integer_input_takes_the_default_dtype(name):
    ours = getattr(mt.fft, name)(mt.tensor([1, 2, 3]))
    assert ours.dtype == (mt.float32 if name in ("irfft", "hfftn") else mt.complex64)
    assert_close(ours, getattr(torch.fft, name)(torch.tensor([1, 2, 3])), name)


@pytest.mark.parametrize("dtype", ["float64", "complex64"])
@pytest.mark.parametrize(("shape", "kwargs"), [((3, 2), {"dim": ()}), ((), {})])
def test_no_dim_to_transform_gives_the_input_as_complex(shape, kwargs, dtype):
    x = random_array(shape, dtype)
    for name in ("fftn", "ifftn"):
        ours = value_and_two_derivatives(mt, name, x, "ortho", kwargs)
        theirs = value_and_two_derivatives(torch, name, x, "ortho", kwargs)
        for a, e in zip(ours, theirs, strict=True):
            assert_close(a, e, name)
    assert mt.fft.fftn(mt.tensor(x), **kwargs).dtype.is_complex


@pytest.mark.parametrize(
    ("name", "dtype", "node"),
    [("fft", "complex128", "FftC2CBackward0"), ("ifftn", "complex64", "FftC2CBackward0"),
     ("rfft", "float64", "FftR2CBackward0"), ("irfftn", "complex128", "FftC2RBackward0")],
)  # fmt: skip
def test_node_names_are_torchs(name, dtype, node):
    x = random_array((3, 4), dtype)
    ours = getattr(mt.fft, name)(mt.tensor(x, requires_grad=True))
    theirs = getattr(torch.fft, name)(torch.tensor(x, requires_grad=True))
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__ == node


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_spectral_loss_with_other_complex_ops_matches_torch(dtype):
    """fft outputs through abs, mul and conj into a real loss; its gradient and the gradient
    of that gradient (abs makes the loss nonlinear) equal torch's."""
    x = random_array((3, 8), dtype)
    w = random_array((3, 5), "complex128" if dtype == "float64" else "complex64", seed=1)
    v = random_array((3, 8), dtype, seed=2)
    results = []
    for lib in (mt, torch):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        spectrum = lib.fft.rfft(xt, norm="ortho")
        filtered = lib.fft.irfft(spectrum * wt, n=8)
        loss = (
            lib.fft.fft2(xt).abs().sum() + (filtered**2).sum() + (spectrum * wt.conj()).abs().sum()
        )
        grad_x, grad_w = lib.autograd.grad(loss, (xt, wt), create_graph=True)
        (second,) = lib.autograd.grad((grad_x * lib.tensor(v)).sum() + grad_w.abs().sum(), xt)
        results.append((loss, grad_x, grad_w, second))
    for what, a, e in zip(("loss", "grad x", "grad w", "second"), *results, strict=True):
        assert_close(a, e, what)


def test_round_trips_give_the_input_back():
    x = random_array((4, 6), "complex128")
    np.testing.assert_allclose(mt.fft.ifftn(mt.fft.fftn(mt.tensor(x))).numpy(), x, atol=1e-12)
    real = mt.tensor(x.real)
    for forward, inverse in ((mt.fft.rfftn, mt.fft.irfftn), (mt.fft.ihfftn, mt.fft.hfftn)):
        back = inverse(forward(real, norm="ortho"), s=real.shape, norm="ortho")
        np.testing.assert_allclose(back.numpy(), x.real, atol=1e-12)


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
@pytest.mark.parametrize(
    ("shape", "dim"),
    [((5,), None), ((4, 5), None), ((4, 5), 1), ((3, 4, 5), (0, -1)), ((5, 3), (0, 0))],
)
def test_shift_matches_torch(name, shape, dim):
    compare_with_torch(
        lambda x: getattr(mt.fft, name)(x, dim=dim),
        lambda x: getattr(torch.fft, name)(x, dim=dim),
        [random_array(shape)],
    )


def test_shift_gradgradcheck():
    check_gradients(lambda x: mt.fft.fftshift(x, dim=-1), [random_array((3, 5))])


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_frequencies_match_torch_bit_for_bit(name, dtype):
    for n in range(-3 if name == "rfftfreq" else 0, 8):
        for d in (1.0, 0.1, 0.3, 2, -0.7):
            ours = getattr(mt.fft, name)(n, d, dtype=getattr(mt, dtype))
            theirs = getattr(torch.fft, name)(n, d, dtype=getattr(torch, dtype))
            assert ours.dtype == getattr(mt, dtype)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_frequencies_defaults_and_requires_grad():
    assert mt.fft.fftfreq(4).dtype == mt.get_default_dtype()
    assert mt.fft.rfftfreq(5, d=0.5, requires_grad=True).requires_grad
    assert_same(mt.fft.fftfreq(3, d=0), torch.fft.fftfreq(3, d=0))  # nan and inf as torch


ERRORS = [
    (lambda f, x: f.irfft(x, norm="foo"), RuntimeError, "Invalid normalization mode"),
    (lambda f, x: f.irfft(x, n=0), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda f, x: f.irfft(x[:, :1]), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda f, x: f.irfft(x, n=2.0), TypeError, "'n' must be int"),
    (lambda f, x: f.irfft(x, dim=2), IndexError, "Dimension out of range"),
    (lambda f, x: f.irfft(x, dim=(1,)), TypeError, "'dim' must be int"),
    (lambda f, x: f.irfft(x.sum()), IndexError, "tensor has no dimensions"),
    (lambda f, x: f.irfftn(x, s=(4,), dim=(0, 1)), RuntimeError, "same length"),
    (lambda f, x: f.irfftn(x, dim=(0, -2)), RuntimeError, "FFT dims must be unique"),
    (lambda f, x: f.irfftn(x, dim=()), RuntimeError, "must transform at least one axis"),
    (lambda f, x: f.hfftn(x, s=(2, 2, 2)), RuntimeError, "Got shape with 3 values"),
    (lambda f, x: f.hfft2(x, s=(-2, 4)), RuntimeError, r"Invalid number of data points \(-2\)"),
    (lambda f, x: f.irfft(x.half()), RuntimeError, "Unsupported dtype"),
    (lambda f, x: f.irfft([1.0, 2.0]), TypeError, "must be Tensor, not list"),
    (lambda f, x: f.irfft(x, norm="Ortho"), RuntimeError, "Invalid normalization mode"),
    (lambda f, x: f.fft(x, norm="foo"), RuntimeError, "Invalid normalization mode"),
    (lambda f, x: f.ifft(x, n=0), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda f, x: f.rfft(x, n=-1), RuntimeError, r"Invalid number of data points \(-1\)"),
    (lambda f, x: f.fftn(x, s=(0, 2)), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda f, x: f.ihfftn(x, s=(2, 0)), RuntimeError, r"Invalid number of data points \(0\)"),
    (lambda f, x: f.fft(x, n=2.0), TypeError, "'n' must be int"),
    (lambda f, x: f.ihfft(x, dim=None), TypeError, "'dim' must be int"),
    (lambda f, x: f.fft(x.sum()), IndexError, "tensor has no dimensions"),
    (lambda f, x: f.rfft(x, dim=-3), IndexError, "Dimension out of range"),
    (lambda f, x: f.fft2(x[0]), IndexError, "Dimension out of range"),
    (lambda f, x: f.fftn(x, dim=(1, -1)), RuntimeError, "FFT dims must be unique"),
    (lambda f, x: f.rfft2(x, dim=(0, 0)), RuntimeError, "FFT dims must be unique"),
    (lambda f, x: f.ifftn(x, s=(2, 2, 2)), RuntimeError, "Got shape with 3 values"),
    (lambda f, x: f.rfftn(x, s=(4,), dim=(0, 1)), RuntimeError, "same length"),
    (lambda f, x: f.rfftn(x, dim=()), RuntimeError, "must transform at least one axis"),
    (lambda f, x: f.ihfftn(x, dim=()), RuntimeError, "must transform at least one axis"),
    (lambda f, x: f.rfft(x * 1j), RuntimeError, "rfft expects a real input tensor"),
    (lambda f, x: f.rfft2(x * 1j), RuntimeError, "expects a real input.*ComplexDouble"),
    (lambda f, x: f.rfftn(x.float() * 1j), RuntimeError, "expects a real input.*ComplexFloat"),
    (lambda f, x: f.ihfft(x * 1j), RuntimeError, "ihfft expects a real input tensor"),
    (lambda f, x: f.ihfft2(x * 1j), RuntimeError, "expects a real input tensor"),
    (lambda f, x: f.ihfftn(x * 1j), RuntimeError, "use ifftn for a complex input"),
    (lambda f, x: f.ihfftn(x * 1j, dim=(0, 5)), IndexError, "Dimension out of range"),
    (lambda f, x: f.ihfft2(x * 1j, s=(0, 2)), RuntimeError, "Invalid number of data points"),
    (lambda f, x: f.fft(x.half()), RuntimeError, "Unsupported dtype"),
    (lambda f, x: f.hfft(x.half()), RuntimeError, "Unsupported dtype"),
    (lambda f, x: f.fft2([[1.0]]), TypeError, "must be Tensor, not list"),
    (lambda f, x: f.fftshift(x.sum()), RuntimeError, "`shifts` required"),
    (lambda f, x: f.fftshift(x.sum(), dim=0), IndexError, "tensor has no dimensions"),
    (lambda f, x: f.fftshift(x, dim=3), IndexError, "Dimension out of range"),
    (lambda f, x: f.fftfreq(4.0), TypeError, "must be int"),
    (lambda f, x: f.fftfreq(-1), RuntimeError, "negative dimension"),
    (lambda f, x: f.rfftfreq(-5), RuntimeError, "negative dimension"),
    (lambda f, x: f.fftfreq(4, dtype=x.long().dtype), RuntimeError, "floating point"),
]


@pytest.mark.parametrize(("call", "error", "match"), ERRORS)
def test_errors_match_torch(call, error, match):
    x = random_array((3, 5))
    with pytest.raises(error):
        call(torch.fft, torch.tensor(x))
    with pytest.raises(error, match=match):
        call(mt.fft, mt.tensor(x))


def test_unknown_name_is_a_plain_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'fftx'"):
        mt.fft.fftx  # noqa: B018
