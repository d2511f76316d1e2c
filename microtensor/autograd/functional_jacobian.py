"""The two strategies of ``autograd.functional.jacobian``: rows (reverse) and columns (forward).

Reverse mode takes one backward per output element: row j of the Jacobian is the gradient of
output element j. Forward mode takes one Jacobian-vector product per input element: column j
is J e_j, obtained by the double-backward trick (microtensor has no forward-mode AD).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microtensor.autograd.functional_checks import (
    _as_tuple,
    _autograd_grad,
    _grad_postprocess,
    _grad_preprocess,
    _tuple_postprocess,
)
from microtensor.autograd.grad_mode import enable_grad

__all__: list[str] = []


def _jacobian_rows(
    i: int, out: Any, inputs: tuple[Any, ...], strict: bool, create_graph: bool
) -> tuple[Any, ...]:
    """The Jacobian of output ``i`` with respect to each input: one backward per element."""
    from microtensor.creation import zeros, zeros_like
    from microtensor.ops import stack

    rows: list[list[Any]] = [[] for _ in inputs]
    flat = out.reshape(-1)
    for j in range(out.nelement()):
        row = _autograd_grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
        for k, (row_k, inp) in enumerate(zip(row, inputs, strict=True)):
            if row_k is None:
                if strict:
                    raise RuntimeError(
                        f"Output {i} of the user-provided function is independent of input {k}. "
                        "This is not allowed in strict mode."
                    )
                row_k = zeros_like(inp)
            elif strict and create_graph and not row_k.requires_grad:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {k}. "
                    "This is not allowed in strict mode when create_graph=True."
                )
            rows[k].append(row_k)
    return tuple(
        stack(rows_k, 0).view(*out.shape, *inp.shape)
        if rows_k
        else zeros(*out.shape, *inp.shape, dtype=inp.dtype)
        for rows_k, inp in zip(rows, inputs, strict=True)
    )


def _jacobian_forward(func: Callable[..., Any], inputs: Any, strict: bool, vectorize: bool) -> Any:
    """The Jacobian column by column: column j is J e_j, by the double-backward trick.

    With u a dummy (zero) vector per output, g(u) = J^T u is computed once with
    ``create_graph=True``; element j of g is linear in u, and its gradient with respect to u
    is column j of J.
    """
    from microtensor.creation import zeros_like

    if strict:
        raise RuntimeError(
            'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
            "are not supported together (yet). Please either set `strict=False` or "
            '`strategy="reverse-mode"`.'
        )
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError(
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only "
            "implemented for `vectorize=True`."
        )
    with enable_grad():
        inputs = _grad_preprocess(inputs, create_graph=True)
        is_outputs_tuple, outputs = _as_tuple(
            func(*inputs), "outputs of the user-provided function", "jacobian"
        )
        dummies = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        transposed = _autograd_grad(outputs, inputs, dummies, create_graph=True)
        columns: list[list[list[Any]]] = [[[] for _ in inputs] for _ in outputs]
        for k, (g_k, inp) in enumerate(zip(transposed, inputs, strict=True)):
            flat = g_k.reshape(-1) if g_k is not None and g_k.requires_grad else None
            for j in range(inp.nelement()):
                column = (
                    (None,) * len(outputs)
                    if flat is None
                    else _autograd_grad((flat[j],), dummies, retain_graph=True)
                )
                for i, (c, out) in enumerate(zip(column, outputs, strict=True)):
                    columns[i][k].append(zeros_like(out) if c is None else c)
        jac = tuple(
            tuple(_from_columns(cols, out, inp) for cols, inp in zip(per_out, inputs, strict=True))
            for per_out, out in zip(columns, outputs, strict=True)
        )
        result = _grad_postprocess(jac, create_graph=False)
    return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def _from_columns(columns: list[Any], out: Any, inp: Any) -> Any:
    """Columns shaped like ``out``, one per element of ``inp``, as ``out.shape + inp.shape``."""
    from microtensor.creation import zeros
    from microtensor.ops import stack

    if not columns:
        return zeros(*out.shape, *inp.shape, dtype=out.dtype)
    return stack(columns, -1).reshape(*out.shape, *inp.shape)
