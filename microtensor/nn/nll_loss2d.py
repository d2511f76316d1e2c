"""``NLLLoss2d``: PyTorch's deprecated name of ``NLLLoss`` for image-shaped inputs."""

from __future__ import annotations

import warnings

from microtensor.nn.loss import NLLLoss
from microtensor.tensor import Tensor

__all__ = ["NLLLoss2d"]


class NLLLoss2d(NLLLoss):
    """Deprecated: ``NLLLoss``, which takes ``(N, C, H, W)`` inputs too; warns as PyTorch.

    Args:
        weight: a manual weight for each class.
        size_average: deprecated (see ``reduction``).
        ignore_index: a target value that is ignored.
        reduce: deprecated (see ``reduction``).
        reduction: ``"none"``, ``"mean"`` or ``"sum"``.

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     loss = mt.nn.NLLLoss2d()
        >>> log_probs = mt.log(mt.tensor([[[[0.25]], [[0.75]]]]))
        >>> loss(log_probs, mt.tensor([[[1]]]))
        tensor(0.2877)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        warnings.warn(
            "`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in "
            "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for "
            "more details.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(weight, size_average, ignore_index, reduce, reduction)
