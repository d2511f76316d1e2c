"""The oracle itself: it passes a right op and catches wrong values, gradients and second
derivatives, missing names and errors (so a PASS in test_opinfo.py means something)."""

from __future__ import annotations

import pytest
import torch
from torch.testing._internal.common_methods_invocations import op_db

import microtensor as mt
from tests.parity import oracle

SIN = next(op for op in op_db if op.name == "sin" and not op.variant_test_name)
SUM_TO_SIZE = next(op for op in op_db if op.name == "sum_to_size")
SIN_FN, COS_FN = mt.sin, mt.cos  # the real ones, before a test patches mt.sin


class SinWrongGrad(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return SIN_FN(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * COS_FN(x) * 1.001


class SinConstantGrad(mt.autograd.Function):
    """Right gradient, but as a constant: its second derivative is zero, not -sin."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return SIN_FN(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * COS_FN(x).detach()


def test_a_right_op_passes():
    result = oracle.run_entry(SIN)
    assert result.status == "PASS", result.detail
    assert result.samples >= 1


def test_wrong_values_are_caught(monkeypatch):
    monkeypatch.setattr(mt, "sin", mt.cos)
    result = oracle.run_entry(SIN)
    assert result.status == "WRONG"
    assert "output" in result.detail


def test_wrong_gradients_are_caught(monkeypatch):
    monkeypatch.setattr(mt, "sin", SinWrongGrad.apply)
    result = oracle.run_entry(SIN)
    assert result.status == "WRONG"
    assert "gradient of input 0" in result.detail


def test_wrong_second_derivatives_are_caught(monkeypatch):
    monkeypatch.setattr(mt, "sin", SinConstantGrad.apply)
    result = oracle.run_entry(SIN)
    assert result.status == "WRONG"
    assert "second derivative of input 0" in result.detail


def test_a_missing_function_is_missing(monkeypatch):
    monkeypatch.delattr(mt, "sin")
    assert oracle.run_entry(SIN).status == "MISSING"


def test_a_missing_method_is_missing(monkeypatch):
    owner = next(cls for cls in mt.Tensor.__mro__ if "sin" in vars(cls))
    monkeypatch.delattr(owner, "sin")
    result = oracle.run_entry(SIN)
    assert result.status == "MISSING"
    assert "Tensor.sin" in result.detail


def test_a_raising_op_is_an_error(monkeypatch):
    def broken(input):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(mt, "sin", broken)
    result = oracle.run_entry(SIN)
    assert result.status == "ERROR"
    assert "broken on purpose" in result.detail


def test_the_entrys_own_lambda_runs_on_microtensor():
    # sum_to_size is `lambda x, *args: x.sum_to_size(*args)` in op_db: it calls the method
    assert oracle.kind(SUM_TO_SIZE) == "lambda"
    status = oracle.run_entry(SUM_TO_SIZE).status
    assert status == ("PASS" if hasattr(mt.Tensor, "sum_to_size") else "MISSING")


@pytest.mark.parametrize(
    "value, expected",
    [(mt.float64, "float64"), (mt.int64, "int64")],
)
def test_converter_maps_dtypes(value, expected):
    import torch

    assert oracle.Converter()(getattr(torch, expected)) is value


def test_random_entries_are_told_from_deterministic_ones():
    randn = next(op for op in op_db if op.name == "randn")
    dropout = next(op for op in op_db if op.name == "nn.functional.dropout")
    assert oracle._is_random(randn, next(oracle.samples(randn)))
    assert not oracle._is_random(SIN, next(oracle.samples(SIN)))
    for sample in dropout.sample_inputs("cpu", torch.float64):
        drops = sample.kwargs.get("training", True) and 0 < sample.kwargs.get("p", 0.5) < 1
        if sample.input.numel() > 1:
            assert oracle._is_random(dropout, sample) == drops, sample.kwargs


def test_error_inputs_with_another_exception_type_are_listed(monkeypatch):
    movedim = next(op for op in op_db if op.name == "movedim")
    assert oracle.error_mismatches(movedim) == []

    def lenient(input, source, destination):
        return input

    monkeypatch.setattr(mt, "movedim", lenient)
    found = oracle.error_mismatches(movedim)
    assert found
    assert all("microtensor no error" in line for line in found)


EIGH = next(op for op in op_db if op.name == "linalg.eigh")
AS_STRIDED_SCATTER = next(op for op in op_db if op.name == "as_strided_scatter")
BESSEL_J0 = next(op for op in op_db if op.name == "special.bessel_j0")
EIGH_FN, AS_STRIDED_SCATTER_FN = mt.linalg.eigh, mt.as_strided_scatter
BESSEL_J0_FN = mt.special.bessel_j0


def test_eigenvectors_of_another_sign_pass_and_wrong_ones_are_caught(monkeypatch):
    def flipped(a, UPLO="L"):  # noqa: N803 - torch's name
        values, vectors = EIGH_FN(a, UPLO)
        return type(EIGH_FN(a, UPLO))(values, -vectors)

    monkeypatch.setattr(mt.linalg, "eigh", flipped)
    assert oracle.run_entry(EIGH).status == "PASS"

    def rotated(a, UPLO="L"):  # noqa: N803
        values, vectors = EIGH_FN(a, UPLO)
        return type(EIGH_FN(a, UPLO))(values, mt.roll(vectors, 1, -1))

    monkeypatch.setattr(mt.linalg, "eigh", rotated)
    result = oracle.run_entry(EIGH)
    assert result.status == "WRONG" and "output" in result.detail


class ScatterWrongGrad(mt.autograd.Function):
    """as_strided_scatter with torch's wrong gradient: the input gets all of grad_out."""

    @staticmethod
    def forward(ctx, x, src, size, stride, offset):
        return AS_STRIDED_SCATTER_FN(x.detach(), src.detach(), size, stride, offset)

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out, None, None, None, None


def test_an_entry_with_a_wrong_torch_gradient_is_checked_by_finite_differences(monkeypatch):
    assert oracle.run_entry(AS_STRIDED_SCATTER).status == "PASS"

    def wrong(x, src, size, stride, storage_offset=None):
        return ScatterWrongGrad.apply(x, src, size, stride, storage_offset)

    monkeypatch.setattr(mt, "as_strided_scatter", wrong)
    result = oracle.run_entry(AS_STRIDED_SCATTER)
    assert result.status == "WRONG" and "finite differences" in result.detail


def test_a_looser_tolerance_still_catches_errors_above_it(monkeypatch):
    assert oracle.run_entry(BESSEL_J0).status == "PASS"
    monkeypatch.setattr(mt.special, "bessel_j0", lambda x: BESSEL_J0_FN(x) + 1e-5)
    assert oracle.run_entry(BESSEL_J0).status == "WRONG"
    assert oracle._float64_atol[0] == oracle.ATOL  # restored after the entry


def test_error_inputs_that_torch_accepts_are_not_held_against_microtensor():
    clamp_max = next(op for op in op_db if op.name == "clamp_max")
    accepted = [
        e
        for e in clamp_max.error_inputs_func(clamp_max, "cpu")
        if not oracle._torch_raises(clamp_max, e.sample_input, e.error_type)
    ]
    assert accepted  # torch's own list has one it accepts (a tensor and a number)
    assert oracle.error_mismatches(clamp_max) == []


def test_random_lowrank_entries_are_compared_after_torchs_processing(monkeypatch):
    svd_lowrank = next(op for op in op_db if op.name == "svd_lowrank")
    assert oracle.run_entry(svd_lowrank).status == "PASS"
    real = mt.svd_lowrank

    def scaled(A, q=6, niter=2, M=None):  # noqa: N803 - torch's names
        U, S, V = real(A, q=q, niter=niter, M=M)  # noqa: N806
        return U, S * 1.001, V

    monkeypatch.setattr(mt, "svd_lowrank", scaled)
    result = oracle.run_entry(svd_lowrank)
    assert result.status == "WRONG" and "processed output" in result.detail
