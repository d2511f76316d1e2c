"""torch's Scalar overloads as nodes: ``x + n`` and ``x / n`` for a Python number ``n``.

torch's C++ compositions call ``add.Scalar`` / ``div.Scalar``, whose nodes are
``AddBackward1`` / ``DivBackward1`` and list the tensor only; Python's ``x + 1.0`` is
``AddBackward0`` with a ``(None, 0)`` edge for the number. The functions that mirror those
compositions (pairwise_distance, cross_entropy with class probabilities) use these.
"""

from __future__ import annotations

from microtensor.ops.arithmetic import Add, Div


class AddScalar(Add, node_name="AddBackward1"):
    """``x + n`` for a number n (torch's ``add.Scalar``)."""

    _listed = (0,)  # type: ignore[assignment]  # Add lists both operands


class DivScalar(Div, node_name="DivBackward1"):
    """``x / n`` for a number n (torch's ``div.Scalar``)."""

    _listed = (0,)  # type: ignore[assignment]  # Div lists both operands
