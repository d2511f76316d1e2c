"""``microtensor.fx.passes.utils``: building blocks of graph passes (``matcher_utils``)."""

from microtensor.fx.passes.utils import fuser_utils, matcher_utils

__all__ = ["fuser_utils", "matcher_utils"]
