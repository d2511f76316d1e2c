"""Gradient clipping (``torch.nn.utils.clip_grad_norm_`` and friends)."""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from microtensor._data_factories import tensor
from microtensor.autograd import no_grad
from microtensor.tensor import Tensor

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(tensors: TensorOrTensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(array: np.ndarray, norm_type: float) -> np.ndarray:
    """The ``norm_type``-norm of all entries of ``array`` (linalg.vector_norm).

    In the dtype of ``|array|``: a complex gradient's norm is real, of its parts' width.
    """
    x = np.abs(array.ravel())
    if norm_type in (math.inf, -math.inf):
        if x.size == 0:
            raise RuntimeError(
                f"clip_grad_norm_(): cannot compute the {norm_type} norm of an empty gradient "
                "because the operation does not have an identity"
            )
        result = x.max() if norm_type > 0 else x.min()
    elif norm_type == 0:
        result = np.count_nonzero(x)
    elif norm_type == 1:
        result = x.sum()
    elif norm_type == 2:
        result = np.sqrt(np.dot(x, x))
    else:
        result = np.sum(x**norm_type) ** (1.0 / norm_type)
    return np.asarray(result, dtype=x.dtype)


def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of the norms of ``tensors``: as if they were concatenated into one vector.

    Args:
        tensors: a tensor or an iterable of tensors (typically gradients).
        norm_type: the p of the p-norm; ``inf`` for the largest absolute value.
        error_if_nonfinite: raise if the total norm is nan or inf.
        foreach: accepted for compatibility (no effect).

    Returns:
        A 0-d tensor (0.0 for no tensors).

    Raises:
        RuntimeError: if ``error_if_nonfinite`` and the norm is nan or inf.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import get_total_norm
        >>> get_total_norm([mt.tensor([3.0]), mt.tensor([4.0])])
        tensor(5.)
    """
    arrays = [t._data for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return tensor(0.0)
    norms = [_vector_norm(a, norm_type) for a in arrays]
    total = _vector_norm(np.stack(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(total)


def clip_grads_with_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale the gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is scaled.
        max_norm: the largest norm allowed.
        total_norm: the norm of the gradients (``get_total_norm``).
        foreach: accepted for compatibility (no effect).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import clip_grads_with_norm_
        >>> p = mt.zeros(2, requires_grad=True); p.grad = mt.tensor([3.0, 4.0])
        >>> clip_grads_with_norm_([p], 1.0, mt.tensor(5.0)); p.grad
        tensor([0.6000, 0.8000])
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    norm = total_norm._data
    # the 1e-6 guards the division for zero gradients; PyTorch multiplies even when coef is 1
    clip_coef = np.minimum(float(max_norm) / (norm + norm.dtype.type(1e-6)), 1.0).astype(norm.dtype)
    # a non-finite norm scales to nan/0 as in PyTorch, silently
    with no_grad(), np.errstate(invalid="ignore", over="ignore"):
        for g in grads:
            g.mul_(Tensor._make(clip_coef.astype(g._data.dtype)))


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale gradients in place so that their total norm is at most ``max_norm``.

    The total norm is taken over all gradients together, as if concatenated into one vector;
    every gradient is multiplied by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or an iterable of tensors (parameters without ``.grad`` are
            skipped).
        max_norm: the largest norm allowed.
        norm_type: the p of the p-norm; ``inf`` for the largest absolute value.
        error_if_nonfinite: raise if the total norm is nan or inf (otherwise the gradients are
            scaled by it anyway, as PyTorch does).
        foreach: accepted for compatibility (no effect).

    Returns:
        The total norm of the gradients before clipping (a 0-d tensor).

    Raises:
        RuntimeError: if ``error_if_nonfinite`` and the total norm is nan or inf.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import clip_grad_norm_
        >>> p = mt.zeros(2, requires_grad=True)
        >>> p.grad = mt.tensor([3.0, 4.0])
        >>> clip_grad_norm_([p], max_norm=1.0), p.grad
        (tensor(5.), tensor([0.6000, 0.8000]))
    """
    is_generator = isinstance(parameters, types.GeneratorType)
    params = _as_list(parameters)
    if is_generator and not params:
        warnings.warn(
            "`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2
        )
    grads = [p.grad for p in params if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The deprecated name of ``clip_grad_norm_`` (same arguments), with PyTorch's warning.

    Returns:
        The total norm of the gradients before clipping.
    """
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient in place into ``[-clip_value, clip_value]``.

    Args:
        parameters: a tensor or an iterable of tensors (parameters without ``.grad`` are
            skipped).
        clip_value: the largest absolute value allowed.
        foreach: accepted for compatibility (no effect).

    Raises:
        NotImplementedError: for a complex gradient, as PyTorch's ``clamp_`` (which clips
            the gradients of the dtypes that first appear after the complex dtype first).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import clip_grad_value_
        >>> p = mt.zeros(3, requires_grad=True)
        >>> p.grad = mt.tensor([-2.0, 0.5, 3.0])
        >>> clip_grad_value_(p, 1.0); p.grad
        tensor([-1.0000,  0.5000,  1.0000])
    """
    clip_value = float(clip_value)
    by_dtype: dict[np.dtype, list[Tensor]] = {}
    for p in _as_list(parameters):
        if p.grad is not None:
            by_dtype.setdefault(p.grad._data.dtype, []).append(p.grad)
    # PyTorch clamps the gradients by dtype, the dtype groups in the reverse order of their
    # first appearance (its grouping's order); a complex group raises when its turn comes
    with no_grad():
        for dtype, grads in reversed(by_dtype.items()):
            if dtype.kind == "c":
                raise NotImplementedError(
                    "clamp is not supported for complex types: clip_grad_value_ cannot clip a "
                    "complex gradient; use clip_grad_norm_, which takes |grad|"
                )
            for grad in grads:
                grad.clamp_(min=-clip_value, max=clip_value)
