"""``Parameter``: a Tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor, _init

__all__ = ["Buffer", "Parameter"]


class Parameter(Tensor):
    """A tensor that is a module parameter, as ``torch.nn.Parameter``.

    Assigning a ``Parameter`` as a ``Module`` attribute registers it, so it appears in
    ``parameters()`` and ``state_dict()``; assigning a plain Tensor does not. The parameter
    shares memory with ``data`` and is a leaf (it never has a ``grad_fn``). Operations on
    parameters return plain Tensors.

    Args:
        data: the initial value (a Tensor); an empty float tensor when None.
        requires_grad: whether the parameter requires gradient (also under ``no_grad``).

    Raises:
        RuntimeError: if ``requires_grad`` is True and ``data`` is not floating point.

    Example:
        >>> import microtensor as mt
        >>> p = mt.nn.Parameter(mt.tensor([1.0, 2.0]))
        >>> p
        Parameter containing:
        tensor([1., 2.], requires_grad=True)
        >>> (p * 2).sum().backward()
        >>> p.grad
        tensor([2., 2.])
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        """Make the parameter (see the class docstring)."""
        if data is None:
            array = np.empty(0, dtype=dtypes.get_default_dtype().numpy)
            counter = [0]
        elif isinstance(data, Tensor):
            array, counter = data._data, data._version_counter
        else:
            raise TypeError(
                f"Parameter(): data must be a Tensor, got {type(data).__name__}; "
                "wrap it with microtensor.tensor(...) first"
            )
        param = object.__new__(cls)
        _init(param, array)
        param._version_counter = counter  # shares memory and version with data, as .detach()
        if requires_grad:
            param.requires_grad_(True)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happens in __new__ (Tensor.__init__ would re-read the data)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]  # type: ignore[no-any-return]
        result = type(self)(Tensor._make(self._data.copy()), self._requires_grad)
        memo[id(self)] = result
        return result


class Buffer(Tensor):
    """A tensor that a ``Module`` registers as a buffer when assigned, as ``torch.nn.Buffer``.

    ``module.stats = nn.Buffer(t)`` is ``module.register_buffer("stats", t)``; with
    ``persistent=False`` the buffer stays out of the state dict.

    Args:
        data: the buffer's value (shared, not copied); an empty float tensor when None.
        persistent: whether ``state_dict`` includes it.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.Module()
        >>> m.steps = mt.nn.Buffer(mt.zeros(2), persistent=False)
        >>> list(m.named_buffers()), list(m.state_dict())
        ([('steps', tensor([0., 0.]))], [])
    """

    __slots__ = ("persistent",)
    persistent: bool

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Buffer:
        """Wrap ``data`` (see the class docstring)."""
        if data is None:
            array, counter = np.empty(0, dtype=dtypes.get_default_dtype().numpy), [0]
        elif isinstance(data, Tensor):
            array, counter = data._data, data._version_counter
        else:
            raise TypeError(f"Buffer(): data must be a Tensor, got {type(data).__name__}")
        buffer = object.__new__(cls)
        _init(buffer, array)
        buffer._version_counter = counter
        if data is not None and data.requires_grad:
            buffer.requires_grad_(True)
        buffer.persistent = persistent
        return buffer

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass
