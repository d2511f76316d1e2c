"""``custom_op`` and ``CustomOpDef``: a Python function made into a library op, as torch's."""

from __future__ import annotations

import contextlib
import inspect
import logging
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from microtensor._library import registry
from microtensor._library.autograd import make_autograd_impl
from microtensor._library.infer_schema import infer_schema

log = logging.getLogger(__name__)

# the live custom ops by qualified name, as torch's OPDEFS
OPDEFS: weakref.WeakValueDictionary[str, CustomOpDef] = weakref.WeakValueDictionary()


def custom_op(
    name: str,
    fn: Callable[..., Any] | None = None,
    /,
    *,
    mutates_args: str | Iterable[str],
    device_types: str | Sequence[str] | None = None,
    schema: str | None = None,
) -> Any:
    """Wrap a function into a custom op, as ``torch.library.custom_op`` (also a decorator).

    Args:
        name: ``"namespace::opname"``, such as ``"mylib::my_linear"``.
        fn: the function; without it, ``custom_op`` returns a decorator.
        mutates_args: the names of the arguments the function mutates (required; ``()`` for
            none), or ``"unknown"`` (then every Tensor argument counts as mutated).
        device_types: the device type(s) the function serves (``"cpu"``); None: all.
        schema: the schema string; None (recommended): inferred from the type hints.

    Returns:
        A callable ``CustomOpDef`` (or a decorator that makes one). The op is also
        ``microtensor.ops.<namespace>.<opname>`` with its ``.default`` overload.

    Raises:
        ValueError: ``name`` is not ``"namespace::opname"``, the hints cannot be turned into
            a schema, or ``schema`` disagrees with ``mutates_args``.
        RuntimeError: the name is no identifier.
        NotImplementedError: a keyword-only Tensor argument (torch allows none).

    Differs from PyTorch: no ``tags=`` argument.

    Example:
        >>> import numpy as np
        >>> import microtensor as mt
        >>> from microtensor.library import custom_op
        >>> @custom_op("doc::numpy_sin", mutates_args=())
        ... def numpy_sin(x: mt.Tensor) -> mt.Tensor:
        ...     return mt.from_numpy(np.sin(x.numpy()))
        >>> def setup_context(ctx, inputs, output):
        ...     ctx.save_for_backward(inputs[0])
        >>> def backward(ctx, grad):
        ...     (x,) = ctx.saved_tensors
        ...     return grad * x.cos()
        >>> numpy_sin.register_autograd(backward, setup_context=setup_context)
        >>> x = mt.tensor([0.0, 1.0], requires_grad=True)
        >>> numpy_sin(x).sum().backward()
        >>> x.grad
        tensor([1.0000, 0.5403])
        >>> mt.ops.doc.numpy_sin.default(mt.tensor([0.0]))
        tensor([0.])
    """

    def inner(fn: Callable[..., Any]) -> CustomOpDef:
        schema_str = infer_schema(fn, mutates_args=mutates_args) if schema is None else schema
        namespace, opname = name.split("::")
        result = CustomOpDef(namespace, opname, schema_str, fn)
        if schema is not None:
            expected = {a.name for a in result._opoverload._schema.arguments if a.is_write}
            if expected != set(mutates_args):
                raise ValueError(
                    f"Attempted to create a custom op with `mutates_args={mutates_args}` and "
                    f"`schema={schema}. The schema suggests that the op mutates {expected}"
                    "which is different from what was provided to us in `mutates_args`. "
                    "Please make these consistent."
                )
        result.register_kernel(device_types)(fn)
        return result

    return inner if fn is None else inner(fn)


