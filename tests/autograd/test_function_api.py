"""PyTorch's wider custom-Function API: once_differentiable, setup_context, mark_dirty,
set_materialize_grads, vmap; grad-mode decorators; saved-tensor hooks."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.autograd.function import once_differentiable


def exp_function(lib, once):
    """The same custom Exp in microtensor and torch, its backward optionally once-only."""
    decorate = (
        (mt.autograd.function.once_differentiable if lib is mt else torch.autograd.function.once_differentiable)
        if once
        else (lambda fn: fn)
    )  # fmt: skip

    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        @decorate
        def backward(ctx, grad_out):
            (y,) = ctx.saved_tensors
            return grad_out * y

    return Exp


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_once_differentiable_backward_works_once_and_refuses_a_second_time(lib):
    exp = exp_function(lib, once=True)
    x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
    (grad,) = lib.autograd.grad(exp.apply(x).sum(), x)
    np.testing.assert_allclose(grad.numpy(), np.exp([0.5, -1.0]))
    y = exp.apply(x)
    (grad,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)  # grad_out 2y needs grad
    assert grad.requires_grad
    np.testing.assert_allclose(grad.detach().numpy(), 2 * np.exp([1.0, -2.0]))
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function"):
        grad.sum().backward()


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_a_saved_output_comes_back_connected_to_this_node(lib):
    # The output is saved without its grad_fn (no reference cycle) and unpacked with this
    # node as grad_fn, so the second derivative flows through it: d2/dx2 exp(x) = exp(x).
    x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
    y = exp_function(lib, once=False).apply(x)
    (grad,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (second,) = lib.autograd.grad(grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), np.exp([0.5, -1.0]))
    assert grad.grad_fn.name() == "MulBackward0"


def test_once_differentiable_is_the_torch_path():
    assert mt.autograd.function.once_differentiable is once_differentiable


class MulNewStyle(mt.autograd.Function):
    @staticmethod
    def forward(x, factor):
        return x * factor

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, factor = inputs
        ctx.save_for_backward(x)
        ctx.factor = factor

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * ctx.factor, None


def test_setup_context_style_forward_without_ctx():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = MulNewStyle.apply(x, 3.0)
    assert y.tolist() == [3.0, 6.0] and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert mt.autograd.gradcheck(lambda t: MulNewStyle.apply(t, 3.0), (x,))


def add_one_inplace(lib):
    class AddOne(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * 2  # not the true derivative: it shows which node ran

    return AddOne


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_mark_dirty_makes_the_input_the_output_with_the_new_history(lib):
    leaf = lib.tensor([1.0, 2.0], requires_grad=True)
    a = leaf * 1
    out = add_one_inplace(lib).apply(a)
    assert out is a and a.tolist() == [2.0, 3.0]
    assert type(a.grad_fn).__name__.startswith("AddOne")
    a.sum().backward()
    assert leaf.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_mark_dirty_on_a_leaf_requiring_grad_is_refused(lib):
    leaf = lib.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        add_one_inplace(lib).apply(leaf)


def two_outputs(lib, materialize):
    class Split(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            ctx.seen = grad_b
            Split.seen = grad_b
            return grad_a * 2 if grad_b is None else grad_a * 2 + grad_b * 3

    return Split


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(lib, materialize):
    split = two_outputs(lib, materialize)
    x = lib.tensor([1.0], requires_grad=True)
    a, _ = split.apply(x)
    a.sum().backward()
    assert x.grad.tolist() == [2.0]
    assert (split.seen is None) == (not materialize)


def test_function_vmap_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="microtensor has no vmap"):
        MulNewStyle.vmap(None, (0, None), mt.ones(2), 3.0)


def test_grad_mode_decorators_without_parentheses():
    x = mt.ones(2, requires_grad=True)

    @mt.no_grad
    def doubled(t):
        return t * 2

    @mt.inference_mode
    def tripled(t):
        return t * 3

    @mt.enable_grad
    def halved(t):
        return t / 2

    assert doubled.__name__ == "doubled"
    assert not doubled(x).requires_grad and not tripled(x).requires_grad
    with mt.no_grad():
        assert halved(x).requires_grad
    with mt.inference_mode(mode=False):
        assert (x * 2).requires_grad
    with mt.inference_mode():
        assert not (x * 2).requires_grad


def test_saved_tensors_hooks_pack_and_unpack_like_torch():
    counts = []
    for lib in (mt, torch):
        packed, unpacked = [], []

        def pack(t, packed=packed):
            packed.append(tuple(t.shape))
            return t.detach().numpy().copy()

        def unpack(array, unpacked=unpacked, lib=lib):
            unpacked.append(array.shape)
            return lib.tensor(array)

        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = (x.exp() * x).sum()
        y.backward()
        np.testing.assert_allclose(x.grad.numpy(), np.exp([1, 2, 3]) * (1 + np.array([1, 2, 3])))
        assert packed and len(unpacked) == len(packed)
        counts.append(len(packed))
    assert counts[0] == counts[1]


def test_saved_tensors_hooks_on_a_custom_function_and_save_on_cpu():
    seen = []
    x = mt.tensor([0.5], dtype=mt.float64, requires_grad=True)
    with mt.autograd.graph.saved_tensors_hooks(lambda t: seen.append(t) or t, lambda t: t):
        y = exp_function(mt, once=False).apply(x)
    assert len(seen) == 1 and seen[0] is y
    with mt.autograd.graph.save_on_cpu(pin_memory=True):
        z = (x * x).sum()
    z.backward()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0 + np.exp(0.5)])


def test_set_detect_anomaly_switches_anomaly_mode():
    previous = mt.autograd.is_anomaly_enabled()
    mt.autograd.set_detect_anomaly(True)
    try:
        assert mt.autograd.is_anomaly_enabled()
    finally:
        mt.autograd.set_detect_anomaly(previous)
    assert mt.autograd.is_anomaly_enabled() == previous


def test_disable_saved_tensors_hooks_refuses_hooks_inside_like_torch():
    for lib in (mt, torch):
        graph = lib.autograd.graph
        with graph.disable_saved_tensors_hooks("no hooks in this block"):
            with pytest.raises(RuntimeError, match="no hooks in this block"):
                with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again after it
            pass


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_inference_mode_is_flagged_per_thread_and_false_turns_grad_on(lib):
    import threading

    seen = [lib.is_inference_mode_enabled()]
    with lib.inference_mode():
        seen += [lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
        with lib.inference_mode(False):
            seen += [lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
        other = []
        thread = threading.Thread(target=lambda: other.append(lib.is_inference_mode_enabled()))
        thread.start()
        thread.join()
        seen += other
    with lib.no_grad(), lib.inference_mode(False):
        seen.append(lib.is_grad_enabled())

    @lib.inference_mode
    def inside():
        return lib.is_inference_mode_enabled()

    seen += [inside(), lib.is_inference_mode_enabled()]
    assert seen == [False, True, False, False, True, False, True, True, False]
