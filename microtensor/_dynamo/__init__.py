"""``microtensor._dynamo``: the torch._dynamo names scripts use around ``compile``.

microtensor's ``compile`` runs eagerly (see ``microtensor.compiler``), so there is no frame
capture to steer: ``config`` holds settings that change nothing, ``reset()`` clears nothing,
``disable`` and the ``allow_in_graph`` family hand the function back, ``mark_dynamic`` and
``graph_break`` do nothing, and ``is_compiling()`` is False.

Example:
    >>> import microtensor as mt
    >>> import microtensor._dynamo
    >>> mt._dynamo.config.suppress_errors = True
    >>> mt._dynamo.reset()
    >>> mt._dynamo.is_compiling()
    False
    >>> mt._dynamo.config.suppress_errors = False
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from microtensor import compiler
from microtensor._dynamo import config
from microtensor.compiler import OptimizedModule, is_compiling, list_backends, reset

__all__ = [
    "OptimizedModule",
    "allow_in_graph",
    "assume_constant_result",
    "config",
    "disable",
    "disallow_in_graph",
    "explain",
    "forbid_in_graph",
    "graph_break",
    "is_compiling",
    "is_dynamo_supported",
    "list_backends",
    "mark_dynamic",
    "mark_static",
    "mark_static_address",
    "maybe_mark_dynamic",
    "optimize",
    "reset",
    "run",
    "set_stance",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def disable(
    fn: Callable[..., Any] | None = None,
    recursive: bool = True,
    *,
    reason: Any = None,
    wrapping: bool = True,
) -> Any:
    """Exclude ``fn`` from compilation: it is returned as it is (a decorator without ``fn``)."""
    return compiler.disable(fn, recursive, reason=reason)


def allow_in_graph(fn: _F) -> _F:
    """Let ``fn`` be traced into a graph: return it (nothing is traced here)."""
    return fn


def disallow_in_graph(fn: _F) -> _F:
    """Keep ``fn`` out of graphs: return it (nothing is traced here)."""
    return fn


def forbid_in_graph(fn: _F) -> _F:
    """Make tracing ``fn`` an error under torch: return it (nothing is traced here)."""
    return fn


def assume_constant_result(fn: _F) -> _F:
    """Treat ``fn``'s result as a constant while tracing: return it (nothing is traced)."""
    return fn


def run(fn: Callable[..., Any] | None = None) -> Any:
    """Run ``fn`` without compiling new frames: return it (microtensor never compiles)."""
    return fn


def optimize(*args: Any, **kwargs: Any) -> Callable[[_F], Any]:
    """The old spelling of ``compile`` (torch's): ``optimize(backend)(fn)`` compiles ``fn``."""
    backend = args[0] if args else kwargs.get("backend", "inductor")

    def decorate(fn: _F) -> Any:
        return compiler.compile(fn, backend=backend)

    return decorate


def explain(f: Callable[..., Any], *extra_args: Any, **extra_kwargs: Any) -> Any:
    """Report torch's graphs and graph breaks of ``f``.

    Raises:
        NotImplementedError: always: microtensor captures no graphs to explain.
    """
    raise NotImplementedError(
        "microtensor._dynamo.explain(): microtensor's compile runs eagerly and captures no "
        "graphs, so there are no graphs or graph breaks to report"
    )


def mark_dynamic(
    t: Any,
    index: Any,
    *,
    hint_override: int | None = None,
    min: int | None = None,  # noqa: A002 - torch's names
    max: int | None = None,  # noqa: A002
    specialize_on: list[Any] | None = None,
) -> None:
    """Mark dims of ``t`` as dynamic for tracing: nothing to do (nothing is traced)."""


def maybe_mark_dynamic(t: Any, index: Any) -> None:
    """Hint that dims of ``t`` may be dynamic: nothing to do."""


def mark_static(t: Any, index: Any = None) -> None:
    """Mark dims of ``t`` (or a module) as static: nothing to do."""


def mark_static_address(t: Any, guard: bool = False) -> None:
    """Mark ``t``'s memory as fixed for CUDA graphs: nothing to do."""


def graph_break(msg: str = "") -> None:
    """Force a graph break in traced code: nothing to do (nothing is traced)."""


def is_dynamo_supported() -> bool:
    """Return False: microtensor has no frame capture (its ``compile`` runs eagerly)."""
    return False


def set_stance(
    stance: str = "default",
    *,
    skip_guard_eval_unsafe: bool = False,
    force_backend: str | Callable[..., Any] | None = None,
) -> None:
    """Choose how compiled code behaves (``"force_eager"`` ...): every stance is eager here."""
