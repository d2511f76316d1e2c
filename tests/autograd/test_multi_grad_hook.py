"""autograd.graph.register_multi_grad_hook: modes "all" and "any", against torch."""

import numpy as np
import pytest
import torch

import microtensor as mt


def run_both(scenario, seed=0):
    """Run ``scenario(lib, leaf)`` with torch and with microtensor; return both logs."""
    logs = []
    for lib in (torch, mt):
        rng = np.random.default_rng(seed)

        def leaf(*shape, lib=lib, rng=rng):
            return lib.tensor(rng.standard_normal(shape), requires_grad=True)

        logs.append(scenario(lib, leaf))
    return logs


def as_values(grads):
    """A multi-grad hook's argument as nested lists (None stays None)."""
    return [None if g is None else g.detach().numpy().tolist() for g in grads]


def assert_same_log(torch_log, mt_log):
    assert len(mt_log) == len(torch_log)
    for mine, theirs in zip(mt_log, torch_log, strict=True):
        assert [g is None for g in mine] == [g is None for g in theirs]
        for m, t in zip(mine, theirs, strict=True):
            if t is not None:
                np.testing.assert_allclose(m, t, rtol=1e-12)


def test_all_mode_gets_none_for_grads_not_computed_in_each_backward():
    def scenario(lib, leaf):
        a, b = leaf(2, 3), leaf(2, 3)
        c, d = a * b, a * b
        log = []
        lib.autograd.graph.register_multi_grad_hook((a, b, c, d), lambda g: log.append(g))
        c.sum().backward(retain_graph=True)
        (c * c).sum().backward(inputs=(a,), retain_graph=True)
        (c.exp()).sum().backward(retain_graph=True)
        lib.autograd.grad((c * 3).sum(), (c,), retain_graph=True)
        return [as_values(g) for g in log]

    torch_log, mt_log = run_both(scenario)
    assert [[g is None for g in grads] for grads in mt_log] == [
        [False, False, False, True],
        [False, True, False, True],
        [False, False, False, True],
        [True, True, False, True],
    ]
    assert_same_log(torch_log, mt_log)


def test_all_mode_passes_a_list_with_one_entry_per_tensor():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    mt.autograd.graph.register_multi_grad_hook((a, a * 2), seen.append)  # a * 2 is unused
    (a * 3).sum().backward()
    assert isinstance(seen[0], list) and len(seen[0]) == 2
    assert seen[0][0].tolist() == [3.0, 3.0] and seen[0][1] is None


def test_all_mode_runs_when_its_last_gradient_is_computed_before_leaves_accumulate():
    def scenario(lib, leaf):
        x = leaf(3)
        y = x * 2
        z = (y * y).sum()
        seen = []
        lib.autograd.graph.register_multi_grad_hook(
            (y, z), lambda g: seen.append((x.grad is None, [t is None for t in g]))
        )
        (z * 1).backward()
        return seen

    torch_log, mt_log = run_both(scenario)
    assert mt_log == torch_log == [(True, [False, False])]


def test_a_root_of_the_backward_among_the_tensors_is_waited_for_once():
    # Differs from PyTorch: torch does not count the root's node as one the engine runs, so it
    # calls fn twice, [None, grad_z] at the root and then [grad_y, None].
    x = mt.ones(3, requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    seen = []
    mt.autograd.graph.register_multi_grad_hook((y, z), seen.append)
    z.backward()
    assert len(seen) == 1 and seen[0][0].tolist() == [4.0] * 3 and seen[0][1].item() == 1.0


def test_all_mode_with_outputs_of_one_node_only_some_of_which_get_a_gradient():
    def scenario(lib, leaf):
        x = leaf(6)
        p, q, r = x.split(2)
        log = []
        lib.autograd.graph.register_multi_grad_hook((p, q, r), lambda g: log.append(g))
        (p * r).sum().backward(retain_graph=True)
        (q * 2).sum().backward()
        return [as_values(g) for g in log]

    torch_log, mt_log = run_both(scenario)
    assert [[g is None for g in grads] for grads in mt_log] == [
        [False, True, False],
        [True, False, True],
    ]
    assert_same_log(torch_log, mt_log)


def test_register_hook_sees_none_where_a_node_runs_without_a_gradient_for_that_output():
    def scenario(lib, leaf):
        first, second = leaf(2).unbind(0)
        seen = []
        first.register_hook(lambda g: seen.append(g is None))
        second.register_hook(lambda g: seen.append(g is None))
        (second * 3).backward()
        return seen

    torch_log, mt_log = run_both(scenario)
    assert mt_log == torch_log == [True, False]


def test_all_mode_grad_of_a_leaf_input_and_of_a_leaf_that_is_not_one():
    # Differs from PyTorch: torch raises ("A leaf node was passed to _will_engine_execute_node")
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    log = []
    mt.autograd.graph.register_multi_grad_hook((a, b), log.append)
    (ga,) = mt.autograd.grad((a * b).sum(), (a,))
    assert log[0][0].tolist() == ga.tolist() == [3.0, 4.0] and log[0][1] is None


def test_remove_stops_the_calls_and_the_handle_is_a_context_manager():
    a = mt.tensor([1.0], requires_grad=True)
    log = []
    handle = mt.autograd.graph.register_multi_grad_hook((a,), log.append)
    (a * 2).sum().backward()
    handle.remove()
    handle.remove()  # a second remove does nothing
    (a * 2).sum().backward()
    with mt.autograd.graph.register_multi_grad_hook((a,), log.append, mode="any"):
        (a * 5).sum().backward()
    (a * 2).sum().backward()
    assert [g[0].tolist() if isinstance(g, list) else g.tolist() for g in log] == [[2.0], [5.0]]


def test_any_mode_gets_the_first_gradient_of_every_backward():
    def scenario(lib, leaf):
        x = leaf(3)
        y = x * 2
        w = (y * 3).sum()
        log = []
        lib.autograd.graph.register_multi_grad_hook(
            (x, y, lib.ones(2)), lambda g: log.append(g.detach().numpy().tolist()), mode="any"
        )
        w.backward(retain_graph=True)
        w.backward()
        (x * 5).sum().backward()
        return log

    torch_log, mt_log = run_both(scenario)
    assert mt_log == torch_log and len(mt_log) == 3


def test_a_hook_inside_a_backward_run_by_the_hook_of_another():
    outer = mt.tensor([1.0], requires_grad=True)
    inner = mt.tensor([2.0], requires_grad=True)
    log = []
    mt.autograd.graph.register_multi_grad_hook((inner, inner * 1), lambda g: log.append(g))

    def run_inner(grads):
        (inner * 4).sum().backward()
        log.append("outer")

    mt.autograd.graph.register_multi_grad_hook((outer,), run_inner)
    (outer * 3).sum().backward()
    assert log[0][0].tolist() == [4.0] and log[0][1] is None and log[1] == "outer"


def test_errors_match_torch():
    for lib in (torch, mt):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(ValueError, match="Expects mode to be one of"):
            lib.autograd.graph.register_multi_grad_hook((x,), print, mode="some")
        with pytest.raises(AssertionError, match="Expected gradient function to be set"):
            lib.autograd.graph.register_multi_grad_hook((x, lib.ones(2)), print)


def test_calling_a_hook_outside_backward_asserts():
    x = mt.ones(2, requires_grad=True)
    mt.autograd.graph.register_multi_grad_hook((x,), print)
    with pytest.raises(AssertionError, match="inside a backward call"):
        x._hooks[0][0](mt.ones(2))
