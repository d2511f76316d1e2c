import gc
import tracemalloc

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential


def make_model():
    mt.manual_seed(0)
    return mt.nn.Sequential(
        mt.nn.Linear(3, 4), mt.nn.Tanh(), mt.nn.Dropout(0.5), mt.nn.Linear(4, 2)
    )


def gradients(model, x, run):
    model.zero_grad()
    x.grad = None
    mt.manual_seed(1)  # the dropout mask of the first run
    run(x).pow(2).sum().backward()
    return [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_gradients_equal_the_plain_run_with_dropout(use_reentrant):
    model = make_model()
    x = mt.randn(5, 3, requires_grad=True)
    expected = gradients(model, x, model)
    for run in (
        lambda t: checkpoint(model, t, use_reentrant=use_reentrant),
        lambda t: checkpoint_sequential(model, 2, t, use_reentrant=use_reentrant),
    ):
        for got, want in zip(gradients(model, x, run), expected, strict=True):
            np.testing.assert_array_equal(got, want)


def test_matches_torch_checkpoint():
    w = np.random.default_rng(0).standard_normal((3, 3))
    x = np.random.default_rng(1).standard_normal((4, 3))
    results = []
    for lib, run in ((mt, checkpoint), (torch, torch.utils.checkpoint.checkpoint)):
        weight, inp = lib.tensor(w, requires_grad=True), lib.tensor(x, requires_grad=True)
        out = run(lambda t, weight=weight: (t @ weight).sin().exp(), inp, use_reentrant=False)
        out.sum().backward()
        results.append([out.detach().numpy(), inp.grad.numpy(), weight.grad.numpy()])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_non_reentrant_keeps_no_intermediate_and_runs_again_once():
    calls = []

    def function(t):
        calls.append(1)
        return t.exp().sin().cos().sum()  # sin and cos save their 8 MB inputs for backward

    def retained(run):
        x = mt.ones(1_000_000, dtype=mt.float64, requires_grad=True)
        gc.collect()
        tracemalloc.start()
        out = run(x)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        out.backward()
        return kept, x.grad.numpy()

    plain_bytes, plain_grad = retained(function)
    checked_bytes, checked_grad = retained(lambda t: checkpoint(function, t, use_reentrant=False))
    assert plain_bytes > 15_000_000 and checked_bytes < 1_000_000
    assert len(calls) == 3  # plain, checkpointed, and its second run in backward
    np.testing.assert_array_equal(checked_grad, plain_grad)


def test_the_graph_is_the_functions_own():
    x = mt.ones(3, requires_grad=True)
    out = checkpoint(lambda t: t.exp().sin(), x, use_reentrant=False)
    assert out.grad_fn.name() == "SinBackward0"
    (grad,) = mt.autograd.grad(out.sum(), [x])
    np.testing.assert_allclose(grad.numpy(), np.cos(np.e) * np.e * np.ones(3), rtol=1e-6)


def test_parameters_get_gradients_when_no_input_requires_grad():
    model = make_model().eval()
    checkpoint(model, mt.randn(2, 3), use_reentrant=False).sum().backward()
    assert model[0].weight.grad is not None
    model.zero_grad()
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        out = checkpoint(model, mt.randn(2, 3), use_reentrant=True)
    assert not out.requires_grad  # torch's reentrant variant behaves the same way


def test_arguments_are_checked_like_torch():
    model = make_model()
    x = mt.ones(1, 3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(model, x)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda t, scale: t * scale, x, scale=2.0, use_reentrant=True)
    assert (
        checkpoint(lambda t, scale: t * scale, x, scale=2.0, use_reentrant=False).sum().item() == 6
    )
    with pytest.raises(ValueError, match="determinism_check should be one of"):
        checkpoint(model, x, use_reentrant=False, determinism_check="strict")


def test_a_second_run_that_differs_raises_checkpoint_error():
    runs = []

    def changing(t):
        runs.append(1)
        return (t * t).sum() if len(runs) == 1 else (t.reshape(1, 3) * t.reshape(1, 3)).sum()

    x = mt.ones(3, requires_grad=True)
    out = checkpoint(changing, x, use_reentrant=False)
    with pytest.raises(CheckpointError, match="different metadata"):
        out.backward()
