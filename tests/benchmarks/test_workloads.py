"""The workloads W1u, W9 and W10 compute PyTorch's numbers (float64), on small settings."""

import numpy as np
import pytest
import torch

import microtensor as mt
from benchmarks import crf, gpt, workloads
from benchmarks.numpy_impl import Training


def test_w1u_composed_squared_error_matches_numpy_and_torch():
    arrays, _ = workloads.make_arrays("W1u", quick=True, seed=0)
    spec = workloads.SPECS["W1u"]
    runs = [
        workloads.FrameworkTraining(lib, spec, arrays, "float64").check(2) for lib in (mt, torch)
    ]
    runs.append(Training(spec, arrays, "float64").check(2))
    for losses, params in runs[1:]:
        np.testing.assert_allclose(runs[0][0], losses, rtol=1e-12)
        for mine, theirs in zip(runs[0][1], params, strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)


def test_w9_gpt_step_matches_torch():
    arrays = gpt.make_arrays(np.random.default_rng(0))
    (losses, params), (t_losses, t_params) = (
        gpt.GPTTraining(lib, {}, arrays, "float64").check(2) for lib in (mt, torch)
    )
    assert losses[1] < losses[0]  # AdamW learns
    np.testing.assert_allclose(losses, t_losses, rtol=1e-12)
    for mine, theirs in zip(params, t_params, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


@pytest.fixture
def small_crf(monkeypatch):
    monkeypatch.setattr(crf, "N_TAGS", 6)
    monkeypatch.setattr(crf, "N_STEPS", 5)
    rng = np.random.default_rng(1)
    return {"emissions": rng.standard_normal((5, 6)), "transitions": rng.standard_normal((6, 6))}


def test_w10_crf_loss_and_gradients_match_torch(small_crf):
    (losses, grads), (t_losses, t_grads) = (
        crf.CRFStep(lib, {}, small_crf, "float64").check(1) for lib in (mt, torch)
    )
    np.testing.assert_allclose(losses, t_losses, rtol=1e-12)
    for mine, theirs in zip(grads, t_grads, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)
    assert np.abs(grads[1]).sum() > 0  # the transitions get a gradient


def test_w10_loss_is_log_partition_minus_best_path(small_crf):
    em, tr = small_crf["emissions"], small_crf["transitions"]
    paths = np.stack(np.meshgrid(*[np.arange(6)] * 5, indexing="ij"), -1).reshape(-1, 5)
    scores = em[np.arange(5), paths].sum(1) + tr[paths[:, 1:], paths[:, :-1]].sum(1)
    expected = np.log(np.exp(scores).sum()) - scores.max()
    (loss,), _ = crf.CRFStep(mt, {}, small_crf, "float64").check(1)
    assert loss == pytest.approx(expected, rel=1e-12)
