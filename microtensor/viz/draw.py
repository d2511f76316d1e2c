"""Draw the graph behind tensors with graphviz: ops, named parameters, values, gradients, modules.

``draw_graph`` turns ``trace(output, params)`` into a ``graphviz.Digraph``. Edges run from
inputs to outputs. Node styles:

* op: rounded grey box with the forward op name (``matmul``), shape and dtype;
* traced output: rounded amber box with a bold border;
* parameter: blue box with its name (``layers.0.weight``); input: green box; other leaf: grey;
* module collapsed by ``depth``: lavender 3-D box ``layers.0: Linear(64, 64)``;
* NaN or Inf in a value or gradient: red fill and border, and the label says ``NaN in grad``.

Module calls become dashed cluster frames (``cluster_*`` subgraphs) titled like
``layers.0: Linear(64, 64)``, nested as the modules are. A parameter or input sits in the
innermost frame that holds all of its consumers.

graphviz is imported here only, when a drawing is made: ``import microtensor.viz`` works without
it, and so does ``microtensor.viz.print_graph``.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import os
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from microtensor.viz import backends
from microtensor.viz.trace import Graph, GraphNode, trace

__all__ = ["draw_graph", "render_graph"]

_NO_PACKAGE = (
    'draw_graph() needs the graphviz Python package: pip install "microtensor[viz]" '
    "(or: pip install graphviz). microtensor.viz.print_graph(output) prints the graph as text "
    "without it."
)
_SMALL = 8  # show_values='auto' prints the values of tensors with at most this many elements
_LONG = 32  # more values than this are abbreviated
_MORE_NOTE = "pass depth= or a larger max_nodes="
_STYLES = {
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f2f2f2"},
    "output": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#ffe08a"},
    "parameter": {"shape": "box", "style": "filled", "fillcolor": "#cfe2ff"},
    "input": {"shape": "box", "style": "filled", "fillcolor": "#d4f4d4"},
    "leaf": {"shape": "box", "style": "filled", "fillcolor": "#e0e0e0"},
    "module": {"shape": "box3d", "style": "filled", "fillcolor": "#e6dcf5"},
    "more": {"shape": "note", "style": "filled", "fillcolor": "#ffffff"},
}
_CLUSTER = {"style": "rounded,dashed", "color": "#808080", "fontcolor": "#404040", "labeljust": "l"}
_BAD = {"fillcolor": "#ffb3b3", "color": "#d00000", "penwidth": "2.5"}

Scope = tuple[tuple[str, str], ...]


@dataclass
class _Box:
    """One node for many: a module call collapsed by ``depth``, or what ``max_nodes`` left out."""

    id: str
    title: str
    members: list[GraphNode] = field(default_factory=list)
    exits: dict[str, GraphNode] = field(default_factory=dict)  # members feeding outside, outputs
    note: str | None = None


_Item = GraphNode | _Box


@dataclass
class _View:
    """What gets drawn: items (nodes, boxes), the module frame each sits in, edges, outputs."""

    items: dict[str, _Item]
    scopes: dict[str, Scope]
    edges: list[tuple[str, str]]
    outputs: set[str]


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as err:
        raise ImportError(_NO_PACKAGE) from err
    return graphviz


@functools.cache
def _drawing_class() -> Any:
    graphviz = _import_graphviz()

    class GraphDrawing(graphviz.Digraph):  # type: ignore[name-defined]
        """A ``graphviz.Digraph`` rendered through microtensor's backend chain.

        ``pipe``, ``render`` and Jupyter display use Graphviz's ``dot`` program when it is
        installed, else its WebAssembly build (see ``microtensor.viz.backends``); both take a
        ``backend=`` argument. With neither, they raise a RuntimeError saying what to install.
        """

        def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
            chosen = backends.backend(kwargs.pop("backend", None))
            if chosen == "dot":
                try:
                    return super().pipe(format, *args, **kwargs)
                except graphviz.ExecutableNotFound as err:
                    raise RuntimeError(backends.NO_DOT) from err
            data = backends.render_source(self.source, format or self.format, chosen)
            encoding = kwargs.get("encoding")
            return data.decode(encoding) if encoding else data

        def render(
            self,
            filename: str | Path | None = None,
            directory: str | Path | None = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,  # noqa: A002
            *args: Any,
            outfile: str | Path | None = None,
            backend: str | None = None,
            **kwargs: Any,
        ) -> str:
            chosen = backends.backend(backend)
            if chosen == "dot":
                try:
                    return super().render(
                        filename, directory, view, cleanup, format, *args, outfile=outfile, **kwargs
                    )
                except graphviz.ExecutableNotFound as err:
                    raise RuntimeError(backends.NO_DOT) from err
            if outfile is not None:  # graphviz's naming: outfile, its source beside it as .gv
                outfile = Path(outfile) if directory is not None else Path(self.directory, outfile)
                format = format or outfile.suffix[1:].lower()  # noqa: A001
                filename = filename if filename is not None else outfile.with_suffix(".gv")
            fmt = format or self.format
            data = backends.render_source(self.source, fmt, chosen)
            source_path = self.save(filename, directory=directory)
            target = outfile if outfile is not None else Path(f"{source_path}.{fmt}")
            target.write_bytes(data)
            if cleanup:
                os.remove(source_path)
            if view or kwargs.get("quiet_view"):
                graphviz.view(target, quiet=bool(kwargs.get("quiet_view")))
            return os.fspath(target)

    return GraphDrawing


def draw_graph(
    output: Any,
    params: Any = None,
    *,
    show_shapes: bool = True,
    show_values: bool | str = "auto",
    show_grads: bool = True,
    group_modules: bool = True,
    depth: int | None = None,
    max_nodes: int | None = 500,
    rankdir: str = "LR",
) -> Any:
    """Draw the computation graph behind ``output`` as a ``graphviz.Digraph``.

    In Jupyter the result displays inline; ``.render(path, format="svg")`` (or ``"png"``,
    ``"pdf"``) writes a file, as does ``render_graph``. Both render through Graphviz's ``dot``
    program if it is installed, else Graphviz's WebAssembly build from the ``viz`` extra (see
    ``microtensor.viz.backends``); with neither, they raise a RuntimeError saying what to install.

    Args:
        output: a Tensor, or a sequence of Tensors (drawn together; shared parts once).
        params: names for the leaves: a dict name -> Tensor (``dict(model.named_parameters())``)
            or an nn.Module (its parameter and module names are used).
        show_shapes: print shape and dtype on each node.
        show_values: ``'auto'`` prints the values (and gradients) of tensors with at most 8
            elements, micrograd-style (``data 0.5000 | grad -1.2000``), and the gradient norm of
            larger ones; True prints values for every tensor, False for none. Values of
            intermediate results are known only while those tensors are alive.
        show_grads: print gradients (leaves after backward; intermediates that called
            ``retain_grad``, e.g. through ``microtensor.viz.retain_all``).
        group_modules: frame each nn.Module call as a labelled cluster.
        depth: collapse module calls nested deeper than ``depth`` into one box each, with
            the parameters only they use: depth=0 boxes each outermost call (usually the
            model), depth=1 keeps the model's frame and boxes each of its submodule calls.
        max_nodes: the most nodes drawn (None: no limit). A larger graph is first collapsed
            to the deepest module depth that fits (when ``depth`` is None); if still too large,
            the ``max_nodes - 1`` nodes nearest the outputs are drawn and one note node counts
            the rest (and says whether they held NaN/Inf).
        rankdir: layout direction, ``'LR'`` (left to right), ``'TB'``, ``'RL'`` or ``'BT'``.

    Returns:
        A ``graphviz.Digraph`` (a subclass whose ``render``/``pipe`` use the backend chain and
        take ``backend=``).

    Raises:
        ImportError: the graphviz Python package is not installed.
        ValueError: an option has a wrong value.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.viz import draw_graph
        >>> w = mt.tensor(2.0, requires_grad=True)
        >>> y = w * 3
        >>> y.backward()
        >>> dot = draw_graph(y, {"w": w})
        >>> "data 2.0000 | grad 3.0000" in dot.source
        True
    """
    options = (show_shapes, show_values, show_grads)
    return _draw(trace(output, params), options, group_modules, depth, max_nodes, rankdir)[0]


def _draw(
    graph: Graph,
    options: tuple[bool, Any, bool],
    group: bool,
    depth: int | None,
    max_nodes: int | None,
    rankdir: str,
) -> tuple[Any, _View, dict[str, tuple[str, list[str]]]]:
    """``draw_graph``'s work: the drawing, what it shows, and each cluster's title and items."""
    _check_options(options[1], depth, max_nodes, rankdir)
    drawing_class = _drawing_class()
    scopes = _display_scopes(graph)
    view = _fit(graph, scopes, depth, max_nodes)
    dot = drawing_class(
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"color": "#555555", "arrowsize": "0.7"},
    )
    clusters = _emit(dot, view, options, group)
    for src, dst in view.edges:
        dot.edge(src, dst)
    return dot, view, clusters


def render_graph(
    output: Any,
    path: str | Path,
    format: str | None = None,  # noqa: A002
    *,
    backend: str | None = None,
    **kwargs: Any,
) -> Path:
    """Draw the graph behind ``output`` and write it to ``path`` as SVG, PNG or PDF.

    Args:
        output: a Tensor or a sequence of Tensors, as for ``draw_graph``.
        path: the file to write; ``.<format>`` is appended when it has no suffix.
        format: ``'svg'``, ``'png'``, ``'pdf'`` (any format ``dot`` knows); default: the
            suffix of ``path``, else ``'svg'``.
        backend: ``'dot'``, ``'wasm'``, ``'text'`` or ``'auto'`` (see
            ``microtensor.viz.backend``); default: ``MICROTENSOR_VIZ_BACKEND``, else auto.
        **kwargs: ``params`` and the options of ``draw_graph``.

    Returns:
        The path written.

    Raises:
        RuntimeError: no Graphviz backend is installed (the message says how to get one).
        ImportError: the graphviz Python package is not installed.
    """
    path = Path(path)
    if format is None:
        format = path.suffix[1:].lower() or "svg"  # noqa: A001
    if not path.suffix:
        path = path.with_name(f"{path.name}.{format}")
    data = draw_graph(output, **kwargs).pipe(format=format, backend=backend)
    path.write_bytes(data)
    return path


def _check_options(show_values: Any, depth: Any, max_nodes: Any, rankdir: Any) -> None:
    if show_values not in ("auto", True, False):
        raise ValueError(
            f"draw_graph(): show_values must be 'auto', True or False, got {show_values!r}"
        )
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise ValueError(f"draw_graph(): depth must be None or an int >= 0, got {depth!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph(): max_nodes must be None or an int >= 1, got {max_nodes!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph(): rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")


# --- what to draw ---------------------------------------------------------------------------


def _display_scopes(graph: Graph) -> dict[str, Scope]:
    """Each node's module frame: its own for ops; for leaves, the one shared by all consumers."""
    consumers: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        consumers[edge.src].append(edge.dst)
    scopes: dict[str, Scope] = {}
    for node_id, node in graph.nodes.items():
        if node.op is not None:
            scopes[node_id] = tuple(node.scope)
    for node_id, node in graph.nodes.items():
        if node.op is None:
            shared: Scope | None = None
            for dst in consumers[node_id]:
                scope = scopes.get(dst, ())
                shared = scope if shared is None else _common_prefix(shared, scope)
            scopes[node_id] = shared or ()
    return scopes


def _common_prefix(a: Scope, b: Scope) -> Scope:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _fit(graph: Graph, scopes: dict[str, Scope], depth: int | None, max_nodes: int | None) -> _View:
    view = _collapse(graph, scopes, depth)
    if max_nodes is None or len(view.items) <= max_nodes:
        return view
    if depth is None:
        deepest = max((len(scope) for scope in scopes.values()), default=0)
        for shallower in range(deepest - 1, -1, -1):
            view = _collapse(graph, scopes, shallower)
            if len(view.items) <= max_nodes:
                return view
    return _truncate(view, max_nodes)


def _collapse(graph: Graph, scopes: dict[str, Scope], depth: int | None) -> _View:
    """Merge the nodes of module calls deeper than ``depth`` into one box per call."""
    items: dict[str, _Item] = {}
    item_scopes: dict[str, Scope] = {}
    rep: dict[str, str] = {}
    boxes: dict[Scope, _Box] = {}
    for node_id, node in graph.nodes.items():
        scope = scopes[node_id]
        if depth is None or len(scope) <= depth:
            items[node_id], item_scopes[node_id], rep[node_id] = node, scope, node_id
            continue
        key = scope[: depth + 1]
        box = boxes.get(key)
        if box is None:
            box = boxes[key] = _Box(f"m{len(boxes)}", _title(*key[-1]))
            items[box.id], item_scopes[box.id] = box, key[:-1]
        box.members.append(node)
        rep[node_id] = box.id
    edges: list[tuple[str, str]] = []
    rerouted: set[tuple[str, str]] = set()
    for edge in graph.edges:
        src, dst = rep[edge.src], rep[edge.dst]
        if src == dst:
            continue
        source = items[src]
        if isinstance(source, _Box):
            source.exits[edge.src] = graph.nodes[edge.src]
        if (src, dst) != (edge.src, edge.dst):  # edges into or out of a box are drawn once
            if (src, dst) in rerouted:
                continue
            rerouted.add((src, dst))
        edges.append((src, dst))
    for out in graph.outputs:
        holder = items[rep[out]]
        if isinstance(holder, _Box):
            holder.exits[out] = graph.nodes[out]
    return _View(items, item_scopes, edges, {rep[out] for out in graph.outputs})


