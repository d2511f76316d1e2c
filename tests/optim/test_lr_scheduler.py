"""LR schedulers: the same learning rates (and momenta) as torch.optim.lr_scheduler, step by step."""

import json
import math
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.optim.test_algorithms import Twin, assert_params_close

STEPS = 100


def optimizer_pair(name="SGD", **options):
    """A microtensor and a torch optimizer with two groups (lr 0.1 and 0.05)."""
    pair = []
    for lib in (mt, torch):
        groups = [
            {"params": [lib.zeros(2, requires_grad=True)]},
            {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.05},
        ]
        extra = {"foreach": False} if lib is torch else {}
        pair.append(getattr(lib.optim, name)(groups, lr=0.1, **options, **extra))
    return pair


def lambda_factor(epoch):
    return 0.95**epoch


def decay_scale(x):
    return 0.9**x


# (scheduler name, args, kwargs); every scheduler runs 100 steps.
SCHEDULERS = [
    ("LambdaLR", (lambda_factor,), {}),
    ("LambdaLR", ([lambda_factor, lambda e: 1 / (e + 1)],), {}),
    ("MultiplicativeLR", (lambda e: 0.97,), {}),
    ("StepLR", (10,), {}),
    ("StepLR", (7,), {"gamma": 0.5}),
    ("MultiStepLR", ([10, 30, 30, 80],), {"gamma": 0.5}),
    ("ConstantLR", (), {}),
    ("ConstantLR", (), {"factor": 0.5, "total_iters": 20}),
    ("LinearLR", (), {}),
    ("LinearLR", (), {"start_factor": 0.5, "end_factor": 0.1, "total_iters": 30}),
    ("ExponentialLR", (0.97,), {}),
    ("CosineAnnealingLR", (100,), {}),
    ("CosineAnnealingLR", (15,), {"eta_min": 0.001}),  # runs past T_max: restarts
    ("OneCycleLR", (1.0,), {"total_steps": 100}),
    ("OneCycleLR", ([1.0, 0.3],), {"epochs": 10, "steps_per_epoch": 10, "pct_start": 0.25}),
    ("OneCycleLR", (1.0,), {"total_steps": 100, "anneal_strategy": "linear"}),
    ("OneCycleLR", (1.0,), {"total_steps": 100, "three_phase": True, "cycle_momentum": False}),
    ("CyclicLR", (0.01, 0.1), {"step_size_up": 7}),
    (
        "CyclicLR",
        ([0.01, 0.02], [0.1, 0.2]),
        {"step_size_up": 5, "step_size_down": 10, "mode": "triangular2", "max_momentum": 0.95},
    ),
    ("CyclicLR", (0.01, 0.1), {"step_size_up": 6, "mode": "exp_range", "gamma": 0.98}),
    (
        "CyclicLR",
        (0.01, 0.1),
        {"step_size_up": 4, "scale_fn": decay_scale, "scale_mode": "iterations"},
    ),
    ("CosineAnnealingWarmRestarts", (10,), {}),
    ("CosineAnnealingWarmRestarts", (3,), {"T_mult": 2, "eta_min": 0.001}),
    ("PolynomialLR", (), {}),
    ("PolynomialLR", (), {"total_iters": 30, "power": 2.0}),
]


def make(lib, optimizer, name, args, kwargs):
    return getattr(lib.optim.lr_scheduler, name)(optimizer, *args, **kwargs)


def assert_same_lrs(mine, theirs, opt_mine, opt_theirs, what):
    assert mine.get_last_lr() == theirs.get_last_lr(), what
    assert [g["lr"] for g in opt_mine.param_groups] == [g["lr"] for g in opt_theirs.param_groups]


@pytest.mark.parametrize(
    "spec",
    SCHEDULERS,
    ids=lambda s: f"{s[0]}-" + ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in s[2].items()),
)
def test_learning_rates_equal_torchs(spec):
    name, args, kwargs = spec
    opt_mine, opt_theirs = optimizer_pair(momentum=0.9)
    mine, theirs = make(mt, opt_mine, *spec), make(torch, opt_theirs, *spec)
    assert [g["initial_lr"] for g in opt_mine.param_groups] == [
        g["initial_lr"] for g in opt_theirs.param_groups
    ]
    seen = set()
    for step in range(STEPS):
        assert_same_lrs(mine, theirs, opt_mine, opt_theirs, f"{name} step {step}")
        assert opt_mine.param_groups[0]["momentum"] == opt_theirs.param_groups[0]["momentum"]
        seen.add(mine.get_last_lr()[0])
        opt_mine.step(), opt_theirs.step()
        if not (name == "OneCycleLR" and step == STEPS - 1):  # no step past total_steps
            mine.step(), theirs.step()
    assert len(seen) >= 2  # the schedule did change the learning rate
    assert mine.last_epoch == theirs.last_epoch


