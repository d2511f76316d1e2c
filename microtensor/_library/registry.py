"""The op registry: ``OpOverload``, ``OpOverloadPacket``, ``_OpNamespace`` and the dispatch.

An op defined through ``microtensor.library`` is an ``OpOverload`` (``mylib::foo.default``).
Calling it picks a kernel as torch's dispatcher does, by key: an ``Autograd`` kernel first, then
``CompositeImplicitAutograd``, then the kernel of the inputs' device (``CPU``), then
``CompositeExplicitAutograd``. Kernels are kept per qualified name, so ``impl`` may come before
``define`` (as in torch).
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from microtensor._library.schema import FunctionSchema, parse_schema
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.tensor import Tensor

# "ns::name.overload" (overload "" for default) -> dispatch key -> kernel
KERNELS: dict[str, dict[str, Callable[..., Any]]] = {}
FAKES: dict[str, Callable[..., Any]] = {}
OPS: dict[str, OpOverload] = {}
_NAMESPACES: dict[str, _OpNamespace] = {}
_below_autograd: set[str] = set()  # ops whose Autograd kernel is running (redispatch below it)

_DEVICE_KEYS = {"cpu": "CPU", "cuda": "CUDA", "meta": "Meta", "mps": "MPS", "xpu": "XPU"}
AUTOGRAD_KEYS = ("Autograd", "AutogradCPU")


def dispatch_key_for_device(device_type: str) -> str:
    """Torch's dispatch key of a device type: ``"cpu"`` -> ``"CPU"``."""
    return _DEVICE_KEYS.get(device_type, device_type.upper())


class OpOverload:
    """One overload of a library op, as ``torch.ops.mylib.foo.default``: call it to run it."""

    def __init__(self, namespace: str, schema: FunctionSchema) -> None:
        self._namespace, self._opname = namespace, schema.name
        self._overloadname = schema.overload_name or "default"
        overload = f".{schema.overload_name}" if schema.overload_name else ""
        self._name = f"{namespace}::{schema.name}{overload}"
        self._schema = FunctionSchema(
            f"{namespace}::{schema.name}",
            schema.overload_name,
            schema.arguments,
            schema.returns,
            schema.text,
        )

    def name(self) -> str:
        """The qualified name, ``"mylib::foo"`` (with ``".overload"`` if it has one)."""
        return self._name

    def __repr__(self) -> str:
        return (
            f"<OpOverload(op='{self._namespace}.{self._opname}', overload='{self._overloadname}')>"
        )

    def __str__(self) -> str:
        return f"{self._namespace}.{self._opname}.{self._overloadname}"

    def _kernels(self) -> dict[str, Callable[..., Any]]:
        return KERNELS.get(self._name, {})

    def has_kernel_for_dispatch_key(self, key: str) -> bool:
        """Whether a kernel is registered to ``key`` (torch's ``_dispatch_has_kernel_for...``)."""
        return key in self._kernels()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        positional, keyword = bind(self._schema, args, kwargs)
        kernels = self._kernels()
        for key in AUTOGRAD_KEYS:
            if key in kernels and self._name not in _below_autograd:
                with below_autograd(self._name):
                    return kernels[key](*positional, **keyword)
        if "CompositeImplicitAutograd" in kernels:
            return kernels["CompositeImplicitAutograd"](*positional, **keyword)
        result = self.redispatch_below_autograd(positional, keyword)
        if not any(k in kernels for k in AUTOGRAD_KEYS):
            result = _without_autograd_kernel(self, positional, result)
        return result

    def redispatch_below_autograd(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run the kernel of the inputs' device (torch's redispatch past the Autograd key)."""
        kernels = self._kernels()
        key = dispatch_key_for_device(_device_type(self._schema, args))
        kernel = kernels.get(key) or kernels.get("CompositeExplicitAutograd")
        if kernel is None:
            raise NotImplementedError(
                f"Could not run '{self._name}' with arguments from the '{key}' backend. This "
                "could be because the operator doesn't exist for this backend. "
                f"'{self._name}' is only available for these backends: {sorted(kernels)}. "
                "Register a kernel with microtensor.library.impl or register_kernel."
            )
        return kernel(*args, **kwargs)


@contextlib.contextmanager
def below_autograd(name: str) -> Iterator[None]:
    """While an op's Autograd kernel runs, calls of that op go to the kernel below it."""
    _below_autograd.add(name)
    try:
        yield
    finally:
        _below_autograd.discard(name)


