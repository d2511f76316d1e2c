"""``LRScheduler``: the base of the learning-rate schedulers in ``optim.lr_scheduler``."""

from __future__ import annotations

import warnings
from typing import Any

from microtensor.optim.optimizer import Optimizer
from microtensor.tensor import Tensor

__all__ = ["LRScheduler"]

STEP_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and "
    "later, you should call them in the opposite order: `optimizer.step()` before "
    "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value "
    "of the learning rate schedule. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)
STEP_OVERRIDDEN_WARNING = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
    "initialization. Please, make sure to call `optimizer.step()` before `lr_scheduler.step()`. "
    "See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available."
)


class LRScheduler:
    """Base class of the schedulers: sets the optimizer's ``group["lr"]`` at each ``step()``.

    A subclass implements ``get_lr()``, the learning rates for epoch ``last_epoch`` (most are
    chainable: computed from the current ``group["lr"]``, as in PyTorch), and optionally
    ``_get_closed_form_lr()``, the same from the initial learning rates. The constructor sets
    ``group["initial_lr"]`` (if absent) and takes the first step (epoch 0).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        last_epoch: index of the last epoch; -1 (default) starts a new schedule; another value
            resumes one (the groups must then have ``"initial_lr"``).

    Attributes:
        base_lrs: the initial learning rate of each group.
        last_epoch: the number of ``step()`` calls made since the schedule began.

    Raises:
        TypeError: if ``optimizer`` is not an ``Optimizer``.
        KeyError: if ``last_epoch`` is not -1 and a group has no ``"initial_lr"``.

    As in PyTorch, the first ``scheduler.step()`` warns when ``optimizer.step()`` has not run
    yet (the schedule would skip its first value) or when ``optimizer.step`` was replaced.

    A group's lr may be a 1-element Tensor (``lr=mt.tensor(0.01)``): as in PyTorch, the
    schedulers then fill it in place (the group keeps the same Tensor), and ``base_lrs`` and
    ``get_last_lr()`` hold copies.

    Example:
        >>> import microtensor as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = mt.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> for epoch in range(2):
        ...     opt.step()
        ...     sched.step()
        >>> sched.get_last_lr(), opt.param_groups[0]["initial_lr"]
        ([0.25], 1.0)
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", _copy(group["lr"]))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming scheduler with last_epoch >= 0: load the optimizer's "
                        "state_dict first, or use last_epoch=-1 for a new schedule"
                    )
        self.base_lrs: list[Any] = group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the first step (epoch 0)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` (called by ``step``).

        To read the current learning rates, use ``get_last_lr()``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def get_last_lr(self) -> list[float]:
        """Return the learning rate of each group, as set by the last ``step()``."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch and set the groups' learning rates.

        Call it after ``optimizer.step()``.

        Args:
            epoch: deprecated (as in PyTorch): jump to this epoch, using the closed form
                where the scheduler has one.
        """
        if self._step_count == 1:
            warn_if_optimizer_not_stepped(self.optimizer)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            set_group_value(group, "lr", lr)
        self._last_lr = group_values(self.optimizer, "lr")

    def _warn_if_called_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state: every attribute except the optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by ``state_dict()``."""
        self.__dict__.update(state_dict)


class _LRScheduler(LRScheduler):
    """The base class's older name, which PyTorch still exports and older schedulers subclass."""


def warn_if_optimizer_not_stepped(optimizer: Optimizer) -> None:
    """PyTorch's warnings at the first ``scheduler.step()``, if ``optimizer.step()`` has not run.

    (Every optimizer's ``step`` is wrapped by ``optimizer_hooks.hooked_step``, which notes the
    call in ``optimizer._opt_called``.)
    """
    if not getattr(optimizer.step, "_hooked", False):
        warnings.warn(STEP_OVERRIDDEN_WARNING, UserWarning, stacklevel=3)
    elif not getattr(optimizer, "_opt_called", False):
        warnings.warn(STEP_ORDER_WARNING, UserWarning, stacklevel=3)


def check_optimizer(optimizer: Any) -> None:
    """Raise PyTorch's TypeError unless ``optimizer`` is an ``Optimizer``."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def group_values(optimizer: Optimizer, key: str) -> list[Any]:
    """``group[key]`` for each of the optimizer's parameter groups (Tensors copied)."""
    return [_copy(group[key]) for group in optimizer.param_groups]


def set_group_value(group: dict[str, Any], key: str, value: Any) -> None:
    """Set ``group[key]``; a Tensor there is filled in place, so the group keeps it (PyTorch)."""
    current = group[key]
    if isinstance(current, Tensor):
        current.fill_(float(value))
    else:
        group[key] = value


def _copy(value: Any) -> Any:
    return value.clone() if isinstance(value, Tensor) else value


def per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per group: ``value`` repeated, or a list/tuple checked to have one per group."""
    if isinstance(value, list | tuple):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has "
                f"{len(value)} values, param_groups has {len(optimizer.param_groups)}."
            )
        return list(value)
    return [value] * len(optimizer.param_groups)
