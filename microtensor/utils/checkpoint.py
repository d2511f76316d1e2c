"""Activation checkpointing, as torch.utils.checkpoint: ``checkpoint``, ``checkpoint_sequential``.

A checkpointed function keeps none of its intermediate results for backward: backward runs
it again to get them. Memory then grows with the number of checkpointed segments instead of
with the number of ops, for the price of a second forward pass. Two ways, as in PyTorch:

* ``use_reentrant=False`` (recommended): the function runs with the graph recorded, but every
  tensor an op saves for backward is dropped (``autograd.graph.saved_tensors_hooks``) and
  replaced by its index; the first time backward needs one, the function runs again and the
  tensors that run saves are handed out in the same order. The graph is the function's own,
  so ``autograd.grad`` and ``backward(inputs=...)`` work, and the function's parameters get
  gradients even when no input requires one.
* ``use_reentrant=True``: the function runs under ``no_grad`` inside one ``Function``; its
  backward runs the function again with the graph recorded and back-propagates through it.
  As in PyTorch, parameters get gradients only if some input requires grad.

With ``preserve_rng_state=True`` (the default) the second run draws the same random numbers
(dropout masks) as the first: the default generator's state is restored around it.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any

from microtensor.autograd import enable_grad, no_grad
from microtensor.autograd.function import Function
from microtensor.autograd.graph import saved_tensors_hooks
from microtensor.tensor import Tensor

__all__ = ["CheckpointError", "checkpoint", "checkpoint_sequential", "noop_context_fn"]


class CheckpointError(RuntimeError):
    """The second run of a checkpointed function saved other tensors than the first."""


def noop_context_fn() -> tuple[
    contextlib.AbstractContextManager, contextlib.AbstractContextManager
]:
    """The default ``context_fn``: no context around either run."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable[[], tuple[Any, Any]] = noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its intermediate results for backward.

    Args:
        function: the function (or module) to checkpoint.
        *args: its positional arguments.
        use_reentrant: False (recommended) or True; see the module doc. None warns, as
            torch does, and means True.
        context_fn: returns two context managers, for the first run and for the second
            (``use_reentrant=False`` only).
        determinism_check: ``"default"`` checks that the second run saves tensors of the
            same shapes and dtypes as the first; ``"none"`` does not.
        debug: accepted (``use_reentrant=False`` only).
        early_stop: accepted; the second run always runs to the end.
        **kwargs: ``preserve_rng_state=True``, then the function's keyword arguments
            (``use_reentrant=False`` only).

    Returns:
        What ``function`` returns.

    Raises:
        ValueError: for options that the chosen variant does not take.
        CheckpointError: when the second run saves different tensors (see determinism_check).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.checkpoint import checkpoint
        >>> layer = mt.nn.Linear(3, 3)
        >>> x = mt.ones(2, 3, requires_grad=True)
        >>> checkpoint(lambda t: layer(t).tanh(), x, use_reentrant=False).sum().backward()
        >>> x.grad.shape, layer.weight.grad.shape
        (microtensor.Size([2, 3]), microtensor.Size([3, 3]))
    """
    if use_reentrant is None:
        warnings.warn(
            "microtensor.utils.checkpoint: the use_reentrant parameter should be passed "
            "explicitly; use_reentrant=False is recommended (None means True, as in torch).",
            UserWarning,
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if determinism_check not in ("default", "none"):
        raise ValueError(
            f"determinism_check should be one of ['default', 'none'], but got {determinism_check}"
        )
    if use_reentrant:
        if context_fn is not noop_context_fn or debug:
            raise ValueError(
                "Passing `context_fn` or `debug` is only supported when use_reentrant=False."
            )
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return _ReentrantCheckpoint.apply(function, preserve, *args)
    return _recompute_on_demand(function, args, kwargs, preserve, context_fn, determinism_check)


def checkpoint_sequential(
    functions: Any,
    segments: int,
    input: Any,  # noqa: A002 - PyTorch's name
    use_reentrant: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Run a sequence of modules in ``segments`` checkpointed chunks (the last one is not).

    Args:
        functions: an ``nn.Sequential`` or a list of modules/functions, run in order.
        segments: the number of chunks.
        input: the first function's input.
        use_reentrant: as for ``checkpoint``.
        **kwargs: ``preserve_rng_state``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.checkpoint import checkpoint_sequential
        >>> model = mt.nn.Sequential(mt.nn.Linear(2, 4), mt.nn.ReLU(), mt.nn.Linear(4, 1))
        >>> checkpoint_sequential(model, 2, mt.ones(3, 2), use_reentrant=False).shape
        microtensor.Size([3, 1])
    """
    if use_reentrant is None:
        warnings.warn(
            "microtensor.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter "
            "should be passed explicitly; use_reentrant=False is recommended.",
            UserWarning,
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        chunk = functions[start : end + 1]
        input = checkpoint(  # noqa: A001
            _run_chunk(chunk),
            input,
            use_reentrant=use_reentrant,
            preserve_rng_state=preserve,
        )
    return _run_chunk(functions[end + 1 :])(input)


def _run_chunk(chunk: list[Any]) -> Callable[[Any], Any]:
    def forward(value: Any) -> Any:
        for function in chunk:
            value = function(value)
        return value

    return forward


# --- use_reentrant=False: drop saved tensors, run again on the first unpack -----------------


def _recompute_on_demand(
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    preserve: bool,
    context_fn: Callable[[], tuple[Any, Any]],
    determinism_check: str,
) -> Any:
    from microtensor.random import fork_rng, get_rng_state, set_rng_state

    rng_state = get_rng_state() if preserve else None
    metadata: list[tuple[tuple[int, ...], Any]] = []
    recomputed: list[Tensor] | None = None

    def pack(tensor: Tensor) -> int:
        metadata.append((tuple(tensor.shape), tensor.dtype))
        return len(metadata) - 1

    def run_again() -> list[Tensor]:
        saved: list[Tensor] = []

        def keep(tensor: Tensor) -> int:
            saved.append(tensor)
            return len(saved) - 1

        with contextlib.ExitStack() as stack:
            if rng_state is not None:
                stack.enter_context(fork_rng())
                set_rng_state(rng_state)
            stack.enter_context(context_fn()[1])
            stack.enter_context(saved_tensors_hooks(keep, saved.__getitem__))
            stack.enter_context(enable_grad())
            function(*[_detached(a) for a in args], **kwargs)
        if determinism_check == "default":
            found = [(tuple(t.shape), t.dtype) for t in saved]
            if found[: len(metadata)] != metadata:
                raise CheckpointError(
                    "microtensor.utils.checkpoint: recomputed values have different metadata "
                    f"than during the forward pass: saved {metadata}, recomputed {found}. The "
                    "function must compute the same ops on both runs (pass "
                    "determinism_check='none' to skip this check)."
                )
        return saved

    def unpack(index: int) -> Tensor:
        nonlocal recomputed
        if recomputed is None:
            recomputed = run_again()
        return recomputed[index]

    with context_fn()[0], saved_tensors_hooks(pack, unpack):
        return function(*args, **kwargs)


def _detached(value: Any) -> Any:
    """An input for the second run: the same values, requiring grad as the original did."""
    if isinstance(value, Tensor):
        return value.detach().requires_grad_(value.requires_grad)
    return value


# --- use_reentrant=True: one Function whose backward runs the function again ----------------


class _ReentrantCheckpoint(Function):
    """Forward under no_grad; backward runs the function again and back-propagates through it."""

    @staticmethod
    def forward(ctx: Any, run_function: Callable[..., Any], preserve: bool, *args: Any) -> Any:
        from microtensor.random import get_rng_state

        ctx.run_function = run_function
        ctx.rng_state = get_rng_state() if preserve else None
        ctx.inputs = args
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None",
                UserWarning,
                stacklevel=4,
            )
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:
        from microtensor.autograd import backward
        from microtensor.random import fork_rng, set_rng_state

        saved = iter(ctx.saved_tensors)
        inputs = [
            next(saved).detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
            for a in ctx.inputs
        ]
        with contextlib.ExitStack() as stack:
            if ctx.rng_state is not None:
                stack.enter_context(fork_rng())
                set_rng_state(ctx.rng_state)
            stack.enter_context(enable_grad())
            outputs = ctx.run_function(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [
            (out, grad)
            for out, grad in zip(outputs, grads, strict=False)
            if isinstance(out, Tensor) and out.requires_grad and grad is not None
        ]
        if not pairs:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
            )
        backward([out for out, _ in pairs], [grad for _, grad in pairs])
        return (None, None, *[x.grad if isinstance(x, Tensor) else None for x in inputs])
