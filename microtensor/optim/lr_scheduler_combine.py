"""Schedulers made of schedulers: SequentialLR (one after another) and ChainedScheduler (all)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from microtensor.optim.lr_scheduler_base import LRScheduler, group_values, set_group_value
from microtensor.optim.lr_scheduler_plateau import ReduceLROnPlateau
from microtensor.optim.optimizer import Optimizer

__all__ = ["SequentialLR", "ChainedScheduler"]


class SequentialLR(LRScheduler):
    """Run schedulers one after the other, switching at the milestone epochs.

    Scheduler i runs from milestone i-1 (restarting at its epoch 0 there) to milestone i.

    Args:
        optimizer: the optimizer the schedulers were created for.
        schedulers: the schedulers, in order (not ReduceLROnPlateau).
        milestones: the epochs at which to switch; one fewer than the schedulers.
        last_epoch: index of the last epoch (-1 starts a new schedule).

    Raises:
        ValueError: for no scheduler, a ReduceLROnPlateau, a scheduler of another optimizer,
            or a wrong number of milestones.
        TypeError: for an element that is not a scheduler.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.optim import lr_scheduler
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> warmup = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
        >>> decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> sched = lr_scheduler.SequentialLR(opt, [warmup, decay], milestones=[2])
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        _check_schedulers(self, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            set_group_value(group, "lr", group["initial_lr"])
        self.recursive_undo()  # undo the first step each scheduler took when it was created
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Take back one epoch from each (nested) scheduler."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler of the current epoch (restarting it at a milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Return the state, with each inner scheduler's state under ``"_schedulers"``."""
        return _state_with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by ``state_dict()``."""
        _load_with_children(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step several schedulers together, each applying its change on top of the others.

    Args:
        schedulers: the schedulers to step, in order (not ReduceLROnPlateau).
        optimizer: their optimizer (default: the first scheduler's).

    Raises:
        ValueError: for no scheduler, a ReduceLROnPlateau, or schedulers of another optimizer.
        TypeError: for an element that is not a scheduler.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.optim import lr_scheduler
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> warmup = lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
        >>> decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> sched = lr_scheduler.ChainedScheduler([warmup, decay])
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.5, 0.25, 0.25, 0.125]
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError(
                f"{type(self).__name__} expects at least one scheduler to be chained, but got "
                "no scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(self, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """Return the state, with each inner scheduler's state under ``"_schedulers"``."""
        return _state_with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by ``state_dict()``."""
        _load_with_children(self, state_dict)


def _check_schedulers(
    owner: LRScheduler, optimizer: Optimizer, schedulers: Sequence[LRScheduler]
) -> None:
    name = type(owner).__name__
    if len(schedulers) < 1:
        raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{name} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{name} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{i} in the given schedulers sequence."
            )
        if optimizer is not scheduler.optimizer:
            raise ValueError(
                f"{name} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {i} has a different optimizer "
                f"than the given {type(optimizer).__name__}."
            )


def _state_with_children(owner: Any) -> dict[str, Any]:
    state = {k: v for k, v in owner.__dict__.items() if k not in ("optimizer", "_schedulers")}
    state["_schedulers"] = [s.state_dict() for s in owner._schedulers]
    return state


def _load_with_children(owner: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)
    children = state.pop("_schedulers")
    owner.__dict__.update(state)
    for scheduler, child in zip(owner._schedulers, children, strict=True):
        scheduler.load_state_dict(child)
