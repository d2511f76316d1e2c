"""Graph lifetime in long runs: every step's graph is freed by reference counting alone.

The models are those of ``benchmarks/long_run_memory.py`` (the examples' digits MLP, CNN and
LSTM), trained with the cyclic garbage collector off: a graph that survived its step, or made a
reference cycle, shows up as a live weak reference, as objects that ``gc.collect()`` finds, or
as traced memory that grows from one stretch of steps to the next. None of these checks depend
on timing or on the machine's memory noise.
"""

import contextlib
import gc
import importlib.util
import math
import os
import re
import subprocess
import sys
import tracemalloc
import weakref
from pathlib import Path

import pytest

import microtensor as mt
from microtensor import nn
from microtensor.autograd.function import AccumulateGrad

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "long_run_memory.py"
# A leaked graph of any of these models holds at least 10 KiB (its saved activations and
# nodes), so the bound is far below what even a few dozen leaked steps would add; it leaves
# room for CPython's bounded caches (the type attribute cache keeps up to 4096 names alive).
TRACED_GROWTH_BOUND = 256 * 1024


def _load_script():
    spec = importlib.util.spec_from_file_location("long_run_memory", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def long_run():
    return _load_script()


@contextlib.contextmanager
def collector_off():
    """Cyclic GC off in the block; on exit, fail if it would have collected anything."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
        found = gc.collect()
        kinds = sorted({type(obj).__name__ for obj in gc.garbage})
        assert found == 0 and not gc.garbage, f"reference cycles: {found} objects of {kinds}"
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()


def graph_refs(root):
    """Weak references to ``root`` and to every node of its graph except AccumulateGrad."""
    refs, seen, stack = [weakref.ref(root)], set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or isinstance(node, AccumulateGrad):
            continue
        seen.add(id(node))
        refs.append(weakref.ref(node))
        stack.extend(next_node for next_node, _ in node.next_functions)
    return refs


def alive(refs):
    return [ref() for ref in refs if ref() is not None]


# (model, batch size, steps checked with weak references, steps under tracemalloc)
RUNS = [("mlp", 8, 300, 50), ("cnn", 4, 150, 20), ("lstm", 4, 80, 10)]


@pytest.mark.parametrize("model,batch,steps,traced", RUNS, ids=[r[0] for r in RUNS])
def test_training_steps_free_their_graphs(long_run, model, batch, steps, traced):
    training = long_run.make_training(model, seed=0, batch_size=batch)
    with collector_off():
        n_nodes = []
        for _ in range(steps):
            loss = training.step()
            refs = graph_refs(loss)
            n_nodes.append(len(refs) - 1)
            del loss
            assert alive(refs) == [], "a node of the step's graph outlived the step"
        tracemalloc.start()
        try:
            for i in range(2 * traced):
                if i == traced:
                    start = tracemalloc.get_traced_memory()[0]
                training.step()
            growth = tracemalloc.get_traced_memory()[0] - start
        finally:
            tracemalloc.stop()
    assert min(n_nodes) >= 4  # the walk saw the real graph (an LSTM layer is one node)
    assert growth < TRACED_GROWTH_BOUND, f"{model}: traced memory grew by {growth} bytes"


def _graph():
    w = mt.ones(3, requires_grad=True)
    return w, ((w * 2).exp() * w).sum()


def test_retained_graph_is_freed_with_its_last_reference():
    w, loss = _graph()
    with collector_off():
        loss.backward(retain_graph=True)
        refs = graph_refs(loss)
        loss.backward()  # the retained graph is still usable
        assert len(alive(refs)) == len(refs) >= 4
        del loss
        assert alive(refs) == []
    assert w.grad.tolist() == pytest.approx([2 * 3 * math.e**2] * 3)  # d/dw of sum(exp(2w) w)


def test_stored_losses_keep_their_graphs_until_dropped():
    w = mt.ones(3, requires_grad=True)
    with collector_off():
        losses = [((w * k).exp() * w).sum() for k in range(5)]
        refs = [ref for loss in losses for ref in graph_refs(loss)]
        assert len(alive(refs)) == len(refs) == 5 * 5
        kept = losses[2]
        losses.clear()
        assert len(alive(refs)) == 5
        del kept
        assert alive(refs) == []


def test_tensor_hooks_do_not_keep_the_graph():
    w = mt.ones(3, requires_grad=True)
    seen = []
    with collector_off():
        hidden = (w * 2).exp()
        hidden.register_hook(lambda grad: seen.append(grad.shape) or grad * 2)
        loss = (hidden * w).sum()
        refs = graph_refs(loss) + [weakref.ref(hidden)]
        loss.backward()
        del loss, hidden
        assert alive(refs) == []
    assert seen == [(3,)]


def test_module_hooks_do_not_keep_the_graph():
    linear = nn.Linear(3, 2)
    calls = []
    linear.register_forward_pre_hook(lambda module, args: calls.append("pre"))
    linear.register_forward_hook(lambda module, args, out: calls.append("forward"))
    linear.register_full_backward_hook(lambda module, gin, gout: calls.append("backward"))
    with collector_off():
        out = linear(mt.ones(4, 3))
        loss = out.sum()
        refs = graph_refs(loss) + [weakref.ref(out)]
        loss.backward()
        del loss, out
        assert alive(refs) == []
    assert calls == ["pre", "forward", "backward"]


def test_create_graph_double_backward_frees_both_graphs():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    with collector_off():
        loss = (w**3).sum()
        (grad,) = mt.autograd.grad(loss, w, create_graph=True)
        refs = graph_refs(loss) + graph_refs(grad)
        grad.sum().backward()
        del loss, grad
        assert alive(refs) == []
    assert w.grad.tolist() == [6.0, 12.0]


def test_graph_of_a_forward_without_backward_is_freed():
    linear = nn.Linear(3, 2)
    with collector_off():
        refs = graph_refs(linear(mt.ones(4, 3)).sum())
        assert alive(refs) == []


def test_an_iterated_data_loader_does_not_make_a_cycle():
    dataset = mt.utils.data.TensorDataset(mt.ones(10, 2), mt.ones(10))
    with collector_off():
        loader = mt.utils.data.DataLoader(dataset, batch_size=3, shuffle=True)
        assert [len(y) for _, y in loader] == [3, 3, 3, 1]
        ref = weakref.ref(loader)
        del loader
        assert ref() is None


# Reference cycles once found in the core (issue 17): each is fixed and stays fixed.
def test_retain_grad_does_not_make_a_cycle():
    w = mt.ones(3, requires_grad=True)
    with collector_off():
        hidden = w * 2
        hidden.retain_grad()
        loss = hidden.sum()
        loss.backward()
        assert hidden.grad.tolist() == [1.0, 1.0, 1.0]
        refs = graph_refs(loss) + [weakref.ref(hidden)]
        del loss, hidden
        assert alive(refs) == []


def test_a_fresh_leaf_per_step_does_not_make_a_cycle():
    with collector_off():
        x = mt.ones(3, requires_grad=True)
        (x * 2).sum().backward()
        ref = weakref.ref(x)
        del x
        assert ref() is None


class _SquareSavingOutput(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = x * x
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved_tensors
        return 2 * grad_out * x


def test_custom_function_saving_its_output_does_not_make_a_cycle():
    w = mt.ones(3, requires_grad=True)
    with collector_off():
        refs = graph_refs(_SquareSavingOutput.apply(w).sum())  # never backpropagated
        assert alive(refs) == []


def test_the_script_prints_its_figures(long_run):
    # in a fresh process: what earlier tests left in this one would be counted too
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "long_run_memory.py"
    env = {**os.environ, "PYTHONPATH": str(script.parents[1])}
    printed = subprocess.run(
        [sys.executable, str(script), "--model", "mlp", "--steps", "150"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    ).stdout
    assert "peak RSS after step 100" in printed and "steps/s" in printed
    assert re.search(r"live graph nodes +0\n", printed)
    assert re.search(r"live AccumulateGrad +0 ", printed)  # they live with the graph only
    assert re.search(r"gc\.collect\(\) at the end +0 objects", printed)
    with pytest.raises(ValueError, match=r"--steps must be above 100 \(got 50\)"):
        long_run.run("mlp", 50)
