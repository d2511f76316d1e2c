"""``torch.nn.utils.prune``: zero out parts of a parameter through a mask kept beside it.

Pruning ``module.weight`` moves the parameter to ``weight_orig``, registers a buffer
``weight_mask`` and, before every call, sets the plain attribute ``module.weight`` to
``weight_orig * weight_mask`` (a forward pre-hook), so an optimizer keeps training
``weight_orig`` while the module sees the pruned weight; ``state_dict()`` holds
``weight_orig`` and ``weight_mask``. Pruning the same tensor again prunes only what the mask
still keeps. ``remove`` makes the pruning permanent (``weight`` is a parameter again).

Example:
    >>> import microtensor as mt
    >>> from microtensor.nn.utils import prune
    >>> lin = mt.nn.Linear(3, 2)
    >>> with mt.no_grad():
    ...     _ = lin.weight.copy_(mt.tensor([[0.1, -0.5, 0.3], [0.7, -0.2, 0.4]]))
    >>> _ = prune.l1_unstructured(lin, "weight", amount=2)
    >>> lin.weight_mask
    tensor([[0., 1., 1.],
            [1., 0., 1.]])
    >>> list(lin.state_dict())
    ['bias', 'weight_orig', 'weight_mask']
    >>> _ = prune.remove(lin, "weight")
    >>> list(lin.state_dict())
    ['bias', 'weight']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from microtensor import creation
from microtensor.nn.module import Module
from microtensor.nn.utils._prune_methods import (
    BasePruningMethod,
    CustomFromMask,
    Identity,
    L1Unstructured,
    LnStructured,
    PruningContainer,
    RandomStructured,
    RandomUnstructured,
)
from microtensor.nn.utils.convert_parameters import parameters_to_vector
from microtensor.tensor import Tensor

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]


def identity(module: Module, name: str) -> Module:
    """Install the pruning reparametrization of ``module.<name>`` with a mask of ones.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.

    Returns:
        ``module``, changed in place.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> prune.identity(mt.nn.Linear(2, 3), "bias").bias_mask
        tensor([1., 1., 1.])
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune ``amount`` of the not yet pruned entries of ``module.<name>``, chosen at random.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        amount: the number of entries to prune (int) or their fraction in [0, 1] (float).

    Returns:
        ``module``, changed in place (``<name>_orig``, ``<name>_mask``, a pre-hook).

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int, a float outside [0, 1], or an int
            larger than the parameter's number of entries.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> m = prune.random_unstructured(mt.nn.Linear(2, 3), "weight", amount=1)
        >>> mt.sum(m.weight_mask == 0)
        tensor(1)
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(
    module: Module, name: str, amount: int | float, importance_scores: Tensor | None = None
) -> Module:
    """Prune the ``amount`` not yet pruned entries of ``module.<name>`` of smallest ``|value|``.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        amount: the number of entries to prune (int) or their fraction in [0, 1] (float).
        importance_scores: scores shaped like the parameter ranking its entries; None uses
            the parameter.

    Returns:
        ``module``, changed in place (``<name>_orig``, ``<name>_mask``, a pre-hook).

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int, a float outside [0, 1], or an int
            larger than the parameter's number of entries.
        AssertionError: if ``importance_scores`` is not shaped like the parameter.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> m = prune.l1_unstructured(mt.nn.Linear(2, 3), "weight", amount=0.2)
        >>> list(m.state_dict())
        ['bias', 'weight_orig', 'weight_mask']
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """Prune ``amount`` whole channels of ``module.<name>`` along ``dim``, chosen at random.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        amount: the number of channels to prune (int) or their fraction in [0, 1] (float).
        dim: the dim whose slices are the channels.

    Returns:
        ``module``, changed in place (``<name>_orig``, ``<name>_mask``, a pre-hook).

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int, a float outside [0, 1], or an int
            larger than the number of channels; or if the parameter has fewer than 2 dims.
        IndexError: if ``dim`` is not a dim of the parameter.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> m = prune.random_structured(mt.nn.Linear(5, 3), "weight", amount=3, dim=1)
        >>> int(mt.sum(mt.sum(m.weight, dim=0) == 0))
        3
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(
    module: Module,
    name: str,
    amount: int | float,
    n: int | float | str,
    dim: int,
    importance_scores: Tensor | None = None,
) -> Module:
    """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` of smallest L``n`` norm.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        amount: the number of channels to prune (int) or their fraction in [0, 1] (float).
        n: the norm's order, as ``p`` of ``microtensor.norm`` (int, float, inf, -inf, "fro",
            "nuc").
        dim: the dim whose slices are the channels.
        importance_scores: scores shaped like the parameter whose channel norms rank the
            channels; None uses the parameter.

    Returns:
        ``module``, changed in place (``<name>_orig``, ``<name>_mask``, a pre-hook).

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int, a float outside [0, 1], or an int
            larger than the number of channels; or if the parameter has fewer than 2 dims.
        IndexError: if ``dim`` is not a dim of the parameter.
        AssertionError: if ``importance_scores`` is not shaped like the parameter.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> conv = mt.nn.Conv2d(5, 4, 2)
        >>> m = prune.ln_structured(conv, "weight", amount=0.5, n=2, dim=0)
        >>> int(mt.sum(mt.sum(m.weight_mask, dim=(1, 2, 3)) == 0))
        2
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(
    parameters: Iterable[tuple[Module, str]],
    pruning_method: type[BasePruningMethod],
    importance_scores: dict[tuple[Module, str], Tensor] | None = None,
    **kwargs: Any,
) -> None:
    """Prune the given parameters together: ``pruning_method`` ranks all their entries at once.

    The entries (or their ``importance_scores``) are flattened into one vector, the method
    computes one mask over it, and each parameter gets its slice with ``custom_from_mask``.

    Args:
        parameters: ``(module, name)`` pairs.
        pruning_method: an ``"unstructured"`` pruning method class, e.g. ``L1Unstructured``.
        importance_scores: scores per ``(module, name)``, shaped like the parameter; a pair
            left out uses the parameter itself.
        **kwargs: passed to ``pruning_method`` (``amount``: entries to prune in all).

    Raises:
        TypeError: if ``parameters`` is not iterable, ``importance_scores`` not a dict, or
            the method's ``PRUNING_TYPE`` not ``"unstructured"``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> net = mt.nn.Sequential(mt.nn.Linear(10, 4), mt.nn.Linear(4, 1))
        >>> prune.global_unstructured(
        ...     [(net[0], "weight"), (net[1], "weight")],
        ...     pruning_method=prune.L1Unstructured,
        ...     amount=10,
        ... )
        >>> int(mt.sum(net[0].weight_mask == 0) + mt.sum(net[1].weight_mask == 0))
        10
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    parameters = list(parameters)  # read three times below (torch needs a list or tuple)
    scores = parameters_to_vector(
        [importance_scores.get((m, name), getattr(m, name)) for m, name in parameters]
    )
    default_mask = parameters_to_vector([_mask_of(m, name) for m, name in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
            f"{pruning_method} of type {method.PRUNING_TYPE}"
        )
    container.add_pruning_method(method)
    final_mask = container.compute_mask(scores, default_mask)
    start = 0
    for m, name in parameters:
        param = getattr(m, name)
        custom_from_mask(m, name, mask=final_mask[start : start + param.numel()].view_as(param))
        start += param.numel()


def _mask_of(module: Module, name: str) -> Tensor:
    """The mask of ``module.<name>`` so far: its ``<name>_mask``, or ones if not pruned yet."""
    mask = getattr(module, name + "_mask", None)
    return creation.ones_like(getattr(module, name)) if mask is None else mask


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    """Prune ``module.<name>`` where ``mask`` is zero.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        mask: a mask shaped like the parameter.

    Returns:
        ``module``, changed in place (``<name>_orig``, ``<name>_mask``, a pre-hook).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> m = prune.custom_from_mask(mt.nn.Linear(5, 3), name="bias", mask=mt.tensor([0, 1, 0]))
        >>> m.bias_mask
        tensor([0., 1., 0.])
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent and drop its hook, mask and original.

    ``<name>`` becomes a parameter again, holding ``orig * mask``; the pruned entries stay
    zero (pruning is not undone).

    Args:
        module: the module holding the pruned parameter.
        name: the parameter's name.

    Returns:
        ``module``, changed in place.

    Raises:
        ValueError: if ``module.<name>`` is not pruned.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> m = prune.random_unstructured(mt.nn.Linear(5, 7), name="weight", amount=0.2)
        >>> m = prune.remove(m, name="weight")
        >>> type(m.weight).__name__
        'Parameter'
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(
        f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed"
    )


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or one of its submodules has a pruning pre-hook.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import prune
        >>> m = mt.nn.Linear(5, 7)
        >>> prune.is_pruned(m)
        False
        >>> _ = prune.random_unstructured(m, name="weight", amount=0.2)
        >>> prune.is_pruned(m)
        True
    """
    return any(
        isinstance(hook, BasePruningMethod)
        for _, submodule in module.named_modules()
        for hook in submodule._forward_pre_hooks.values()
    )
