"""``run_decompositions``: retrace a program with some functions replaced by their bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from microtensor.tensor import Tensor

if TYPE_CHECKING:
    from microtensor.export.exported_program import ExportedProgram

__all__ = ["default_decompositions"]


def _linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``linear`` as ``input @ weight.T + bias``."""
    import microtensor as mt

    output = mt.matmul(input, weight.t())
    return output if bias is None else output + bias


def default_decompositions() -> dict[Callable[..., Any], Callable[..., Any]]:
    """The table ``run_decompositions()`` uses by default: ``linear`` -> ``matmul + add``.

    Example:
        >>> import microtensor.nn.functional as F
        >>> from microtensor.export import default_decompositions
        >>> F.linear in default_decompositions()
        True
    """
    import microtensor.nn.functional as F

    return {F.linear: _linear}


def run_decompositions(
    ep: ExportedProgram, decomp_table: dict[Callable[..., Any], Callable[..., Any]] | None
) -> ExportedProgram:
    """Export ``ep.module()`` again with each node calling a key of the table redirected."""
    from microtensor.export._trace import export

    table = default_decompositions() if decomp_table is None else decomp_table
    module = ep.module()
    module._forward_pre_hooks.clear()
    for node in module.graph.nodes:
        if node.op == "call_function" and node.target in table:
            node.target = table[node.target]
    module.recompile()
    args, kwargs = ep.example_inputs
    result = export(module, args, kwargs)
    result._guards, result.range_constraints = ep._guards, ep.range_constraints
    return result
