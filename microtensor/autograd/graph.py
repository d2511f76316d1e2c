"""``autograd.graph``: hooks on the tensors the graph saves for backward.

Inside ``with saved_tensors_hooks(pack_hook, unpack_hook):`` every tensor an op saves for its
backward is given to ``pack_hook`` when the op runs, and what that returns is kept instead;
``unpack_hook`` turns it back into a tensor when backward needs it (for example to compress
activations, or to move them elsewhere). ``save_on_cpu`` is PyTorch's hook pair that moves
saved tensors to the CPU: microtensor's tensors are already there, so it keeps them as they are.

``register_multi_grad_hook`` calls one function once the gradients of several tensors are
computed (mode ``"all"``), or at the first of them (mode ``"any"``), in every backward.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "Node",  # noqa: F822 - given by __getattr__ below (function.py imports this module)
    "disable_saved_tensors_hooks",
    "register_multi_grad_hook",
    "save_on_cpu",
    "saved_tensors_hooks",
]


class _HookState(threading.local):
    """The active hook pairs, innermost last; per thread, as grad mode."""

    def __init__(self) -> None:
        self.stack: list[tuple[Callable[[Any], Any], Callable[[Any], Any]]] = []
        self.disabled: str | None = None  # the error message, inside disable_saved_tensors_hooks
        # The backwards running now, innermost last: (id, root edges, input edges or None).
        self.tasks: list[tuple[int, Sequence[Any], Sequence[Any] | None]] = []


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


class _MultiHandle:
    """Returned by ``register_multi_grad_hook``; ``remove()`` unregisters every tensor's hook."""

    def __init__(self, handles: tuple[Any, ...]) -> None:
        self.handles = handles

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        for handle in self.handles:
            handle.remove()

    def __enter__(self) -> _MultiHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _current_task() -> tuple[int, Sequence[Any], Sequence[Any] | None]:
    if not state.tasks:
        raise AssertionError("expected this hook to be called inside a backward call")
    return state.tasks[-1]


def _nodes_that_run(task: tuple[int, Sequence[Any], Sequence[Any] | None]) -> set[Any]:
    """The nodes a backward runs: those its roots reach (and, given inputs, that lead to one).

    PyTorch runs only these, so only their tensors' gradients are waited for (its
    ``_will_engine_execute_node``); microtensor's engine may run more, whose hooks are ignored.
    """
    reached = {node for node, _ in task[1]}
    todo = list(reached)
    while todo:
        edges = todo.pop()._edges
        for child in edges[::2]:
            if child is not None and child not in reached:
                reached.add(child)
                todo.append(child)
    if task[2] is None:
        return reached
    # A node's inputs are made before it (lower sequence numbers): settle them first.
    leads = {node for node, _ in task[2]}
    for node in sorted(reached, key=lambda n: n._sequence_nr):
        if any(child in leads for child in node._edges[::2] if child is not None):
            leads.add(node)
    return leads & reached


def register_multi_grad_hook(
    tensors: Sequence[Any], fn: Callable[[Any], None], *, mode: str = "all"
) -> _MultiHandle:
    """Call ``fn`` once per backward, when the gradients of ``tensors`` have been computed.

    Args:
        tensors: the tensors to watch (each must require grad in mode ``"all"``).
        fn: in mode ``"all"``, ``fn(grads)`` with one entry per tensor, None for those whose
            gradient this backward did not compute (not in its graph, or not needed for its
            ``inputs``); it runs as soon as the last gradient it waits for is computed. In mode
            ``"any"``, ``fn(grad)`` with the first gradient computed among ``tensors``.
        mode: ``"all"`` or ``"any"``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Raises:
        ValueError: if ``mode`` is not ``"all"`` or ``"any"``.
        AssertionError: in mode ``"all"``, if a tensor does not require grad (as PyTorch).

    Differs from PyTorch: a leaf passed to ``autograd.grad`` works (PyTorch raises "A leaf
    node was passed to _will_engine_execute_node ... not supported"); a root of the backward
    among ``tensors`` is waited for like the others (PyTorch does not count the root's node,
    so it calls ``fn`` twice: at the root, then when the others are done).

    Example:
        >>> import microtensor as mt
        >>> a = mt.rand(2, 3, requires_grad=True)
        >>> b = mt.rand(2, 3, requires_grad=True)
        >>> c, d = a * b, a * b
        >>> def fn(grads):
        ...     print([g is not None for g in grads])
        >>> handle = mt.autograd.graph.register_multi_grad_hook((a, b, c, d), fn)
        >>> c.sum().backward(retain_graph=True)
        [True, True, True, False]
        >>> c.sum().backward(inputs=(a,))
        [True, False, True, False]
        >>> handle.remove()
    """
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    if mode == "any":
        return _MultiHandle(_register_any(tensors, fn))
    for t in tensors:
        if not t.requires_grad:  # PyTorch's assertion, when it looks for the tensor's node
            raise AssertionError(
                "Expected gradient function to be set: register_multi_grad_hook(mode='all') "
                "needs every tensor to require grad"
            )
    from microtensor.autograd.function import edge_of  # function imports this module

    waiting: dict[int, _Waiting] = {}  # per running backward

    def inner_hook(idx: int, grad: Any) -> None:
        task = _current_task()
        entry = waiting.get(task[0])
        if entry is None:
            _forget_finished(waiting)
            runs = _nodes_that_run(task)
            entry = waiting[task[0]] = _Waiting([edge_of(t)[0] in runs for t in tensors])
        if not entry.needed[idx]:
            return
        entry.grads[idx] = grad
        entry.left -= 1
        if entry.left == 0:
            del waiting[task[0]]
            fn(entry.grads)

    handles = tuple(
        t.register_hook(lambda grad, idx=idx: inner_hook(idx, grad))
        for idx, t in enumerate(tensors)
    )
    return _MultiHandle(handles)


class _Waiting:
    """One backward's progress in mode "all": which tensors it waits for, what came so far."""

    def __init__(self, needed: list[bool]) -> None:
        self.needed = needed
        self.grads: list[Any] = [None] * len(needed)
        self.left = sum(needed)


def _forget_finished(per_task: dict[int, Any]) -> None:
    """Drop the entries of backwards that have ended (one raised before its hooks all ran)."""
    running = {task[0] for task in state.tasks}
    for task_id in [i for i in per_task if i not in running]:
        del per_task[task_id]


def _register_any(tensors: Sequence[Any], fn: Callable[[Any], None]) -> tuple[Any, ...]:
    ran: dict[int, bool] = {}  # the backwards in which fn has run

    def wrapped(grad: Any) -> None:
        task_id = _current_task()[0]
        if task_id in ran:
            return
        _forget_finished(ran)
        ran[task_id] = True
        fn(grad)

    return tuple(t.register_hook(wrapped) for t in tensors if t.requires_grad)


def __getattr__(name: str) -> Any:
    """``Node``, the class of every ``grad_fn`` (function.py imports this module: no cycle)."""
    if name == "Node":
        from microtensor.autograd.function import Node

        return Node
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
