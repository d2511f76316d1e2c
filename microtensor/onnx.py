"""``microtensor.onnx``: exporting a model to ONNX, as ``torch.onnx``.

``export`` is the public entry; the exporter itself lives in ``microtensor._onnx``.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["OperatorExportTypes", "TrainingMode", "export"]


class TrainingMode(enum.IntEnum):
    """torch.onnx.TrainingMode: the mode the model is exported in (only EVAL here)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    """torch.onnx.OperatorExportTypes (only ONNX, standard ONNX ops, here)."""

    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


def export(
    model: Any,
    args: Any = (),
    f: Any = None,
    *,
    kwargs: Mapping[str, Any] | None = None,
    verbose: bool | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamo: bool = True,
    external_data: bool = True,
    dynamic_shapes: Any = None,
    custom_translation_table: Any = None,
    report: bool = False,
    optimize: bool = True,
    verify: bool = False,
    profile: bool = False,
    dump_exported_program: bool = False,
    artifacts_dir: Any = ".",
    export_params: bool = True,
    keep_initializers_as_inputs: bool = False,
    dynamic_axes: Mapping[str, Any] | None = None,
    training: TrainingMode = TrainingMode.EVAL,
    operator_export_type: OperatorExportTypes = OperatorExportTypes.ONNX,
    do_constant_folding: bool = True,
    custom_opsets: Mapping[str, int] | None = None,
    export_modules_as_functions: Any = False,
    autograd_inlining: bool = True,
) -> Any:
    """Export ``model`` to ONNX by running it once on ``args``, as ``torch.onnx.export``.

    The options of torch's other exporters (``dynamo``, ``report``, ``verify``, ...) are
    accepted and change nothing: there is one exporter, and it stores the weights as
    initializers in the one file.

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
        f: a path or a binary file object to write the model to (None: write nothing).
        kwargs: keyword arguments for ``model``.
        verbose: accepted as in torch; changes nothing here.
        dynamo: accepted as in torch; changes nothing here.
        external_data: accepted as in torch; changes nothing here.
        dynamic_shapes: accepted as in torch; changes nothing here.
        custom_translation_table: accepted as in torch; changes nothing here.
        report: accepted as in torch; changes nothing here.
        optimize: accepted as in torch; changes nothing here.
        verify: accepted as in torch; changes nothing here.
        profile: accepted as in torch; changes nothing here.
        dump_exported_program: accepted as in torch; changes nothing here.
        artifacts_dir: accepted as in torch; changes nothing here.
        keep_initializers_as_inputs: accepted as in torch; changes nothing here.
        custom_opsets: accepted as in torch; changes nothing here.
        export_modules_as_functions: accepted as in torch; changes nothing here.
        autograd_inlining: accepted as in torch; changes nothing here.
        export_params: must be True (the weights are always written).
        training: must be ``TrainingMode.EVAL`` (the model is exported in eval mode).
        operator_export_type: must be ``OperatorExportTypes.ONNX`` (standard ops only).
        input_names: names of the graph inputs (default ``input``, or ``input_0``, ...).
        output_names: names of the graph outputs (default ``output``, or ``output_0``, ...).
        dynamic_axes: ``{name: {axis: label}}`` or ``{name: [axis, ...]}``: the axes whose size
            may change (such as the batch axis).
        opset_version: the ONNX opset, 17 or later (default 18).
        do_constant_folding: accepted as in torch (the weights are already constants).

    Returns:
        The ``onnx.ModelProto`` written (torch's ``dynamo=True`` exporter returns an
        ``ONNXProgram``, its TorchScript one None).

    Raises:
        RuntimeError: for an op or module with no ONNX mapping (the message names it and
            the module whose forward called it), or a tensor computed from the input by code
            the trace cannot see (NumPy inside a custom ``Function``, for instance).
        ValueError: for an unsupported ``opset_version`` or unknown ``dynamic_axes`` names.
        ImportError: if the ``onnx`` package is not installed.
        NotImplementedError: for ``export_params=False``, a training mode other than EVAL or
            an operator export type other than ONNX.

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

    refused = {
        "export_params=False": not export_params,
        f"training={training!r}": training != TrainingMode.EVAL,
        f"operator_export_type={operator_export_type!r}": (
            operator_export_type != OperatorExportTypes.ONNX
        ),
    }
    for what, bad in refused.items():
        if bad:
            raise NotImplementedError(
                f"microtensor.onnx.export(): {what} is not supported: microtensor exports the "
                "eval-mode model with its weights, in standard ONNX ops (leave the default)"
            )
    if f is None:
        f = io.BytesIO()
    options = (input_names, output_names, dynamic_axes, opset_version, do_constant_folding)
    return _export(model, args, f, *options, kwargs)
