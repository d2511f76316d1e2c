"""Powers: pow (``x ** y``, ``2 ** x``) and float_power.

One formula, ``Pow``, serves every overload; each records torch's node for its overload
(PowBackward0 for a number exponent, PowBackward1 for two tensors, PowBackward2 for a number
base). float_power computes in float64 (complex128 for complex operands), as torch does.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import as_tensor_arg, binary, values
from microtensor.ops._pointwise import check_numbers
from microtensor.tensor import Tensor

__all__ = ["float_power", "pow"]

_TENSOR_OR_INT = (Tensor, int)


class Pow(Op):
    """z = a ** b;  dz/da = b * a ** (b - 1),  dz/db = z * log(a).

    PyTorch's conventions at the edges: dz/da is 0 where b == 0 (even at a == 0), and dz/db is
    0 where a == 0 and b >= 0 (instead of 0 * log(0) = nan). Complex: both conjugated.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = dual.where(values(b) == 0, 0.0, grad_out * dual.conj(b * a ** (b - 1)))
        if ctx.needs_input_grad[1] and isinstance(a, builtins.float | builtins.int) and a != 0:
            # a number base: log(a) is a Python number, which keeps the gradient's dtype
            # (complex for a negative base of a complex power: log|a| + i pi)
            with np.errstate(invalid="ignore"):
                if a < 0 and values(out).dtype.kind == "c":
                    log_a: Any = np.log(builtins.complex(a))
                else:
                    log_a = builtins.float(np.log(builtins.float(a)))  # type: ignore[arg-type]
                grad_b = grad_out * dual.conj(out * log_a)
        elif ctx.needs_input_grad[1]:
            a_values = values(a)
            safe_a = dual.where(a_values == 0, 1.0, a)  # log(0) would give 0 * -inf = nan
            grad_b = dual.where(
                (a_values == 0) & (values(b) >= 0),
                0.0,
                grad_out * dual.conj(out * dual.log(safe_a)),
            )
        return grad_a, grad_b


# Pow itself is torch's pow.Tensor_Scalar (x ** 2): PowBackward0 lists the base only.
class PowTensor(Pow, node_name="PowBackward1"):
    """``x ** y`` of two tensors."""


class PowScalarBase(Pow, node_name="PowBackward2"):
    """``2 ** x``: a number base (next_functions lists the exponent only)."""


def pow(input: Any, exponent: Any, *, out: Any = None) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``, elementwise; either may be a number.

    Raises:
        RuntimeError: if the shapes do not broadcast, or for integers to negative integer
            powers.

    Example:
        >>> import microtensor as mt
        >>> mt.pow(mt.tensor([2.0, 3.0]), 2)
        tensor([4., 9.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, pow(input, exponent), "pow")
    check_numbers("pow", input, exponent, "either")
    input, exponent = as_tensor_arg(input), as_tensor_arg(exponent)
    base_int = not isinstance(input, Tensor) or input._data.dtype.kind in "iub"
    exp_int = not isinstance(exponent, Tensor) or exponent._data.dtype.kind in "iub"
    if (
        base_int
        and exp_int
        and isinstance(input, _TENSOR_OR_INT)
        and np.any(np.asarray(exponent._data if isinstance(exponent, Tensor) else exponent) < 0)
    ):
        raise RuntimeError(
            "pow(): integers to negative integer powers are not allowed; "
            "convert the base to float first"
        )
    op = (
        Pow
        if not isinstance(exponent, Tensor)
        else PowTensor
        if isinstance(input, Tensor)
        else PowScalarBase
    )
    return binary(op, "pow", input, exponent)


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """``input ** exponent`` in double precision: float64, or complex128 if either is complex.

    Either argument may be a number (at least one is a Tensor); gradients flow back to each
    tensor in its own dtype.

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.float_power(mt.tensor([2, 3]), 2)
        tensor([4., 9.], dtype=microtensor.float64)
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"float_power(): expected a Tensor argument, got {type(input).__name__} and "
            f"{type(exponent).__name__}; wrap a number in microtensor.tensor(...)"
        )
    is_complex = any(
        v._data.dtype.kind == "c" if isinstance(v, Tensor) else isinstance(v, complex)
        for v in (input, exponent)
    )
    dtype, number = ("complex128", complex) if is_complex else ("float64", float)
    base, power = (
        v.to(dtype) if isinstance(v, Tensor) else number(as_tensor_arg(v))
        for v in (input, exponent)
    )
    return binary(Pow, "float_power", base, power)
