"""What a custom op may return, against torch: numbers, lists of Tensors, None, index Tensors."""

import numpy as np
import torch

import microtensor as mt
from tests.library.helpers import assert_same, fresh_namespace


def test_a_number_result_with_inputs_that_require_grad():
    ns = fresh_namespace()

    def run(lib):
        @lib.library.custom_op(f"{ns}::count", mutates_args=())
        def count(x: lib.Tensor) -> int:
            return int(x.detach().sum().item())

        return count(lib.ones(3, requires_grad=True))

    assert run(mt) == run(torch) == 3


def test_a_list_of_tensors_result_gets_one_gradient_per_element(rng):
    ns = fresh_namespace()
    data = rng.standard_normal(5)

    def run(lib):
        @lib.library.custom_op(f"{ns}::split2", mutates_args=())
        def split2(x: lib.Tensor) -> list[lib.Tensor]:
            return [x[:2].clone(), x[2:].clone()]

        def backward(ctx, grads):
            assert isinstance(grads, list) and len(grads) == 2
            return lib.cat(grads)

        split2.register_autograd(backward)
        x = lib.tensor(data, requires_grad=True)
        first, second = split2(x)
        (3 * first.sum() + (second**2).sum()).backward()
        return first, second, x.grad

    for mine, theirs in zip(run(mt), run(torch), strict=True):
        assert_same(mine, theirs)


def test_a_mutating_op_on_an_input_that_requires_grad_returns_none():
    ns = fresh_namespace()

    def run(lib):
        @lib.library.custom_op(f"{ns}::accumulate_", mutates_args={"total"})
        def accumulate_(x: lib.Tensor, total: lib.Tensor) -> None:
            total.add_(x.detach())

        total = lib.zeros(3)
        result = accumulate_(lib.ones(3, requires_grad=True), total)
        return result, total.tolist(), total.requires_grad

    assert run(mt) == run(torch) == (None, [1.0, 1.0, 1.0], False)


def test_an_index_result_does_not_require_grad(rng):
    ns = fresh_namespace()
    data = rng.standard_normal(4)

    def run(lib):
        @lib.library.custom_op(f"{ns}::max_and_index", mutates_args=())
        def max_and_index(x: lib.Tensor) -> tuple[lib.Tensor, lib.Tensor]:
            return x.max().clone(), x.argmax()

        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0], output[1])

        def backward(ctx, grad_value, grad_index):
            x, index = ctx.saved_tensors
            grad = lib.zeros_like(x)
            grad[index] = grad_value
            return grad

        max_and_index.register_autograd(backward, setup_context=setup_context)
        x = lib.tensor(data, requires_grad=True)
        value, index = max_and_index(x)
        value.backward()
        return value.requires_grad, index.requires_grad, str(index.dtype).split(".")[1], x.grad

    mine, theirs = run(mt), run(torch)
    assert mine[:3] == theirs[:3] == (True, False, "int64")
    np.testing.assert_array_equal(mine[3].numpy(), theirs[3].numpy())
