"""The graph nodes torch records when it makes or converts a compressed sparse tensor.

Each passes the values through unchanged (``z = a;  dz/da = grad``) so that the new tensor is
not a leaf and its ``grad_fn`` has torch's name (``ToSparseCsrBackward0``, ``TBackward0``...),
as in torch, where these tensors have their own node.
"""

from __future__ import annotations

from typing import Any

from microtensor.autograd.function import Op

__all__ = [
    "SparseCompressedValues",
    "TValues",
    "ToSparseBscValues",
    "ToSparseBsrValues",
    "ToSparseCooValues",
    "ToSparseCscValues",
    "ToSparseCsrValues",
    "TransposeValues",
]


class SameValues(Op):
    """z = a (the same array, shared);  dz/da = grad."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return a.view()

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out


class SparseCompressedValues(SameValues, node_name="SparseCompressedTensorBackward0"):
    """A compressed tensor made from values that require grad (``sparse_csr_tensor``)."""


class ToSparseCsrValues(SameValues, node_name="ToSparseCsrBackward0"):
    """A CSR tensor converted from another layout."""


class ToSparseCscValues(SameValues, node_name="ToSparseCscBackward0"):
    """A CSC tensor converted from another layout."""


class ToSparseBsrValues(SameValues, node_name="ToSparseBsrBackward0"):
    """A BSR tensor converted from another layout."""


class ToSparseBscValues(SameValues, node_name="ToSparseBscBackward0"):
    """A BSC tensor converted from another layout."""


class ToSparseCooValues(SameValues, node_name="ToSparseBackward1"):
    """A COO tensor converted from a compressed one."""


class TValues(SameValues, node_name="TBackward0"):
    """The ``t()`` of a compressed tensor."""


class TransposeValues(SameValues, node_name="TransposeBackward0"):
    """The ``transpose()`` of a compressed tensor."""
