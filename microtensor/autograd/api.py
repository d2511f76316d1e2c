"""``backward`` and ``grad``: the user-facing entry points to the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.autograd import engine, function


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    return list(x) if isinstance(x, Sequence) else [x]


def _roots(
    outputs: list[Any], grad_outputs: list[Any], create_graph: bool, op: str
) -> tuple[list[Any], list[Any]]:
    """The graph edge and starting gradient of each output."""
    Tensor = function.Tensor
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    roots, grads = [], []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{op}: expected a Tensor as output {i}, got {type(out).__name__}")
        if not out._requires_grad:
            raise RuntimeError(
                f"{op}: element {i} of tensors does not require grad and does not have a "
                "grad_fn. Did you create it under no_grad, or forget requires_grad=True on an "
                "input?"
            )
        g = grad_outputs[i] if grad_outputs else None
        if g is None:
            if out._data.dtype.kind == "c":
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for real scalar outputs but got "
                    f"{out.dtype}: reduce it to a real value first (e.g. .abs().sum())"
                )
            if out._data.size != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs, but output "
                    f"{i} has shape {tuple(out.shape)}: pass gradient= (a tensor of that shape), "
                    "or reduce the output first (e.g. .sum())"
                )
            g = np.ones(out._data.shape, out._data.dtype)
        elif isinstance(g, Tensor):
            if g.shape != out.shape:
                raise RuntimeError(
                    f"{op}: Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} "
                    f"and output[{i}] has a shape of {tuple(out.shape)}"
                )
            g = g if create_graph else np.array(g._data, dtype=out._data.dtype)
        else:
            g = np.array(np.broadcast_to(g, out._data.shape), dtype=out._data.dtype)
        roots.append(function.edge_of(out))
        grads.append(Tensor._make(g) if create_graph and isinstance(g, np.ndarray) else g)
    return roots, grads


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Sum the gradients of ``tensors`` into the ``.grad`` of the leaves of their graph.

    Args:
        tensors: a tensor or a sequence of tensors to differentiate.
        grad_tensors: the gradient of each (None for one-element tensors: 1).
        retain_graph: keep saved values for another backward; defaults to ``create_graph``.
        create_graph: record the backward pass for higher-order derivatives.
        inputs: if given, only these tensors get their ``.grad`` updated.

    Raises:
        RuntimeError: if a tensor does not require grad, or needs a gradient and has none.
    """
    outputs = _as_list(tensors)
    retain = create_graph if retain_graph is None else retain_graph
    roots, grads = _roots(outputs, _as_list(grad_tensors), create_graph, "backward()")
    targets = None if inputs is None else _as_list(inputs)
    edges = None if targets is None else [function.edge_of(t) for t in targets]
    results = engine.run_backward(roots, grads, retain, create_graph, edges)
    for t, g in zip(targets or [], results or [], strict=True):
        if g is not None:
            engine._accumulate(t, g, create_graph, set(), copy=True)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (no ``.grad`` changes).

    Args:
        outputs: tensor(s) to differentiate.
        inputs: tensor(s) to differentiate with respect to.
        grad_outputs: the gradient of each output (None for one-element outputs: 1).
        retain_graph: keep the graph for another backward; defaults to ``create_graph``.
        create_graph: record the computation, so the result can be differentiated again.
        allow_unused: return None (instead of raising) for inputs the outputs do not use.
        materialize_grads: return zeros instead of None for unused inputs.

    Returns:
        A tuple with one gradient per input.

    Raises:
        RuntimeError: if an input is unused and neither ``allow_unused`` nor
            ``materialize_grads`` is set, or an output does not require grad.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor(3.0, requires_grad=True)
        >>> (dy,) = mt.autograd.grad(x ** 3, x, create_graph=True)
        >>> (d2y,) = mt.autograd.grad(dy, x)
        >>> dy.item(), d2y.item()
        (27.0, 18.0)
    """
    Tensor = function.Tensor
    outs = _as_list(outputs)
    targets = _as_list(inputs)
    for i, t in enumerate(targets):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError(f"grad(): input {i} does not require grad; set requires_grad=True")
    retain = create_graph if retain_graph is None else retain_graph
    roots, grads = _roots(outs, _as_list(grad_outputs), create_graph, "grad()")
    edges = [function.edge_of(t) for t in targets]
    results = engine.run_backward(roots, grads, retain, create_graph, edges) or []
    final = []
    for i, (t, g) in enumerate(zip(targets, results, strict=True)):
        if g is None:
            if materialize_grads:
                final.append(Tensor._make(np.zeros_like(t._data)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"grad(): input {i} appears to not have been used in the graph. Set "
                    "allow_unused=True if this is the desired behavior."
                )
            final.append(None)
        elif isinstance(g, Tensor):
            final.append(g)
        else:
            final.append(Tensor._make(np.array(g) if not g.flags.owndata else g))
    return tuple(final)
