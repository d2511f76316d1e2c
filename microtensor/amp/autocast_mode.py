"""``autocast``: accepted so PyTorch programs run, with no change of precision.

PyTorch's autocast runs some ops (matmul, conv, linear) in float16/bfloat16 inside the
block. microtensor's ops do not consult autocast: each keeps its inputs' dtype, so an enabled
autocast warns once, saying so, and the block runs as written; ``is_autocast_enabled()``
reports False inside it. To compute in bfloat16, convert the model and its inputs
(``model.bfloat16()``, ``x.bfloat16()``): matmul, linear and the reductions then accumulate in
float32 and round to bfloat16, as torch's CPU kernels. ``device_type="cuda"`` warns and
disables, as torch does on a machine without a GPU.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from microtensor import dtypes

__all__ = [
    "autocast",
    "autocast_decrement_nesting",
    "autocast_increment_nesting",
    "custom_bwd",
    "custom_fwd",
    "is_autocast_enabled",
]

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hpu", "xla", "ipu", "meta")


class autocast:  # noqa: N801 - PyTorch's name
    """Context manager and decorator: ``with autocast("cpu", dtype=...):``.

    Differs from PyTorch: no op changes precision inside the block (see the module doc);
    an enabled autocast warns once per process.

    Args:
        device_type: ``"cpu"`` or ``"cuda"`` (torch's device types are accepted).
        dtype: the lower-precision dtype torch would use (float16 or bfloat16).
        enabled: False makes the block a plain block, silently.
        cache_enabled: accepted, unused.

    Raises:
        ValueError: for an unknown ``device_type``.

    Example:
        >>> import warnings, microtensor as mt
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     with mt.autocast("cpu"):
        ...         y = mt.ones(2, 2) @ mt.ones(2, 2)
        >>> y.dtype
        microtensor.float32
    """

    _warned = False

    def __init__(
        self,
        device_type: str,
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICE_TYPES:
            raise ValueError(
                f"autocast: unknown device_type {device_type!r}; expected one of {_DEVICE_TYPES}"
            )
        if dtype is not None and not _is_bfloat16(dtype):
            dtypes.to_dtype(dtype)  # a TypeError for a name that is no dtype at all
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if self._enabled and device_type != "cpu":
            warnings.warn(
                f"User provided device_type of '{device_type}', but microtensor computes on the "
                "CPU. Disabling autocast.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False

    def __enter__(self) -> autocast:
        autocast_increment_nesting()
        if self._enabled and not autocast._warned:
            autocast._warned = True
            warnings.warn(
                "autocast: microtensor keeps every op in its inputs' dtype; the block runs "
                "without lowering precision (results are those of full precision).",
                UserWarning,
                stacklevel=2,
            )
        return self

    def __exit__(self, *exc: Any) -> None:
        autocast_decrement_nesting()

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Use as a decorator: ``@autocast("cpu")`` runs ``func`` inside the block."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper


def _is_bfloat16(dtype: Any) -> bool:
    return str(dtype).rsplit(".", 1)[-1] == "bfloat16"


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """False: no autocast changes precision in microtensor (see ``autocast``)."""
    return False


_NESTING = [0]  # how many autocast blocks are open (torch's thread-local counter)


def autocast_increment_nesting() -> int:
    """Count one more open autocast block; return the new depth (``autocast`` does this).

    Example:
        >>> import microtensor as mt
        >>> mt.autocast_increment_nesting(), mt.autocast_decrement_nesting()
        (1, 0)
    """
    _NESTING[0] += 1
    return _NESTING[0]


def autocast_decrement_nesting() -> int:
    """Count one open autocast block less; return the new depth (it may go below 0, as torch's).

    Example:
        >>> import microtensor as mt
        >>> mt.autocast_decrement_nesting(), mt.autocast_increment_nesting()
        (-1, 0)
    """
    _NESTING[0] -= 1
    return _NESTING[0]


def custom_fwd(
    fwd: Callable[..., Any] | None = None, *, device_type: str, cast_inputs: Any = None
) -> Any:
    """Decorator for a custom ``autograd.Function``'s ``forward`` under autocast, as torch's.

    It records on ``ctx`` whether autocast was on (``ctx._fwd_used_autocast``) and its dtype
    (``ctx._dtype``) so that ``custom_bwd`` runs backward in the same state; with
    ``cast_inputs``, an autocast-enabled forward gets its floating tensors cast to that dtype
    and runs with autocast off. microtensor's autocast is never enabled (see ``autocast``),
    so the forward runs as written.

    Args:
        fwd: the ``forward`` staticmethod (None to get a decorator).
        device_type: ``"cpu"``, ``"cuda"``, ...; keyword-only, as in torch.
        cast_inputs: the dtype for the inputs of an autocast-enabled forward, or None.

    Returns:
        The wrapped forward (or a decorator).

    Raises:
        ValueError: if ``device_type`` is not a string (torch's message).

    Example:
        >>> import microtensor as mt
        >>> class Double(mt.autograd.Function):
        ...     @staticmethod
        ...     @mt.amp.custom_fwd(device_type="cpu")
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     @mt.amp.custom_bwd(device_type="cpu")
        ...     def backward(ctx, grad):
        ...         return grad * 2
        >>> x = mt.ones(2, requires_grad=True)
        >>> Double.apply(x).sum().backward()
        >>> x.grad
        tensor([2., 2.])
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args: Any, **kwargs: Any) -> Any:
        from microtensor import get_autocast_dtype

        args[0]._dtype = get_autocast_dtype(device_type)
        args[0]._fwd_used_autocast = is_autocast_enabled(device_type)  # always False here
        return fwd(*args, **kwargs)

    return decorate_fwd


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Any:
    """Decorator for a custom ``autograd.Function``'s ``backward``: forward's autocast state.

    Args:
        bwd: the ``backward`` staticmethod (None to get a decorator).
        device_type: as given to ``custom_fwd``; keyword-only.

    Returns:
        The wrapped backward (or a decorator).

    Raises:
        ValueError: if ``device_type`` is not a string (torch's message).

    Example:
        >>> import microtensor as mt
        >>> backward = mt.amp.custom_bwd(lambda ctx, grad: grad, device_type="cpu")
        >>> callable(backward)
        True
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args: Any, **kwargs: Any) -> Any:
        with autocast(device_type, enabled=args[0]._fwd_used_autocast, dtype=args[0]._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd
