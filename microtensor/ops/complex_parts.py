"""The complex-number views of PyTorch on real tensors: conj, real, imag, resolve_conj ...

microtensor has no complex dtypes, so each tensor is real: its conjugate and real part are the
tensor itself (PyTorch returns the very same tensor too), it has no imaginary part, and no lazy
conjugate or negative bit to resolve. These exist so that code written for both kinds of
tensors (``x.conj().T``, ``if x.is_complex(): ...``) runs unchanged.
"""

from __future__ import annotations

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


def conj(input: Tensor) -> Tensor:  # noqa: A002
    """The complex conjugate: for a real tensor, the tensor itself (as in PyTorch).

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([1.0, -2.0])
        >>> mt.conj(x) is x
        True
    """
    return tensor_input("conj", input)


def conj_physical(input: Tensor) -> Tensor:  # noqa: A002
    """The conjugate computed eagerly: for a real tensor, the tensor itself (as in PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.conj_physical(mt.tensor([1.0, -2.0]))
        tensor([ 1., -2.])
    """
    return tensor_input("conj_physical", input)


def resolve_conj(input: Tensor) -> Tensor:  # noqa: A002
    """Materialise a lazy conjugation; a real tensor has none, so it is returned as it is.

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
    """The real part: for a real tensor, the tensor itself (as in PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.real(mt.tensor([1.5, -2.0]))
        tensor([ 1.5000, -2.0000])
    """
    return tensor_input("real", input)


def imag(input: Tensor) -> Tensor:  # noqa: A002
    """The imaginary part, which only complex tensors have.

    Raises:
        RuntimeError: always, as PyTorch does for real tensors (microtensor has no complex ones).

    Example:
        >>> import microtensor as mt
        >>> mt.imag(mt.tensor([1.0]))
        Traceback (most recent call last):
        ...
        RuntimeError: imag is not implemented for tensors with non-complex dtypes.
    """
    tensor_input("imag", input)
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """False: microtensor has no complex dtypes.

    Example:
        >>> import microtensor as mt
        >>> mt.is_complex(mt.tensor([1.0]))
        False
    """
    tensor_input("is_complex", input)
    return False


def is_conj(input: Tensor) -> bool:  # noqa: A002
    """False: no tensor carries PyTorch's lazy conjugate bit here.

    Example:
        >>> import microtensor as mt
        >>> mt.is_conj(mt.tensor([1.0]))
        False
    """
    tensor_input("is_conj", input)
    return False


def is_neg(input: Tensor) -> bool:  # noqa: A002
    """False: no tensor carries PyTorch's lazy negative bit here.

    Example:
        >>> import microtensor as mt
        >>> mt.is_neg(mt.tensor([1.0]))
        False
    """
    tensor_input("is_neg", input)
    return False
