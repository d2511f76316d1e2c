"""torch's removed linear-algebra functions, kept as names that say what replaces them.

``torch.eig``, ``torch.lstsq``, ``torch.solve``, ``torch.symeig`` and ``torch.matrix_rank``
were deprecated in PyTorch 1.9 and removed later; torch 2.13 still has the names, and a call
raises ``RuntimeError`` with the ``torch.linalg`` replacement (reversed arguments, new return
types). microtensor raises the same errors, so a ported program fails with the fix in hand.
"""

from __future__ import annotations

from typing import Any, NoReturn

from microtensor.tensor import Tensor

__all__ = ["eig", "lstsq", "matrix_rank", "solve", "symeig"]

_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def eig(self: Tensor, eigenvectors: bool = False, *, e: Any = None, v: Any = None) -> NoReturn:
    """Removed: use ``linalg.eigvals(A)`` / ``linalg.eig(A)`` (complex results).

    Raises:
        RuntimeError: always, naming the replacement.

    Example:
        >>> import microtensor as mt
        >>> mt.eig(mt.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `torch.linalg.eig` returns complex tensors of dtype `cfloat` or "
        "`cdouble` rather than real tensors mimicking complex tensors.\n\n"
        "L, _ = torch.eig(A) should be replaced with:\nL_complex = torch.linalg.eigvals(A)\n\n"
        "and\n\nL, V = torch.eig(A, eigenvectors=True) should be replaced with:\n"
        "L_complex, V_complex = torch.linalg.eig(A)"
    )


def lstsq(input: Tensor, A: Tensor, *, out: Any = None) -> NoReturn:  # noqa: A002, N803
    """Removed: use ``linalg.lstsq(A, B).solution`` (arguments reversed).

    Raises:
        RuntimeError: always, naming the replacement.

    Example:
        >>> import microtensor as mt
        >>> mt.lstsq(mt.ones(2, 1), mt.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n"
        "`torch.linalg.lstsq` has reversed arguments and does not return the QR decomposition "
        "in the returned tuple (although it returns other information about the problem).\n\n"
        "To get the QR decomposition consider using `torch.linalg.qr`.\n\n"
        "The returned solution in `torch.lstsq` stored the residuals of the solution in the "
        "last m - n columns of the returned value whenever m > n. In torch.linalg.lstsq, the "
        "residuals are in the field 'residuals' of the returned named tuple.\n\n"
        "The unpacking of the solution, as in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]\n"
        "should be replaced with:\nX = torch.linalg.lstsq(A, B).solution"
    )


def solve(input: Tensor, A: Tensor, *, out: Any = None) -> NoReturn:  # noqa: A002, N803
    """Removed: use ``linalg.solve(A, B)`` (arguments reversed, no LU factors).

    Raises:
        RuntimeError: always, naming the replacement.

    Example:
        >>> import microtensor as mt
        >>> mt.solve(mt.ones(2, 1), mt.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `torch.solve` is deprecated in favor of `torch.linalg.solve`. "
        "`torch.linalg.solve` has its arguments reversed and does not return the LU "
        "factorization.\n\nTo get the LU factorization see `torch.lu`, which can be used with "
        "`torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution should be "
        "replaced with:\nX = torch.linalg.solve(A, B)"
    )


def symeig(
    input: Tensor,  # noqa: A002
    eigenvectors: bool = False,
    upper: bool = True,
    *,
    out: Any = None,
) -> NoReturn:
    """Removed: use ``linalg.eigvalsh`` / ``linalg.eigh`` (the lower triangle by default).

    Raises:
        RuntimeError: always, naming the replacement.

    Example:
        >>> import microtensor as mt
        >>> mt.symeig(mt.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} The default behavior has changed from using the upper triangular portion "
        "of the matrix by default to using the lower triangular portion.\n\n"
        "L, _ = torch.symeig(A, upper=upper) should be replaced with:\n"
        "L = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\n"
        "L, V = torch.symeig(A, eigenvectors=True) should be replaced with:\n"
        "L, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')"
    )


def matrix_rank(
    input: Tensor,  # noqa: A002
    tol: float | None = None,
    symmetric: bool = False,
    *,
    out: Any = None,
) -> NoReturn:
    """Removed: use ``linalg.matrix_rank`` (``symmetric`` is now ``hermitian``).

    Raises:
        RuntimeError: always, naming the replacement.

    Example:
        >>> import microtensor as mt
        >>> mt.matrix_rank(mt.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED}\nPlease use the `torch.linalg.matrix_rank` function instead. The "
        "parameter 'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'."
    )
