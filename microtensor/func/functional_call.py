"""``functional_call`` and ``stack_module_state``: run a module with parameters given as values."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from microtensor.tensor import Tensor

__all__ = ["functional_call", "stack_module_state"]

_MISSING = object()


def _merge_dicts(parameter_and_buffer_dicts: Any) -> dict[str, Any]:
    if isinstance(parameter_and_buffer_dicts, dict):
        return parameter_and_buffer_dicts
    if not isinstance(parameter_and_buffer_dicts, Sequence):
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
        raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
    counts: dict[str, int] = {}
    for d in parameter_and_buffer_dicts:
        for key in d:
            counts[key] = counts.get(key, 0) + 1
    repeated = [key for key, n in counts.items() if n > 1]
    if repeated:
        raise ValueError(
            f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
            "ambiguous"
        )
    return {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}


def _named_tensors(module: Any) -> dict[str, Tensor]:
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    return named


def _untie(module: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` extended to every name of a tied tensor that one of its names was given for."""
    names_of: dict[int, set[str]] = {}
    for name, tensor in _named_tensors(module).items():
        names_of.setdefault(id(tensor), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    untied = dict(values)
    for given in [name for name in values if name in tied]:
        group = tied[given]
        given_in_group = group.intersection(values)
        if len(given_in_group) > 1 and len({id(values[n]) for n in given_in_group}) != 1:
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(group)}, which are tied. "
                "Consider using tie_weights=False"
            )
        for name in group:
            untied[name] = values[given]
    return untied


def _check_keys(module: Any, values: dict[str, Any]) -> None:
    valid = set(_named_tensors(module))
    missing, unexpected = sorted(valid - set(values)), sorted(set(values) - valid)
    errors = []
    if unexpected:
        errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if errors:
        raise RuntimeError(
            f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(errors)
        )


def _swap(module: Any, name: str, value: Any) -> Any:
    """Put ``value`` under the dotted ``name``; returns what was there (or _MISSING)."""
    path, _, leaf = name.rpartition(".")
    owner = module.get_submodule(path) if path else module
    for registry in (owner._parameters, owner._buffers):
        if leaf in registry:
            old = registry[leaf]
            registry[leaf] = value
            return old
    old = owner.__dict__.get(leaf, _MISSING)
    if value is _MISSING:
        owner.__dict__.pop(leaf, None)
    else:
        owner.__dict__[leaf] = value
    return old


@contextmanager
def _reparametrized(module: Any, values: dict[str, Any]) -> Iterator[None]:
    originals: list[tuple[str, Any]] = []
    try:
        for name, value in values.items():
            originals.append((name, _swap(module, name, value)))
        yield
    finally:
        for name, old in reversed(originals):
            _swap(module, name, old)


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Call ``module`` with the given tensors in place of its parameters and buffers.

    The module's own parameters and buffers are put back afterwards, also when the call
    raises. Gradients flow to the given tensors, so ``grad`` of a function that calls
    ``functional_call`` differentiates with respect to the parameters.

    Args:
        module: the ``nn.Module`` to call.
        parameter_and_buffer_dicts: a dict from dotted names (``"0.weight"``) to tensors, or a
            list/tuple of such dicts (with distinct keys). Names not given keep the module's
            values.
        args: the positional arguments: a tuple, or one argument.
        kwargs: the keyword arguments.
        tie_weights: a value given for one name of tied parameters (the same Parameter
            registered twice) is used for all of its names.
        strict: the names given must be exactly the module's parameters and buffers.

    Returns:
        What ``module(*args, **kwargs)`` returns.

    Raises:
        ValueError: for dicts that are not dicts, keys in several dicts, or (tie_weights)
            different values for tied names.
        RuntimeError: (strict) for missing or unexpected names.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import functional_call
        >>> layer = mt.nn.Linear(2, 1)
        >>> params = {"weight": mt.tensor([[1.0, 2.0]]), "bias": mt.tensor([0.5])}
        >>> functional_call(layer, params, (mt.tensor([[1.0, 1.0]]),))
        tensor([[3.5000]])
    """
    values = _merge_dicts(parameter_and_buffer_dicts)
    if tie_weights:
        values = _untie(module, values)
    if strict:
        _check_keys(module, values)
    kwargs = {} if kwargs is None else kwargs
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrized(module, values):
        return module(*args, **kwargs)


def _stacked_leaf(tensors: list[Tensor], name: str) -> Tensor:
    from microtensor.ops import stack

    requires = [t.requires_grad for t in tensors]
    if any(requires) and not all(requires):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = stack([t.detach() for t in tensors])
    return result.requires_grad_() if all(requires) else result


def stack_module_state(models: Any) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Stack the parameters and buffers of same-class models, for ``vmap`` over an ensemble.

    Args:
        models: a list of modules of one class, all in training or all in eval mode.

    Returns:
        ``(params, buffers)``: dicts from names to tensors with a leading dim of
        ``len(models)``; stacked parameters are new leaves that require grad.

    Raises:
        RuntimeError: for no models, mixed modes or classes, or parameters that differ in
            requires_grad.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import stack_module_state
        >>> params, buffers = stack_module_state([mt.nn.Linear(3, 2) for _ in range(4)])
        >>> params["weight"].shape, params["weight"].requires_grad
        (microtensor.Size([4, 2, 3]), True)
    """
    models = list(models)
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) != 1:
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode."
        )
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    all_buffers = [dict(m.named_buffers()) for m in models]
    params = {k: _stacked_leaf([p[k] for p in all_params], k) for k in all_params[0]}
    buffers = {k: _stacked_leaf([b[k] for b in all_buffers], k) for k in all_buffers[0]}
    return params, buffers
