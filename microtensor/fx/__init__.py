"""``microtensor.fx``: torch.fx's program capture and transformation.

``symbolic_trace(model)`` runs ``model.forward`` on ``Proxy`` values and records every
operation as a ``Node`` of a ``Graph``; the result is a ``GraphModule`` whose generated
``forward`` (``gm.code``) runs the graph. Change the graph (``node.target = ...``,
``graph.erase_node``, ``graph.inserting_after``), ``recompile()``, and the module runs the
new program. ``Interpreter`` runs a graph node by node; ``Transformer`` rebuilds one;
``replace_pattern`` rewrites every occurrence of a subgraph.

Differs from PyTorch: the generated code names functions by microtensor's public paths
(``microtensor.relu``, where torch prints ``torch.relu``); a microtensor function records a
node only when reached through ``microtensor``, ``microtensor.nn.functional``,
``microtensor.special``, ``microtensor.linalg`` or ``microtensor.fft`` (or a name imported
from them); and the keyword arguments a node records are those the program passed (torch's
Python functions add their defaults, e.g. ``F.relu``'s ``inplace=False``).

Example:
    >>> import microtensor as mt
    >>> from microtensor import fx, nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> gm = fx.symbolic_trace(model)
    >>> [n.op for n in gm.graph.nodes]
    ['placeholder', 'call_module', 'call_module', 'call_module', 'output']
    >>> x = mt.randn(3, 4)
    >>> mt.equal(gm(x), model(x))
    True
"""

from microtensor.fx import passes, subgraph_rewriter
from microtensor.fx.graph import Graph
from microtensor.fx.graph_module import GraphModule
from microtensor.fx.interpreter import Interpreter, Transformer
from microtensor.fx.node import Node, has_side_effect, map_arg
from microtensor.fx.proxy import Proxy, TraceError
from microtensor.fx.subgraph_rewriter import replace_pattern, replace_pattern_with_filters
from microtensor.fx.tracer import PH, Tracer, symbolic_trace, wrap

__all__ = [
    "PH",
    "Graph",
    "GraphModule",
    "Interpreter",
    "Node",
    "Proxy",
    "TraceError",
    "Tracer",
    "Transformer",
    "has_side_effect",
    "map_arg",
    "passes",
    "replace_pattern",
    "replace_pattern_with_filters",
    "subgraph_rewriter",
    "symbolic_trace",
    "wrap",
]
