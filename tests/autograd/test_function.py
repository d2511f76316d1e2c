"""Custom ops with microtensor.autograd.Function (PyTorch's API)."""

import numpy as np
import pytest

import microtensor as mt


class Cube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 3 * x**2


class ScaleShift(mt.autograd.Function):
    """y = x * scale + shift with a non-tensor argument and two outputs."""

    @staticmethod
    def forward(ctx, x, shift, scale):
        ctx.scale = scale
        ctx.needs = ctx.needs_input_grad
        return x * scale + shift, (x > 0).to(mt.float64)

    @staticmethod
    def backward(ctx, grad_y, grad_mask):
        return grad_y * ctx.scale, grad_y, None


class ArgmaxLike(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        index = mt.tensor(int(np.argmax(x.detach().numpy())))
        ctx.mark_non_differentiable(index)
        return x * 1, index

    @staticmethod
    def backward(ctx, grad_out, grad_index):
        assert grad_index is not None  # materialized as zeros
        return grad_out


def test_custom_function_gradient_and_grad_fn_name():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    assert "grad_fn=<CubeBackward>" in repr(y)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]


def test_custom_function_forward_runs_without_graph():
    seen = []

    class Probe(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(mt.is_grad_enabled())
            return x * 2

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * 2

    x = mt.tensor([1.0], requires_grad=True)
    Probe.apply(x).sum().backward()
    assert seen == [False] and x.grad.tolist() == [2.0]


def test_custom_function_double_backward():
    x = mt.tensor([2.0], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    assert g.tolist() == [12.0] and h.tolist() == [12.0]
    assert mt.autograd.gradgradcheck(Cube.apply, (x,))


def test_custom_function_needs_input_grad_and_several_outputs():
    x = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    shift = mt.tensor([0.5, 0.5], dtype=mt.float64)
    y, mask = ScaleShift.apply(x, shift, 3.0)
    assert y.grad_fn.needs == (True, False, False)
    (y.sum() + mask.sum()).backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_mark_non_differentiable_output():
    x = mt.tensor([1.0, 5.0, 2.0], requires_grad=True)
    values, index = ArgmaxLike.apply(x)
    assert index.item() == 1 and not index.requires_grad and values.requires_grad
    values.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_custom_function_without_grad_needed_returns_plain_output():
    y = Cube.apply(mt.tensor([2.0]))
    assert y.tolist() == [8.0] and y.grad_fn is None


def test_custom_function_saved_tensor_modified_in_place_raises():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = Cube.apply(h)
    with mt.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="CubeBackward.*modified by an inplace operation"):
        y.sum().backward()


def test_missing_forward_raises():
    class Empty(mt.autograd.Function):
        pass

    with pytest.raises(NotImplementedError, match="forward"):
        Empty.apply(mt.ones(1))


def test_wrong_gradient_shape_is_reported_with_op_name():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_out):
            return mt.ones(5)

    x = mt.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"BadBackward returned an invalid gradient at index 0.*\(5,\).*\(2,\)"
    ):
        Bad.apply(x).sum().backward()
