"""Orthogonal polynomials of degree n: Chebyshev (four kinds), Hermite, Laguerre, Legendre.

``f(input, n)`` evaluates the degree-``n`` polynomial at ``input``; both broadcast and either may
be a number. As in PyTorch, ``n`` is truncated to an integer, a negative degree gives 0, degree 0
gives 1 (even at nan), and the results do not require grad. Values come from ``scipy.special``
(imported on first use); the third and fourth kinds, which SciPy lacks, are differences and sums
of SciPy's second kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.ops._common import broadcast_error, values
from microtensor.ops._pointwise import float_pair, scipy_special
from microtensor.tensor import Tensor

# all of them only in microtensor.special, as in PyTorch
__all__: list[str] = []


def _polynomial(op: str, kernel: Any, input: Any, n: Any) -> Tensor:  # noqa: A002
    """``kernel(trunc(n), input)``, 0 where ``n < 0``, as a constant Tensor.

    ``kernel`` is the name of a ``scipy.special`` function of ``(n, x)``, or such a function.
    """
    x, degree = float_pair(op, input, n)
    x_values = np.asarray(values(x))
    degree_values = np.asarray(values(degree))
    try:
        shape = np.broadcast_shapes(x_values.shape, degree_values.shape)
    except ValueError:
        raise broadcast_error(op, x, degree) from None
    # a nan or infinite degree is negative after PyTorch's cast to int64, so it gives 0 too
    whole = np.where(np.isfinite(degree_values), np.trunc(degree_values), -1.0)
    evaluate = getattr(scipy_special(), kernel) if isinstance(kernel, str) else kernel
    out = evaluate(np.maximum(whole, 0).astype(np.int64), x_values)
    # PyTorch: 0 for a negative degree, and 1 for degree 0 even at x = nan (SciPy gives nan)
    out = np.where(whole < 0, 0.0, np.where(whole == 0, 1.0, out))
    dtype = x_values.dtype if isinstance(x, Tensor) else degree_values.dtype
    return Tensor._make(np.broadcast_to(out, shape).astype(dtype))


def chebyshev_polynomial_t(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the first kind ``T_n(input)`` (``T_n(cos t) = cos(n t)``).

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.special.chebyshev_polynomial_t(mt.tensor([0.5, 2.0]), 3)
        tensor([-1., 26.])
    """
    return _polynomial("chebyshev_polynomial_t", "eval_chebyt", input, n)


def chebyshev_polynomial_u(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the second kind ``U_n(input)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.chebyshev_polynomial_u(mt.tensor([0.5, 2.0]), 3)
        tensor([-1., 56.])
    """
    return _polynomial("chebyshev_polynomial_u", "eval_chebyu", input, n)


def _third_kind(n: Any, x: Any, *, fourth: bool = False, shifted: bool = False) -> Any:
    """V_n = U_n - U_(n-1) (third kind) or W_n = U_n + U_(n-1) (fourth), from SciPy's U_n."""
    second_kind = scipy_special().eval_sh_chebyu if shifted else scipy_special().eval_chebyu
    previous = np.where(n >= 1, second_kind(np.maximum(n - 1, 0), x), 0.0)
    return second_kind(n, x) + previous if fourth else second_kind(n, x) - previous


def chebyshev_polynomial_v(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the third kind ``V_n(input) = U_n(input) - U_(n-1)(input)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.chebyshev_polynomial_v(mt.tensor([0.5, 2.0]), 2)
        tensor([-1., 11.])
    """
    return _polynomial("chebyshev_polynomial_v", _third_kind, input, n)


def chebyshev_polynomial_w(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Chebyshev polynomial of the fourth kind ``W_n(input) = U_n(input) + U_(n-1)(input)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.chebyshev_polynomial_w(mt.tensor([0.5, 2.0]), 2)
        tensor([ 1., 19.])
    """
    return _polynomial(
        "chebyshev_polynomial_w", lambda n, x: _third_kind(n, x, fourth=True), input, n
    )


def shifted_chebyshev_polynomial_v(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The shifted Chebyshev polynomial of the third kind ``V_n(2 input - 1)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.shifted_chebyshev_polynomial_v(mt.tensor([0.25, 1.0]), 2)
        tensor([1., 1.])
    """
    return _polynomial(
        "shifted_chebyshev_polynomial_v",
        lambda n, x: _third_kind(n, x, shifted=True),
        input,
        n,
    )


def shifted_chebyshev_polynomial_w(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The shifted Chebyshev polynomial of the fourth kind ``W_n(2 input - 1)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.shifted_chebyshev_polynomial_w(mt.tensor([0.25, 1.0]), 2)
        tensor([-1.,  5.])
    """
    return _polynomial(
        "shifted_chebyshev_polynomial_w",
        lambda n, x: _third_kind(n, x, fourth=True, shifted=True),
        input,
        n,
    )


def shifted_chebyshev_polynomial_t(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The shifted Chebyshev polynomial of the first kind ``T_n(2 input - 1)``, on ``[0, 1]``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.shifted_chebyshev_polynomial_t(mt.tensor([0.25, 1.0]), 2)
        tensor([-0.5000,  1.0000])
    """
    return _polynomial("shifted_chebyshev_polynomial_t", "eval_sh_chebyt", input, n)


def shifted_chebyshev_polynomial_u(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The shifted Chebyshev polynomial of the second kind ``U_n(2 input - 1)``.

    Example:
        >>> import microtensor as mt
        >>> mt.special.shifted_chebyshev_polynomial_u(mt.tensor([0.25, 1.0]), 2)
        tensor([0., 3.])
    """
    return _polynomial("shifted_chebyshev_polynomial_u", "eval_sh_chebyu", input, n)


def hermite_polynomial_h(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The physicists' Hermite polynomial ``H_n(input)`` (``H_2(x) = 4 x^2 - 2``).

    Example:
        >>> import microtensor as mt
        >>> mt.special.hermite_polynomial_h(mt.tensor([0.0, 1.0]), 2)
        tensor([-2.,  2.])
    """
    return _polynomial("hermite_polynomial_h", "eval_hermite", input, n)


def hermite_polynomial_he(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The probabilists' Hermite polynomial ``He_n(input)`` (``He_2(x) = x^2 - 1``).

    Example:
        >>> import microtensor as mt
        >>> mt.special.hermite_polynomial_he(mt.tensor([0.0, 2.0]), 2)
        tensor([-1.,  3.])
    """
    return _polynomial("hermite_polynomial_he", "eval_hermitenorm", input, n)


def laguerre_polynomial_l(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Laguerre polynomial ``L_n(input)`` (``L_1(x) = 1 - x``).

    Example:
        >>> import microtensor as mt
        >>> mt.special.laguerre_polynomial_l(mt.tensor([0.0, 3.0]), 1)
        tensor([ 1., -2.])
    """
    return _polynomial("laguerre_polynomial_l", "eval_laguerre", input, n)


def legendre_polynomial_p(input: Any, n: Any) -> Tensor:  # noqa: A002
    """The Legendre polynomial ``P_n(input)`` (``P_2(x) = (3 x^2 - 1) / 2``).

    Example:
        >>> import microtensor as mt
        >>> mt.special.legendre_polynomial_p(mt.tensor([0.0, 1.0]), 2)
        tensor([-0.5000,  1.0000])
    """
    return _polynomial("legendre_polynomial_p", "eval_legendre", input, n)
