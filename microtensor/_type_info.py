"""``finfo`` and ``iinfo``: the numeric limits of floating and integer dtypes, as in PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes

__all__ = ["finfo", "iinfo"]


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype (the default dtype when none is given).

    Attributes: ``bits``, ``eps`` (the gap between 1 and the next number), ``max``, ``min``,
    ``tiny`` and ``smallest_normal`` (the smallest positive normal number), ``resolution``
    (10 ** -(decimal digits)), ``dtype`` (its name, e.g. ``'float32'``).

    Raises:
        TypeError: for a dtype that is not floating (use ``iinfo``).

    Example:
        >>> import microtensor as mt
        >>> mt.finfo(mt.float32).eps
        1.1920928955078125e-07
        >>> mt.finfo(mt.float16).max
        65504.0
        >>> mt.finfo(mt.bfloat16).eps
        0.0078125
    """

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's argument name
        d = dtypes.get_default_dtype() if type is None else dtypes.to_dtype(type)
        if d.is_complex:  # the limits of its real and imaginary parts, as torch
            d = d.to_real()
        if not d.is_floating_point:
            raise TypeError(
                "finfo() requires a floating point input type. Use microtensor.iinfo to handle "
                f"'{d}' (got {d})"
            )
        info = _bfloat16_finfo() if d is dtypes.bfloat16 else np.finfo(d.numpy)
        self.bits: int = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype: str = d.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


def _bfloat16_finfo() -> Any:
    import ml_dtypes  # NumPy's finfo does not know ml_dtypes' bfloat16

    return ml_dtypes.finfo(ml_dtypes.bfloat16)


class iinfo:  # noqa: N801 - PyTorch's name
    """Machine limits of an integer dtype: ``bits``, ``max``, ``min``, ``dtype``.

    Raises:
        TypeError: for a floating dtype (use ``finfo``) or bool.

    Example:
        >>> import microtensor as mt
        >>> mt.iinfo(mt.int32).max
        2147483647
        >>> mt.iinfo(mt.uint8)
        iinfo(min=0, max=255, dtype=uint8)
    """

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's argument name
        d = dtypes.to_dtype(type)
        if d.is_floating_point:
            raise TypeError(
                "iinfo() requires an integer input type. Use microtensor.finfo to handle "
                f"'{d}' (got {d})"
            )
        if d is dtypes.bool:
            raise TypeError("microtensor.bool is not supported by microtensor.iinfo")
        info = np.iinfo(d.numpy)
        self.bits: int = info.bits
        self.max: int = int(info.max)
        self.min: int = int(info.min)
        self.dtype: str = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
