"""Editing a traced graph gives the same graphs, code and errors as torch.fx."""

from __future__ import annotations

import copy
import operator
import re
import warnings

import numpy as np
import pytest
import torch
import torch.fx

import microtensor as mt
from microtensor import fx
from tests.fx.twins import LIBS, copy_weights, residual

MT, TORCH = LIBS["mt"], LIBS["torch"]
BOTH = ((MT, fx), (TORCH, torch.fx))


def as_mt(text):
    return text.replace("torch.", "microtensor.")


def on_both(edit):
    """Run edit(k, fx_module) for microtensor and torch; return both results."""
    return [edit(k, lib) for k, lib in BOTH]


def assert_same_program(gm, torch_gm):
    assert gm.code == as_mt(torch_gm.code)
    assert str(gm.graph) == as_mt(str(torch_gm.graph))


def assert_same_outputs(gm, torch_gm, shape=(2, 3), dtype=np.float64):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    ours, theirs = gm(mt.tensor(x)), torch_gm(torch.tensor(x))
    tight = dtype == np.float64
    np.testing.assert_allclose(
        ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12 if tight else 1e-5, atol=0
    )


def test_inserting_after_before_and_rewiring_uses():
    def edit(k, lib):
        gm = lib.symbolic_trace(lambda x: k.lib.relu(x) + 1)
        g = gm.graph
        x, relu, add, _ = g.nodes
        with g.inserting_after(relu):
            neg = g.call_function(k.lib.neg, (relu,))
        with g.inserting_after(neg):
            exp = g.create_node("call_method", "exp", (neg,), name="exp")
        changed = relu.replace_all_uses_with(exp, delete_user_cb=lambda user: user is not neg)
        with g.inserting_before(add):
            scaled = g.call_function(operator.mul, (exp,), {})
        scaled.args = (exp, 2.0)
        add.replace_input_with(exp, scaled)
        gm.recompile()
        return gm, [n.name for n in changed], [n.name for n in exp.users]

    (gm, changed, users), (torch_gm, torch_changed, torch_users) = on_both(edit)
    assert_same_program(gm, torch_gm)
    assert changed == torch_changed == ["add"] and users == torch_users == ["mul"]
    assert_same_outputs(gm, torch_gm)


def test_inserting_at_the_start_and_the_end():
    def edit(k, lib):
        gm = lib.symbolic_trace(lambda x: x * 2)
        g = gm.graph
        with g.inserting_before():
            y = g.placeholder("y")
        output = next(iter(reversed(g.nodes)))
        with g.inserting_before(output):
            total = g.call_function(operator.add, (output.args[0], y))
        output.args = (total,)
        with g.inserting_after():
            g.call_function(k.lib.relu, (total,))  # after the output: dead, removed below
        first_dce, second_dce = g.eliminate_dead_code(), g.eliminate_dead_code()
        gm.recompile()
        return gm, first_dce, second_dce

    (gm, *ours), (torch_gm, *theirs) = on_both(edit)
    assert ours == theirs == [True, False]
    assert_same_program(gm, torch_gm)
    assert mt.equal(gm(mt.full((2,), 3.0), mt.ones(2)), mt.full((2,), 5.0))  # y comes first


def test_nodes_made_in_one_inserting_after_block_come_out_reversed():
    def edit(k, lib):
        gm = lib.symbolic_trace(lambda x: x + 1)
        g = gm.graph
        x = next(iter(g.nodes))
        with g.inserting_after(x):
            g.call_function(k.lib.relu, (x,))
            g.call_function(k.lib.tanh, (x,))
        return [n.name for n in g.nodes]

    ours, theirs = on_both(edit)
    assert ours == theirs == ["x", "tanh", "relu", "add", "output"]


def test_dead_code_and_impure_nodes():
    def edit(k, lib):
        def f(x):
            unused = x.neg()  # noqa: F841 - dead code on purpose
            return x + 1

        gm = lib.symbolic_trace(f)
        changed = gm.graph.eliminate_dead_code(is_impure_node=lambda n: n.op != "call_method")
        kept = [n.name for n in gm.graph.nodes]
        gm.recompile()
        return changed, kept, gm

    (changed, kept, gm), (torch_changed, torch_kept, torch_gm) = on_both(edit)
    assert changed == torch_changed is True and kept == torch_kept
    assert_same_program(gm, torch_gm)


def relu_plus_one(k):
    return lambda x: k.lib.relu(x) + 1


