"""gradcheck / gradgradcheck: passes on right gradients, names the culprit on wrong ones."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import GradcheckError, gradcheck, gradgradcheck
from microtensor.autograd.function import Op


def leaf(rng, *shape, low=-1.0, high=1.0):
    return mt.tensor(rng.uniform(low, high, shape), dtype=mt.float64, requires_grad=True)


class MyCube(mt.autograd.Function):
    """y = x**3 with a WRONG backward: 2 * grad instead of 3 * x**2 * grad."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_out):
        return 2 * grad_out


class DetachedCube(mt.autograd.Function):
    """y = x**3; first derivative right, but detach() hides it from double backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        x = x.detach()
        return grad_out * 3 * x * x


class BadSquare(Op):
    """A built-in-style op with a wrong backward: z = a * a, but dz/da = a (should be 2a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad_out):
        (a,) = ctx.saved_tensors
        return grad_out * a


CORRECT = [
    ("add broadcast", lambda a, b: a + b, [(2, 3), (3,)]),
    ("mul", lambda a, b: a * b, [(2, 3), (2, 3)]),
    ("sub scalar", lambda a: 2.0 - a, [(4,)]),
    ("div", lambda a, b: a / (b + 3.0), [(3,), (3,)]),
    ("pow", lambda a: a**3, [(2, 2)]),
    ("exp", lambda a: a.exp(), [(3,)]),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 2)]),
    ("sum dim", lambda a: a.sum(1), [(2, 3)]),
    ("mean", lambda a: (a * a).mean(), [(3, 2)]),
    ("0-d", lambda a: a * a, [()]),
]


@pytest.mark.parametrize(("name", "fn", "shapes"), CORRECT, ids=[c[0] for c in CORRECT])
def test_passes_on_correct_ops(name, fn, shapes, rng):
    inputs = tuple(leaf(rng, *shape) for shape in shapes)
    assert gradcheck(fn, inputs)
    assert gradcheck(fn, inputs, fast_mode=True)


def test_wrong_custom_function_message_names_element_values_and_culprit(rng):
    x = leaf(rng, 3)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: MyCube.apply(t.exp()).sum(), (x,))
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,")
    match = re.search(
        r"at output element \(\) and input element \((\d),\): analytical (\S+), "
        r"numerical (\S+) \(",
        message,
    )
    assert match is not None, message
    j, analytical, numerical = int(match[1]), float(match[2]), float(match[3])
    value = x.detach().numpy()[j]
    np.testing.assert_allclose(analytical, 2 * np.exp(value), rtol=1e-12)
    np.testing.assert_allclose(numerical, 3 * np.exp(3 * value), rtol=1e-6)
    assert "3 of 3 entries differ" in message
    assert "MyCubeBackward, from MyCube.apply(<(3,) float64, requires_grad>)" in message
    assert "(1 op(s) before it pass)" in message  # the exp before it is right


def test_localization_reports_the_first_wrong_op_with_its_errors(rng):
    a, b = leaf(rng, 2, 3), leaf(rng, 2, 3)

    def fn(p, q):
        h = (p * q + 1.0).exp()
        return MyCube.apply(BadSquare.apply(h) * 0.5).sum()  # two wrong ops: BadSquare first

    with pytest.raises(GradcheckError, match="BadSquareBackward0, from BadSquare.apply") as info:
        gradcheck(fn, (a, b))
    message = str(info.value)
    assert "MyCubeBackward" not in message
    assert "<(2, 3) float64, requires_grad>" in message
    errors = re.search(r"max abs error (\S+), max rel error (\S+) \(3 op\(s\) before", message)
    assert errors is not None, message
    h = np.exp(a.detach().numpy() * b.detach().numpy() + 1.0)
    np.testing.assert_allclose(float(errors[1]), h.max(), rtol=1e-5)  # |h - 2h|
    np.testing.assert_allclose(float(errors[2]), 0.5, rtol=1e-5)  # |h - 2h| / |2h|


def test_localization_blames_fn_when_every_op_is_right(rng):
    x = leaf(rng, 3)
    with pytest.raises(GradcheckError, match=r"Each of the 1 op\(s\) on fn's graph passes"):
        gradcheck(lambda t: t * t.detach(), (x,))


def test_recording_hook_is_removed_after_localization(rng):
    function_apply = mt.autograd.Function.__dict__["apply"]
    op_apply = Op.__dict__["apply"]
    assert not gradcheck(lambda t: MyCube.apply(t), (leaf(rng, 2),), raise_exception=False)
    assert mt.autograd.Function.__dict__["apply"] is function_apply
    assert Op.__dict__["apply"] is op_apply


