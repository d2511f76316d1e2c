"""Finding the tensors of a graph, and keeping them so their gradients show after backward.

The graph behind a tensor holds its op nodes (``grad_fn``), the leaves (through their
``AccumulateGrad`` nodes), weak references to each op's outputs, and the arrays that ops saved
for backward. An intermediate tensor usually dies when the forward pass returns, but its value
often survives as an array some op saved (``relu`` saves its output, ``matmul`` its inputs):
``saved_values`` finds those, so a trace taken before backward shows intermediate values, and
``retain_all`` uses them to bring intermediates back so that ``backward`` fills their ``.grad``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from microtensor.autograd.function import _INPUT, _OUTPUT, AccumulateGrad, Op
from microtensor.tensor import Tensor

__all__ = ["retain_all"]

# Tensors that ``retain_all`` made to receive a gradient whose value could not be recovered,
# by id; their data is a zero-strided placeholder, never shown as a value. (Not a WeakSet:
# that compares members with ``==``, which is elementwise for tensors.)
_placeholders: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()


def is_placeholder(t: Tensor) -> bool:
    """Whether ``t`` was made by ``retain_all`` without a known value."""
    return _placeholders.get(id(t)) is t


def as_tensor_list(output: Any, caller: str) -> list[Tensor]:
    """``output`` (a Tensor or a sequence of Tensors) as a non-empty list, or raise."""
    tensors = [output] if isinstance(output, Tensor) else output
    if not isinstance(tensors, Sequence) or isinstance(tensors, str):
        raise TypeError(
            f"{caller}(): expected a Tensor or a sequence of Tensors, got {type(output).__name__}"
        )
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{caller}(): got an empty sequence: pass at least one output Tensor")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{caller}(): output {i} is a {type(t).__name__}, expected a Tensor (pass the "
                "tensors whose graph you want, e.g. the loss)"
            )
    return tensors


def _children(obj: Any) -> Iterator[Any]:
    """The graph objects feeding ``obj``: op nodes, and leaf tensors in place of AccumulateGrad."""
    if isinstance(obj, Tensor):
        return
    for node, _ in obj.next_functions:
        if node is None:
            continue
        yield node.variable if isinstance(node, AccumulateGrad) else node


def walk(tensors: Sequence[Tensor]) -> list[Any]:
    """Every op node and leaf tensor behind ``tensors``, each once, inputs before consumers.

    The order is the post-order of a depth-first walk from the outputs, in output order and
    following each node's inputs in argument order; iterative, so deep graphs do not recurse.
    """
    order: list[Any] = []
    seen: set[int] = set()
    for t in tensors:
        start = t if t.grad_fn is None else t.grad_fn
        if id(start) in seen:
            continue
        seen.add(id(start))
        stack = [(start, _children(start))]
        while stack:
            obj, children = stack[-1]
            for child in children:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, _children(child)))
                    break
            else:
                stack.pop()
                order.append(obj)
    return order


def live_output(node: Any, nr: int) -> Tensor | None:
    """Output ``nr`` of op ``node`` if that tensor is alive and still produced by ``node``."""
    retained = node._retained  # weak references to the tensors that retain their grad
    if retained and nr in retained and retained[nr]() is not None:
        return retained[nr]()
    refs = node._output_refs
    t = refs[nr]() if nr < len(refs) else None
    # An in-place op later re-pointed the tensor to another node: its value is not node's.
    if t is None or t.grad_fn is not node or t._output_nr != nr:
        return None
    return t


def saved_values(nodes: Sequence[Any]) -> dict[tuple[int, int], Any]:
    """Values that ops saved for backward, keyed by ``(id(producing node), output_nr)``.

    Each value is an ndarray (a built-in ``Op`` saved its input or output) or a Tensor (a
    custom ``Function`` saved it). Values changed in place since, or freed by backward, are
    left out.
    """
    found: dict[tuple[int, int], Any] = {}
    for node in nodes:
        saved = getattr(node, "_saved", None)
        if not isinstance(saved, tuple):
            continue
        is_op = isinstance(node, Op)
        for value, kind, index, counter, version in saved:
            if counter is not None and counter[0] != version:
                continue
            if isinstance(value, Tensor):
                if value.grad_fn is not None:
                    found.setdefault((id(value.grad_fn), value._output_nr), value)
                continue
            if not is_op:
                continue
            if kind == _OUTPUT:
                found.setdefault((id(node), index), value)
            elif kind == _INPUT:
                src, nr = node._edges[2 * index], node._edges[2 * index + 1]  # by position
                if src is not None and not isinstance(src, AccumulateGrad):
                    found.setdefault((id(src), nr), value)
    return found


def retain_all(output: Tensor | Sequence[Tensor]) -> int:
    """Make every intermediate tensor of the graph keep its gradient (``retain_grad``).

    Call it after the forward pass and before ``backward``: afterwards ``trace``,
    ``print_graph`` and ``draw_graph`` show the gradient of every op's output, not only of the
    leaves. Intermediates that were already freed are brought back from the values the ops
    saved for backward (so their values show too); where no value was saved, the gradient is
    still kept and the value shows as unknown. Retained tensors live as long as the graph.

    Args:
        output: the tensor (or tensors) whose graph to retain, e.g. the loss.

    Returns:
        The number of tensors that now retain their gradient and did not before.

    Raises:
        TypeError: if ``output`` is not a Tensor or a sequence of Tensors.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.viz import retain_all, trace
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (x.exp() * 3).sum()
        >>> retain_all(loss)
        3
        >>> loss.backward()
        >>> [node.label for node in trace(loss).nodes.values() if node.grad is not None]
        ['input', 'exp', 'mul', 'sum']
    """
    tensors = as_tensor_list(output, "retain_all")
    nodes = [obj for obj in walk(tensors) if not isinstance(obj, Tensor)]
    saved = saved_values(nodes)
    count = 0
    for node in nodes:
        for nr, (shape, dtype) in enumerate(node._out_meta):
            if np.dtype(dtype).kind != "f":
                continue
            t = live_output(node, nr)
            if t is None:
                refs = node._output_refs
                if nr < len(refs) and refs[nr]() is not None:
                    continue  # alive but not differentiable through node: nothing to retain
                t = _revive(node, nr, saved.get((id(node), nr)), shape, dtype)
            if not t._retains_grad:
                t.retain_grad()
                count += 1
    return count


def _revive(node: Any, nr: int, value: Any, shape: tuple[int, ...], dtype: Any) -> Tensor:
    """A tensor standing for output ``nr`` of ``node`` (its saved value, or a placeholder)."""
    if isinstance(value, Tensor):
        return value
    placeholder = value is None
    if placeholder:
        value = np.broadcast_to(np.zeros((), dtype=dtype), shape)
    t = Tensor._make(value, requires_grad=True, grad_fn=node, output_nr=nr)
    if placeholder:
        _placeholders[id(t)] = t
    # The graph holds retained tensors only weakly; this one nobody else holds, so its node
    # keeps it (a cycle the collector frees with the graph; only after retain_all).
    node._revived = {**getattr(node, "_revived", {}), nr: t}
    return t
