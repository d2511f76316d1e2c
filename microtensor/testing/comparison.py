"""``assert_close``: compare tensors, arrays, numbers and containers of them, as PyTorch does."""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from microtensor import dtypes
from microtensor._size import Size
from microtensor.tensor import Tensor

__all__ = ["assert_allclose", "assert_close"]

# Default (rtol, atol) per dtype, as torch.testing.assert_close; other dtypes compare exactly.
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}
# assert_allclose's older table
_OLD_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-3),
    np.dtype(np.float32): (1e-4, 1e-5),
    np.dtype(np.float64): (1e-5, 1e-8),
    np.dtype(np.complex64): (1e-4, 1e-5),
    np.dtype(np.complex128): (1e-5, 1e-8),
}


class _Mismatch(Exception):
    """A failed comparison; ``assert_close`` turns it into an ``AssertionError``."""


class _Options(NamedTuple):
    """How ``assert_close`` compares: the keyword arguments it was given."""

    tolerances: tuple[Any, Any]
    equal_nan: bool
    check_dtype: bool
    check_stride: bool
    allow_subclasses: bool


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Tensors and arrays pass when they have the same shape (and dtype, if ``check_dtype``) and
    every element satisfies ``|actual - expected| <= atol + rtol * |expected|`` (equal infinities
    are close; NaNs only with ``equal_nan``). Without ``rtol`` and ``atol`` the tolerances come
    from the dtype: float16 1e-3 / 1e-5, float32 1.3e-6 / 1e-5, float64 1e-7 / 1e-7, integers
    and bools exact (the larger of the two dtypes' values when the dtypes differ). Python
    numbers compare with the tolerance of float64 (float) or exactly (int). Sequences and
    mappings are compared item by item, and the message names the failing item.

    Differs from PyTorch: a Tensor may be compared with a NumPy array (PyTorch requires two
    tensors); a Tensor with a Python number still raises ``TypeError``.

    Args:
        actual: the value under test.
        expected: the reference value.
        allow_subclasses: if False, two tensors must be of the same class (a ``Parameter`` and
            a plain ``Tensor`` then raise ``TypeError``).
        rtol: relative tolerance; give it together with ``atol``.
        atol: absolute tolerance; give it together with ``rtol``.
        equal_nan: treat NaNs in the same position as equal.
        check_device: accepted for PyTorch's signature; every tensor is on the CPU.
        check_dtype: require equal dtypes (or equal Python number types).
        check_layout: accepted for PyTorch's signature; every tensor is strided.
        check_stride: require equal strides (``Tensor.stride()``, in elements).
        msg: a message to use instead of the generated one, or a function of the generated one.

    Raises:
        AssertionError: on any mismatch: values (with the number of mismatched elements and
            the greatest absolute and relative differences with their indices), shape, dtype,
            sequence length or mapping keys.
        ValueError: if only one of ``rtol`` and ``atol`` is given.
        TypeError: for inputs that cannot be compared (such as a Tensor and a string).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.testing import assert_close
        >>> assert_close(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.0 + 1e-7]))
        >>> assert_close(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.5]))
        Traceback (most recent call last):
        ...
        AssertionError: Tensor-likes are not close!
        <BLANKLINE>
        Mismatched elements: 1 / 2 (50.0%)
        Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
        Greatest relative difference: 0.2 at index (1,) (up to 1.3e-06 allowed)
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}."
        )
    options = _Options((rtol, atol), equal_nan, check_dtype, check_stride, allow_subclasses)
    try:
        _compare(actual, expected, options, "")
    except _Mismatch as mismatch:
        message = str(mismatch)
        if msg is not None:
            message = msg(message) if callable(msg) else msg
        raise AssertionError(message) from None


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """Deprecated form of :func:`assert_close`, as ``torch.testing.assert_allclose``.

    Non-tensors are made tensors (``expected`` with ``actual``'s dtype), dtypes are not
    compared, NaNs are equal by default, and the default tolerances are the older table:
    float16 1e-3 / 1e-3, float32 1e-4 / 1e-5, float64 1e-5 / 1e-8. Warns ``FutureWarning``.
    """
    warnings.warn(
        "`microtensor.testing.assert_allclose()` is deprecated (as in PyTorch since 1.12) and "
        "will be removed in a future release. Please use `microtensor.testing.assert_close()` "
        "instead.",
        FutureWarning,
        stacklevel=2,
    )
    from microtensor._data_factories import tensor

    actual = actual if isinstance(actual, Tensor) else tensor(actual)
    expected = expected if isinstance(expected, Tensor) else tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _default_tolerances(actual._data, expected._data, _OLD_TOLERANCES)
    message = msg or None
    assert_close(
        actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=message
    )


