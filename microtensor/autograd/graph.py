"""``autograd.graph``: hooks on the tensors the graph saves for backward.

Inside ``with saved_tensors_hooks(pack_hook, unpack_hook):`` every tensor an op saves for its
backward is given to ``pack_hook`` when the op runs, and what that returns is kept instead;
``unpack_hook`` turns it back into a tensor when backward needs it (for example to compress
activations, or to move them elsewhere). ``save_on_cpu`` is PyTorch's hook pair that moves
saved tensors to the CPU: microtensor's tensors are already there, so it keeps them as they are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["disable_saved_tensors_hooks", "save_on_cpu", "saved_tensors_hooks"]


class _HookState(threading.local):
    """The active hook pairs, innermost last; per thread, as grad mode."""

    def __init__(self) -> None:
        self.stack: list[tuple[Callable[[Any], Any], Callable[[Any], Any]]] = []
        self.disabled: str | None = None  # the error message, inside disable_saved_tensors_hooks


state = _HookState()


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Pack the tensors saved for backward with ``pack_hook``; unpack them with ``unpack_hook``.

    Args:
        pack_hook: ``pack_hook(tensor) -> anything``, called when an op saves a tensor.
        unpack_hook: ``unpack_hook(packed) -> tensor``, called when backward reads it; it must
            give back a tensor with the same content.

    The innermost ``with`` block's hooks apply; the hooks of a saved tensor are those active
    when it was saved.

    Example:
        >>> import microtensor as mt
        >>> packed = []
        >>> def pack(t):
        ...     packed.append(t.shape)
        ...     return t
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> with mt.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        ...     y = (x * x).sum()
        >>> y.backward()
        >>> packed, x.grad
        ([microtensor.Size([2]), microtensor.Size([2])], tensor([2., 4.]))
    """

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if state.disabled is not None:
            raise RuntimeError(state.disabled)
        state.stack.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc: object) -> None:
        state.stack.pop()


class disable_saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Forbid ``saved_tensors_hooks`` inside the block: entering one raises ``error_message``.

    Args:
        error_message: the message of the RuntimeError raised.

    Example:
        >>> import microtensor as mt
        >>> graph = mt.autograd.graph
        >>> with graph.disable_saved_tensors_hooks("no hooks here"):
        ...     with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        ...         pass
        Traceback (most recent call last):
        ...
        RuntimeError: no hooks here
    """

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        self._previous = state.disabled
        state.disabled = self.error_message

    def __exit__(self, *exc: object) -> None:
        state.disabled = self._previous


def _keep(tensor: Any) -> Any:
    return tensor


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Keep saved tensors on the CPU: microtensor's tensors always are, so nothing changes.

    Args:
        pin_memory: accepted (there is no accelerator to pin memory for).
        device_type: accepted, the device the tensors would come back to.
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(_keep, _keep)


class Packed:
    """A saved value that went through a pack hook, and how to get it back."""

    __slots__ = ("value", "unpack_hook", "as_array")

    def __init__(self, value: Any, unpack_hook: Callable[[Any], Any], as_array: bool) -> None:
        self.value = value
        self.unpack_hook = unpack_hook
        self.as_array = as_array

    def unpack(self) -> Any:
        """The tensor (or, for a built-in op, its array) the unpack hook gives back."""
        tensor = self.unpack_hook(self.value)
        return tensor._data if self.as_array else tensor