def _truncate(view: _View, max_nodes: int) -> _View:
    """Keep the ``max_nodes - 1`` items nearest the outputs; one note stands for the rest."""
    producers: dict[str, list[str]] = defaultdict(list)
    for src, dst in view.edges:
        producers[dst].append(src)
    keep: dict[str, None] = {}
    queue = deque(item_id for item_id in view.items if item_id in view.outputs)
    while queue and len(keep) < max_nodes - 1:
        item_id = queue.popleft()
        if item_id not in keep:
            keep[item_id] = None
            queue.extend(producers[item_id])
    dropped = [item for item_id, item in view.items.items() if item_id not in keep]
    hidden = [
        node for item in dropped for node in (item.members if isinstance(item, _Box) else [item])
    ]
    more = _Box("more", f"{len(hidden):,} more nodes", hidden, note=_MORE_NOTE)
    items: dict[str, _Item] = {
        item_id: view.items[item_id] for item_id in view.items if item_id in keep
    }
    items[more.id] = more
    scopes = {item_id: view.scopes[item_id] for item_id in keep}
    scopes[more.id] = ()
    edges, into = [], set()
    for src, dst in view.edges:
        if dst not in keep:
            continue
        if src not in keep:
            if dst in into:
                continue
            into.add(dst)
            src = more.id
        edges.append((src, dst))
    return _View(items, scopes, edges, view.outputs & set(keep))


