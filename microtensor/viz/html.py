"""The graph as one interactive HTML page: ``save_html``, ``to_html`` and ``show``.

The page is self-contained (no network, no CDN): the SVG that the Graphviz chain draws (see
``microtensor.viz.backends``), what ``trace`` knows of every node as JSON, and a small inline
script (``html_page.js``, styled by ``html_page.css``, both beside this file) with which a
user collapses and expands module frames, hovers a node to read its op, shape, dtype, value
and gradient statistics (and the values of small tensors), searches nodes by name, follows a
node's inputs and outputs, and colours nodes by gradient size (vanishing / healthy /
exploding, with a legend).
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
import webbrowser
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from microtensor.viz.draw import _Box, _draw
from microtensor.viz.trace import GraphNode, trace

__all__ = ["save_html", "show", "to_html"]

_VALUES = 64  # the page lists the values (and gradients) of tensors with at most this many

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <input id="search" type="search" placeholder="search nodes by name" aria-label="search">
  <button id="collapse-all" type="button">collapse all</button>
  <button id="expand-all" type="button">expand all</button>
  <label><input id="grad-colors" type="checkbox"{checked}> colour by gradient norm</label>
  <span id="legend">
    <span class="swatch" style="background:#9ecbff"></span>vanishing (&lt; {vanishing})
    <span class="swatch" style="background:#b7ebc0"></span>healthy
    <span class="swatch" style="background:#ff9f80"></span>exploding (&gt; {exploding})
  </span>
  <span id="status"></span>
  <span id="ready"></span>
</header>
<div id="main">
  <div id="graph">
{svg}
  </div>
  <div id="panel"><p>Hover a node for its details; click it to follow its inputs and outputs;
  click a module frame's title to collapse it.</p></div>
</div>
<div id="tooltip"></div>
<script type="application/json" id="mt-data">{data}</script>
<script>
{js}
</script>
</body>
</html>
"""


def to_html(
    output: Any,
    params: Any = None,
    *,
    title: str = "microtensor graph",
    show_values: bool | str = "auto",
    depth: int | None = None,
    max_nodes: int | None = 10_000,
    rankdir: str = "LR",
    vanishing: float = 1e-6,
    exploding: float = 1e3,
    backend: str | None = None,
) -> str:
    """The interactive page of the graph behind ``output``, as an HTML string.

    Args:
        output: a Tensor or a sequence of Tensors, as for ``draw_graph``.
        params: names for the leaves (a dict name -> Tensor, or an nn.Module).
        title: the page's title.
        show_values: as for ``draw_graph``.
        depth: as for ``draw_graph``.
        max_nodes: as for ``draw_graph``, but 10,000 by default: the page stays responsive with
            graphs that large.
        rankdir: as for ``draw_graph``.
        vanishing: gradient norm below which a node is coloured as vanishing.
        exploding: gradient norm above which a node is coloured as exploding.
        backend: the Graphviz backend that draws the SVG (``'dot'``, ``'wasm'``; default
            auto, see ``microtensor.viz.backend``).

    Returns:
        A complete, self-contained HTML document.

    Raises:
        RuntimeError: no Graphviz backend can draw SVG (the message says what to install).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.viz import to_html
        >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> page = to_html((w * w).sum(), {"w": w})
        >>> "microtensorGraph" in page
        True
    """
    graph = trace(output, params)
    dot, view, clusters = _draw(graph, (True, show_values, True), True, depth, max_nodes, rankdir)
    svg = dot.pipe(format="svg", backend=backend).decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    nodes = {key: _describe(item, key in view.outputs) for key, item in view.items.items()}
    data = {
        "nodes": nodes,
        "clusters": {name: {"title": t, "items": items} for name, (t, items) in clusters.items()},
        "thresholds": {"vanishing": vanishing, "exploding": exploding},
    }
    has_grads = any("grad_norm" in node.get("stats", {}) for node in nodes.values())
    return _TEMPLATE.format(
        title=html.escape(title),
        css=_asset("html_page.css"),
        js=_asset("html_page.js"),
        svg=svg,
        data=_json(data),
        checked=" checked" if has_grads else "",
        vanishing=f"{vanishing:g}",
        exploding=f"{exploding:g}",
    )


def save_html(output: Any, path: str | os.PathLike[str], params: Any = None, **kwargs: Any) -> Path:
    """Write the interactive page of the graph behind ``output`` to ``path``.

    Open the file in any browser (it needs no network). ``kwargs`` are ``to_html``'s options.

    Returns:
        The path written.

    Example:
        >>> import microtensor as mt, tempfile, os
        >>> from microtensor.viz import save_html
        >>> w = mt.tensor(2.0, requires_grad=True)
        >>> path = os.path.join(tempfile.mkdtemp(), "graph.html")
        >>> save_html(w * 3, path, {"w": w}).name
        'graph.html'
    """
    target = Path(path)
    target.write_text(to_html(output, params, **kwargs), encoding="utf-8")
    return target


class GraphPage:
    """The page ``show`` returns: Jupyter displays it inline (an isolated ``iframe``)."""

    def __init__(self, page: str) -> None:
        self.html = page

    def _repr_html_(self) -> str:
        source = html.escape(self.html, quote=True)
        return f'<iframe srcdoc="{source}" style="width:100%;height:600px;border:0"></iframe>'


def show(output: Any, params: Any = None, **kwargs: Any) -> GraphPage | Path:
    """Show the interactive page: inline in Jupyter, else in the web browser.

    In a Jupyter kernel this returns a ``GraphPage`` that displays inline; elsewhere it writes
    the page to a temporary file, opens it with ``webbrowser`` and returns its path.
    ``kwargs`` are ``to_html``'s options.
    """
    page = to_html(output, params, **kwargs)
    if _in_notebook():
        return GraphPage(page)
    handle, name = tempfile.mkstemp(prefix="microtensor-graph-", suffix=".html")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(page)
    webbrowser.open(Path(name).as_uri())
    return Path(name)


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _asset(name: str) -> str:
    return resources.files("microtensor.viz").joinpath(name).read_text(encoding="utf-8")


def _describe(item: Any, is_output: bool) -> dict[str, Any]:
    """What the page shows of one drawn item: a node, or a box standing for many."""
    if isinstance(item, _Box):
        kind = "more" if item.note else "module"
        return {"kind": kind, "label": item.title, "members": len(item.members), "note": item.note}
    node: GraphNode = item
    described: dict[str, Any] = {
        "kind": "output" if is_output else node.kind,
        "label": node.label,
        "op": node.op,
        "backward": node.backward_name,
        "shape": list(node.shape),
        "dtype": node.dtype,
        "scope": [label if not name else f"{name}: {label}" for name, label in node.scope],
        "stats": dict(node.stats),
    }
    for key, array in (("values", node.value), ("grad", node.grad)):
        if array is not None and np.asarray(array).size <= _VALUES:
            described[key] = np.asarray(array).tolist()
    return described


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as the strings ``"NaN"``, ``"Inf"``, ``"-Inf"``."""
    if isinstance(value, dict):
        return {key: _finite(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Inf" if value > 0 else "-Inf")
    return value


def _json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</`` can end it early)."""
    return json.dumps(_finite(data), separators=(",", ":")).replace("</", "<\\/")
