"""microtensor.fft against torch.fft: values, gradients, double backward, dtypes, errors."""

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.fft  # noqa: F401 - binds mt.fft if microtensor/__init__ does not yet
from tests.helpers import assert_same, check_gradients, compare_with_torch

NORMS = [None, "backward", "ortho", "forward"]

# (function name, input shape, keyword arguments): even and odd output lengths, cut and
# zero-padded inputs, -1 sizes, negative and reordered dims
TRANSFORMS = [
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


def _input(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(("name", "shape", "kwargs"), TRANSFORMS)
def test_transform_matches_torch(name, shape, kwargs, norm):
    compare_with_torch(
        lambda x: getattr(mt.fft, name)(x, norm=norm, **kwargs),
        lambda x: getattr(torch.fft, name)(x, norm=norm, **kwargs),
        [_input(shape)],
    )


@pytest.mark.parametrize("norm", ["ortho", None])
@pytest.mark.parametrize(
    ("name", "shape", "kwargs"), [t for t in TRANSFORMS if t[0] in ("irfft", "irfftn", "hfftn")]
)
def test_double_backward_matches_torch(name, shape, kwargs, norm):
    x = _input(shape)
    expected = getattr(torch.fft, name)(torch.tensor(x), norm=norm, **kwargs)
    g, v = _input(tuple(expected.shape), seed=1), _input(shape, seed=2)
    results = []
    for lib, fft in ((mt, mt.fft), (torch, torch.fft)):
        xt, gt = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        (grad_x,) = lib.autograd.grad(
            getattr(fft, name)(xt, norm=norm, **kwargs), xt, gt, create_graph=True
        )
        (grad_g,) = lib.autograd.grad(grad_x, gt, lib.tensor(v))
        results.append((grad_x, grad_g))
    (mt_x, mt_g), (torch_x, torch_g) = results
    assert_same(mt_x, torch_x, what="first derivative")
    assert_same(mt_g, torch_g, what="derivative of the backward")


@pytest.mark.parametrize("name", ["irfft", "hfft2", "irfftn"])
def test_gradcheck(name):
    check_gradients(lambda x: getattr(mt.fft, name)(x, norm="ortho"), [_input((3, 4))])


@pytest.mark.parametrize("name", ["irfft", "irfft2", "hfftn"])
def test_float32_stays_float32(name):
    x = _input((4, 5), np.float32)
    ours = getattr(mt.fft, name)(mt.tensor(x, requires_grad=True))
    assert ours.dtype == mt.float32
    assert_same(ours, getattr(torch.fft, name)(torch.tensor(x)))
    ours.sum().backward()


def test_integer_input_takes_the_default_dtype():
    ours, theirs = mt.fft.irfft(mt.tensor([1, 2, 3])), torch.fft.irfft(torch.tensor([1, 2, 3]))
    assert ours.dtype == mt.float32
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
@pytest.mark.parametrize(
    ("shape", "dim"),
    [((5,), None), ((4, 5), None), ((4, 5), 1), ((3, 4, 5), (0, -1)), ((5, 3), (0, 0))],
)
def test_shift_matches_torch(name, shape, dim):
    compare_with_torch(
        lambda x: getattr(mt.fft, name)(x, dim=dim),
        lambda x: getattr(torch.fft, name)(x, dim=dim),
        [_input(shape)],
    )


def test_shift_gradgradcheck():
    check_gradients(lambda x: mt.fft.fftshift(x, dim=-1), [_input((3, 5))])


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
    x = _input((3, 5))
    with pytest.raises(error):
        call(torch.fft, torch.tensor(x))
    with pytest.raises(error, match=match):
        call(mt.fft, mt.tensor(x))


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "ihfft", "fft2", "rfftn", "ihfftn"])
def test_complex_output_transforms_say_why_they_are_absent(name):
    with pytest.raises(AttributeError, match="no complex dtypes"):
        getattr(mt.fft, name)
    assert not hasattr(mt.fft, name)


def test_unknown_name_is_a_plain_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'fftx'"):
        mt.fft.fftx  # noqa: B018
