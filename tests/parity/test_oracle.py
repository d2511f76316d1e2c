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
