"""Weight initialisation, as ``torch.nn.init``.

Every function fills its tensor in place without recording a graph (so it works on parameters
that require grad), returns the tensor, and draws from ``generator`` when given, else from the
default generator that ``microtensor.manual_seed`` seeds.

The draws are torch's: after the same ``manual_seed`` every function fills the tensor with
torch's values (``orthogonal_`` and ``trunc_normal_`` to float rounding, see their notes).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor._random_factories import randperm
from microtensor.autograd.grad_mode import no_grad
from microtensor.random import Generator
from microtensor.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write ``values`` into ``tensor`` in place (no graph; the version counter is bumped)."""
    with no_grad():
        tensor.copy_(Tensor._make(np.asarray(values, dtype=tensor._data.dtype)))
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain (std scale) for a nonlinearity, PyTorch's table.

    linear, conv and sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 +
    slope^2)) with slope ``param`` (default 0.01); selu: 3/4.

    Raises:
        ValueError: for an unknown nonlinearity or a non-number ``param`` for leaky_relu.

    Example:
        >>> from microtensor.nn import init
        >>> init.calculate_gain("tanh"), init.calculate_gain("leaky_relu", 0.2)
        (1.6666666666666667, 1.3867504905630728)
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)``: dim 1 and dim 0 sizes times the receptive field (dims 2 on).

    Raises:
        ValueError: for a tensor with fewer than 2 dims.
    """
    shape = tensor._data.shape
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {shape})"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with values drawn uniformly from ``[a, b)``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> w = init.uniform_(mt.empty(2, 3), -0.1, 0.1)
        >>> bool((w.abs() <= 0.1).all())
        True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)  # type: ignore[no-any-return]


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with values drawn from the normal distribution N(mean, std^2).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.normal_(mt.empty(1000), 5.0, 0.1).mean().round()
        tensor(5.)
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)  # type: ignore[no-any-return]


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """Fill with N(mean, std^2) values truncated to ``[a, b]`` (``a`` and ``b`` are absolute).

    Sampled as PyTorch 2.13, with its draws: when ``[a, b]`` holds more than 30% of the mass,
    normal draws with every value outside ``[a, b]`` redrawn; otherwise uniform proposals on
    ``[a, b]``, each accepted when ``log(u) < log pdf - log peak`` for a fresh uniform ``u``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> w = init.trunc_normal_(mt.empty(1000), std=0.02, a=-0.04, b=0.04)
        >>> bool((w.abs() <= 0.04).all())
        True
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    p = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
    dtype = tensor._data.dtype
    with no_grad():
        if p > 0.3:
            values = _trunc_normal_by_rejection(tensor, mean, std, a, b, generator)
        else:
            values = _trunc_normal_by_uniform_proposals(tensor, mean, std, a, b, generator)
    return _fill(tensor, values.astype(dtype, copy=False))


def _draw(like: Tensor, kind: str, a: float, b: float, generator: Generator | None) -> np.ndarray:
    """A fresh array shaped like ``like`` filled by torch's ``uniform_``/``normal_`` kernel."""
    fresh = Tensor._make(np.empty_like(like._data))
    if kind == "normal":
        return fresh.normal_(a, b, generator=generator)._data
    return fresh.uniform_(a, b, generator=generator)._data


def _trunc_normal_by_rejection(
    tensor: Tensor, mean: float, std: float, a: float, b: float, generator: Generator | None
) -> np.ndarray:
    """Torch's branch for [a, b] holding > 30% of the mass: redraw every value outside it."""
    dtype = tensor._data.dtype
    lo, hi = dtype.type(a), dtype.type(b)  # the bounds as the dtype holds them
    result = _draw(tensor, "normal", mean, std, generator)
    while True:
        outside = (result < lo) | (result > hi)
        if not outside.any():
            return result
        result = np.where(outside, _draw(tensor, "normal", mean, std, generator), result)


