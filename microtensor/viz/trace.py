"""``trace``: the graph behind output tensors as plain data (nodes, edges, outputs).

One source for the drawing (``draw_graph``), the text view (``print_graph``) and the tests.
Nodes are the forward ops (named ``matmul``, ``relu``, ...) and the leaves (parameters,
inputs); an edge runs from the node that made a tensor to the op that used it. Values and
gradients are copied in while they are known: a leaf's value and ``.grad``, an intermediate's
value while it is alive or saved for backward, its gradient after ``retain_grad``/``retain_all``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor
from microtensor.viz.retain import as_tensor_list, is_placeholder, live_output, saved_values, walk

__all__ = ["Graph", "GraphEdge", "GraphNode", "trace"]

Scope = tuple[tuple[str, str], ...]


@dataclass(slots=True)
class GraphNode:
    """One node of a traced graph: an op, or a leaf tensor.

    Attributes:
        id: ``"n0"``, ``"n1"``, ... in topological order (inputs first); stable within a trace.
        kind: ``"op"``, ``"parameter"`` (a leaf named in ``params``, or an ``nn.Parameter``),
            ``"input"`` (another leaf that requires grad) or ``"leaf"`` (any other leaf, e.g.
            an output that needs no grad). Outputs keep their kind; see ``Graph.outputs``.
        label: the op name, the parameter's name (``"layers.0.weight"``), ``"parameter"`` for
            an unnamed ``nn.Parameter``, ``"input"`` or ``"leaf"``.
        op: the forward op's name (``"matmul"``; a custom ``Function``'s class name, lower
            case) for op nodes, else None.
        backward_name: ``node.name()`` (``"MulBackward0"``) for op nodes, else None.
        shape: the output's shape (for ops with several outputs: the first one used here).
        dtype: the output's dtype name, e.g. ``"float32"``.
        value: a copy of the tensor's value when known, else None.
        grad: a copy of its gradient when known (leaves after backward, retained tensors).
        stats: ``value_``/``grad_`` + ``numel``, ``norm``, ``min``, ``max``, ``mean``,
            ``has_nan``, ``has_inf`` for what is known (min/max/mean None when empty; NaN
            propagates into norm/min/max/mean).
        scope: ``((module_name, module_label), ...)`` of the module calls the op ran in,
            outermost first (``(("", "Sequential"), ("0", "Linear(64, 64)"))``); the second
            call of a module in the graph is named ``"name#2"``. Empty for leaves.
        has_nan: the value or the gradient holds NaN.
        has_inf: the value or the gradient holds an infinity.
        output_shapes: every output's shape (several for ``split``, ``max(dim)``, ...).
    """

    id: str
    kind: str
    label: str
    op: str | None
    backward_name: str | None
    shape: tuple[int, ...]
    dtype: str
    value: np.ndarray | None
    grad: np.ndarray | None
    stats: dict[str, Any]
    scope: Scope
    has_nan: bool
    has_inf: bool
    output_shapes: tuple[tuple[int, ...], ...] = ()


@dataclass(slots=True)
class GraphEdge:
    """A tensor flowing from node ``src`` into input ``index`` of node ``dst``.

    ``output_nr`` says which output of ``src`` it is (0 except for multi-output ops).
    """

    src: str
    dst: str
    index: int
    output_nr: int = 0


@dataclass
class Graph:
    """A traced graph: ``nodes`` by id in topological order, ``edges``, and ``outputs``."""

    nodes: dict[str, GraphNode]
    edges: list[GraphEdge]
    outputs: list[str]
    _adjacency: tuple[dict[str, list[str]], dict[str, list[str]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def predecessors(self, node_id: str) -> list[str]:
        """Ids of the distinct nodes feeding ``node_id``, in input order."""
        return self._links()[0].get(node_id, [])

    def successors(self, node_id: str) -> list[str]:
        """Ids of the distinct nodes using ``node_id``'s output, in topological order."""
        return self._links()[1].get(node_id, [])

    def _links(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        if self._adjacency is None:
            preds: dict[str, list[str]] = {}
            succs: dict[str, list[str]] = {}
            for edge in self.edges:
                into = preds.setdefault(edge.dst, [])
                if edge.src not in into:
                    into.append(edge.src)
                out = succs.setdefault(edge.src, [])
                if edge.dst not in out:
                    out.append(edge.dst)
            self._adjacency = (preds, succs)
        return self._adjacency


def trace(output: Tensor | Sequence[Tensor], params: Any = None) -> Graph:
    """Walk the graph behind ``output`` and return it as plain data.

    Args:
        output: a Tensor or a sequence of Tensors (e.g. the loss, or several heads' outputs).
        params: names for the leaves and modules: None, a dict ``name -> Tensor`` such as
            ``dict(model.named_parameters())``, or an ``nn.Module`` (its ``named_parameters``
            and ``named_modules`` give the names).

    Returns:
        The ``Graph``. A tensor used twice is one node with two out-edges; tensors that need
        no gradient (constants) do not appear, as in the backward graph.

    Raises:
        TypeError: if ``output`` is not a Tensor or a sequence of Tensors, or ``params`` is
            not None, a dict or a Module.
        ValueError: if ``output`` is an empty sequence.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.viz import trace
        >>> w = mt.nn.Parameter(mt.tensor([1.0, -2.0]))
        >>> x = mt.tensor([3.0, 4.0], requires_grad=True)
        >>> graph = trace((w * x).relu().sum(), params={"w": w})
        >>> [(n.id, n.kind, n.label) for n in graph.nodes.values()]
        [('n0', 'parameter', 'w'), ('n1', 'input', 'input'), ('n2', 'op', 'mul'),
         ('n3', 'op', 'relu'), ('n4', 'op', 'sum')]
        >>> graph.predecessors("n2"), graph.outputs
        (['n0', 'n1'], ['n4'])
    """
    tensors = as_tensor_list(output, "trace")
    module, names = _parameter_names(params)
    order = walk(tensors)
    ids = {id(obj): f"n{i}" for i, obj in enumerate(order)}
    ops = [obj for obj in order if not isinstance(obj, Tensor)]

    edges: list[GraphEdge] = []
    used_nr: dict[int, int] = {}
    for node in ops:
        dst = ids[id(node)]
        for index, (src, nr) in enumerate(node.next_functions):
            if src is None:
                continue
            src_obj = getattr(src, "variable", src)
            edges.append(GraphEdge(ids[id(src_obj)], dst, index, nr))
            used_nr[id(src)] = min(nr, used_nr.get(id(src), nr))

    outputs = []
    known: dict[tuple[int, int], Any] = {}
    for t in tensors:
        obj = t if t.grad_fn is None else t.grad_fn
        outputs.append(ids[id(obj)])
        if t.grad_fn is not None:
            known.setdefault((id(obj), t._output_nr), t)
            used_nr.setdefault(id(obj), t._output_nr)
    saved = saved_values(ops)
    scopes = _ScopeNamer(ops, module)

    nodes: dict[str, GraphNode] = {}
    for obj in order:
        node_id = ids[id(obj)]
        if isinstance(obj, Tensor):
            nodes[node_id] = _leaf_node(node_id, obj, names)
        else:
            nr = used_nr.get(id(obj), 0)
            source = known.get((id(obj), nr))
            if source is None:
                source = live_output(obj, nr)
            if source is None:
                source = saved.get((id(obj), nr))
            nodes[node_id] = _op_node(node_id, obj, nr, source, scopes.convert(obj._scope))
    return Graph(nodes, edges, outputs)


def _parameter_names(params: Any) -> tuple[Module | None, dict[int, str]]:
    """The module given (if any) and ``id(tensor) -> name`` for the named leaves."""
    if params is None:
        return None, {}
    if isinstance(params, Module):
        return params, {id(p): name for name, p in params.named_parameters()}
    if isinstance(params, Mapping):
        return None, {id(t): str(name) for name, t in params.items() if isinstance(t, Tensor)}
    raise TypeError(
        "trace(): params must be None, a dict of name -> Tensor (e.g. "
        f"dict(model.named_parameters())) or an nn.Module, got {type(params).__name__}"
    )


def _leaf_node(node_id: str, t: Tensor, names: dict[int, str]) -> GraphNode:
    name = names.get(id(t))
    if name is not None:
        kind, label = "parameter", name
    elif isinstance(t, Parameter):
        kind, label = "parameter", "parameter"
    elif t._requires_grad:
        kind, label = "input", "input"
    else:
        kind, label = "leaf", "leaf"
    data = t._data
    node = GraphNode(
        id=node_id, kind=kind, label=label, op=None, backward_name=None, shape=data.shape,
        dtype=_dtype_name(data.dtype), value=None, grad=None, stats={}, scope=(),
        has_nan=False, has_inf=False, output_shapes=(data.shape,),
    )  # fmt: skip
    _fill_values(node, data, None if t.grad is None else t.grad._data)
    return node


def _op_node(node_id: str, op: Any, nr: int, source: Any, scope: Scope) -> GraphNode:
    meta = op._out_meta
    shape, dtype = meta[nr] if nr < len(meta) else ((), np.dtype("float32"))
    value = grad = None
    if isinstance(source, Tensor):
        if not is_placeholder(source):
            value = source._data
        grad = None if source.grad is None else source.grad._data
    elif source is not None:
        value = source
    name = op._op_name.lower()
    node = GraphNode(
        id=node_id, kind="op", label=name, op=name, backward_name=op.name(), shape=tuple(shape),
        dtype=_dtype_name(dtype), value=None, grad=None, stats={}, scope=scope,
        has_nan=False, has_inf=False, output_shapes=tuple(tuple(s) for s, _ in meta),
    )  # fmt: skip
    _fill_values(node, value, grad)
    return node


_DTYPE_NAMES: dict[Any, str] = {}


def _dtype_name(dtype: Any) -> str:
    """``np.dtype(dtype).name``, cached (it is slow, and large graphs ask for it often)."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = np.dtype(dtype).name
    return name


def _fill_values(node: GraphNode, value: Any, grad: Any) -> None:
    """Copy ``value`` and ``grad`` into ``node`` with their statistics and NaN/Inf flags."""
    for prefix, array in (("value_", value), ("grad_", grad)):
        if array is None:
            continue
        array = np.array(array)
        has_nan, has_inf = _stats(prefix, array, node.stats)
        node.has_nan = node.has_nan or has_nan
        node.has_inf = node.has_inf or has_inf
        if prefix == "value_":
            node.value = array
        else:
            node.grad = array


def _stats(prefix: str, array: np.ndarray, stats: dict[str, Any]) -> tuple[bool, bool]:
    """Put ``numel``, ``norm``, ``min``, ``max``, ``mean``, NaN/Inf flags under ``prefix``.

    A complex array's min, max and mean are those of its magnitudes ``|a|`` (complex numbers
    have no order); its norm is the same either way.
    """
    numel = array.size
    stats[prefix + "numel"] = numel
    if numel == 0:
        stats.update({prefix + k: None for k in ("min", "max", "mean")})
        stats[prefix + "norm"] = 0.0
        has_nan = has_inf = False
    else:
        a = (np.abs(array) if array.dtype.kind == "c" else array).astype(np.float64)
        if np.isfinite(a).all():
            has_nan = has_inf = False
        else:
            has_nan, has_inf = bool(np.isnan(a).any()), bool(np.isinf(a).any())
        stats[prefix + "norm"] = float(np.sqrt(np.dot(a.ravel(), a.ravel())))
        stats[prefix + "min"] = float(a.min())
        stats[prefix + "max"] = float(a.max())
        stats[prefix + "mean"] = float(a.mean())
    stats[prefix + "has_nan"] = has_nan
    stats[prefix + "has_inf"] = has_inf
    return has_nan, has_inf


class _ScopeNamer:
    """Turns ``node._scope`` (module, call number) frames into ``(name, label)`` pairs.

    Names come from ``named_modules()`` of the module given to ``trace``; failing that, of the
    outermost module called (named ``""`` if it is the only one, else by its class name);
    a module found in neither is named by its class name under its caller. The k-th call
    (k >= 2) of a module within the graph gets the suffix ``#k``.
    """

    def __init__(self, ops: list[Any], module: Module | None) -> None:
        distinct = {id(op._scope): op._scope for op in ops if op._scope}
        calls: dict[int, set[int]] = {}
        roots: dict[int, Module] = {}
        for frames in distinct.values():
            roots.setdefault(id(frames[0][0]), frames[0][0])
            for m, call in frames:
                calls.setdefault(id(m), set()).add(call)
        self.call_index = {
            (m_id, call): k for m_id, nums in calls.items() for k, call in enumerate(sorted(nums))
        }
        self.names: dict[int, str] = {}
        if module is not None:
            self._add(module, "")
        unnamed = [m for m_id, m in roots.items() if m_id not in self.names]
        for i, root in enumerate(unnamed):
            if len(unnamed) == 1 and module is None:
                prefix = ""
            else:
                prefix = type(root).__name__ + ("" if i == 0 else f"_{i}")
            self._add(root, prefix)
        self.cache: dict[int, Scope] = {}

    def _add(self, module: Module, prefix: str) -> None:
        for name, m in module.named_modules(prefix=prefix):
            self.names.setdefault(id(m), name)

    def convert(self, frames: tuple[tuple[Any, int], ...]) -> Scope:
        if not frames:
            return ()
        result = self.cache.get(id(frames))
        if result is None:
            converted = []
            parent = ""
            for m, call in frames:
                name = self.names.get(id(m))
                if name is None:
                    name = f"{parent}.{type(m).__name__}" if parent else type(m).__name__
                k = self.call_index[(id(m), call)]
                parent = name
                converted.append((name if k == 0 else f"{name}#{k + 1}", module_label(m)))
            result = self.cache[id(frames)] = tuple(converted)
        return result


_NUMBER = re.compile(r"-?\d+(\.\d*)?([eE][-+]?\d+)?")


def module_label(module: Any) -> str:
    """``Type(args)``: the class name and the short form of ``extra_repr()``.

    The short form keeps the positional-looking parts of ``extra_repr`` (those without
    ``=``), or, if there are none, the values of its numeric keyword parts: ``Linear`` with
    ``in_features=64, out_features=64, bias=True`` gives ``"Linear(64, 64)"``, ``Dropout``
    with ``p=0.5, inplace=False`` gives ``"Dropout(0.5)"``; with nothing to show, the class
    name alone (``"ReLU"``, ``"Sequential"``).

    Example:
        >>> import microtensor as mt
        >>> module_label(mt.nn.Linear(64, 32))
        'Linear(64, 32)'
    """
    try:
        parts = _split_top_level(module.extra_repr())
    except Exception:  # noqa: BLE001 - a label must never break a trace
        parts = []
    keep = [p for p in parts if "=" not in p]
    if not keep:
        values = [p.partition("=")[2].strip() for p in parts]
        keep = [v for v in values if _NUMBER.fullmatch(v)]
    text = ", ".join(keep)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(module).__name__}({text})" if text else type(module).__name__


def _split_top_level(text: str) -> list[str]:
    """Split ``text`` at the commas that are not inside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]
