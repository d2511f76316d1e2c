"""The named methods of ``Tensor``: each one line, delegating to ``microtensor.ops``.

Kept apart from ``tensor.py`` (which holds the data model) so both files stay short. Every
method is written out so "go to definition" finds it.

A method with ``@numpy_names`` has already turned NumPy's names into torch's when its body
runs, so it calls the function under the public one's ``@numpy_names`` wrapper,
``ops.sum.__wrapped__``: each call passes one wrapper, not two.
"""

from __future__ import annotations

import builtins
from typing import Any

from microtensor import _device, _inplace_views
from microtensor import storage as _storage
from microtensor._dim_order import dim_order as _dim_order_of
from microtensor._dim_order import storage_offset as _storage_offset_of
from microtensor._numpy_names import numpy_names

# The ops package, set by microtensor.tensor once Tensor exists (the ops import Tensor, so
# importing them here would be a cycle).
ops: Any = None


class TensorMethods:
    """Operators and methods of ``Tensor``; see the functions in ``microtensor.ops``."""

    __slots__ = ()
    _data: Any

    # fmt: off

    # --- operators -------------------------------------------------------------------------
    def __add__(self, other: Any) -> Any: return ops.add(self, other)
    def __radd__(self, other: Any) -> Any: return ops.add(other, self)
    def __iadd__(self, other: Any) -> Any: return self.add_(other)
    def __sub__(self, other: Any) -> Any: return ops.sub(self, other)
    def __rsub__(self, other: Any) -> Any: return ops.sub(other, self)
    def __isub__(self, other: Any) -> Any: return self.sub_(other)
    def __mul__(self, other: Any) -> Any: return ops.mul(self, other)
    def __rmul__(self, other: Any) -> Any: return ops.mul(other, self)
    def __imul__(self, other: Any) -> Any: return self.mul_(other)
    def __truediv__(self, other: Any) -> Any: return ops.div(self, other)
    def __rtruediv__(self, other: Any) -> Any: return ops.div(other, self)
    __rdiv__ = __rtruediv__  # PyTorch keeps the Python 2 name
    def __itruediv__(self, other: Any) -> Any: return self.div_(other)
    def __floordiv__(self, other: Any) -> Any: return ops.floor_divide(self, other)
    def __rfloordiv__(self, other: Any) -> Any: return ops.floor_divide(other, self)
    def __ifloordiv__(self, other: Any) -> Any: return self.floor_divide_(other)
    def __mod__(self, other: Any) -> Any: return ops.remainder(self, other)
    def __rmod__(self, other: Any) -> Any: return ops.remainder(other, self)
    def __imod__(self, other: Any) -> Any: return self.remainder_(other)
    def __pow__(self, exponent: Any) -> Any: return ops.pow(self, exponent)
    def __rpow__(self, base: Any) -> Any: return ops.pow(base, self)
    def __ipow__(self, exponent: Any) -> Any: return self.pow_(exponent)
    def __matmul__(self, other: Any) -> Any: return ops.matmul(self, other)
    def __rmatmul__(self, other: Any) -> Any: return ops.matmul(other, self)
    def __neg__(self) -> Any: return ops.neg(self)
    def __pos__(self) -> Any: return self
    def __abs__(self) -> Any: return ops.abs(self)
    def __invert__(self) -> Any: return ops.bitwise_not(self)
    def __and__(self, other: Any) -> Any: return ops.bitwise_and(self, other)
    def __rand__(self, other: Any) -> Any: return ops.bitwise_and(other, self)
    def __or__(self, other: Any) -> Any: return ops.bitwise_or(self, other)
    def __ror__(self, other: Any) -> Any: return ops.bitwise_or(other, self)
    def __xor__(self, other: Any) -> Any: return ops.bitwise_xor(self, other)
    def __rxor__(self, other: Any) -> Any: return ops.bitwise_xor(other, self)
    def __iand__(self, other: Any) -> Any: return self.bitwise_and_(other)
    def __ior__(self, other: Any) -> Any: return self.bitwise_or_(other)
    def __ixor__(self, other: Any) -> Any: return self.bitwise_xor_(other)
    def __lshift__(self, other: Any) -> Any: return ops.bitwise_left_shift(self, other)
    def __rlshift__(self, other: Any) -> Any: return ops.bitwise_left_shift(other, self)
    def __ilshift__(self, other: Any) -> Any: return self.bitwise_left_shift_(other)
    def __rshift__(self, other: Any) -> Any: return ops.bitwise_right_shift(self, other)
    def __rrshift__(self, other: Any) -> Any: return ops.bitwise_right_shift(other, self)
    def __irshift__(self, other: Any) -> Any: return self.bitwise_right_shift_(other)
    # ``t == None`` falls back to identity (False), as in PyTorch
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return NotImplemented if other is None else ops.eq(self, other)
    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return NotImplemented if other is None else ops.ne(self, other)
    def __lt__(self, other: Any) -> Any: return ops.lt(self, other)
    def __le__(self, other: Any) -> Any: return ops.le(self, other)
    def __gt__(self, other: Any) -> Any: return ops.gt(self, other)
    def __ge__(self, other: Any) -> Any: return ops.ge(self, other)
    def __getitem__(self, key: Any) -> Any: return ops.getitem(self, key)

    # --- arithmetic ------------------------------------------------------------------------
    def add(self, other: Any, *, alpha: Any = 1) -> Any: return ops.add(self, other, alpha=alpha)
    def sub(self, other: Any, *, alpha: Any = 1) -> Any: return ops.sub(self, other, alpha=alpha)
    subtract = sub
    def mul(self, other: Any) -> Any: return ops.mul(self, other)
    multiply = mul
    def div(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        return ops.div(self, other, rounding_mode=rounding_mode)
    divide = true_divide = div
    def floor_divide(self, other: Any) -> Any: return ops.floor_divide(self, other)
    def remainder(self, other: Any) -> Any: return ops.remainder(self, other)
    def fmod(self, other: Any) -> Any: return ops.fmod(self, other)
    def pow(self, exponent: Any) -> Any: return ops.pow(self, exponent)
    def neg(self) -> Any: return ops.neg(self)
    negative = neg
    def reciprocal(self) -> Any: return ops.reciprocal(self)
    def square(self) -> Any: return ops.square(self)

    # --- elementwise -----------------------------------------------------------------------
    def exp(self) -> Any: return ops.exp(self)
    def log(self) -> Any: return ops.log(self)
    def log1p(self) -> Any: return ops.log1p(self)
    def log2(self) -> Any: return ops.log2(self)
    def log10(self) -> Any: return ops.log10(self)
    def expm1(self) -> Any: return ops.expm1(self)
    def sqrt(self) -> Any: return ops.sqrt(self)
    def rsqrt(self) -> Any: return ops.rsqrt(self)
    def abs(self) -> Any: return ops.abs(self)
    absolute = abs
    def sign(self) -> Any: return ops.sign(self)
    def sin(self) -> Any: return ops.sin(self)
    def cos(self) -> Any: return ops.cos(self)
    def tan(self) -> Any: return ops.tan(self)
    def tanh(self) -> Any: return ops.tanh(self)
    def sigmoid(self) -> Any: return ops.sigmoid(self)
    def erf(self) -> Any: return ops.erf(self)
    def erfc(self) -> Any: return ops.erfc(self)
    def erfinv(self) -> Any: return ops.erfinv(self)
    def lgamma(self) -> Any: return ops.lgamma(self)
    def digamma(self) -> Any: return ops.digamma(self)
    def polygamma(self, n: builtins.int) -> Any: return ops.polygamma(n, self)
    def mvlgamma(self, p: builtins.int) -> Any: return ops.mvlgamma(self, p)
    def igamma(self, other: Any) -> Any: return ops.igamma(self, other)
    def igammac(self, other: Any) -> Any: return ops.igammac(self, other)
    def i0(self) -> Any: return ops.i0(self)
    def sinc(self) -> Any: return ops.sinc(self)
    def exp2(self) -> Any: return ops.exp2(self)
    def logit(self, eps: Any = None) -> Any: return ops.logit(self, eps)
    def xlogy(self, other: Any) -> Any: return ops.xlogy(self, other)
    def hypot(self, other: Any) -> Any: return ops.hypot(self, other)
    def sgn(self) -> Any: return ops.sgn(self)
    def fmax(self, other: Any) -> Any: return ops.fmax(self, other)
    def fmin(self, other: Any) -> Any: return ops.fmin(self, other)
    def heaviside(self, values: Any) -> Any: return ops.heaviside(self, values)
    def copysign(self, other: Any) -> Any: return ops.copysign(self, other)
    def nextafter(self, other: Any) -> Any: return ops.nextafter(self, other)
    def ldexp(self, other: Any) -> Any: return ops.ldexp(self, other)
    def frexp(self) -> Any: return ops.frexp(self)
    def float_power(self, exponent: Any) -> Any: return ops.float_power(self, exponent)
    def frac(self) -> Any: return ops.frac(self)
    def angle(self) -> Any: return ops.angle(self)
    def deg2rad(self) -> Any: return ops.deg2rad(self)
    def rad2deg(self) -> Any: return ops.rad2deg(self)
    def signbit(self) -> Any: return ops.signbit(self)
    def positive(self) -> Any: return ops.positive(self)
    def conj(self) -> Any: return ops.conj(self)
    def conj_physical(self) -> Any: return ops.conj_physical(self)
    def conj_physical_(self) -> Any:
        return self if self._data.dtype.kind != "c" else self._inplace(
            "conj_physical_", ops.conj_physical)
    def resolve_conj(self) -> Any: return ops.resolve_conj(self)
    def resolve_neg(self) -> Any: return ops.resolve_neg(self)
    def is_complex(self) -> bool: return ops.is_complex(self)  # type: ignore[no-any-return]
    def is_conj(self) -> bool: return ops.is_conj(self)  # type: ignore[no-any-return]
    def is_neg(self) -> bool: return ops.is_neg(self)  # type: ignore[no-any-return]
    @property
    def real(self) -> Any: return ops.real(self)
    @real.setter
    def real(self, value: Any) -> None: ops.real(self).copy_(value)  # torch writes through
    @property
    def imag(self) -> Any: return ops.imag(self)
    @imag.setter
    def imag(self, value: Any) -> None: ops.imag(self).copy_(value)
    def relu(self) -> Any: return ops.relu(self)
    def hardshrink(self, lambd: builtins.float = 0.5) -> Any:
        from microtensor.nn import functional  # nn comes after the Tensor class
        return functional.hardshrink(self, lambd)  # type: ignore[arg-type]
    def prelu(self, weight: Any) -> Any:
        from microtensor.nn import functional  # nn comes after the Tensor class
        return functional.prelu(self, weight)  # type: ignore[arg-type]
    def floor(self) -> Any: return ops.floor(self)
    def ceil(self) -> Any: return ops.ceil(self)
    def round(self, *, decimals: int = 0) -> Any: return ops.round(self, decimals=decimals)
    def trunc(self) -> Any: return ops.trunc(self)
    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return ops.clamp(self, min, max)
    clip = clamp
    def maximum(self, other: Any) -> Any: return ops.maximum(self, other)
    def minimum(self, other: Any) -> Any: return ops.minimum(self, other)
    def lerp(self, end: Any, weight: Any) -> Any: return ops.lerp(self, end, weight)
    def where(self, condition: Any, other: Any) -> Any: return ops.where(condition, self, other)
    def masked_fill(self, mask: Any, value: Any) -> Any: return ops.masked_fill(self, mask, value)
    def isnan(self) -> Any: return ops.isnan(self)
    def isinf(self) -> Any: return ops.isinf(self)
    def isfinite(self) -> Any: return ops.isfinite(self)
    def logical_not(self) -> Any: return ops.logical_not(self)
    def logical_and(self, other: Any) -> Any: return ops.logical_and(self, other)
    def logical_or(self, other: Any) -> Any: return ops.logical_or(self, other)
    def eq(self, other: Any) -> Any: return ops.eq(self, other)
    def ne(self, other: Any) -> Any: return ops.ne(self, other)
    def lt(self, other: Any) -> Any: return ops.lt(self, other)
    def le(self, other: Any) -> Any: return ops.le(self, other)
    def gt(self, other: Any) -> Any: return ops.gt(self, other)
    def ge(self, other: Any) -> Any: return ops.ge(self, other)
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
    def equal(self, other: Any) -> bool: return ops.equal(self, other)
    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return ops.allclose(self, other, rtol, atol, equal_nan)

    # --- reductions ------------------------------------------------------------------------
    @numpy_names
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return ops.sum.__wrapped__(self, dim, keepdim, dtype=dtype)
    @numpy_names
    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return ops.mean.__wrapped__(self, dim, keepdim, dtype=dtype)
    @numpy_names
    def prod(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return ops.prod.__wrapped__(self, dim, keepdim, dtype=dtype)
    @numpy_names
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.max.__wrapped__(self, dim, keepdim)
    @numpy_names
    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.min.__wrapped__(self, dim, keepdim)
    @numpy_names
    def amax(self, dim: Any = (), keepdim: bool = False) -> Any:
        return ops.amax.__wrapped__(self, dim, keepdim)
    @numpy_names
    def amin(self, dim: Any = (), keepdim: bool = False) -> Any:
        return ops.amin.__wrapped__(self, dim, keepdim)
    @numpy_names
    def argmax(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.argmax.__wrapped__(self, dim, keepdim)
    @numpy_names
    def argmin(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.argmin.__wrapped__(self, dim, keepdim)
    @numpy_names
    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None) -> Any:
        return ops.var.__wrapped__(self, dim, unbiased=unbiased, keepdim=keepdim,
                                   correction=1 if correction is None else correction)
    @numpy_names
    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None) -> Any:
        return ops.std.__wrapped__(self, dim, unbiased=unbiased, keepdim=keepdim,
                                   correction=1 if correction is None else correction)
    @numpy_names
    def logsumexp(self, dim: Any, keepdim: bool = False) -> Any:
        return ops.logsumexp.__wrapped__(self, dim, keepdim)
    @numpy_names
    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> Any:
        return ops.norm.__wrapped__(self, p, dim, keepdim, dtype=dtype)
    @numpy_names
    def cumsum(self, dim: int, *, dtype: Any = None) -> Any:
        return ops.cumsum.__wrapped__(self, dim, dtype=dtype)
    @numpy_names
    def all(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.all.__wrapped__(self, dim, keepdim)
    @numpy_names
    def any(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.any.__wrapped__(self, dim, keepdim)
    @numpy_names
    def softmax(self, dim: int, dtype: Any = None) -> Any:
        return ops.softmax.__wrapped__(self, dim, dtype)
    @numpy_names
    def log_softmax(self, dim: int, dtype: Any = None) -> Any:
        return ops.log_softmax.__wrapped__(self, dim, dtype)

    # --- shape -----------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Any: return ops.reshape(self, _shape_arg(shape))
    def view(self, *shape: Any) -> Any: return ops.view(self, _shape_arg(shape))
    def view_as(self, other: Any) -> Any: return ops.view(self, other.shape)
    def reshape_as(self, other: Any) -> Any: return ops.reshape(self, other.shape)
    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        return ops.flatten(self, start_dim, end_dim)
    @numpy_names
    def unflatten(self, dim: int, sizes: Any) -> Any:
        return ops.unflatten.__wrapped__(self, dim, sizes)
    def transpose(self, dim0: int, dim1: int) -> Any: return ops.transpose(self, dim0, dim1)
    swapaxes = swapdims = transpose
    def t(self) -> Any: return ops.t(self)
    def permute(self, *dims: Any) -> Any: return ops.permute(self, _shape_arg(dims))
    def movedim(self, source: Any, destination: Any) -> Any:
        return ops.movedim(self, source, destination)
    moveaxis = movedim
    @numpy_names
    def squeeze(self, dim: Any = None) -> Any: return ops.squeeze.__wrapped__(self, dim)
    @numpy_names
    def unsqueeze(self, dim: int) -> Any: return ops.unsqueeze.__wrapped__(self, dim)
    def expand(self, *sizes: Any) -> Any: return ops.expand(self, _shape_arg(sizes))
    def expand_as(self, other: Any) -> Any: return ops.expand(self, other.shape)
    def broadcast_to(self, size: Any) -> Any: return ops.broadcast_to(self, size)
    def repeat(self, *sizes: Any) -> Any: return ops.repeat(self, _shape_arg(sizes))
    def tile(self, dims: Any) -> Any: return ops.tile(self, dims)
    @numpy_names
    def split(self, split_size: Any, dim: int = 0) -> Any:
        return ops.split.__wrapped__(self, split_size, dim)
    @numpy_names
    def chunk(self, chunks: int, dim: int = 0) -> Any:
        return ops.chunk.__wrapped__(self, chunks, dim)
    @numpy_names
    def unbind(self, dim: int = 0) -> Any: return ops.unbind.__wrapped__(self, dim)
    @numpy_names
    def narrow(self, dim: int, start: int, length: int) -> Any:
        return ops.narrow.__wrapped__(self, dim, start, length)
    def flip(self, dims: Any) -> Any: return ops.flip(self, dims)
    def roll(self, shifts: Any, dims: Any = None) -> Any: return ops.roll(self, shifts, dims)
    def tril(self, diagonal: int = 0) -> Any: return ops.tril(self, diagonal)
    def triu(self, diagonal: int = 0) -> Any: return ops.triu(self, diagonal)
    def contiguous(self, memory_format: Any = None) -> Any:
        return ops.conversion.contiguous(self, memory_format)
    def clone(self, *, memory_format: Any = None) -> Any:
        return ops.clone(self, memory_format=memory_format)
    @numpy_names
    def gather(self, dim: int, index: Any) -> Any: return ops.gather.__wrapped__(self, dim, index)
    @numpy_names
    def scatter_add(self, dim: int, index: Any, src: Any) -> Any:
        return ops.scatter_add.__wrapped__(self, dim, index, src)
    @numpy_names
    def index_select(self, dim: int, index: Any) -> Any:
        return ops.index_select.__wrapped__(self, dim, index)

    # --- linear algebra --------------------------------------------------------------------
    def matmul(self, other: Any) -> Any: return ops.matmul(self, other)
    def mm(self, mat2: Any) -> Any: return ops.mm(self, mat2)
    def bmm(self, mat2: Any) -> Any: return ops.bmm(self, mat2)
    def mv(self, vec: Any) -> Any: return ops.mv(self, vec)
    def dot(self, other: Any) -> Any: return ops.dot(self, other)
    def outer(self, vec2: Any) -> Any: return ops.outer(self, vec2)
    ger = outer

    @property
    def T(self) -> Any:  # noqa: N802 - PyTorch's name
        """All dims reversed (the transpose of a matrix)."""
        return ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Any:  # noqa: N802 - PyTorch's name
        """The last two dims swapped."""
        return ops.transpose(self, -2, -1)

    @property
    def H(self) -> Any:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix (0-d or 2-d); ``T`` for real tensors."""
        if self._data.ndim not in (0, 2):
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got {self._data.ndim}-D "
                "tensor: use .mH for batches of matrices"
            )
        return ops.conj(ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1))))

    @property
    def mH(self) -> Any:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of the matrices; ``mT`` for real tensors."""
        return ops.conj(ops.transpose(self, -2, -1))

    def adjoint(self) -> Any:
        """The conjugate transpose of the matrices; ``mT`` for real tensors."""
        from microtensor._adjoint import adjoint  # it needs Tensor, defined after this class
        return adjoint(self)  # type: ignore[arg-type]

    # --- dtype -----------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Any: return ops.to(self, *args, **kwargs)
    def type(self, dtype: Any = None) -> Any:
        if dtype is None:
            return "microtensor." + _TYPE_NAMES[self._data.dtype.name]
        from microtensor._legacy_tensor_types import legacy_dtype  # mt.FloatTensor, 'torch.X'
        return ops.to(self, legacy_dtype(dtype) or dtype)
    @property
    def layout(self) -> Any:
        from microtensor._layout import strided
        return strided
    @property
    def nbytes(self) -> builtins.int: return builtins.int(self._data.nbytes)
    @property
    def itemsize(self) -> builtins.int: return builtins.int(self._data.itemsize)
    def is_nonzero(self) -> builtins.bool: return ops.is_nonzero(self)
    def ndimension(self) -> builtins.int: return builtins.int(self._data.ndim)
    def is_signed(self) -> builtins.bool: return builtins.bool(self._data.dtype.kind in "fic")
    def is_same_size(self, other: Any) -> builtins.bool:
        return builtins.bool(self._data.shape == other._data.shape)
    @property
    def is_cpu(self) -> builtins.bool: return True
    @property
    def volatile(self) -> builtins.bool:
        import warnings  # removed in PyTorch 0.4; only old scripts read it

        warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                      stacklevel=2)
        return False
    @volatile.setter
    def volatile(self, value: Any) -> None:
        import warnings

        warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                      "instead.", UserWarning, stacklevel=2)
    @numpy_names
    def stride(self, dim: Any = None) -> Any:
        # NumPy's byte strides in elements, which are PyTorch's for contiguous, transposed,
        # sliced and expanded tensors (negative after a flip); NumPy gives 0 for empty ones
        if self._data.size == 0:
            strides = _contiguous_strides(self._data.shape)
        else:
            strides = tuple(s // self._data.itemsize for s in self._data.strides)
        if dim is None:
            return strides
        return strides[ops._common.normalize_dim("stride", dim, self._data.ndim)]
    def data_ptr(self) -> builtins.int: return builtins.int(self._data.ctypes.data)
    const_data_ptr = data_ptr
    def untyped_storage(self) -> Any: return _storage.untyped_storage_of(self._data)
    def storage(self) -> Any: return _storage.typed_storage_of(self._data)
    def new(self, *args: Any, device: Any = None) -> Any:
        return ops.new_factories.new_legacy(self, args, device)
    def is_shared(self) -> builtins.bool: return False
    def share_memory_(self) -> Any: return self  # one process's memory (workers pickle)
    def float(self, memory_format: Any = None) -> Any:
        return ops.to(self, "float32", memory_format=memory_format)
    def double(self, memory_format: Any = None) -> Any:
        return ops.to(self, "float64", memory_format=memory_format)
    def half(self, memory_format: Any = None) -> Any:
        return ops.to(self, "float16", memory_format=memory_format)
    def long(self, memory_format: Any = None) -> Any:
        return ops.to(self, "int64", memory_format=memory_format)
    def int(self, memory_format: Any = None) -> Any:
        return ops.to(self, "int32", memory_format=memory_format)
    def short(self, memory_format: Any = None) -> Any:
        return ops.to(self, "int16", memory_format=memory_format)
    def char(self, memory_format: Any = None) -> Any:
        return ops.to(self, "int8", memory_format=memory_format)
    def byte(self, memory_format: Any = None) -> Any:
        return ops.to(self, "uint8", memory_format=memory_format)
    def bool(self, memory_format: Any = None) -> Any:
        return ops.to(self, "bool", memory_format=memory_format)
    def bfloat16(self, memory_format: Any = None) -> Any:
        return ops.to(self, "bfloat16", memory_format=memory_format)
    def cfloat(self, memory_format: Any = None) -> Any:
        return ops.to(self, "complex64", memory_format=memory_format)
    def cdouble(self, memory_format: Any = None) -> Any:
        return ops.to(self, "complex128", memory_format=memory_format)
    def cpu(self, memory_format: Any = None) -> Any: return self
    def cuda(self, device: Any = None, non_blocking: builtins.bool = False,
             memory_format: Any = None) -> Any:
        return _device.check_cpu(_device.cuda_index(device), "Tensor.cuda()")
    def pin_memory(self, device: Any = None) -> Any: return self  # no accelerator to pin for
    def is_pinned(self, device: Any = None) -> builtins.bool: return False
    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        from microtensor.utils.dlpack import export  # utils come after the Tensor class
        return export(self, stream, max_version, dl_device, copy)  # type: ignore[arg-type]
    def __dlpack_device__(self) -> tuple[builtins.int, builtins.int]: return (1, 0)  # kDLCPU
    def type_as(self, other: Any) -> Any: return ops.to(self, other.dtype)
    def new_zeros(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                  requires_grad: builtins.bool = False, layout: Any = None,
                  pin_memory: builtins.bool = False) -> Any:
        return ops.new_factories.new_sized(self, sizes, size, 0, "new_zeros", dtype=dtype,
                                        layout=layout, device=device,
                                        requires_grad=requires_grad, pin_memory=pin_memory)
    def new_ones(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: builtins.bool = False, layout: Any = None,
                 pin_memory: builtins.bool = False) -> Any:
        return ops.new_factories.new_sized(self, sizes, size, 1, "new_ones", dtype=dtype,
                                        layout=layout, device=device,
                                        requires_grad=requires_grad, pin_memory=pin_memory)
    def new_empty(self, *sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
                  requires_grad: builtins.bool = False, layout: Any = None,
                  pin_memory: builtins.bool = False) -> Any:
        # uninitialised in PyTorch; zeros here, so results never depend on garbage
        return ops.new_factories.new_sized(self, sizes, size, 0, "new_empty", dtype=dtype,
                                        layout=layout, device=device,
                                        requires_grad=requires_grad, pin_memory=pin_memory)
    def new_empty_strided(self, size: Any, stride: Any, *, dtype: Any = None,
                          device: Any = None, requires_grad: builtins.bool = False,
                          layout: Any = None, pin_memory: builtins.bool = False) -> Any:
        # the strides are checked, not used: microtensor keeps NumPy's layout
        return ops.new_factories.new_strided(self, size, stride, dtype=dtype, layout=layout,
                                          device=device, requires_grad=requires_grad,
                                          pin_memory=pin_memory)
    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: builtins.bool = False, layout: Any = None,
                 pin_memory: builtins.bool = False) -> Any:
        return ops.new_full(self, size, fill_value, dtype=dtype, layout=layout, device=device,
                            requires_grad=requires_grad, pin_memory=pin_memory)
    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None,
                   requires_grad: builtins.bool = False, layout: Any = None,
                   pin_memory: builtins.bool = False) -> Any:
        return ops.new_tensor(self, data, dtype=dtype, layout=layout, device=device,
                              requires_grad=requires_grad, pin_memory=pin_memory)

    # --- in place: each is the out-of-place op written into self (see Tensor._inplace) -----
    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._inplace("add_", ops.add, other, alpha=alpha)
    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._inplace("sub_", ops.sub, other, alpha=alpha)
    def mul_(self, other: Any) -> Any: return self._inplace("mul_", ops.mul, other)
    def div_(self, other: Any) -> Any: return self._inplace("div_", ops.div, other)
    def pow_(self, exponent: Any) -> Any: return self._inplace("pow_", ops.pow, exponent)
    def neg_(self) -> Any: return self._inplace("neg_", ops.neg)
    def exp_(self) -> Any: return self._inplace("exp_", ops.exp)
    def log_(self) -> Any: return self._inplace("log_", ops.log)
    def sqrt_(self) -> Any: return self._inplace("sqrt_", ops.sqrt)
    def abs_(self) -> Any: return self._inplace("abs_", _abs_in_place)
    def sigmoid_(self) -> Any: return self._inplace("sigmoid_", ops.sigmoid)
    def tanh_(self) -> Any: return self._inplace("tanh_", ops.tanh)
    def relu_(self) -> Any: return self._inplace("relu_", ops.relu)
    def erf_(self) -> Any: return self._inplace("erf_", ops.erf)
    def erfc_(self) -> Any: return self._inplace("erfc_", ops.erfc)
    def erfinv_(self) -> Any: return self._inplace("erfinv_", ops.erfinv)
    def lgamma_(self) -> Any: return self._inplace("lgamma_", ops.lgamma)
    def digamma_(self) -> Any: return self._inplace("digamma_", ops.digamma)
    def polygamma_(self, n: builtins.int) -> Any:
        return self._inplace("polygamma_", lambda x: ops.polygamma(n, x))
    def mvlgamma_(self, p: builtins.int) -> Any: return self._inplace("mvlgamma_", ops.mvlgamma, p)
    def igamma_(self, other: Any) -> Any: return self._inplace("igamma_", ops.igamma, other)
    def igammac_(self, other: Any) -> Any: return self._inplace("igammac_", ops.igammac, other)
    def i0_(self) -> Any: return self._inplace("i0_", ops.i0)
    def sinc_(self) -> Any: return self._inplace("sinc_", ops.sinc)
    def exp2_(self) -> Any: return self._inplace("exp2_", ops.exp2)
    def logit_(self, eps: Any = None) -> Any: return self._inplace("logit_", ops.logit, eps)
    def xlogy_(self, other: Any) -> Any: return self._inplace("xlogy_", ops.xlogy, other)
    def hypot_(self, other: Any) -> Any: return self._inplace("hypot_", ops.hypot, other)
    def sgn_(self) -> Any: return self._inplace("sgn_", ops.sgn)
    def copysign_(self, other: Any) -> Any: return self._inplace("copysign_", ops.copysign, other)
    def nextafter_(self, other: Any) -> Any:
        return self._inplace("nextafter_", ops.nextafter, other)
    def heaviside_(self, values: Any) -> Any:
        return self._inplace("heaviside_", ops.heaviside, values)
    def ldexp_(self, other: Any) -> Any: return self._inplace("ldexp_", ops.ldexp, other)
    def frac_(self) -> Any: return self._inplace("frac_", ops.frac)
    def deg2rad_(self) -> Any: return self._inplace("deg2rad_", ops.deg2rad)
    def rad2deg_(self) -> Any: return self._inplace("rad2deg_", ops.rad2deg)
    def acos_(self) -> Any: return self._inplace("acos_", ops.acos)
    arccos_ = acos_
    def asin_(self) -> Any: return self._inplace("asin_", ops.asin)
    arcsin_ = asin_
    def atan_(self) -> Any: return self._inplace("atan_", ops.atan)
    arctan_ = atan_
    def atan2_(self, other: Any) -> Any: return self._inplace("atan2_", ops.atan2, other)
    arctan2_ = atan2_
    def acosh_(self) -> Any: return self._inplace("acosh_", ops.acosh)
    arccosh_ = acosh_
    def asinh_(self) -> Any: return self._inplace("asinh_", ops.asinh)
    arcsinh_ = asinh_
    def atanh_(self) -> Any: return self._inplace("atanh_", ops.atanh)
    arctanh_ = atanh_
    def cos_(self) -> Any: return self._inplace("cos_", ops.cos)
    def cosh_(self) -> Any: return self._inplace("cosh_", ops.cosh)
    def sin_(self) -> Any: return self._inplace("sin_", ops.sin)
    def sinh_(self) -> Any: return self._inplace("sinh_", ops.sinh)
    def tan_(self) -> Any: return self._inplace("tan_", ops.tan)
    def ceil_(self) -> Any: return self._inplace("ceil_", ops.ceil)
    def floor_(self) -> Any: return self._inplace("floor_", ops.floor)
    def round_(self, *, decimals: builtins.int = 0) -> Any:
        return self._inplace("round_", ops.round, decimals=decimals)
    def trunc_(self) -> Any: return self._inplace("trunc_", ops.trunc)
    def fix(self) -> Any: return ops.trunc(self)
    def fix_(self) -> Any: return self._inplace("fix_", ops.trunc)
    def expm1_(self) -> Any: return self._inplace("expm1_", ops.expm1)
    def log10_(self) -> Any: return self._inplace("log10_", ops.log10)
    def log1p_(self) -> Any: return self._inplace("log1p_", ops.log1p)
    def log2_(self) -> Any: return self._inplace("log2_", ops.log2)
    def reciprocal_(self) -> Any: return self._inplace("reciprocal_", ops.reciprocal)
    def rsqrt_(self) -> Any: return self._inplace("rsqrt_", ops.rsqrt)
    def sign_(self) -> Any: return self._inplace("sign_", ops.sign)
    def square_(self) -> Any: return self._inplace("square_", ops.square)
    def negative_(self) -> Any: return self._inplace("negative_", ops.neg)
    def absolute_(self) -> Any: return self._inplace("absolute_", _abs_in_place)
    def nan_to_num_(self, nan: builtins.float = 0.0, posinf: Any = None,
                    neginf: Any = None) -> Any:
        return self._inplace("nan_to_num_", ops.nan_to_num, nan, posinf, neginf)
    def float_power_(self, exponent: Any) -> Any:
        return self._inplace("float_power_", ops.float_power, exponent)
    def fmod_(self, other: Any) -> Any: return self._inplace("fmod_", ops.fmod, other)
    def remainder_(self, other: Any) -> Any:
        return self._inplace("remainder_", ops.remainder, other)
    def floor_divide_(self, other: Any) -> Any:
        return self._inplace("floor_divide_", ops.floor_divide, other)
    def true_divide_(self, other: Any) -> Any:
        return self._inplace("true_divide_", ops.div, other)
    def divide_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        return self._inplace("divide_", ops.div, other, rounding_mode=rounding_mode)
    def multiply_(self, other: Any) -> Any: return self._inplace("multiply_", ops.mul, other)
    def subtract_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._inplace("subtract_", ops.sub, other, alpha=alpha)
    def clamp_min_(self, min: Any) -> Any:  # noqa: A002
        return self._inplace("clamp_min_", ops.clamp_min, min)
    def clamp_max_(self, max: Any) -> Any:  # noqa: A002
        return self._inplace("clamp_max_", ops.clamp_max, max)
    def addmm_(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace("addmm_", ops.addmm, mat1, mat2, beta=beta, alpha=alpha)
    def addmv_(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace("addmv_", ops.addmv, mat, vec, beta=beta, alpha=alpha)
    def addr_(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace("addr_", ops.addr, vec1, vec2, beta=beta, alpha=alpha)
    def addbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace("addbmm_", ops.addbmm, batch1, batch2, beta=beta, alpha=alpha)
    def baddbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._inplace("baddbmm_", ops.baddbmm, batch1, batch2, beta=beta, alpha=alpha)
    @numpy_names
    def cumsum_(self, dim: builtins.int, dtype: Any = None) -> Any:
        return self._inplace("cumsum_", ops.cumsum.__wrapped__, dim, dtype=dtype)
    @numpy_names
    def cumprod_(self, dim: builtins.int, dtype: Any = None) -> Any:
        return self._inplace("cumprod_", ops.cumprod.__wrapped__, dim, dtype=dtype)
    def tril_(self, diagonal: builtins.int = 0) -> Any:
        return self._inplace("tril_", ops.tril, diagonal)
    def triu_(self, diagonal: builtins.int = 0) -> Any:
        return self._inplace("triu_", ops.triu, diagonal)
    # comparisons and logical ops write 0/1 in self's dtype, as in PyTorch (differs: on a
    # tensor that requires grad the result no longer does; PyTorch keeps a zero gradient)
    def eq_(self, other: Any) -> Any: return self._inplace("eq_", ops.eq, other)
    def ne_(self, other: Any) -> Any: return self._inplace("ne_", ops.ne, other)
    not_equal_ = ne_
    def lt_(self, other: Any) -> Any: return self._inplace("lt_", ops.lt, other)
    less_ = lt_
    def le_(self, other: Any) -> Any: return self._inplace("le_", ops.le, other)
    less_equal_ = le_
    def gt_(self, other: Any) -> Any: return self._inplace("gt_", ops.gt, other)
    greater_ = gt_
    def ge_(self, other: Any) -> Any: return self._inplace("ge_", ops.ge, other)
    greater_equal_ = ge_
    def logical_and_(self, other: Any) -> Any:
        return self._inplace("logical_and_", ops.logical_and, other)
    def logical_or_(self, other: Any) -> Any:
        return self._inplace("logical_or_", ops.logical_or, other)
    def logical_xor_(self, other: Any) -> Any:
        return self._inplace("logical_xor_", ops.logical_xor, other)
    def logical_not_(self) -> Any: return self._inplace("logical_not_", ops.logical_not)
    def bitwise_and(self, other: Any) -> Any: return ops.bitwise_and(self, other)
    def bitwise_or(self, other: Any) -> Any: return ops.bitwise_or(self, other)
    def bitwise_xor(self, other: Any) -> Any: return ops.bitwise_xor(self, other)
    def bitwise_not(self) -> Any: return ops.bitwise_not(self)
    def bitwise_and_(self, other: Any) -> Any:
        return self._inplace("bitwise_and_", ops.bitwise_and, other)
    def bitwise_or_(self, other: Any) -> Any:
        return self._inplace("bitwise_or_", ops.bitwise_or, other)
    def bitwise_xor_(self, other: Any) -> Any:
        return self._inplace("bitwise_xor_", ops.bitwise_xor, other)
    def bitwise_not_(self) -> Any: return self._inplace("bitwise_not_", ops.bitwise_not)
    def bitwise_left_shift(self, other: Any) -> Any: return ops.bitwise_left_shift(self, other)
    def bitwise_right_shift(self, other: Any) -> Any: return ops.bitwise_right_shift(self, other)
    def bitwise_left_shift_(self, other: Any) -> Any:
        return self._inplace("bitwise_left_shift_", ops.bitwise_left_shift, other)
    def bitwise_right_shift_(self, other: Any) -> Any:
        return self._inplace("bitwise_right_shift_", ops.bitwise_right_shift, other)
    def gcd(self, other: Any) -> Any: return ops.gcd(self, other)
    def lcm(self, other: Any) -> Any: return ops.lcm(self, other)
    def gcd_(self, other: Any) -> Any: return self._inplace("gcd_", ops.gcd, other)
    def lcm_(self, other: Any) -> Any: return self._inplace("lcm_", ops.lcm, other)
    def apply_(self, callable: Any) -> Any:  # noqa: A002 - PyTorch's argument name
        from microtensor._tensor_callables import apply_  # one Python call per element
        return apply_(self, callable)
    def map_(self, tensor: Any, callable: Any) -> Any:  # noqa: A002
        from microtensor._tensor_callables import map_
        return map_(self, tensor, callable)
    def map2_(self, x: Any, y: Any, callable: Any) -> Any:  # noqa: A002
        from microtensor._tensor_callables import map2_
        return map2_(self, x, y, callable)
    def is_inference(self) -> builtins.bool: return False  # inference_mode makes plain tensors
    # in-place view ops change self's shape and strides, not its values (see _inplace_views)
    def t_(self) -> Any: return _inplace_views.apply(self, "t_", ops.t)
    def transpose_(self, dim0: builtins.int, dim1: builtins.int) -> Any:
        return _inplace_views.apply(self, "transpose_", ops.transpose, dim0, dim1)
    def swapaxes_(self, axis0: builtins.int, axis1: builtins.int) -> Any:
        return _inplace_views.apply(self, "swapaxes_", ops.transpose, axis0, axis1)
    def swapdims_(self, dim0: builtins.int, dim1: builtins.int) -> Any:
        return _inplace_views.apply(self, "swapdims_", ops.transpose, dim0, dim1)
    @numpy_names
    def squeeze_(self, dim: Any = None) -> Any:
        return _inplace_views.apply(self, "squeeze_", ops.squeeze.__wrapped__, dim)
    @numpy_names
    def unsqueeze_(self, dim: builtins.int) -> Any:
        return _inplace_views.apply(self, "unsqueeze_", ops.unsqueeze.__wrapped__, dim)
    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return self._inplace("clamp_", ops.clamp, min, max)
    clip_ = clamp_
    def lerp_(self, end: Any, weight: Any) -> Any:
        return self._inplace("lerp_", ops.lerp, end, weight)
    def masked_fill_(self, mask: Any, value: Any) -> Any:
        return self._inplace("masked_fill_", ops.masked_fill, mask, value)
    def fill_(self, value: Any) -> Any: return self._inplace("fill_", ops.full_like_op, value)
    def zero_(self) -> Any: return self._inplace("zero_", ops.full_like_op, 0)
    def copy_(self, src: Any, non_blocking: builtins.bool = False) -> Any:  # a no-op on the CPU
        return self._inplace("copy_", ops.copy_op, src)
    def resize_(self, *sizes: Any, memory_format: Any = None) -> Any:
        return ops.resize_(self, _shape_arg(sizes), memory_format)
    def resize_as_(self, the_template: Any, *, memory_format: Any = None) -> Any:
        return ops.resize_as_(self, the_template, memory_format=memory_format)
    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return self._inplace("addcmul_", ops.addcmul, tensor1, tensor2, value=value)
    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return self._inplace("addcdiv_", ops.addcdiv, tensor1, tensor2, value=value)
    @numpy_names
    def scatter_add_(self, dim: builtins.int, index: Any, src: Any) -> Any:
        return self._inplace("scatter_add_", ops.scatter_add.__wrapped__, dim, index, src)
    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, *,
                 generator: Any = None) -> Any:
        return self._inplace("uniform_", ops.random_like_op, "uniform", a, b, generator=generator)
    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *,
                generator: Any = None) -> Any:
        return self._inplace("normal_", ops.random_like_op, "normal", mean, std,
                             generator=generator)
    def exponential_(self, lambd: builtins.float = 1.0, *, generator: Any = None) -> Any:
        return self._inplace("exponential_", ops.random_like_op, "exponential", lambd, 0.0,
                             generator=generator)
    def geometric_(self, p: builtins.float, *, generator: Any = None) -> Any:
        return self._inplace("geometric_", ops.random_like_op, "geometric", p, 0.0,
                             generator=generator)
    def cauchy_(self, median: builtins.float = 0.0, sigma: builtins.float = 1.0, *,
                generator: Any = None) -> Any:
        return self._inplace("cauchy_", ops.random_like_op, "cauchy", median, sigma,
                             generator=generator)
    def log_normal_(self, mean: builtins.float = 1.0, std: builtins.float = 2.0, *,
                    generator: Any = None) -> Any:
        return self._inplace("log_normal_", ops.random_like_op, "log_normal", mean, std,
                             generator=generator)
    def random_(self, *bounds: Any, generator: Any = None, **to: Any) -> Any:
        return self._inplace("random_", ops.random_like_op, "random", bounds, to,
                             generator=generator)
    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Any:
        return self._inplace("bernoulli_", ops.random_sampling.bernoulli_like, p,
                             generator=generator)
    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Any:
        return ops.bernoulli(self, p, generator=generator)
    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return ops.addcmul(self, tensor1, tensor2, value=value)
    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return ops.addcdiv(self, tensor1, tensor2, value=value)
    def diagflat(self, offset: builtins.int = 0) -> Any: return ops.diagflat(self, offset)

    # --- sorting, scans, more math, matrices (sorting, cumulative, hyperbolic, misc*, matrix)
    @numpy_names
    def sort(self, dim: builtins.int = -1, descending: builtins.bool = False, *,
             stable: builtins.bool = False) -> Any:
        return ops.sort.__wrapped__(self, dim, descending, stable=stable)
    @numpy_names
    def argsort(self, dim: builtins.int = -1, descending: builtins.bool = False,
                stable: builtins.bool = False) -> Any:
        return ops.argsort.__wrapped__(self, dim, descending, stable)
    def msort(self) -> Any: return ops.msort(self)
    def multinomial(self, num_samples: builtins.int, replacement: builtins.bool = False, *,
                    generator: Any = None) -> Any:
        return ops.multinomial(self, num_samples, replacement, generator=generator)
    @numpy_names
    def topk(self, k: builtins.int, dim: builtins.int = -1, largest: builtins.bool = True,
             sorted: builtins.bool = True) -> Any:  # noqa: A002
        return ops.topk.__wrapped__(self, k, dim, largest, sorted)
    @numpy_names
    def kthvalue(self, k: builtins.int, dim: builtins.int = -1,
                 keepdim: builtins.bool = False) -> Any:
        return ops.kthvalue.__wrapped__(self, k, dim, keepdim)
    @numpy_names
    def median(self, dim: Any = None, keepdim: builtins.bool = False) -> Any:
        return ops.median.__wrapped__(self, dim, keepdim)
    @numpy_names
    def unique(self, sorted: builtins.bool = True,  # noqa: A002
               return_inverse: builtins.bool = False, return_counts: builtins.bool = False,
               dim: Any = None) -> Any:
        return ops.unique.__wrapped__(self, sorted, return_inverse, return_counts, dim)
    @numpy_names
    def unique_consecutive(self, return_inverse: builtins.bool = False,
                           return_counts: builtins.bool = False, dim: Any = None) -> Any:
        return ops.unique_consecutive.__wrapped__(self, return_inverse, return_counts, dim)
    @numpy_names
    def cumprod(self, dim: builtins.int, *, dtype: Any = None) -> Any:
        return ops.cumprod.__wrapped__(self, dim, dtype=dtype)
    @numpy_names
    def cummax(self, dim: builtins.int) -> Any: return ops.cummax.__wrapped__(self, dim)
    @numpy_names
    def cummin(self, dim: builtins.int) -> Any: return ops.cummin.__wrapped__(self, dim)
    @numpy_names
    def logcumsumexp(self, dim: builtins.int) -> Any: return ops.logcumsumexp.__wrapped__(self, dim)
    def asin(self) -> Any: return ops.asin(self)
    arcsin = asin
    def acos(self) -> Any: return ops.acos(self)
    arccos = acos
    def atan(self) -> Any: return ops.atan(self)
    arctan = atan
    def atan2(self, other: Any) -> Any: return ops.atan2(self, other)
    arctan2 = atan2
    def sinh(self) -> Any: return ops.sinh(self)
    def cosh(self) -> Any: return ops.cosh(self)
    def asinh(self) -> Any: return ops.asinh(self)
    arcsinh = asinh
    def acosh(self) -> Any: return ops.acosh(self)
    arccosh = acosh
    def atanh(self) -> Any: return ops.atanh(self)
    arctanh = atanh
    def logaddexp(self, other: Any) -> Any: return ops.logaddexp(self, other)
    def logaddexp2(self, other: Any) -> Any: return ops.logaddexp2(self, other)
    def nan_to_num(self, nan: builtins.float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
        return ops.nan_to_num(self, nan, posinf, neginf)
    def clamp_min(self, min: Any) -> Any: return ops.clamp_min(self, min)  # noqa: A002
    def clamp_max(self, max: Any) -> Any: return ops.clamp_max(self, max)  # noqa: A002
    @numpy_names
    def count_nonzero(self, dim: Any = None) -> Any: return ops.count_nonzero.__wrapped__(self, dim)
    def ravel(self) -> Any: return ops.ravel(self)
    @numpy_names
    def diff(self, n: builtins.int = 1, dim: builtins.int = -1, prepend: Any = None,
             append: Any = None) -> Any:
        return ops.diff.__wrapped__(self, n, dim, prepend, append)
    @numpy_names
    def repeat_interleave(self, repeats: Any, dim: Any = None, *, output_size: Any = None) -> Any:
        return ops.repeat_interleave.__wrapped__(self, repeats, dim, output_size=output_size)
    @numpy_names
    def index_add(self, dim: builtins.int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        return ops.index_add.__wrapped__(self, dim, index, source, alpha=alpha)
    def bincount(self, weights: Any = None, minlength: builtins.int = 0) -> Any:
        return ops.bincount(self, weights, minlength)
    def diag(self, diagonal: builtins.int = 0) -> Any: return ops.diag(self, diagonal)
    def diagonal(self, offset: builtins.int = 0, dim1: builtins.int = 0,
                 dim2: builtins.int = 1) -> Any:
        return ops.diagonal(self, offset, dim1, dim2)
    def diag_embed(self, offset: builtins.int = 0, dim1: builtins.int = -2,
                   dim2: builtins.int = -1) -> Any:
        return ops.diag_embed(self, offset, dim1, dim2)
    def trace(self) -> Any: return ops.trace(self)
    @numpy_names
    def cross(self, other: Any, dim: Any = None) -> Any:
        return ops.cross.__wrapped__(self, other, dim)
    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)
    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return ops.addmv(self, mat, vec, beta=beta, alpha=alpha)
    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)
    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    def inverse(self) -> Any: return ops.inverse(self)
    def det(self) -> Any: return ops.det(self)
    def logdet(self) -> Any: return ops.logdet(self)
    def slogdet(self) -> Any: return ops.slogdet(self)
    def pinverse(self, rcond: builtins.float = 1e-15) -> Any: return ops.pinverse(self, rcond)
    def matrix_power(self, n: builtins.int) -> Any: return ops.matrix_power(self, n)
    def matrix_exp(self) -> Any: return ops.matrix_exp(self)
    def svd(self, some: builtins.bool = True, compute_uv: builtins.bool = True) -> Any:
        return ops.svd(self, some, compute_uv)
    def qr(self, some: builtins.bool = True) -> Any: return ops.qr(self, some)
    def cholesky(self, upper: builtins.bool = False) -> Any: return ops.cholesky(self, upper)
    def lu(self, pivot: builtins.bool = True, get_infos: builtins.bool = False) -> Any:
        return ops.lu(self, pivot, get_infos)
    def lu_solve(self, LU_data: Any, LU_pivots: Any) -> Any:  # noqa: N803
        return ops.lu_solve(self, LU_data, LU_pivots)
    def cholesky_solve(self, input2: Any, upper: builtins.bool = False) -> Any:
        return ops.cholesky_solve(self, input2, upper)
    def cholesky_inverse(self, upper: builtins.bool = False) -> Any:
        return ops.cholesky_inverse(self, upper)
    def triangular_solve(self, A: Any, upper: builtins.bool = True,  # noqa: N803
                         transpose: builtins.bool = False,
                         unitriangular: builtins.bool = False) -> Any:
        return ops.triangular_solve(self, A, upper, transpose, unitriangular)
    def geqrf(self) -> Any: return ops.geqrf(self)
    def ormqr(self, input2: Any, input3: Any, left: builtins.bool = True,
              transpose: builtins.bool = False) -> Any:
        return ops.ormqr(self, input2, input3, left, transpose)
    def orgqr(self, input2: Any) -> Any: return ops.orgqr(self, input2)
    def vdot(self, other: Any) -> Any: return ops.vdot(self, other)
    def kron(self, other: Any) -> Any: return ops.kron(self, other)
    def inner(self, other: Any) -> Any: return ops.inner(self, other)

    # --- in place (with the others, in the in-place section) ---------------------------------
    @numpy_names
    def index_add_(self, dim: builtins.int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        return self._inplace("index_add_", ops.index_add.__wrapped__, dim, index, source,
                             alpha=alpha)
    def fill_diagonal_(self, fill_value: Any, wrap: builtins.bool = False) -> Any:
        return self._inplace("fill_diagonal_", ops.fill_diagonal_op, fill_value, wrap)
    @numpy_names
    def index_copy(self, dim: builtins.int, index: Any, source: Any) -> Any:
        return ops.index_copy.__wrapped__(self, dim, index, source)
    @numpy_names
    def index_copy_(self, dim: builtins.int, index: Any, source: Any) -> Any:
        return self._inplace("index_copy_", ops.index_copy.__wrapped__, dim, index, source)
    @numpy_names
    def index_fill(self, dim: builtins.int, index: Any, value: Any) -> Any:
        return ops.index_fill.__wrapped__(self, dim, index, value)
    @numpy_names
    def index_fill_(self, dim: builtins.int, index: Any, value: Any) -> Any:
        return self._inplace("index_fill_", ops.index_fill.__wrapped__, dim, index, value)
    @numpy_names
    def index_reduce(self, dim: builtins.int, index: Any, source: Any, reduce: str, *,
                     include_self: builtins.bool = True) -> Any:
        return ops.index_reduce.__wrapped__(self, dim, index, source, reduce,
                                            include_self=include_self)
    @numpy_names
    def index_reduce_(self, dim: builtins.int, index: Any, source: Any, reduce: str, *,
                      include_self: builtins.bool = True) -> Any:
        return self._inplace("index_reduce_", ops.index_reduce.__wrapped__, dim, index, source,
                             reduce, include_self=include_self)
    @numpy_names
    def scatter(self, dim: builtins.int, index: Any, src: Any = None, *, value: Any = None,
                reduce: Any = None) -> Any:
        return ops.scatter.__wrapped__(self, dim, index, src, value=value, reduce=reduce)
    @numpy_names
    def scatter_(self, dim: builtins.int, index: Any, src: Any = None, *,
                 value: Any = None, reduce: Any = None) -> Any:
        return self._inplace("scatter_", ops.scatter.__wrapped__, dim, index, src, value=value,
                             reduce=reduce)
    @numpy_names
    def scatter_reduce(self, dim: builtins.int, index: Any, src: Any, reduce: str, *,
                       include_self: builtins.bool = True) -> Any:
        return ops.scatter_reduce.__wrapped__(self, dim, index, src, reduce,
                                              include_self=include_self)
    @numpy_names
    def scatter_reduce_(self, dim: builtins.int, index: Any, src: Any, reduce: str, *,
                        include_self: builtins.bool = True) -> Any:
        return self._inplace("scatter_reduce_", ops.scatter_reduce.__wrapped__, dim, index, src,
                             reduce, include_self=include_self)
    @numpy_names
    def select(self, dim: builtins.int, index: builtins.int) -> Any:
        return ops.select.__wrapped__(self, dim, index)
    def take(self, index: Any) -> Any: return ops.take(self, index)
    @numpy_names
    def take_along_dim(self, indices: Any, dim: Any = None) -> Any:
        return ops.take_along_dim.__wrapped__(self, indices, dim)
    def argwhere(self) -> Any: return ops.argwhere(self)
    def nonzero(self, *, as_tuple: builtins.bool = False) -> Any:
        return ops.nonzero(self, as_tuple=as_tuple)
    @numpy_names
    def slice_scatter(self, src: Any, dim: builtins.int = 0, start: Any = None, end: Any = None,
                      step: builtins.int = 1) -> Any:
        return ops.slice_scatter.__wrapped__(self, src, dim, start, end, step)
    @numpy_names
    def select_scatter(self, src: Any, dim: builtins.int, index: builtins.int) -> Any:
        return ops.select_scatter.__wrapped__(self, src, dim, index)
    def diagonal_scatter(self, src: Any, offset: builtins.int = 0, dim1: builtins.int = 0,
                         dim2: builtins.int = 1) -> Any:
        return ops.diagonal_scatter(self, src, offset, dim1, dim2)
    @numpy_names
    def split_with_sizes(self, split_sizes: Any, dim: builtins.int = 0) -> Any:
        return ops.split_with_sizes.__wrapped__(self, split_sizes, dim)
    unsafe_split_with_sizes = split_with_sizes  # PyTorch's unchecked-aliasing variant
    @numpy_names
    def tensor_split(self, indices_or_sections: Any, dim: builtins.int = 0) -> Any:
        return ops.tensor_split.__wrapped__(self, indices_or_sections, dim)
    @numpy_names
    def narrow_copy(self, dim: builtins.int, start: builtins.int, length: builtins.int) -> Any:
        return ops.narrow_copy.__wrapped__(self, dim, start, length)
    def fliplr(self) -> Any: return ops.fliplr(self)
    def flipud(self) -> Any: return ops.flipud(self)
    def rot90(self, k: builtins.int = 1, dims: Any = (0, 1)) -> Any: return ops.rot90(self, k, dims)
    def unfold(self, dimension: builtins.int, size: builtins.int, step: builtins.int) -> Any:
        return ops.rearrange.unfold(self, dimension, size, step)
    def stft(self, n_fft: builtins.int, hop_length: Any = None, win_length: Any = None,
             window: Any = None, center: builtins.bool = True, pad_mode: builtins.str = "reflect",
             normalized: builtins.bool = False, onesided: Any = None,
             return_complex: Any = None, align_to_window: Any = None) -> Any:
        return ops.stft(self, n_fft, hop_length, win_length, window, center, pad_mode,
                        normalized, onesided, return_complex, align_to_window)
    def istft(self, n_fft: builtins.int, hop_length: Any = None, win_length: Any = None,
              window: Any = None, center: builtins.bool = True, normalized: builtins.bool = False,
              onesided: Any = None, length: Any = None,
              return_complex: builtins.bool = False) -> Any:
        return ops.istft(self, n_fft, hop_length, win_length, window, center, normalized,
                         onesided, length, return_complex)
    @numpy_names
    def nansum(self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None) -> Any:
        return ops.nansum.__wrapped__(self, dim, keepdim, dtype=dtype)
    @numpy_names
    def nanmean(self, dim: Any = None, keepdim: builtins.bool = False, *,
                dtype: Any = None) -> Any:
        return ops.nanmean.__wrapped__(self, dim, keepdim, dtype=dtype)
    @numpy_names
    def nanmedian(self, dim: Any = None, keepdim: builtins.bool = False) -> Any:
        return ops.nanmedian.__wrapped__(self, dim, keepdim)
    @numpy_names
    def mode(self, dim: builtins.int = -1, keepdim: builtins.bool = False) -> Any:
        return ops.mode.__wrapped__(self, dim, keepdim)
    @numpy_names
    def aminmax(self, *, dim: Any = None, keepdim: builtins.bool = False) -> Any:
        return ops.aminmax.__wrapped__(self, dim=dim, keepdim=keepdim)
    @numpy_names
    def quantile(self, q: Any, dim: Any = None, keepdim: builtins.bool = False, *,
                 interpolation: str = "linear") -> Any:
        return ops.quantile.__wrapped__(self, q, dim, keepdim, interpolation=interpolation)
    @numpy_names
    def nanquantile(self, q: Any, dim: Any = None, keepdim: builtins.bool = False, *,
                    interpolation: str = "linear") -> Any:
        return ops.nanquantile.__wrapped__(self, q, dim, keepdim, interpolation=interpolation)
    def cov(self, *, correction: builtins.int = 1, fweights: Any = None,
            aweights: Any = None) -> Any:
        return ops.cov(self, correction=correction, fweights=fweights, aweights=aweights)
    def corrcoef(self) -> Any: return ops.corrcoef(self)
    def histc(self, bins: builtins.int = 100, min: Any = 0, max: Any = 0) -> Any:  # noqa: A002
        return ops.histc(self, bins, min, max)
    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None,  # noqa: A002
                  density: builtins.bool = False) -> Any:
        return ops.histogram(self, bins, range=range, weight=weight, density=density)
    def dist(self, other: Any, p: Any = 2) -> Any: return ops.dist(self, other, p)
    @numpy_names
    def renorm(self, p: Any, dim: builtins.int, maxnorm: Any) -> Any:
        return ops.renorm.__wrapped__(self, p, dim, maxnorm)
    @numpy_names
    def renorm_(self, p: Any, dim: builtins.int, maxnorm: Any) -> Any:
        return self._inplace("renorm_", ops.renorm.__wrapped__, p, dim, maxnorm)
    def hsplit(self, indices_or_sections: Any) -> Any: return ops.hsplit(self, indices_or_sections)
    def vsplit(self, indices_or_sections: Any) -> Any: return ops.vsplit(self, indices_or_sections)
    def dsplit(self, indices_or_sections: Any) -> Any: return ops.dsplit(self, indices_or_sections)
    @numpy_names
    def unsafe_split(self, split_size: Any, dim: builtins.int = 0) -> Any:
        return ops.unsafe_split.__wrapped__(self, split_size, dim)
    @numpy_names
    def unsafe_chunk(self, chunks: builtins.int, dim: builtins.int = 0) -> Any:
        return ops.unsafe_chunk.__wrapped__(self, chunks, dim)
    def put(self, index: Any, source: Any, accumulate: builtins.bool = False) -> Any:
        return ops.put(self, index, source, accumulate)
    def put_(self, index: Any, source: Any, accumulate: builtins.bool = False) -> Any:
        return self._inplace("put_", ops.put, index, source, accumulate)
    def masked_scatter(self, mask: Any, source: Any) -> Any:
        return ops.masked_scatter(self, mask, source)
    def masked_scatter_(self, mask: Any, source: Any) -> Any:
        return self._inplace("masked_scatter_", ops.masked_scatter, mask, source)
    def masked_select(self, mask: Any) -> Any: return ops.masked_select(self, mask)
    def index_put(self, indices: Any, values: Any, accumulate: builtins.bool = False) -> Any:
        return ops.index_put(self, indices, values, accumulate)
    def index_put_(self, indices: Any, values: Any, accumulate: builtins.bool = False) -> Any:
        return self._inplace("index_put_", ops.index_put, indices, values, accumulate)
    def nonzero_static(self, *, size: builtins.int, fill_value: builtins.int = -1) -> Any:
        return ops.nonzero_static(self, size=size, fill_value=fill_value)
    def sum_to_size(self, *size: Any) -> Any: return ops.reduction.sum_to_size(self, *size)
    def as_strided(self, size: Any, stride: Any, storage_offset: Any = None) -> Any:
        return ops.as_strided(self, size, stride, storage_offset)
    def as_strided_scatter(self, src: Any, size: Any, stride: Any,
                           storage_offset: Any = None) -> Any:
        return ops.as_strided_scatter(self, src, size, stride, storage_offset)
    def isposinf(self) -> Any: return ops.isposinf(self)
    def isneginf(self) -> Any: return ops.isneginf(self)
    def isreal(self) -> Any: return ops.isreal(self)
    def isclose(self, other: Any, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
                equal_nan: builtins.bool = False) -> Any:
        return ops.isclose(self, other, rtol, atol, equal_nan)
    def logical_xor(self, other: Any) -> Any: return ops.logical_xor(self, other)
    @numpy_names
    def hash_tensor(self, dim: Any = None, *, keepdim: builtins.bool = False,
                    mode: builtins.int = 0) -> Any:
        return ops.hash_tensor.__wrapped__(self, dim, keepdim=keepdim, mode=mode)

    # what a program checks about the layout and backend: dense, strided, on the CPU
    @property
    def is_sparse(self) -> builtins.bool: return False
    @property
    def is_sparse_csr(self) -> builtins.bool: return False
    @property
    def is_quantized(self) -> builtins.bool: return False
    @property
    def is_nested(self) -> builtins.bool: return False
    @property
    def is_meta(self) -> builtins.bool: return False
    @property
    def is_mkldnn(self) -> builtins.bool: return False
    @property
    def is_mps(self) -> builtins.bool: return False
    @property
    def is_xpu(self) -> builtins.bool: return False
    @property
    def is_vulkan(self) -> builtins.bool: return False
    @property
    def is_ipu(self) -> builtins.bool: return False
    @property
    def is_maia(self) -> builtins.bool: return False
    @property
    def is_mtia(self) -> builtins.bool: return False
    @property
    def is_xla(self) -> builtins.bool: return False
    def storage_offset(self) -> builtins.int: return _storage_offset_of(self._data)
    def dim_order(self, *, ambiguity_check: builtins.bool = False) -> tuple[builtins.int, ...]:
        return _dim_order_of(self._data, ambiguity_check)
    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Any:
        # a strided tensor is already dense: itself, or a conversion of dtype
        return self if dtype is None else self.to(dtype)
    def to_sparse(self, sparseDims: Any = None, *, layout: Any = None,  # noqa: N803 - torch's
                  blocksize: Any = None, dense_dim: Any = None) -> Any:
        from microtensor.sparse.creation import dense_to_sparse  # sparse imports Tensor
        return dense_to_sparse(self, sparseDims, layout=layout, blocksize=blocksize,
                               dense_dim=dense_dim)
    def to_sparse_coo(self) -> Any:
        from microtensor.sparse.creation import dense_to_sparse  # sparse imports Tensor
        return dense_to_sparse(self)
    def to_sparse_csr(self, dense_dim: Any = None) -> Any:
        from microtensor._layout import sparse_csr
        from microtensor.sparse.compressed_conversions import dense_to_compressed
        return dense_to_compressed(self, sparse_csr, None, dense_dim)
    def to_sparse_csc(self, dense_dim: Any = None) -> Any:
        from microtensor._layout import sparse_csc
        from microtensor.sparse.compressed_conversions import dense_to_compressed
        return dense_to_compressed(self, sparse_csc, None, dense_dim)
    def to_sparse_bsr(self, blocksize: Any, dense_dim: Any = None) -> Any:
        from microtensor._layout import sparse_bsr
        from microtensor.sparse.compressed_conversions import dense_to_compressed
        return dense_to_compressed(self, sparse_bsr, blocksize, dense_dim)
    def to_sparse_bsc(self, blocksize: Any, dense_dim: Any = None) -> Any:
        from microtensor._layout import sparse_bsc
        from microtensor.sparse.compressed_conversions import dense_to_compressed
        return dense_to_compressed(self, sparse_bsc, blocksize, dense_dim)
    # a dense tensor has no compressed indices: torch's errors
    def crow_indices(self) -> Any:
        raise RuntimeError("crow_indices expected sparse row compressed tensor layout but got "
                           "Strided")
    def col_indices(self) -> Any:
        raise RuntimeError("col_indices expected sparse row compressed tensor layout but got "
                           "Strided")
    def ccol_indices(self) -> Any:
        raise RuntimeError("ccol_indices expected sparse column compressed tensor layout but got "
                           "Strided")
    def row_indices(self) -> Any:
        raise RuntimeError("row_indices expected sparse column compressed tensor layout but got "
                           "Strided")
    # fmt: on

    def _inplace(self, name: str, op: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError  # defined on Tensor


_TYPE_NAMES = {
    "float16": "HalfTensor",
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "uint8": "ByteTensor",
    "int8": "CharTensor",
    "int16": "ShortTensor",
    "int32": "IntTensor",
    "int64": "LongTensor",
    "bool": "BoolTensor",
    "bfloat16": "BFloat16Tensor",
    "uint16": "UInt16Tensor",
    "uint32": "UInt32Tensor",
    "uint64": "UInt64Tensor",
}


def _abs_in_place(t: Any) -> Any:
    """``abs`` for ``abs_``: a complex tensor cannot hold its real result (torch's error)."""
    if t._data.dtype.kind == "c":
        raise RuntimeError("In-place abs is not supported for complex tensors.")
    return ops.abs(t)


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides in elements, a size-0 or size-1 dim counting as 1 (PyTorch's rule)."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def _shape_arg(shape: tuple[Any, ...]) -> Any:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch's size arguments do."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        return tuple(shape[0])
    return shape
