"""``fit``'s resumable state: what a full checkpoint holds, and how ``fit(resume=...)`` reads it.

A checkpoint is a plain dict written with ``microtensor.save`` (torch's zip format, so
``torch.load`` reads it too): the model's, optimizer's and callbacks' state dicts (an
``LRSchedulerCallback`` holds its scheduler's), the default generator's state
(``mt.get_rng_state()``), the training DataLoader's ``state_dict()`` (mid-epoch: where it is in
the epoch; at the end of one: its own generators and, with persistent workers, their seed and
random states, which the next epoch goes on from), the epoch and step counters, the epoch's
partial loss sums and the history. Resuming from it in a new process gives the same losses, bit
for bit, as the run that was not stopped.
"""

from __future__ import annotations

import os
from typing import Any

from microtensor.random import get_rng_state, set_rng_state
from microtensor.serialization import load, save
from microtensor.tensor import Tensor

__all__ = ["FitState"]

FORMAT = "microtensor.train.fit checkpoint v1"


class FitState:
    """Where a ``fit`` run is: the counters and partial sums of the epoch in progress.

    Attributes:
        epoch: the current epoch (0-based); step: training steps done in this run (across
            epochs); batch: batches done in the current epoch; total_loss and count: the
            epoch's loss sum (weighted by batch size) and sample count so far; outputs and
            targets: the epoch's outputs and targets so far (kept only with metrics).
    """

    def __init__(
        self, model: Any, optimizer: Any, train_data: Any, callbacks: Any, history: Any
    ) -> None:
        self.model, self.optimizer, self.train_data = model, optimizer, train_data
        self.callbacks, self.history = list(callbacks), history
        self.epoch = self.step = self.batch = 0
        self.stopped = False  # a callback asked to stop after this epoch
        self.start_epoch(0)
        self.pending: list[str] = []

    def start_epoch(self, epoch: int) -> None:
        """Reset the epoch's counters and sums."""
        self.epoch, self.batch = epoch, 0
        self.total_loss, self.count = 0.0, 0
        self.outputs: list[Tensor] = []
        self.targets: list[Tensor] = []

    def state_dict(self, mid_epoch: bool) -> dict[str, Any]:
        """The full checkpoint; ``mid_epoch`` says that the epoch is still in progress."""
        loader_state = None
        if hasattr(self.train_data, "state_dict"):
            loader_state = self.train_data.state_dict()
        return {
            "format": FORMAT,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "callbacks": [
                {"class": type(cb).__name__, "state": cb.state_dict()} for cb in self.callbacks
            ],
            "rng_state": get_rng_state(),
            "train_data": loader_state,
            "mid_epoch": mid_epoch,
            "stopped": self.stopped,
            "epoch": self.epoch,
            "step": self.step,
            "batch": self.batch,
            "total_loss": self.total_loss,
            "count": self.count,
            "outputs": list(self.outputs),
            "targets": list(self.targets),
            "history": {key: list(values) for key, values in self.history.history.items()},
        }

    def request_save(self, path: str) -> None:
        """Ask for a checkpoint at ``path``, written once every callback has run its hook."""
        self.pending.append(path)

    def write_pending(self, mid_epoch: bool) -> None:
        """Write the checkpoints the callbacks asked for."""
        if not self.pending:
            return
        checkpoint = self.state_dict(mid_epoch)
        for path in self.pending:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            save(checkpoint, path)
        self.pending = []

    def resume(self, path: str | os.PathLike[str]) -> tuple[int, int]:
        """Load the checkpoint at ``path`` into the run.

        Returns:
            The epoch to run first and how many of its batches are already done (0 when the
            checkpoint was taken at the end of an epoch: the next epoch then starts). After a
            checkpoint of the epoch where a callback stopped training, ``stopped`` is True.
        """
        checkpoint = load(path)
        name = os.fspath(path)
        if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
            raise ValueError(
                f"fit(): {name!r} is not a fit checkpoint; write one with "
                "ModelCheckpoint(..., save_weights_only=False)"
            )
        self._load_callbacks(checkpoint["callbacks"], name)
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.history.history = {key: list(values) for key, values in checkpoint["history"].items()}
        set_rng_state(checkpoint["rng_state"])
        self.step, self.stopped = checkpoint["step"], checkpoint["stopped"]
        if not checkpoint["mid_epoch"]:
            if checkpoint["train_data"] is not None:  # (the next epoch starts from it)
                self.train_data.load_state_dict(checkpoint["train_data"])
            self.start_epoch(checkpoint["epoch"] + 1)
            return self.epoch, 0
        self.start_epoch(checkpoint["epoch"])
        self.batch = checkpoint["batch"]
        self.total_loss, self.count = checkpoint["total_loss"], checkpoint["count"]
        self.outputs, self.targets = list(checkpoint["outputs"]), list(checkpoint["targets"])
        if checkpoint["train_data"] is not None:
            self.train_data.load_state_dict(checkpoint["train_data"])
            return self.epoch, 0  # the loader skips the batches already done
        return self.epoch, self.batch

    def _load_callbacks(self, saved: list[dict[str, Any]], name: str) -> None:
        names = [type(cb).__name__ for cb in self.callbacks]
        if [entry["class"] for entry in saved] != names:
            raise ValueError(
                f"fit(): {name!r} was saved with the callbacks "
                f"{[entry['class'] for entry in saved]} but this run has {names}; resume "
                "with the same callbacks in the same order"
            )
        for callback, entry in zip(self.callbacks, saved, strict=True):
            callback.load_state_dict(entry["state"])
