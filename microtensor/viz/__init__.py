"""Graph tracing and drawing: ``trace``, ``print_graph``, ``retain_all``, ``draw_graph``.

``trace`` turns the graph behind output tensors into plain data; ``print_graph`` prints it as
a text tree; ``retain_all`` keeps intermediate gradients for both; ``draw_graph`` and
``render_graph`` draw it with graphviz; ``save_html``, ``to_html`` and ``show`` make it an
interactive page (``microtensor.viz.html``). graphviz is imported only when drawing: those two (in
``microtensor.viz.draw``) are loaded on first use. ``backend()`` says what renders the pictures:
Graphviz's ``dot`` program, its WebAssembly build from the ``viz`` extra, or nothing (``'text'``);
``MICROTENSOR_VIZ_BACKEND`` or a ``backend=`` argument chooses (see ``microtensor.viz.backends``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from microtensor.viz.backends import available_backends, backend
from microtensor.viz.retain import retain_all
from microtensor.viz.text import print_graph
from microtensor.viz.trace import Graph, GraphEdge, GraphNode, trace

if TYPE_CHECKING:
    from microtensor.viz.draw import draw_graph, render_graph
    from microtensor.viz.html import save_html, show, to_html

__all__ = [
    "Graph",
    "GraphEdge",
    "GraphNode",
    "available_backends",
    "backend",
    "draw_graph",
    "print_graph",
    "render_graph",
    "retain_all",
    "save_html",
    "show",
    "to_html",
    "trace",
]

# Names loaded from a submodule on first access (so importing microtensor.viz stays light).
_LAZY = {
    "draw_graph": "microtensor.viz.draw",
    "render_graph": "microtensor.viz.draw",
    "save_html": "microtensor.viz.html",
    "show": "microtensor.viz.html",
    "to_html": "microtensor.viz.html",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'microtensor.viz' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
