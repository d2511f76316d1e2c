"""Cyclical schedules, with momentum cycling: OneCycleLR (the 1cycle policy) and CyclicLR."""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

from microtensor.optim.lr_scheduler_base import (
    LRScheduler,
    check_optimizer,
    per_group,
    set_group_value,
)
from microtensor.optim.optimizer import Optimizer

__all__ = ["CyclicLR", "OneCycleLR"]


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


class CyclicLR(LRScheduler):
    """Cycle the learning rate between base_lr and max_lr (cyclical learning rates, per batch).

    At iteration i (``last_epoch``), with T = step_size_up + step_size_down::

        cycle = floor(1 + i / T),  x = 1 + i / T - cycle          (position in the cycle)
        h = x / r if x <= r else (x - 1) / (r - 1),  r = step_size_up / T     (0 -> 1 -> 0)
        lr = base_lr + (max_lr - base_lr) * h * scale(cycle or i)
        momentum = max_momentum - (max_momentum - base_momentum) * h * scale(cycle or i)

    with scale = 1 ("triangular"), 1 / 2 ** (cycle - 1) ("triangular2"), gamma ** i
    ("exp_range", by iteration), or ``scale_fn``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        base_lr: the lowest learning rate (or one per group); it replaces the groups' lr.
        max_lr: the highest learning rate (or one per group).
        step_size_up: iterations from base_lr up to max_lr.
        step_size_down: iterations back down (default: step_size_up).
        mode: "triangular", "triangular2" or "exp_range" (ignored when scale_fn is given).
        gamma: the factor of "exp_range".
        scale_fn: a custom scale policy of one argument, with values in [0, 1].
        scale_mode: "cycle" or "iterations": what scale_fn gets.
        cycle_momentum: also cycle the momentum (or beta1) inversely to the learning rate.
        base_momentum: the lowest momentum (or one per group).
        max_momentum: the highest momentum (or one per group).
        last_epoch: index of the last batch (-1 starts a new schedule).

    Raises:
        ValueError: for an unknown mode without scale_fn, a list of values of the wrong length,
            or cycle_momentum with an optimizer that has neither momentum nor betas.

    Example:
        >>> import microtensor as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> sched = mt.optim.lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2)
        >>> lrs = []
        >>> for step in range(6):
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float = 0.8,
        max_momentum: float = 0.9,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                set_group_value(group, "lr", lr)
        self.max_lrs = per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(
                f"mode is invalid and scale_fn is None (mode={mode!r}): use 'triangular', "
                "'triangular2' or 'exp_range', or pass a scale_fn"
            )
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_mode()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option "
                    f"enabled ({type(optimizer).__name__} has neither): pass "
                    "cycle_momentum=False"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for high, low, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups, strict=True
                ):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_mode(self) -> None:
        if self._scale_fn_custom is None:  # the built-in modes fix what the scale gets
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: float) -> float:
        """The scale policy at x (the cycle number or the iteration, per ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return float(self.gamma**x)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def get_lr(self) -> list[float]:
        """Compute the learning rates of iteration ``last_epoch`` (called by ``step``).

        Also sets each group's momentum (or beta1) when ``cycle_momentum`` is on.
        """
        self._warn_if_called_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [
            base_lr + (max_lr - base_lr) * scale_factor * scale
            for base_lr, max_lr in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
        if self.cycle_momentum:
            for group, low, high in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums, strict=True
            ):
                self._set_momentum(group, high - (high - low) * scale_factor * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state; a custom scale_fn is kept only as its ``__dict__``.

        (A plain function or lambda is not saved, as in PyTorch: pass it again when loading.)
        """
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by ``state_dict()`` (keeping this scheduler's scale_fn)."""
        state_dict = dict(state_dict)
        fn_state = state_dict.pop("_scale_fn_custom", None)
        super().load_state_dict(state_dict)
        if fn_state is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn_state)
        self._init_scale_mode()


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
