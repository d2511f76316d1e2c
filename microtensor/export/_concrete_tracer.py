"""The tracer behind ``export``: fx tracing with the example inputs' real values alongside.

``symbolic_trace`` cannot follow ``if x.ndim == 3:`` or ``for t in range(x.size(1))``: a
proxy has no value. Export has example inputs, so every node the tracer records is also run
on real tensors (clones of the parameters and buffers, so the model is not changed), and
``bool``, ``len``, ``int`` and iteration of a proxy use that value, as torch.export
specializes on its example inputs. Every module is traced through, so the graph holds only
functions and Tensor methods, and parameters and buffers are read by ``get_attr`` nodes that
``export`` then lifts to placeholders.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from microtensor.fx import _dispatch
from microtensor.fx.node import Argument, Node, Target, map_arg
from microtensor.fx.proxy import Attribute, Proxy
from microtensor.fx.tracer import Tracer
from microtensor.nn import GRU, LSTM, Module
from microtensor.tensor import Tensor

__all__: list[str] = []

# read from the example value instead of recorded: torch.export specializes them too
_STATIC_ATTRIBUTES = frozenset(
    {"ndim", "dtype", "device", "layout", "requires_grad", "is_leaf", "is_cuda", "is_sparse"}
)


class _ConcreteMixin:
    """What a proxy with a known example value answers from that value."""

    node: Node
    tracer: Any

    @property
    def _value(self) -> Any:
        return self.tracer.values[self.node]

    def __len__(self) -> int:
        return len(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __index__(self) -> int:
        return int(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __getattr__(self, k: str) -> Any:
        if k in _STATIC_ATTRIBUTES:
            return getattr(self._value, k)
        if k.startswith("_") and not k.startswith("__") and self.node.op == "get_attr":
            # batch norm bumps its counter buffer's raw ``_data``: let it change the clone
            # (call_module records the update as ``add_``); elsewhere a private read is traced
            return getattr(self._value, k)
        if k.startswith("__") and k.endswith("__"):
            raise AttributeError(k)
        return _ConcreteAttribute(self, k)  # type: ignore[arg-type]


class _ConcreteProxy(_ConcreteMixin, Proxy):
    """A proxy of the export tracer."""


class _ConcreteAttribute(_ConcreteMixin, Attribute):
    """``proxy.name`` of the export tracer."""


def _run_node(node: Node, values: dict[Node, Any]) -> Any:
    args = map_arg(node.args, lambda n: values[n])
    kwargs = map_arg(node.kwargs, lambda n: values[n])
    if node.op == "call_function":
        return node.target(*args, **kwargs)  # type: ignore[operator]
    if node.op == "call_method":
        self_obj, *rest = args
        return getattr(self_obj, node.target)(*rest, **kwargs)  # type: ignore[arg-type]
    raise RuntimeError(f"export: cannot run a {node.op} node ({node.name}) while tracing")


class ExportTracer(Tracer):
    """Traces every module through, running each recorded node on the example values."""

    proxy_buffer_attributes = True

    def __init__(self, state: dict[str, Tensor], inputs: Callable[[ExportTracer], Any]) -> None:
        """``state``: name -> the tensor a ``get_attr`` of it gives while tracing.

        ``inputs(tracer)`` makes the placeholders and returns the function to trace, which
        takes no arguments.
        """
        super().__init__()
        self.values: dict[Node, Any] = {}
        self._state = state
        self._inputs = inputs

    def is_leaf_module(self, m: Module, module_qualified_name: str) -> bool:
        """No module is a leaf: export records functions and methods only."""
        return False

    def call_module(
        self, m: Module, forward: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Trace ``m`` through; a training batch norm's counter update becomes ``add_``.

        microtensor's batch norm bumps ``num_batches_tracked`` on its raw array, which a
        trace cannot see; torch records ``num_batches_tracked.add_(1)``, and so does this.
        """
        # a function kept on the module (TransformerEncoderLayer's ``activation``) records too
        _dispatch.patch_globals(self._patcher, m.__dict__)
        counter = getattr(m, "_buffers", {}).get("num_batches_tracked")
        if counter is not None and m.training and getattr(m, "track_running_stats", False):
            buffer = m.num_batches_tracked
            self.create_proxy("call_method", "add_", (buffer, 1), {})
        if isinstance(m, LSTM | GRU) and not getattr(m, "proj_size", 0):
            return self._recurrent(m, *args, **kwargs)
        return super().call_module(m, forward, args, kwargs)

    def _recurrent(self, m: LSTM | GRU, input: Any, hx: Any = None) -> Any:  # noqa: A002
        """``nn.LSTM`` / ``nn.GRU`` as one ``microtensor.lstm`` / ``gru`` node.

        As torch's ``aten.lstm.input``; their Python code asks ``isinstance(input, Tensor)``.

        Raises:
            NotImplementedError: for an unbatched (2-D) input.
        """
        import microtensor as mt
        from microtensor.creation import zeros as zeros_fn  # mt.zeros is patched while tracing

        if len(self.values[input.node].shape) != 3:
            raise NotImplementedError(
                f"export(): {type(m).__name__} with a {len(self.values[input.node].shape)}-D "
                "input; export it with a batched 3-D input"
            )
        batch = self.values[input.node].shape[0 if m.batch_first else 1]
        if hx is None:
            shape = (m.num_layers * (2 if m.bidirectional else 1), batch, m.hidden_size)
            dtype = self.values[input.node].dtype
            zeros = [
                self.create_proxy("call_function", zeros_fn, (shape,), {"dtype": dtype})
                for _ in range(2 if isinstance(m, LSTM) else 1)
            ]
            hx = zeros if isinstance(m, LSTM) else zeros[0]
        elif isinstance(m, LSTM):
            hx = list(hx)
        weights = [getattr(m, name) for name in m._flat_weights_names]
        options = (m.bias, m.num_layers, float(m.dropout), m.training, m.bidirectional)
        # the function itself, not the dispatching stand-in the trace installs
        fn = inspect.unwrap(mt.lstm if isinstance(m, LSTM) else mt.gru)
        args = (input, hx, weights, *options, m.batch_first)
        result: Any = self.create_proxy("call_function", fn, args, {})
        if isinstance(m, LSTM):
            return result[0], (result[1], result[2])
        return result[0], result[1]

    def _install_patches(self, patcher: _dispatch._Patcher) -> None:
        self._patcher = patcher
        super()._install_patches(patcher)
        _dispatch.patch_globals(patcher, self.root.__dict__)

    def proxy(self, node: Node) -> Proxy:
        """Proxies that know their example value."""
        return _ConcreteProxy(node, self)

    def to_bool(self, obj: Proxy) -> bool:
        """``bool(proxy)``: the example value decides (a branch is specialized)."""
        return bool(self.values[obj.node])

    def iter(self, obj: Proxy) -> Iterator[Any]:
        """``for item in proxy``: one ``getitem`` per element of the example value."""
        return (obj[i] for i in range(len(self.values[obj.node])))

    def create_node(
        self,
        kind: str,
        target: Target,
        args: tuple[Argument, ...],
        kwargs: dict[str, Argument],
        name: str | None = None,
        type_expr: Any | None = None,
    ) -> Node:
        """Record the node and compute its example value."""
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        if kind == "get_attr":
            self.values[node] = self._attribute(str(target))
        elif kind in ("call_function", "call_method"):
            self.values[node] = _run_node(node, self.values)
        return node

    def _attribute(self, target: str) -> Any:
        if target in self._state:
            return self._state[target]
        value: Any = self.root
        for atom in target.split("."):
            value = getattr(value, atom)
        return value

    def create_args_for_root(
        self,
        root_fn: Callable[..., Any],
        is_module: bool,
        concrete_args: Any = None,
    ) -> tuple[Callable[..., Any], list[Any]]:
        """Placeholders for the flattened example inputs, made by ``inputs``."""
        return self._inputs(self), []
