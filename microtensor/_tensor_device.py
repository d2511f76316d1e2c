"""``torch.get_device``: the index of the device a tensor is on."""

from __future__ import annotations

from typing import Any

from microtensor.tensor import Tensor


def get_device(input: Any) -> int:  # noqa: A002 - torch's argument name
    """The tensor's device index: -1, the CPU's (microtensor's only device).

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.get_device(mt.ones(2))
        -1
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"get_device(): argument 'input' (position 1) must be Tensor, not "
            f"{type(input).__name__}"
        )
    return input.get_device()  # type: ignore[no-any-return]
