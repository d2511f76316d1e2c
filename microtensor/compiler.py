"""``microtensor.compile`` and ``microtensor.compiler``: PyTorch's compile API, run eagerly.

``torch.compile(model)`` captures a model's Python code into graphs and generates faster code
for them. microtensor has no graph capture (yet), so ``compile`` here keeps PyTorch's API and
semantics and runs the code as it is, which is what ``torch.compile(backend="eager")`` does:
the results are exactly eager's. Programs written for PyTorch 2 (``model =
torch.compile(model)``, ``@torch.compile`` on a function, checkpoints whose keys start with
``_orig_mod.``) therefore run unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from microtensor.nn.module import Module

__all__ = [
    "OptimizedModule",
    "compile",
    "disable",
    "is_compiling",
    "is_dynamo_compiling",
    "list_backends",
    "reset",
]

_BACKENDS = ("inductor", "eager", "aot_eager")


class OptimizedModule(Module):
    """What ``compile(module)`` returns: a module wrapping the original as ``_orig_mod``.

    As in PyTorch, the original module is a submodule named ``_orig_mod`` (so the wrapper's
    state-dict keys start with ``_orig_mod.``, and a state dict saved from it loads into the
    original after stripping that prefix). Attributes are read from and written to the
    original (``training`` included), ``len()`` is the original's, and calling the wrapper
    calls the original (with its hooks).

    Differs from PyTorch: the forward runs eagerly (microtensor has no graph capture).
    """

    _own_attributes = frozenset({"_orig_mod", "_compile_options", "forward"})

    def __init__(self, mod: Module, options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._modules["_orig_mod"] = mod
        self.__dict__["_compile_options"] = dict(options or {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Call the original module."""
        return self._orig_mod(*args, **kwargs)

    @property  # type: ignore[override]
    def training(self) -> bool:
        """The original module's ``training`` flag."""
        return self._orig_mod.training if "_orig_mod" in self.__dict__.get("_modules", ()) else True

    @training.setter
    def training(self, value: bool) -> None:
        if "_orig_mod" in self.__dict__.get("_modules", ()):  # not during Module.__init__
            self._orig_mod.training = value

    def __len__(self) -> int:
        if not hasattr(self._orig_mod, "__len__"):
            raise TypeError(f"{type(self._orig_mod).__name__} does not support len()")
        return len(self._orig_mod)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        return getattr(self._orig_mod, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(type(self), name) or name in self._own_attributes:
            super().__setattr__(name, value)
        else:
            setattr(self._orig_mod, name, value)

    def __delattr__(self, name: str) -> None:
        if hasattr(type(self), name) or name in self._own_attributes:
            super().__delattr__(name)
        else:
            delattr(self._orig_mod, name)

    def __dir__(self) -> list[str]:
        names = self._orig_mod.__dir__()
        return names + [name for name in super().__dir__() if name not in names]


def compile(  # noqa: A001 - PyTorch's name
    model: Callable[..., Any] | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable[..., Any] | None = None,
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    name: str | None = None,
    disable: bool = False,
    recompile_limit: int | None = None,
    isolate_recompiles: bool = False,
    shapes_spec: Any = None,
) -> Any:
    """Optimize a module or function for repeated calls, as ``torch.compile``.

    ``compile(model)`` returns an :class:`OptimizedModule` for an ``nn.Module`` and a wrapped
    function for any other callable; without ``model`` it returns a decorator, so
    ``@compile`` and ``@compile(mode="reduce-overhead")`` both work. The other arguments are
    PyTorch's and are checked as PyTorch checks them.

    Differs from PyTorch: nothing is captured or generated; calls run eagerly, exactly as
    ``torch.compile(backend="eager")``, so the results are eager's. A custom backend callable
    (which PyTorch would hand an FX graph) is refused: microtensor has no FX graphs.

    Args:
        model: the module or function; None to get a decorator.
        fullgraph: PyTorch: fail on a graph break (there are none here).
        dynamic: PyTorch: dynamic-shape tracing (shapes are always dynamic here).
        backend: "inductor" (the default), "eager" or "aot_eager".
        mode: "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs" or
            "max-autotune".
        options: backend options; not together with ``mode``.
        name: PyTorch: a name for the compiled region (accepted).
        recompile_limit: PyTorch: recompilations allowed (accepted; nothing recompiles here).
        isolate_recompiles: PyTorch: a separate recompile cache (accepted).
        shapes_spec: PyTorch: shape specialisation hints (accepted).
        disable: if True, return ``model`` itself.

    Returns:
        The wrapped module or function (or a decorator).

    Raises:
        AssertionError: if ``model`` is not callable (PyTorch's exception).
        RuntimeError: if both ``mode`` and ``options`` are given, or for an unknown mode or
            backend name.
        NotImplementedError: for a custom backend callable.

    Example:
        >>> import microtensor as mt
        >>> model = mt.compile(mt.nn.Linear(2, 1))
        >>> list(model.state_dict())
        ['_orig_mod.weight', '_orig_mod.bias']
        >>> @mt.compile
        ... def double(x):
        ...     return x * 2
        >>> double(mt.ones(2))
        tensor([2., 2.])
    """
    settings: dict[str, Any] = {"fullgraph": fullgraph, "dynamic": dynamic}
    settings.update(backend=backend, mode=mode)
    if model is None:

        def decorate(fn: Callable[..., Any]) -> Any:
            return compile(fn, **settings, options=options, name=name, disable=disable)

        return decorate
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if mode is not None and options is not None:
        raise RuntimeError(
            "Either mode or options can be specified, but both can't be specified at the same time."
        )
    modes = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
    if mode is not None and mode not in modes:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(modes)}")
    if callable(backend):
        raise NotImplementedError(
            "compile(backend=<callable>): microtensor has no graph capture, so it has no graph to "
            f"hand a custom backend; use one of {', '.join(map(repr, _BACKENDS))} (all run eagerly)"
        )
    if backend is not None and backend not in _BACKENDS:
        raise RuntimeError(
            f"Invalid backend: {backend!r}, see `microtensor.compiler.list_backends()` for "
            "available backends."
        )
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model, {**settings, "options": options})

    @functools.wraps(model)
    def compiled(*args: Any, **kwargs: Any) -> Any:
        return model(*args, **kwargs)

    compiled._torchdynamo_orig_callable = model  # type: ignore[attr-defined]
    return compiled


def disable(
    fn: Callable[..., Any] | None = None, recursive: bool = True, *, reason: Any = None
) -> Any:
    """Exclude ``fn`` from compilation (here: return it as it is); a decorator without ``fn``."""
    if fn is None:
        return lambda f: f
    return fn


def is_compiling() -> bool:
    """Whether the code runs inside a compiled trace: always False (microtensor runs eagerly)."""
    return False


def is_dynamo_compiling() -> bool:
    """Always False, as :func:`is_compiling`."""
    return False


def reset() -> None:
    """Clear compilation caches (microtensor keeps none)."""


def list_backends(exclude_tags: tuple[str, ...] | None = ("debug", "experimental")) -> list[str]:
    """The backend names ``compile`` accepts ("eager" and "aot_eager" are PyTorch's debug ones)."""
    return sorted(_BACKENDS if not exclude_tags else ("inductor",))
