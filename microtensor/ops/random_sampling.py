"""Random sampling from tensors of weights or probabilities: ``multinomial``, ``bernoulli``.

Samples are integer indices, so nothing here is differentiable. The draws come from the given
``Generator`` (or the default one, which ``manual_seed`` resets).
"""

from __future__ import annotations

import numpy as np

from microtensor.random import Generator, rng_of
from microtensor.tensor import Tensor

__all__ = ["bernoulli", "multinomial"]


def _check_weights(input: Tensor, num_samples: int, replacement: bool) -> np.ndarray:  # noqa: A002
    """The weights as a 2-D float64 array, after PyTorch's checks."""
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got shape {tuple(input.shape)}")
    if input._data.dtype.kind != "f":
        name = {"int64": "Long", "int32": "Int", "bool": "Bool"}.get(input._data.dtype.name)
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            f"{name or input._data.dtype.name}: convert the weights with .float()"
        )
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples, got num_samples={num_samples}")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({num_samples} > {categories}): pass replacement=True or fewer samples"
        )
    weights = np.asarray(input._data, dtype=np.float64).reshape(-1, categories)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(weights.sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return weights


def multinomial(
    input: Tensor,  # noqa: A002
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Draw ``num_samples`` category indices per row, with probabilities proportional to input.

    Args:
        input: non-negative weights ``(C,)`` or ``(N, C)`` (need not sum to 1).
        num_samples: how many indices to draw per row.
        replacement: if False, each category is drawn at most once per row (a row with fewer
            positive weights than num_samples then fills up with zero-weight categories, as
            PyTorch does).
        generator: the random source (default: the global generator).

    Returns:
        int64 indices, ``(num_samples,)`` or ``(N, num_samples)``.

    Raises:
        RuntimeError: for a tensor that is not 1-D or 2-D or not floating point, a negative,
            infinite or NaN weight, a row summing to 0, num_samples <= 0, or more samples
            than categories without replacement.

    Differs from PyTorch: the same seed gives other draws (NumPy's generator).

    Example:
        >>> import microtensor as mt
        >>> weights = mt.tensor([0.0, 10.0, 3.0, 0.0])
        >>> sorted(mt.multinomial(weights, 2).tolist())
        [1, 2]
        >>> mt.multinomial(weights, 4, replacement=True).shape
        microtensor.Size([4])
    """
    weights = _check_weights(input, num_samples, replacement)
    rng = rng_of(generator)
    if replacement:  # inverse CDF: zero-weight categories own an empty interval
        cdf = np.cumsum(weights, -1)
        uniform = rng.random((weights.shape[0], num_samples)) * cdf[:, -1:]
        rows = [np.searchsorted(c, u, side="right") for c, u in zip(cdf, uniform, strict=True)]
        # u rounded up to the total would land past the end: give it the last positive weight
        last = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=-1)
        samples = np.minimum(np.stack(rows), last[:, None])
    else:  # the exponential race: the num_samples largest w / E, E ~ Exp(1), without ties
        keys = weights / rng.exponential(size=weights.shape)
        samples = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    out = samples.astype(np.int64)
    return Tensor._make(out if input.ndim == 2 else out[0])


def _probabilities(p: Tensor, op: str) -> np.ndarray:
    if p._data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): expected a floating tensor of probabilities, got {p.dtype}")
    values = np.asarray(p._data, dtype=np.float64)
    if values.size and not (np.all(values >= 0) and np.all(values <= 1)):
        raise RuntimeError(
            f"{op}(): Expected p_in >= 0 && p_in <= 1 to be true (got probabilities from "
            f"{values.min()} to {values.max()})"
        )
    return values


def bernoulli(
    input: Tensor,  # noqa: A002
    p: float | None = None,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Draw 0 or 1 for each element: 1 with probability ``input`` (or ``p`` when given).

    Args:
        input: probabilities in [0, 1] (its shape and dtype are the output's).
        p: one probability for every element instead of ``input``'s values.
        generator: the random source (default: the global generator).

    Returns:
        A tensor of 0s and 1s, shaped and typed like ``input``; never differentiable.

    Raises:
        RuntimeError: for a probability outside [0, 1] or an integer input.

    Differs from PyTorch: the same seed gives other draws (NumPy's generator).

    Example:
        >>> import microtensor as mt
        >>> mt.bernoulli(mt.tensor([0.0, 1.0, 1.0]))
        tensor([0., 1., 1.])
    """
    rng = rng_of(generator)
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli(): p must be in [0, 1], got {p}")
        probs = np.full(input.shape, float(p))
    else:
        probs = _probabilities(input, "bernoulli")
    draws = rng.random(size=probs.shape) < probs
    return Tensor._make(draws.astype(input._data.dtype))


def bernoulli_like(input: Tensor, p: Tensor, *, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """What ``input.bernoulli_(p)`` writes: 0/1 draws, probabilities ``p`` broadcast to input."""
    probs = np.broadcast_to(_probabilities(p, "bernoulli_"), input.shape)
    draws = rng_of(generator).random(size=probs.shape) < probs
    return Tensor._make(draws.astype(input._data.dtype))
