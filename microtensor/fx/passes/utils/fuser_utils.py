"""Checks on a set of nodes that a pass wants to fuse into one, as torch's ``fuser_utils``."""

from __future__ import annotations

from microtensor.fx.node import Node

__all__ = ["validate_partition"]


def validate_partition(partition: list[Node]) -> bool:
    """Whether ``partition`` could be fused into one node without making a cycle.

    Fusing is impossible when a value leaves the partition and, through other nodes, comes
    back into it: then the fused node would depend on itself.

    Args:
        partition: nodes of one graph.

    Returns:
        True if no path leads from a user outside the partition back into it.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> from microtensor.fx.passes.utils.fuser_utils import validate_partition
        >>> gm = fx.symbolic_trace(lambda x: mt.relu(mt.exp(x)) * 2)
        >>> exp, relu, mul = list(gm.graph.nodes)[1:4]
        >>> validate_partition([exp, relu]), validate_partition([exp, mul])
        (True, False)
    """
    members = set(partition)
    # the users outside the partition; walking forward from them must never re-enter it
    frontier = [user for node in members for user in node.users if user not in members]
    visited: set[Node] = set()
    while frontier:
        node = frontier.pop()
        visited.add(node)
        if node in members:
            return False
        frontier.extend(user for user in node.users if user not in visited)
    return True
