"""Shrinkage activations: ``hardshrink``, ``softshrink`` and ``tanhshrink``.

Each moves values towards 0: hard and soft shrinkage zero the band ``[-lambd, lambd]``
(soft also shifts the rest by ``lambd``); ``tanhshrink`` is ``x - tanh(x)``.
"""

from __future__ import annotations

from microtensor import ops
from microtensor.nn._functional import _activation_ops as fused
from microtensor.nn._functional.activation import _floating
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["hardshrink", "softshrink", "tanhshrink"]


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``input - tanh(input)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.tanhshrink(mt.tensor([1.0]))
        tensor([0.2384])
    """
    tensor_input("tanhshrink", input)
    return input - ops.tanh(input)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``input`` where ``|input| > lambd``, else 0.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.hardshrink(mt.tensor([-1.0, 0.2, 0.7]))
        tensor([-1.0000,  0.0000,  0.7000])
    """
    _floating("hardshrink", input)
    return fused.Hardshrink.apply(input, float(lambd))  # type: ignore[no-any-return]


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``input - lambd`` above ``lambd``, ``input + lambd`` below ``-lambd``, else 0.

    Raises:
        RuntimeError: for a negative ``lambd``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.softshrink(mt.tensor([-1.0, 0.2, 0.7]))
        tensor([-0.5000,  0.0000,  0.2000])
    """
    _floating("softshrink", input)
    if lambd < 0:
        raise RuntimeError(
            f"softshrink(): lambda must be greater or equal to 0, but found to be {lambd}."
        )
    return fused.Softshrink.apply(input, float(lambd))  # type: ignore[no-any-return]
