"""``microtensor._inductor``: the part of torch._inductor that scripts touch, its ``config``.

Training scripts tune the compiler before ``torch.compile`` (``torch._inductor.config.
coordinate_descent_tuning = True``). microtensor's ``compile`` runs eagerly, so the settings
change nothing; they are accepted, hold what is set and start from torch's defaults.

Example:
    >>> import microtensor as mt
    >>> mt._inductor.config.coordinate_descent_tuning = True
    >>> mt._inductor.config.triton.unique_kernel_names
    True
    >>> mt._inductor.config.coordinate_descent_tuning = False
"""

from __future__ import annotations

from microtensor._inductor import config

__all__ = ["config"]
