"""optim.swa_utils: AveragedModel, SWALR, update_bn and the averaging functions, against torch."""

import math
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

RNG = np.random.default_rng(0)
BATCHES = [RNG.standard_normal((6, 3)) for _ in range(4)]


def make_model(lib):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2)
    ).double()
    if lib is torch:
        return model
    mine = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.BatchNorm1d(4), mt.nn.Linear(4, 2)).double()
    mine.load_state_dict({k: mt.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return mine


def averaging_options(lib, kind):
    swa = lib.optim.swa_utils
    return {
        "swa": {},
        "swa_buffers": {"use_buffers": True},
        "ema": {"avg_fn": swa.get_ema_avg_fn(0.9)},
        "ema_multi": {"multi_avg_fn": swa.get_ema_multi_avg_fn(0.8), "use_buffers": True},
        "swa_multi": {"multi_avg_fn": swa.get_swa_multi_avg_fn()},
    }[kind]


def train_and_average(lib, kind):
    model = make_model(lib)
    averaged = lib.optim.swa_utils.AveragedModel(model, **averaging_options(lib, kind))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    for batch in BATCHES:
        opt.zero_grad()
        (model(lib.tensor(batch)) ** 2).mean().backward()
        opt.step()
        averaged.update_parameters(model)
    return averaged


def assert_state_dicts_equal(mine, theirs):
    assert list(mine) == list(theirs)
    for key in theirs:
        a, b = mine[key].numpy(), theirs[key].numpy()
        assert a.dtype == b.dtype, key
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("kind", ["swa", "swa_buffers", "ema", "ema_multi", "swa_multi"])
def test_averaged_model_matches_torch(kind):
    mine, theirs = train_and_average(mt, kind), train_and_average(torch, kind)
    assert_state_dicts_equal(mine.state_dict(), theirs.state_dict())
    assert mine.n_averaged.item() == len(BATCHES)
    x = BATCHES[0]
    mine.eval()
    theirs.eval()
    np.testing.assert_allclose(
        mine(mt.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_averaged_model_state_dict_keys_and_round_trip():
    averaged = train_and_average(mt, "swa")
    keys = list(averaged.state_dict())
    assert keys[0] == "n_averaged" and keys[1] == "module.0.weight"
    fresh = mt.optim.swa_utils.AveragedModel(make_model(mt))
    fresh.load_state_dict(averaged.state_dict())
    assert fresh.n_averaged.item() == len(BATCHES)
    assert_state_dicts_equal(fresh.state_dict(), averaged.state_dict())


def test_averaged_model_rejects_both_averaging_functions():
    swa = mt.optim.swa_utils
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa.AveragedModel(
            mt.nn.Linear(1, 1), avg_fn=swa.get_swa_avg_fn(), multi_avg_fn=swa.get_swa_multi_avg_fn()
        )


@pytest.mark.parametrize("name", ["get_ema_avg_fn", "get_ema_multi_avg_fn"])
def test_bad_decay_raises(name):
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a"):
        getattr(mt.optim.swa_utils, name)(1.5)


def test_averaging_functions_on_integer_tensors():
    # torch's integer SWA branch raises (addcdiv of integers); microtensor writes the truncated
    # average, as copy_ into an integer tensor does
    avg = [mt.tensor([10, 20])]
    mt.optim.swa_utils.get_swa_multi_avg_fn()(avg, [mt.tensor([13, 0])], mt.tensor(2))
    assert avg[0].tolist() == [11, 13] and avg[0].dtype == mt.int64
    results = []
    for lib in (mt, torch):
        ema = [lib.tensor([10, 20])]
        lib.optim.swa_utils.get_ema_multi_avg_fn(0.3)(ema, [lib.tensor([13, 0])], 1)
        results.append(ema[0].numpy())
    assert results[0].dtype == results[1].dtype
    np.testing.assert_array_equal(results[0], results[1])


def run_update_bn(lib, training):
    model = make_model(lib)
    model.train(training)
    loader = [(lib.tensor(b), lib.tensor(b[:, :1])) for b in BATCHES]
    lib.optim.swa_utils.update_bn(loader, model)
    return model


@pytest.mark.parametrize("training", [True, False])
def test_update_bn_matches_torch(training):
    mine, theirs = run_update_bn(mt, training), run_update_bn(torch, training)
    assert_state_dicts_equal(mine.state_dict(), theirs.state_dict())
    assert mine.training is training
    assert mine[1].momentum == 0.1


def swalr_trajectory(lib, steps, **options):
    params = [lib.zeros(1, requires_grad=True)]
    groups = [{"params": params}, {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.3}]
    opt = lib.optim.SGD(groups, lr=1.0)
    sched = lib.optim.swa_utils.SWALR(opt, **options)
    lrs = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return lrs, sched


@pytest.mark.parametrize(
    "options",
    [
        {"swa_lr": 0.05},
        {"swa_lr": [0.05, 0.5], "anneal_epochs": 3, "anneal_strategy": "linear"},
        {"swa_lr": 0.2, "anneal_epochs": 0},
        {"swa_lr": 0.2, "anneal_epochs": 1, "anneal_strategy": "cos"},
    ],
)
def test_swalr_matches_torch_step_by_step(options):
    mine, _ = swalr_trajectory(mt, 14, **options)
    theirs, _ = swalr_trajectory(torch, 14, **options)
    np.testing.assert_allclose(np.array(mine), np.array(theirs), rtol=1e-13, atol=1e-15)


def test_swalr_state_dict_round_trip_keeps_the_schedule():
    _, sched = swalr_trajectory(mt, 3, swa_lr=0.1, anneal_strategy="linear", anneal_epochs=5)
    state = sched.state_dict()
    assert "anneal_func" not in state and "optimizer" not in state
    assert state["_anneal_strategy"] == "linear"
    _, other = swalr_trajectory(mt, 0, swa_lr=0.1, anneal_epochs=5)
    other.load_state_dict(state)
    assert other.anneal_func(0.25) == 0.25
    assert other.anneal_epochs == 5 and other._step_count == sched._step_count
    assert mt.optim.swa_utils.SWALR._cosine_anneal(0.5) == pytest.approx(
        (1 - math.cos(0.5 * math.pi)) / 2
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"swa_lr": 0.1, "anneal_strategy": "step"},
            "anneal_strategy must be one of 'cos' or 'linear', instead got step",
        ),
        ({"swa_lr": 0.1, "anneal_epochs": -1}, "anneal_epochs must be equal or greater than 0"),
        ({"swa_lr": 0.1, "anneal_epochs": 2.5}, "anneal_epochs must be equal or greater than 0"),
        ({"swa_lr": [0.1, 0.2, 0.3]}, "swa_lr must have the same length as optimizer.param_groups"),
    ],
)
def test_swalr_bad_arguments_raise(options, message):
    opt = mt.optim.SGD(
        [
            {"params": [mt.zeros(1, requires_grad=True)]},
            {"params": [mt.zeros(1, requires_grad=True)]},
        ],
        lr=1.0,
    )
    with pytest.raises(ValueError, match=message):
        mt.optim.swa_utils.SWALR(opt, **options)


def test_swalr_get_lr_outside_step_warns():
    _, sched = swalr_trajectory(mt, 1, swa_lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched.get_lr()
    assert any("get_last_lr()" in str(w.message) for w in caught)
