"""Random sampling from tensors of parameters: ``bernoulli``, ``multinomial``, ``poisson``.

Each draws from the given ``Generator`` (or the default one) exactly what PyTorch's CPU
kernel draws, so after the same seed the samples equal torch's (the kernels are in
``microtensor._rng_discrete``). As in PyTorch, ``bernoulli`` with a tensor of
probabilities and ``poisson`` pass a zero gradient to their parameters; ``multinomial`` gives
indices, with no gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import _rng_discrete
from microtensor._allocation import reports_out_of_memory
from microtensor.autograd.function import Op
from microtensor.ops._pointwise import zeros_like
from microtensor.random import Generator, _generator
from microtensor.tensor import Tensor

__all__ = ["bernoulli", "multinomial", "poisson"]

_MAX_CATEGORIES = 2**24  # torch's indices go through float32, exact up to 2**24
_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char"}
_TYPE_NAMES.update({"uint8": "Byte", "bool": "Bool", "float16": "Half"})


class _Sample(Op):
    """z = a random draw with parameters a;  dz/da = 0 (torch's gradient of a sample)."""

    @staticmethod
    def forward(ctx: Any, a: Any, draw: Callable[[np.ndarray], np.ndarray]) -> Any:
        return draw(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return zeros_like(grad_out)


class Bernoulli(_Sample):
    """z = 1 with probability a, else 0;  dz/da = 0."""


class Poisson(_Sample):
    """z = a Poisson count with rate a;  dz/da = 0."""


def _type_name(array: np.ndarray) -> str:
    return _TYPE_NAMES.get(array.dtype.name, array.dtype.name)


def _check_weights(input: Tensor, num_samples: int, replacement: bool) -> np.ndarray:  # noqa: A002
    """The weights as a 2-D array in their dtype, after PyTorch's checks."""
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got shape {tuple(input.shape)}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            f"{_type_name(input._data)}: convert the weights with .float()"
        )
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples, got num_samples={num_samples}")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({num_samples} > {categories}): pass replacement=True or fewer samples"
        )
    if categories > _MAX_CATEGORIES:
        raise RuntimeError(
            f"number of categories cannot exceed 2^24, got {categories}: sample in two steps"
        )
    return input._data.reshape(-1, categories)


