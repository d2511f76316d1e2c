"""Building complex tensors and seeing them as real ones: complex, polar, view_as_real ...

``view_as_real`` and ``view_as_complex`` are views (they share memory with their input), as
in PyTorch: a complex tensor of shape ``(..., n)`` is, in memory, a real one of shape ``(...,
n, 2)`` holding (real, imag) pairs. ``complex`` and ``polar`` build new tensors.

Gradients follow PyTorch's convention (``z.grad = dL/dx + i dL/dy`` for z = x + iy and a real
loss L); each backward is linear in the incoming gradient or written with ``conj`` and ``sgn``
as PyTorch's derivatives are, so all four ops have second derivatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._dim_order import storage_offset
from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import mismatch_sentence, shape_of
from microtensor.ops.complex_parts import imag, real
from microtensor.ops.conversion import contiguous
from microtensor.ops.rounding import complex_sgn
from microtensor.tensor import Tensor

__all__ = ["complex", "polar", "view_as_complex", "view_as_real"]

_SCALAR_TYPES = {"float16": "Half", "float32": "Float", "float64": "Double", "bfloat16": "BFloat16"}


def _scalar_type(np_dtype: np.dtype) -> str:
    """PyTorch's ScalarType name of a dtype (``Float``, ``Long`` ...), as its messages print."""
    name = dtypes.from_numpy_dtype(np_dtype).name
    return _SCALAR_TYPES.get(name) or dtypes._TORCH_NAMES[name]


def _real_view(a: np.ndarray) -> np.ndarray:
    """The (real, imag) pairs of a complex array along a new last dim: a view of its memory."""
    return a[..., None].view(a.real.dtype)


def _complex_view(a: np.ndarray) -> np.ndarray:
    """Pairs along the last dim (stride 1) of a real array as complex numbers: a view."""
    return a.view(np.complex128 if a.dtype == np.float64 else np.complex64)[..., 0]


def _real_part(x: Any) -> Any:
    """The real part of a complex array (a fresh array) or Tensor (a recorded view)."""
    return np.array(x.real) if dual.is_array(x) else real(x)


def _imag_part(x: Any) -> Any:
    """The imaginary part of a complex array (a fresh array) or Tensor (a recorded view)."""
    return np.array(x.imag) if dual.is_array(x) else imag(x)


class ViewAsReal(Op):
    """z[..., 0] = Re(a), z[..., 1] = Im(a) (a view);  grad_a = g[..., 0] + i g[..., 1]."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return _real_view(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return _complex_view(np.asarray(grad_out, order="C"))
        return view_as_complex(contiguous(grad_out))


class ViewAsComplex(Op):
    """z = a[..., 0] + i a[..., 1] (a view);  grad_a[..., 0] = Re(g), grad_a[..., 1] = Im(g)."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.dtype = a.dtype
        return _complex_view(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return _real_view(np.asarray(grad_out, _complex_dtype(ctx.dtype), order="C"))
        return view_as_real(contiguous(grad_out))


class Complex(Op):
    """z = re + i im;  grad_re = Re(g),  grad_im = Im(g)."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, re: Any, im: Any) -> Any:
        z = np.empty(np.broadcast_shapes(re.shape, im.shape), _complex_dtype(re.dtype))
        z.real, z.imag = re, im
        return z

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        need_re, need_im = ctx.needs_input_grad
        return (
            _real_part(grad_out) if need_re else None,
            _imag_part(grad_out) if need_im else None,
        )


class Polar(Op):
    """z = r (cos t + i sin t);  grad_r = Re(conj(g) sgn(z)),  grad_t = Re(conj(g) i z).

    sgn(z) rather than exp(i t), as PyTorch's polar_backward: grad_r is 0 where r = 0.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, r: Any, t: Any) -> Any:
        z = np.empty(np.broadcast_shapes(r.shape, t.shape), _complex_dtype(r.dtype))
        z.real, z.imag = r * np.cos(t), r * np.sin(t)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        grad_conj = dual.conj(grad_out)
        need_r, need_t = ctx.needs_input_grad
        grad_r = _real_part(grad_conj * complex_sgn(z)) if need_r else None
        grad_t = _real_part(grad_conj * (z * 1j)) if need_t else None
        return grad_r, grad_t


def _complex_dtype(np_dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex128 if np_dtype == np.float64 else np.complex64)


def _check_parts(caller: str, names: tuple[str, str], a: Any, b: Any) -> None:
    """PyTorch's checks of complex() and polar(): two float32 or two float64 tensors."""
    for position, (name, value) in enumerate(zip(names, (a, b), strict=True), 1):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{caller}(): argument '{name}' (position {position}) must be Tensor, not "
                f"{type(value).__name__}"
            )
    da, db = a._data.dtype, b._data.dtype
    floating = ("float16", "float32", "float64")
    if da.name not in floating or db.name not in floating:
        raise RuntimeError(
            "Expected both inputs to be Half, Float or Double tensors but got "
            f"{_scalar_type(da)} and {_scalar_type(db)}"
        )
    if da != db:
        raise RuntimeError(
            f"Expected object of scalar type {_scalar_type(da)} but got scalar type "
            f"{_scalar_type(db)} for second argument"
        )
    if da == np.float16:
        raise RuntimeError(
            f"{caller}(): float16 inputs would give complex32 (ComplexHalf), which microtensor "
            "does not have: convert both with .float() first"
        )
    try:
        np.broadcast_shapes(shape_of(a), shape_of(b))
    except ValueError:
        raise RuntimeError(mismatch_sentence(shape_of(a), shape_of(b))) from None