# --- how to draw it -------------------------------------------------------------------------


def _emit(
    dot: Any, view: _View, options: tuple[bool, Any, bool], group: bool
) -> dict[str, tuple[str, list[str]]]:
    """Add the items to ``dot``, each inside the (nested) cluster of its module frame.

    Returns each cluster's name -> (title, the items inside it, nested ones included).
    """
    members: dict[Scope, list[str]] = defaultdict(list)
    children: dict[Scope, list[Scope]] = defaultdict(list)
    seen: set[Scope] = set()
    for item_id in view.items:
        scope = view.scopes[item_id] if group else ()
        members[scope].append(item_id)
        while scope and scope not in seen:
            seen.add(scope)
            children[scope[:-1]].append(scope)
            scope = scope[:-1]
    numbers = itertools.count()
    clusters: dict[str, tuple[str, list[str]]] = {}

    def emit(container: Any, scope: Scope) -> list[str]:
        inside = list(members[scope])
        for item_id in members[scope]:
            _add_item(container, view.items[item_id], item_id in view.outputs, options)
        for child in children[scope]:
            name = f"cluster_{next(numbers)}"
            with container.subgraph(name=name) as cluster:
                cluster.attr(label=_title(*child[-1]), **_CLUSTER)
                child_items = emit(cluster, child)
            clusters[name] = (_title(*child[-1]), child_items)
            inside.extend(child_items)
        return inside

    emit(dot, ())
    return clusters


def _add_item(dot: Any, item: _Item, is_output: bool, options: tuple[bool, Any, bool]) -> None:
    if isinstance(item, _Box):
        bad = [bad for bad in ("NaN", "Inf") if any(_problems(m, bad) for m in item.members)]
        label = _box_label(item, options[0], bad)
        style = _STYLES["more" if item.note else "module"]
    else:
        kind = "output" if is_output and item.op is not None else item.kind
        label, style = _node_label(item, *options), _STYLES.get(kind, _STYLES["leaf"])
        bad = _problems(item)
    attrs = {**style, **_BAD} if bad else dict(style)
    if isinstance(item, GraphNode) and item.backward_name:
        attrs["tooltip"] = item.backward_name
    dot.node(item.id, label=f"<{label}>", **attrs)


