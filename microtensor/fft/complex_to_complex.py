"""The complex-to-complex transforms of ``torch.fft``: fft, ifft, fft2, ifft2, fftn, ifftn.

A real input is read as complex with zero imaginary part (float32 gives complex64, float64
complex128, integers the default dtype's complex), as PyTorch's.

The derivative, on paper. ``y = F(R x)``: ``R`` cuts or zero-pads ``x`` to the sizes ``s``
along the transformed dims, ``F`` is the DFT ``y[k] = c * sum_j x[j] exp(-+2 pi i j.k / s)``
(``-`` for fft) with ``c`` 1, 1/sqrt(prod(s)) or 1/prod(s) as the norm says. With PyTorch's
convention (``grad = dL/dRe + i dL/dIm``) a linear map's gradient is its conjugate
transpose: ``grad_x = R^T(F^H g)``, where ``F^H`` is the DFT of the other direction with the
same ``c`` and ``R^T`` resizes back to the input's sizes; the real part for a real ``x``.
That map's own conjugate transpose is ``F R`` again, which gives the second derivative.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.autograd.function import Op
from microtensor.fft import _numpy_fft as npfft
from microtensor.fft._arguments import checked_input, one_dim, shape_and_dims
from microtensor.ops import dual
from microtensor.tensor import Tensor

__all__ = ["fft", "fft2", "fftn", "ifft", "ifft2", "ifftn"]

Sizes = tuple[int, ...]


class FftC2C(Op):
    """y = F(R x): fftn (or ifftn) of x resized to s;  grad_x = R^T(F^H g) (Re for a real x).

    See the module docstring; ``F^H`` is the other direction's DFT with the same scale.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, s: Sizes, dims: Sizes, norm: str, forward: bool) -> Any:
        ctx.s, ctx.dims, ctx.norm, ctx.forward = s, dims, norm, forward
        ctx.in_sizes, ctx.real = tuple(a.shape[d] for d in dims), a.dtype.kind != "c"
        return npfft.c2c(a, s, dims, norm, forward)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        args = (ctx.s, ctx.dims, ctx.norm, ctx.forward, ctx.in_sizes, ctx.real)
        return _c2c_transpose(grad_out, *args)


class FftC2CTranspose(Op):
    """z = R^T(F^H g) (Re when real): FftC2C's gradient map;  grad_g = F(R grad_out)."""

    complex_grad = True

    @staticmethod
    def forward(
        ctx: Any, g: Any, s: Sizes, dims: Sizes, norm: str, forward: bool, in_sizes: Sizes,
        real: bool,
    ) -> Any:  # fmt: skip
        ctx.s, ctx.dims, ctx.norm, ctx.forward = s, dims, norm, forward
        return _np_c2c_transpose(g, s, dims, norm, forward, in_sizes, real)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _c2c(grad_out, ctx.s, ctx.dims, ctx.norm, ctx.forward)


def _c2c(x: Any, s: Sizes, dims: Sizes, norm: str, forward: bool) -> Any:
    if dual.is_array(x):
        return npfft.c2c(x, s, dims, norm, forward)
    return FftC2C.apply(x, s=s, dims=dims, norm=norm, forward=forward)


def _c2c_transpose(
    g: Any, s: Sizes, dims: Sizes, norm: str, forward: bool, in_sizes: Sizes, real: bool
) -> Any:
    if dual.is_array(g):
        return _np_c2c_transpose(g, s, dims, norm, forward, in_sizes, real)
    kwargs = {"s": s, "dims": dims, "norm": norm, "forward": forward, "in_sizes": in_sizes}
    return FftC2CTranspose.apply(g, real=real, **kwargs)


def _np_c2c_transpose(
    g: Any, s: Sizes, dims: Sizes, norm: str, forward: bool, in_sizes: Sizes, real: bool
) -> Any:
    z = npfft.c2c(g, s, dims, npfft.OTHER_DIRECTION[norm], not forward)
    z = npfft.resize(z.real if real else z, dims, in_sizes)
    return z.astype(npfft.real_dtype(g.dtype) if real else npfft.complex_dtype(g.dtype))