def _compare(actual: Any, expected: Any, options: _Options, path: str) -> None:
    """Compare recursively; ``path`` is the item being compared, e.g. ``[1]['weight']``."""
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        _compare_keys(actual, expected, path)
        for key in expected:
            _compare(actual[key], expected[key], options, f"{path}[{key!r}]")
    elif _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _compare(a, e, options, f"{path}[{i}]")
    elif _is_array_like(actual) and _is_array_like(expected):
        if not options.allow_subclasses and type(actual) is not type(expected):
            raise TypeError(
                f"No comparison pair was able to handle inputs of type {type(actual)} and "
                f"{type(expected)}. (allow_subclasses=False: pass allow_subclasses=True to "
                "compare a subclass, such as a Parameter, with a Tensor)"
            )
        if options.check_stride:
            _compare_strides(actual, expected, path)
        _compare_arrays(_as_array(actual), _as_array(expected), options, path)
    elif actual is None or expected is None:
        if actual is not expected:
            _fail(f"None mismatch: {actual} is not {expected}", path)
    elif isinstance(actual, builtins.bool) and isinstance(expected, builtins.bool):
        if actual is not expected:
            _fail(f"Booleans mismatch: {actual} is not {expected}", path)
    elif _is_number(actual) and _is_number(expected):
        if options.check_dtype and type(actual) is not type(expected):
            _fail(f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
        _compare_arrays(
            np.asarray(actual), np.asarray(expected), options._replace(check_dtype=False), path
        )
    else:
        hint = (
            " Compare a Tensor with a Tensor or an array, not with a Python number "
            "(use .item() or microtensor.tensor(...))."
            if _is_array_like(actual) or _is_array_like(expected)
            else ""
        )
        raise TypeError(
            f"No comparison pair was able to handle inputs of type {type(actual)} "
            f"and {type(expected)}.{hint}"
        )


def _compare_keys(actual: Mapping[Any, Any], expected: Mapping[Any, Any], path: str) -> None:
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    if missing or extra:
        lines = ["The keys of the mappings do not match:"]
        if missing:
            lines.append(f"Missing keys in the actual mapping: {sorted(missing, key=repr)}")
        if extra:
            lines.append(f"Additional keys in the actual mapping: {sorted(extra, key=repr)}")
        _fail("\n".join(lines), path)


def _compare_strides(actual: Any, expected: Any, path: str) -> None:
    """Strides in elements, as ``Tensor.stride()`` gives them (an array's are in bytes)."""
    strides = [
        x.stride() if isinstance(x, Tensor) else tuple(s // x.itemsize for s in x.strides)
        for x in (actual, expected)
    ]
    if strides[0] != strides[1]:
        _fail(
            f"The values for attribute 'stride()' do not match: {strides[0]} != {strides[1]}.",
            path,
        )


def _compare_arrays(actual: np.ndarray, expected: np.ndarray, options: _Options, path: str) -> None:
    if actual.shape != expected.shape:
        _fail(
            f"The values for attribute 'shape' do not match: {Size(actual.shape)} != "
            f"{Size(expected.shape)}.",
            path,
        )
    if options.check_dtype and actual.dtype != expected.dtype:
        _fail(
            f"The values for attribute 'dtype' do not match: {_dtype_name(actual.dtype)} != "
            f"{_dtype_name(expected.dtype)}.",
            path,
        )
    tolerances = options.tolerances
    rtol, atol = tolerances if tolerances[0] is not None else _default_tolerances(actual, expected)
    exact = actual.dtype.kind in "biu" and expected.dtype.kind in "biu"
    if exact:
        a, e = actual.astype(np.int64), expected.astype(np.int64)
        matches = a == e
    else:  # complex values are compared as complex numbers: |a - e| <= atol + rtol * |e|
        wide = np.complex128 if "c" in (actual.dtype.kind, expected.dtype.kind) else np.float64
        a, e = actual.astype(wide), expected.astype(wide)
        matches = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=options.equal_nan)
    if np.all(matches):
        return
    equality = rtol == 0 and atol == 0
    if actual.ndim == 0:
        _fail(_scalar_message(a.item(), e.item(), rtol, atol, equality), path)
    _fail(_tensor_message(a, e, matches, rtol, atol, equality), path)


def _scalar_message(a: Any, e: Any, rtol: float, atol: float, equality: bool) -> str:
    difference = abs(a - e)
    relative = float("inf") if e == 0 else difference / abs(e)
    kind = "equal" if equality else "close"
    return (
        f"Scalars are not {kind}!\n\nExpected {e} but got {a}.\n"
        f"Absolute difference: {difference}{_allowed(atol, equality)}\n"
        f"Relative difference: {relative}{_allowed(rtol, equality)}"
    )


def _tensor_message(
    a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float, atol: float, equality: bool
) -> str:
    total, mismatched = matches.size, int(matches.size - np.count_nonzero(matches))
    difference = np.abs(a - e)
    difference[matches] = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = difference / np.abs(e)
    relative[matches] = 0
    abs_at = np.unravel_index(int(np.argmax(difference)), a.shape)  # argmax picks NaN first
    rel_at = np.unravel_index(int(np.argmax(relative)), a.shape)
    kind = "equal" if equality else "close"
    return (
        f"Tensor-likes are not {kind}!\n\n"
        f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})\n"
        f"Greatest absolute difference: {difference[abs_at].item()} at index "
        f"{_index(abs_at)}{_allowed(atol, equality)}\n"
        f"Greatest relative difference: {float(relative[rel_at])} at index "
        f"{_index(rel_at)}{_allowed(rtol, equality)}"
    )


