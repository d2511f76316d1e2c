"""``torch.torch_version``: ``TorchVersion``, a version string that compares with tuples.

``microtensor.__version__`` is a ``TorchVersion``, so the checks PyTorch programs make
(``mt.__version__ >= (2, 0)``, ``mt.__version__ > "1.13"``) work on microtensor's version.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TorchVersion"]


def _release(version: Any) -> tuple[int, ...]:
    """The numeric release part of ``version`` (a string, tuple, list or TorchVersion)."""
    if isinstance(version, tuple | list):
        return tuple(int(part) for part in version)
    if not isinstance(version, str):
        raise TypeError(
            f"TorchVersion: cannot compare with {type(version).__name__}: give a string such "
            "as '2.0' or a tuple such as (2, 0)"
        )
    match = re.match(r"\d+(\.\d+)*", version)
    if match is None:
        raise ValueError(f"TorchVersion: {version!r} is not a version such as '2.0.1'")
    return tuple(int(part) for part in match.group(0).split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


class TorchVersion(str):
    """A ``str`` whose comparisons read it as a version: ``'0.10.0' > '0.9'``, ``> (0, 9)``.

    Differs from PyTorch: only the numeric release part (``X.Y.Z``) is compared; torch
    uses ``packaging.version`` (pre-releases, local versions).

    Example:
        >>> from microtensor.torch_version import TorchVersion
        >>> TorchVersion("0.10.0") > (0, 9), TorchVersion("0.10.0") > "0.9"
        (True, True)
    """

    def _cmp(self, other: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return _padded(_release(str(self)), _release(other))

    def __lt__(self, other: Any) -> bool:
        mine, theirs = self._cmp(other)
        return mine < theirs

    def __le__(self, other: Any) -> bool:
        mine, theirs = self._cmp(other)
        return mine <= theirs

    def __gt__(self, other: Any) -> bool:
        mine, theirs = self._cmp(other)
        return mine > theirs

    def __ge__(self, other: Any) -> bool:
        mine, theirs = self._cmp(other)
        return mine >= theirs

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str | tuple | list):
            mine, theirs = self._cmp(other)
            return mine == theirs
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__