def _trunc_normal_by_uniform_proposals(
    tensor: Tensor, mean: float, std: float, a: float, b: float, generator: Generator | None
) -> np.ndarray:
    """Torch's branch for a narrow [a, b]: uniform proposals on it, in the tensor's dtype.

    A proposal is accepted when ``log(u) < log pdf - log peak`` for a fresh uniform ``u``.
    """
    dtype = tensor._data.dtype
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def log_ratio(candidates: np.ndarray) -> np.ndarray:
        z = (candidates - dtype.type(mean)) / dtype.type(std)
        return (z * z) * dtype.type(-0.5) - dtype.type(log_peak)

    def rejected(candidates: np.ndarray) -> np.ndarray:
        log_u = np.log(_draw(tensor, "uniform", 0.0, 1.0, generator).astype(np.float64))
        return log_u.astype(dtype) > log_ratio(candidates)

    result = _draw(tensor, "uniform", a, b, generator)
    pending = rejected(result)
    while pending.any():
        candidates = _draw(tensor, "uniform", a, b, generator)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, rejected(candidates), pending)
    return result


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.constant_(mt.empty(3), 0.5)
        tensor([0.5000, 0.5000, 0.5000])
    """
    with no_grad():
        return tensor.fill_(val)  # type: ignore[no-any-return]


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.ones_(mt.empty(2))
        tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.zeros_(mt.empty(2))
        tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity matrix (ones on the diagonal, also if not square).

    Raises:
        ValueError: if ``tensor`` is not 2-d.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.eye_(mt.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError(
            f"Only tensors with 2 dimensions are supported (eye_ got shape {tuple(tensor.shape)})"
        )
    return _fill(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-d convolution weight with the Dirac delta: the conv is the identity.

    Output channel ``g * (out / groups) + d`` gets a 1 at input channel ``d`` in the middle of
    the kernel, for as many channels as both sides of each group have.

    Raises:
        ValueError: for a tensor with other than 3, 4 or 5 dims, or dim 0 not divisible by
            ``groups``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.dirac_(mt.empty(2, 2, 3))[:, :, 1]
        tensor([[1., 0.],
                [0., 1.]])
    """
    shape = tensor._data.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError(
            f"Only tensors with 3, 4, or 5 dimensions are supported (dirac_ got shape {shape})"
        )
    if shape[0] % groups != 0:
        raise ValueError(f"dim 0 must be divisible by groups (got {shape[0]} and {groups})")
    per_group = shape[0] // groups
    channels = np.arange(min(per_group, shape[1]))
    outputs = (np.arange(groups)[:, None] * per_group + channels).ravel()
    centre = tuple(size // 2 for size in shape[2:])
    values = np.zeros(shape)
    values[(outputs, np.tile(channels, groups)) + centre] = 1.0
    return _fill(tensor, values)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Glorot uniform: U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)).

    Raises:
        ValueError: for a tensor with fewer than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> w = init.xavier_uniform_(mt.empty(100, 50))
        >>> bool((w.abs() <= 0.2).all())
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).

    Raises:
        ValueError: for a tensor with fewer than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.xavier_normal_(mt.empty(100, 100)).std().round(decimals=1)
        tensor(0.1000)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan), gain from ``nonlinearity``.

    Args:
        tensor: at least 2-d.
        a: the negative slope of the leaky_relu that follows (used by ``calculate_gain``).
        mode: ``'fan_in'`` keeps the forward variance, ``'fan_out'`` the backward one.
        nonlinearity: the activation's name, for ``calculate_gain``.
        generator: the random source (default: the global one).

    Raises:
        ValueError: for fewer than 2 dims, an unknown ``mode`` or ``nonlinearity``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> w = init.kaiming_uniform_(mt.empty(10, 6), nonlinearity="relu")
        >>> bool((w.abs() <= 1.0).all())
        True
    """
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He normal: N(0, std^2), std = gain / sqrt(fan); arguments as ``kaiming_uniform_``.

    Raises:
        ValueError: for fewer than 2 dims, an unknown ``mode`` or ``nonlinearity``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> init.kaiming_normal_(mt.empty(200, 200), mode="fan_out").std().round(decimals=1)
        tensor(0.1000)
    """
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain``; dims after the first are flattened.

    Q of the QR decomposition of a normal matrix (torch's draws, in the tensor's dtype), with
    column signs fixed by R's diagonal (so the result is uniformly distributed), as PyTorch.
    Differs from PyTorch: the QR is NumPy's LAPACK, so values match torch's to float rounding,
    not bit for bit.

    Raises:
        ValueError: for a tensor with fewer than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> w = init.orthogonal_(mt.empty(3, 5, dtype=mt.float64))
        >>> bool(mt.allclose(w @ w.T, mt.eye(3, dtype=mt.float64)))
        True
    """
    shape = tensor._data.shape
    if len(shape) < 2:
        raise ValueError(
            f"Only tensors with 2 or more dimensions are supported (orthogonal_ got shape {shape})"
        )
    if tensor._data.size == 0:
        return tensor
    rows = shape[0]
    cols = tensor._data.size // rows
    flattened = np.empty((rows, cols), dtype=tensor._data.dtype)
    flattened = Tensor._make(flattened).normal_(0, 1, generator=generator)._data
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(shape))


def sparse_(
    tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None
) -> Tensor:
    """Fill a 2-d tensor with N(0, std^2) values, then zero ``ceil(sparsity * rows)`` per column.

    As PyTorch, the normal values come from ``generator`` and the zeroed rows from one
    ``randperm(rows)`` per column of the default generator.

    Raises:
        ValueError: if ``tensor`` is not 2-d.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn import init
        >>> w = init.sparse_(mt.empty(10, 4), sparsity=0.3)
        >>> (w == 0).sum(dim=0)
        tensor([3, 3, 3, 3])
    """
    shape = tensor._data.shape
    if len(shape) != 2:
        raise ValueError(
            f"Only tensors with 2 dimensions are supported (sparse_ got shape {shape})"
        )
    rows, cols = shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        tensor.normal_(0, std, generator=generator)
    values = tensor._data.copy()
    # as torch: one randperm of the rows per column, from the default generator
    for col in range(cols):
        values[randperm(rows)._data[:num_zeros], col] = 0
    return _fill(tensor, values)


# the deprecated names without the underscore (last: they call the functions above)
from microtensor.nn._init_deprecated import *  # noqa: E402, F403
from microtensor.nn._init_deprecated import __all__ as _deprecated  # noqa: E402

__all__ += _deprecated
