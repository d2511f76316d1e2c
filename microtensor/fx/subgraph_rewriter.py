"""``replace_pattern``: find a pattern's occurrences in a graph and replace each one.

The pattern and its replacement are functions (traced with ``symbolic_trace``), ``Graph``s
or ``GraphModule``s with the same number of inputs. Matching is done on use-def structure,
not on names (see ``passes.utils.matcher_utils.SubgraphMatcher``); the pattern's ``return``
matches any values, which may be used further on. Each non-overlapping match is replaced,
in the order the matches were found, and the module is recompiled.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from microtensor.fx.graph import Graph
from microtensor.fx.graph_module import GraphModule
from microtensor.fx.node import Node
from microtensor.fx.passes.utils.matcher_utils import InternalMatch, SubgraphMatcher
from microtensor.nn import Module

__all__ = ["Match", "ReplacedPatterns", "replace_pattern", "replace_pattern_with_filters"]

MatchFilter = Callable[[InternalMatch, Graph, Graph], bool]
ReplacementCallback = Callable[[InternalMatch, Graph, Graph], Graph]


class Match(NamedTuple):
    """Where ``replace_pattern`` matched.

    Attributes:
        anchor: the pattern node the match was found from.
        nodes_map: pattern node -> the graph node it matched.
    """

    anchor: Node
    nodes_map: dict[Node, Node]


@dataclass
class ReplacedPatterns:
    """Where ``replace_pattern_with_filters`` matched, and what it put there.

    Attributes:
        anchor: the pattern node the match was found from.
        nodes_map: pattern node -> the graph node it matched.
        replacements: the nodes inserted into the graph.
    """

    anchor: Node
    nodes_map: dict[Node, Node]
    replacements: list[Node]


def replace_pattern(
    gm: GraphModule,
    pattern: Callable[..., Any] | GraphModule,
    replacement: Callable[..., Any] | GraphModule,
) -> list[Match]:
    """Replace every non-overlapping occurrence of ``pattern`` in ``gm`` by ``replacement``.

    Args:
        gm: the module whose graph is rewritten (in place, then recompiled).
        pattern: the subgraph to find; each of its parameters must be used.
        replacement: the subgraph to put in; it takes the same parameters as ``pattern``
            (used or not) and returns as many values.

    Returns:
        One ``Match`` per replaced occurrence, in the order they were found (empty if none).

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> def f(x, w1, w2):
        ...     return x + mt.cat([w1, w2]).sum() + mt.cat([w1, w2]).sum()
        >>> gm = fx.symbolic_trace(f)
        >>> matches = fx.replace_pattern(
        ...     gm, lambda a, b: mt.cat([a, b]), lambda a, b: mt.stack([a, b])
        ... )
        >>> [list(m.nodes_map.values()) for m in matches]
        [[cat, w1, w2], [cat_1, w1, w2]]
        >>> print(gm.code.strip())
        def forward(self, x, w1, w2):
            stack = microtensor.stack([w1, w2])
            sum_1 = stack.sum();  stack = None
            add = x + sum_1;  x = sum_1 = None
            stack_1 = microtensor.stack([w1, w2]);  w1 = w2 = None
            sum_2 = stack_1.sum();  stack_1 = None
            add_1 = add + sum_2;  add = sum_2 = None
            return add_1
    """
    replaced = replace_pattern_with_filters(gm, pattern, replacement)
    return [Match(anchor=r.anchor, nodes_map=r.nodes_map) for r in replaced]


def replace_pattern_with_filters(
    gm: GraphModule,
    pattern: Callable[..., Any] | Graph | GraphModule,
    replacement: Callable[..., Any] | Graph | GraphModule | None = None,
    match_filters: list[MatchFilter] | None = None,
    ignore_literals: bool = False,
    replacement_callback: ReplacementCallback | None = None,
    node_name_match: str = "",
) -> list[ReplacedPatterns]:
    """``replace_pattern`` with filters on the matches and a replacement chosen per match.

    Args:
        gm: the module whose graph is rewritten.
        pattern: the subgraph to find.
        replacement: the subgraph to put in (may be None with ``replacement_callback``).
        match_filters: functions ``(match, original_graph, pattern_graph) -> bool``; a
            match is replaced only if all return True.
        ignore_literals: let the pattern's literal arguments match any literal.
        replacement_callback: ``(match, original_graph, pattern_graph) -> Graph``, the
            replacement for this match (instead of ``replacement``).
        node_name_match: a graph node whose name contains this string matches any pattern
            node (empty: no such shortcut).

    Returns:
        One ``ReplacedPatterns`` per replaced occurrence.

    Raises:
        AssertionError: if there is neither a replacement nor a callback, or the
            replacement's placeholders or returned values do not pair with the pattern's.

    Example:
        >>> import operator
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> gm = fx.symbolic_trace(lambda x: (x + 1) * (x + 2))
        >>> def only_adding_two(match, original_graph, pattern_graph):
        ...     return 2 in match.returning_nodes[0].args
        >>> replaced = fx.replace_pattern_with_filters(
        ...     gm, lambda a: a + 1, lambda a: a - 1, [only_adding_two], ignore_literals=True
        ... )
        >>> [(r.anchor.name, r.replacements) for r in replaced]
        [('add', [sub])]
        >>> gm(mt.tensor([3.0]))
        tensor([8.])
    """
    original_graph = gm.graph
    pattern_graph = _graph_of(pattern)
    matcher = SubgraphMatcher(
        pattern_graph,
        match_output=False,
        match_placeholder=False,
        remove_overlapping_matches=True,
        ignore_literals=ignore_literals,
    )
    matches = [
        m
        for m in matcher.match(original_graph, node_name_match=node_name_match)
        if all(keep(m, original_graph, pattern_graph) for keep in match_filters or [])
    ]
    return _replace_matches(gm, pattern_graph, matches, replacement, replacement_callback)


def _graph_of(obj: Callable[..., Any] | Graph | GraphModule) -> Graph:
    from microtensor.fx.tracer import symbolic_trace

    if isinstance(obj, GraphModule):
        return obj.graph
    if isinstance(obj, Graph):
        return obj
    return symbolic_trace(obj).graph


def _replace_matches(
    gm: GraphModule,
    pattern_graph: Graph,
    matches: list[InternalMatch],
    replacement: Callable[..., Any] | Graph | GraphModule | None,
    replacement_callback: ReplacementCallback | None,
) -> list[ReplacedPatterns]:
    """Replace each match (``replace_pattern_with_filters``'s second half)."""
    original_graph = gm.graph
    common_replacement = None
    if replacement is not None or replacement_callback is None:
        if replacement is None:
            raise AssertionError(
                "Must provide either a replacement GraphModule or a replacement callback"
            )
        common_replacement = _graph_of(replacement)
    # a node replaced by an earlier match stands for it in later matches
    replaced_by: dict[Node, Node] = {}
    results = []
    for match in matches:
        if replacement_callback is not None:
            replacement_graph = replacement_callback(match, original_graph, pattern_graph)
        else:
            assert common_replacement is not None
            replacement_graph = common_replacement
        replacement_nodes = _splice(original_graph, match, replacement_graph, replaced_by)
        for node in reversed(pattern_graph.nodes):
            if node.op not in ("placeholder", "output"):
                original_graph.erase_node(match.nodes_map[node])
        results.append(ReplacedPatterns(match.anchors[0], match.nodes_map, replacement_nodes))
    gm.recompile()
    if isinstance(replacement, Module):
        _replace_attributes(gm, replacement)
    return results


def _splice(
    graph: Graph, match: InternalMatch, replacement: Graph, replaced_by: dict[Node, Node]
) -> list[Node]:
    """Copy ``replacement`` into ``graph`` for ``match``; reroute the match's users to it.

    Returns:
        The copied nodes.
    """
    placeholders = [n for n in replacement.nodes if n.op == "placeholder"]
    if len(match.placeholder_nodes) != len(placeholders):
        raise AssertionError(
            f"Placeholder count mismatch: {len(match.placeholder_nodes)} vs {len(placeholders)}"
        )
    val_map: dict[Node, Any] = {}
    for placeholder, bound in zip(placeholders, match.placeholder_nodes, strict=True):
        if not isinstance(bound, Node) or bound not in replaced_by:
            val_map[placeholder] = bound
            continue
        new = replaced_by[bound]
        val_map[placeholder] = new
        match.placeholder_nodes[match.placeholder_nodes.index(bound)] = new
        key = next(pn for pn, gn in match.nodes_map.items() if gn is bound)
        match.nodes_map[key] = new
    with graph.inserting_before(_insert_point(graph, match)):
        copied = graph.graph_copy(replacement, val_map)
    copied_returns = (copied,) if isinstance(copied, Node) else copied
    if len(match.returning_nodes) != len(copied_returns):
        raise AssertionError(
            f"Returning nodes count mismatch: {len(match.returning_nodes)} vs {len(copied_returns)}"
        )
    for old, new in zip(match.returning_nodes, copied_returns, strict=True):
        old.replace_all_uses_with(new)
        replaced_by[old] = new
    return [v for v in val_map.values() if v not in match.placeholder_nodes]


def _insert_point(graph: Graph, match: InternalMatch) -> Node:
    """Where the replacement goes: before the first user of the matched results.

    With no users, just after the last matched result (before the node that follows it).
    """
    users = {user for node in match.returning_nodes for user in node.users}
    for node in graph.nodes:
        if node in users:
            return node
    following = None
    for node in reversed(graph.nodes):
        if node in match.returning_nodes:
            break
        following = node
    if following is None:
        raise AssertionError("The insert point can't be None")
    return following


def _try_get_attr(module: Module, target: str) -> Any:
    path, _, name = target.rpartition(".")
    try:
        owner = module.get_submodule(path)
    except AttributeError:
        return None
    return getattr(owner, name, None)


def _replace_attributes(gm: GraphModule, replacement: Module) -> None:
    """Give ``gm`` the submodules and attributes that the copied replacement nodes read.

    Raises:
        RuntimeError: if a target exists neither in ``gm`` nor in ``replacement``.
    """
    gm.delete_all_unused_submodules()
    if isinstance(replacement, GraphModule):
        replacement.graph.lint()
    for node in gm.graph.nodes:
        if node.op not in ("call_module", "get_attr"):
            continue
        if _try_get_attr(gm, node.target) is not None:
            continue  # the module's own attribute wins over the replacement's
        value = _try_get_attr(replacement, node.target)
        if value is None:
            raise RuntimeError(
                f'Attempted to create a "{node.op}" node during subgraph rewriting with target '
                f"{node.target}, but the referenced attribute does not exist in the "
                "replacement GraphModule"
            )
        if isinstance(value, Module):
            gm.add_submodule(node.target, copy.deepcopy(value))
        else:
            setattr(gm, node.target, copy.deepcopy(value))
    gm.graph.lint()
