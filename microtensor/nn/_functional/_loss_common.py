"""Shared by the loss functions: the ``reduction`` argument, the reduction, input checks.

The reduction argument follows ``torch.nn._reduction``: ``size_average`` and ``reduce``
(deprecated) map to a string with a warning, ``'elementwise_mean'`` is an old spelling of
``'mean'``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.ops._common import broadcast_error, promote
from microtensor.tensor import Tensor

_LEGACY = "size_average and reduce args will be deprecated, please use reduction='{}' instead."


def legacy_get_string(size_average: bool | None, reduce: bool | None, stacklevel: int = 4) -> str:
    """PyTorch's mapping of the deprecated ``size_average`` and ``reduce`` flags, with a warning.

    Both true (or None) -> 'mean', only ``reduce`` -> 'sum', ``reduce=False`` -> 'none'.
    """
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        reduction = "mean"
    elif reduce:
        reduction = "sum"
    else:
        reduction = "none"
    warnings.warn(_LEGACY.format(reduction), UserWarning, stacklevel=stacklevel)
    return reduction


def get_reduction(
    op: str,
    reduction: str,
    size_average: bool | None = None,
    reduce: bool | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    """The reduction to apply: the legacy flags win over ``reduction`` when given.

    ``extra`` names reductions a loss accepts beyond 'none', 'mean' and 'sum' ('batchmean').

    Raises:
        ValueError: for an unknown reduction, naming it and the valid ones.
    """
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce, stacklevel=4)
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            UserWarning,
            stacklevel=3,
        )
        return "mean"
    valid = ("none", "mean", "sum", *extra)
    if reduction not in valid:
        names = ", ".join(repr(r) for r in valid)
        raise ValueError(
            f"{op}(): {reduction} is not a valid value for reduction: use one of {names}"
        )
    return reduction


def mean(loss: Tensor) -> Tensor:
    """The mean of all elements; nan for an empty tensor (as PyTorch), without NumPy warnings."""
    if loss._data.size == 0:
        return ops.sum(loss) * float("nan")
    return ops.mean(loss)


def apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    """``loss`` itself ('none'), its mean or its sum."""
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    return loss


def reduce_array(loss: np.ndarray, reduction: str) -> np.ndarray:
    """The reduction on a raw array, for the fused ops' forward (mean of nothing is nan)."""
    if reduction == "none":
        return loss
    total = np.sum(loss)
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / loss.dtype.type(loss.size))


def pair(
    op: str,
    input: Any,  # noqa: A002
    target: Any,
    warn: bool = True,
    complex_ok: bool = False,
) -> tuple[Tensor, Tensor]:
    """Check and promote ``input`` and ``target``; warn, as PyTorch, when their sizes differ.

    ``complex_ok`` lets complex tensors through too (the losses PyTorch defines for them).

    Raises:
        TypeError: if either is not a Tensor.
        NotImplementedError: if neither is floating (or complex, with ``complex_ok``).
        RuntimeError: if the shapes do not broadcast.
    """
    for name, value in (("input", input), ("target", target)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    if warn and target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )
    input, target = promote(input, target)  # noqa: A001
    kind = input._data.dtype.kind
    if kind != "f" and not (complex_ok and kind == "c"):
        raise NotImplementedError(
            f'{op}(): "{op}" not implemented for {input.dtype}: the loss needs floating '
            "tensors (call input.float())"
        )
    try:
        np.broadcast_shapes(input._data.shape, target._data.shape)
    except ValueError:
        raise broadcast_error(op, input, target) from None
    return input, target


def require_tensors(op: str, **named: Any) -> None:
    """Raise PyTorch's TypeError for a named argument that is not a Tensor."""
    for name, value in named.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def broadcast_check(op: str, a: Tensor, b: Tensor) -> tuple[int, ...]:
    """The broadcast shape of two operands, or PyTorch's broadcasting error."""
    try:
        return np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise broadcast_error(op, a, b) from None
