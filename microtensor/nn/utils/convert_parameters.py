"""Parameters to one flat vector and back (``torch.nn.utils.parameters_to_vector``)."""

from __future__ import annotations

from collections.abc import Iterable

from microtensor.ops import cat
from microtensor.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Flatten the parameters and concatenate them into one 1-D tensor.

    The result is recorded by autograd (gradients flow back into the parameters).

    Args:
        parameters: an iterable of tensors, e.g. ``model.parameters()``.

    Returns:
        A 1-D tensor with ``sum(p.numel())`` elements.

    Raises:
        ValueError: if ``parameters`` is empty.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import parameters_to_vector
        >>> parameters_to_vector([mt.tensor([[1.0, 2.0]]), mt.tensor([3.0])])
        tensor([1., 2., 3.])
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Set the parameters' data to consecutive slices of ``vec`` (shared, not copied).

    After the call each parameter's data is a view of ``vec``, as in PyTorch.

    Args:
        vec: a 1-D tensor with at least ``sum(p.numel())`` elements.
        parameters: an iterable of tensors, e.g. ``model.parameters()``.

    Raises:
        TypeError: if ``vec`` is not a Tensor.
        RuntimeError: if a 1-D ``vec`` is shorter than the parameters need.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import vector_to_parameters
        >>> w, b = mt.zeros(2, 2), mt.zeros(1)
        >>> vector_to_parameters(mt.arange(5.0), [w, b]); w, b
        (tensor([[0., 1.],
                [2., 3.]]), tensor([4.]))
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected microtensor.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    needed = sum(p.numel() for p in params)
    if vec.ndim == 1 and vec.numel() < needed:
        raise RuntimeError(
            f"vector_to_parameters(): vec has {vec.numel()} elements but the parameters need "
            f"{needed}: pass a vector made by parameters_to_vector for the same parameters"
        )
    pointer = 0
    for param in params:
        num_param = param.numel()
        param.data = vec[pointer : pointer + num_param].view_as(param).data
        pointer += num_param
