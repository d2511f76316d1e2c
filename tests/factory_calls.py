"""The oracle of the factory-argument tests: one call run in torch and in microtensor.

A case is one call written once for both libraries (``lib`` is ``torch`` or ``microtensor``).
The two agree when both succeed with the same dtype, shape, values and ``requires_grad``
(random factories after ``manual_seed(0)``; uninitialised ``empty`` forms by dtype and shape
only), or both raise the same exception type and microtensor's message names the function
and, when torch's names one, the argument.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import microtensor as mt

Case = tuple[str, str, Callable[[Any], Any]]  # (id, function named in errors, call)


def float_2x3(lib: Any) -> Any:
    return lib.ones(2, 3)


def int_2x3(lib: Any) -> Any:
    return lib.ones(2, 3, dtype=lib.int64)


UNINITIALISED = ("empty", "empty_like", "empty_strided", "empty_permuted", "new_empty",
                 "new_empty_strided")  # fmt: skip


def outcome(lib: Any, call: Callable[[Any], Any]) -> tuple[str, Any]:
    """``("ok", (dtype, shape, values, requires_grad))`` or ``("raised", exception)``."""
    lib.manual_seed(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # range's deprecation, frombuffer's copy
            result = call(lib)
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return "raised", error
    values = result.detach().numpy()
    return "ok", (str(result.dtype).split(".")[-1], tuple(result.shape), values,
                  result.requires_grad)  # fmt: skip


def mismatch(function: str, call: Callable[[Any], Any]) -> str | None:
    """Why microtensor and torch disagree on ``call`` (None when they agree)."""
    with np.errstate(all="ignore"):
        expected = outcome(torch, call)
        actual = outcome(mt, call)
    if expected[0] != actual[0]:
        detail = actual[1] if actual[0] == "raised" else expected[1]
        return f"torch {expected[0]}, microtensor {actual[0]}: {type(detail).__name__}: {detail}"
    if actual[0] == "raised":
        if type(actual[1]) is not type(expected[1]):
            return (f"torch raised {type(expected[1]).__name__}, microtensor "
                    f"{type(actual[1]).__name__}: {actual[1]}")  # fmt: skip
        if function not in str(actual[1]):
            return f"message does not name {function}(): {actual[1]}"
        named = re.search(r"argument '(\w+)'", str(expected[1]))
        if named and named.group(1) not in str(actual[1]):
            return f"message does not name argument {named.group(1)!r}: {actual[1]}"
        return None
    dtype, shape, values, requires_grad = actual[1]
    want = expected[1]
    if (dtype, shape, requires_grad) != (want[0], want[1], want[3]):
        return f"got {(dtype, shape, requires_grad)}, torch {(want[0], want[1], want[3])}"
    if function not in UNINITIALISED and not np.array_equal(values, want[2], equal_nan=True):
        return f"values {values.tolist()} != torch's {want[2].tolist()}"
    return None
