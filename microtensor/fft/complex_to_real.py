"""The complex-to-real transforms of ``torch.fft``: irfft, irfft2, irfftn, hfft, hfft2, hfftn.

The input is the one-sided half of a Hermitian spectrum (a real input is read as complex with
zero imaginary part); the output is real (float32 for float32 and complex64, float64 for
float64 and complex128). All six are one linear map (numpy.fft's ``irfftn``):
``hfftn(x, norm)`` is ``irfftn(conj(x), norm')`` with the normalisation of the other direction.

The derivative, on paper. With ``N`` the output sizes along the transformed dims (the last of
them, ``n``, the c2r one), an input ``x`` zero-padded or cut to ``N`` (``n // 2 + 1`` on the
last dim) gives ``y[k] = c * sum_j w_j Re(x[j] exp(2 pi i sum_i j_i k_i / N_i))``, where
``w_j = 2`` counts the Hermitian twin of each bin of the last dim except the DC bin and, for
an even ``n``, the Nyquist bin (``w = 1``), and ``c`` is 1/prod(N), 1/sqrt(prod(N)) or 1 for
norm "backward", "ortho", "forward". With PyTorch's convention (``grad = dL/dRe + i dL/dIm``)
the gradient is ``grad_x[j] = c * w_j * sum_k g[k] exp(-2 pi i ...) = w_j * rfftn(g, dual
norm)[j]`` (the dual norm applies the same ``c``; PyTorch's ``fft_c2r_backward``), padded or
cut back to the input's sizes, conjugated for ``hfftn``, its real part for a real ``x``. The
transpose of that is the forward map again, which gives the second derivative.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.autograd.function import Op
from microtensor.fft import _numpy_fft as npfft
from microtensor.fft._arguments import checked_input, one_dim, shape_and_dims
from microtensor.ops import dual
from microtensor.tensor import Tensor

__all__ = ["hfft", "hfft2", "hfftn", "irfft", "irfft2", "irfftn"]

Sizes = tuple[int, ...]


class FftC2R(Op):
    """y = irfftn(x, s, dims, norm) (of conj(x) for hfftn);  grad_x = w * rfftn(g, dual norm).

    See the module docstring for the formula; ``s`` holds the output sizes along ``dims``.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool) -> Any:
        ctx.s, ctx.dims, ctx.norm, ctx.conjugate = s, dims, norm, conjugate
        ctx.in_sizes, ctx.real = tuple(a.shape[d] for d in dims), a.dtype.kind != "c"
        return npfft.c2r(a.conj() if conjugate else a, s, dims, norm)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        args = (ctx.s, ctx.dims, ctx.norm, ctx.conjugate, ctx.in_sizes, ctx.real)
        return _c2r_transpose(grad_out, *args)


class FftC2RTranspose(Op):
    """z = w * rfftn(g, dual norm) resized to in_sizes (conj, or Re): FftC2R's gradient map.

    A linear map's transpose's transpose is the map: grad_g = irfftn(grad_out, s, dims, norm).
    """

    complex_grad = True

    @staticmethod
    def forward(
        ctx: Any, g: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool, in_sizes: Sizes,
        real: bool,
    ) -> Any:  # fmt: skip
        ctx.s, ctx.dims, ctx.norm, ctx.conjugate = s, dims, norm, conjugate
        return _np_transpose(g, s, dims, norm, conjugate, in_sizes, real)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _c2r(grad_out, ctx.s, ctx.dims, ctx.norm, ctx.conjugate)


def _c2r(x: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool) -> Any:
    if dual.is_array(x):
        return npfft.c2r(x.conj() if conjugate else x, s, dims, norm)
    return FftC2R.apply(x, s=s, dims=dims, norm=norm, conjugate=conjugate)


def _c2r_transpose(
    g: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool, in_sizes: Sizes, real: bool
) -> Any:
    if dual.is_array(g):
        return _np_transpose(g, s, dims, norm, conjugate, in_sizes, real)
    kwargs = {"s": s, "dims": dims, "norm": norm, "conjugate": conjugate, "in_sizes": in_sizes}
    return FftC2RTranspose.apply(g, real=real, **kwargs)


def _np_transpose(
    g: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool, in_sizes: Sizes, real: bool
) -> Any:
    spectrum = npfft.r2c(g, s, dims, npfft.OTHER_DIRECTION[norm])
    spectrum = spectrum * npfft.hermitian_weights(s[-1], dims[-1], g.ndim)
    spectrum = npfft.resize(spectrum, dims, in_sizes)
    if real:
        return spectrum.real.astype(npfft.real_dtype(g.dtype))
    spectrum = spectrum.conj() if conjugate else spectrum
    return spectrum.astype(npfft.complex_dtype(g.dtype))


