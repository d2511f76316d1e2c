"""``nn.utils.stateless.functional_call``: PyTorch's deprecated path to ``func.functional_call``."""

from __future__ import annotations

import warnings
from typing import Any

from microtensor.func.functional_call import functional_call as _functional_call

__all__ = ["functional_call"]

_DEPRECATION = (
    "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be "
    "removed in a future version of PyTorch. Please use `torch.func.functional_call` instead "
    "which is a drop-in replacement."
)


def functional_call(
    module: Any,
    parameters_and_buffers: dict[str, Any],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Call ``module`` with ``parameters_and_buffers`` in place of its own (deprecated).

    Warns with PyTorch's FutureWarning (its text names ``torch.``, as PyTorch's does), then
    does what ``microtensor.func.functional_call`` does with one dict.

    Args:
        module: the module to call.
        parameters_and_buffers: dotted names (``"0.weight"``) to the tensors to use.
        args: the positional arguments: a tuple, or one argument.
        kwargs: the keyword arguments.
        tie_weights: a value given for one name of tied parameters is used for all of them.
        strict: the names given must be exactly the module's parameters and buffers.

    Returns:
        What ``module(*args, **kwargs)`` returns.

    Raises:
        RuntimeError: for an ``nn.DataParallel`` module, as PyTorch, or (strict) for missing
            or unexpected names.

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> from microtensor.nn.utils import stateless
        >>> layer = mt.nn.Linear(2, 1, bias=False)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     stateless.functional_call(layer, {"weight": mt.ones(1, 2)}, (mt.ones(1, 2),))
        tensor([[2.]])
    """
    warnings.warn(_DEPRECATION, FutureWarning, stacklevel=2)
    from microtensor.nn.data_parallel import DataParallel  # nn imports nn.utils

    if isinstance(module, DataParallel):
        raise RuntimeError("The stateless API can't be used with nn.DataParallel module")
    return _functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