def _default_tolerances(
    actual: np.ndarray, expected: np.ndarray, table: dict[Any, tuple[float, float]] = _TOLERANCES
) -> tuple[float, float]:
    """The larger of the two dtypes' (rtol, atol) in ``table`` (exact for dtypes not in it)."""
    a = table.get(actual.dtype, (0.0, 0.0))
    e = table.get(expected.dtype, (0.0, 0.0))
    return max(a[0], e[0]), max(a[1], e[1])


def _allowed(tolerance: float, equality: bool) -> str:
    return "" if equality else f" (up to {tolerance} allowed)"


def _index(index: tuple[Any, ...]) -> str:
    return repr(tuple(int(i) for i in index))


def _dtype_name(dtype: np.dtype) -> str:
    try:
        return repr(dtypes.from_numpy_dtype(dtype))
    except TypeError:
        return f"numpy.{dtype}"


def _fail(message: str, path: str) -> None:
    if path:
        message += f"\n\nThe failure occurred for item {path}"
    raise _Mismatch(message)


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str | bytes)


def _is_array_like(x: Any) -> bool:
    return isinstance(x, Tensor | np.ndarray | np.generic)


def _is_number(x: Any) -> bool:
    return isinstance(x, builtins.int | builtins.float)


def _as_array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)
