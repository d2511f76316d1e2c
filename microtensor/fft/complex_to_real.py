"""The complex-to-real transforms of ``torch.fft`` on a real input: irfft*, hfft*.

PyTorch reads a real input of these transforms as a complex one with zero imaginary part, and
their output is real, so microtensor can compute them without complex dtypes. All six are one
linear map (numpy.fft's ``irfftn``): ``hfftn(x, norm)`` is ``irfftn(conj(x), norm')`` with the
normalisation of the other direction, and ``conj(x) = x`` for a real ``x``.

The derivative, on paper. With ``N`` the output sizes along the transformed dims (the last of
them, ``n``, the c2r one), a real input ``x`` zero-padded or cut to ``N`` (``n // 2 + 1`` on
the last dim) gives ``y[k] = c * sum_j w_j x[j] cos(2 pi sum_i j_i k_i / N_i)``, where
``w_j = 2`` counts the Hermitian twin of each bin of the last dim except the DC bin and, for
an even ``n``, the Nyquist bin (``w = 1``), and ``c`` is 1/prod(N), 1/sqrt(prod(N)) or 1 for
norm "backward", "ortho", "forward". Its transpose, the gradient, is
``grad_x[j] = c * w_j * sum_k g[k] cos(...) = w_j * Re(rfftn(g, norm=dual))[j]`` (the dual
norm applies the same ``c``), padded or cut back to the input's sizes. The transpose of that
is the forward map again, which gives the second derivative.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.fft._arguments import check_points, int_arg, real_input, shape_and_dims, wrap_dim
from microtensor.ops import dual
from microtensor.tensor import Tensor

__all__ = ["hfft", "hfft2", "hfftn", "irfft", "irfft2", "irfftn"]

# the norm that applies the same scale in the other direction (numpy.fft's _swap_direction)
_OTHER_DIRECTION: dict[Any, Any] = {
    None: "forward",
    "backward": "forward",
    "ortho": "ortho",
    "forward": "backward",
}


class FftC2R(Op):
    """y = irfftn(x, s, dims, norm) of a real x;  grad_x = w * Re(rfftn(g, dual norm)), resized.

    See the module docstring for the formula; ``s`` holds the output sizes along ``dims``.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, s: tuple[int, ...], dims: tuple[int, ...], norm: str) -> Any:
        ctx.s, ctx.dims, ctx.norm = s, dims, norm
        ctx.in_sizes = tuple(a.shape[d] for d in dims)
        return _np_irfftn(a, s, dims, norm)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _c2r_transpose(grad_out, ctx.s, ctx.dims, ctx.norm, ctx.in_sizes)


class FftC2RTranspose(Op):
    """z = w * Re(rfftn(g, dual norm)) resized to in_sizes: FftC2R's transpose (its gradient).

    A linear map's transpose's transpose is the map: grad_g = irfftn(grad_out, s, dims, norm).
    """

    @staticmethod
    def forward(
        ctx: Any, g: Any, s: tuple[int, ...], dims: tuple[int, ...], norm: str, in_sizes: Any
    ) -> Any:
        ctx.s, ctx.dims, ctx.norm = s, dims, norm
        return _np_transpose(g, s, dims, norm, in_sizes)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _c2r(grad_out, ctx.s, ctx.dims, ctx.norm)


def _c2r(x: Any, s: tuple[int, ...], dims: tuple[int, ...], norm: str) -> Any:
    if dual.is_array(x):
        return _np_irfftn(x, s, dims, norm)
    return FftC2R.apply(x, s=s, dims=dims, norm=norm)


def _c2r_transpose(g: Any, s: Any, dims: Any, norm: str, in_sizes: Any) -> Any:
    if dual.is_array(g):
        return _np_transpose(g, s, dims, norm, in_sizes)
    return FftC2RTranspose.apply(g, s=s, dims=dims, norm=norm, in_sizes=in_sizes)


def _np_irfftn(a: np.ndarray, s: tuple[int, ...], dims: tuple[int, ...], norm: Any) -> Any:
    return np.fft.irfftn(a, s=s, axes=dims, norm=norm).astype(a.dtype, copy=False)


def _np_transpose(
    g: np.ndarray, s: tuple[int, ...], dims: tuple[int, ...], norm: Any, in_sizes: Any
) -> Any:
    spectrum = np.fft.rfftn(g, axes=dims, norm=_OTHER_DIRECTION[norm]).real
    n = s[-1]
    weights = np.full(n // 2 + 1, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0  # the Nyquist bin has no twin
    last = dims[-1]
    spectrum = spectrum * weights.reshape((-1,) + (1,) * (g.ndim - 1 - last))
    return _resize(spectrum, dims, in_sizes).astype(g.dtype, copy=False)


def _resize(a: np.ndarray, dims: tuple[int, ...], sizes: tuple[int, ...]) -> np.ndarray:
    """``a`` cut, or zero-padded at the end, to ``sizes`` along ``dims``."""
    for d, size in zip(dims, sizes, strict=True):
        have = a.shape[d]
        if have > size:
            a = a[(slice(None),) * d + (slice(0, size),)]
        elif have < size:
            pad = [(0, 0)] * a.ndim
            pad[d] = (0, size - have)
            a = np.pad(a, pad)
    return a


def _c2r_1d(op: str, input: Tensor, n: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = real_input(op, input, norm)
    axis = wrap_dim(op, dim, x._data.ndim)
    size = 2 * (x._data.shape[axis] - 1) if n is None else int_arg(op, "n", n)
    check_points(op, size)
    return _apply(x, (size,), (axis,), norm, op)


def _c2r_nd(op: str, input: Tensor, s: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = real_input(op, input, norm)
    shape, dims = shape_and_dims(op, x, s, dim)
    return _apply(x, shape, dims, norm, op)


def _apply(x: Tensor, s: tuple[int, ...], dims: tuple[int, ...], norm: Any, op: str) -> Tensor:
    norm = "backward" if norm is None else norm
    if op.startswith("hfft"):
        norm = _OTHER_DIRECTION[norm]
    return FftC2R.apply(x, s=s, dims=dims, norm=norm)  # type: ignore[no-any-return]


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of ``rfft``: a real signal of ``n`` points from one-sided frequencies.

    Args:
        input: a real tensor, read as complex with zero imaginary part (integers are cast to
            the default dtype).
        n: output length along ``dim``; the input is cut or zero-padded to ``n // 2 + 1``.
            Default ``2 * (input.size(dim) - 1)``.
        dim: the transformed dim.
        norm: "backward" (None, scale 1/n), "ortho" (1/sqrt(n)) or "forward" (no scale).

    Returns:
        A real tensor of the input's dtype with ``n`` points along ``dim``.

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
        input: a real tensor, read as complex with zero imaginary part.
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

    For a real input this is ``irfft(input, n, dim)`` scaled by ``n`` ("backward" and None
    mean no scale, "forward" 1/n, "ortho" 1/sqrt(n)). Arguments and errors as ``irfft``.

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

    For a real input this is ``irfftn(input, s, dim)`` scaled by ``prod(s)`` ("backward" and
    None mean no scale). Arguments and errors as ``irfftn``.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.hfftn(mt.tensor([[1.0, 0.0], [0.0, 0.0]]))
        tensor([[1., 1.],
                [1., 1.]])
    """
    return _c2r_nd("hfftn", input, s, dim, norm)