def _c2r_1d(op: str, input: Tensor, n: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = checked_input(op, input, norm)
    return _apply(x, *one_dim(op, x, n, dim, c2r=True), norm, op)


def _c2r_nd(op: str, input: Tensor, s: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = checked_input(op, input, norm)
    return _apply(x, *shape_and_dims(op, x, s, dim, "c2r"), norm, op)


def _apply(x: Tensor, s: Sizes, dims: Sizes, norm: Any, op: str) -> Tensor:
    norm = "backward" if norm is None else norm
    conjugate = op.startswith("hfft")
    if conjugate:
        norm = npfft.OTHER_DIRECTION[norm]
    return FftC2R.apply(x, s=s, dims=dims, norm=norm, conjugate=conjugate)  # type: ignore[no-any-return]


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of ``rfft``: a real signal of ``n`` points from one-sided frequencies.

    Args:
        input: a complex tensor, or a real one read as complex with zero imaginary part
            (integers take the default dtype); the imaginary parts of the DC bin and, for an
            even ``n``, the Nyquist bin are ignored, as in PyTorch.
        n: output length along ``dim``; the input is cut or zero-padded to ``n // 2 + 1``.
            Default ``2 * (input.size(dim) - 1)``.
        dim: the transformed dim.
        norm: "backward" (None, scale 1/n), "ortho" (1/sqrt(n)) or "forward" (no scale).

    Returns:
        A real tensor (float32 for float32 and complex64 input, float64 for float64 and
        complex128) with ``n`` points along ``dim``.

    Raises:
        RuntimeError: for an unknown ``norm``, fewer than 1 output point, or float16 input.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.irfft(mt.tensor([4.0, 0.0, 0.0]))
        tensor([1., 1., 1., 1.])
    """
    return _c2r_1d("irfft", input, n, dim, norm)


def irfft2(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:
    """``irfftn`` over two dims (the last two by default).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.irfft2(mt.tensor([[4.0, 0.0]])).shape
        microtensor.Size([1, 2])
    """
    return _c2r_nd("irfft2", input, s, dim, norm)


def irfftn(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:
    """The inverse of ``rfftn``: inverse FFTs over ``dim``, the last of them complex-to-real.

    Args:
        input: a complex tensor, or a real one read as complex.
        s: output sizes along ``dim`` (-1 keeps the default); the input is cut or zero-padded
            to them, to ``s[-1] // 2 + 1`` on the last dim, whose default is
            ``2 * (input.size(dim[-1]) - 1)``.
        dim: the transformed dims, in order (default: the last ``len(s)``, or all).
        norm: "backward" (None, scale 1/prod(s)), "ortho" (1/sqrt(prod(s))) or "forward".

    Raises:
        RuntimeError: for repeated dims, ``s`` and ``dim`` of different lengths, no dim, an
            unknown ``norm`` or a size below 1.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.irfftn(mt.tensor([[6.0, 0.0], [0.0, 0.0]]))
        tensor([[1.5000, 1.5000],
                [1.5000, 1.5000]])
    """
    return _c2r_nd("irfftn", input, s, dim, norm)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The FFT of a Hermitian-symmetric signal given by its first half: a real spectrum.

    This is ``irfft(input.conj(), n, dim)`` scaled by ``n`` ("backward" and None mean no
    scale, "forward" 1/n, "ortho" 1/sqrt(n)). Arguments and errors as ``irfft``.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.hfft(mt.tensor([1.0, 0.0, 0.0]))
        tensor([1., 1., 1., 1.])
    """
    return _c2r_1d("hfft", input, n, dim, norm)


def hfft2(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:
    """``hfftn`` over two dims (the last two by default).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.hfft2(mt.tensor([[1.0, 0.0]]))
        tensor([[1., 1.]])
    """
    return _c2r_nd("hfft2", input, s, dim, norm)


def hfftn(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:
    """The n-d FFT of a signal Hermitian-symmetric in its last dim, given by its first half.

    This is ``irfftn(input.conj(), s, dim)`` scaled by ``prod(s)`` ("backward" and None mean
    no scale). Arguments and errors as ``irfftn``.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.hfftn(mt.tensor([[1.0, 0.0], [0.0, 0.0]]))
        tensor([[1., 1.],
                [1., 1.]])
    """
    return _c2r_nd("hfftn", input, s, dim, norm)
