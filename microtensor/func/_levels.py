"""How the transforms nest on microtensor's ordinary autograd graph.

A transform runs ``func`` on fresh differentiable copies of its inputs and differentiates
with ``create_graph=True``, so that an enclosing transform (or plain ``backward``) can
differentiate the result again. The copy of an input that already requires grad is a
``clone`` (recorded, so gradients flow to the outer level); of any other input, a new leaf.
``autograd.grad`` with respect to the copy follows only the paths through the copy, which is
what keeps nested levels apart. At the outermost level, a result that depends on no tensor
but the transform's own leaves is detached, as PyTorch returns it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from microtensor.autograd.function import AccumulateGrad
from microtensor.autograd.grad_mode import enable_grad
from microtensor.func._pytree import tree_map
from microtensor.tensor import Tensor


class Level:
    """One transform call: whether it is the outermost one, and the leaves the stack owns.

    Every level inside one outermost call shares the outermost one's ``owned`` registry, so
    that the dummies and copies made by inner levels never count as outer tensors.
    """

    def __init__(self, outermost: bool, owned: dict[int, Tensor]) -> None:
        self.outermost = outermost
        self.owned = owned

    def own(self, t: Tensor) -> Tensor:
        """Register ``t`` as made by a transform; returns it."""
        self.owned[id(t)] = t
        return t

    def copy(self, tree: Any) -> Any:
        """``tree`` with every Tensor replaced by a copy to differentiate against."""

        def copy_one(x: Any) -> Any:
            if not isinstance(x, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
            return self.own(x.clone() if x.requires_grad else x.detach().requires_grad_())

        return tree_map(copy_one, tree)

    def release(self, tree: Any) -> Any:
        """Results: at the outermost level, detached unless they depend on outer tensors."""
        if not self.outermost:
            return tree

        def unwrap(x: Any) -> Any:
            if isinstance(x, Tensor) and x.requires_grad and not _depends_on_outside(x, self.owned):
                return x.detach()
            return x

        return tree_map(unwrap, tree)


class _Levels(threading.local):
    """The transforms running in this thread, outermost first (as grad mode, per thread)."""

    def __init__(self) -> None:
        self.stack: list[Level] = []


_levels = _Levels()


@contextmanager
def level() -> Iterator[Level]:
    """Enter one transform level."""
    stack = _levels.stack
    owned: dict[int, Tensor] = stack[0].owned if stack else {}
    current = Level(not stack, owned)
    stack.append(current)
    try:
        with enable_grad():
            yield current
    finally:
        stack.pop()


def _depends_on_outside(t: Tensor, own: dict[int, Tensor]) -> bool:
    """Whether ``t``'s graph reaches a leaf requiring grad that no transform made."""
    if t.grad_fn is None:
        return id(t) not in own
    seen: set[int] = set()
    stack = [t.grad_fn]
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None or id(nxt) in seen:
                continue
            seen.add(id(nxt))
            if isinstance(nxt, AccumulateGrad):
                if id(nxt.variable) not in own:
                    return True
            else:
                stack.append(nxt)
    return False


def backprop(outputs: list[Any], inputs: list[Tensor], cotangents: list[Any]) -> list[Tensor]:
    """The recorded sum over i of cotangents[i] . d outputs[i] / d inputs (zeros if unreached)."""
    from microtensor.autograd import grad
    from microtensor.creation import zeros_like

    pairs = [(o, c) for o, c in zip(outputs, cotangents, strict=True) if o.requires_grad]
    grads: tuple[Any, ...] = (None,) * len(inputs)
    if pairs:
        grads = grad(
            [o for o, _ in pairs],
            inputs,
            [c for _, c in pairs],
            retain_graph=True,
            create_graph=True,
            allow_unused=True,
        )
    return [zeros_like(x) if g is None else g for g, x in zip(grads, inputs, strict=True)]
