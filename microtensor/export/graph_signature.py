"""``ExportGraphSignature``: what each placeholder and output of an exported graph is.

An exported graph is functional: parameters, buffers and constant tensors come in as
placeholders (``p_linear_weight``, ``b_bn_running_mean``, ``c_scale``) before the user's
inputs, and the outputs are a flat tuple. The signature says, for every placeholder and
output, its kind (``InputKind`` / ``OutputKind``) and the state-dict name it stands for.
"""

from __future__ import annotations

import dataclasses
from enum import Enum, auto
from typing import Any

__all__ = [
    "ConstantArgument",
    "ExportGraphSignature",
    "InputKind",
    "InputSpec",
    "OutputKind",
    "OutputSpec",
    "TensorArgument",
]


@dataclasses.dataclass
class TensorArgument:
    """A tensor placeholder or output, by node name."""

    name: str


@dataclasses.dataclass
class ConstantArgument:
    """A non-tensor input or output (a number, a string, None), specialized at export."""

    name: str
    value: int | float | bool | str | None


class InputKind(Enum):
    """What a placeholder of an exported graph stands for."""

    USER_INPUT = auto()
    PARAMETER = auto()
    BUFFER = auto()
    CONSTANT_TENSOR = auto()
    CUSTOM_OBJ = auto()
    TOKEN = auto()


class OutputKind(Enum):
    """What an output of an exported graph is."""

    USER_OUTPUT = auto()
    LOSS_OUTPUT = auto()
    BUFFER_MUTATION = auto()
    PARAMETER_MUTATION = auto()
    GRADIENT_TO_PARAMETER = auto()
    GRADIENT_TO_USER_INPUT = auto()
    USER_INPUT_MUTATION = auto()
    TOKEN = auto()


@dataclasses.dataclass
class InputSpec:
    """One placeholder: its kind, argument, state-dict target and (buffers) persistence.

    Raises:
        AssertionError: if a buffer has no ``persistent`` flag.
    """

    kind: InputKind
    arg: TensorArgument | ConstantArgument
    target: str | None
    persistent: bool | None = None

    def __post_init__(self) -> None:
        """Check that a buffer says whether it is persistent, as torch does."""
        if self.kind == InputKind.BUFFER and self.persistent is None:
            raise AssertionError("Failed to specify persistent flag on BUFFER.")


@dataclasses.dataclass
class OutputSpec:
    """One output: its kind, argument and (mutations) the state-dict target."""

    kind: OutputKind
    arg: TensorArgument | ConstantArgument
    target: str | None


def _spec_line(spec: InputSpec | OutputSpec) -> str:
    line = f"{spec.arg.name}: {spec.kind.name}"
    if spec.target is not None:
        line += f" target={spec.target!r}"
    if isinstance(spec, InputSpec) and spec.persistent is not None:
        line += f" persistent={spec.persistent}"
    return line


@dataclasses.dataclass
class ExportGraphSignature:
    """The input and output specs of an exported graph, in placeholder / output order.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import export, nn
        >>> ep = export.export(nn.Linear(3, 2), (mt.randn(4, 3),))
        >>> sig = ep.graph_signature
        >>> sig.parameters, sig.user_inputs, sig.user_outputs
        (('weight', 'bias'), ('input',), ('linear',))
        >>> sig.inputs_to_parameters
        {'p_weight': 'weight', 'p_bias': 'bias'}
    """

    input_specs: list[InputSpec]
    output_specs: list[OutputSpec]

    def _inputs(self, kind: InputKind) -> tuple[Any, ...]:
        return tuple(s.target for s in self.input_specs if s.kind == kind)

    @property
    def parameters(self) -> tuple[str, ...]:
        """The state-dict names of the lifted parameters."""
        return self._inputs(InputKind.PARAMETER)

    @property
    def buffers(self) -> tuple[str, ...]:
        """The state-dict names of the lifted buffers."""
        return self._inputs(InputKind.BUFFER)

    @property
    def non_persistent_buffers(self) -> tuple[str, ...]:
        """The buffers that are not in the state dict."""
        return tuple(
            s.target
            for s in self.input_specs
            if s.kind == InputKind.BUFFER and s.persistent is False and s.target is not None
        )

    @property
    def lifted_tensor_constants(self) -> tuple[str, ...]:
        """The names of the constant tensors lifted to placeholders."""
        return self._inputs(InputKind.CONSTANT_TENSOR)

    @property
    def user_inputs(self) -> tuple[Any, ...]:
        """The user inputs: placeholder names (tensors) or the specialized values."""
        result: list[Any] = []
        for s in self.input_specs:
            if s.kind == InputKind.USER_INPUT:
                arg = s.arg
                result.append(arg.value if isinstance(arg, ConstantArgument) else arg.name)
        return tuple(result)

    @property
    def user_outputs(self) -> tuple[Any, ...]:
        """The user outputs: node names (tensors) or the constant values."""
        result: list[Any] = []
        for s in self.output_specs:
            if s.kind == OutputKind.USER_OUTPUT:
                arg = s.arg
                result.append(arg.value if isinstance(arg, ConstantArgument) else arg.name)
        return tuple(result)

    def _placeholder_to(self, kind: InputKind) -> dict[str, str]:
        return {
            s.arg.name: s.target
            for s in self.input_specs
            if s.kind == kind and s.target is not None
        }

    @property
    def inputs_to_parameters(self) -> dict[str, str]:
        """Placeholder name -> parameter name."""
        return self._placeholder_to(InputKind.PARAMETER)

    @property
    def inputs_to_buffers(self) -> dict[str, str]:
        """Placeholder name -> buffer name."""
        return self._placeholder_to(InputKind.BUFFER)

    @property
    def inputs_to_lifted_tensor_constants(self) -> dict[str, str]:
        """Placeholder name -> constant tensor name."""
        return self._placeholder_to(InputKind.CONSTANT_TENSOR)

    @property
    def buffers_to_mutate(self) -> dict[str, str]:
        """Output name -> buffer it writes (empty: microtensor mutates buffers in place)."""
        return {
            s.arg.name: s.target
            for s in self.output_specs
            if s.kind == OutputKind.BUFFER_MUTATION and s.target is not None
        }

    def __str__(self) -> str:
        inputs = "\n".join(_spec_line(s) for s in self.input_specs)
        outputs = "\n".join(_spec_line(s) for s in self.output_specs)
        return f"\n# inputs\n{inputs}\n\n# outputs\n{outputs}\n"