def test_multiple_inputs_and_outputs_index_positions(rng):
    a, b = leaf(rng, 2), leaf(rng, 2, 2)

    def right(p, q):
        return mt.tensor([1, 2]), p * q, (q @ q).sum(0) + p

    assert gradcheck(right, (a, b))

    def wrong(p, q):  # output 2 (after an integer output) is wrong with respect to input 1 only
        return mt.tensor([1, 2]), p * q, MyCube.apply(q) + p

    with pytest.raises(GradcheckError, match="output 2 with respect to input 1,") as info:
        gradcheck(wrong, (a, b))
    assert re.search(r"at output element \(\d, \d\) and input element \(\d, \d\)", str(info.value))


def test_non_tensor_inputs_pass_through(rng):
    x = leaf(rng, 2, 3)
    assert gradcheck(lambda t, scale, dim: (t * scale).sum(dim), (x, 2.5, 1))
    with pytest.raises(GradcheckError, match="with respect to input 1,"):
        gradcheck(lambda scale, t: MyCube.apply(t * scale), (3.0, x))


def test_unused_input_and_identity_and_empty_input(rng):
    a, b = leaf(rng, 2), leaf(rng, 3)
    assert gradcheck(lambda p, q: p * 2.0, (a, b))
    assert gradcheck(lambda p: p, (a,))
    assert gradcheck(lambda p, q: p * 2.0 + q.sum(), (a, leaf(rng, 0)))


def test_float32_inputs_are_checked_in_float64_copies(rng):
    x = mt.tensor(rng.uniform(-1, 1, 4), dtype=mt.float32, requires_grad=True)
    before = x.detach().numpy().copy()
    seen = []

    def fn(t):
        seen.append(t.dtype)
        return (t * t).exp()

    with pytest.warns(
        UserWarning, match="input 0 is float32; checked in float64 copies of float32 inputs"
    ):
        assert gradcheck(fn, (x,))
    assert set(seen) == {mt.float64}
    assert x.dtype == mt.float32 and x.grad is None
    np.testing.assert_array_equal(x.detach().numpy(), before)
    with pytest.warns(UserWarning), pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: MyCube.apply(t), (x,))
    assert "Note: checked in float64 copies of float32 inputs" in str(info.value)


def test_float64_inputs_do_not_warn_and_are_not_modified(rng):
    x = leaf(rng, 3)
    before = x.detach().numpy().copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda t: t * t, (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None


def test_evaluation_counts_are_linear_in_the_number_of_elements(rng):
    x, w = leaf(rng, 4, 5), leaf(rng, 5)
    calls = []

    def fn(t, v):
        calls.append(1)
        return (t * v).sum(1), t.sum()

    assert gradcheck(fn, (x, w))
    assert len(calls) == 1 + 2 * (20 + 5)  # the graph, then +-eps for each element once
    calls.clear()
    assert gradcheck(fn, (x, w), fast_mode=True)
    assert len(calls) == 1 + 2 * 2  # the graph, then +-eps * u for each input


def test_fast_mode_detects_a_wrong_gradient_and_passes_a_right_one(rng):
    a, b = leaf(rng, 8, 6), leaf(rng, 6, 5)
    assert gradcheck(lambda p, q: (p @ q).exp(), (a, b), fast_mode=True)
    with pytest.raises(GradcheckError, match="in fast mode") as info:
        gradcheck(lambda p, q: MyCube.apply(p @ q), (a, b), fast_mode=True)
    message = str(info.value)
    assert (
        "Recomputed in slow mode:\nJacobian mismatch for output 0 with respect to input 0,"
        in message
    )
    assert "MyCubeBackward" in message


def test_raise_exception_false_returns_false(rng):
    x = leaf(rng, 3)
    assert gradcheck(lambda t: MyCube.apply(t), (x,), raise_exception=False) is False
    assert gradcheck(lambda t: t * t, (x,), raise_exception=False) is True
    assert gradgradcheck(lambda t: DetachedCube.apply(t), (x,), raise_exception=False) is False


def test_tolerances_decide(rng):
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)

    class Slightly(mt.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2.0

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * 2.01  # |error| 0.01 > 1e-5 + 1e-3 * 2

    assert not gradcheck(lambda t: Slightly.apply(t), (x,), raise_exception=False)
    assert gradcheck(lambda t: Slightly.apply(t), (x,), atol=0.011, rtol=0.0)
    assert gradcheck(lambda t: Slightly.apply(t), (x,), atol=0.0, rtol=0.006)
    assert not gradcheck(
        lambda t: Slightly.apply(t), (x,), atol=0.0, rtol=0.004, raise_exception=False
    )


def test_nonreentrant_backward_is_reported(rng):
    class Drifting(mt.autograd.Function):
        calls = 0

        @staticmethod
        def forward(ctx, t):
            return t * 2.0

        @staticmethod
        def backward(ctx, grad_out):
            Drifting.calls += 1
            return grad_out * (2.0 + 1e-9 * Drifting.calls)

    x = leaf(rng, 3)
    with pytest.raises(GradcheckError, match="Backward is not reentrant.*was 0.0"):
        gradcheck(lambda t: Drifting.apply(t), (x,))
    assert gradcheck(lambda t: Drifting.apply(t), (x,), nondet_tol=1e-6)


def test_output_cut_from_graph_must_not_depend_on_inputs(rng):
    x = leaf(rng, 3)
    with pytest.raises(
        GradcheckError,
        match="Numerical gradient for function expected to be zero: output 0 does not require grad",
    ):
        gradcheck(lambda t: t.detach() * 2.0, (x,))
    assert gradcheck(lambda t: mt.ones(3, dtype=mt.float64), (x,))


def test_errors_for_bad_arguments(rng):
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (mt.ones(3, dtype=mt.float64),))
    assert gradcheck(
        lambda t: t * t, leaf(rng, 2), check_grad_dtypes=True, check_undefined_grad=False
    )


