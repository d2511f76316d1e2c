"""What "prints torch's numbers" means for the programs in tests/programs.

A program here is written once as ``def program(torch)`` and returns what it would print: losses,
accuracies, reprs, formatted log lines. It is run with the real torch and with microtensor
passed as ``torch``, and the two records must agree: numbers to float32 rounding, strings
exactly except for the numbers inside them (compared as numbers) and the library's own name
(``microtensor.Size`` prints where torch prints ``torch.Size``).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
import torch

_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


@pytest.fixture
def one_torch_thread():
    """torch's thread pool spins for seconds on tiny ops when the 2 cores are busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _agree(ours: Any, theirs: Any, rtol: float, atol: float) -> bool:
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return ours == theirs
    if isinstance(theirs, float) or isinstance(ours, float):
        return isinstance(ours, (int, float)) and math.isclose(
            ours, theirs, rel_tol=rtol, abs_tol=atol
        )
    if isinstance(theirs, (list, tuple)):
        return (
            isinstance(ours, (list, tuple))
            and len(ours) == len(theirs)
            and all(_agree(o, t, rtol, atol) for o, t in zip(ours, theirs, strict=True))
        )
    if isinstance(theirs, str) and isinstance(ours, str):
        ours = ours.replace("microtensor.", "torch.")
        if _NUMBER.sub("#", ours) != _NUMBER.sub("#", theirs):
            return False
        pairs = zip(_NUMBER.findall(ours), _NUMBER.findall(theirs), strict=True)
        return all(_printed_agree(o, t, rtol) for o, t in pairs)
    return ours == theirs


def _printed_agree(ours: str, theirs: str, rtol: float) -> bool:
    """Printed numbers may differ by one unit in the last printed digit (a rounding edge)."""
    mantissa, _, exponent = theirs.partition("e")
    unit = 10.0 ** -len(mantissa.partition(".")[2]) * 10.0 ** int(exponent or 0)
    return abs(float(ours) - float(theirs)) <= max(rtol * abs(float(theirs)), 1.01 * unit)


def assert_same_record(ours: list, theirs: list, rtol: float = 2e-5, atol: float = 1e-6) -> None:
    """Every entry of microtensor's record agrees with torch's; the first disagreement is shown."""
    assert len(ours) == len(theirs), f"{len(ours)} records != torch's {len(theirs)}"
    for index, (mine, reference) in enumerate(zip(ours, theirs, strict=True)):
        assert _agree(mine, reference, rtol, atol), (
            f"record {index} differs:\n  torch:       {reference!r}\n  microtensor: {mine!r}"
        )
