"""The engine: accumulation, retain_graph, create_graph, hooks, retain_grad, long chains."""

import gc
import subprocess
import sys
import time
import weakref

import numpy as np
import pytest
import torch

import microtensor as mt


def leaf(values, dtype=mt.float64):
    return mt.tensor(values, dtype=dtype, requires_grad=True)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_shared_leaf_gets_summed_gradient():
    x = leaf([2.0])
    y = x * x + x * 3 + x  # x used four times
    y.backward()
    assert x.grad.tolist() == [2 * 2.0 + 3 + 1]


def test_add_gives_independent_grad_arrays_to_both_inputs():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.mul_(10)  # in place, as clip_grad_norm_ does
    assert b.grad.tolist() == [1.0, 1.0]


def test_broadcast_gradient_is_writable_and_reduced():
    w = leaf([[1.0, 2.0, 3.0]])
    x = mt.ones(4, 3, dtype=mt.float64)
    (x * w).sum().backward()
    assert w.grad.shape == (1, 3) and w.grad.tolist() == [[4.0, 4.0, 4.0]]
    w.grad.zero_()
    assert w.grad.tolist() == [[0.0, 0.0, 0.0]]


def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_create_graph_gives_second_derivatives_like_torch():
    values = [0.5, -1.5, 2.0]
    x, tx = leaf(values), torch.tensor(values, dtype=torch.float64, requires_grad=True)
    for lib, t in ((mt, x), (torch, tx)):
        y = (t**3 * 2 - t * t / (t * t + 1)).sum()
        (g,) = lib.autograd.grad(y, t, create_graph=True)
        v = lib.ones_like(t)
        (hv,) = lib.autograd.grad((g * v).sum(), t)  # Hessian-vector product
        if lib is mt:
            mine = (g.detach().numpy().copy(), hv.numpy().copy())
        else:
            theirs = (g.detach().numpy(), hv.numpy())
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-12)


def test_backward_with_create_graph_gives_grad_with_graph():
    x = leaf([3.0])
    (x**2).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    gradient_penalty = (x.grad**2).sum()  # d/dx (2x)^2 = 8x
    x.grad = None
    gradient_penalty.backward()
    assert x.grad.tolist() == [24.0]


def test_autograd_grad_does_not_touch_dot_grad():
    x = leaf([1.0])
    (g,) = mt.autograd.grad((x * 5).sum(), x)
    assert g.tolist() == [5.0] and x.grad is None


def test_autograd_grad_unused_input():
    x, z = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        mt.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = mt.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0] and gz is None
    gx, gz = mt.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0]


def test_autograd_grad_with_respect_to_intermediate():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = mt.autograd.grad(y, h)
    assert gh.tolist() == [6.0, 12.0]


def test_backward_inputs_argument_limits_accumulation():
    a, b = leaf([1.0]), leaf([2.0])
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"implicitly created only for scalar outputs.*\(2,\)"):
        (x * 2).backward()
    (x * 2).backward(mt.tensor([1.0, 10.0], dtype=mt.float64))
    assert x.grad.tolist() == [2.0, 20.0]


def test_gradient_shape_mismatch_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(mt.ones(3, dtype=mt.float64))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.ones(1).backward()


def test_leaf_hook_can_replace_gradient_and_be_removed():
    x = leaf([1.0, 2.0])
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (x * 1).sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [10.0, 10.0]
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_leaf_hooks_outlive_the_graph_that_made_its_accumulate_grad():
    # A leaf holds its AccumulateGrad weakly (no cycle), so each graph may make a new one;
    # the leaf's hooks and their handles work across all of them, as in PyTorch.
    x = leaf([1.0, 2.0])
    seen = []
    first = x.register_hook(lambda g: seen.append("first") or g)
    for _ in range(2):
        (x * 1).sum().backward()
        gc.collect()
    assert weakref.ref(first._node)() is not None  # the handle keeps its node
    second = x.register_hook(lambda g: seen.append("second") or g * 2)
    (x * 1).sum().backward()
    assert seen == ["first", "first", "first", "second"]
    first.remove()
    second.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert seen == ["first", "first", "first", "second"] and x.grad.tolist() == [1.0, 1.0]


def test_a_retained_grad_whose_tensor_is_gone_is_skipped():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    loss = (h * h).sum()
    del h  # the graph keeps no strong reference to it
    loss.backward()
    assert x.grad.tolist() == [18.0, 36.0]


def test_non_leaf_hook_and_retain_grad_match_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        h = x * 3
        h.retain_grad()
        h.register_hook(lambda g: g * 2)
        (h * h).sum().backward()
        return h.grad.numpy().copy(), x.grad.numpy().copy()

    for mine, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_allclose(mine, theirs)


def test_no_grad_records_nothing_and_restores_mode():
    x = leaf([1.0])
    with mt.no_grad():
        y = x * 2
        with mt.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad
    assert mt.is_grad_enabled()


