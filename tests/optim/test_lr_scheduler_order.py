"""LR schedulers: torch's call-order warnings; warm restarts by fractional epoch; CyclicLR errors."""

import warnings

import pytest
import torch

import microtensor as mt
from tests.optim.test_lr_scheduler import optimizer_pair


def test_scheduler_step_before_optimizer_step_warns_as_torch():
    messages = []
    for lib in (mt, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1)
        with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)`") as record:
            sched.step()
        messages.append(str(record[0].message))
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sched.step()  # only the first call is checked
    assert messages[0] == messages[1]


def test_replaced_optimizer_step_warns_as_torch():
    messages = []
    for lib in (mt, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1)
        opt.step = lambda closure=None: None
        overridden = r"Seems like `optimizer.step\(\)` has been overridden"
        with pytest.warns(UserWarning, match=overridden) as record:
            sched.step()
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]


def test_in_order_calls_do_not_warn():
    opt = mt.optim.Adam([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            sched.step()


def test_warm_restarts_with_fractional_epochs_match_torch():
    opt_mine, opt_theirs = optimizer_pair()
    mine = mt.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_mine, T_0=3, T_mult=2)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_theirs, T_0=3, T_mult=2)
    for epoch in range(12):
        for batch in range(4):
            opt_mine.step(), opt_theirs.step()
            mine.step(epoch + batch / 4), theirs.step(epoch + batch / 4)
            assert mine.get_last_lr() == theirs.get_last_lr(), (epoch, batch)
            assert (mine.T_cur, mine.T_i) == (theirs.T_cur, theirs.T_i)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        mine.step(-1)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        mt.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_mine, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 0"):
        mt.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_mine, T_0=2, T_mult=0)


def test_cyclic_lr_errors_and_beta1_cycling_match_torch():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        mt.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode="sine")
    with pytest.raises(ValueError, match="base_lr must have the same length"):
        mt.optim.lr_scheduler.CyclicLR(opt, [0.01, 0.02], 0.1)
    betas = []
    for lib in (mt, torch):
        adam = lib.optim.Adam([lib.zeros(1, requires_grad=True)], lr=0.1)
        sched = lib.optim.lr_scheduler.CyclicLR(adam, 0.01, 0.1, step_size_up=3)
        seen = []
        for _ in range(8):
            adam.step()
            sched.step()
            seen.append(adam.param_groups[0]["betas"])
        betas.append(seen)
    assert betas[0] == betas[1] and len(set(betas[0])) > 2


def test_old_base_class_name_still_subclasses():
    class Halving(mt.optim.lr_scheduler._LRScheduler):
        def get_lr(self):
            return [
                group["lr"] * (0.5 if self.last_epoch else 1)
                for group in self.optimizer.param_groups
            ]

    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
    sched = Halving(opt)
    opt.step()
    sched.step()
    assert isinstance(sched, mt.optim.lr_scheduler.LRScheduler) and sched.get_last_lr() == [0.5]
