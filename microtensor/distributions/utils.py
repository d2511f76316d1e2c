"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits."""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

import microtensor as mt
from microtensor.tensor import Tensor

__all__ = [
    "broadcast_all",
    "clamp_by_zero",
    "clamp_probs",
    "logits_to_probs",
    "numpy_generator",
    "probs_to_logits",
]


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Tensors of one shape from tensors and numbers, as torch's ``broadcast_all``.

    Numbers take the tensors' dtype, or the default dtype when all are numbers.

    Raises:
        ValueError: for a value that is neither a Tensor nor a number.
    """
    if not all(isinstance(v, Tensor | numbers.Number) for v in values):
        raise ValueError(
            "Input arguments must all be instances of numbers.Number or microtensor.Tensor."
        )
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), mt.get_default_dtype())
    tensors = [v if isinstance(v, Tensor) else mt.tensor(v, dtype=dtype) for v in values]
    return tuple(mt.broadcast_tensors(*tensors))


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped into [eps, 1 - eps] of its dtype."""
    eps = mt.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits of probabilities: ``log p`` (categorical) or ``log p - log(1 - p)`` (binary)."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities of logits: ``sigmoid`` (binary) or ``softmax`` over the last dim."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def clamp_by_zero(x: Tensor) -> Tensor:
    """``max(x, 0)`` whose gradient at 0 is 1/2, as torch's ``_clamp_by_zero``."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


def numpy_generator() -> np.random.Generator:
    """A NumPy generator seeded by one draw from microtensor's default generator.

    For the samplers torch runs in C++ with no reproducible stream (gamma, binomial): their
    draws then follow ``microtensor.manual_seed``, though not torch's values.
    """
    return np.random.default_rng(int(mt.randint(0, 2**62, (1,)).item()))


class BinaryProbsLogits:
    """``probs`` and ``logits`` of a two-outcome parameter given as either one.

    The other is derived on first use and kept (Bernoulli, Binomial, Geometric, NegativeBinomial).
    """

    @functools.cached_property
    def probs(self) -> Tensor:
        """The probability of success (of 1)."""
        return logits_to_probs(self.logits, is_binary=True)

    @functools.cached_property
    def logits(self) -> Tensor:
        """The log-odds of success (of 1)."""
        return probs_to_logits(self.probs, is_binary=True)
