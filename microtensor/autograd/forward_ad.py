"""``torch.autograd.forward_ad``: dual tensors and their tangents, on top of reverse mode.

microtensor has no forward-mode engine. A dual tensor made by ``make_dual`` is an ordinary
tensor that the reverse-mode graph records, and its tangent is kept aside for the current
level. ``unpack_dual(out)`` computes the tangent of ``out`` when it is asked for, by the
double-vjp trick over the graph recorded since the dual inputs were made: with ``u`` a dummy
shaped like ``out``, ``g(u) = sum_i J_i^T u`` is linear in ``u``, so the gradient of
``g(u) . v`` with respect to ``u`` is ``sum_i J_i v_i``, the forward gradient.

Differs from PyTorch: tangents are computed lazily when ``unpack_dual`` is called (two reverse
passes each time), not carried along with every op; so the computation between ``make_dual``
and ``unpack_dual`` must be recorded (grad mode on: under ``no_grad`` the tangent is None,
where PyTorch still propagates it) and every op on the way needs a double backward. A dual
made from a tensor that does not require grad is a leaf that does (PyTorch's does not), so
that the graph can be recorded; ``unpack_dual`` hands back primals that do not require grad in
that case, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from microtensor.autograd.api import grad as _autograd_grad
from microtensor.autograd.grad_mode import enable_grad
from microtensor.tensor import Tensor

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]

_F = TypeVar("_F", bound=Callable[..., Any])

_current_level = -1


class _Level:
    """The dual tensors of one level: each with its tangent, and whether its primal needed grad."""

    def __init__(self) -> None:
        self.duals: dict[int, tuple[Tensor, Tensor]] = {}
        self.primal_requires_grad = False

    def tangent_of(self, tensor: Tensor) -> Tensor | None:
        entry = self.duals.get(id(tensor))
        return entry[1] if entry is not None and entry[0] is tensor else None


_levels: list[_Level] = []


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal value and its tangent (None when it has none)."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Enter a new forward-gradient level and return it (only one level at a time).

    Raises:
        RuntimeError: if a level is already entered (nested forward AD is not supported, as
            in PyTorch).
    """
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _levels.append(_Level())
    _current_level = len(_levels) - 1
    return _current_level


def exit_dual_level(*, level: int | None = None) -> None:
    """Exit the current level; the tangents made in it are forgotten.

    Args:
        level: the level to exit (the current one by default).

    Raises:
        RuntimeError: if no level is entered, or ``level`` is not the current one.
    """
    global _current_level
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != _current_level:
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. "
            "This is not supported."
        )
    _levels.pop()
    _current_level = level - 1


def _level(level: int | None) -> int:
    return _current_level if level is None else level


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """Return a dual tensor: ``tensor``'s value with ``tangent`` as its forward gradient.

    The result is differentiable in reverse mode with respect to ``tensor``.

    Args:
        tensor: the primal, a floating-point tensor.
        tangent: the direction, a floating-point tensor of the same size (kept as it is).
        level: the forward AD level (the current one by default).

    Returns:
        The dual tensor, to compute with inside the level.

    Raises:
        RuntimeError: outside a level, for a tangent of another size, or for a tensor that is
            already dual at this level.
        ValueError: for a primal or tangent that is not floating point.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.autograd.forward_ad as fwAD
        >>> with fwAD.dual_level():
        ...     x = fwAD.make_dual(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 0.5]))
        ...     fwAD.unpack_dual(x * x).tangent
        tensor([2., 2.])
    """
    level = _level(level)
    if level < 0:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: {tensor.dtype}"
        )
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: {tangent.dtype}"
        )
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}."
        )
    state = _levels[level]
    if state.tangent_of(tensor) is not None:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at the "
            f"same level {level} is not supported."
        )
    with enable_grad():
        if tensor.requires_grad:
            state.primal_requires_grad = True
            dual = tensor.view_as(tensor)
        else:
            dual = tensor.detach().requires_grad_()
    state.duals[id(dual)] = (dual, tangent)
    return dual


def _primal(tensor: Tensor, state: _Level) -> Tensor:
    if state.primal_requires_grad:
        return tensor.view_as(tensor)
    return tensor.detach()


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """Return ``(primal, tangent)`` of ``tensor``; the tangent is None when it has none.

    The tangent of a tensor computed from dual tensors is ``sum_i J_i v_i`` over the dual
    inputs ``x_i`` (tangents ``v_i``) it depends on.

    Args:
        tensor: a dual tensor, or a tensor computed from dual tensors in this level.
        level: the forward AD level (the current one by default).

    Returns:
        An ``UnpackedDualTensor`` named tuple.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.autograd.forward_ad as fwAD
        >>> with fwAD.dual_level():
        ...     x = fwAD.make_dual(mt.tensor([0.0]), mt.tensor([3.0]))
        ...     fwAD.unpack_dual(x.exp())
        UnpackedDualTensor(primal=tensor([1.]), tangent=tensor([3.]))
    """
    level = _level(level)
    if level < 0 or level >= len(_levels):
        return UnpackedDualTensor(tensor, None)
    state = _levels[level]
    own = state.tangent_of(tensor)
    if own is not None:
        return UnpackedDualTensor(_primal(tensor, state), own)
    return UnpackedDualTensor(_primal(tensor, state), _tangent(tensor, state))


def _tangent(tensor: Tensor, state: _Level) -> Tensor | None:
    """sum_i J_i v_i by two reverse passes (None when ``tensor`` depends on no dual)."""
    if tensor.grad_fn is None or not (tensor.is_floating_point() or tensor.is_complex()):
        return None
    from microtensor.creation import zeros_like

    duals = [dual for dual, _ in state.duals.values()]
    tangents = [tangent for _, tangent in state.duals.values()]
    differentiable = state.primal_requires_grad or any(t.requires_grad for t in tangents)
    with enable_grad():
        # u is a dummy: J^T u is linear in u, and d(J^T u . v)/du = J v
        dummy = zeros_like(tensor, requires_grad=True)
        grads = _autograd_grad(
            tensor, duals, dummy, retain_graph=True, create_graph=True, allow_unused=True
        )
        used = [(g, t) for g, t in zip(grads, tangents, strict=True) if g is not None]
        if not used:
            return None
        linear = [(g, t) for g, t in used if g.requires_grad]
        if not linear:
            return zeros_like(tensor)
        (result,) = _autograd_grad(
            [g for g, _ in linear],
            [dummy],
            [t.to(g.dtype) for g, t in linear],
            create_graph=differentiable,
            allow_unused=True,
        )
    return zeros_like(tensor) if result is None else result


class dual_level:  # noqa: N801 - torch's name
    """Context manager (or decorator) for forward AD: all dual tensors live inside it.

    Only one level at a time, as in PyTorch; tangents are forgotten on exit.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.autograd.forward_ad as fwAD
        >>> with fwAD.dual_level():
        ...     out = fwAD.make_dual(mt.tensor([1.0]), mt.tensor([2.0])) * 3
        ...     fwAD.unpack_dual(out).tangent
        tensor([6.])
        >>> fwAD.unpack_dual(out).tangent is None
        True
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc_info: Any) -> None:
        exit_dual_level()

    def __call__(self, fn: _F) -> _F:
        """Use as a decorator: ``fn`` runs inside a fresh level."""
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
