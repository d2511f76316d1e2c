"""Bessel functions: the modified i0, i0e, i1, i1e (differentiable) and the rest of the family.

Values come from ``scipy.special`` (imported on first use); integer inputs give the default
float dtype. As in PyTorch, ``i0``, ``i0e``, ``i1`` and ``i1e`` have gradients (each derivative
is another member of the family), while the Bessel functions of the first and second kind,
the modified ones of the second kind, the spherical j0 and Airy's Ai return results that do
not require grad.

Differs from PyTorch: SciPy's bessel_j0/j1/y0/y1 and airy_ai are accurate to double precision;
PyTorch's float64 kernels are off by up to about 8e-7 (J and Y, near x = 5) and 2.5e-6 (Ai,
for x < 0) absolute.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import values
from microtensor.ops._pointwise import float_input, scipy_special, sign_of
from microtensor.tensor import Tensor

__all__ = ["i0"]
# only in microtensor.special, as in PyTorch: i0e, i1, i1e, bessel_j0, bessel_j1, bessel_y0,
# bessel_y1, modified_bessel_i0/i1/k0/k1, scaled_modified_bessel_k0/k1, spherical_bessel_j0,
# airy_ai


def _values(name: str, a: Any) -> np.ndarray:
    """``scipy.special.<name>(a)`` as an array of ``a``'s dtype."""
    return np.asarray(getattr(scipy_special(), name)(a), dtype=a.dtype)


def _bessel(name: str, x: Any) -> Any:
    """i0, i0e, i1 or i1e of an array or a Tensor, for backward formulas."""
    return _values(name, x) if dual.is_array(x) else ModifiedBessel.apply(x, name)


