"""The parts of complex numbers: conj, real, imag, and PyTorch's lazy-bit queries.

``real`` and ``imag`` of a complex tensor are views sharing its memory (writing into
``x.real`` changes ``x``), as NumPy's ``.real`` and ``.imag`` are. The conjugate is computed
eagerly: microtensor keeps no lazy conjugate or negative bit, so ``resolve_conj`` and
``resolve_neg`` have nothing to resolve. On real tensors ``conj``, ``real`` ... return the
tensor itself, as PyTorch does, so code written for both kinds (``x.conj().T``) runs unchanged.

Gradients follow PyTorch's convention (``z.grad = dL/dx + i dL/dy`` for z = x + iy and a real
loss L): conj sends back conj(grad), real sends back grad itself, imag sends back i * grad.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = [
    "conj",
    "conj_physical",
    "imag",
    "is_complex",
    "is_conj",
    "is_neg",
    "real",
    "resolve_conj",
    "resolve_neg",
]


class Conj(Op):
    """z = conj(a);  grad_a = conj(grad_out) (conj is linear over the reals, not holomorphic)."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return np.conj(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return dual.conj(grad_out)


class ConjPhysical(Conj):
    """z = conj(a), a new tensor;  grad_a = conj(grad_out)."""


class Real(Op, node_name="SelectBackward0"):
    """z = Re(a), a view (torch selects entry 0 of view_as_real);  grad_a = grad_out + 0i."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return a.real

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out  # the engine casts a real gradient reaching a complex input


class Imag(Op, node_name="SelectBackward0"):
    """z = Im(a), a view;  grad_a = i * grad_out (dL/dx = 0, dL/dy = grad_out)."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return a.imag

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return grad_out * 1j
        from microtensor.ops.complex_numbers import complex  # it imports this module

        return complex(grad_out * 0.0, grad_out)


def _is_complex_array(x: Tensor) -> bool:
    return x._data.dtype.kind == "c"  # type: ignore[no-any-return]


def conj(input: Tensor) -> Tensor:  # noqa: A002
    """The complex conjugate ``x - iy`` of ``x + iy``; a real tensor is returned itself.

    Differs from PyTorch: torch returns a lazy view with the conjugate bit set (``is_conj()``
    True, writes through to ``input``); microtensor computes a new tensor (``is_conj()`` False),
    the values and gradients being the same.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.conj(mt.tensor([1 + 2j, -3j]))
        tensor([1.-2.j, -0.+3.j])
        >>> x = mt.tensor([1.0, -2.0])
        >>> mt.conj(x) is x
        True
    """
    tensor_input("conj", input)
    if not _is_complex_array(input):
        return input
    return Conj.apply(input)  # type: ignore[no-any-return]


def conj_physical(input: Tensor) -> Tensor:  # noqa: A002
    """The conjugate computed eagerly into a new tensor; a real tensor is returned itself.

    Example:
        >>> import microtensor as mt
        >>> mt.conj_physical(mt.tensor([1.0, -2.0]))
        tensor([ 1., -2.])
        >>> mt.conj_physical(mt.tensor([2 - 1j]))
        tensor([2.+1.j])
    """
    tensor_input("conj_physical", input)
    if not _is_complex_array(input):
        return input
    return ConjPhysical.apply(input)  # type: ignore[no-any-return]


def resolve_conj(input: Tensor) -> Tensor:  # noqa: A002
    """Materialise a lazy conjugation; microtensor has none, so the tensor is returned as it is.

    Example:
        >>> import microtensor as mt
        >>> mt.resolve_conj(mt.tensor([1.0])).tolist()
        [1.0]
    """
    return tensor_input("resolve_conj", input)


def resolve_neg(input: Tensor) -> Tensor:  # noqa: A002
    """Materialise a lazy negation; microtensor has none, so the tensor is returned as it is.

    Example:
        >>> import microtensor as mt
        >>> mt.resolve_neg(mt.tensor([1.0])).tolist()
        [1.0]
    """
    return tensor_input("resolve_neg", input)


def real(input: Tensor) -> Tensor:  # noqa: A002
    """The real part: a view of a complex tensor (float dtype of the same precision).

    Writing into the view changes ``input``. A real tensor is returned itself, as in PyTorch.

    Differs from PyTorch: writing into the view of a tensor whose gradient is being recorded
    raises RuntimeError (torch records the write); write under ``no_grad()`` or build a new
    tensor with ``complex(new_real, z.imag)``.

    Example:
        >>> import microtensor as mt
        >>> z = mt.tensor([1 + 2j, 3 - 4j])
        >>> mt.real(z)
        tensor([1., 3.])
        >>> mt.real(mt.tensor([1.5, -2.0]))
        tensor([ 1.5000, -2.0000])
    """
    tensor_input("real", input)
    if not _is_complex_array(input):
        return input
    return Real.apply(input)  # type: ignore[no-any-return]


def imag(input: Tensor) -> Tensor:  # noqa: A002
    """The imaginary part of a complex tensor: a view (float dtype of the same precision).

    Writing into the view changes ``input`` (not while its gradient is recorded: see ``real``).

    Raises:
        RuntimeError: for a tensor that is not complex, as PyTorch.

    Example:
        >>> import microtensor as mt
        >>> mt.imag(mt.tensor([1 + 2j, 3 - 4j]))
        tensor([ 2., -4.])
        >>> mt.imag(mt.tensor([1.0]))
        Traceback (most recent call last):
        ...
        RuntimeError: imag is not implemented for tensors with non-complex dtypes.
    """
    tensor_input("imag", input)
    if not _is_complex_array(input):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)  # type: ignore[no-any-return]


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """True if ``input`` has a complex dtype (complex64 or complex128).

    Example:
        >>> import microtensor as mt
        >>> mt.is_complex(mt.tensor([1.0])), mt.is_complex(mt.tensor([1j]))
        (False, True)
    """
    tensor_input("is_complex", input)
    return _is_complex_array(input)


def is_conj(input: Tensor) -> bool:  # noqa: A002
    """False: no tensor carries PyTorch's lazy conjugate bit here (``conj`` is eager).

    Differs from PyTorch: ``torch.conj(z).is_conj()`` is True for a complex z.

    Example:
        >>> import microtensor as mt
        >>> mt.is_conj(mt.tensor([1.0]))
        False
    """
    tensor_input("is_conj", input)
    return False


def is_neg(input: Tensor) -> bool:  # noqa: A002
    """False: no tensor carries PyTorch's lazy negative bit here.

    Differs from PyTorch: ``torch.conj(z).imag.is_neg()`` is True for a complex z.

    Example:
        >>> import microtensor as mt
        >>> mt.is_neg(mt.tensor([1.0]))
        False
    """
    tensor_input("is_neg", input)
    return False
