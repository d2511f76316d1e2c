"""``opcheck``: test that a library op's registrations match what it does, as torch's.

Torch's tests and what microtensor makes of them:

* ``test_schema``: arguments the schema does not mark mutable are unchanged by the call, and
  no output is an input (as torch's SchemaCheckMode).
* ``test_autograd_registration``: an op with inputs that require grad has an autograd kernel
  (``register_autograd``, ``Autograd``, ``CompositeImplicitAutograd``), or else its kernel's
  outputs do not require grad (torch's check, same message).
* ``test_faketensor``: the registered fake implementation, run on the real inputs, gives
  outputs of the real outputs' shapes and dtypes.
* ``test_aot_dispatch_dynamic`` / ``_static``: torch compares eager and torch.compile, with
  gradients; microtensor has no compiler, so it runs the op's backward and, for float64
  inputs that require grad, ``gradcheck``s the registered backward against finite differences.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microtensor._library import registry
from microtensor._library.registry import OpOverload, OpOverloadPacket
from microtensor.autograd.gradcheck import gradcheck
from microtensor.tensor import Tensor


class OpCheckError(Exception):
    """What ``opcheck`` raises when a test fails (torch's ``OpCheckError``)."""


def _copy(value: Any) -> Any:
    if isinstance(value, Tensor):
        copy = value.detach().clone()
        return copy.requires_grad_(value.requires_grad)
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _copies(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict]:
    return tuple(_copy(a) for a in args), {k: _copy(v) for k, v in kwargs.items()}


def _outputs(result: Any) -> list[Tensor]:
    return registry.flat_tensors(result if isinstance(result, (tuple, list)) else [result])


def check_schema(op: OpOverload, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Arguments not marked ``Tensor(a!)`` keep their values; outputs are new Tensors."""
    args, kwargs = _copies(args, kwargs)
    positional, keyword = registry.bind(op._schema, args, kwargs)
    values = list(positional) + [keyword[a.name] for a in op._schema.arguments if a.kwarg_only]
    before = [[t._data.copy() for t in registry.flat_tensors([v])] for v in values]
    result = op(*args, **kwargs)
    for arg, value, saved in zip(op._schema.arguments, values, before, strict=True):
        tensors = registry.flat_tensors([value])
        changed = any(not _same(t._data, s) for t, s in zip(tensors, saved, strict=True))
        if changed and not arg.is_write:
            raise RuntimeError(f"Argument {arg.name} is not defined as mutable but was mutated")
        if arg.alias is None and any(o is t for o in _outputs(result) for t in tensors):
            raise RuntimeError(
                f"Argument {arg.name} is not defined to alias output but was aliasing"
            )


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def check_autograd_registration(
    op: OpOverload, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Torch's check that an op whose outputs take part in autograd has an autograd kernel."""
    args, kwargs = _copies(args, kwargs)
    inputs = registry.flat_tensors([*args, *kwargs.values()])
    if not any(t.requires_grad for t in inputs):
        return  # torch's opcheck skips this test then
    if any(
        op.has_kernel_for_dispatch_key(k)
        for k in (*registry.AUTOGRAD_KEYS, "CompositeImplicitAutograd")
    ):
        return
    positional, keyword = registry.bind(op._schema, args, kwargs)
    result = op.redispatch_below_autograd(positional, keyword)  # torch's fallback mode "nothing"
    if any(o.requires_grad and not any(o is t for t in inputs) for o in _outputs(result)):
        raise AssertionError(
            f"{op.name()}: at least one output of this operator has requires_grad=True but the "
            "operator does not have an autograd kernel defined at an autograd key (e.g. "
            "DispatchKey::Autograd). This could mean that you have incorrectly registered an "
            "autograd kernel to a non-Autograd DispatchKey, which may lead to silently "
            "incorrect results. If your operator consists of regular PyTorch operations, "
            "consider not using an operator at all or registering your operator as "
            "CompositeImplicitAutograd. If you have an autograd.Function registered to a "
            "backend (CPU/CUDA/XPU) key, the correct location for it is the Autograd key."
        )


def check_fake(op: OpOverload, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The fake implementation's outputs match the real ones in shape and dtype."""
    fake = registry.FAKES.get(op._name)
    if fake is None:
        if not op._schema.returns or op.has_kernel_for_dispatch_key("CompositeImplicitAutograd"):
            return  # torch makes the trivial fake of a mutating op; a composite decomposes
        from microtensor._library.custom_ops import OPDEFS

        opdef = OPDEFS.get(op._name)
        if opdef is None:
            raise RuntimeError(
                f"{op}: no fake implementation was registered (torch's "
                "UnsupportedOperatorException); use microtensor.library.register_fake"
            )
        raise RuntimeError(
            f"There was no fake impl registered for {opdef}. This is necessary for "
            "torch.compile/export/fx tracing to work. Please use "
            f"`{opdef._init_fn.__name__}.register_fake` to add an fake impl."
        )
    real = _outputs(op(*_copies(args, kwargs)[0], **_copies(args, kwargs)[1]))
    fake_args, fake_kwargs = _copies(args, kwargs)
    positional, keyword = registry.bind(op._schema, fake_args, fake_kwargs)
    faked = _outputs(fake(*positional, **keyword))
    if len(real) != len(faked):
        raise RuntimeError(
            f"{op}: the fake implementation returned {len(faked)} Tensors, the op {len(real)}"
        )
    for i, (r, f) in enumerate(zip(real, faked, strict=True)):
        if tuple(r.shape) != tuple(f.shape) or r.dtype != f.dtype:
            raise RuntimeError(
                f"{op}: output {i} of the fake implementation has shape {tuple(f.shape)} and "
                f"dtype {f.dtype}, the real output shape {tuple(r.shape)} and dtype {r.dtype}"
            )


def check_backward(
    op: OpOverload, args: tuple[Any, ...], kwargs: dict[str, Any], dynamic: bool = True
) -> None:
    """Backward runs; for float64 inputs the gradients match finite differences."""
    args, kwargs = _copies(args, kwargs)
    outputs = [o for o in _outputs(op(*args, **kwargs)) if o.requires_grad]
    if not outputs:
        return
    total = functools.reduce(lambda a, b: a + b, [o.sum() for o in outputs])
    total.backward()
    needing = [t for t in registry.flat_tensors([*args]) if t.requires_grad]
    if needing and all(str(t.dtype).endswith("float64") for t in needing):
        gradcheck(lambda *xs: op(*xs, **kwargs), tuple(_copies(args, {})[0]))


ALL_TEST_UTILS: dict[str, Callable[..., None]] = {
    "test_schema": check_schema,
    "test_autograd_registration": check_autograd_registration,
    "test_faketensor": check_fake,
    "test_aot_dispatch_static": functools.partial(check_backward, dynamic=False),
    "test_aot_dispatch_dynamic": check_backward,
}
DEFAULT_TEST_UTILS = (
    "test_schema",
    "test_autograd_registration",
    "test_faketensor",
    "test_aot_dispatch_dynamic",
)


def opcheck(
    op: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any] | None = None,
    *,
    test_utils: str | Sequence[str] = DEFAULT_TEST_UTILS,
    raise_exception: bool = True,
    atol: float | None = None,
    rtol: float | None = None,
) -> dict[str, Any]:
    """Test an op's registrations on sample arguments, as ``torch.library.opcheck``.

    Args:
        op: a ``CustomOpDef``, an ``OpOverload`` or an ``OpOverloadPacket`` with one overload.
        args: the positional arguments.
        kwargs: the keyword arguments.
        test_utils: the tests (names as torch's, or ``"ALL"``).
        raise_exception: raise ``OpCheckError`` at the first failure; if False, the failure's
            exception is the test's entry in the result.
        atol: accepted with ``rtol`` (torch's signature; the checks compare exactly or use
            ``gradcheck``'s tolerances).
        rtol: see ``atol``.

    Returns:
        A dict from test name to ``"SUCCESS"`` or the exception.

    Raises:
        OpCheckError: a test failed and ``raise_exception`` is True.
        ValueError: ``op`` of another type, unknown ``test_utils``, or only one of atol/rtol.

    Differs from PyTorch: ``test_faketensor`` runs the fake implementation on the real inputs
    (no FakeTensor), and ``test_aot_dispatch_*`` runs backward and ``gradcheck`` (float64
    inputs) instead of comparing with torch.compile: see the module docstring.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.library import custom_op, opcheck
        >>> @custom_op("doc::cube", mutates_args=())
        ... def cube(x: mt.Tensor) -> mt.Tensor:
        ...     return x**3
        >>> cube.register_autograd(
        ...     lambda ctx, g: g * 3 * ctx.x**2,
        ...     setup_context=lambda ctx, inputs, output: setattr(ctx, "x", inputs[0]),
        ... )
        >>> cube.register_fake(lambda x: mt.empty_like(x))  # doctest: +ELLIPSIS
        <function <lambda> at ...>
        >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
        >>> opcheck(cube, (x,))
        {'test_schema': 'SUCCESS', 'test_autograd_registration': 'SUCCESS', \
'test_faketensor': 'SUCCESS', 'test_aot_dispatch_dynamic': 'SUCCESS'}
    """
    if (rtol is None) ^ (atol is None):
        raise ValueError("opcheck(op, ...): if you specify one of rtol/atol, you must specify both")
    kwargs = {} if kwargs is None else kwargs
    op = _resolve(op)
    if test_utils == "ALL":
        test_utils = tuple(ALL_TEST_UTILS)
    if isinstance(test_utils, str):
        test_utils = (test_utils,)
    if not isinstance(test_utils, (tuple, list)) or not set(test_utils) <= set(ALL_TEST_UTILS):
        raise ValueError(
            f"opcheck(op, ..., test_utils={test_utils}), expected test_utils to be subset of "
            f"{tuple(ALL_TEST_UTILS)} but it was not"
        )
    results: dict[str, Any] = {}
    for name in test_utils:
        try:
            ALL_TEST_UTILS[name](op, args, kwargs)
            results[name] = "SUCCESS"
        except Exception as ex:
            if raise_exception:
                raise OpCheckError(
                    f"opcheck(op, ...): {name} failed with {ex} (scroll up for stack trace)"
                ) from ex
            results[name] = ex
    return results


def _resolve(op: Any) -> OpOverload:
    from microtensor._library.custom_ops import CustomOpDef

    if isinstance(op, CustomOpDef):
        op = op._opoverload
    if isinstance(op, OpOverloadPacket):
        names = op.overloads()
        if len(names) != 1:
            raise RuntimeError(
                "opcheck can only test operators without overloads. Got the following "
                f"overloads for {op._qualified_op_name}: {names}"
            )
        op = getattr(op, names[0])
    if not isinstance(op, OpOverload):
        raise ValueError(
            "opcheck(op, ...): op must be instance of torch._ops.OpOverload, e.g. "
            f"torch.ops.aten.sin.default, got {type(op)}"
        )
    return op
