"""``infer_schema``: a custom op's schema string from its function's type hints, as torch's."""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable, Iterable
from types import GenericAlias
from typing import Any, NoReturn

from microtensor._device import device
from microtensor.dtypes import dtype
from microtensor.tensor import Tensor
from microtensor.types import Number

__all__ = ["infer_schema"]

_UNKNOWN_MUTATES = "unknown"


def _derived(base: Any, name: str, lists: bool, optional_items: bool, optional_list: bool) -> Any:
    """``base`` and the forms torch derives from it: ``T?``, ``T[]``, ``T?[]``, ``T[]?``."""

    def sequences(item: Any) -> tuple[Any, ...]:
        return (
            typing.Sequence[item],  # noqa: UP006 - torch accepts each spelling
            typing.List[item],  # noqa: UP006
            GenericAlias(collections.abc.Sequence, (item,)),
            GenericAlias(list, (item,)),
        )

    pairs = [(base, name), (typing.Optional[base], f"{name}?")]  # noqa: UP045
    if lists:
        pairs += [(s, f"{name}[]") for s in sequences(base)]
    if optional_items:
        pairs += [(s, f"{name}?[]") for s in sequences(typing.Optional[base])]  # noqa: UP045
    if optional_list:
        pairs += [(typing.Optional[s], f"{name}[]?") for s in sequences(base)]  # noqa: UP045
    return pairs


# (Python type, schema type, T[], T?[], T[]?), as torch's table
SUPPORTED_PARAM_TYPES: dict[Any, str] = dict(
    pair
    for row in (
        (Tensor, "Tensor", True, True, False),
        (int, "SymInt", True, False, True),
        (float, "float", True, False, True),
        (bool, "bool", True, False, True),
        (str, "str", False, False, False),
        (Number, "Scalar", True, False, False),
        (dtype, "ScalarType", False, False, False),
        (device, "Device", False, False, False),
    )
    for pair in _derived(*row)
)

SUPPORTED_RETURN_TYPES: dict[Any, str] = {
    Tensor: "Tensor",
    typing.List[Tensor]: "Tensor[]",  # noqa: UP006
    list[Tensor]: "Tensor[]",
    int: "SymInt",
    float: "float",
    bool: "bool",
    Number: "Scalar",
}


def infer_schema(
    prototype_function: Callable[..., Any],
    /,
    *,
    mutates_args: str | Iterable[str],
    op_name: str | None = None,
) -> str:
    """The schema of a function from its type hints, as ``torch.library.infer_schema``.

    Args:
        prototype_function: the function whose annotations describe the op.
        mutates_args: the names of the arguments the function mutates, or ``"unknown"``
            (every Tensor argument is then marked as mutated).
        op_name: the op's name to put in front of the schema; without it the schema is
            nameless, as ``custom_op``'s ``schema=`` wants it.

    Returns:
        The schema, such as ``"(Tensor x, float y) -> Tensor"``.

    Raises:
        ValueError: an argument without annotation, an unsupported type or default, a
            positional-only or variadic argument, or ``mutates_args`` naming a non-Tensor
            argument or one the function does not have (torch's messages).

    Differs from PyTorch: no ``tags=`` (``torch.Tag.inplace``/``out``), no opaque types.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.library import infer_schema
        >>> def scale(x: mt.Tensor, factor: float = 2.0) -> mt.Tensor:
        ...     return x * factor
        >>> infer_schema(scale, mutates_args=())
        '(Tensor x, float factor=2.0) -> Tensor'
        >>> infer_schema(scale, mutates_args={"x"}, op_name="scale_")
        'scale_(Tensor(a0!) x, float factor=2.0) -> Tensor'
    """
    sig = inspect.signature(prototype_function)
    fn_globals = getattr(prototype_function, "__globals__", {})
    if not isinstance(mutates_args, str):
        mutates_args = tuple(mutates_args)

    def error_fn(what: str) -> NoReturn:
        raise ValueError(f"infer_schema(func): {what} Got func with signature {sig})")

    params, seen, starred = [], set(), False
    for idx, (name, param) in enumerate(sig.parameters.items()):
        if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            error_fn("We do not support positional-only args, varargs, or varkwargs.")
        if param.kind == param.KEYWORD_ONLY and not starred:
            params.append("*")
            starred = True
        if param.annotation is inspect.Parameter.empty:
            error_fn(f"Parameter {name} must have a type annotation.")
        schema_type = _param_type(name, param, _resolve(param.annotation, fn_globals, error_fn))
        schema_type = _mark_mutated(name, idx, schema_type, mutates_args, error_fn)
        seen.add(name)
        if param.default is inspect.Parameter.empty:
            params.append(f"{schema_type} {name}")
        else:
            params.append(f"{schema_type} {name}={_default_repr(name, param.default, error_fn)}")
    if mutates_args != _UNKNOWN_MUTATES and (missing := set(mutates_args) - seen):
        error_fn(
            f"{missing} in mutates_args were not found in the custom op's signature. "
            "mutates_args should contain the names of all args that the custom op mutates, "
            "or just the string 'unknown' if you don't know."
        )
    ret = _parse_return(_resolve(sig.return_annotation, fn_globals, error_fn), error_fn)
    prefix = "" if op_name is None else op_name
    return f"{prefix}({', '.join(params)}) -> {ret}"


