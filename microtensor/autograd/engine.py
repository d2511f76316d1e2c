"""Reverse-mode autodiff: run the backward graph from some outputs to the leaves.

The graph is walked without recursion. First a depth-first pass counts, for every node, how
many edges lead into it; then nodes run as soon as all their incoming gradients have arrived
(Kahn's algorithm), so each node's backward runs once, with its gradients summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.autograd import anomaly
from microtensor.autograd import function as _function
from microtensor.autograd.broadcast import sum_to_shape
from microtensor.autograd.function import AccumulateGrad, Node


def run_backward(*args: Any, **kwargs: Any) -> list[Any] | None:
    """Run the backward pass (see ``_run``) with NumPy's floating-point warnings off.

    Derivative formulas meet inf and nan at the edges of their domains (log at 0, pow at 0)
    and mask them out afterwards, as PyTorch does silently; NumPy would warn on each.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _run(*args, **kwargs)


def _run(
    roots: Sequence[tuple[Node, int]],
    root_grads: Sequence[Any],
    *,
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
    dependencies = _count_dependencies([node for node, _ in roots])
    buffers: dict[Node, list[Any]] = {}
    for (node, nr), grad in zip(roots, root_grads, strict=True):
        _add_to_buffer(buffers, node, nr, grad)
    captured = None if inputs is None else {edge: i for i, edge in enumerate(inputs)}
    results: list[Any] = [None] * (0 if inputs is None else len(inputs))
    owned: set[int] = set()
    ready = [node for node in buffers if dependencies.get(node, 0) == 0]
    check_nan = anomaly.state.enabled
    while ready:
        node = ready.pop()
        grads = buffers.pop(node, None)
        if grads is not None:
            if node._pre_hooks or node._retained:
                _run_tensor_hooks(node, grads)
            if captured is not None:
                for nr, g in enumerate(grads):
                    index = captured.get((node, nr))
                    if index is not None:
                        results[index] = g
        if node.__class__ is AccumulateGrad:
            if captured is None and grads is not None and grads[0] is not None:
                _accumulate(node.variable, grads[0], create_graph, owned)  # type: ignore[attr-defined]
            continue
        input_grads = None
        if grads is not None and (
            grads[0] is not None if len(grads) == 1 else any(g is not None for g in grads)
        ):
            input_grads = _call_node(node, grads, create_graph)
            if check_nan:
                anomaly.check_grads(node, input_grads)
        for i, (next_node, nr) in enumerate(node.next_functions):
            if next_node is None:
                continue
            if input_grads is not None and i < len(input_grads) and input_grads[i] is not None:
                grad = input_grads[i]
                shape, dtype = next_node._out_meta[nr]
                if grad.__class__ is not np.ndarray or grad.shape != shape or grad.dtype != dtype:
                    grad = _fit(node, i, grad, shape, dtype)
                slots = buffers.get(next_node)
                if slots is None:
                    slots = buffers[next_node] = [None] * len(next_node._out_meta)
                slots[nr] = grad if slots[nr] is None else slots[nr] + grad
            dependencies[next_node] -= 1
            if dependencies[next_node] == 0:
                ready.append(next_node)
        if not retain_graph:
            node._release()  # type: ignore[attr-defined]
    return results if inputs is not None else None


def _count_dependencies(roots: list[Node]) -> dict[Node, int]:
    """For every node reachable from ``roots``: how many graph edges point into it."""
    dependencies: dict[Node, int] = {}
    seen = set(roots)
    stack = list(seen)
    while stack:
        node = stack.pop()
        for next_node, _ in node.next_functions:
            if next_node is None:
                continue
            dependencies[next_node] = dependencies.get(next_node, 0) + 1
            if next_node not in seen:
                seen.add(next_node)
                stack.append(next_node)
    return dependencies


def _add_to_buffer(buffers: dict[Node, list[Any]], node: Node, nr: int, grad: Any) -> None:
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * len(node._out_meta)
    slots[nr] = grad if slots[nr] is None else slots[nr] + grad


def _call_node(node: Any, grads: list[Any], create_graph: bool) -> tuple[Any, ...]:
    if len(grads) > 1 and node._materialize_grads and any(g is None for g in grads):
        grads = [
            np.zeros(shape, dtype) if g is None else g
            for g, (shape, dtype) in zip(grads, node._out_meta, strict=True)
        ]
    return node._call_backward(grads, create_graph)


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
        grad = grad.astype(dtype) if isinstance(grad, np.ndarray) else grad.to(dtype)
    return grad


def _run_tensor_hooks(node: Node, grads: list[Any]) -> None:
    """Apply hooks registered with ``Tensor.register_hook`` and fill retained ``.grad``."""
    hooks = node._pre_hooks
    if hooks:
        for nr, fns in hooks.items():
            if grads[nr] is None:
                continue
            for fn in fns:
                result = fn(_as_tensor(grads[nr]))
                if result is not None:
                    grads[nr] = result if isinstance(grads[nr], _function.Tensor) else result._data
    retained = node._retained
    if retained:
        for nr, tensor in retained.items():
            if grads[nr] is not None:
                _accumulate(tensor, grads[nr], False, set(), copy=True)


def _as_tensor(grad: Any) -> Any:
    T = _function.Tensor
    return grad if isinstance(grad, T) else T._make(grad)


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
