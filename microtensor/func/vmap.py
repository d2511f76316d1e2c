"""``vmap``: map a function over a dimension of its inputs, by looping over the slices."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import random as _random
from microtensor.func._pytree import broadcast_prefix, tree_flatten, tree_unflatten
from microtensor.func._randomness import check_randomness_arg, random_guard
from microtensor.tensor import Tensor

__all__ = ["vmap"]


def _name(func: Any) -> str:
    if hasattr(func, "__name__"):
        return str(func.__name__)
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def vmap(
    func: Callable[..., Any],
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Return ``func`` mapped over a dimension of its inputs, as ``torch.func.vmap``.

    ``vmap(f)(x)`` equals ``stack([f(x[0]), f(x[1]), ...])``; it composes with the other
    transforms (``vmap(grad(f))`` gives per-sample gradients) and with itself. Keyword
    arguments are passed to ``func`` unmapped.

    Differs from PyTorch: speed. microtensor runs ``func`` once per slice and stacks the
    results (no batching rules), so the cost grows with the batch size as a Python loop's; a
    mapped dimension of size 0 is refused, since there is no slice to run ``func`` on. Without
    batched tensors, two signs of misuse are read from the slices' results instead:
    ``randomness="error"`` raises when ``func`` moved the default generator (draws from an
    explicit ``generator=`` are not seen), and an output with ``out_dims=None`` is refused
    when its value differs between slices.

    Args:
        func: a function of Tensors (pytrees of Tensors) returning a pytree of Tensors.
        in_dims: the mapped dimension of each input: an int or None for all, or a tuple (one
            entry per positional argument, nested like the argument: tuples, lists, dicts);
            None leaves an input unmapped.
        out_dims: where the mapped dimension goes in each output: an int, None (an output that
            does not depend on the mapped inputs) or a pytree of them matching the output.
        randomness: ``"error"`` (random draws from the default generator in ``func`` raise),
            ``"different"`` (each slice draws its own numbers) or ``"same"`` (every slice draws
            the same numbers).
        chunk_size: how many slices PyTorch runs at once; accepted (slices run one at a time).

    Returns:
        The mapped function.

    Raises:
        ValueError: for in_dims or out_dims that do not match the inputs or outputs, a mapped
            non-Tensor, an in_dim out of range, mapped sizes that differ, no mapped input,
            outputs that are not Tensors, or a chunk_size below 1.
        RuntimeError: for an unknown randomness, or a random draw with ``randomness="error"``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import vmap
        >>> vmap(mt.dot)(mt.ones(3, 2), mt.arange(6.0).reshape(3, 2))
        tensor([1., 5., 9.])
        >>> vmap(lambda x, y: x * y, in_dims=(0, None))(mt.tensor([1.0, 2.0]), mt.tensor(3.0))
        tensor([3., 6.])
    """
    check_randomness_arg(randomness)
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _check_out_dims(out_dims, func)
        batch_size, flat_in_dims, flat_args, args_spec = _process_inputs(in_dims, args, func)
        if batch_size == 0:
            raise ValueError(
                f"vmap({_name(func)}, ...): microtensor's vmap runs the function once per slice "
                "and cannot map over a dimension of size 0"
            )
        start = _random.get_rng_state() if randomness == "same" else None
        results = []
        for i in range(batch_size):
            sliced = [
                arg if dim is None else arg.select(dim, i)
                for arg, dim in zip(flat_args, flat_in_dims, strict=True)
            ]
            if start is not None:
                _random.set_rng_state(start)
            with random_guard(randomness):
                results.append(func(*tree_unflatten(sliced, args_spec), **kwargs))
        return _stack_outputs(results, out_dims, func)

    return wrapped


def _check_out_dims(out_dims: Any, func: Any) -> None:
    for dim in tree_flatten(out_dims)[0]:
        if dim is not None and not isinstance(dim, int):
            raise ValueError(
                f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, "
                "None or a python collection of ints representing where in the outputs the "
                "vmapped dimension should appear."
            )


