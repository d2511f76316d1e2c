"""Reverse-mode autodiff: run the backward graph from some outputs to the leaves.

The graph is walked without recursion and without a first pass over it. Every node has a
sequence number, given when it was made; a node's inputs are always made before it, so
running the nodes from the highest number down (a heap) runs each one after every node that
sends it a gradient, once, with its gradients summed (as PyTorch orders its ready queue).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from microtensor.autograd import anomaly, graph
from microtensor.autograd import function as _function
from microtensor.autograd.broadcast import sum_to_shape
from microtensor.autograd.function import AccumulateGrad, Node

_task_ids = itertools.count()


def run_backward(
    roots: Sequence[tuple[Node, int]],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[tuple[Node, int]] | None = None,
) -> list[Any] | None:
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    Args:
        roots: ``(node, output_nr)`` of each output to differentiate.
        root_grads: the gradient of each root (arrays, or Tensors when ``create_graph``).
        retain_graph: keep saved values so backward can run through the graph again.
        create_graph: run each backward with grad mode on, recording it.
        inputs: if given, return the gradient reaching each of these edges instead of
            accumulating into leaves' ``.grad`` (``autograd.grad``).

    Returns:
        The gradients at ``inputs`` (None where none arrived), or None when accumulating.
    """
    tasks = graph.state.tasks  # the running backwards, asked by autograd.graph's multi-grad hooks
    tasks.append((next(_task_ids), roots, inputs))
    try:
        return _propagate(roots, root_grads, retain_graph, create_graph, inputs)
    finally:
        tasks.pop()


# Derivative formulas meet inf and nan at the edges of their domains (log at 0, pow at 0) and
# mask them out afterwards, as PyTorch does silently: NumPy's warnings are off in backward.
@np.errstate(divide="ignore", invalid="ignore", over="ignore")
def _propagate(
    roots: Sequence[tuple[Node, int]],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[tuple[Node, int]] | None,
) -> list[Any] | None:
    buffers: dict[Node, list[Any]] = {}  # the gradients reaching each node not yet run
    heap: list[tuple[int, Node]] = []
    for (node, nr), grad in zip(roots, root_grads, strict=True):
        slots = buffers.get(node)
        if slots is None:
            slots = buffers[node] = [None] * len(node._out_meta)
            heappush(heap, (-node._sequence_nr, node))
        slots[nr] = grad if slots[nr] is None else slots[nr] + grad
    captured = None if inputs is None else {edge: i for i, edge in enumerate(inputs)}
    results: list[Any] = [None] * (0 if inputs is None else len(inputs))
    owned: set[int] = set()
    check_nan = anomaly.state.enabled
    ndarray, accumulate_grad, freed = np.ndarray, AccumulateGrad, _function._FREED
    while heap:
        node = heappop(heap)[1]
        grads = buffers.pop(node)
        if node._pre_hooks or node._retained:
            _run_tensor_hooks(node, grads)
        if captured is not None:
            for nr, g in enumerate(grads):
                index = captured.get((node, nr))
                if index is not None:
                    results[index] = g
        if node.__class__ is accumulate_grad:
            if captured is None and grads[0] is not None:
                variable = node.variable  # type: ignore[attr-defined]
                # a hook may keep the gradient it was shown: .grad must not be that array
                _accumulate(variable, grads[0], create_graph, owned, bool(node._pre_hooks))
                hooks = getattr(variable, "_post_accumulate_grad_hooks", None)
                for hook in list(hooks.values()) if hooks else ():
                    hook(variable)
            continue
        input_grads: Any = ()
        if grads[0] is not None if len(grads) == 1 else any(g is not None for g in grads):
            if len(grads) > 1:
                grads = _materialized(node, grads)
            input_grads = node._call_backward(grads, create_graph)  # type: ignore[attr-defined]
            if check_nan:
                anomaly.check_grads(node, input_grads)
        n_grads, edges = len(input_grads), node._edges
        for i in range(0, len(edges), 2):
            next_node, nr = edges[i], edges[i + 1]
            if next_node is None:
                continue
            slots = buffers.get(next_node)
            if slots is None:  # first edge into it: all edges into it come from higher numbers
                is_leaf = next_node.__class__ is accumulate_grad
                slots = buffers[next_node] = (
                    [None] if is_leaf else [None] * len(next_node._out_meta)
                )
                heappush(heap, (-next_node._sequence_nr, next_node))
            grad = input_grads[i >> 1] if i >> 1 < n_grads else None
            if grad is not None:
                shape, dtype = next_node._out_meta[nr]
                if grad.__class__ is not ndarray or grad.shape != shape or grad.dtype is not dtype:
                    grad = _fit(node, i >> 1, grad, shape, dtype)  # reduce, cast or raise
                slots[nr] = grad if slots[nr] is None else slots[nr] + grad
        if not retain_graph and node._saved is not None:  # type: ignore[attr-defined]
            node._saved = freed  # type: ignore[attr-defined]
    return results if inputs is not None else None


