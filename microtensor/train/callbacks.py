"""Callbacks for ``fit``: early stopping, checkpoints, learning-rate schedules, TensorBoard.

A callback gets ``on_train_begin(model, optimizer)`` once, ``on_train_batch_end(step, logs)``
after every training step, ``on_epoch_end(epoch, logs)`` after every epoch (``logs`` holds that
epoch's ``"loss"``, ``"val_loss"``, metrics; a callback may add entries, which the History
records) and ``on_train_end()`` once. ``on_epoch_end`` returning True asks ``fit`` to stop after
this epoch. ``state_dict()`` / ``load_state_dict()`` carry a callback's state through a full
checkpoint, so that ``fit(resume=...)`` continues it.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Mapping
from typing import Any

from microtensor.optim.lr_scheduler import ReduceLROnPlateau
from microtensor.serialization import save

__all__ = ["Callback", "EarlyStopping", "LRSchedulerCallback", "ModelCheckpoint", "TensorBoard"]


class Callback:
    """Base class: every hook does nothing; override the ones you need."""

    _fit_state: Any = None  # set by fit while it runs (ModelCheckpoint writes it)

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        """Called once before the first epoch."""

    def on_train_batch_end(self, step: int, logs: dict[str, float]) -> None:
        """Called after each training step; ``step`` counts the steps of the run from 1."""

    def state_dict(self) -> dict[str, Any]:
        """The callback's state, saved in fit's full checkpoints (none by default)."""
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (when ``fit`` resumes, after ``on_train_begin``)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        """Called after each epoch (0-based); return True to stop training."""
        return None

    def on_train_end(self) -> None:
        """Called once after the last epoch (also after an early stop)."""


class _Monitor:
    """Tracks the best value of one entry of the logs (shared by two callbacks)."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"{owner}(): mode must be 'min' or 'max', got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"{owner}(): min_delta must be >= 0, got {min_delta}")
        self.owner, self.monitor, self.mode, self.min_delta = owner, monitor, mode, min_delta
        self.best = math.inf if mode == "min" else -math.inf

    def value(self, logs: Mapping[str, float]) -> float:
        if self.monitor not in logs:
            raise ValueError(
                f"{self.owner}(): monitor={self.monitor!r} is not among the logged values "
                f"{sorted(logs)}; pass val_data to fit() for 'val_*' values"
            )
        return float(logs[self.monitor])

    def improved(self, logs: Mapping[str, float]) -> bool:
        """Whether this epoch's value beats the best by more than min_delta (and record it)."""
        current = self.value(logs)
        if self.mode == "min":
            better = current < self.best - self.min_delta
        else:
            better = current > self.best + self.min_delta
        if better:
            self.best = current
        return better


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    An epoch improves when its value beats the best so far by more than ``min_delta``. With
    ``restore_best`` a deep copy of the model's state dict is kept at each improvement and
    loaded back when training ends, so the model ends with its best weights.

    Args:
        monitor: the logged value to watch (``"val_loss"``, ``"val_accuracy"``, ``"loss"``).
        patience: epochs without improvement before stopping.
        min_delta: the smallest change that counts as an improvement.
        mode: ``"min"`` (lower is better) or ``"max"``.
        restore_best: load the best weights back at the end.

    Attributes:
        best: the best value seen; best_epoch: its epoch (0-based); stopped_epoch: the epoch
            after which training stopped, or None.

    Raises:
        ValueError: for a bad mode, a negative patience or min_delta, or (during ``fit``) a
            monitor that is not logged.

    Example:
        >>> stop = EarlyStopping(monitor="loss", patience=2)
        >>> stop.on_train_begin(None, None)
        >>> [stop.on_epoch_end(epoch, {"loss": v}) for epoch, v in enumerate([3.0, 2.0, 2.5, 2.1])]
        [False, False, False, True]
        >>> stop.best, stop.best_epoch
        (2.0, 1)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best: bool = True,
    ) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping(): patience must be >= 0, got {patience}")
        self._settings = (monitor, mode, min_delta)
        self.patience = patience
        self.restore_best = restore_best
        self.on_train_begin(None, None)

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        """Reset the state (a callback can be reused for several ``fit`` calls)."""
        monitor, mode, min_delta = self._settings
        self._monitor = _Monitor("EarlyStopping", monitor, mode, min_delta)
        self.model = model
        self.wait = 0
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_state: dict[str, Any] | None = None

    @property
    def best(self) -> float:
        """The best monitored value so far."""
        return self._monitor.best

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        """Count epochs without improvement; True once there have been ``patience`` of them."""
        if self._monitor.improved(logs):
            self.wait, self.best_epoch = 0, epoch
            if self.restore_best and self.model is not None:
                self.best_state = copy.deepcopy(self.model.state_dict())
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def state_dict(self) -> dict[str, Any]:
        """The best value and epoch, the epochs waited, and the best weights kept."""
        return {
            "best": self._monitor.best,
            "wait": self.wait,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "best_state": self.best_state,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``."""
        self._monitor.best = state_dict["best"]
        self.wait, self.best_epoch = state_dict["wait"], state_dict["best_epoch"]
        self.stopped_epoch, self.best_state = state_dict["stopped_epoch"], state_dict["best_state"]

    def on_train_end(self) -> None:
        """Load the best weights back (with ``restore_best``)."""
        if self.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)


class ModelCheckpoint(Callback):
    """Save the model's state dict, or with ``save_weights_only=False`` a full checkpoint.

    A weights file is the model's state dict, in safetensors (no pickle). A full checkpoint is
    the dict of ``microtensor.train.checkpoint`` (model, optimizer, callbacks with their
    schedulers, random state, DataLoader position, counters, history), written with
    ``microtensor.save`` in torch's zip format (name it ``.pt``) once every callback has run
    its hook for the epoch (or step); ``fit(..., resume=path)`` continues from it.

    Args:
        path: the file to write; ``{epoch}`` (1-based), ``{step}`` and logged names are filled
            in, e.g. ``"ckpt-{epoch:03d}-{val_loss:.3f}.safetensors"``. Missing folders are
            created.
        monitor: the logged value that decides which epoch is best.
        save_best_only: save only when ``monitor`` improves; otherwise after every epoch (then
            ``monitor`` only sets ``best_path``, and may be absent from the logs).
        mode: ``"min"`` (lower is better) or ``"max"``.
        save_weights_only: write only the model's state dict; False writes full checkpoints
            (only inside ``fit``).
        every_n_train_steps: save every this many training steps (mid-epoch) instead of at the
            end of epochs; ``monitor`` and ``save_best_only`` then play no part.

    Attributes:
        saved: the paths written, in order; best_path: the last path saved as best.

    Raises:
        ValueError: for a bad mode or ``every_n_train_steps``, or (during ``fit``, with
            ``save_best_only``) a monitor that is not logged.
        RuntimeError: for a full checkpoint asked for outside ``fit``.

    Example:
        >>> import microtensor as mt, os, tempfile
        >>> model = mt.nn.Linear(2, 1)
        >>> path = os.path.join(tempfile.mkdtemp(), "best.safetensors")
        >>> checkpoint = ModelCheckpoint(path, monitor="loss")
        >>> checkpoint.on_train_begin(model, None)
        >>> checkpoint.on_epoch_end(0, {"loss": 1.0})
        >>> sorted(mt.load(path))
        ['bias', 'weight']
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str = "val_loss",
        save_best_only: bool = True,
        mode: str = "min",
        save_weights_only: bool = True,
        every_n_train_steps: int | None = None,
    ) -> None:
        if every_n_train_steps is not None and (
            isinstance(every_n_train_steps, bool)
            or not isinstance(every_n_train_steps, int)
            or every_n_train_steps < 1
        ):
            raise ValueError(
                "ModelCheckpoint(): every_n_train_steps must be a positive int or None, got "
                f"{every_n_train_steps!r}"
            )
        self.path = os.fspath(path)
        self._settings = (monitor, mode)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.every_n_train_steps = every_n_train_steps
        self.on_train_begin(None, None)

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        """Remember the model and reset the best value."""
        monitor, mode = self._settings
        self._monitor = _Monitor("ModelCheckpoint", monitor, mode)
        self.model = model
        self.saved: list[str] = []
        self.best_path: str | None = None

    def on_train_batch_end(self, step: int, logs: dict[str, float]) -> None:
        """Save every ``every_n_train_steps`` steps."""
        if self.every_n_train_steps is not None and step % self.every_n_train_steps == 0:
            epoch = self._fit_state.epoch if self._fit_state is not None else 0
            self._save(self.path.format(epoch=epoch + 1, step=step, **logs))

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Save if this epoch is the best so far (or always, without ``save_best_only``)."""
        if self.every_n_train_steps is not None:
            return
        # saving every epoch needs no monitor: one that is not logged is then ignored
        watched = self.save_best_only or self._monitor.monitor in logs
        best = watched and self._monitor.improved(logs)
        if self.save_best_only and not best:
            return
        step = self._fit_state.step if self._fit_state is not None else 0
        path = self.path.format(epoch=epoch + 1, step=step, **logs)
        self._save(path)
        if best:
            self.best_path = path

    def _save(self, path: str) -> None:
        self.saved.append(path)
        if not self.save_weights_only:
            if self._fit_state is None:
                raise RuntimeError(
                    "ModelCheckpoint(save_weights_only=False): full checkpoints are written by "
                    "fit(); pass this callback to fit(callbacks=[...])"
                )
            self._fit_state.request_save(path)
            return
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        save(self.model.state_dict(), path)

    def state_dict(self) -> dict[str, Any]:
        """The best value and the paths written."""
        return {"best": self._monitor.best, "saved": list(self.saved), "best_path": self.best_path}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``."""
        self._monitor.best = state_dict["best"]
        self.saved, self.best_path = list(state_dict["saved"]), state_dict["best_path"]


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler after every epoch and log the lr the epoch used.

    ``ReduceLROnPlateau`` is stepped with the monitored value, other schedulers with no
    argument. The epoch's learning rate (of the first param group) is logged as ``"lr"``.

    Args:
        scheduler: a scheduler from ``microtensor.optim.lr_scheduler``.
        monitor: the logged value given to ``ReduceLROnPlateau.step``.

    Example:
        >>> import microtensor as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> callback = LRSchedulerCallback(mt.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5))
        >>> logs = {"loss": 1.0}
        >>> callback.on_epoch_end(0, logs)
        >>> logs["lr"], opt.param_groups[0]["lr"]
        (1.0, 0.5)
    """

    def __init__(self, scheduler: Any, monitor: str = "val_loss") -> None:
        self.scheduler = scheduler
        self._monitor = _Monitor("LRSchedulerCallback", monitor, "min")

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state dict."""
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the scheduler's state."""
        self.scheduler.load_state_dict(state_dict["scheduler"])

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Log the lr, then step the scheduler."""
        logs["lr"] = float(self.scheduler.optimizer.param_groups[0]["lr"])
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(self._monitor.value(logs))
        else:
            self.scheduler.step()


class TensorBoard(Callback):
    """Log each epoch's values, the learning rate, and weight/gradient histograms to TensorBoard.

    Every logged value (``"loss"``, ``"val_loss"``, metrics, ``"lr"`` from an
    ``LRSchedulerCallback``) becomes a scalar at step ``epoch`` (0-based); the learning rate of
    the first param group is logged as ``"lr"`` when no other callback logged it. Every
    ``histogram_freq`` epochs each parameter's values (``"<name>"``) and gradient
    (``"<name>.grad"``, from the epoch's last batch) are logged as histograms.

    Args:
        log_dir: the folder for the event files (default: ``SummaryWriter``'s ``runs/...``).
        histogram_freq: log histograms every this many epochs; 0 logs none.
        writer: a ``SummaryWriter`` to use instead of opening one (it is then left open).

    Raises:
        ValueError: for a negative ``histogram_freq``.
        ImportError: when training starts, if the ``tensorboard`` package is not installed.

    Example:
        >>> import microtensor as mt, tempfile
        >>> from microtensor.train import fit
        >>> from microtensor.train.callbacks import TensorBoard
        >>> model = mt.nn.Linear(2, 1)
        >>> opt = mt.optim.SGD(model.parameters(), lr=0.1)
        >>> board = TensorBoard(tempfile.mkdtemp(), histogram_freq=1)
        >>> _ = fit(model, mt.nn.MSELoss(), opt, (mt.ones(4, 2), mt.zeros(4, 1)), epochs=2,
        ...         callbacks=[board], progress=False)
        >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        >>> events = EventAccumulator(board.log_dir); _ = events.Reload()
        >>> sorted(events.Tags()["scalars"]), sorted(events.Tags()["histograms"])
        (['loss', 'lr'], ['bias', 'bias.grad', 'weight', 'weight.grad'])
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        histogram_freq: int = 1,
        writer: Any = None,
    ) -> None:
        if histogram_freq < 0:
            raise ValueError(f"TensorBoard(): histogram_freq must be >= 0, got {histogram_freq}")
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self._given_writer = writer
        self.writer: Any = writer
        self.model: Any = None
        self.optimizer: Any = None

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        """Open the SummaryWriter (unless one was given)."""
        from microtensor.utils.tensorboard import SummaryWriter

        self.model, self.optimizer = model, optimizer
        if self._given_writer is None:
            self.writer = SummaryWriter(self.log_dir)
        self.log_dir = self.writer.log_dir

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Write the epoch's scalars, and the histograms on every ``histogram_freq``-th epoch."""
        values = dict(logs)
        if "lr" not in values and self.optimizer is not None:
            values["lr"] = float(self.optimizer.param_groups[0]["lr"])
        for key, value in values.items():
            self.writer.add_scalar(key, float(value), epoch)
        due = self.histogram_freq and (epoch + 1) % self.histogram_freq == 0
        if due and self.model is not None:
            for name, param in self.model.named_parameters():
                if param.numel() == 0:
                    continue
                self.writer.add_histogram(name, param, epoch)
                if param.grad is not None:
                    self.writer.add_histogram(f"{name}.grad", param.grad, epoch)
        self.writer.flush()

    def on_train_end(self) -> None:
        """Close the writer this callback opened."""
        if self._given_writer is None and self.writer is not None:
            self.writer.close()