def test_erase_node_errors_and_warning_match_torch():
    messages = []
    for k, lib in BOTH:
        gm = lib.symbolic_trace(relu_plus_one(k))
        x, relu, add, output = gm.graph.nodes
        with pytest.raises(RuntimeError) as used:
            gm.graph.erase_node(relu)
        with pytest.raises(RuntimeError) as foreign:
            lib.Graph().erase_node(output)
        output.args = (relu,)
        gm.graph.erase_node(add)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gm.graph.erase_node(add)
        messages.append(([str(used.value), str(foreign.value)], [str(w.message) for w in caught]))
        assert len(gm.graph.nodes) == 3 and list(relu.users) == [output]
    assert messages[0] == messages[1]
    assert messages[0][0][0] == (
        "Tried to erase Node relu but it still had 1 users in the graph: {add: None}!"
    )


def test_lint_errors_match_torch():
    def errors(k, lib):
        found = []

        def lint_error(gm):
            with pytest.raises((RuntimeError, ValueError)) as info:
                gm.graph.lint()
            found.append(as_mt(str(info.value)))

        gm = lib.symbolic_trace(lambda x: k.lib.relu(x) + 1)
        x, relu, add, output = gm.graph.nodes
        add.prepend(output)  # the output now reads add before it is defined
        lint_error(gm)
        gm = lib.symbolic_trace(lambda x: k.lib.relu(x) + 1)
        x, relu, add, output = gm.graph.nodes
        add.name = "relu"
        lint_error(gm)
        other = lib.symbolic_trace(lambda x: x).graph
        add.name = "add"
        add.args = (next(iter(other.nodes)), 1)
        lint_error(gm)
        return found

    ours, theirs = on_both(errors)
    assert ours == theirs


def test_lint_checks_module_targets_like_torch():
    def errors(k, lib):
        mt_model, torch_model = residual(MT), residual(TORCH)
        copy_weights(mt_model, torch_model)
        gm = lib.symbolic_trace(mt_model if k is MT else torch_model)
        found = []
        for target in ("layers.3", "linear.nothing", "scale"):
            call = gm.graph.find_nodes(op="call_module")[0]
            saved = call.target
            call.target = target
            with pytest.raises(RuntimeError) as info:
                gm.graph.lint()
            found.append(str(info.value))
            call.target = saved
        get_attr = gm.graph.find_nodes(op="get_attr")[0]
        get_attr.target = "linear.bias.nope"
        with pytest.raises(RuntimeError) as info:
            gm.graph.lint()
        found.append(str(info.value))
        return found

    ours, theirs = on_both(errors)
    assert ours == theirs


def test_graph_copy_node_copy_and_deepcopy():
    def edit(k, lib):
        source = lib.symbolic_trace(lambda x, y: k.lib.relu(x) * y + x).graph
        g = lib.Graph()
        a = g.placeholder("a")
        b = g.call_function(k.lib.relu, (a,))  # takes the name relu first
        val_map = {}
        placeholders = list(source.nodes)[:2]
        val_map[placeholders[0]] = b
        val_map[placeholders[1]] = a
        value, old_output = g.graph_copy(source, val_map, return_output_node=True)
        copied = g.node_copy(old_output.args[0].prev, lambda n: val_map[n])
        g.output((value, copied))
        g.lint()
        deep = copy.deepcopy(g)
        return str(g), str(deep), sorted(n.name for n in val_map.values()), old_output.op

    ours, theirs = on_both(edit)
    assert [as_mt(text) for text in theirs[:2]] == list(ours[:2])
    assert ours[2:] == theirs[2:]


def test_users_args_kwargs_and_insert_arg():
    def edit(k, lib):
        gm = lib.symbolic_trace(lambda x, y: k.lib.cat([x, y], dim=1).sum(1) + x)
        x, y, cat, sum_1, add, _ = gm.graph.nodes
        before = ([n.name for n in x.users], [n.name for n in cat.all_input_nodes])
        cat.args = ([y, x, y],)
        cat.update_kwarg("dim", 0)
        sum_1.update_arg(1, 0)
        add.insert_arg(1, y)
        add.args = add.args[:2]
        after = ([n.name for n in x.users], [n.name for n in y.users], len(y.users))
        gm.recompile()
        return gm, before, after, str(cat.kwargs)

    (gm, *ours), (torch_gm, *theirs) = on_both(edit)
    assert ours == theirs
    assert_same_program(gm, torch_gm)
    with pytest.raises(AssertionError, match="insert_args index must be between 0 and"):
        list(gm.graph.nodes)[2].insert_arg(5, 1)