def _node_label(node: GraphNode, show_shapes: bool, show_values: Any, show_grads: bool) -> str:
    lines = [f"<B>{_esc(node.label)}</B>"]
    if show_shapes:
        lines.append(_small_text(f"{_shape_text(node.shape)} {node.dtype}"))
    numel = math.prod(node.shape)
    if show_values is True or (show_values == "auto" and numel <= _SMALL):
        data = None if node.value is None else f"data {_format_array(node.value)}"
        grad = None if node.grad is None or not show_grads else f"grad {_format_array(node.grad)}"
        shown = [part for part in (data, grad) if part is not None]
        if numel == 1 and shown:
            lines.append(_esc(" | ".join(shown)))
        else:
            lines.extend(_esc(part) for part in shown)
    elif show_grads and node.grad is not None:
        norm = node.stats.get("grad_norm")
        if norm is None:
            norm = float(np.linalg.norm(np.asarray(node.grad).ravel()))
        lines.append(_esc(f"grad norm {_format_scalar(norm)}"))
    lines.extend(_warning(text) for text in _problems(node))
    return "<BR/>".join(lines)


def _problems(node: GraphNode, only: str | None = None) -> list[str]:
    """What is wrong with ``node``'s value and gradient: ``['NaN in grad', ...]``."""
    found = [
        f"{bad} in {what}"
        for what, prefix in (("data", "value_"), ("grad", "grad_"))
        for bad, key in (("NaN", "has_nan"), ("Inf", "has_inf"))
        if node.stats.get(prefix + key) and only in (None, bad)
    ]
    if not found:  # the stats may not say where; the flags always say what
        flags = (("NaN", node.has_nan), ("Inf", node.has_inf))
        found = [bad for bad, flag in flags if flag and only in (None, bad)]
    return found


def _box_label(box: _Box, show_shapes: bool, problems: list[str]) -> str:
    n_ops = sum(member.op is not None for member in box.members)
    n_leaves = len(box.members) - n_ops
    counts = f"{n_ops} op{'s' * (n_ops != 1)}"
    if n_leaves:
        counts += f", {n_leaves} parameter{'s' * (n_leaves != 1)}"
    lines = [f"<B>{_esc(box.title)}</B>", _small_text(box.note or counts)]
    shapes = {(node.shape, node.dtype) for node in box.exits.values()}
    if show_shapes and len(shapes) == 1:
        ((shape, dtype),) = shapes
        lines.append(_small_text(f"out {_shape_text(shape)} {dtype}"))
    lines.extend(_warning(f"{bad} inside") for bad in problems)
    return "<BR/>".join(lines)


def _title(name: str, label: str) -> str:
    """``layers.0: Linear(64, 64)``; the model itself is ``Linear(64, 64)`` (``... #2``).

    A module named only by its class (not found in ``params``) shows its label once.
    """
    base, _, call = name.partition("#")
    if base and base != label.split("(")[0]:
        return f"{name}: {label}"
    return f"{label} #{call}" if call else label


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _small_text(text: str) -> str:
    return f'<FONT POINT-SIZE="9">{_esc(text)}</FONT>'


def _warning(text: str) -> str:
    return f'<FONT COLOR="#d00000"><B>{_esc(text)}</B></FONT>'


def _shape_text(shape: tuple[int, ...]) -> str:
    return "scalar" if len(shape) == 0 else str(tuple(shape))


def _format_array(value: Any) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return _format_scalar(array.item())
    if array.size > _LONG:  # show_values=True on a big tensor: its first values, flattened
        return "[" + ", ".join(_format_scalar(x) for x in array.ravel()[:6].tolist()) + ", ...]"
    return "[" + ", ".join(_format_array(row) for row in array) + "]"


def _format_scalar(x: Any) -> str:
    if isinstance(x, (bool, int, np.integer, np.bool_)):
        return str(x)
    if isinstance(x, complex | np.complexfloating):  # each part as a real value: 1.0000+2.0000j
        imag = _format_scalar(x.imag)
        return _format_scalar(x.real) + ("" if imag[0] == "-" else "+") + imag + "j"
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"