class CustomOpDef:
    """A function made into a custom op by ``custom_op``: call it, or register more behaviour.

    Do not make one directly; use ``microtensor.library.custom_op``.
    """

    def __init__(self, namespace: str, name: str, schema: str, fn: Callable[..., Any]) -> None:
        self._namespace, self._name, self._schema = namespace, name, schema
        self._init_fn = fn
        self._backend_fns: dict[str | None, Callable[..., Any]] = {}
        self._abstract_fn: Callable[..., Any] | None = None
        self._setup_context_fn: Callable[..., Any] | None = None
        self._backward_fn: Callable[..., Any] | None = None
        self._disabled_kernel: set[str | None] = set()
        from microtensor._library.library import get_library_allowing_overwrite

        self._lib = get_library_allowing_overwrite(namespace, name)
        self._lib.define(name + schema)
        self._opoverload = registry.lookup_op(self._qualname)
        if any(a.kwarg_only and a.type.startswith("Tensor") for a in self._op_arguments()):
            raise NotImplementedError(
                "custom_op with kwarg-only Tensor args. Please make your tensors not "
                f"kwarg-only. Got: {name + schema}"
            )
        self._lib.impl(name, make_autograd_impl(self._opoverload, self), "Autograd")
        OPDEFS[self._qualname] = self

    def _op_arguments(self) -> tuple[Any, ...]:
        return self._opoverload._schema.arguments

    @property
    def _qualname(self) -> str:
        return f"{self._namespace}::{self._name}"

    def __repr__(self) -> str:
        return f"<CustomOpDef({self._qualname})>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the op (through autograd when an input requires grad)."""
        return self._opoverload(*args, **kwargs)

    @contextlib.contextmanager
    def set_kernel_enabled(self, device_type: str, enabled: bool = True) -> Iterator[None]:
        """Turn a registered device kernel off (or back on) within a ``with`` block.

        Args:
            device_type: the device type of the kernel, such as ``"cpu"``.
            enabled: False to fall back to the function given to ``custom_op``.

        Example:
            >>> import microtensor as mt
            >>> from microtensor.library import custom_op
            >>> @custom_op("doc::zeros1", mutates_args=())
            ... def f(x: mt.Tensor) -> mt.Tensor:
            ...     return mt.zeros(1)
            >>> @f.register_kernel("cpu")
            ... def _(x):
            ...     return mt.ones(1)
            >>> with f.set_kernel_enabled("cpu", enabled=False):
            ...     print(f(mt.zeros(1)))
            tensor([0.])
            >>> f(mt.zeros(1))
            tensor([1.])
        """
        action = "enable" if enabled else "disable"
        originally_disabled = device_type in self._disabled_kernel
        if device_type not in self._backend_fns:
            log.warning(
                "Attempted to %s kernel for %s but no kernel was registered for this device type.",
                action,
                device_type,
            )
        if not enabled:
            if originally_disabled:
                log.warning(
                    "Attempted to disable kernel for %s but it was already disabled.", device_type
                )
            self._disabled_kernel.add(device_type)
        else:
            if not originally_disabled:
                log.warning(
                    "Attempted to enable kernel for  %s but it was already enabled.", device_type
                )
            self._disabled_kernel.discard(device_type)
        try:
            yield
        finally:
            if originally_disabled:
                self._disabled_kernel.add(device_type)
            else:
                self._disabled_kernel.discard(device_type)

    def register_kernel(
        self, device_types: str | Sequence[str] | None, fn: Callable[..., Any] | None = None, /
    ) -> Callable[..., Any]:
        """Register the implementation for device type(s); usable as a decorator.

        Args:
            device_types: ``"cpu"``, ``"cuda"`` ... or a sequence; None: every device.
            fn: the implementation; without it a decorator is returned.

        Returns:
            ``fn``, or the decorator.

        Raises:
            ValueError: the op takes no Tensor and has no ``device`` argument (torch's rule).

        Example:
            >>> import microtensor as mt
            >>> from microtensor.library import custom_op
            >>> @custom_op("doc::plus_one", mutates_args=(), device_types="cpu")
            ... def plus_one(x: mt.Tensor) -> mt.Tensor:
            ...     return x + 1
            >>> plus_one(mt.tensor([1.0]))
            tensor([2.])
        """

        def inner(fn: Callable[..., Any]) -> Callable[..., Any]:
            names = (
                [device_types]
                if device_types is None or isinstance(device_types, str)
                else list(device_types)
            )
            for device_type in names:
                if device_type not in self._backend_fns:
                    key = (
                        "CompositeExplicitAutograd"
                        if device_type is None
                        else registry.dispatch_key_for_device(device_type)
                    )
                    self._lib.impl(self._name, self._backend_impl(device_type), key)
                self._backend_fns[device_type] = self._enabled_or_default(device_type, fn)
            return fn

        arguments = self._op_arguments()
        if device_types is not None and not any(a.type.startswith("Tensor") for a in arguments):
            if not any(a.type.startswith("Device") and a.name == "device" for a in arguments):
                raise ValueError(
                    "Functions without tensor inputs are required to have a `device: "
                    "torch.device` argument"
                )
        return inner if fn is None else inner(fn)

    def _enabled_or_default(self, device_type: str | None, fn: Callable[..., Any]) -> Any:
        def wrapped_fn(*args: Any, **kwargs: Any) -> Any:
            if device_type in self._disabled_kernel:
                return self._init_fn(*args, **kwargs)
            return fn(*args, **kwargs)

        return wrapped_fn

    def _backend_impl(self, device_type: str | None) -> Callable[..., Any]:
        def backend_impl(*args: Any, **kwargs: Any) -> Any:
            result = self._backend_fns[device_type](*args, **kwargs)
            registry.bump_mutated_versions(self._opoverload._schema, args, kwargs)
            _check_aliasing(self._name, args, kwargs, result)
            return result

        return backend_impl

    def register_fake(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        """Register the fake ("meta") implementation: output metadata from input metadata.

        Args:
            fn: the function, called with the op's arguments; returns outputs of the right
                shapes and dtypes without looking at the data.

        Returns:
            ``fn``.

        Differs from PyTorch: microtensor has no FakeTensor or tracing, so the function is
        stored and only ``opcheck`` calls it (on the real inputs, comparing shapes and dtypes
        with the real outputs); an ordinary call never runs it.

        Example:
            >>> import microtensor as mt
            >>> from microtensor.library import custom_op
            >>> @custom_op("doc::double", mutates_args=())
            ... def double(x: mt.Tensor) -> mt.Tensor:
            ...     return x * 2
            >>> @double.register_fake
            ... def _(x):
            ...     return mt.empty_like(x)
            >>> double(mt.tensor([1.0]))
            tensor([2.])
        """
        self._abstract_fn = fn
        registry.FAKES[self._qualname] = fn
        return fn

    def register_autograd(
        self,
        backward: Callable[..., Any],
        /,
        *,
        setup_context: Callable[..., Any] | None = None,
    ) -> None:
        """Register the backward formula (and ``setup_context``) of this op.

        Args:
            backward: ``backward(ctx, *grads)``, one gradient per output; returns one
                gradient per input (None for non-Tensors), as ``autograd.Function.backward``.
            setup_context: ``setup_context(ctx, inputs, output)`` (with keyword-only
                arguments: ``setup_context(ctx, inputs, keyword_only_inputs, output)``), run
                after the forward to save what backward needs on ``ctx``.

        Raises:
            RuntimeError: the op mutates an argument (register autograd on a functional op).

        Example:
            >>> import microtensor as mt
            >>> from microtensor.library import custom_op
            >>> @custom_op("doc::mul_val", mutates_args=())
            ... def mul_val(x: mt.Tensor, *, val: float) -> mt.Tensor:
            ...     return x * val
            >>> def setup_context(ctx, inputs, keyword_only_inputs, output):
            ...     ctx.val = keyword_only_inputs["val"]
            >>> mul_val.register_autograd(
            ...     lambda ctx, grad: grad * ctx.val, setup_context=setup_context
            ... )
            >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
            >>> mul_val(x, val=3.0).sum().backward()
            >>> x.grad
            tensor([3., 3.])
        """
        schema = self._opoverload._schema
        if schema.is_mutable:
            raise RuntimeError(
                f"Cannot register autograd formula for non-functional operator {self} with "
                f"schema {schema}. Please create a functional operator and register an "
                "autograd formula for that."
            )
        self._backward_fn = backward
        self._setup_context_fn = setup_context


def _check_aliasing(name: str, args: Any, kwargs: Any, result: Any) -> None:
    """Torch's rule: an output is never an input, nor shares memory with one or another."""
    outputs = registry.flat_tensors(result if isinstance(result, (tuple, list)) else [result])
    inputs = registry.flat_tensors([*args, *kwargs.values()])
    for i, out in enumerate(outputs):
        others = inputs + outputs[:i]
        if any(out is t or np.shares_memory(out._data, t._data) for t in others):
            module = inspect.getmodule(_check_aliasing)
            raise RuntimeError(
                f"{name} (with implementation in {module}): The output of this custom operator "
                "(1) must not also be an input to this custom operator and (2) may not alias "
                "any inputs to this custom operator or other returns. The most common way to "
                "trigger this error is if we have y = custom_op(x) and y and x are the same "
                "Tensor. Please instead return a clone of the offending output tensor(s) "
                "(e.g. return x.clone()) or refactor the custom operator to not return y."
            )