def _process_inputs(
    in_dims: Any, args: tuple[Any, ...], func: Any
) -> tuple[int, list[int | None], list[Any], Any]:
    prefix = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(
            f"{prefix}: expected `in_dims` to be int or a (potentially nested) tuple matching "
            f"the structure of inputs, got: {type(in_dims)}."
        )
    if len(args) == 0:
        raise ValueError(
            f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or "
            "you are trying to vmap over a function with no inputs. The latter is unsupported."
        )
    flat_args, args_spec = tree_flatten(args)
    flat_in_dims = broadcast_prefix(in_dims, args_spec)
    if flat_in_dims is None:
        raise ValueError(
            f"{prefix}: in_dims is not compatible with the structure of `inputs`. in_dims has "
            f"structure {tree_flatten(in_dims)[1]} but inputs has structure {args_spec}."
        )
    for i, (arg, dim) in enumerate(zip(flat_args, flat_in_dims, strict=True)):
        flat_in_dims[i] = _check_in_dim(arg, dim, prefix)
    sizes = [arg.shape[d] for arg, d in zip(flat_args, flat_in_dims, strict=True) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(size != sizes[0] for size in sizes):
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {sizes} for the mapped dimension"
        )
    return sizes[0], flat_in_dims, flat_args, args_spec


def _check_in_dim(arg: Any, dim: Any, prefix: str) -> int | None:
    if dim is None:
        return None
    if not isinstance(dim, int):
        raise ValueError(
            f"{prefix}: Got in_dim={dim} for an input but in_dim must be either an integer "
            "dimension or None."
        )
    if not isinstance(arg, Tensor):
        raise ValueError(
            f"{prefix}: Got in_dim={dim} for an input but the input is of type {type(arg)}. We "
            "cannot vmap over non-Tensor arguments, please use None as the respective in_dim"
        )
    ndim = arg.dim()
    if not -ndim <= dim < ndim:
        raise ValueError(
            f"{prefix}: Got in_dim={dim} for some input, but that input is a Tensor of "
            f"dimensionality {ndim} so expected in_dim to satisfy -{ndim} <= in_dim < {ndim}."
        )
    return dim % ndim


def _stack_outputs(results: list[Any], out_dims: Any, func: Any) -> Any:
    from microtensor.ops import stack

    flat_first, spec = tree_flatten(results[0])
    columns = [tree_flatten(r)[0] for r in results]
    if isinstance(results[0], Tensor):
        if isinstance(out_dims, tuple) and len(out_dims) == 1:
            flat_out_dims: list[Any] | None = list(out_dims)
        else:
            flat_out_dims = [out_dims] if out_dims is None or isinstance(out_dims, int) else None
    else:
        flat_out_dims = broadcast_prefix(out_dims, spec)
    if flat_out_dims is None:
        raise ValueError(
            f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
            f"compatible with the structure of `outputs`. out_dims has structure "
            f"{tree_flatten(out_dims)[1]} but outputs has structure {spec}."
        )
    name = _name(func)
    stacked = []
    for j, dim in enumerate(flat_out_dims):
        values = [column[j] for column in columns]
        if dim is None:
            if isinstance(values[0], Tensor) and _varies(values):
                raise ValueError(
                    f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is "
                    "None"
                )
            stacked.append(values[0])
            continue
        if not isinstance(values[0], Tensor):
            raise ValueError(
                f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                f"{type(values[0])}. Did you mean to set out_dims= to None for output?"
            )
        stacked.append(stack(values, dim=dim))
    return tree_unflatten(stacked, spec)


def _varies(values: list[Tensor]) -> bool:
    """Whether the slices' outputs differ (PyTorch's sign of a batched output)."""
    first = values[0].detach().numpy()
    return any(not np.array_equal(first, v.detach().numpy(), equal_nan=True) for v in values[1:])
