"""microtensor.fft's first and second derivatives against finite differences (float64, complex128).

For a random upstream gradient ``g`` (complex where the output is), autograd's ``grad_x`` must
be ``dL/dRe(x) + i dL/dIm(x)`` of ``L = sum(Re(conj(g) * y))`` (PyTorch's convention), each
partial derivative a central difference in the real or imaginary part of one entry. The
second derivative is checked the same way on the map ``g -> grad_x``.
"""

import numpy as np
import pytest

import microtensor as mt
from tests.test_fft import random_array

EPS = 1e-6

# (function name, input dtype, input shape, keyword arguments, norm): each transform once with
# a complex input where it takes one, the complex-output ones once with a real input too
CASES = [
    ("fft", "complex128", (2, 5), {"n": 6}, None),
    ("fft", "float64", (5,), {"n": 4}, "ortho"),
    ("ifft", "complex128", (3, 4), {"dim": 0}, "forward"),
    ("fft2", "complex128", (3, 4), {"s": (2, 5)}, "ortho"),
    ("ifft2", "float64", (3, 4), {}, None),
    ("fftn", "complex128", (2, 3, 2), {"s": (4, 2), "dim": (2, 0)}, "backward"),
    ("ifftn", "complex128", (3, 3), {}, "ortho"),
    ("rfft", "float64", (3, 5), {"n": 6, "dim": 0}, None),
    ("rfft2", "float64", (3, 4), {"s": (4, 3)}, "forward"),
    ("rfftn", "float64", (2, 3, 4), {"dim": (2, 0)}, "ortho"),
    ("ihfft", "float64", (7,), {}, None),
    ("ihfft2", "float64", (3, 4), {"s": (2, 6)}, "ortho"),
    ("ihfftn", "float64", (2, 3, 4), {}, "forward"),
    ("irfft", "complex128", (5,), {}, None),
    ("irfft", "complex128", (2, 4), {"n": 9}, "ortho"),
    ("irfft", "float64", (2, 4), {"n": 5}, "forward"),
    ("irfft2", "complex128", (3, 4), {"s": (4, 4)}, "backward"),
    ("irfftn", "complex128", (2, 3, 3), {"s": (2, 5), "dim": (0, 1)}, "ortho"),
    ("hfft", "complex128", (4,), {"n": 7}, "forward"),
    ("hfft2", "complex128", (3, 3), {}, None),
    ("hfftn", "complex128", (2, 2, 3), {"s": (3, 4), "dim": (-1, 0)}, "ortho"),
]


def numerical_gradient(fn, x, g):
    """dL/dRe(x) + i dL/dIm(x) of L = sum(Re(conj(g) * fn(x))) by central differences."""

    def loss(a):
        return np.sum((np.conj(g) * fn(a)).real)

    grad = np.zeros_like(x)
    directions = (1.0, 1j) if x.dtype.kind == "c" else (1.0,)
    for idx in np.ndindex(x.shape):
        for direction in directions:
            step = np.zeros_like(x)
            step[idx] = EPS * direction
            grad[idx] += direction * (loss(x + step) - loss(x - step)) / (2 * EPS)
    return grad


@pytest.mark.parametrize(("name", "dtype", "shape", "kwargs", "norm"), CASES)
def test_derivatives_match_finite_differences(name, dtype, shape, kwargs, norm):
    fft = getattr(mt.fft, name)
    x = random_array(shape, dtype)

    def transform(a):
        return fft(mt.tensor(a), norm=norm, **kwargs).numpy()

    y = transform(x)
    g = random_array(y.shape, y.dtype, seed=1)
    v = random_array(x.shape, x.dtype, seed=2)

    def first_derivative(upstream):
        xt = mt.tensor(x, requires_grad=True)
        return mt.autograd.grad(fft(xt, norm=norm, **kwargs), xt, mt.tensor(upstream))[0].numpy()

    xt, gt = mt.tensor(x, requires_grad=True), mt.tensor(g, requires_grad=True)
    (grad_x,) = mt.autograd.grad(fft(xt, norm=norm, **kwargs), xt, gt, create_graph=True)
    (grad_g,) = mt.autograd.grad(grad_x, gt, mt.tensor(v))
    expected = numerical_gradient(transform, x, g)
    np.testing.assert_allclose(grad_x.detach().numpy(), expected, atol=1e-7, rtol=1e-7)
    expected = numerical_gradient(first_derivative, g, v)
    np.testing.assert_allclose(grad_g.numpy(), expected, atol=1e-7, rtol=1e-7)
    assert grad_x.dtype == xt.dtype and grad_g.dtype == gt.dtype
