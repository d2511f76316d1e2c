"""``torch.cond`` and ``torch.while_loop``: structured control flow, run eagerly.

torch's higher-order ops capture both branches (or the loop body) as graphs for
``torch.compile`` and ``torch.export``; called outside a compile they run as the Python
``if``/``while`` they stand for, after checking their arguments. microtensor runs them that
way, with torch's argument checks and error texts, so gradients flow through the branch or
iterations that ran.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from microtensor import dtypes
from microtensor.tensor import Tensor

__all__ = ["cond", "while_loop"]


def _leaves(tree: Any) -> list[Any]:
    """The leaves of nested tuples, lists and dicts (torch's pytree, for the checks)."""
    if isinstance(tree, list | tuple):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in _leaves(item)]
    return [tree]


def cond(
    pred: builtins.bool | builtins.int | builtins.float | Tensor,
    true_fn: Callable[..., Any],
    false_fn: Callable[..., Any],
    operands: tuple[Any, ...] | list[Any] = (),
) -> Any:
    """``true_fn(*operands) if pred else false_fn(*operands)``, as torch's ``cond`` eagerly.

    Args:
        pred: a Python bool/number, or a one-element tensor.
        true_fn: called with the operands when ``pred`` is true.
        false_fn: called with the operands otherwise.
        operands: a tuple or list of tensors (possibly nested in lists, tuples and dicts).

    Returns:
        What the chosen branch returns.

    Raises:
        RuntimeError: for a ``pred`` that is not a bool or a one-element tensor, branches that
            are not callable, or operands that are not a tuple of tensors.

    Differs from PyTorch: torch compiles both branches for a tensor ``pred`` (and rejects
    branches whose outputs differ or alias an input); microtensor runs the chosen one only.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([1.0, 2.0])
        >>> mt.cond(x.sum() > 0, lambda t: t * 2, lambda t: t - 1, (x,))
        tensor([2., 4.])
    """
    if isinstance(pred, builtins.bool | builtins.int | builtins.float):
        return true_fn(*operands) if pred else false_fn(*operands)
    if not isinstance(pred, Tensor):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if pred.numel() != 1:
        raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
    if not callable(true_fn) or not callable(false_fn):
        raise RuntimeError("Expect both branches to be callable.")
    if not isinstance(operands, tuple | list) or any(
        not isinstance(leaf, Tensor) for leaf in _leaves(operands)
    ):
        raise RuntimeError(
            "Expect operands to be a tuple of possibly nested dict/list/tuple that only "
            f"consists of tensor leaves, but got {operands}."
        )
    return true_fn(*operands) if builtins.bool(pred.item()) else false_fn(*operands)


def _check_pred(pred: Any) -> builtins.bool:
    scalar_bool = isinstance(pred, Tensor) and pred.ndim == 0 and pred.dtype == dtypes.bool
    if not (scalar_bool or isinstance(pred, builtins.bool)):
        raise RuntimeError(
            f"cond_fn must return a boolean scalar tensor or a boolean but got {pred}"
        )
    return builtins.bool(pred)


def while_loop(
    cond_fn: Callable[..., Any],
    body_fn: Callable[..., Any],
    carried_inputs: tuple[Any, ...] | list[Any],
) -> tuple[Any, ...]:
    """Run ``carried = body_fn(*carried)`` while ``cond_fn(*carried)``; return ``carried``.

    Args:
        cond_fn: returns a Python bool or a 0-d bool tensor.
        body_fn: returns a tuple with one new value per carried input.
        carried_inputs: a tuple or list of tensors and ints (possibly nested).

    Returns:
        The carried values after the last iteration (copies of the tensors when the body
        never ran, as torch's).

    Raises:
        RuntimeError: for functions that are not callable, carried inputs that are not a
            tuple or list of tensors and ints, or a ``cond_fn`` that returns anything else
            than a bool.
        AssertionError: if ``body_fn`` does not return a tuple of the carried length.

    Differs from PyTorch: torch also checks that each iteration keeps the carried shapes and
    dtypes (while compiling the body); microtensor runs the body as written.

    Example:
        >>> import microtensor as mt
        >>> mt.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2),
        ...               (mt.tensor(0), mt.tensor(1.0)))
        (tensor(3), tensor(8.))
    """
    if not callable(cond_fn) or not callable(body_fn):
        raise RuntimeError("Expect cond_fn and body_fn to be callable.")
    if not isinstance(carried_inputs, tuple | list):
        raise RuntimeError(f"carried_inputs must be a tuple or list but got {type(carried_inputs)}")
    if any(not isinstance(leaf, Tensor | builtins.int) for leaf in _leaves(carried_inputs)):
        raise RuntimeError(
            "Expect carried_inputs to be a tuple of possibly nested dict/list/tuple that only "
            f"consists of tensor or int leaves, but got {carried_inputs}."
        )
    carried = tuple(carried_inputs)
    if not _check_pred(cond_fn(*carried)):
        return tuple(v.clone() if isinstance(v, Tensor) else v for v in carried)
    while True:
        out = body_fn(*carried)
        if not isinstance(out, tuple):
            raise AssertionError(f"body_fn should return a tuple but got {type(out)}")
        if len(out) != len(carried):
            raise AssertionError(
                "body_fn should return the same number of elements as carried_inputs, got "
                f"{len(out)} vs {len(carried)}"
            )
        carried = out
        if not _check_pred(cond_fn(*carried)):
            return carried