def _param_type(name: str, param: inspect.Parameter, annotation: Any) -> str:
    if annotation in SUPPORTED_PARAM_TYPES:
        return SUPPORTED_PARAM_TYPES[annotation]
    valid = f"The valid types are: {SUPPORTED_PARAM_TYPES.keys()}."
    if typing.get_origin(annotation) is tuple:
        items = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        union: Any = typing.Union[tuple(items)] if items else None  # type: ignore[misc]  # noqa: UP007
        as_list: Any = list[union] if items else list
        example = f"For example, {as_list}.\n\n" if as_list in SUPPORTED_PARAM_TYPES else "\n\n"
        raise ValueError(
            f"infer_schema(func): Parameter {name} has unsupported type {param.annotation}. "
            "We do not support Tuple inputs in schema. As a workaround, please try to use "
            f"List instead. {example}{valid}"
        )
    raise ValueError(
        f"infer_schema(func): Parameter {name} has unsupported type {param.annotation}. {valid}"
    )


def _mark_mutated(
    name: str, idx: int, schema_type: str, mutates_args: Any, error_fn: Callable[[str], NoReturn]
) -> str:
    if isinstance(mutates_args, str):
        if mutates_args != _UNKNOWN_MUTATES:
            raise ValueError(
                "mutates_args must either be a sequence of the names of the arguments that are "
                "mutated or the string 'unknown'. "
            )
    elif name not in mutates_args:
        return schema_type
    elif not schema_type.startswith("Tensor"):
        error_fn(
            f"Parameter {name} is in mutable_args but only Tensors or collections of Tensors "
            "can be mutated"
        )
    if not schema_type.startswith("Tensor"):
        return schema_type
    return f"Tensor(a{idx}!){schema_type[len('Tensor') :]}"


def _default_repr(name: str, default: Any, error_fn: Callable[[str], NoReturn]) -> str:
    if default is None or isinstance(default, (int, float, bool)):
        return str(default)
    if isinstance(default, (str, device)):
        return f'"{default}"'
    if isinstance(default, dtype):
        return str(default).rpartition(".")[2]  # "microtensor.float32" -> "float32"
    error_fn(
        f"Parameter {name} has an unsupported default value type {type(default)}. "
        "Please file an issue on GitHub so we can prioritize this."
    )


def _parse_return(annotation: Any, error_fn: Callable[[str], NoReturn]) -> str:
    if annotation is None:
        return "()"
    if annotation is inspect.Parameter.empty:
        error_fn("No return type annotation was provided. Please add one.")
    unsupported = (
        f"Return has unsupported type {annotation}. The valid types are: {SUPPORTED_RETURN_TYPES}."
    )
    if typing.get_origin(annotation) is not tuple:
        if annotation not in SUPPORTED_RETURN_TYPES:
            error_fn(unsupported)
        return SUPPORTED_RETURN_TYPES[annotation]
    items = typing.get_args(annotation)
    if any(item not in SUPPORTED_RETURN_TYPES for item in items):
        error_fn(unsupported)
    joined = ", ".join(SUPPORTED_RETURN_TYPES[item] for item in items)
    return f"(({joined}))" if len(items) == 1 else f"({joined})"


def _resolve(annotation: Any, fn_globals: dict[str, Any], error_fn: Any) -> Any:
    """A string annotation (``from __future__ import annotations``) evaluated, nested too."""
    if isinstance(annotation, str):
        try:
            return eval(annotation, fn_globals)  # noqa: S307 - an annotation, as torch does
        except Exception as e:  # noqa: BLE001 - any failure is reported as torch reports it
            error_fn(
                f"Unsupported type annotation {annotation}. It is not a type. "
                f"({type(e).__name__}: {e})"
            )
    origin = typing.get_origin(annotation)
    if origin is not None and origin is not typing.Union:
        args = typing.get_args(annotation)
        resolved = tuple(_resolve(a, fn_globals, error_fn) for a in args)
        if resolved != args:
            return GenericAlias(origin, resolved)
    return annotation
