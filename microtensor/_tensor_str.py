"""``repr`` of tensors in PyTorch's format: ``tensor([1.5000, 2.0000], requires_grad=True)``.

``set_printoptions`` / ``get_printoptions`` / ``printoptions`` change it as PyTorch's do
(precision, summarising threshold, edge items, line width, scientific notation).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np

from microtensor import dtypes

_PREFIX = "tensor("


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()
_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions``.

    Args:
        precision: digits after the point for floating values (default 4).
        threshold: tensors with more elements than this print summarised (default 1000).
        edgeitems: items shown at each end of a summarised dimension (default 3).
        linewidth: characters per line (default 80).
        profile: "default", "short" or "full" (no summarising), set before the other options.
        sci_mode: True or False to force or forbid scientific notation; None (what every call
            that does not give it sets, as in PyTorch) lets the values decide.

    Example:
        >>> import microtensor as mt
        >>> mt.set_printoptions(precision=2)
        >>> mt.tensor([1.2345, 2.0])
        tensor([1.23, 2.00])
        >>> mt.set_printoptions(profile="default")
    """
    if profile is not None:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):  # fmt: skip
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keyword arguments for ``set_printoptions``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Change the print options inside a ``with`` block (the arguments of ``set_printoptions``)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


def _float_formatter(values: np.ndarray) -> Any:
    """PyTorch's choice: integers as ``1.``, else 4 decimals, or scientific for wide ranges.

    As PyTorch's ``_Formatter``, only the finite nonzero values decide.
    """
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if nonzero.size == 0:
        return lambda x: _special(x) or f"{x:.0f}."
    big, small = nonzero.max(), nonzero.min()
    sci = PRINT_OPTS.sci_mode
    if sci is None:
        sci = big / small > 1e3 or big > 1e8 or small < 1e-4
    p = PRINT_OPTS.precision
    if sci:
        return lambda x: _special(x) or f"{x:.{p}e}"
    if np.all(nonzero == np.ceil(nonzero)):
        return lambda x: _special(x) or f"{x:.0f}."
    return lambda x: _special(x) or f"{x:.{p}f}"


def _nested_text(array: np.ndarray, indent: int, number: Any, width: int) -> str:
    """The values' text as PyTorch's ``_tensor_str`` writes it.

    ``number`` formats one value padded to its column, ``width`` is one cell's length with the
    ", " after it. A row wraps after a fixed number of cells, ``(linewidth - indent) // width``
    (the ``...`` of a summarised row counts as one), where NumPy would wrap by characters.
    """
    summarize = array.size > PRINT_OPTS.threshold
    items = PRINT_OPTS.edgeitems

    def rows(a: np.ndarray) -> list[Any]:  # the parts along dim 0, "..." where summarised
        if summarize and len(a) > 2 * items:
            return [*a[:items], "...", *a[len(a) - items :]]
        return list(a)

    def text(a: np.ndarray, indent: int) -> str:
        if a.ndim == 0:
            return number(a[()])
        if a.ndim == 1:
            cells = [" ..." if isinstance(x, str) else number(x) for x in rows(a)]
            per_line = max(1, (PRINT_OPTS.linewidth - indent) // width)
            lines = [", ".join(cells[i : i + per_line]) for i in range(0, len(cells), per_line)]
            return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
        parts = [p if isinstance(p, str) else text(p, indent + 1) for p in rows(a)]
        return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"

    return text(array, indent)


def _complex_column(shown: np.ndarray) -> tuple[Any, int]:
    """Complex values as PyTorch prints them: each part has its own column format."""
    (real, real_width), (imag, imag_width) = _column(shown.real), _column(shown.imag)

    def number(z: complex) -> str:
        imag_text = imag(z.imag).lstrip() + "j"
        return real(z.real) + ("" if imag_text[0] in "+-" else "+") + imag_text

    return number, real_width + imag_width + 1  # "re+imj"


def _summarized(array: np.ndarray) -> np.ndarray:
    """The values a summarised print shows (``edgeitems`` at each end of every long dim).

    As PyTorch's ``get_summarized_data``: only these decide the number format and the
    column width, so one far-off value in the hidden middle does not change how the rest
    prints.
    """
    items = PRINT_OPTS.edgeitems
    for axis, size in enumerate(array.shape):
        if size > 2 * items:
            keep = np.r_[0:items, size - items : size]
            array = np.take(array, keep, axis=axis)
    return array


def _column(values: np.ndarray) -> tuple[Any, int]:
    """``_float_formatter`` padded to the width of the widest value, and that width.

    As PyTorch's ``_Formatter``, only the nonzero finite values size the column (-0.0 or nan
    may stick out).
    """
    fmt = _float_formatter(values)
    flat = values.reshape(-1)
    sized = flat[np.isfinite(flat) & (flat != 0)]
    width = max((len(fmt(x)) for x in sized), default=1)  # none: no padding, as torch
    return (lambda x: fmt(x).rjust(width)), width


def _special(x: float) -> str | None:
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return None


def _format_values(array: np.ndarray, indent: int = len(_PREFIX)) -> str:
    """The values' text (from ``[`` to ``]``), its lines wrapped for a column ``indent``."""
    if array.size == 0:
        return "[]"
    if array.dtype.kind == "V":  # bfloat16 prints its values as float32 does, as in PyTorch
        array = array.astype(np.float32)
    shown = _summarized(array) if array.size > PRINT_OPTS.threshold else array
    kind = array.dtype.kind
    if kind == "f":
        number, width = _column(shown)
    elif kind == "c":  # torch formats the real and the imaginary parts apart
        number, width = _complex_column(shown)
    else:  # integers and bools: as str(), padded to the longest
        width = max(len(str(v)) for v in shown.reshape(-1).tolist())

        def number(x: Any) -> str:
            return str(x).rjust(width)

    return _nested_text(array, indent, number, width + 2)


def tensor_repr(t: Any) -> str:
    """The text of ``repr(t)``."""
    array = t._data
    extras = []
    if array.size == 0 and array.shape != (0,):
        extras.append(f"size={tuple(array.shape)}")
    if (
        array.dtype
        not in (
            dtypes.get_default_dtype().numpy,
            np.dtype(np.int64),
            np.dtype(np.bool_),
            dtypes.default_complex(),
        )  # fmt: skip
        or array.size == 0
        and array.dtype.kind != "f"
    ):
        extras.append(f"dtype={dtypes.from_numpy_dtype(array.dtype)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return _add_suffixes(_PREFIX + _format_values(array), extras, PRINT_OPTS.linewidth)


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