class OpOverloadPacket:
    """All overloads of one op name, as ``torch.ops.mylib.foo``; calling it runs ``default``."""

    def __init__(self, namespace: str, name: str) -> None:
        self._namespace, self._name = namespace, name
        self._qualified_op_name = f"{namespace}::{name}"

    def __repr__(self) -> str:
        return f"<OpOverloadPacket(op='{self._namespace}.{self._name}')>"

    def __str__(self) -> str:
        return f"{self._namespace}.{self._name}"

    def overloads(self) -> list[str]:
        """The overload names, ``["default", ...]``."""
        prefix = self._qualified_op_name
        return [op._overloadname for q, op in OPS.items() if q.split(".")[0] == prefix]

    def __getattr__(self, overload: str) -> OpOverload:
        if overload.startswith("__"):
            raise AttributeError(overload)
        op = OPS.get(self._qualified_op_name + ("" if overload == "default" else f".{overload}"))
        if op is None:
            raise AttributeError(f"The underlying op of '{self}' has no overload name '{overload}'")
        return op

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        names = self.overloads()
        return getattr(self, "default" if "default" in names else names[0])(*args, **kwargs)


class _OpNamespace:
    """A namespace of library ops, as ``torch.ops.mylib``: its attributes are the ops."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<module 'microtensor.ops.{self.name}'>"

    def __getattr__(self, op_name: str) -> OpOverloadPacket:
        if op_name.startswith("__") or not any(
            q.split("::")[1].split(".")[0] == op_name for q in OPS if q.startswith(f"{self.name}::")
        ):
            raise AttributeError(
                f"'_OpNamespace' '{self.name}' object has no attribute '{op_name}'"
            )
        return OpOverloadPacket(self.name, op_name)


def namespace(name: str) -> _OpNamespace:
    """The namespace object of ``name``, made once and bound as ``microtensor.ops.<name>``."""
    if name not in _NAMESPACES:
        _NAMESPACES[name] = _OpNamespace(name)
        ops_module = sys.modules["microtensor.ops"]
        # Differs from PyTorch: a namespace named like a microtensor.ops name (linalg) is
        # reached through microtensor.library only; microtensor.ops keeps its own.
        if not hasattr(ops_module, name):
            setattr(ops_module, name, _NAMESPACES[name])
    return _NAMESPACES[name]


def lookup_op(qualname: str) -> OpOverload:
    """The overload ``"ns::name"`` or ``"ns::name.overload"`` names (torch's ``lookup_op``)."""
    ns, name = parse_namespace(qualname)
    packet = getattr(namespace(ns), name.split(".")[0])
    return getattr(packet, name.split(".")[1] if "." in name else "default")


def parse_namespace(qualname: str) -> tuple[str, str]:
    """Split ``"ns::name"``, with torch's error for any other form."""
    splits = qualname.split("::")
    if len(splits) != 2:
        raise ValueError(
            'Expected `qualname` to be of the form "namespace::name", but got '
            f"{qualname}. The qualname passed to the torch.library APIs must consist of a "
            "namespace and a name, e.g. aten::sin"
        )
    return splits[0], splits[1]


def define_op(namespace_name: str, schema_text: str) -> OpOverload:
    """Add the op of ``schema_text`` (``"foo(Tensor x) -> Tensor"``) to the registry."""
    schema = parse_schema(schema_text)
    op = OpOverload(namespace_name, schema)
    if op._name in OPS:
        raise RuntimeError(
            f"Tried to register an operator ({op._schema}) with the same name and overload "
            "name multiple times. Each overload's schema should only be registered with a "
            "single call to def()."
        )
    OPS[op._name] = op
    namespace(namespace_name)
    return op


def bind(
    schema: FunctionSchema, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The call's arguments as the dispatcher passes them, with torch's errors for a bad call.

    Positional ones come first (defaults filled), then the keyword-only ones by name.
    """
    params = schema.arguments
    n_positional = sum(not a.kwarg_only for a in params)
    if len(args) > n_positional:
        raise RuntimeError(
            f"{schema.name}() takes {n_positional} positional argument(s) but {len(args)} "
            f"was/were given.  Declaration: {schema}"
        )
    names = {a.name for a in params}
    for key in kwargs:
        if key not in names:
            raise RuntimeError(
                f"Unknown keyword argument '{key}' for operator '{schema.name}'. Schema: {schema}"
            )
    values = []
    for i, a in enumerate(params):
        if i < len(args):
            value = args[i]
        elif a.name in kwargs:
            value = kwargs[a.name]
        elif a.has_default:
            value = a.default_value()
        else:
            raise RuntimeError(
                f"{schema.name}() is missing value for argument '{a.name}'. Declaration: {schema}"
            )
        if a.type == "Tensor" and not isinstance(value, Tensor):
            raise RuntimeError(
                f"{schema.name}() Expected a value of type 'Tensor' for argument '{a.name}' but "
                f"instead found type '{type(value).__name__}'.\nPosition: {i}\nValue: {value}\n"
                f"Declaration: {schema}\nCast error details: Unable to cast {value} to Tensor"
            )
        values.append(value)
    keyword = {a.name: v for a, v in zip(params, values, strict=True) if a.kwarg_only}
    return tuple(values[:n_positional]), keyword


def flat_tensors(values: Any) -> list[Tensor]:
    """The Tensors of an argument list, looking one level into lists and tuples."""
    found: list[Tensor] = []
    for v in values:
        if isinstance(v, Tensor):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            found += [t for t in v if isinstance(t, Tensor)]
    return found


def bump_mutated_versions(schema: FunctionSchema, args: tuple[Any, ...], kwargs: Any) -> None:
    """Count a mutation on every argument the schema marks ``Tensor(a!)``, as torch does.

    Torch does it for custom ops (their ADInplaceOrView kernel), not for ``Library.define``d
    ops, whose kernels count their own in-place changes.
    """
    for i, a in enumerate(schema.arguments):
        if a.is_write:
            value = kwargs.get(a.name) if a.kwarg_only else args[i] if i < len(args) else None
            for t in flat_tensors([value]):
                t._version_counter[0] += 1


def _device_type(schema: FunctionSchema, args: tuple[Any, ...]) -> str:
    tensors = flat_tensors(args)
    if tensors:
        return tensors[0].device.type
    for a, value in zip(schema.arguments, args, strict=False):
        if a.type.startswith("Device") and value is not None:
            return str(value).split(":")[0]
    return "cpu"


class _NoAutogradKernel(Function):
    """Outputs of an op without autograd kernel: backward warns and gives no gradient."""

    @staticmethod
    def forward(ctx: Any, name: str, n_inputs: int, *tensors: Any) -> Any:
        ctx.op_name, ctx.n_inputs = name, n_inputs
        outputs = tensors[n_inputs:]
        return outputs if len(outputs) > 1 else outputs[0]

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        warnings.warn(
            f"{ctx.op_name}: an autograd kernel was not registered to the Autograd key(s) but "
            "we are trying to backprop through it. This may lead to silently incorrect "
            "behavior. This behavior is deprecated and will be removed in a future version of "
            "PyTorch. If your operator is differentiable, please ensure you have registered an "
            "autograd kernel to the correct Autograd key (e.g. DispatchKey::Autograd, "
            "DispatchKey::CompositeImplicitAutograd). If your operator is not differentiable, "
            "or to squash this warning and use the previous behavior, please register "
            "torch::CppFunction::makeFallthrough() to DispatchKey::Autograd.",
            UserWarning,
            stacklevel=2,
        )
        return (None, None) + (None,) * (ctx.n_inputs + len(grad_outputs))


def _without_autograd_kernel(op: OpOverload, args: tuple[Any, ...], result: Any) -> Any:
    """Torch's autograd fallback ("warn" mode) for an op whose kernels know no autograd."""
    inputs = flat_tensors(args)
    outputs = result if isinstance(result, tuple) else (result,)
    if not (is_grad_enabled() and any(t.requires_grad for t in inputs)):
        return result
    if not outputs or not all(isinstance(o, Tensor) for o in outputs):
        return result
    if any(o.requires_grad for o in outputs):  # the kernel recorded its own graph
        return result
    linked = _NoAutogradKernel.apply(op._name, len(inputs), *inputs, *outputs)
    if isinstance(result, tuple):
        return linked if isinstance(linked, tuple) else (linked,)
    return linked
