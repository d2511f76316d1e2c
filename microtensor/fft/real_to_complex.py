"""The real-to-complex transforms of ``torch.fft``: rfft, rfft2, rfftn, ihfft, ihfft2, ihfftn.

Each gives the one-sided half (``n // 2 + 1`` bins on the last transformed dim) of the
Hermitian spectrum of a real signal; a complex input is refused, as in PyTorch.
``ihfftn(x, norm)`` is ``conj(rfftn(x, norm'))`` with the normalisation of the other direction.

The derivative, on paper. ``y = H F R x``: ``R`` cuts or zero-pads ``x`` to the sizes ``s``,
``F`` is the full n-d DFT (scale ``c`` as the norm says) and ``H`` keeps the first
``s[-1] // 2 + 1`` bins of the last dim. With PyTorch's convention the gradient of a real
input is ``grad_x = R^T Re(F^H H^T g)``: the upstream gradient zero-padded to the full
spectrum, the inverse DFT with the same ``c``, its real part, resized back (PyTorch's
``fft_r2c_backward``). For ``ihfftn`` the gradient is conjugated first. The transpose of that
map is ``H F R`` again, which gives the second derivative.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.autograd.function import Op
from microtensor.fft import _numpy_fft as npfft
from microtensor.fft._arguments import checked_input, one_dim, refuse_complex, shape_and_dims
from microtensor.ops import dual
from microtensor.tensor import Tensor

__all__ = ["ihfft", "ihfft2", "ihfftn", "rfft", "rfft2", "rfftn"]

Sizes = tuple[int, ...]


class FftR2C(Op):
    """y = rfftn(x resized to s) (conjugated for ihfftn);  grad_x = R^T Re(F^H H^T g).

    See the module docstring; ``conjugate`` marks ``ihfftn``.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool) -> Any:
        ctx.s, ctx.dims, ctx.norm, ctx.conjugate = s, dims, norm, conjugate
        ctx.in_sizes = tuple(a.shape[d] for d in dims)
        return _np_r2c(a, s, dims, norm, conjugate)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _r2c_transpose(grad_out, ctx.s, ctx.dims, ctx.norm, ctx.conjugate, ctx.in_sizes)


class FftR2CTranspose(Op):
    """z = R^T Re(F^H H^T g): FftR2C's gradient map;  grad_g = H F R grad_out."""

    complex_grad = True

    @staticmethod
    def forward(
        ctx: Any, g: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool, in_sizes: Sizes
    ) -> Any:
        ctx.s, ctx.dims, ctx.norm, ctx.conjugate = s, dims, norm, conjugate
        return _np_r2c_transpose(g, s, dims, norm, conjugate, in_sizes)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _r2c(grad_out, ctx.s, ctx.dims, ctx.norm, ctx.conjugate)


def _r2c(x: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool) -> Any:
    if dual.is_array(x):
        return _np_r2c(x, s, dims, norm, conjugate)
    return FftR2C.apply(x, s=s, dims=dims, norm=norm, conjugate=conjugate)


def _r2c_transpose(
    g: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool, in_sizes: Sizes
) -> Any:
    if dual.is_array(g):
        return _np_r2c_transpose(g, s, dims, norm, conjugate, in_sizes)
    kwargs = {"s": s, "dims": dims, "norm": norm, "in_sizes": in_sizes}
    return FftR2CTranspose.apply(g, conjugate=conjugate, **kwargs)


def _np_r2c(a: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool) -> Any:
    y = npfft.r2c(a, s, dims, norm)
    return y.conj() if conjugate else y


def _np_r2c_transpose(
    g: Any, s: Sizes, dims: Sizes, norm: str, conjugate: bool, in_sizes: Sizes
) -> Any:
    g = g.conj() if conjugate else g
    # ifftn's s zero-pads the one-sided last dim to the full spectrum (H^T)
    full = npfft.c2c(g, s, dims, npfft.OTHER_DIRECTION[norm], forward=False)
    return npfft.resize(full.real, dims, in_sizes).astype(npfft.real_dtype(g.dtype))


