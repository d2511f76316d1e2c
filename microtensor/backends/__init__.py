"""``microtensor.backends``: PyTorch's backend switches, as honest answers and accepted flags.

``mps.is_available()`` and ``cuda.is_built()`` are False (microtensor computes on the CPU with
NumPy); ``cudnn.enabled``, ``cudnn.benchmark`` and ``cudnn.deterministic`` can be set, as
scripts do, and change nothing.

Example:
    >>> import microtensor as mt
    >>> mt.backends.cudnn.benchmark = True
    >>> mt.backends.mps.is_available(), mt.backends.cuda.is_built()
    (False, False)
"""

from microtensor.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