def _materialized(node: Any, grads: list[Any]) -> list[Any]:
    """Zeros for the outputs of a multi-output node that got no gradient (materialize_grads)."""
    if not node._materialize_grads or all(g is not None for g in grads):
        return grads
    metas = node._out_meta
    return [np.zeros(*m) if g is None else g for g, m in zip(grads, metas, strict=True)]


def _fit(node: Node, index: int, grad: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Reduce a gradient to its input's shape (undo broadcasting) and dtype, or raise."""
    if grad.__class__ is not np.ndarray and not isinstance(grad, _function.Tensor):
        grad = np.asarray(grad)
    if grad.shape != shape:
        grad = sum_to_shape(grad, shape)
        if grad.shape != shape:
            raise RuntimeError(
                f"{node.name()} returned an invalid gradient at index {index}: got shape "
                f"{tuple(grad.shape)} but expected shape compatible with {tuple(shape)}"
            )
    if grad.dtype != dtype:
        if isinstance(grad, np.ndarray):
            # a real input of an op with a complex output keeps the real part of its gradient
            grad = (grad.real if grad.dtype.kind == "c" != dtype.kind else grad).astype(dtype)
        else:
            grad = (grad.real if grad.dtype.is_complex and dtype.kind != "c" else grad).to(dtype)
    return grad


def _run_tensor_hooks(node: Node, grads: list[Any]) -> None:
    """Apply hooks registered with ``Tensor.register_hook`` and fill retained ``.grad``."""
    hooks, T = node._pre_hooks, _function.Tensor
    if hooks:
        for nr, fns in hooks.items():
            for fn in fns:  # called with None where no gradient came, as PyTorch's
                g = grads[nr]
                tensor = g if g is None or isinstance(g, _function.Tensor) else T._make(g)
                result = fn(tensor)
                if result is not None:
                    grads[nr] = result if isinstance(g, _function.Tensor) else result._data
    retained = node._retained
    if retained:
        for nr, ref in retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                _accumulate(tensor, grads[nr], False, set(), copy=True)


def _accumulate(
    variable: Any, grad: Any, create_graph: bool, owned: set[int], copy: bool = False
) -> None:
    """Add ``grad`` into ``variable.grad`` (a leaf, or a non-leaf that retains its grad)."""
    T = _function.Tensor
    if isinstance(grad, T):  # create_graph: keep the graph of the gradient
        if create_graph:
            variable.grad = grad if variable.grad is None else variable.grad + grad
            return
        grad = grad._data
    if variable.grad is None:
        # A gradient array may be shared (an add passes the same array to both inputs) or a
        # read-only broadcast view: copy it unless this backward made it and nobody else has it.
        if copy or not grad.flags.owndata or not grad.flags.writeable or id(grad) in owned:
            grad = grad.copy()
        owned.add(id(grad))
        variable.grad = T._make(grad)
    elif variable.grad.requires_grad or not variable.grad._data.flags.writeable:
        variable.grad = variable.grad + grad
    else:
        np.add(variable.grad._data, grad, out=variable.grad._data)