def test_prepend_append_move_nodes():
    def edit(k, lib):
        gm = lib.symbolic_trace(lambda x: (k.lib.relu(x), k.lib.tanh(x), k.lib.exp(x)))
        x, relu, tanh, exp, output = gm.graph.nodes
        relu.prepend(exp)
        output.prepend(relu)
        tanh.append(tanh)
        tanh.prepend(tanh)  # a node moved next to itself stays where it is
        other = lib.symbolic_trace(lambda z: z).graph
        with pytest.raises(AssertionError, match="Attempting to move a Node into a different"):
            relu.append(next(iter(other.nodes)))
        gm.recompile()
        return gm, [n.name for n in gm.graph.nodes], relu.prev.name, relu.next.name

    (gm, *ours), (torch_gm, *theirs) = on_both(edit)
    assert ours == theirs == [["x", "exp", "tanh", "relu", "output"], "tanh", "output"]
    assert_same_program(gm, torch_gm)


def test_recompile_returns_the_code_and_changes_forward():
    def edit(k, lib):
        gm = lib.symbolic_trace(lambda x: k.lib.relu(x))
        relu = gm.graph.find_nodes(op="call_function", target=k.lib.relu)[0]
        relu.target = k.lib.neg
        stale = gm(k.lib.tensor([-2.0])).item()
        python_code = gm.recompile()
        fresh = gm(k.lib.tensor([-2.0])).item()
        return [python_code.src == gm.code, stale, fresh, as_mt(gm.code)]

    assert on_both(edit)[0] == on_both(edit)[1] == [True, 0.0, 2.0, on_both(edit)[0][3]]


def test_add_and_delete_submodules():
    mt_model = MT.nn.Sequential(MT.nn.Linear(3, 3), MT.nn.ReLU())
    torch_model = TORCH.nn.Sequential(TORCH.nn.Linear(3, 3), TORCH.nn.ReLU())
    copy_weights(mt_model, torch_model)

    def edit(k, lib):
        gm = lib.symbolic_trace(mt_model if k is MT else torch_model)
        results = [
            gm.add_submodule("extra.act", k.nn.Tanh()),
            gm.add_submodule("0.weight.bad", k.nn.Tanh()),  # a step is a Parameter
        ]
        output = next(iter(reversed(gm.graph.nodes)))
        with gm.graph.inserting_before(output):
            act = gm.graph.call_module("extra.act", (output.args[0],))
        output.args = (act,)
        gm.recompile()
        results += [n for n, _ in gm.named_modules()]
        results += [gm.delete_submodule("nothing"), gm.delete_submodule("0.weight")]
        relu = act.args[0]
        act.args = relu.args  # skip the ReLU, then drop it and its module
        gm.graph.erase_node(relu)
        gm.delete_all_unused_submodules()
        gm.recompile()
        results += [n for n, _ in gm.named_modules()]
        return gm, results

    (gm, ours), (torch_gm, theirs) = on_both(edit)
    assert ours == theirs
    assert_same_program(gm, torch_gm)
    assert_same_outputs(gm, torch_gm, (2, 3), np.float32)


def test_print_tabular_rows_are_torchs_node_fields(capsys):
    gm = fx.symbolic_trace(lambda x: mt.relu(x).sum(dim=1) + 1)
    torch_gm = torch.fx.symbolic_trace(lambda x: torch.relu(x).sum(dim=1) + 1)
    gm.graph.print_tabular()
    header, rule, *rows = capsys.readouterr().out.splitlines()
    widths = [len(dashes) for dashes in rule.split("  ")]
    assert header.split() == ["opcode", "name", "target", "args", "kwargs"]
    cells = []
    for row in rows:
        start, row_cells = 0, []
        for width in widths:
            row_cells.append(row[start : start + width].rstrip())
            start += width + 2
        cells.append(row_cells)
    expected = [
        [n.op, n.name, as_mt(str(n.target)), str(n.args), str(n.kwargs)]
        for n in torch_gm.graph.nodes
    ]
    expected[1][2] = "<built-in method relu of type object>"  # torch's repr of its C function
    assert [c for i, c in enumerate(cells) if i != 1] == [
        e for i, e in enumerate(expected) if i != 1
    ]
    assert cells[1][2].startswith("<function relu")
    assert all(re.fullmatch("-+", dashes) for dashes in rule.split("  "))


def kept_call(x):
    return x


def test_has_side_effect_keeps_unused_calls_like_torch():
    fx.has_side_effect(kept_call)
    torch.fx.has_side_effect(kept_call)

    def edit(k, lib):
        g = lib.Graph()
        x = g.placeholder("x")
        g.call_function(kept_call, (x,))
        g.call_function(k.lib.relu, (x,))
        g.output(x)
        return g.eliminate_dead_code(), [n.name for n in g.nodes]

    ours, theirs = on_both(edit)
    assert ours == theirs == (True, ["x", "kept_call", "output"])
    assert sorted(set(torch.fx.__all__) - set(fx.__all__)) == []
