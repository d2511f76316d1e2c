"""``nn.init``'s deprecated names without the underscore (``uniform``, ``normal`` ...).

Each warns with PyTorch's FutureWarning, then calls the function with the underscore;
``microtensor.nn.init`` re-exports them.
"""

from __future__ import annotations

import warnings
from typing import Any

from microtensor.nn.init import (
    constant_,
    dirac_,
    eye_,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    orthogonal_,
    sparse_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
)
from microtensor.tensor import Tensor

__all__: list[str] = [
    "constant",
    "dirac",
    "eye",
    "kaiming_normal",
    "kaiming_uniform",
    "normal",
    "orthogonal",
    "sparse",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
]


def _warn_deprecated(old_name: str) -> None:
    warnings.warn(
        f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{old_name}_`.",
        FutureWarning,
        stacklevel=3,
    )


def uniform(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``uniform_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("uniform")
    return uniform_(*args, **kwargs)


def normal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``normal_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("normal")
    return normal_(*args, **kwargs)


def constant(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``constant_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("constant")
    return constant_(*args, **kwargs)


def eye(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``eye_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("eye")
    return eye_(*args, **kwargs)


def dirac(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``dirac_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("dirac")
    return dirac_(*args, **kwargs)


def xavier_uniform(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``xavier_uniform_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("xavier_uniform")
    return xavier_uniform_(*args, **kwargs)


def xavier_normal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``xavier_normal_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("xavier_normal")
    return xavier_normal_(*args, **kwargs)


def kaiming_uniform(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``kaiming_uniform_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("kaiming_uniform")
    return kaiming_uniform_(*args, **kwargs)


def kaiming_normal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``kaiming_normal_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("kaiming_normal")
    return kaiming_normal_(*args, **kwargs)


def orthogonal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``orthogonal_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("orthogonal")
    return orthogonal_(*args, **kwargs)


def sparse(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: use ``sparse_`` (this warns with a FutureWarning, then calls it)."""
    _warn_deprecated("sparse")
    return sparse_(*args, **kwargs)
