"""``torch.binomial``: the number of successes of ``count`` trials of probability ``prob``."""

from __future__ import annotations

import numpy as np

from microtensor.random import Generator, _generator
from microtensor.tensor import Tensor

__all__ = ["binomial"]


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Draw ``Binomial(count, prob)`` samples elementwise, in ``count``'s floating dtype.

    ``count`` and ``prob`` broadcast together, and the result does not require grad.

    Differs from PyTorch: the draws come from NumPy's binomial sampler seeded by one draw of
    ``generator`` (the default generator when None), so they follow ``manual_seed`` but are
    not torch's values: torch's C++ sampler has no stream microtensor reproduces.

    Raises:
        TypeError: if ``count`` or ``prob`` is not a tensor.
        RuntimeError: for non-floating or mismatched dtypes, or shapes that do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.binomial(mt.tensor([10.0, 0.0]), mt.tensor([1.0, 0.5]))
        tensor([10.,  0.])
    """
    for name, value in (("count", count), ("prob", prob)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"binomial(): argument '{name}' must be Tensor, not {type(value).__name__}"
            )
    if count._data.dtype.kind != "f" or count._data.dtype != prob._data.dtype:
        raise RuntimeError(
            f"binomial(): expected count and prob of the same floating dtype, got {count.dtype} "
            f"and {prob.dtype}: convert both with .float() (or .double())"
        )
    try:
        shape = np.broadcast_shapes(count._data.shape, prob._data.shape)
    except ValueError:
        raise RuntimeError(
            f"binomial(): count of shape {tuple(count.shape)} and prob of shape "
            f"{tuple(prob.shape)} do not broadcast"
        ) from None
    seed = int(_generator(generator)._random64(1)[0])
    n = np.broadcast_to(count._data, shape).astype(np.int64)
    p = np.clip(np.broadcast_to(prob._data, shape).astype(np.float64), 0.0, 1.0)
    draws = np.random.default_rng(seed).binomial(n, p)
    return Tensor._make(np.asarray(draws, dtype=count._data.dtype))
