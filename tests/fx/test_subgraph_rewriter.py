"""replace_pattern rewrites the same graphs as torch.fx's subgraph_rewriter."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.fx

import microtensor as mt
from microtensor import fx
from microtensor.fx.passes.utils.matcher_utils import SubgraphMatcher
from tests.fx.twins import LIBS

MT, TORCH = LIBS["mt"], LIBS["torch"]


def torch_code(gm):
    return gm.code.replace("torch.", "microtensor.")


def names(matches):
    """(anchor name, {pattern node name: graph node name}) per match."""
    return [
        (m.anchor.name, {p.name: getattr(g, "name", g) for p, g in m.nodes_map.items()})
        for m in matches
    ]


def rewrite_both(program, pattern, replacement, *, rewriter="replace_pattern", **kwargs):
    """Trace program(k) in both libraries and rewrite pattern(k) -> replacement(k) in each."""
    results = []
    for k, trace, lib_fx in ((MT, fx.symbolic_trace, fx), (TORCH, torch.fx.symbolic_trace, None)):
        rewrite = getattr(lib_fx or torch.fx.subgraph_rewriter, rewriter)
        gm = trace(program(k))
        repl = replacement(k) if replacement is not None else None
        results.append((gm, rewrite(gm, pattern(k), repl, **kwargs)))
    (gm, matches), (torch_gm, torch_matches) = results
    assert gm.code == torch_code(torch_gm)
    assert names(matches) == names(torch_matches)
    return gm, matches, torch_gm, torch_matches


def assert_same_outputs(gm, torch_gm, *shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    ours = gm(*[mt.tensor(a) for a in arrays])
    theirs = torch_gm(*[torch.tensor(a) for a in arrays])
    if not isinstance(ours, tuple):
        ours, theirs = (ours,), (theirs,)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_torch_docstring_example_cat_to_stack():
    def program(k):
        class M(k.nn.Module):
            def forward(self, x, w1, w2):
                m1 = k.lib.cat([w1, w2]).sum()
                m2 = k.lib.cat([w1, w2]).sum()
                return x + k.lib.max(m1) + k.lib.max(m2)

        return M()

    gm, matches, torch_gm, _ = rewrite_both(
        program,
        lambda k: lambda w1, w2: k.lib.cat([w1, w2]),
        lambda k: lambda w1, w2: k.lib.stack([w1, w2]),
    )
    assert [type(m).__name__ for m in matches] == ["Match", "Match"]
    assert isinstance(matches[0], tuple) and matches[0].anchor.graph is not gm.graph
    assert "stack" in gm.code and "cat" not in gm.code
    assert_same_outputs(gm, torch_gm, (), (3,), (3,))


def test_chain_matches_are_replaced_in_order_and_rebound():
    # the second relu reads the first: after the first replacement it reads its sigmoid
    gm, matches, torch_gm, _ = rewrite_both(
        lambda k: lambda x: k.lib.relu(k.lib.relu(x) + 1) * 2,
        lambda k: lambda a: k.lib.relu(a),
        lambda k: lambda a: k.lib.sigmoid(a).neg(),
    )
    assert names(matches)[1][1]["a"] == "add"
    assert_same_outputs(gm, torch_gm, (4,))


def test_overlapping_matches_keep_the_first():
    gm, matches, torch_gm, _ = rewrite_both(
        lambda k: lambda x: ((x + 1) + 1) + 1,
        lambda k: lambda a: (a + 1) + 1,
        lambda k: lambda a: a * 3,
    )
    assert len(matches) == 1
    assert_same_outputs(gm, torch_gm, (2,))


def test_inner_node_used_outside_is_not_matched():
    gm, matches, torch_gm, _ = rewrite_both(
        lambda k: lambda x: (e := k.lib.exp(x)).neg() + k.lib.exp(k.lib.tanh(x)).neg() * e,
        lambda k: lambda a: k.lib.exp(a).neg(),
        lambda k: lambda a: k.lib.sigmoid(a),
    )
    assert [m.nodes_map[m.anchor].name for m in matches] == ["neg_1"]  # neg's exp is shared
    assert_same_outputs(gm, torch_gm, (3,))


def test_pattern_with_two_returned_values():
    gm, matches, torch_gm, _ = rewrite_both(
        lambda k: lambda x, y: k.lib.relu(x + y) * k.lib.tanh(x + y) - (x + y),
        lambda k: lambda a, b: (k.lib.relu(a + b), k.lib.tanh(a + b)),
        lambda k: lambda a, b: (k.lib.sigmoid(a), k.lib.sigmoid(b)),
    )
    assert [m.anchor.name for m in matches] == ["relu"]
    assert_same_outputs(gm, torch_gm, (3,), (3,))


def test_returned_value_used_later_and_literals_must_be_equal():
    gm, matches, torch_gm, _ = rewrite_both(
        lambda k: lambda x: (x * 2 + (x * 3)) * (x * 2),
        lambda k: lambda a: a * 2,
        lambda k: lambda a: a + a,
    )
    assert len(matches) == 2  # x * 3 is not x * 2
    assert_same_outputs(gm, torch_gm, (3,))


def test_placeholder_binds_a_literal_and_a_method_call():
    gm, _, torch_gm, _ = rewrite_both(
        lambda k: lambda x: x.sum(1) + x.sum(0).mean(),
        lambda k: lambda a, d: a.sum(d),
        lambda k: lambda a, d: a.mean(d) * a.size(d),
    )
    assert_same_outputs(gm, torch_gm, (2, 3))


def test_pattern_and_replacement_as_graph_module_and_graph():
    def program(k):
        return lambda x: k.lib.relu(x - 1) + k.lib.relu(x)

    def rewrite(k, trace, replace):
        gm = trace(program(k))
        pattern = trace(lambda a: k.lib.relu(a))
        replacement = trace(lambda a: k.lib.tanh(a)).graph
        return gm, replace(gm, pattern, replacement)

    gm, matches = rewrite(MT, fx.symbolic_trace, fx.replace_pattern)
    torch_gm, torch_matches = rewrite(
        TORCH, torch.fx.symbolic_trace, torch.fx.subgraph_rewriter.replace_pattern
    )
    assert gm.code == torch_code(torch_gm)
    assert names(matches) == names(torch_matches)


def test_no_match_leaves_the_code_alone():
    gm, matches, torch_gm, _ = rewrite_both(
        lambda k: lambda x: x + 1,
        lambda k: lambda a: k.lib.relu(a),
        lambda k: lambda a: a,
    )
    assert matches == [] and "add = x + 1" in gm.code


def test_replacement_module_brings_its_submodules():
    def program(k):
        class M(k.nn.Module):
            def forward(self, x):
                return k.lib.relu(x) + 1

        return M()

    def replacement(k):
        class R(k.nn.Module):
            def __init__(self):
                super().__init__()
                self.act = k.nn.Tanh()

            def forward(self, a):
                return self.act(a)

        return R()

    gm, _, torch_gm, _ = rewrite_both(program, lambda k: lambda a: k.lib.relu(a), replacement)
    assert [n for n, _ in gm.named_modules()] == [n for n, _ in torch_gm.named_modules()]
    assert isinstance(gm.act, mt.nn.Tanh)
    assert_same_outputs(gm, torch_gm, (3,))


def test_filters_callback_and_ignore_literals():
    def program(k):
        return lambda x: (x + 1) * (x + 2) * (x + 3)

    def not_three(match, original_graph, pattern_graph):
        return 3 not in match.returning_nodes[0].args

    gm, replaced, torch_gm, _ = rewrite_both(
        program,
        lambda k: lambda a: a + 1,
        lambda k: lambda a: a - 1,
        rewriter="replace_pattern_with_filters",
        match_filters=[not_three],
        ignore_literals=True,
    )
    assert [type(r).__name__ for r in replaced] == ["ReplacedPatterns"] * 2
    assert [[n.name for n in r.replacements] for r in replaced] == [["sub"], ["sub_1"]]
    assert_same_outputs(gm, torch_gm, (2,))

    def by_literal(trace):
        def callback(match, original_graph, pattern_graph):
            literal = match.returning_nodes[0].args[1]
            return trace(lambda a: a * literal).graph

        return callback

    results = []
    for k, trace, lib in ((MT, fx.symbolic_trace, fx), (TORCH, torch.fx.symbolic_trace, None)):
        gm = trace(program(k))
        rewrite = (lib or torch.fx.subgraph_rewriter).replace_pattern_with_filters
        out = rewrite(
            gm, lambda a: a + 1, None, ignore_literals=True, replacement_callback=by_literal(trace)
        )
        results.append((gm, out))
    (gm, ours), (torch_gm, theirs) = results
    assert gm.code == torch_code(torch_gm) and names(ours) == names(theirs)
    assert_same_outputs(gm, torch_gm, (2,))


def test_errors_match_torch():
    for lib, trace in ((fx, fx.symbolic_trace), (torch.fx.subgraph_rewriter, None)):
        trace = trace or torch.fx.symbolic_trace
        gm = trace(lambda x: x + 1)
        with pytest.raises(AssertionError, match="Placeholder count mismatch: 1 vs 2"):
            lib.replace_pattern(gm, lambda a: a + 1, lambda a, b: a)
        with pytest.raises(AssertionError, match="replacement GraphModule or a replacement"):
            lib.replace_pattern_with_filters(gm, lambda a: a + 1)
        with pytest.raises(AssertionError, match="Returning nodes count mismatch: 1 vs 2"):
            lib.replace_pattern(gm, lambda a: a + 1, lambda a: (a, a))


def test_matcher_rejects_empty_and_dead_patterns():
    with pytest.raises(ValueError, match="empty pattern"):
        SubgraphMatcher(fx.Graph())
    g = fx.Graph()
    x = g.placeholder("x")
    g.call_function(mt.relu, (x,))
    g.output(x)
    with pytest.raises(AssertionError, match="dead code"):
        SubgraphMatcher(g)


def test_matcher_match_output_and_placeholders_agree_with_torch():
    def found(k, trace, matcher_cls, **kwargs):
        pattern = trace(lambda a: k.lib.relu(a) * 2).graph
        graph = trace(lambda x: k.lib.relu(k.lib.relu(x) * 2) * 2).graph
        return [
            ([str(n) for n in m.returning_nodes], [str(n) for n in m.placeholder_nodes])
            for m in matcher_cls(pattern, **kwargs).match(graph)
        ]

    from torch.fx.passes.utils.matcher_utils import SubgraphMatcher as TorchMatcher

    for kwargs in (
        {},
        {"match_output": True},
        {"match_placeholder": True},
        {"remove_overlapping_matches": False},
    ):
        ours = found(MT, fx.symbolic_trace, SubgraphMatcher, **kwargs)
        assert ours == found(TORCH, torch.fx.symbolic_trace, TorchMatcher, **kwargs), kwargs


def modules_and_attributes(k):
    class M(k.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = k.nn.Linear(3, 3)
            self.w = k.nn.Parameter(k.lib.ones(3))

        def forward(self, x):
            return self.linear(x).sum(dim=1) + (x * self.w).sum(dim=1)

    class Pattern(k.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = k.nn.Linear(3, 3)

        def forward(self, a):
            return self.linear(a).sum(dim=1)

    class Replacement(k.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = k.nn.Parameter(k.lib.full((3,), 2.0))

        def forward(self, a):
            return (a * self.scale).mean(dim=1)

    class ReadsW(k.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = k.nn.Parameter(k.lib.ones(3))

        def forward(self, a):
            return a * self.w

    return M(), Pattern(), Replacement(), ReadsW()


def test_call_module_and_get_attr_patterns_and_a_replacement_parameter():
    results = []
    for k, lib, rewrite in (
        (MT, fx, fx.replace_pattern),
        (TORCH, torch.fx, torch.fx.subgraph_rewriter.replace_pattern),
    ):
        model, pattern, replacement, reads_w = modules_and_attributes(k)
        gm = lib.symbolic_trace(model)
        first = rewrite(gm, lib.symbolic_trace(pattern), lib.symbolic_trace(replacement))
        # a get_attr of the pattern matches any tensor attribute: w, and the copied scale
        second = rewrite(gm, lib.symbolic_trace(reads_w), lambda a: a - 1)
        results.append((gm, names(first), names(second), sorted(dict(gm.named_parameters()))))
    (gm, *ours), (torch_gm, *theirs) = results
    assert gm.code == torch_code(torch_gm)
    assert ours == theirs
    assert [len(ours[0]), len(ours[1])] == [1, 2] and ours[2] == ["scale", "w"]