def _apply(op: str, x: Tensor, s: Sizes, dims: Sizes, norm: Any) -> Tensor:
    forward = not op.startswith("i")
    result = FftC2C.apply(x, s=s, dims=dims, norm=norm or "backward", forward=forward)
    return result  # type: ignore[no-any-return]


def _c2c_1d(op: str, input: Any, n: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = checked_input(op, input, norm)
    return _apply(op, x, *one_dim(op, x, n, dim), norm)


def _c2c_nd(op: str, input: Any, s: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = checked_input(op, input, norm)
    return _apply(op, x, *shape_and_dims(op, x, s, dim, "c2c"), norm)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The discrete Fourier transform along ``dim``: ``y[k] = sum_j x[j] exp(-2 pi i j k / n)``.

    Args:
        input: a real or complex tensor (a real one is read as complex; integers take the
            default dtype).
        n: signal length; the input is cut or zero-padded to ``n`` along ``dim``. Default:
            ``input.size(dim)``.
        dim: the transformed dim.
        norm: "backward" (None, no scale), "ortho" (1/sqrt(n)) or "forward" (1/n).

    Returns:
        A complex tensor (complex64 for float32 and complex64 input, complex128 for float64
        and complex128) with ``n`` points along ``dim``.

    Raises:
        RuntimeError: for an unknown ``norm``, ``n`` below 1, or float16 input.
        IndexError: if ``dim`` is out of range.
        TypeError: if ``input`` is not a Tensor or ``n`` or ``dim`` not an int.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.fft(mt.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    return _c2c_1d("fft", input, n, dim, norm)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of ``fft``: ``y[k] = 1/n * sum_j x[j] exp(2 pi i j k / n)``.

    Arguments and errors as ``fft``; norm "backward" (None) scales by 1/n, "ortho" by
    1/sqrt(n), "forward" not at all.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.ifft(mt.tensor([4.0, 0.0, 0.0, 0.0]))
        tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    return _c2c_1d("ifft", input, n, dim, norm)


def fft2(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:
    """``fftn`` over two dims (the last two by default).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.fft2(mt.ones(2, 2))
        tensor([[4.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j]])
    """
    return _c2c_nd("fft2", input, s, dim, norm)


def ifft2(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:
    """``ifftn`` over two dims (the last two by default).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.ifft2(mt.tensor([[4.0, 0.0], [0.0, 0.0]]))
        tensor([[1.+0.j, 1.+0.j],
                [1.+0.j, 1.+0.j]])
    """
    return _c2c_nd("ifft2", input, s, dim, norm)


def fftn(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:
    """The n-d discrete Fourier transform: ``fft`` along each of ``dim``.

    Args:
        input: a real or complex tensor (a real one is read as complex).
        s: signal sizes along ``dim`` (-1 keeps the input's); the input is cut or
            zero-padded to them.
        dim: the transformed dims (default: the last ``len(s)``, or all; ``()`` transforms
            none and returns the input as complex).
        norm: "backward" (None, no scale), "ortho" (1/sqrt(prod(s))) or "forward"
            (1/prod(s)).

    Raises:
        RuntimeError: for repeated dims, ``s`` and ``dim`` of different lengths, more sizes
            than dims, an unknown ``norm`` or a size below 1.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.fftn(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([[10.+0.j, -2.+0.j],
                [-4.+0.j,  0.+0.j]])
    """
    return _c2c_nd("fftn", input, s, dim, norm)


def ifftn(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:
    """The inverse of ``fftn``: ``ifft`` along each of ``dim``; arguments as ``fftn``.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.ifftn(mt.tensor([[10.0, -2.0], [-4.0, 0.0]]))
        tensor([[1.+0.j, 2.+0.j],
                [3.+0.j, 4.+0.j]])
    """
    return _c2c_nd("ifftn", input, s, dim, norm)
