"""``ExportedProgram``: a functional graph, its signature, and the state it runs with."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from microtensor.export.dynamic_shapes import ValueRanges
from microtensor.export.graph_signature import ExportGraphSignature
from microtensor.fx.graph import Graph
from microtensor.fx.graph_module import GraphModule
from microtensor.tensor import Tensor

__all__ = ["ExportedProgram"]

_DTYPE_ABBREVIATIONS = {
    "float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16",
    "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8", "uint8": "u8",
    "bool": "b8", "complex64": "c64", "complex128": "c128",
}  # fmt: skip


@dataclass
class InputGuard:
    """What ``ep.module()`` checks about one flattened user input."""

    name: str
    shape: list[Any] | None  # ints (static) and symbols (dynamic); None for a constant
    value: Any = None  # the specialized value of a constant input
    dims: dict[str, Any] = field(default_factory=dict)  # symbol -> its Dim

    def check(self, value: Any, seen: dict[str, str]) -> None:
        """Raise ``AssertionError('Guard failed: ...')`` where torch's guard would fail."""
        if self.shape is None:
            if value != self.value:
                raise AssertionError(f"Guard failed: {self.name} == {self.value!r}")
            return
        if not isinstance(value, Tensor):
            raise AssertionError(f"Guard failed: {self.name} is a Tensor, got {type(value)}")
        for d, size in enumerate(self.shape):
            if d >= value.ndim:
                raise AssertionError(f"Guard failed: {self.name}.dim() == {len(self.shape)}")
            actual, where = value.shape[d], f"{self.name}.size()[{d}]"
            if isinstance(size, int):
                if actual != size:
                    raise AssertionError(f"Guard failed: {where} == {size}")
                continue
            dim = self.dims[size]
            if actual > dim.max:
                raise AssertionError(f"Guard failed: {where} <= {dim.max}")
            if actual < dim.min:
                raise AssertionError(f"Guard failed: {where} >= {dim.min}")
            if size in seen and seen[size][1] != actual:
                raise AssertionError(f"Guard failed: {where} == {seen[size][0]}")
            seen.setdefault(size, (where, actual))  # type: ignore[arg-type]


class CallSpec(NamedTuple):
    """The pytree structures of the inputs ``(args, kwargs)`` and of the output."""

    in_spec: Any
    out_spec: Any


def _annotation(value: Any, shape: list[Any] | None = None) -> str | None:
    if not isinstance(value, Tensor):
        return None
    dims = shape if shape is not None else list(value.shape)
    dtype = _DTYPE_ABBREVIATIONS.get(str(value.dtype).rsplit(".", 1)[-1], str(value.dtype))
    return f'"{dtype}[{", ".join(str(d) for d in dims)}]"'


