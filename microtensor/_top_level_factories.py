"""torch's remaining top-level factories: ``range``, ``frombuffer`` and the window functions.

``range`` is torch's deprecated end-inclusive ``arange``; ``frombuffer`` views any object with
the buffer protocol; ``hann_window`` and its kin are the ``torch.signal.windows`` functions
under their older top-level names, where ``periodic=True`` is ``sym=False``.
"""

from __future__ import annotations

import builtins
import math
import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._factory_args import (
    check_requires_grad,
    dtype_arg,
    int_arg,
    layout_arg,
    number_arg,
    on_cpu,
    type_name,
)
from microtensor._out_argument import write_out
from microtensor.signal import windows
from microtensor.tensor import Tensor

__all__ = [
    "bartlett_window",
    "blackman_window",
    "frombuffer",
    "hamming_window",
    "hann_window",
    "kaiser_window",
    "range",
]

_RANGE_DEPRECATED = (
    "torch.range is deprecated and will be removed in a future release because its behavior is "
    "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values "
    "in [start, end)."
)


def _finish(array: np.ndarray, requires_grad: bool, caller: str) -> Tensor:
    check_requires_grad(requires_grad, array.dtype, caller)
    tensor = Tensor._make(array)
    return tensor.requires_grad_(True) if requires_grad else tensor