def test_sequential_and_chained_schedulers_equal_torchs():
    opt_mine, opt_theirs = optimizer_pair()
    built = []
    for lib, opt in ((mt, opt_mine), (torch, opt_theirs)):
        s = lib.optim.lr_scheduler
        warmup = s.LinearLR(opt, start_factor=0.1, total_iters=10)
        cosine = s.CosineAnnealingLR(opt, T_max=30, eta_min=0.01)
        steps = s.StepLR(opt, step_size=5, gamma=0.8)
        sequential = s.SequentialLR(opt, [warmup, cosine, steps], milestones=[10, 50])
        chained = s.ChainedScheduler([s.ExponentialLR(opt, 0.99), s.MultiStepLR(opt, [70], 0.5)])
        built.append((sequential, chained))
    (seq_mine, chain_mine), (seq_theirs, chain_theirs) = built
    for step in range(STEPS):
        opt_mine.step(), opt_theirs.step()
        seq_mine.step(), seq_theirs.step()
        chain_mine.step(), chain_theirs.step()
        assert_same_lrs(seq_mine, seq_theirs, opt_mine, opt_theirs, f"step {step}")
        assert chain_mine.get_last_lr() == chain_theirs.get_last_lr()


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW"])
def test_one_cycle_cycles_momentum_or_beta1_and_training_matches_torch(name):
    options = {"SGD": {"momentum": 0.9}, "RMSprop": {"momentum": 0.9}}.get(name, {})
    mine, theirs = (
        Twin(mt, name, {"lr": 0.01, **options}),
        Twin(torch, name, {"lr": 0.01, **options}),
    )
    scheds = [
        twin.lib.optim.lr_scheduler.OneCycleLR(twin.opt, max_lr=0.05, total_steps=60)
        for twin in (mine, theirs)
    ]
    key = "betas" if name.startswith("Adam") else "momentum"
    momenta = []
    for step in range(59):
        mine.step(), theirs.step()
        for s in scheds:
            s.step()
        group_mine, group_theirs = mine.opt.param_groups[0], theirs.opt.param_groups[0]
        assert group_mine[key] == group_theirs[key], f"step {step}"
        momenta.append(group_mine[key][0] if key == "betas" else group_mine[key])
        assert_params_close(mine.values(), theirs.values(), what=f"step {step}")
    assert min(momenta) == pytest.approx(0.85, abs=1e-3) and max(momenta) > 0.949
    assert mine.opt.param_groups[0]["max_momentum"] == 0.95


def test_reduce_lr_on_plateau_follows_torch_on_a_scripted_metric():
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1.0, 0.5, 10), 0.5 + 0.01 * rng.random(60), [0.1] * 30])
    configs = [
        {},
        {"patience": 3, "factor": 0.5, "cooldown": 2},
        {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.05},
        {"patience": 1, "min_lr": [0.02, 0.001], "threshold": 0.1},
        {"patience": 0, "factor": 0.5, "min_lr": 0.0999, "eps": 1e-3},
    ]
    for config in configs:
        opt_mine, opt_theirs = optimizer_pair()
        mine = mt.optim.lr_scheduler.ReduceLROnPlateau(opt_mine, **config)
        theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_theirs, **config)
        lrs = set()
        for step, metric in enumerate(metrics):
            value = mt.tensor(metric) if step % 2 else float(metric)  # 0-d tensors too
            mine.step(value), theirs.step(float(metric))
            assert_same_lrs(mine, theirs, opt_mine, opt_theirs, f"{config} step {step}")
            assert (mine.best, mine.num_bad_epochs) == (theirs.best, theirs.num_bad_epochs)
            lrs.add(mine.get_last_lr()[1])
        assert len(lrs) > 1 or config.get("eps") == 1e-3


def advance(scheduler):
    if isinstance(scheduler, mt.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(1.0)  # never improves: the lr is cut every patience + 1 epochs
    else:
        scheduler.step()


@pytest.mark.filterwarnings("ignore:Detected call of")  # no optimizer steps here
def test_state_dict_round_trip_resumes_the_schedule():
    for name, args, kwargs in SCHEDULERS[3:] + [("ReduceLROnPlateau", (), {"patience": 2})]:
        opt_a, _ = optimizer_pair(momentum=0.9)
        opt_b, _ = optimizer_pair(momentum=0.9)
        a = make(mt, opt_a, name, args, kwargs)
        for _ in range(40):
            advance(a)
        saved_sched, saved_opt = a.state_dict(), opt_a.state_dict()
        assert "optimizer" not in saved_sched and saved_sched["last_epoch"] == 40
        saved_sched = json.loads(json.dumps(saved_sched))  # as microtensor.save stores it
        b = make(mt, opt_b, name, args, kwargs)
        opt_b.load_state_dict(saved_opt)
        b.load_state_dict(saved_sched)
        for step in range(40, 99):
            advance(a)
            advance(b)
            assert a.get_last_lr() == b.get_last_lr(), f"{name} step {step}"
            assert opt_a.param_groups[0]["momentum"] == opt_b.param_groups[0]["momentum"]


def test_lambda_state_dict_saves_callable_objects_but_not_functions():
    class Factor:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate**epoch

    opt, _ = optimizer_pair()
    sched = mt.optim.lr_scheduler.LambdaLR(opt, [Factor(0.5), lambda_factor])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    other = mt.optim.lr_scheduler.LambdaLR(optimizer_pair()[0], [Factor(0.9), lambda_factor])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].rate == 0.5 and state["lr_lambdas"] == [{"rate": 0.5}, None]


