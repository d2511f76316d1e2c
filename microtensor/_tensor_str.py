"""``repr`` of tensors in PyTorch's format: ``tensor([1.5000, 2.0000], requires_grad=True)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes

_PREFIX = "tensor("


def _float_formatter(values: np.ndarray) -> Any:
    """PyTorch's choice: integers as ``1.``, else 4 decimals, or scientific for wide ranges.

    As PyTorch's ``_Formatter``, only the finite nonzero values decide.
    """
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if nonzero.size == 0:
        return lambda x: _special(x) or f"{x:.0f}."
    big, small = nonzero.max(), nonzero.min()
    wide = big / small > 1e3 or big > 1e8
    if np.all(nonzero == np.ceil(nonzero)):
        return (
            (lambda x: _special(x) or f"{x:.4e}") if wide else lambda x: _special(x) or f"{x:.0f}."
        )
    if wide or small < 1e-4:
        return lambda x: _special(x) or f"{x:.4e}"
    return lambda x: _special(x) or f"{x:.4f}"


def _special(x: float) -> str | None:
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return None


def _format_values(array: np.ndarray) -> str:
    if array.size == 0:
        return "[]" if array.ndim == 1 else "[]"
    formatter: dict[str, Any] = {}
    if array.dtype.kind == "V":  # bfloat16 prints its values as float32 does, as in PyTorch
        array = array.astype(np.float32)
    if array.dtype.kind == "f":
        fmt = _float_formatter(array)
        flat = array.reshape(-1)[:1000]
        finite = flat[np.isfinite(flat)]  # PyTorch sizes columns by the finite values only
        width = max(len(fmt(x)) for x in (finite if finite.size else flat))
        formatter = {"float_kind": lambda x: fmt(x).rjust(width)}
    elif array.dtype.kind == "b":
        width = 5 if not array.all() else 4
        formatter = {"bool": lambda x: ("True" if x else "False").rjust(width)}
    text = np.array2string(
        array,
        separator=", ",
        prefix=_PREFIX,
        formatter=formatter,  # type: ignore[arg-type]
        threshold=1000,
        edgeitems=3,
        max_line_width=80,
    )
    return text.replace(", ...,", ",  ...,")  # PyTorch's spacing around the ellipsis


def tensor_repr(t: Any) -> str:
    """The text of ``repr(t)``."""
    array = t._data
    extras = []
    if array.size == 0 and array.shape != (0,):
        extras.append(f"size={tuple(array.shape)}")
    if (
        array.dtype
        not in (dtypes.get_default_dtype().numpy, np.dtype(np.int64), np.dtype(np.bool_))
        or array.size == 0
        and array.dtype.kind != "f"
    ):
        extras.append(f"dtype={dtypes.from_numpy_dtype(array.dtype)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return _add_suffixes(_PREFIX + _format_values(array), extras)


def _add_suffixes(text: str, suffixes: list[str], width: int = 80) -> str:
    """PyTorch's rule: a suffix that would pass the line width goes on a line of its own."""
    parts = [text]
    line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line + len(suffix) + 2 > width:
            parts.append(",\n" + " " * len(_PREFIX) + suffix)
            line = len(_PREFIX) + len(suffix)
        else:
            parts.append(", " + suffix)
            line += len(suffix) + 2
    return "".join(parts) + ")"