def test_gradgradcheck_passes_on_twice_differentiable_functions(rng):
    x, y = leaf(rng, 3), leaf(rng, 3)
    assert gradgradcheck(lambda t: t**3, (x,))
    assert gradgradcheck(lambda t, u: (t * u).exp(), (x, y))
    assert gradgradcheck(lambda t: (t**3).sum(), (x,), fast_mode=True)
    upstream = (mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64),)
    assert gradgradcheck(lambda t: t**3, (x,), upstream, gen_non_contig_grad_outputs=True)


def test_gradgradcheck_names_the_function_whose_backward_is_not_differentiable(rng):
    x = leaf(rng, 3)
    assert gradcheck(lambda t: DetachedCube.apply(t), (x,))
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda t: DetachedCube.apply(t.exp()), (x,))
    message = str(info.value)
    assert message.startswith(
        "gradgradcheck: second derivatives differ. Jacobian mismatch "
        "for output 0 with respect to input 0,"
    )
    assert "inputs 1 onwards are the grad_outputs" in message
    assert (
        "whose double backward disagrees with finite differences of its own backward: "
        "DetachedCubeBackward"
    ) in message
    assert "(1 op(s) before it pass)" in message


def test_localization_names_a_custom_function_passed_as_its_apply():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x**2

    x = mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    with pytest.raises(mt.autograd.GradcheckError, match="BadBackward"):
        mt.autograd.gradcheck(Bad.apply, (x,))


def test_forward_mode_and_batched_checks_pass_on_correct_functions(rng):
    x, w = leaf(rng, 3, 2), leaf(rng, 2)
    f = lambda a, b: (a.sin() @ b).exp()  # noqa: E731
    assert gradcheck(f, (x, w), check_forward_ad=True, check_batched_grad=True)
    assert gradcheck(
        f, (x, w), check_forward_ad=True, check_backward_ad=False, check_batched_forward_grad=True
    )
    assert gradgradcheck(f, (x, w), check_batched_grad=True)
    assert gradgradcheck(f, (x, w), check_fwd_over_rev=True, check_rev_over_rev=False)
    assert gradcheck(f, (x, w), masked=None) and gradgradcheck(f, (x, w), masked=False)


def test_check_forward_ad_catches_a_wrong_jvp(rng, monkeypatch):
    """Forward mode that scales tangents (a wrong jvp) fails; the backward check alone passes."""
    from microtensor.autograd import forward_ad

    unpack = forward_ad.unpack_dual
    monkeypatch.setattr(
        forward_ad, "unpack_dual", lambda t: unpack(t)._replace(tangent=unpack(t).tangent * 3)
    )
    x = leaf(rng, 3)
    assert gradcheck(lambda t: t.sin(), (x,))
    with pytest.raises(GradcheckError, match="forward AD: Jacobian-vector product mismatch"):
        gradcheck(lambda t: t.sin(), (x,), check_forward_ad=True)
    assert not gradcheck(lambda t: t.sin(), (x,), check_forward_ad=True, raise_exception=False)


def test_batched_checks_compare_vmap_with_one_at_a_time(rng, monkeypatch):
    """A vmap that gets the batch wrong (here: reversed) is caught, backward and forward."""
    import microtensor.func

    vmap = microtensor.func.vmap

    def reversed_vmap(fn):
        return lambda batch: tuple(t.flip(0) for t in vmap(fn)(batch))

    monkeypatch.setattr(microtensor.func, "vmap", reversed_vmap)
    x = leaf(rng, 3)
    with pytest.raises(GradcheckError, match="check_batched_grad: for output 0 and input 0"):
        gradcheck(lambda t: t * t, (x,), check_batched_grad=True)
    with pytest.raises(GradcheckError, match="check_batched_forward_grad: for output 0"):
        gradcheck(lambda t: t * t, (x,), check_forward_ad=True, check_batched_forward_grad=True)


def test_signatures_take_torchs_keywords():
    import inspect

    import torch

    for name in ("gradcheck", "gradgradcheck"):
        mine = list(inspect.signature(getattr(mt.autograd, name)).parameters)
        theirs = list(inspect.signature(getattr(torch.autograd, name)).parameters)
        assert mine == theirs
