"""``SubgraphMatcher``: find the places where a pattern graph occurs in a larger graph.

The matcher starts from the pattern's *anchors* (the nodes the pattern's output returns and
nothing else uses) and walks backwards through the arguments of pattern and graph together,
as torch's ``matcher_utils`` does: a value has one producer but may have many users, so
walking from the results towards the inputs follows one deterministic path. A pattern
placeholder matches any node or literal (unless ``match_placeholder``); every other node
must have the same op and target, and its arguments must match in turn.

A match is kept only if it is self-contained (its inner nodes are used only inside it; the
returned nodes and the nodes bound to placeholders may be used anywhere) and fusing it would
not make a cycle. Overlapping matches give way to the first one found.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from microtensor.fx.graph import Graph
from microtensor.fx.node import Node
from microtensor.fx.passes.utils.fuser_utils import validate_partition
from microtensor.tensor import Tensor

__all__ = ["InternalMatch", "SubgraphMatcher"]


@dataclass
class InternalMatch:
    """One occurrence of the pattern in the graph.

    Attributes:
        anchors: the pattern's anchor nodes (nodes of the *pattern*, as in torch).
        nodes_map: pattern node -> the graph node (or literal) it matched.
        placeholder_nodes: what each pattern placeholder matched, in placeholder order.
        returning_nodes: the graph nodes matching what the pattern returns.
        name_node_map: name -> graph node (filled only by torch's named-node matcher).
    """

    anchors: list[Node]
    nodes_map: dict[Node, Node] = field(default_factory=dict)
    placeholder_nodes: list[Node] = field(default_factory=list)
    returning_nodes: list[Node] = field(default_factory=list)
    name_node_map: dict[str, Node] = field(default_factory=dict)

    def __copy__(self) -> InternalMatch:
        return InternalMatch(
            anchors=self.anchors,
            nodes_map=self.nodes_map.copy(),
            placeholder_nodes=self.placeholder_nodes.copy(),
            returning_nodes=self.returning_nodes.copy(),
        )


def _get_attr(module: Any, target: str) -> Any:
    value = module
    for atom in target.split("."):
        value = getattr(value, atom)
    return value


class SubgraphMatcher:
    """Find the occurrences of ``pattern`` in other graphs (``match``).

    Args:
        pattern: the graph to look for; it must have no dead code.
        match_output: also match the pattern's output node (its anchor is then the output).
        match_placeholder: match placeholders as nodes (by default they match anything).
        remove_overlapping_matches: of overlapping matches keep only the first.
        ignore_literals: treat the pattern's literal arguments (numbers, strings) as
            wildcards.

    Raises:
        ValueError: if ``pattern`` has no nodes.
        AssertionError: if a pure node of ``pattern`` other than the output has no users.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> from microtensor.fx.passes.utils.matcher_utils import SubgraphMatcher
        >>> pattern = fx.symbolic_trace(lambda a: mt.relu(a) * 2).graph
        >>> gm = fx.symbolic_trace(lambda x: mt.relu(mt.relu(x) * 2 + 1) * 2)
        >>> matches = SubgraphMatcher(pattern).match(gm.graph)
        >>> [(m.returning_nodes, m.placeholder_nodes) for m in matches]
        [([mul], [x]), ([mul_1], [add])]
    """

    def __init__(
        self,
        pattern: Graph,
        match_output: bool = False,
        match_placeholder: bool = False,
        remove_overlapping_matches: bool = True,
        ignore_literals: bool = False,
    ) -> None:
        """Prepare to match ``pattern`` (see the class docstring)."""
        self.pattern = pattern
        self.match_output = match_output
        self.match_placeholder = match_placeholder
        self.remove_overlapping_matches = remove_overlapping_matches
        self.ignore_literals = ignore_literals
        if len(pattern.nodes) == 0:
            raise ValueError("SubgraphMatcher cannot be initialized with an empty pattern")
        for node in pattern.nodes:
            if node.op != "output" and not node.is_impure() and not node.users:
                raise AssertionError(
                    "SubgraphMatcher cannot be initialized with an pattern with dead code"
                )
        self.pattern_placeholder_nodes = [n for n in pattern.nodes if n.op == "placeholder"]
        output_node = next(iter(reversed(pattern.nodes)))
        self.pattern_returning_nodes: list[Node] = output_node.all_input_nodes
        if match_output:
            self.pattern_anchors = [output_node]
        else:
            # a node whose only user is the output is a sink of the pattern
            self.pattern_anchors = [n for n in output_node.all_input_nodes if len(n.users) == 1]

    # --- comparing one node ----------------------------------------------------------------

    def _match_attributes(self, pn: Node, gn: Node) -> bool:
        """get_attr nodes match when both read tensors (values need not be equal).

        Raises:
            AssertionError: if either graph has no owning module to read the attribute from.
            RuntimeError: for attributes that are not tensors.
        """
        if pn.graph.owning_module is None:
            raise AssertionError("pn.graph.owning_module must not be None")
        if gn.graph.owning_module is None:
            raise AssertionError("gn.graph.owning_module must not be None")
        pn_value = _get_attr(pn.graph.owning_module, pn.target)
        gn_value = _get_attr(gn.graph.owning_module, gn.target)
        if type(pn_value) is not type(gn_value):
            return False
        if isinstance(pn_value, Tensor):
            return True
        raise RuntimeError(f"Unsupported type {pn_value} when matching attributes")

    def _nodes_are_equal(self, pn: Node, gn: Node, node_name_match: str = "") -> bool:
        if not self.match_placeholder and pn.op == "placeholder":
            return True
        if node_name_match and node_name_match in gn.name:
            return True
        if pn.op != gn.op:
            return False
        if pn.op in ("placeholder", "output"):
            return True
        if pn.op == "get_attr":
            return self._match_attributes(pn, gn)
        return bool(pn.target == gn.target)

    def _match_literals(self, pn: Any, gn: Any, match: InternalMatch) -> bool:
        """A literal of the pattern equals the graph's; a placeholder binds a literal."""
        if isinstance(pn, Node):
            if pn.op != "placeholder":
                return False
            if pn in match.nodes_map:
                return bool(match.nodes_map[pn] == gn)
            match.nodes_map[pn] = gn
            return True
        if isinstance(gn, Node):
            return False
        return type(gn) is type(pn) and bool(gn == pn)

    def _match_args(
        self, p_args: Sequence[Any], g_args: Sequence[Any], match: InternalMatch
    ) -> bool:
        if len(p_args) != len(g_args):
            return False
        for pa, ga in zip(p_args, g_args, strict=True):
            if isinstance(pa, Node) and isinstance(ga, Node):
                matched = self._match_nodes(pa, ga, match)
            elif isinstance(pa, (list, tuple)) and isinstance(ga, (list, tuple)):
                matched = self._match_args(pa, ga, match)
            else:
                matched = self._match_literals(pa, ga, match) or self.ignore_literals
            if not matched:
                return False
        return True

    def _match_nodes(
        self, pn: Node, gn: Node, match: InternalMatch, node_name_match: str = ""
    ) -> bool:
        """Match ``pn`` to ``gn`` and, recursively, their arguments (recorded in ``match``)."""
        if pn in match.nodes_map:
            return match.nodes_map[pn] is gn
        if any(gn is matched for matched in match.nodes_map.values()):
            return False
        if not self._nodes_are_equal(pn, gn, node_name_match):
            return False
        match.nodes_map[pn] = gn
        if pn.op == "placeholder":  # a wildcard: matches any value, containers included
            return True
        if len(pn.args) != len(gn.args) or list(pn.kwargs) != list(gn.kwargs):
            return False
        p_args = [*pn.args, *pn.kwargs.values()]
        g_args = [*gn.args, *gn.kwargs.values()]
        # on failure the partial bindings stay: the caller drops this whole attempt
        return self._match_args(p_args, g_args, match)

    # --- whole matches ---------------------------------------------------------------------

    def _is_contained(self, nodes_map: dict[Node, Node]) -> bool:
        """Whether the matched inner nodes are used only by matched nodes."""
        lookup = {gn: pn for pn, gn in nodes_map.items() if pn.op != "placeholder"}
        for gn, pn in lookup.items():
            if pn in self.pattern_returning_nodes:
                continue
            if any(user not in lookup for user in gn.users):
                return False
        return True

    def _remove_overlapping_matches(self, matches: list[InternalMatch]) -> list[InternalMatch]:
        kept: list[InternalMatch] = []
        taken: set[Node] = set()
        for match in matches:
            inner = [
                gn for pn, gn in match.nodes_map.items() if pn.op not in ("placeholder", "output")
            ]
            if not any(gn in taken for gn in inner):
                kept.append(match)
                taken.update(inner)
        return kept

    def match(self, graph: Graph, node_name_match: str = "") -> list[InternalMatch]:
        """The occurrences of the pattern in ``graph``, in the order they were found.

        Candidates for each anchor are tried in graph order; with several anchors every
        combination of candidates that matches consistently is a match (backtracking).

        Args:
            graph: the graph to search.
            node_name_match: a graph node whose name contains this string matches any
                pattern node (empty: no such shortcut).

        Returns:
            The matches that are self-contained, acyclic and (with
            ``remove_overlapping_matches``) do not overlap an earlier one.
        """
        candidates = [
            (anchor, [n for n in graph.nodes if self._nodes_are_equal(anchor, n, node_name_match)])
            for anchor in self.pattern_anchors
        ]
        matches: list[InternalMatch] = []

        def backtrack(anchor_index: int, match: InternalMatch) -> None:
            if anchor_index == len(candidates):
                match.placeholder_nodes = [
                    match.nodes_map[pn] for pn in self.pattern_placeholder_nodes
                ]
                match.returning_nodes = [match.nodes_map[pn] for pn in self.pattern_returning_nodes]
                matches.append(match)
                return
            anchor, nodes = candidates[anchor_index]
            for node in nodes:
                attempt = copy.copy(match)
                if self._match_nodes(anchor, node, attempt, node_name_match):
                    backtrack(anchor_index + 1, attempt)

        # an anchor without candidates rules every match out (torch then fails on a KeyError)
        if candidates and all(nodes for _, nodes in candidates):
            backtrack(0, InternalMatch(anchors=self.pattern_anchors))
        matches = [m for m in matches if self._is_contained(m.nodes_map)]
        matches = [
            m
            for m in matches
            if validate_partition(
                [gn for pn, gn in m.nodes_map.items() if pn.op not in ("placeholder", "output")]
            )
        ]
        if self.remove_overlapping_matches:
            matches = self._remove_overlapping_matches(matches)
        return matches
