"""``microtensor.fx.passes``: analyses and rewrites of a traced graph.

``shape_prop.ShapeProp`` records tensor metadata; ``utils.matcher_utils.SubgraphMatcher``
finds a pattern graph inside another.
"""

from microtensor.fx.passes import shape_prop, utils

__all__ = ["shape_prop", "utils"]
