"""``torch.adjoint``: the conjugate transpose of a batch of matrices."""

from __future__ import annotations

from microtensor import ops
from microtensor.tensor import Tensor

__all__ = ["adjoint"]


def adjoint(input: Tensor) -> Tensor:  # noqa: A002
    """The conjugate transpose of the last two dims: ``input.transpose(-2, -1).conj()``.

    For a real tensor this is ``input.mT``. Gradients flow as through ``transpose`` and
    ``conj``.

    Args:
        input: a matrix or a batch of matrices (at least 2-D).

    Returns:
        The conjugate transpose.

    Raises:
        RuntimeError: if ``input`` has fewer than two dims.

    Example:
        >>> import microtensor as mt
        >>> mt.adjoint(mt.tensor([[1 + 1j, 2], [3, 4 - 2j]]))
        tensor([[1.-1.j, 3.-0.j],
                [2.-0.j, 4.+2.j]])
    """
    if input.ndim < 2:
        raise RuntimeError(
            "tensor.adjoint() is only supported on matrices or batches of matrices. Got "
            f"{input.ndim}-D tensor."
        )
    return ops.conj(ops.transpose(input, -2, -1))
