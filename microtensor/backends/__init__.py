"""``microtensor.backends``: PyTorch's backend switches, as honest answers and accepted flags.

``mps.is_available()``, ``cuda.is_built()``, ``mkldnn.is_available()`` and
``openmp.is_available()`` are False (microtensor computes on the CPU with NumPy);
``cudnn.enabled``, ``cudnn.benchmark``, ``mkldnn.enabled`` and the like can be set, as scripts
do, and change nothing.

Example:
    >>> import microtensor as mt
    >>> mt.backends.cudnn.benchmark = True
    >>> mt.backends.mps.is_available(), mt.backends.cuda.is_built()
    (False, False)
"""

from typing import Any

from microtensor.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "openmp"]


def __getattr__(name: str) -> Any:
    # mkldnn and openmp load on first use (import microtensor does not grow)
    if name in ("mkldnn", "openmp"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
