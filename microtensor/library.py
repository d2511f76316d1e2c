"""``microtensor.library``: define your own ops, as ``torch.library`` (the custom-ops API).

Two ways, as in torch: ``custom_op`` wraps a type-annotated function into an op (the schema is
inferred from the hints), and ``Library(ns, kind)`` with ``define`` and ``impl`` registers a
schema and kernels by dispatch key. Either way the op is ``microtensor.ops.<ns>.<name>`` (with
its ``.default`` overload); ``register_autograd`` gives it a backward formula through
microtensor's autograd, and ``opcheck`` tests the registrations.

Differs from PyTorch: no FakeTensor, torch.compile or vmap, so ``register_fake`` only stores the
function (``opcheck`` runs it on real inputs), and ``register_vmap``, ``register_autocast``,
``register_torch_dispatch``, ``triton_op`` and op tags do not exist.

Example:
    >>> import microtensor as mt
    >>> from microtensor.library import Library
    >>> lib = Library("docdef", "DEF")
    >>> lib.define("cube(Tensor x) -> Tensor")
    'cube'
    >>> lib.impl("cube", lambda x: x**3, "CompositeImplicitAutograd")
    >>> x = mt.tensor([2.0], requires_grad=True)
    >>> mt.ops.docdef.cube(x).backward()
    >>> x.grad
    tensor([12.])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from microtensor._library import registry
from microtensor._library.autograd import make_autograd_impl
from microtensor._library.custom_ops import OPDEFS, CustomOpDef, custom_op
from microtensor._library.infer_schema import infer_schema
from microtensor._library.library import Library
from microtensor._library.opcheck import opcheck
from microtensor._library.registry import OpOverload

__all__ = [
    "CustomOpDef",
    "Library",
    "custom_op",
    "define",
    "impl",
    "infer_schema",
    "opcheck",
    "register_autograd",
    "register_fake",
    "register_kernel",
]

_NAMELESS_SCHEMA = re.compile(r"\(.*\) -> .*")
_keep_alive: list[Library] = []  # the libraries of the functional define/impl forms


def define(qualname: str, schema: str, *, lib: Library | None = None, tags: Any = ()) -> None:
    """Define an op by qualified name and nameless schema, as ``torch.library.define``.

    Args:
        qualname: ``"namespace::name"``.
        schema: the schema without the name: ``"(Tensor x) -> Tensor"``.
        lib: the library that owns the op (None: one kept alive for the program's life).
        tags: accepted, not used.

    Raises:
        ValueError: ``qualname`` not a str of the form ``"ns::name"``, or a schema with a name.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.library as library
        >>> library.define("docfn::add3", "(Tensor x) -> Tensor")
        >>> library.impl("docfn::add3", "cpu", lambda x: x + 3)
        >>> mt.ops.docfn.add3(mt.tensor([1.0]))
        tensor([4.])
    """
    if not isinstance(qualname, str):
        raise ValueError(
            "define(qualname, schema): expected qualname to be instance of str, got "
            f"{type(qualname)}"
        )
    namespace, name = registry.parse_namespace(qualname)
    if lib is None:
        lib = Library(namespace, "FRAGMENT")
        _keep_alive.append(lib)
    if not _NAMELESS_SCHEMA.fullmatch(schema):
        raise ValueError(
            "define(qualname, schema, ...): expected schema to look like e.g. "
            f'"(Tensor x) -> Tensor" but got "{schema}"'
        )
    lib.define(name + schema, tags=tags)


def impl(
    qualname: str,
    types: str | Sequence[str],
    func: Callable[..., Any] | None = None,
    *,
    lib: Library | None = None,
) -> Any:
    """Register a kernel for device type(s) of an op, as ``torch.library.impl``.

    Args:
        qualname: ``"namespace::name"``.
        types: ``"cpu"``, ``"cuda"``..., ``"default"`` (every device) or a dispatch key such
            as ``"CompositeImplicitAutograd"``; or a sequence of them.
        func: the kernel; without it a decorator is returned.
        lib: the library that owns the registration (None: kept for the program's life).

    Returns:
        None, or the decorator when ``func`` is None.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.library as library
        >>> library.define("docfn::mul2", "(Tensor x) -> Tensor")
        >>> @library.impl("docfn::mul2", "default")
        ... def _(x):
        ...     return x * 2
        >>> mt.ops.docfn.mul2(mt.tensor([1.0]))
        tensor([2.])
    """
    keys = [_type_to_key(t) for t in ((types,) if isinstance(types, str) else types)]

    def register(func: Callable[..., Any]) -> None:
        namespace, name = registry.parse_namespace(qualname)
        use_lib = lib if lib is not None else _kept_library(namespace)
        for key in keys:
            use_lib.impl(name, func, key)

    if func is None:
        return register
    register(func)
    return None


_DISPATCH_KEYS = (
    "CompositeImplicitAutograd",
    "CompositeExplicitAutograd",
    "Autograd",
    "AutogradCPU",
    "CPU",
    "CUDA",
    "Meta",
)


def _type_to_key(typ: str) -> str:
    if typ in _DISPATCH_KEYS:
        return typ
    if typ == "default":
        return "CompositeExplicitAutograd"
    return registry.dispatch_key_for_device(typ)


def _kept_library(namespace: str) -> Library:
    lib = Library(namespace, "FRAGMENT")
    _keep_alive.append(lib)
    return lib


def _resolve(op: Any, registration_name: str) -> str | CustomOpDef:
    if not isinstance(op, (str, OpOverload, CustomOpDef)):
        raise ValueError(f"{registration_name}({op}): got unexpected type for op: {type(op)}")
    if isinstance(op, OpOverload):
        op = op._name
    if isinstance(op, CustomOpDef):
        return op
    return OPDEFS.get(op, op)


def register_kernel(
    op: str | OpOverload | CustomOpDef,
    device_types: str | Sequence[str] | None,
    func: Callable[..., Any] | None = None,
    /,
    *,
    lib: Library | None = None,
) -> Any:
    """Register a kernel for device type(s), as ``torch.library.register_kernel``.

    Args:
        op: the op: ``"ns::name"``, its ``OpOverload`` or its ``CustomOpDef``.
        device_types: ``"cpu"``... or a sequence; None: every device.
        func: the kernel; without it a decorator is returned.
        lib: the library that owns the registration.

    Returns:
        What ``CustomOpDef.register_kernel`` / ``impl`` returns.

    Raises:
        ValueError: ``op`` of another type.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.library as library
        >>> @library.custom_op("doc::ident_cpu", mutates_args=())
        ... def ident(x: mt.Tensor) -> mt.Tensor:
        ...     return x.clone()
        >>> _ = library.register_kernel("doc::ident_cpu", "cpu", lambda x: x + 0.5)
        >>> ident(mt.tensor([1.0]))
        tensor([1.5000])
    """
    resolved = _resolve(op, "register_kernel")
    if isinstance(resolved, CustomOpDef):
        return resolved.register_kernel(device_types, func)
    types = "CompositeExplicitAutograd" if device_types is None else device_types
    return impl(resolved, types, func, lib=lib)


def register_fake(
    op: str | OpOverload | CustomOpDef,
    func: Callable[..., Any] | None = None,
    /,
    *,
    lib: Library | None = None,
) -> Any:
    """Register the fake ("meta") implementation of an op, as ``torch.library.register_fake``.

    Args:
        op: the op: ``"ns::name"``, its ``OpOverload`` or its ``CustomOpDef``.
        func: the fake implementation; without it a decorator is returned.
        lib: accepted for torch's signature.

    Returns:
        ``func``, or the decorator.

    Differs from PyTorch: stored, never run by an ordinary call (microtensor has no
    FakeTensor); ``opcheck``'s ``test_faketensor`` runs it on the real inputs.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.library as library
        >>> library.define("docfn::shape_only", "(Tensor x) -> Tensor")
        >>> @library.register_fake("docfn::shape_only")
        ... def _(x):
        ...     return mt.empty_like(x)
    """
    resolved = _resolve(op, "register_fake")
    if isinstance(resolved, CustomOpDef):
        return resolved.register_fake if func is None else resolved.register_fake(func)

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        registry.parse_namespace(resolved)
        registry.FAKES[resolved] = func
        return func

    return register if func is None else register(func)


class _Info:
    def __init__(self, backward: Callable[..., Any], setup_context: Any) -> None:
        self._backward_fn, self._setup_context_fn = backward, setup_context


def register_autograd(
    op: str | OpOverload | CustomOpDef,
    backward: Callable[..., Any],
    /,
    *,
    setup_context: Callable[..., Any] | None = None,
    lib: Library | None = None,
) -> None:
    """Register the backward formula of an op, as ``torch.library.register_autograd``.

    Args:
        op: the op: ``"ns::name"``, its ``OpOverload`` or its ``CustomOpDef``.
        backward: ``backward(ctx, *grads)``, returning one gradient per input.
        setup_context: ``setup_context(ctx, inputs, output)``, saving what backward needs.
        lib: the library that owns the registration.

    Raises:
        ValueError: ``op`` of another type, or not ``"ns::name"``.
        AttributeError: no such op.
        RuntimeError: the op mutates an argument.
        NotImplementedError: the op has a keyword-only Tensor argument.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.library as library
        >>> library.define("docfn::square", "(Tensor x) -> Tensor")
        >>> library.impl("docfn::square", "cpu", lambda x: mt.from_numpy(x.numpy() ** 2))
        >>> def setup_context(ctx, inputs, output):
        ...     ctx.save_for_backward(inputs[0])
        >>> def backward(ctx, grad):
        ...     (x,) = ctx.saved_tensors
        ...     return grad * 2 * x
        >>> library.register_autograd("docfn::square", backward, setup_context=setup_context)
        >>> x = mt.tensor([3.0], requires_grad=True)
        >>> mt.ops.docfn.square(x).backward()
        >>> x.grad
        tensor([6.])
    """
    resolved = _resolve(op, "register_autograd")
    if isinstance(resolved, CustomOpDef):
        resolved.register_autograd(backward, setup_context=setup_context)
        return
    overload = registry.lookup_op(resolved)
    schema = overload._schema
    if schema.is_mutable:
        raise RuntimeError(
            f"Cannot register autograd formula for non-functional operator {overload} with "
            f"schema {schema}. Please create a functional operator and register an autograd "
            "formula for that."
        )
    if any(a.kwarg_only and a.type.startswith("Tensor") for a in schema.arguments):
        raise NotImplementedError(
            "register_autograd with kwarg-only Tensor args. In the original definition of the "
            f"op, please make your tensors not kwarg-only. Got: {schema}"
        )
    namespace, name = registry.parse_namespace(resolved)
    use_lib = lib if lib is not None else _kept_library(namespace)
    use_lib.impl(name, make_autograd_impl(overload, _Info(backward, setup_context)), "Autograd")