def _out(out: Any, result: Tensor, caller: str) -> Tensor:
    """``result`` written into ``out``, which must have its dtype (torch's check)."""
    if isinstance(out, Tensor) and out._data.dtype != result._data.dtype:
        raise RuntimeError(
            f"Expected object of scalar type {_scalar_type(result._data.dtype)} but got scalar "
            f"type {_scalar_type(out._data.dtype)} for argument 'out'"
        )
    return write_out(out, result, caller)


def complex(real: Tensor, imag: Tensor, *, out: Any = None) -> Tensor:  # noqa: A001
    """The complex tensor ``real + i imag``, broadcasting the two (complex64 from float32).

    Differs from PyTorch: float16 parts raise (torch makes complex32, which microtensor lacks).

    Raises:
        TypeError: if ``real`` or ``imag`` is not a Tensor.
        RuntimeError: unless both are float32 or both float64, if they do not broadcast, or if
            ``out`` has another dtype than the result.

    Example:
        >>> import microtensor as mt
        >>> mt.complex(mt.tensor([1.0, 2.0]), mt.tensor([3.0, -4.0]))
        tensor([1.+3.j, 2.-4.j])
    """
    _check_parts("complex", ("real", "imag"), real, imag)
    if out is not None:
        return _out(out, complex(real, imag), "complex")
    return Complex.apply(real, imag)  # type: ignore[no-any-return]


def polar(abs: Tensor, angle: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """The complex tensor with magnitude ``abs`` and argument ``angle``: abs * (cos + i sin).

    Differs from PyTorch: float16 inputs raise RuntimeError (torch: NotImplementedError,
    "polar_cpu" not implemented for 'Half').

    Raises:
        TypeError: if ``abs`` or ``angle`` is not a Tensor.
        RuntimeError: unless both are float32 or both float64, if they do not broadcast, or if
            ``out`` has another dtype than the result.

    Example:
        >>> import microtensor as mt
        >>> mt.polar(mt.tensor([2.0]), mt.tensor([0.0]))
        tensor([2.+0.j])
    """
    _check_parts("polar", ("abs", "angle"), abs, angle)
    if out is not None:
        return _out(out, polar(abs, angle), "polar")
    return Polar.apply(abs, angle)  # type: ignore[no-any-return]


def view_as_real(input: Tensor) -> Tensor:  # noqa: A002
    """A complex tensor seen as a real one with a last dim of size 2 (real, imag): a view.

    The dtype is the float of the same precision (complex64: float32). Writing into the
    result changes ``input``.

    Raises:
        TypeError: if ``input`` is not a Tensor.
        RuntimeError: if ``input`` is not complex.

    Example:
        >>> import microtensor as mt
        >>> mt.view_as_real(mt.tensor([1 + 2j, 3 - 4j]))
        tensor([[ 1.,  2.],
                [ 3., -4.]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"view_as_real(): argument 'input' (position 1) must be Tensor, not "
            f"{type(input).__name__}"
        )
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)  # type: ignore[no-any-return]


def view_as_complex(input: Tensor) -> Tensor:  # noqa: A002
    """A real tensor whose last dim holds (real, imag) pairs, seen as complex: a view.

    float32 gives complex64, float64 complex128; the last dim (size 2, stride 1) goes away.
    Writing into the result changes ``input``.

    Differs from PyTorch: float16 raises (torch makes complex32, which microtensor lacks).

    Raises:
        TypeError: if ``input`` is not a Tensor.
        RuntimeError: for a dtype other than float32 or float64, a 0-d tensor, a last dim not
            of size 2 or not of stride 1, another stride or the storage offset odd.

    Example:
        >>> import microtensor as mt
        >>> mt.view_as_complex(mt.tensor([[1.0, 2.0], [3.0, -4.0]]))
        tensor([1.+2.j, 3.-4.j])
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"view_as_complex(): argument 'input' (position 1) must be Tensor, not "
            f"{type(input).__name__}"
        )
    _check_complex_view(input)
    return ViewAsComplex.apply(input)  # type: ignore[no-any-return]


def _check_complex_view(x: Tensor) -> None:
    """PyTorch's checks of view_as_complex, in its order."""
    a = x._data
    if a.dtype.name not in ("float32", "float64"):
        if a.dtype == np.float16:
            raise RuntimeError(
                "view_as_complex(): float16 would give complex32 (ComplexHalf), which "
                "microtensor does not have: convert with .float() first"
            )
        raise RuntimeError(
            "view_as_complex is only supported for half, float and double tensors, but got a "
            f"tensor of scalar type: {_scalar_type(a.dtype)}"
        )
    if a.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = x.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if storage_offset(a) % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