def _check_race_weights(weights: np.ndarray) -> None:
    """The checks torch makes before the exponential race."""
    if weights.size and not (np.all(weights < np.inf) and np.all(weights >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(weights.sum(-1) == 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


@reports_out_of_memory
def multinomial(
    input: Tensor,  # noqa: A002
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Draw ``num_samples`` category indices per row, with probabilities proportional to input.

    As PyTorch on the CPU: without replacement (or for a single sample) the indices are the
    ``num_samples`` largest ``w / E`` with ``E`` exponential draws (``exponential_``), largest
    first; with replacement each sample is the first category whose normalised cumulative
    weight reaches a float64 uniform draw.

    Args:
        input: non-negative weights ``(C,)`` or ``(N, C)`` (need not sum to 1).
        num_samples: how many indices to draw per row.
        replacement: if False, each category is drawn at most once per row.
        generator: the random source (default: the global generator).

    Returns:
        int64 indices, ``(num_samples,)`` or ``(N, num_samples)``.

    Raises:
        RuntimeError: for a tensor that is not 1-D or 2-D or not floating point, a negative,
            infinite or NaN weight, a row summing to 0, num_samples <= 0, more samples
            than categories without replacement, or more than 2**24 categories.

    Differs from PyTorch: when a row has fewer positive weights than ``num_samples`` without
    replacement, the zero-weight categories fill up the row in increasing index order
    (torch's order among these ties comes from its partial sort).

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.multinomial(mt.tensor([0.0, 10.0, 3.0, 1.0]), 2)
        tensor([1, 2])
        >>> mt.multinomial(mt.tensor([0.2, 0.8]), 6, replacement=True)
        tensor([1, 1, 0, 1, 1, 1])
    """
    weights = _check_weights(input, num_samples, replacement)
    shape = (num_samples,) if input.ndim == 1 else (weights.shape[0], num_samples)
    if weights.shape[0] == 0:
        return Tensor._make(np.zeros(shape, dtype=np.int64))
    gen = _generator(generator)
    if replacement and num_samples > 1:
        out = _rng_discrete.multinomial_with_replacement(gen, weights, num_samples)
        return Tensor._make(out.reshape(shape))
    _check_race_weights(weights)
    # the exponential race (Gumbel-max): the largest w / E, E ~ Exp(1), in input's dtype
    race = Tensor._make(np.empty_like(input._data)).exponential_(generator=gen)
    keys = (input._data / race._data).reshape(weights.shape)
    return Tensor._make(_largest(keys, num_samples).astype(np.int64).reshape(shape))


def _largest(keys: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` largest keys of each row, largest first (ties: lower index)."""
    if k == 1:
        return np.argmax(keys, axis=-1)[:, None]
    if 8 * k < keys.shape[-1]:  # a partition, then sort only the k chosen
        chosen = np.argpartition(-keys, k - 1, axis=-1)[:, :k]
        values = np.take_along_axis(keys, chosen, -1)
        # exact unless the k-th largest key ties with one left out
        if np.all(np.count_nonzero(keys >= values.min(-1, keepdims=True), axis=-1) == k):
            order = np.lexsort((chosen, -values), axis=-1)
            return np.take_along_axis(chosen, order, -1)
    return np.argsort(-keys, axis=-1, kind="stable")[:, :k]


def _floating_probabilities(p: Tensor, op: str) -> np.ndarray:
    if p._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_type_name(p._data)}': "
            f"{op}() takes floating-point probabilities; convert them with .float()"
        )
    values = p._data
    if values.size and not (np.all(values >= 0) and np.all(values <= 1)):
        raise RuntimeError(
            f"{op}(): Expected p_in >= 0 && p_in <= 1 to be true, but got probabilities from "
            f"{np.nanmin(values)} to {np.nanmax(values)} (or NaN): clamp them to [0, 1]"
        )
    return values


def _check_scalar_p(p: float, op: str) -> float:
    if not 0 <= p <= 1:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={p}")
    return float(p)


@reports_out_of_memory
def bernoulli(
    input: Tensor,  # noqa: A002
    p: float | None = None,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Draw 0 or 1 for each element: 1 with probability ``input`` (or ``p`` when given).

    As PyTorch on the CPU: one uniform draw per element in order, float64 for a scalar ``p``
    or float64 probabilities and float32 otherwise, and 1 where ``u < p``.

    Args:
        input: probabilities in [0, 1] (its shape and dtype are the output's).
        p: one probability for every element instead of ``input``'s values.
        generator: the random source (default: the global generator).

    Returns:
        A tensor of 0s and 1s, shaped and typed like ``input``.

    Raises:
        RuntimeError: for a probability outside [0, 1].
        NotImplementedError: for integer probabilities.

    With a tensor of probabilities the gradient is zero, as in PyTorch.

    A scalar ``p`` runs torch's default kernel, as torch's CPU builds do on every processor
    since 2.7 (its MKL kernel for Intel processors is off, pytorch#132395).

    Differs from PyTorch: with a scalar ``p`` the result never requires grad (torch's does,
    and its backward raises).

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.bernoulli(mt.tensor([0.1, 0.5, 0.9, 0.9]))
        tensor([0., 0., 1., 1.])
        >>> mt.bernoulli(mt.zeros(4), 0.5)
        tensor([1., 0., 0., 0.])
    """
    gen = _generator(generator)
    if p is not None:
        scalar = _check_scalar_p(p, "bernoulli_")
        draws = _rng_discrete.bernoulli_scalar(gen, input._data.shape, scalar)
        return Tensor._make(draws.astype(input._data.dtype))
    _floating_probabilities(input, "bernoulli")

    def draw(probs: np.ndarray) -> np.ndarray:
        return _rng_discrete.bernoulli_tensor(gen, probs).astype(probs.dtype)

    return Bernoulli.apply(input, draw=draw)  # type: ignore[no-any-return]


def bernoulli_like(
    input: Tensor,  # noqa: A002
    p: Any = 0.5,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """What ``input.bernoulli_(p)`` writes: 0/1 draws, ``p`` a number or probabilities.

    The draws fill ``input`` in its memory order, as torch's in-place kernel does.
    """
    gen = _generator(generator)
    axes = _rng_discrete.memory_axes(input._data)
    if isinstance(p, Tensor):
        probs = _floating_probabilities(p, "bernoulli_")
        try:
            probs = np.broadcast_to(probs, input._data.shape)
        except ValueError:
            raise RuntimeError(
                f"bernoulli_(): the probabilities of shape {tuple(p.shape)} must broadcast "
                f"to the tensor's shape {tuple(input.shape)}"
            ) from None
        draws = _rng_discrete.bernoulli_tensor(gen, probs, axes)
    else:
        scalar = _check_scalar_p(p, "bernoulli_")
        draws = _rng_discrete.bernoulli_scalar(gen, input._data.shape, scalar, axes)
    return Tensor._make(draws.astype(input._data.dtype))


@reports_out_of_memory
def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """One Poisson draw per element, with rate ``input``: counts in input's dtype.

    As PyTorch's CPU kernel: elements in order; below rate 10 Knuth's product of uniforms,
    from 10 on Hoermann's transformed rejection; rate 0 gives 0 without a draw.

    Args:
        input: non-negative rates (floating point).
        generator: the random source (default: the global generator).

    Returns:
        The counts, shaped and typed like ``input``.

    Raises:
        RuntimeError: for a negative or NaN rate.
        NotImplementedError: for integer rates.

    The gradient with respect to the rates is zero, as in PyTorch.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.poisson(mt.tensor([0.0, 1.0, 4.0, 25.0]))
        tensor([ 0.,  2.,  5., 22.])
    """
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"poisson_cpu\" not implemented for '{_type_name(input._data)}': poisson() takes "
            "floating-point rates; convert them with .float()"
        )
    gen = _generator(generator)

    def draw(rates: np.ndarray) -> np.ndarray:
        return _rng_discrete.poisson(gen, rates).astype(rates.dtype)

    return Poisson.apply(input, draw=draw)  # type: ignore[no-any-return]
