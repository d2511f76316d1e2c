"""OneCycleLR: the 1cycle policy (warm up to max_lr, anneal far below), with momentum cycling."""

from __future__ import annotations

import math
from typing import Any

from microtensor.optim.lr_scheduler_base import LRScheduler, check_optimizer, per_group
from microtensor.optim.optimizer import Optimizer

__all__ = ["OneCycleLR"]


class OneCycleLR(LRScheduler):
    """Set the learning rate (and momentum) by the 1cycle policy, stepping once per batch.

    The schedule is made of phases, each annealing (cosine or linear) from one value to
    another over its steps::

        two phases:   initial_lr -> max_lr (pct_start of the steps) -> min_lr
        three phases: initial_lr -> max_lr -> initial_lr (pct_start each) -> min_lr

    with initial_lr = max_lr / div_factor and min_lr = initial_lr / final_div_factor. The
    momentum (SGD, RMSprop) or beta1 (Adam, AdamW) moves the opposite way, between
    max_momentum and base_momentum. The values are stored in each group (``"initial_lr"``,
    ``"max_lr"``, ``"min_lr"``, ``"max_momentum"``, ``"base_momentum"``), as in PyTorch.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        max_lr: the peak learning rate, or a list with one per group.
        total_steps: the number of steps of the cycle (or give epochs and steps_per_epoch).
        epochs: number of epochs, if total_steps is not given.
        steps_per_epoch: number of steps per epoch, if total_steps is not given.
        pct_start: the fraction of the steps spent increasing the learning rate.
        anneal_strategy: ``"cos"`` or ``"linear"``.
        cycle_momentum: also cycle the momentum (or beta1) inversely to the learning rate.
        base_momentum: the lowest momentum (at max_lr), or one per group.
        max_momentum: the highest momentum (at the start and end), or one per group.
        div_factor: initial_lr = max_lr / div_factor.
        final_div_factor: min_lr = initial_lr / final_div_factor.
        three_phase: use the three-phase schedule.
        last_epoch: index of the last step taken (-1 starts a new schedule).

    Raises:
        ValueError: for a bad total_steps/epochs/steps_per_epoch, pct_start, anneal_strategy,
            a list of values of the wrong length, cycle_momentum with an optimizer that has
            neither momentum nor betas, or a step past total_steps.

    Example:
        >>> import microtensor as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> sched = mt.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
        >>> lrs = []
        >>> for step in range(10):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.04, 0.52, 1.0, 0.9505, 0.8117, 0.6113, 0.3887, 0.1883, 0.0495, 0.0]
        >>> round(opt.param_groups[0]["momentum"], 4)
        0.945
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        self._schedule_phases = _phases(pct_start * self.total_steps, self.total_steps, three_phase)
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._anneal_func_type = anneal_strategy
        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, group_max_lr in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option "
                    f"enabled ({type(optimizer).__name__} has neither): pass "
                    "cycle_momentum=False"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = per_group("max_momentum", optimizer, max_momentum)
            base_momentums = per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, high, low in zip(
                    optimizer.param_groups, max_momentums, base_momentums, strict=True
                ):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """Compute the learning rates of step ``last_epoch`` (called by ``step``).

        Also sets each group's momentum (or beta1) when ``cycle_momentum`` is on.
        """
        self._warn_if_called_outside_step()
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"Tried to step {step_num} times. The specified number of total steps is "
                f"{self.total_steps}: create the scheduler with a larger total_steps"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    break
                start_step = end_step
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                start, end = group[phase["start_momentum"]], group[phase["end_momentum"]]
                self._set_momentum(group, self._anneal(start, end, pct))
        return lrs


def _total_steps(total_steps: int | None, epochs: int | None, steps_per_epoch: int | None) -> int:
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
    if not isinstance(epochs, int) or epochs <= 0:
        raise ValueError(f"Expected positive integer epochs, but got {epochs}")
    if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
        raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
    return epochs * steps_per_epoch


def _phases(warmup: float, total_steps: int, three_phase: bool) -> list[dict[str, Any]]:
    """PyTorch's phases: the step each ends at and the group keys it anneals between."""

    def phase(end_step: float, lr: tuple[str, str], momentum: tuple[str, str]) -> dict[str, Any]:
        return {
            "end_step": end_step,
            "start_lr": lr[0],
            "end_lr": lr[1],
            "start_momentum": momentum[0],
            "end_momentum": momentum[1],
        }

    up, down = ("max_momentum", "base_momentum"), ("base_momentum", "max_momentum")
    if three_phase:
        return [
            phase(float(warmup) - 1, ("initial_lr", "max_lr"), up),
            phase(float(2 * warmup) - 2, ("max_lr", "initial_lr"), down),
            phase(total_steps - 1, ("initial_lr", "min_lr"), ("max_momentum", "max_momentum")),
        ]
    return [
        phase(float(warmup) - 1, ("initial_lr", "max_lr"), up),
        phase(total_steps - 1, ("max_lr", "min_lr"), down),
    ]
