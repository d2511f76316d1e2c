"""``Variable``: PyTorch's deprecated wrapper, today an alias of ``Tensor``.

Since PyTorch 0.4 ``Variable(t, requires_grad=True)`` returns a plain tensor that shares
``t``'s memory and is a leaf of the graph, and every tensor is ``isinstance`` of ``Variable``;
old scripts still use both. ``volatile`` was removed and only warns.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["Variable"]


class _VariableMeta(type):
    """Makes ``isinstance(tensor, Variable)`` true for every tensor, as PyTorch's metaclass.

    (A metaclass is used only here: it is how PyTorch's own ``Variable`` answers isinstance.)
    """

    def __instancecheck__(cls, instance: Any) -> bool:
        from microtensor.tensor import Tensor  # autograd is imported before Tensor exists

        return isinstance(instance, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: a leaf tensor sharing ``data``'s memory.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd import Variable
        >>> x = Variable(mt.ones(2), requires_grad=True)
        >>> type(x).__name__, x.requires_grad, x.is_leaf, isinstance(mt.zeros(1), Variable)
        ('Tensor', True, True, True)
    """

    def __new__(  # type: ignore[misc]
        cls, data: Any = None, requires_grad: bool = False, volatile: bool = False
    ) -> Any:
        """Return a tensor sharing ``data``'s memory, never a ``Variable`` object.

        Args:
            data: a tensor (omitted: an empty float tensor).
            requires_grad: whether the new tensor requires grad.
            volatile: removed in PyTorch; passing it only warns.

        Returns:
            A ``Tensor`` (never a ``Variable`` object), detached from ``data``'s graph.

        Raises:
            TypeError: if ``data`` is not a tensor.
            RuntimeError: for ``requires_grad=True`` on a non-floating tensor.
        """
        from microtensor import creation
        from microtensor.tensor import Tensor

        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        if data is None:
            return creation.tensor([]).requires_grad_(requires_grad)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
