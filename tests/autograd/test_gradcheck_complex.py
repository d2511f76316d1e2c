"""gradcheck / gradgradcheck with complex inputs and outputs, compared with torch's gradcheck.

torch's convention: for a real loss L and z = x + iy, z.grad = dL/dx + i dL/dy; a complex
output is checked as its imaginary part, then its real part. Each custom Function below is
written once against the shared API and built for both libraries, so the same code must pass
or fail both gradchecks, and the failure must name the same part.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

import microtensor as mt
from microtensor.autograd import GradcheckError, gradcheck, gradgradcheck

C = complex(0.7, -1.3)

# a first line of either library's message: the part (if any), the output and the input
HEADLINE = re.compile(
    r"^(?:gradgradcheck: second derivatives differ\. )?"
    r"(?:While considering the (real|imaginary) part of complex outputs only, )?"
    r"Jacobian mismatch for output (\d+) with respect to input (\d+)"
)


def functions(lib):
    """Custom Functions built on ``lib`` (microtensor or torch): name -> class."""

    class Square(lib.autograd.Function):
        """z**2 with the right backward: grad * conj(2 z)."""

        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, grad_out):
            (z,) = ctx.saved_tensors
            return grad_out * (2 * z).conj()

    class SquareNoConj(lib.autograd.Function):
        """z**2, backward forgets the conjugate: grad * 2 z."""

        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, grad_out):
            (z,) = ctx.saved_tensors
            return grad_out * 2 * z

    class AbsSquareWrongImag(lib.autograd.Function):
        """|z|**2 (real output), backward gives 2 conj(z): the imaginary part has the wrong sign."""

        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return (z * z.conj()).real

        @staticmethod
        def backward(ctx, grad_out):
            (z,) = ctx.saved_tensors
            return grad_out * 2 * z.conj()

    class ScaleWrongForRealGrad(lib.autograd.Function):
        """c z, backward right for an imaginary grad_out only: + Re(grad) is extra."""

        @staticmethod
        def forward(ctx, z):
            return z * C

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * C.conjugate() + grad_out.real

    class RealToComplexWrong(lib.autograd.Function):
        """c x of a real x; backward Re(grad * c) forgets the conjugate (right: Re(grad conj c))."""

        @staticmethod
        def forward(ctx, x):
            return x * C

        @staticmethod
        def backward(ctx, grad_out):
            return (grad_out * C).real

    class DetachedSquare(lib.autograd.Function):
        """z**2, first derivative right, but detach() hides it from double backward."""

        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, grad_out):
            (z,) = ctx.saved_tensors
            return grad_out * (2 * z.detach()).conj()

    classes = (
        Square,
        SquareNoConj,
        AbsSquareWrongImag,
        ScaleWrongForRealGrad,
        RealToComplexWrong,
        DetachedSquare,
    )
    return {cls.__name__: cls for cls in classes}


MT, TORCH = functions(mt), functions(torch)


def complex_leaf(rng, *shape):
    return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(np.complex128)


def both(value):
    """The same leaf for microtensor and for torch."""
    return mt.tensor(value, requires_grad=True), torch.tensor(value, requires_grad=True)


def headline(message):
    match = HEADLINE.match(message)
    assert match is not None, message
    return match.groups()


CORRECT = [
    ("mul", lambda a, b: a * b, 2),
    ("matmul", lambda a, b: a.reshape(1, 3) @ b.reshape(3, 1), 2),
    ("exp", lambda a: a.exp(), 1),
    ("abs", lambda a: a.abs(), 1),
    ("angle", lambda a: a.angle(), 1),
    ("view_as_real", lambda a: mt.view_as_real(a), 1),
    ("fft", lambda a: mt.fft.fft(a), 1),
    ("custom Square", lambda a: MT["Square"].apply(a), 1),
]


@pytest.mark.parametrize(("name", "fn", "arity"), CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_complex_ops_pass_slow_and_fast(name, fn, arity, rng):
    inputs = tuple(mt.tensor(complex_leaf(rng, 3), requires_grad=True) for _ in range(arity))
    assert gradcheck(fn, inputs)
    assert gradcheck(fn, inputs, fast_mode=True)


@pytest.mark.parametrize("name", ["mul", "exp", "abs", "fft"])
def test_correct_complex_ops_pass_gradgradcheck(name, rng):
    fn, arity = {c[0]: (c[1], c[2]) for c in CORRECT}[name]
    inputs = tuple(mt.tensor(complex_leaf(rng, 3), requires_grad=True) for _ in range(arity))
    assert gradgradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs, fast_mode=True)


REAL_TO_COMPLEX = [
    ("complex", lambda a, b: mt.complex(a, b), [(3,), (3,)]),
    ("polar", lambda a, b: mt.polar(a + 2.0, b), [(3,), (3,)]),
    ("view_as_complex", lambda a: mt.view_as_complex(a), [(3, 2)]),
    ("rfft", lambda a: mt.fft.rfft(a), [(4,)]),
]


@pytest.mark.parametrize(
    ("name", "fn", "shapes"), REAL_TO_COMPLEX, ids=[c[0] for c in REAL_TO_COMPLEX]
)
def test_real_inputs_with_complex_outputs(name, fn, shapes, rng):
    inputs = tuple(mt.tensor(rng.uniform(-1, 1, shape), requires_grad=True) for shape in shapes)
    for fast_mode in (False, True):
        assert gradcheck(fn, inputs, fast_mode=fast_mode)
        assert gradgradcheck(fn, inputs, fast_mode=fast_mode)


WRONG = [
    # (Function, input is complex, the part torch names: None for a real output)
    ("SquareNoConj", True, "imaginary"),
    ("AbsSquareWrongImag", True, None),
    ("ScaleWrongForRealGrad", True, "real"),
    ("RealToComplexWrong", False, "imaginary"),
]


@pytest.mark.parametrize("fast_mode", [False, True], ids=["slow", "fast"])
@pytest.mark.parametrize(("name", "is_complex", "part"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_complex_backward_fails_as_in_torch(name, is_complex, part, fast_mode, rng):
    value = complex_leaf(rng, 3) if is_complex else rng.uniform(-1, 1, 3)
    z, z_torch = both(value)
    with pytest.raises(TorchGradcheckError) as theirs:
        torch.autograd.gradcheck(TORCH[name].apply, (z_torch,), fast_mode=fast_mode)
    with pytest.raises(GradcheckError) as mine:
        gradcheck(MT[name].apply, (z,), fast_mode=fast_mode)
    assert headline(str(mine.value)) == headline(str(theirs.value)) == (part, "0", "0")
    assert f"{name}Backward" in str(mine.value)  # the culprit is named
    assert gradcheck(MT[name].apply, (z,), fast_mode=fast_mode, raise_exception=False) is False


def test_imaginary_parts_of_all_outputs_are_checked_before_real_parts_as_torch(rng):
    """Output 0 is wrong in its real part only, output 1 in its imaginary part: 1 is reported."""
    z, z_torch = both(complex_leaf(rng, 3))

    def pair(lib, t):
        functions = MT if lib is mt else TORCH
        return functions["ScaleWrongForRealGrad"].apply(t), functions["SquareNoConj"].apply(t)

    with pytest.raises(TorchGradcheckError) as theirs:
        torch.autograd.gradcheck(lambda t: pair(torch, t), (z_torch,))
    with pytest.raises(GradcheckError) as mine:
        gradcheck(lambda t: pair(mt, t), (z,))
    assert headline(str(mine.value)) == headline(str(theirs.value)) == ("imaginary", "1", "0")


def test_right_functions_pass_in_both():
    value = complex_leaf(np.random.default_rng(1), 3)
    z, z_torch = both(value)
    assert torch.autograd.gradcheck(TORCH["Square"].apply, (z_torch,))
    assert gradcheck(MT["Square"].apply, (z,))
    assert torch.autograd.gradgradcheck(TORCH["Square"].apply, (z_torch,))
    assert gradgradcheck(MT["Square"].apply, (z,))


def test_tolerances_apply_to_the_complex_difference_as_in_torch():
    """backward 2.01 - 0.01j against 2: |difference| 0.01 in each part of z and of the output."""

    def slightly(lib):
        class Slightly(lib.autograd.Function):
            @staticmethod
            def forward(ctx, z):
                return z * 2.0

            @staticmethod
            def backward(ctx, grad_out):
                return grad_out * complex(2.0, -0.01)

        return Slightly

    z, z_torch = both(np.array([1.0 + 0.5j, -2.0 + 1j]))
    cases = [(1e-5, 1e-3, False), (0.011, 0, True), (0.009, 0, False), (0, 0.006, True)]
    for atol, rtol, passes in [*cases, (0, 0.004, False)]:
        kwargs = {"atol": atol, "rtol": rtol, "raise_exception": False}
        mine = gradcheck(slightly(mt).apply, (z,), **kwargs)
        assert torch.autograd.gradcheck(slightly(torch).apply, (z_torch,), **kwargs) is passes
        assert mine is passes, (atol, rtol)


def test_mismatch_reports_the_wirtinger_values(rng):
    """imag(z**2) = 2xy: numerically ds/dx + i ds/dy = 2i conj(z); the wrong backward gives 2i z."""
    value = complex_leaf(rng, 3)
    with pytest.raises(GradcheckError) as info:
        gradcheck(MT["SquareNoConj"].apply, (mt.tensor(value, requires_grad=True),))
    message = str(info.value)
    found = re.search(
        r"input element \((\d),\): analytical \((\S+)\), numerical \((\S+)\) \(", message
    )
    assert found is not None, message
    j, analytical, numerical = int(found[1]), complex(found[2]), complex(found[3])
    np.testing.assert_allclose(analytical, 2j * value[j], rtol=1e-12)
    np.testing.assert_allclose(numerical, 2j * np.conj(value[j]), rtol=1e-7)
    assert "3 of 9 entries differ" in message  # the diagonal of a complex 3 x 3 Jacobian


def test_gradgradcheck_catches_a_detached_complex_backward_as_torch():
    z, z_torch = both(complex_leaf(np.random.default_rng(2), 3))
    assert gradcheck(MT["DetachedSquare"].apply, (z,))
    assert torch.autograd.gradcheck(TORCH["DetachedSquare"].apply, (z_torch,))
    with pytest.raises(TorchGradcheckError) as theirs:
        torch.autograd.gradgradcheck(TORCH["DetachedSquare"].apply, (z_torch,))
    with pytest.raises(GradcheckError) as mine:
        gradgradcheck(MT["DetachedSquare"].apply, (z,))
    assert headline(str(mine.value)) == headline(str(theirs.value)) == ("imaginary", "0", "0")
    assert "double backward disagrees" in str(mine.value)


def test_localization_passes_the_complex_ops_before_the_culprit(rng):
    z = mt.tensor(complex_leaf(rng, 2, 2), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: MT["SquareNoConj"].apply(t.exp() * C).abs(), (z,))
    message = str(info.value)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,")
    assert "SquareNoConjBackward, from SquareNoConj.apply(<(2, 2) complex128" in message
    assert "(2 op(s) before it pass)" in message  # exp and mul of complex numbers are right


def test_mixed_real_and_complex_inputs_name_the_input(rng):
    x, z = mt.tensor(rng.uniform(-1, 1, 3), requires_grad=True), mt.tensor(complex_leaf(rng, 3))
    z.requires_grad_(True)
    assert gradcheck(lambda a, b: (a * b).exp(), (x, z))
    with pytest.raises(GradcheckError, match="output 0 with respect to input 1,"):
        gradcheck(lambda a, b: a * MT["SquareNoConj"].apply(b), (x, z))
    plain = mt.tensor(complex_leaf(rng, 3))  # a complex input that does not require grad
    assert gradcheck(lambda a, b: a * b, (x, plain))


def test_complex_inputs_take_four_calls_per_element(rng):
    z = mt.tensor(complex_leaf(rng, 2, 3), requires_grad=True)
    calls = []

    def fn(t):
        calls.append(1)
        return t.abs()  # a real output: one pass

    assert gradcheck(fn, (z,))
    assert len(calls) == 1 + 4 * 6  # +-eps and +-i eps for each element
    calls.clear()
    assert gradcheck(fn, (z,), fast_mode=True)
    assert len(calls) == 1 + 4  # +-eps u_r, +-i eps u_i


def test_complex64_inputs_are_checked_in_complex128_copies(rng):
    z = mt.tensor(complex_leaf(rng, 3), dtype=mt.complex64, requires_grad=True)
    before = z.detach().numpy().copy()
    seen = []

    def fn(t):
        seen.append(t.dtype)
        return t * t

    with pytest.warns(UserWarning, match="checked in complex128 copies of complex64 inputs"):
        assert gradcheck(fn, (z,))
    assert set(seen) == {mt.complex128}
    np.testing.assert_array_equal(z.detach().numpy(), before)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(fn, (mt.tensor(before.astype(np.complex128), requires_grad=True),))


def test_complex_output_cut_from_the_graph_must_not_depend_on_inputs(rng):
    z = mt.tensor(complex_leaf(rng, 3), requires_grad=True)
    with pytest.raises(GradcheckError, match="expected to be zero: output 0 does not require"):
        gradcheck(lambda t: t.detach() * 1j, (z,))
    assert gradcheck(lambda t: (mt.ones(3, dtype=mt.complex128), t * 2), (z,))


def test_batched_gradients_of_complex_outputs(rng):
    z, w = (mt.tensor(complex_leaf(rng, 3), requires_grad=True) for _ in range(2))
    assert gradcheck(lambda a, b: a * b.exp(), (z, w), check_batched_grad=True)
    assert gradgradcheck(lambda a, b: a * b.exp(), (z, w), check_batched_grad=True)


def test_forward_mode_splits_complex_inputs_into_parts(rng, monkeypatch):
    from microtensor.autograd import forward_ad

    z = mt.tensor(complex_leaf(rng, 3), requires_grad=True)
    assert gradcheck(lambda t: t.abs(), (z,), check_forward_ad=True)
    unpack = forward_ad.unpack_dual
    monkeypatch.setattr(
        forward_ad, "unpack_dual", lambda t: unpack(t)._replace(tangent=unpack(t).tangent * 3)
    )
    with pytest.raises(
        GradcheckError, match="^While considering the imaginary part of complex inputs only, "
    ):
        gradcheck(lambda t: t.abs(), (z,), check_forward_ad=True)
