"""``ShapeProp``: record each node's tensor metadata by running the module, as torch's.

``node.meta["tensor_meta"]`` gets a ``TensorMetadata`` (shape, dtype, stride, ...).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from microtensor.fx.graph_module import GraphModule
from microtensor.fx.interpreter import Interpreter
from microtensor.fx.node import Node, map_aggregate
from microtensor.tensor import Tensor

__all__ = ["ShapeProp", "TensorMetadata"]


class TensorMetadata(NamedTuple):
    """What ``ShapeProp`` records about a tensor value."""

    shape: Any
    dtype: Any
    requires_grad: bool
    stride: tuple[int, ...]
    memory_format: Any
    is_quantized: bool
    qparams: dict[str, Any]


def _extract_tensor_metadata(result: Tensor) -> TensorMetadata:
    import microtensor as mt

    memory_format = None
    for query in (mt.contiguous_format, mt.channels_last, mt.channels_last_3d):
        try:
            if result.is_contiguous(memory_format=query):
                memory_format = query
                break
        except (RuntimeError, ValueError):  # channels_last asked of a tensor of another rank
            continue
    return TensorMetadata(
        result.shape,
        result.dtype,
        result.requires_grad,
        result.stride(),
        memory_format,
        False,
        {},
    )


class ShapeProp(Interpreter):
    """Fill ``node.meta["tensor_meta"]`` (and ``node.meta["type"]``) by running the module.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx, nn
        >>> from microtensor.fx.passes.shape_prop import ShapeProp
        >>> gm = fx.symbolic_trace(nn.Sequential(nn.Linear(3, 5), nn.ReLU()))
        >>> _ = ShapeProp(gm).propagate(mt.randn(2, 3))
        >>> [(n.name, tuple(n.meta["tensor_meta"].shape)) for n in gm.graph.nodes][:3]
        [('input_1', (2, 3)), ('_0', (2, 5)), ('_1', (2, 5))]
    """

    def __init__(self, gm: GraphModule, fake_mode: Any = None) -> None:
        """Prepare to run ``gm``.

        Raises:
            NotImplementedError: for a ``fake_mode`` (microtensor has no fake tensors).
        """
        if fake_mode is not None:
            raise NotImplementedError(
                "ShapeProp(fake_mode=...): microtensor has no fake tensors; pass real example "
                "inputs to propagate() instead"
            )
        super().__init__(gm)
        self.fake_mode = None

    def run_node(self, n: Node) -> Any:
        """Run ``n`` and record its metadata.

        Raises:
            RuntimeError: ``ShapeProp error for: node=...`` when the node fails (the node's
                own error is its cause).
        """
        try:
            result = super().run_node(n)
        except Exception as e:
            raise RuntimeError(
                f"ShapeProp error for: node={n.format_node()} with meta={n.meta}"
            ) from e
        found_tensor = False

        def extract(value: Any) -> Any:
            nonlocal found_tensor
            if isinstance(value, Tensor):
                found_tensor = True
                return _extract_tensor_metadata(value)
            return value

        meta = map_aggregate(result, extract)
        if found_tensor:
            n.meta["tensor_meta"] = meta
        n.meta["type"] = type(result)
        return result

    def propagate(self, *args: Any) -> Any:
        """Run the module on ``args`` (example inputs), recording metadata on every node."""
        return super().run(*args)
