"""``summary``: a table of a model's layers, output shapes and parameter counts (as torchinfo)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from microtensor import dtypes as _dtypes
from microtensor.autograd.grad_mode import no_grad
from microtensor.creation import zeros
from microtensor.tensor import Tensor

if TYPE_CHECKING:
    from microtensor.nn.module import Module

__all__ = ["ModelSummary", "summary"]

_RULE = "=" * 80


class ModelSummary:
    """The result of ``summary``: ``str()`` gives the table.

    Attributes:
        rows: one dict per module call, in call order, with ``name`` (``"layers.0"``; ``""``
            for the model), ``type`` (class name), ``depth`` (0 for the model), ``call``
            (1 for a module's first call, 2 for its second, ...), ``output_shape`` (a tuple,
            a list of tuples for several outputs, or None), ``num_params`` and
            ``trainable_params`` (the module's own parameters, not its children's) and
            ``output_bytes``.
        total_params: parameters of the model (each shared parameter once).
        trainable_params: those with ``requires_grad``.
        non_trainable_params: the others.
        input_bytes: size of the inputs.
        forward_backward_bytes: estimated activation memory: twice (value and gradient) the
            size of the outputs of the modules without children.
        params_bytes: size of the parameters.
    """

    def __init__(
        self, rows: list[dict[str, Any]], params: Sequence[Tensor], inputs: Sequence[Tensor]
    ) -> None:
        self.rows = rows
        self.total_params = sum(p._data.size for p in params)
        self.trainable_params = sum(p._data.size for p in params if p._requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.input_bytes = sum(t._data.nbytes for t in inputs)
        leaves = [r for i, r in enumerate(rows) if not _has_children(rows, i)]
        self.forward_backward_bytes = 2 * sum(r["output_bytes"] for r in leaves)
        self.params_bytes = sum(p._data.nbytes for p in params)

    def __str__(self) -> str:
        lines = [_RULE, f"{'Layer (type (name))':<40}{'Output Shape':<25}{'Param #':>15}", _RULE]
        for text, row in zip(_layer_texts(self.rows), self.rows, strict=True):
            lines.append(
                f"{text:<39} {_shape_text(row['output_shape']):<24} {_param_text(row):>15}"
            )
        total = self.input_bytes + self.forward_backward_bytes + self.params_bytes
        lines += [
            _RULE,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            _RULE,
            f"Input size (MB): {self.input_bytes / 1e6:.2f}",
            f"Forward/backward pass size (MB): {self.forward_backward_bytes / 1e6:.2f}",
            f"Params size (MB): {self.params_bytes / 1e6:.2f}",
            f"Estimated Total Size (MB): {total / 1e6:.2f}",
            _RULE,
        ]
        return "\n".join(lines)

    __repr__ = __str__


def summary(
    model: Module,
    input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
    *,
    example_input: Tensor | Sequence[Tensor] | None = None,
    dtypes: Sequence[Any] | None = None,
) -> ModelSummary:
    """Run ``model`` once and tabulate its layers, as ``torchinfo.summary``.

    Forward hooks on every submodule record each call's output shape; the model runs under
    ``no_grad`` in eval mode, and the hooks and every module's training flag are restored
    afterwards. Each row counts the module's own parameters (a container's row shows ``--``
    when all its parameters belong to its children; a second call shows ``(recursive)``).

    Args:
        model: the module to summarize.
        input_size: the input's shape including the batch dim, such as ``(2, 3)``, or a list
            of shapes for a model with several inputs; the inputs are zeros.
        example_input: a Tensor (or a sequence of Tensors) to run instead of ``input_size``.
        dtypes: one dtype per input made from ``input_size`` (default: the default dtype),
            e.g. ``[mt.int64]`` for an embedding.

    Returns:
        A ``ModelSummary``: print it for the table; ``rows``, ``total_params``,
        ``trainable_params`` and the sizes are attributes.

    Raises:
        TypeError: if ``model`` is not a Module or ``input_size`` is not a shape or a list of
            shapes.
        ValueError: if neither or both of ``input_size`` and ``example_input`` are given, or
            ``dtypes`` does not have one entry per input.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.summary import summary
        >>> model = mt.nn.Sequential(mt.nn.Linear(3, 8), mt.nn.ReLU(), mt.nn.Linear(8, 1))
        >>> print(summary(model, (2, 3)))
        ================================================================================
        Layer (type (name))                     Output Shape                     Param #
        ================================================================================
        Sequential                              [2, 1]                                --
        ├─Linear (0)                            [2, 8]                                32
        ├─ReLU (1)                              [2, 8]                                --
        └─Linear (2)                            [2, 1]                                 9
        ================================================================================
        Total params: 41
        Trainable params: 41
        Non-trainable params: 0
        ================================================================================
        Input size (MB): 0.00
        Forward/backward pass size (MB): 0.00
        Params size (MB): 0.00
        Estimated Total Size (MB): 0.00
        ================================================================================
    """
    from microtensor.nn.module import Module

    if not isinstance(model, Module):
        raise TypeError(f"summary(): model must be an nn.Module, got {type(model).__name__}")
    inputs = _make_inputs(input_size, example_input, dtypes)
    rows = _record_calls(model, inputs)
    params = list(model.parameters())
    return ModelSummary(rows, params, inputs)


def _make_inputs(input_size: Any, example_input: Any, dtypes: Any) -> list[Tensor]:
    if (input_size is None) == (example_input is None):
        raise ValueError(
            "summary(): pass exactly one of input_size (a shape such as (batch, features), "
            "or a list of shapes) and example_input (a Tensor or a sequence of Tensors)"
        )
    if example_input is not None:
        if isinstance(example_input, Tensor):
            return [example_input]
        return list(example_input)
    if isinstance(input_size, Sequence) and all(isinstance(d, int) for d in input_size):
        shapes = [tuple(input_size)]
    elif isinstance(input_size, Sequence) and all(
        isinstance(s, Sequence) and all(isinstance(d, int) for d in s) for s in input_size
    ):
        shapes = [tuple(s) for s in input_size]
    else:
        raise TypeError(
            "summary(): input_size must be a shape such as (2, 3) or a list of shapes such as "
            f"[(2, 3), (2, 5)], got {input_size!r}"
        )
    if dtypes is None:
        dtypes = [_dtypes.get_default_dtype()] * len(shapes)
    if len(dtypes) != len(shapes):
        raise ValueError(
            f"summary(): got {len(dtypes)} dtypes for {len(shapes)} inputs: pass one dtype "
            "per input shape"
        )
    return [zeros(shape, dtype=dtype) for shape, dtype in zip(shapes, dtypes, strict=True)]


def _record_calls(model: Module, inputs: list[Tensor]) -> list[dict[str, Any]]:
    """Run ``model`` with hooks on every submodule; one row per module call."""
    names = {id(m): name for name, m in model.named_modules()}
    rows: list[dict[str, Any]] = []
    open_rows: list[dict[str, Any]] = []
    calls: dict[int, int] = {}

    def before(module: Module, args: Any) -> None:
        calls[id(module)] = calls.get(id(module), 0) + 1
        own = list(module.parameters(recurse=False))
        row = {
            "name": names.get(id(module), type(module).__name__),
            "type": type(module).__name__,
            "depth": len(open_rows),
            "call": calls[id(module)],
            "output_shape": None,
            "num_params": sum(p._data.size for p in own),
            "trainable_params": sum(p._data.size for p in own if p._requires_grad),
            "output_bytes": 0,
        }
        rows.append(row)
        open_rows.append(row)

    def after(module: Module, args: Any, output: Any) -> None:
        row = open_rows.pop()
        tensors = _tensors_in(output)
        if isinstance(output, Tensor):
            row["output_shape"] = tuple(output.shape)
        elif tensors:
            row["output_shape"] = [tuple(t.shape) for t in tensors]
        row["output_bytes"] = sum(t._data.nbytes for t in tensors)

    modules = list(model.modules())
    training = [m.training for m in modules]
    handles = []
    try:
        for m in modules:
            handles.append(m.register_forward_pre_hook(before))
            handles.append(m.register_forward_hook(after))
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for m, mode in zip(modules, training, strict=True):
            m.training = mode
    return rows


def _tensors_in(output: Any) -> list[Tensor]:
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        return [t for item in output for t in _tensors_in(item)]
    return []


def _has_children(rows: list[dict[str, Any]], i: int) -> bool:
    return i + 1 < len(rows) and rows[i + 1]["depth"] > rows[i]["depth"]


def _layer_texts(rows: list[dict[str, Any]]) -> list[str]:
    """``├─Linear (layers.0)`` with tree lines for every row; the model's own row is its class."""
    texts: list[str] = []
    # continues[level]: a later row sits at this level before the tree climbs above it.
    continues: list[bool] = []
    for row in reversed(rows):
        depth = row["depth"]
        continues += [False] * (depth + 1 - len(continues))
        if depth == 0:
            texts.append(row["type"] if not row["name"] else f"{row['type']} ({row['name']})")
        else:
            prefix = "".join("│    " if continues[level] else "     " for level in range(1, depth))
            branch = "├─" if continues[depth] else "└─"
            texts.append(f"{prefix}{branch}{row['type']} ({row['name']})")
        continues[depth] = True
        del continues[depth + 1 :]
    return texts[::-1]


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "--"
    if isinstance(shape, tuple):
        return str(list(shape))
    return ", ".join(str(list(s)) for s in shape)


def _param_text(row: dict[str, Any]) -> str:
    if row["call"] > 1:
        return "(recursive)"
    return f"{row['num_params']:,}" if row["num_params"] else "--"
