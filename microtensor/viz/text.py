"""``print_graph``: the graph behind a tensor as a text tree (no graphviz needed)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any

import numpy as np

from microtensor.tensor import Tensor
from microtensor.viz.trace import Graph, GraphEdge, GraphNode, trace

__all__ = ["print_graph"]

# Tensors with at most this many elements show their values and gradients, not only norms.
_SMALL = 4
_FLAGS = (("nan", "NaN"), ("inf", "Inf"))


def print_graph(
    output: Tensor | Sequence[Tensor] | Graph,
    params: Any = None,
    file: IO[str] | None = None,
    *,
    max_depth: int | None = 50,
) -> str:
    """Print the graph behind ``output`` as a text tree, from the outputs back to the leaves.

    Each line is ``id label  shape dtype`` followed by what is known: the value and gradient
    of small tensors, the gradient norm of large ones, a ``NaN``/``Inf`` warning, and the
    module the op ran in. Parameters are labelled with their names when ``params`` is given.
    A node reached a second time (a shared subexpression) is printed once and then
    referenced as ``(see n3: label)``.

    Args:
        output: a Tensor, a sequence of Tensors, or a ``Graph`` from ``trace``.
        params: names for parameters and modules, as for ``trace`` (a dict or a Module).
        file: where to print (a text file object); ``sys.stdout`` when None.
        max_depth: nodes deeper than this are summarized in one line (None: no limit), so
            that very deep graphs give readable output.

    Returns:
        The printed text.

    Raises:
        TypeError: if ``output`` is not a Tensor, a sequence of Tensors or a Graph.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.viz import print_graph
        >>> w = mt.nn.Parameter(mt.tensor([2.0]))
        >>> x = mt.tensor([3.0], requires_grad=True)
        >>> loss = (w * x).sum()
        >>> loss.backward()
        >>> text = print_graph(loss, params={"w": w})
        n3 sum  () float32  value=6.
        └── n2 mul  (1,) float32
            ├── n0 w  (1,) float32  value=[2.]  grad=[3.]
            └── n1 input  (1,) float32  value=[3.]  grad=[2.]
    """
    graph = output if isinstance(output, Graph) else trace(output, params)
    inputs: dict[str, list[GraphEdge]] = {}
    for edge in graph.edges:
        inputs.setdefault(edge.dst, []).append(edge)
    lines: list[str] = []
    printed: set[str] = set()
    several = len(graph.outputs) > 1
    for i, node_id in enumerate(graph.outputs):
        if several:
            lines.append(f"output {i}:")
        _tree(graph, inputs, node_id, printed, lines, max_depth)
    text = "\n".join(lines)
    print(text, file=sys.stdout if file is None else file)
    return text


def _tree(
    graph: Graph,
    inputs: dict[str, list[GraphEdge]],
    root: str,
    printed: set[str],
    lines: list[str],
    max_depth: int | None,
) -> None:
    """Append the tree below ``root`` to ``lines`` (iterative: deep graphs do not recurse)."""
    # (node id, output_nr, prefix of this line, connector, prefix of its children, depth)
    stack: list[tuple[str, int, str, str, str, int]] = [(root, -1, "", "", "", 0)]
    while stack:
        node_id, nr, prefix, connector, child_prefix, depth = stack.pop()
        node = graph.nodes[node_id]
        if node_id in printed:
            label = f"{node.label}[{nr}]" if len(node.output_shapes) > 1 and nr >= 0 else node.label
            lines.append(f"{prefix}{connector}(see {node_id}: {label})")
            continue
        printed.add(node_id)
        lines.append(prefix + connector + _describe(node, nr))
        edges = inputs.get(node_id, [])
        if not edges:
            continue
        if max_depth is not None and depth >= max_depth:
            lines.append(f"{child_prefix}└── ... (inputs not shown: max_depth={max_depth})")
            continue
        for k in range(len(edges) - 1, -1, -1):
            last = k == len(edges) - 1
            edge = edges[k]
            stack.append(
                (
                    edge.src,
                    edge.output_nr,
                    child_prefix,
                    "└── " if last else "├── ",
                    child_prefix + ("    " if last else "│   "),
                    depth + 1,
                )
            )


def _describe(node: GraphNode, nr: int) -> str:
    """``id label  shape dtype`` and what is known about the value and gradient."""
    label = node.label
    shape = node.shape
    several = len(node.output_shapes) > 1
    if several and nr >= 0:
        label = f"{label}[{nr}]"
        shape = node.output_shapes[nr]
    parts = [f"{node.id} {label}", f"{shape} {node.dtype}"]
    if shape == node.shape:
        parts += _known(node)
    if node.scope and node.scope[-1][0]:
        parts.append(f"in {node.scope[-1][0]}")
    return "  ".join(parts)


def _known(node: GraphNode) -> list[str]:
    """``value=``/``grad=`` for small tensors, ``grad norm=`` for large ones, NaN/Inf flags."""
    parts = []
    small = int(np.prod(node.shape)) <= _SMALL
    if node.value is not None and small:
        parts.append(f"value={_format(node.value)}")
    if node.grad is not None:
        if small:
            parts.append(f"grad={_format(node.grad)}")
        else:
            parts.append(f"grad norm={node.stats['grad_norm']:.4g}")
    for what in ("value", "grad"):
        bad = [name for key, name in _FLAGS if node.stats.get(f"{what}_has_{key}")]
        if bad:
            parts.append(f"!! {' and '.join(bad)} in {what}")
    return parts


def _format(array: np.ndarray) -> str:
    """A small array on one line, e.g. ``[[0.5], [1.]]``."""
    text = np.array2string(array, precision=4, separator=", ", suppress_small=True)
    return " ".join(text.split())
