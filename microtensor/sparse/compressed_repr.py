"""The repr of a compressed sparse tensor, line for line as torch prints it."""

from __future__ import annotations

from typing import Any

from microtensor.sparse.coo import _inner
from microtensor.sparse.sparse_base import repr_suffixes, wrap_suffixes

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
    # torch counts the last line one character longer than it is
    last_line = len(text) - text.rfind("\n") + 1
    return wrap_suffixes(text, repr_suffixes(sparse), indent, last_line)