@pytest.mark.filterwarnings("ignore:Detected call of")  # no optimizer steps here
def test_resuming_with_last_epoch_and_the_deprecated_epoch_argument_match_torch():
    opt_mine, opt_theirs = optimizer_pair()
    for opt in (opt_mine, opt_theirs):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    mine = mt.optim.lr_scheduler.CosineAnnealingLR(opt_mine, T_max=20, last_epoch=7)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(opt_theirs, T_max=20, last_epoch=7)
    for _ in range(30):
        assert_same_lrs(mine, theirs, opt_mine, opt_theirs, "resumed")
        opt_mine.step(), opt_theirs.step()
        mine.step(), theirs.step()
    for name, args in [("StepLR", (3,)), ("MultiStepLR", ([2, 5],)), ("ExponentialLR", (0.9,))]:
        opt_mine, opt_theirs = optimizer_pair()
        mine, theirs = make(mt, opt_mine, name, args, {}), make(torch, opt_theirs, name, args, {})
        for epoch in [4, 9, 2]:
            with pytest.warns(UserWarning, match="epoch parameter"):
                mine.step(epoch)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs.step(epoch)
            assert_same_lrs(mine, theirs, opt_mine, opt_theirs, f"{name} epoch {epoch}")


def test_get_lr_outside_step_warns_and_get_last_lr_is_a_list():
    opt, _ = optimizer_pair()
    sched = mt.optim.lr_scheduler.StepLR(opt, 2)
    assert sched.get_last_lr() == [0.1, 0.05] and sched.base_lrs == [0.1, 0.05]
    with pytest.warns(UserWarning, match="please use `get_last_lr"):
        sched.get_lr()


def test_scheduler_errors():
    opt, _ = optimizer_pair()
    s = mt.optim.lr_scheduler
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        s.StepLR([], 2)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
        s.StepLR(optimizer_pair()[0], 2, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        s.LambdaLR(opt, [lambda_factor])
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got float"):
        s.MultiplicativeLR(opt, 0.5)
    with pytest.raises(ValueError, match="Constant multiplicative factor expected"):
        s.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="Starting multiplicative factor expected"):
        s.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor expected"):
        s.LinearLR(opt, end_factor=-0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        s.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        s.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="threshold mode x is unknown"):
        s.ReduceLROnPlateau(opt, threshold_mode="x")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        s.ReduceLROnPlateau(opt, min_lr=[0.1])


@pytest.mark.filterwarnings("ignore:Detected call of")  # no optimizer steps here
def test_one_cycle_errors():
    opt, _ = optimizer_pair(momentum=0.9)
    one_cycle = mt.optim.lr_scheduler.OneCycleLR
    with pytest.raises(ValueError, match="Expected positive integer total_steps, but got 0"):
        one_cycle(opt, 1.0, total_steps=0)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        one_cycle(opt, 1.0, epochs=3)
    with pytest.raises(ValueError, match="Expected positive integer epochs, but got -1"):
        one_cycle(opt, 1.0, epochs=-1, steps_per_epoch=2)
    with pytest.raises(ValueError, match="Expected positive integer steps_per_epoch"):
        one_cycle(opt, 1.0, epochs=2, steps_per_epoch=1.5)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start"):
        one_cycle(opt, 1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        one_cycle(opt, 1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer"):
        one_cycle(opt, [1.0], total_steps=10)
    adagrad = mt.optim.Adagrad([mt.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        one_cycle(adagrad, 1.0, total_steps=10)
    sched = one_cycle(opt, 1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(
        ValueError, match="Tried to step 3 times. The specified number of total steps is 2"
    ):
        sched.step()


def test_combined_scheduler_errors():
    opt, other = optimizer_pair()[0], optimizer_pair()[0]
    s = mt.optim.lr_scheduler
    step = s.StepLR(opt, 2)
    with pytest.raises(ValueError, match="expects number of schedulers provided to be one more"):
        s.SequentialLR(opt, [step, s.ExponentialLR(opt, 0.9)], milestones=[])
    with pytest.raises(ValueError, match="ChainedScheduler expects at least one scheduler"):
        s.ChainedScheduler([])
    with pytest.raises(ValueError, match="SequentialLR expects at least one scheduler"):
        s.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        s.ChainedScheduler([step, s.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        s.SequentialLR(opt, [step, s.StepLR(other, 2)], milestones=[3])
    with pytest.raises(TypeError, match="at index 0 should have `optimizer`"):
        s.ChainedScheduler([object()], optimizer=opt)


def test_cosine_values_are_the_closed_form_within_the_first_period():
    opt, _ = optimizer_pair()
    sched = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    for epoch in range(1, 11):
        opt.step()
        sched.step()
        expected = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)
