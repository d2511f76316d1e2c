"""What the optimizers share about complex parameters: PyTorch steps them through real views.

``real_views`` is the view every algorithm updates; ``refuse_complex`` is the check of the
algorithms PyTorch has no complex form of.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from microtensor.tensor import Tensor


def refuse_complex(optimizer: str, params: Iterable[Tensor]) -> None:
    """PyTorch's check of the optimizers that have no complex algorithm (Adafactor, Muon).

    Called on a group's parameters with a gradient before any of them is updated, as PyTorch
    checks them all when it gathers the group.

    Raises:
        RuntimeError: for a complex parameter, with PyTorch's message.
    """
    for p in params:
        if p._data.dtype.kind == "c":
            raise RuntimeError(
                f"{optimizer} does not support complex parameters: optimize the real and "
                "imaginary parts as real tensors instead"
            )


def real_views(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Complex arrays as PyTorch's ``view_as_real`` shows them: (re, im) on a new last axis.

    PyTorch steps a complex parameter through this view of it, of its gradient and of its
    state, so that the real and imaginary parts are updated as independent real numbers (an
    adaptive method scales each by its own running average). The results are views (writing
    them writes the complex arrays) for any strides: the new axis has one element, which the
    view splits in two. The state itself stays complex, as PyTorch keeps it.
    """
    return tuple(array[..., None].view(array.real.dtype) for array in arrays)
