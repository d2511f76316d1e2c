"""``microtensor.onnx``: exporting a model to ONNX, as ``torch.onnx``.

``export`` is the public entry; the exporter itself lives in ``microtensor._onnx``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["export"]


def export(
    model: Any,
    args: Any,
    f: Any,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    opset_version: int | None = None,
    do_constant_folding: bool = True,
    kwargs: Mapping[str, Any] | None = None,
) -> Any:
    """Export ``model`` to ONNX by running it once on ``args``, as ``torch.onnx.export``.

    The model runs in eval mode (then gets its mode back). Modules with an ONNX mapping become
    standard ONNX ops (Linear -> MatMul/Add, Conv, MaxPool/AveragePool, BatchNormalization,
    LayerNormalization, activations, Softmax, Flatten, Embedding -> Gather, LSTM/GRU/RNN,
    attention and TransformerEncoderLayer -> MatMul/Softmax/Transpose/Reshape); any other
    module is walked into, and the tensor ops its forward calls (``+``, ``*``, ``@``, ``view``,
    ``transpose``, indexing, ``cat``, ``mean``, ``F.log_softmax`` ...) are mapped one by one.
    Work on constants only (a mask built in the forward, a slice of a buffer) is folded into
    constants. Needs the ``onnx`` package (``pip install 'microtensor[onnx]'``).

    Args:
        model: the Module to export.
        args: the example input: a Tensor, or a tuple of Tensors (a trailing dict holds
            keyword arguments).
        f: a path or a binary file object to write the model to.
        input_names: names of the graph inputs (default ``input``, or ``input_0``, ...).
        output_names: names of the graph outputs (default ``output``, or ``output_0``, ...).
        dynamic_axes: ``{name: {axis: label}}`` or ``{name: [axis, ...]}``: the axes whose size
            may change (such as the batch axis).
        opset_version: the ONNX opset, 17 or later (default 18).
        do_constant_folding: accepted as in torch (the weights are already constants).
        kwargs: keyword arguments for ``model``.

    Returns:
        The ``onnx.ModelProto`` written (torch returns None in this mode).

    Raises:
        RuntimeError: for an op or module with no ONNX mapping (the message names it and
            the module whose forward called it), or a tensor computed from the input by code
            the trace cannot see (NumPy inside a custom ``Function``, for instance).
        ValueError: for an unsupported ``opset_version`` or unknown ``dynamic_axes`` names.
        ImportError: if the ``onnx`` package is not installed.

    Differs from PyTorch: sizes read in the forward (``x.size(0)``, ``len(x)``) are frozen
    into constants (PyTorch's tracer records them), so an axis stays dynamic only where the
    forward never reads its size; Python numbers taken out of tensors (``.item()``) become
    constants, as in PyTorch; ``.detach()`` of a traced tensor is an error.

    Example:
        >>> import io, microtensor as mt
        >>> model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.ReLU(), mt.nn.Linear(4, 1))
        >>> proto = mt.onnx.export(model, mt.randn(2, 3), io.BytesIO(),
        ...                        dynamic_axes={"input": {0: "batch"}})
        >>> [node.op_type for node in proto.graph.node]
        ['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Identity']
    """
    from microtensor._onnx import export as _export

    options = (input_names, output_names, dynamic_axes, opset_version, do_constant_folding)
    return _export(model, args, f, *options, kwargs)