def range(  # noqa: A001 - torch.range
    start: Any = 0,
    end: Any = None,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` *inclusive* by ``step``: deprecated, as in torch.

    ``floor((end - start) / step) + 1`` values ``start + i * step`` (computed in float64),
    in the default float dtype whatever the arguments' types unless ``dtype`` is given.
    Warns ``UserWarning`` with torch's deprecation message: use ``arange``.

    Raises:
        TypeError: if an argument is not a number.
        RuntimeError: if ``step`` is zero or its sign does not lead from start to end.

    Example:
        >>> import warnings, microtensor as mt
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     mt.range(1, 4)
        tensor([1., 2., 3., 4.])
    """
    warnings.warn(_RANGE_DEPRECATED, UserWarning, stacklevel=2)
    on_cpu(device, "range")
    layout_arg(layout, "range")
    dtype = dtype_arg(dtype, "range")
    if out is not None and not isinstance(out, Tensor):
        raise TypeError(f"range(): argument 'out' must be Tensor, not {type_name(out)}")
    if out is not None and dtype is None:
        dtype = out.dtype  # torch computes in out's dtype
    if end is None:  # torch.range(end) is not valid; torch.range(start, end) is
        raise TypeError("range() missing 1 required positional argument: 'end'")
    start, end, step = (
        x.item() if isinstance(x, Tensor) else number_arg(x, "range", name, position)
        for x, name, position in ((start, "start", 1), (end, "end", 2), (step, "step", 3))
    )
    if step == 0:
        raise RuntimeError("range(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"range(): upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step})"
        )
    count = math.floor((end - start) / step) + 1
    np_dtype = (dtype or dtypes.get_default_dtype()).numpy
    values = start + np.arange(count, dtype=np.float64) * step
    result = _finish(values.astype(np_dtype), requires_grad, "range")
    return result if out is None else write_out(out, result, "range")


def frombuffer(
    buffer: Any,
    *,
    dtype: Any,
    count: int = -1,
    offset: int = 0,
    requires_grad: bool = False,
) -> Tensor:
    r"""A 1-D tensor over the bytes of ``buffer`` (anything with the buffer protocol).

    Skips ``offset`` bytes, then reads ``count`` elements of ``dtype`` (all the rest when
    ``count`` is negative). The tensor shares the buffer's memory: writing one changes the
    other.

    Differs from PyTorch: a read-only buffer (``bytes``) is copied, with a warning, where torch
    shares it and lets the tensor write to it.

    Raises:
        ValueError: for an object without the buffer protocol, an empty buffer or count, or a
            length that does not fit (torch's).

    Example:
        >>> import microtensor as mt
        >>> data = bytearray(b"\x01\x00\x02\x00")
        >>> t = mt.frombuffer(data, dtype=mt.int16)
        >>> t
        tensor([1, 2], dtype=microtensor.int16)
    """
    checked = dtype_arg(dtype, "frombuffer")
    if checked is None:
        raise TypeError(
            "frombuffer(): argument 'dtype' must be microtensor.dtype, not NoneType: pass the "
            "dtype of the buffer's elements, e.g. dtype=microtensor.float32"
        )
    np_dtype = checked.numpy
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError(
            f"frombuffer(): object does not implement Python buffer protocol (got "
            f"{type(buffer).__name__}): pass a bytearray, bytes, array.array or memoryview"
        ) from None
    length, size = view.nbytes, np_dtype.itemsize
    if length <= 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({length} bytes) minus 1"
        )
    if count < 0:
        if (length - offset) % size:
            raise ValueError(
                f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be "
                f"a multiple of element size ({size})"
            )
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(
            f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) "
            f"must not be greater than actual buffer length ({length} bytes)"
        )
    array = np.frombuffer(view.cast("B"), dtype=np_dtype, count=count, offset=offset)
    if not array.flags.writeable:
        warnings.warn(
            "frombuffer(): the buffer is not writable; microtensor copies it (the tensor does "
            "not share its memory). Pass a bytearray to share memory.",
            UserWarning,
            stacklevel=2,
        )
        array = array.copy()
    return _finish(array, requires_grad, "frombuffer")


def _sym(periodic: builtins.bool) -> builtins.bool:
    return not periodic


def _length(window_length: Any, caller: str) -> int:
    """``window_length`` checked as torch's top-level windows check it (``signal`` differs)."""
    window_length = int_arg(window_length, caller, "window_length", 1)
    if window_length < 0:
        raise RuntimeError(
            f"{caller}(): {caller} requires non-negative window_length, got "
            f"window_length={window_length}"
        )
    return window_length


def hann_window(
    window_length: int,
    periodic: builtins.bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The Hann window: ``torch.signal.windows.hann(window_length, sym=not periodic)``.

    Differs from PyTorch: torch's top-level windows use aten's own formula, which rounds
    differently; values agree within a few units in the last place.

    Example:
        >>> import microtensor as mt
        >>> mt.hann_window(4)
        tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    window_length = _length(window_length, "hann_window")
    return windows.hann(window_length, sym=_sym(periodic), dtype=dtype, layout=layout,
                        device=device, requires_grad=requires_grad)  # fmt: skip


def hamming_window(
    window_length: int,
    periodic: builtins.bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The Hamming window ``alpha - beta cos(2 pi n / N)`` (``N = window_length`` if periodic).

    ``general_hamming`` of ``torch.signal.windows`` when ``alpha + beta == 1`` (the default);
    otherwise ``alpha - beta * cos`` on the same positions.

    Differs from PyTorch: values agree with torch's aten formula within a few ulps.
    """
    window_length = _length(window_length, "hamming_window")
    if alpha + beta == 1 or window_length <= 1:  # a window of one point is [1.], as in torch
        return windows.general_hamming(window_length, alpha=alpha, sym=_sym(periodic),
                                       dtype=dtype, layout=layout, device=device,
                                       requires_grad=requires_grad)  # fmt: skip
    # torch's overload with an independent beta: rescale the general_hamming window
    minus_cos = windows.general_cosine(window_length, a=[0.0, 1.0], sym=_sym(periodic),
                                       dtype=dtype, layout=layout, device=device)  # fmt: skip
    window = minus_cos * beta + alpha  # general_cosine with a = [0, 1] is -cos(2 pi n / N)
    return window.requires_grad_(True) if requires_grad else window


def blackman_window(
    window_length: int,
    periodic: builtins.bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The Blackman window: ``torch.signal.windows.blackman(window_length, sym=not periodic)``.

    Differs from PyTorch: values agree with torch's aten formula within a few ulps.
    """
    window_length = _length(window_length, "blackman_window")
    return windows.blackman(window_length, sym=_sym(periodic), dtype=dtype, layout=layout,
                            device=device, requires_grad=requires_grad)  # fmt: skip


def bartlett_window(
    window_length: int,
    periodic: builtins.bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The triangular Bartlett window: ``torch.signal.windows.bartlett``.

    Differs from PyTorch: values agree with torch's aten formula within a few ulps.
    """
    window_length = _length(window_length, "bartlett_window")
    return windows.bartlett(window_length, sym=_sym(periodic), dtype=dtype, layout=layout,
                            device=device, requires_grad=requires_grad)  # fmt: skip


def kaiser_window(
    window_length: int,
    periodic: builtins.bool = True,
    beta: float = 12.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The Kaiser window: ``torch.signal.windows.kaiser(window_length, beta=beta, ...)``.

    Differs from PyTorch: values agree with torch's aten formula within a few ulps.
    """
    window_length = _length(window_length, "kaiser_window")
    return windows.kaiser(window_length, beta=beta, sym=_sym(periodic), dtype=dtype,
                          layout=layout, device=device, requires_grad=requires_grad)  # fmt: skip
