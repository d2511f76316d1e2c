"""``GraphBuilder``: collects ONNX nodes, initializers and names while a model is exported."""

from __future__ import annotations

from typing import Any

import numpy as np


def onnx_module() -> Any:
    """The ``onnx`` package, imported lazily (it is the optional ``onnx`` extra)."""
    try:
        import onnx
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "microtensor.onnx.export() needs the onnx package: pip install 'microtensor[onnx]' "
            "(or pip install onnx)"
        ) from error
    return onnx


class GraphBuilder:
    """Unique value names, nodes in order, and weights as initializers."""

    def __init__(self, opset_version: int) -> None:
        self.onnx = onnx_module()
        self.opset_version = opset_version
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()
        self._weights: dict[int, str] = {}

    def fresh(self, hint: str) -> str:
        """A value name not used yet, made from ``hint``."""
        name, k = hint, 1
        while name in self._used:
            name, k = f"{hint}.{k}", k + 1
        self._used.add(name)
        return name

    def add(
        self, op_type: str, inputs: list[str], hint: str, outputs: int = 1, **attrs: Any
    ) -> Any:
        """Append a node; return its output name (a list of names when ``outputs > 1``)."""
        names = [
            self.fresh(f"{hint}_{op_type}" if outputs == 1 else f"{hint}_{op_type}_{i}")
            for i in range(outputs)
        ]
        node_name = self.fresh(f"/{hint}/{op_type}")
        node = self.onnx.helper.make_node(op_type, inputs, names, name=node_name, **attrs)
        self.nodes.append(node)
        return names[0] if outputs == 1 else names

    def weight(self, value: Any, hint: str) -> str:
        """An initializer holding ``value`` (a Tensor's data is shared once per tensor)."""
        from microtensor.tensor import Tensor

        key = id(value) if isinstance(value, Tensor) else None
        if key is not None and key in self._weights:
            return self._weights[key]
        array = value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)
        name = self.fresh(hint)
        self.initializers.append(
            self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name)
        )
        if key is not None:
            self._weights[key] = name
        return name

    def ints(self, values: Any, hint: str) -> str:
        """A constant int64 initializer (shapes, axes, indices)."""
        return self.weight(np.asarray(values, dtype=np.int64), hint)
