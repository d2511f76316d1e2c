"""``group_norm``: each sample's channels split into groups, each group standardised.

One fused op, ``GroupNorm``, whose node is torch's ``NativeGroupNormBackward0``.
"""

from __future__ import annotations

from microtensor.nn._functional._normalize_ops import GroupNorm
from microtensor.tensor import Tensor

__all__ = ["group_norm"]


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) into groups; normalise each group of each sample.

    Args:
        input: shape ``(N, C, *)`` with ``C`` divisible by ``num_groups``.
        num_groups: number of channel groups.
        weight: shape ``(C,)``, optional (per channel).
        bias: shape ``(C,)``, optional (per channel).
        eps: added to the (biased) variance for stability.

    Returns:
        Same shape as ``input``.

    Raises:
        RuntimeError: if ``C`` is not divisible by ``num_groups`` or weight/bias have not ``C``
            elements.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.group_norm(mt.tensor([[1.0, 3.0, 5.0, 5.0]]), 2)
        tensor([[-1.0000,  1.0000,  0.0000,  0.0000]])
    """
    in_shape = tuple(input.shape)
    if len(in_shape) < 2 or num_groups <= 0 or in_shape[1] % num_groups != 0:
        raise RuntimeError(
            "group_norm(): Expected number of channels in input to be divisible by num_groups, "
            f"but got input of shape {list(in_shape)} and num_groups={num_groups}"
        )
    channels = in_shape[1]
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.numel() != channels:
            raise RuntimeError(
                f"group_norm(): expected {name} with {channels} elements (one per channel), "
                f"got shape {tuple(value.shape)}"
            )
    return GroupNorm.apply(input, weight, bias, num_groups, eps)  # type: ignore[no-any-return]