def _apply(op: str, x: Tensor, s: Sizes, dims: Sizes, norm: Any) -> Tensor:
    norm = "backward" if norm is None else norm
    conjugate = op.startswith("ihfft")
    if conjugate:
        norm = npfft.OTHER_DIRECTION[norm]
    return FftR2C.apply(x, s=s, dims=dims, norm=norm, conjugate=conjugate)  # type: ignore[no-any-return]


def _r2c_1d(op: str, input: Any, n: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = checked_input(op, input, norm)
    refuse_complex(op, x)
    return _apply(op, x, *one_dim(op, x, n, dim), norm)


def _r2c_nd(op: str, input: Any, s: Any, dim: Any, norm: Any) -> Tensor:  # noqa: A002
    x = checked_input(op, input, norm)
    if op.startswith("rfft"):
        refuse_complex(op, x)
    s, dims = shape_and_dims(op, x, s, dim, "r2c")
    if op.startswith("ihfft"):  # PyTorch's ihfft2 and ihfftn check their dims first
        refuse_complex(op, x)
    return _apply(op, x, s, dims, norm)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The FFT of a real signal, one-sided: bins ``0 .. n // 2`` of ``fft(input, n, dim)``.

    The other bins follow from Hermitian symmetry, ``y[n - k] = conj(y[k])``.

    Args:
        input: a real tensor (integers take the default dtype).
        n: signal length; the input is cut or zero-padded to ``n`` along ``dim``. Default:
            ``input.size(dim)``.
        dim: the transformed dim.
        norm: "backward" (None, no scale), "ortho" (1/sqrt(n)) or "forward" (1/n).

    Returns:
        A complex tensor (complex64 for float32 input, complex128 for float64) with
        ``n // 2 + 1`` points along ``dim``.

    Raises:
        RuntimeError: for a complex input, an unknown ``norm``, ``n`` below 1, or float16.
        IndexError: if ``dim`` is out of range.
        TypeError: if ``input`` is not a Tensor or ``n`` or ``dim`` not an int.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.rfft(mt.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j])
    """
    return _r2c_1d("rfft", input, n, dim, norm)


def rfft2(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:
    """``rfftn`` over two dims (the last two by default).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.rfft2(mt.ones(2, 4))
        tensor([[8.+0.j, 0.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j, 0.+0.j]])
    """
    return _r2c_nd("rfft2", input, s, dim, norm)


def rfftn(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:
    """The n-d FFT of a real signal, one-sided in the last of ``dim``.

    Args:
        input: a real tensor.
        s: signal sizes along ``dim`` (-1 keeps the input's); the input is cut or
            zero-padded to them.
        dim: the transformed dims, in order; the last one keeps ``s[-1] // 2 + 1`` bins
            (default: the last ``len(s)``, or all).
        norm: "backward" (None, no scale), "ortho" (1/sqrt(prod(s))) or "forward".

    Raises:
        RuntimeError: for a complex input, repeated dims, ``s`` and ``dim`` of different
            lengths, no dim, an unknown ``norm`` or a size below 1.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.rfftn(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([[10.+0.j, -2.+0.j],
                [-4.+0.j,  0.+0.j]])
    """
    return _r2c_nd("rfftn", input, s, dim, norm)


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of ``hfft``: bins ``0 .. n // 2`` of ``ifft`` of a real signal.

    ``ihfft(x) = conj(rfft(x)) / n`` for norm "backward" (None); "ortho" scales by
    1/sqrt(n), "forward" not at all. Arguments, result and errors as ``rfft``.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.ihfft(mt.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([ 2.5000-0.0000j, -0.5000-0.5000j, -0.5000-0.0000j])
    """
    return _r2c_1d("ihfft", input, n, dim, norm)


def ihfft2(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:
    """``ihfftn`` over two dims (the last two by default).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.ihfft2(mt.ones(3, 4)).shape
        microtensor.Size([3, 3])
    """
    return _r2c_nd("ihfft2", input, s, dim, norm)


def ihfftn(
    input: Tensor,  # noqa: A002
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:
    """The inverse of ``hfftn``: ``conj(rfftn(input))`` with the inverse's scale.

    Norm "backward" (None) scales by 1/prod(s); arguments and errors as ``rfftn``.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.ihfftn(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([[ 2.5000-0.j, -0.5000-0.j],
                [-1.0000-0.j,  0.0000-0.j]])
    """
    return _r2c_nd("ihfftn", input, s, dim, norm)
