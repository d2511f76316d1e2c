"""The repr of a compressed sparse tensor, line for line as torch prints it."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.sparse.coo import _inner
from microtensor.tensor import Tensor

__all__ = ["compressed_repr"]


def compressed_repr(sparse: Any) -> str:
    """Compressed indices, plain indices, values, then the size, nnz, dtype and layout suffixes.

    torch names the indices for the layout (``crow_indices=`` and ``col_indices=`` for CSR and
    BSR, ``ccol_indices=`` and ``row_indices=`` for CSC and BSC) and, unlike COO's repr, lets
    the first suffix follow the values on their line.
    """
    from microtensor.sparse.compressed import LAYOUTS

    compressed_name, plain_name = LAYOUTS[sparse.layout][:2]
    indent = len("tensor(")
    parts = []
    for name, tensor in (
        (compressed_name, sparse._compressed_t),
        (plain_name, sparse._plain_t),
        ("values", sparse._values_t),
    ):
        prefix = f"{name}=tensor("
        parts.append(prefix + _inner(tensor.detach(), indent + len(prefix)) + ")")
    text = "tensor(" + (",\n" + " " * indent).join(parts)
    suffixes = [f"size={sparse._shape}", f"nnz={sparse._nnz()}"]
    if ", dtype=" in repr(Tensor._make(np.zeros(1, dtype=sparse._values_t._data.dtype))):
        suffixes.append(f"dtype={sparse.dtype}")  # what a dense tensor of that dtype prints
    suffixes.append(f"layout={sparse.layout}")
    if sparse.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(sparse.grad_fn).__name__}>")
    elif sparse.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(text, suffixes, indent)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """The wrapping of torch: a suffix that would pass 80 columns starts a new line.

    Widths are counted with torch's names (``torch.float64``), so the lines break where
    torch's do; torch counts the last line one character longer than it is.
    """
    parts, last_line = [text], len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        width = len(suffix.replace("microtensor.", "torch."))
        if last_line + width + 2 > 80:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + width
        else:
            parts.append(", " + suffix)
            last_line += width + 2
    return "".join(parts) + ")"
