"""``microtensor.types``: torch.types' aliases for annotations (``Number``, ``Device`` ...).

Programs annotate with these (``def f(x: torch.types.Number)``, ``device: torch.types.Device``);
they are plain ``typing`` aliases over microtensor's classes.

Differs from PyTorch: microtensor has no symbolic shapes, so ``IntLikeType``,
``FloatLikeType`` and ``BoolLikeType`` are just ``int``, ``float`` and ``bool``, and there is no
``SymInt``, ``DispatchKey`` or ``qscheme``.

Example:
    >>> import microtensor as mt
    >>> isinstance(2.5, mt.types._Number), mt.types._int is int
    (True, True)
"""

from __future__ import annotations

import os
from builtins import bool as _bool
from builtins import bytes as _bytes
from builtins import complex as _complex
from builtins import float as _float
from builtins import int as _int
from builtins import str as _str
from collections.abc import Sequence
from typing import IO, TypeAlias

from microtensor._layout import layout as _layout
from microtensor._size import Size
from microtensor.dtypes import dtype as _dtype
from microtensor.storage import TypedStorage, UntypedStorage
from microtensor.tensor import Tensor
from microtensor.tensor import device as _device

__all__ = ["Device", "FileLike", "Number", "Storage"]

_TensorOrTensors: TypeAlias = Tensor | Sequence[Tensor]
_TensorOrOptionalTensors: TypeAlias = Tensor | Sequence[Tensor | None]
_size: TypeAlias = Size | list[int] | tuple[int, ...]
_symsize: TypeAlias = Size | Sequence[int]
IntLikeType: TypeAlias = int
FloatLikeType: TypeAlias = float
BoolLikeType: TypeAlias = bool
Number: TypeAlias = int | float | bool
_Number = (int, float, bool)
FileLike: TypeAlias = str | os.PathLike[str] | IO[bytes]
Device: TypeAlias = _device | str | int | None
Storage: TypeAlias = UntypedStorage | TypedStorage

# torch.types re-exports these builtins and classes under private names for its annotations
_PRIVATE_ALIASES = (_bool, _bytes, _complex, _float, _int, _str, _layout, _dtype)