def test_grad_modes_as_decorators_and_functions():
    x = leaf([1.0])

    @mt.no_grad()
    def f(t):
        return t * 2

    @mt.inference_mode()
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad and mt.is_grad_enabled()
    mt.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    mt.set_grad_enabled(True)
    with mt.set_grad_enabled(False):
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_detach_shares_data_and_cuts_graph():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    d2 = x.detach()
    with mt.no_grad():
        d2.add_(1)
    assert x.tolist() == [2.0, 3.0]


def test_inplace_change_of_saved_tensor_raises_naming_op():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = a * b
    with mt.no_grad():
        b.add_(1)
    with pytest.raises(RuntimeError, match="MulBackward0.*modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)


def test_inplace_on_non_leaf_is_recorded_like_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([3.0, -1.0], dtype=lib.float64, requires_grad=True)
        h = x * 2
        h.mul_(w)
        h += x
        h.sum().backward()
        return h.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()

    for mine, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_allclose(mine, theirs)


def test_long_chain_backward_without_recursion():
    x = mt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    start = time.perf_counter()
    y.sum().backward()
    assert time.perf_counter() - start < 20
    assert x.grad.tolist() == [1.0]


def test_detect_anomaly_names_the_forward_op():
    x = leaf([0.0])
    with mt.autograd.detect_anomaly():
        y = (x**0.5 * 0).sum()
        with pytest.raises(RuntimeError, match="PowBackward0.*returned nan"):
            y.backward()


def test_importing_microtensor_does_not_import_torch():
    code = "import sys, microtensor; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_float32_stays_float32_through_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 0.5 + np.float64(2.0)) ** 2
    y.sum().backward()
    assert y.dtype == mt.float32 and x.grad.dtype == mt.float32


def test_mixed_dtype_gradients_come_back_in_each_inputs_dtype():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], dtype=mt.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == mt.float32 and b.grad.dtype == mt.float64
    assert a.grad.tolist() == [3.0, 4.0]


def test_inplace_on_view_while_recording_raises_instead_of_wrong_gradient():
    x = mt.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="in-place operation on a view"):
        y.view(3).mul_(10)


def test_nodes_record_module_scope_and_weak_output_references():
    import gc

    model = mt.nn.Sequential(mt.nn.Linear(2, 3), mt.nn.Tanh())
    hidden = model[0](mt.ones(4, 2))
    out = model[1](hidden)
    node = out.grad_fn
    assert [type(module).__name__ for module, _ in node._scope] == ["Tanh"]
    assert hidden.grad_fn._output_refs[0]() is hidden
    whole = model(mt.ones(4, 2))
    scopes = [type(m).__name__ for m, _ in whole.grad_fn._scope]
    assert scopes == ["Sequential", "Tanh"]
    del hidden
    gc.collect()
    assert node.next_functions[0][0]._output_refs[0]() is None


def _random_dag(lib, plan, start):
    """Each step combines two earlier values, so old nodes feed new ones at every distance."""
    x = lib.tensor(start, dtype=lib.float64, requires_grad=True)
    values = [x]
    for kind, i, j in plan:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append({0: a * b, 1: a + b, 2: (a - b).tanh(), 3: a.sin() * 0.5}[kind])
    return x, sum(v.sum() for v in values[-3:])


def test_random_dags_run_each_node_once_with_summed_gradients_like_torch():
    rng = np.random.default_rng(0)
    for _ in range(5):
        plan = [tuple(rng.integers(0, 1000, size=3) % (4, 1000, 1000)) for _ in range(40)]
        start = rng.uniform(-1, 1, size=3)
        x, loss = _random_dag(mt, plan, start)
        tx, tloss = _random_dag(torch, plan, start)
        loss.backward()
        tloss.backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_post_accumulate_grad_hooks_run_after_each_accumulation(lib):
    w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (w * 3).sum().backward()
    (w * w).sum().backward()  # the hook sees the accumulated sum
    lib.autograd.grad((w * 2).sum(), w)  # accumulates nothing: no call
    handle.remove()
    (w * 1).sum().backward()
    assert seen == [[3.0, 3.0], [5.0, 7.0]]
    with pytest.raises(RuntimeError, match="cannot be registered on non-leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        lib.ones(2).register_post_accumulate_grad_hook(print)


def test_an_optimizer_step_per_parameter_in_backward_matches_the_usual_loop():
    # The pattern the hook exists for: each parameter is updated as soon as its grad is ready.
    def train(in_backward):
        mt.manual_seed(0)
        model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.Tanh(), mt.nn.Linear(4, 1))
        x, y = mt.randn(8, 3), mt.randn(8, 1)
        optimizers = {p: mt.optim.SGD([p], lr=0.1) for p in model.parameters()}
        if in_backward:
            for p in model.parameters():
                p.register_post_accumulate_grad_hook(
                    lambda p: (optimizers[p].step(), optimizers[p].zero_grad())
                )
        for _ in range(3):
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            if not in_backward:
                for opt in optimizers.values():
                    opt.step()
                    opt.zero_grad()
        return [p.detach().numpy().copy() for p in model.parameters()]

    for a, b in zip(train(True), train(False), strict=True):
        np.testing.assert_array_equal(a, b)