class ExportedProgram:
    """A program captured by ``export``: a functional graph and what it needs to run.

    Attributes:
        graph_module: the ``GraphModule`` of the functional graph (parameters, buffers and
            constants are its first inputs).
        graph_signature: what each placeholder and output is.
        state_dict: the parameters and persistent buffers, by name.
        constants: the lifted constant tensors and non-persistent buffers, by name.
        range_constraints: symbol -> ``ValueRanges`` of each dynamic dim.
        example_inputs: the ``(args, kwargs)`` given to ``export``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import export, nn
        >>> ep = export.export(nn.Linear(3, 2), (mt.randn(4, 3),))
        >>> print(str(ep).splitlines()[2].strip())
        def forward(self, p_weight: "f32[2, 3]", p_bias: "f32[2]", input: "f32[4, 3]"):
        >>> ep.graph_signature.user_inputs
        ('input',)

    Differs from PyTorch: the printed program calls microtensor functions and has no
    ``# File:`` source comments (microtensor does not record stack traces); the shapes of
    intermediate nodes are those of the example run.
    """

    def __init__(
        self,
        graph_module: GraphModule,
        graph_signature: ExportGraphSignature,
        state_dict: dict[str, Tensor],
        range_constraints: dict[str, ValueRanges],
        *,
        constants: dict[str, Tensor] | None = None,
        example_inputs: tuple[tuple[Any, ...], dict[str, Any]] | None = None,
        in_spec: Any = None,
        out_spec: Any = None,
        guards: list[InputGuard] | None = None,
        arg_paths: list[tuple[str, tuple[Any, ...]]] | None = None,
    ) -> None:
        """Hold the parts ``export`` (or ``load``) made."""
        self.graph_module = graph_module
        self.graph_signature = graph_signature
        self.state_dict = state_dict
        self.range_constraints = range_constraints
        self.constants = dict(constants or {})
        self.example_inputs = example_inputs if example_inputs is not None else ((), {})
        self._in_spec = in_spec
        self._out_spec = out_spec
        self._guards = list(guards or [])
        self._arg_paths = list(arg_paths or [])

    @property
    def graph(self) -> Graph:
        """The functional graph."""
        return self.graph_module.graph

    @property
    def call_spec(self) -> CallSpec:
        """The input and output pytree structures."""
        return CallSpec(self._in_spec, self._out_spec)

    def module(self) -> GraphModule:
        """A module that takes the user inputs and returns what the exported model returned.

        It holds the program's parameters and buffers (the same tensors as ``state_dict``)
        and checks its inputs before running: another input structure raises ``ValueError``,
        a static size or a constant that differs ``AssertionError('Guard failed: ...')``.
        """
        from microtensor.export._unlift import unlift

        return unlift(self)

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """The parameters, with their names, in placeholder order."""
        for name in self.graph_signature.parameters:
            yield name, self.state_dict[name]

    def parameters(self) -> Iterator[Tensor]:
        """The parameters, in placeholder order."""
        for _, param in self.named_parameters():
            yield param

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """The buffers, with their names, in placeholder order."""
        for name in self.graph_signature.buffers:
            yield name, self.state_dict.get(name, self.constants.get(name))  # type: ignore[misc]

    def buffers(self) -> Iterator[Tensor]:
        """The buffers, in placeholder order."""
        for _, buffer in self.named_buffers():
            yield buffer

    def run_decompositions(
        self, decomp_table: dict[Any, Any] | None = None, decompose_custom_triton_ops: bool = False
    ) -> ExportedProgram:
        """An equivalent program, retraced with the functions of ``decomp_table`` inlined.

        Args:
            decomp_table: microtensor function -> a Python function computing the same
                thing; each node calling a key is replaced by the traced body of its value.
                None: ``default_decompositions()``.
            decompose_custom_triton_ops: accepted for torch's signature; unused.

        Returns:
            A new ``ExportedProgram`` (this one is not changed).

        Differs from PyTorch: there are no ATen operators to lower to; the default table
        decomposes ``linear`` into ``matmul`` and ``add`` and nothing else.
        """
        from microtensor.export._decompositions import run_decompositions

        return run_decompositions(self, decomp_table)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse, as torch does: run ``ep.module()`` instead.

        Raises:
            RuntimeError: always.
        """
        raise RuntimeError(
            "Unable to call ExportedProgram directly. "
            "You should use `exported_program.module()` instead."
        )

    def _graph_text(self) -> str:
        shapes = {guard.name: guard.shape for guard in self._guards}
        values = {n.name: n.meta.get("val") for n in self.graph.nodes}
        lines = self.graph_module.code.strip("\n").split("\n")
        header = re.match(r"def forward\(self, (.*)\):", lines[0])
        if header:
            params = []
            placeholders = [n.name for n in self.graph.nodes if n.op == "placeholder"]
            for name, node_name in zip(header.group(1).split(", "), placeholders, strict=False):
                note = _annotation(values.get(node_name), shapes.get(name))
                params.append(f"{name}: {note}" if note else name)
            lines[0] = f"def forward(self, {', '.join(params)}):"
        for i, line in enumerate(lines[1:], 1):
            assigned = re.match(r"(\s+)(\w+) = (.*)", line)
            if assigned and assigned.group(2) in values and not assigned.group(3).isidentifier():
                note = _annotation(values[assigned.group(2)])
                if note:
                    lines[i] = (
                        f"{assigned.group(1)}{assigned.group(2)}: {note} = {assigned.group(3)}"
                    )
        body = textwrap.indent("\n".join(lines), "    ")
        return f"class GraphModule(microtensor.nn.Module):\n{body}\n"

    def __str__(self) -> str:
        graph = textwrap.indent(self._graph_text(), "    ")
        signature = "\n".join("    " + line for line in str(self.graph_signature).split("\n"))
        return (
            f"ExportedProgram:\n{graph}Graph signature: {signature[4:]}\n"
            f"Range constraints: {self.range_constraints}\n"
        )

    def __repr__(self) -> str:
        return str(self)