class ModifiedBessel(Op):
    """z = i0(a), i0e(a) = exp(-|a|) i0(a), i1(a) or i1e(a) = exp(-|a|) i1(a).

    i0' = i1;  i0e' = i1e - sgn(a) i0e;  i1' = i0 - i1 / a;  i1e' = i0e - i1e (sgn(a) + 1 / a);
    the last two are 1/2 at a = 0.
    """

    kind = "i0"

    @staticmethod
    def forward(ctx: Any, a: Any, name: str) -> Any:
        ctx.kind = name
        out = _values(name, a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        kind = ctx.kind
        if kind == "i0":
            return grad_out * _bessel("i1", a), None
        sign = sign_of(values(a))
        if kind == "i0e":
            return grad_out * (_bessel("i1e", a) - z * sign), None
        at_zero = values(a) == 0
        # i1(a) / a is 1/2 at a = 0: divide by 1 there, then put the limit in
        safe = dual.where(at_zero, 1.0, a)
        if kind == "i1":
            slope = _bessel("i0", a) - z / safe
        else:
            slope = _bessel("i0e", a) - z * (sign + 1.0 / safe)
        return grad_out * dual.where(at_zero, 0.5, slope), None

    def name(self) -> str:  # noqa: D102 - PyTorch's node names
        return _NODE_NAMES[self.kind]


_NODE_NAMES = {
    "i0": "I0Backward0",
    "i0e": "SpecialI0EBackward0",
    "i1": "SpecialI1Backward0",
    "i1e": "SpecialI1EBackward0",
}


def i0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 0, ``I0``.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.i0(mt.tensor([0.0, 1.0, 2.0]))
        tensor([1.0000, 1.2661, 2.2796])
    """
    return ModifiedBessel.apply(float_input("i0", input), "i0")  # type: ignore[no-any-return]


def i0e(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled ``I0``: ``exp(-|input|) * i0(input)``, finite for large input.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.i0e(mt.tensor([0.0, 1.0, 100.0]))
        tensor([1.0000, 0.4658, 0.0399])
    """
    return ModifiedBessel.apply(float_input("i0e", input), "i0e")  # type: ignore[no-any-return]


def i1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 1, ``I1``.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.i1(mt.tensor([0.0, 1.0, -2.0]))
        tensor([ 0.0000,  0.5652, -1.5906])
    """
    return ModifiedBessel.apply(float_input("i1", input), "i1")  # type: ignore[no-any-return]


def i1e(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled ``I1``: ``exp(-|input|) * i1(input)``.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.i1e(mt.tensor([0.0, 1.0, 100.0]))
        tensor([0.0000, 0.2079, 0.0397])
    """
    return ModifiedBessel.apply(float_input("i1e", input), "i1e")  # type: ignore[no-any-return]


def _no_grad(op: str, name: str, input: Tensor) -> Tensor:  # noqa: A002
    """``scipy.special.<name>`` of ``input`` as a new Tensor that does not require grad."""
    x = float_input(op, input)._data
    return Tensor._make(_values(name, x))


def bessel_j0(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind of order 0, ``J0`` (no gradient, as in PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.special.bessel_j0(mt.tensor([0.0, 1.0, 2.0]))
        tensor([1.0000, 0.7652, 0.2239])
    """
    return _no_grad("bessel_j0", "j0", input)


def bessel_j1(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind of order 1, ``J1`` (no gradient, as in PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.special.bessel_j1(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 0.4401])
    """
    return _no_grad("bessel_j1", "j1", input)


def bessel_y0(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the second kind of order 0, ``Y0``: -inf at 0, nan below.

    Example:
        >>> import microtensor as mt
        >>> mt.special.bessel_y0(mt.tensor([0.0, 1.0]))
        tensor([  -inf, 0.0883])
    """
    return _no_grad("bessel_y0", "y0", input)


def bessel_y1(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the second kind of order 1, ``Y1``: -inf at 0, nan below.

    Example:
        >>> import microtensor as mt
        >>> mt.special.bessel_y1(mt.tensor([0.0, 1.0]))
        tensor([   -inf, -0.7812])
    """
    return _no_grad("bessel_y1", "y1", input)


def modified_bessel_i0(input: Tensor) -> Tensor:  # noqa: A002
    """``I0``, as ``i0`` but without a gradient (as in PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.special.modified_bessel_i0(mt.tensor([0.0, 1.0]))
        tensor([1.0000, 1.2661])
    """
    return _no_grad("modified_bessel_i0", "i0", input)


def modified_bessel_i1(input: Tensor) -> Tensor:  # noqa: A002
    """``I1``, as ``special.i1`` but without a gradient (as in PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.special.modified_bessel_i1(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 0.5652])
    """
    return _no_grad("modified_bessel_i1", "i1", input)


def modified_bessel_k0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the second kind of order 0, ``K0``: inf at 0.

    Example:
        >>> import microtensor as mt
        >>> mt.special.modified_bessel_k0(mt.tensor([0.0, 1.0]))
        tensor([   inf, 0.4210])
    """
    return _no_grad("modified_bessel_k0", "k0", input)


def modified_bessel_k1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the second kind of order 1, ``K1``: inf at 0.

    Example:
        >>> import microtensor as mt
        >>> mt.special.modified_bessel_k1(mt.tensor([0.0, 1.0]))
        tensor([   inf, 0.6019])
    """
    return _no_grad("modified_bessel_k1", "k1", input)


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled ``K0``: ``exp(input) * K0(input)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.scaled_modified_bessel_k0(mt.tensor([1.0, 100.0]))
        tensor([1.1445, 0.1252])
    """
    return _no_grad("scaled_modified_bessel_k0", "k0e", input)


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled ``K1``: ``exp(input) * K1(input)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.scaled_modified_bessel_k1(mt.tensor([1.0, 100.0]))
        tensor([1.6362, 0.1258])
    """
    return _no_grad("scaled_modified_bessel_k1", "k1e", input)


def spherical_bessel_j0(input: Tensor) -> Tensor:  # noqa: A002
    """The spherical Bessel function of the first kind of order 0, ``sin(x) / x``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.spherical_bessel_j0(mt.tensor([0.0, 1.0]))
        tensor([1.0000, 0.8415])
    """
    x = float_input("spherical_bessel_j0", input)._data
    return Tensor._make(np.asarray(scipy_special().spherical_jn(0, x), dtype=x.dtype))


def airy_ai(input: Tensor) -> Tensor:  # noqa: A002
    """Airy's function ``Ai`` (no gradient, as in PyTorch).

    Differs from PyTorch: nan for very negative input (below about -1e9), where no double
    precision result is meaningful (PyTorch returns an arbitrary value there).

    Example:
        >>> import microtensor as mt
        >>> mt.special.airy_ai(mt.tensor([0.0, 1.0, -2.0]))
        tensor([0.3550, 0.1353, 0.2274])
    """
    x = float_input("airy_ai", input)._data
    ai = np.asarray(scipy_special().airy(x)[0], dtype=x.dtype)
    # SciPy gives nan for finite x past about 1e9 (Ai underflowed to 0 long before), PyTorch 0
    return Tensor._make(np.where(np.isnan(ai) & (x > 0) & (x < np.inf), 0.0, ai).astype(x.dtype))
