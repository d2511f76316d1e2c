"""Two small training runs for the exact-resume tests: the digits MLP and the LSTM forecaster.

Each run trains with ``fit`` through a shuffling DataLoader, an ``LRSchedulerCallback`` and a
``ModelCheckpoint(save_weights_only=False, every_n_train_steps=...)``, recording every step's
loss. ``python -m tests.train.resume_runs NAME DATA CHECKPOINT OUT [NUM_WORKERS]`` resumes a run from
a checkpoint in a new process and writes its losses and final weights to ``OUT``. The digits run
with ``num_workers > 0`` loads its batches in worker processes (persistent, forked) and adds
noise to each image there (an augmentation drawn from the worker's default generator).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np

import microtensor as mt
from microtensor import nn
from microtensor.optim.lr_scheduler import StepLR
from microtensor.train import Callback, LRSchedulerCallback, ModelCheckpoint, fit
from microtensor.utils.data import DataLoader, TensorDataset

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STEPS_PER_CHECKPOINT = {"digits": 7, "lstm": 4}  # both mid-epoch


class Interrupted(Exception):
    """Raised to stop a run as a crash would."""


class Recorder(Callback):
    """Every step's loss; raises Interrupted at step ``stop_at`` (before that step is saved)."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.losses: list[float] = []
        self.stop_at = stop_at

    def on_train_batch_end(self, step: int, logs: dict[str, float]) -> None:
        if step == self.stop_at:
            raise Interrupted
        self.losses.append(logs["loss"])


def example(name: str):
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)


def make_data(name: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Small training sets: 8x8 'digits' made of noise around 10 prototypes, or sine windows."""
    if name == "lstm":
        x, y = example("sequence").make_waves(96, rng)
        return {"x": x, "y": y}
    labels = rng.integers(0, 10, 120)
    prototypes = rng.uniform(0, 1, (10, 64))
    x = np.clip(prototypes[labels] + 0.2 * rng.standard_normal((120, 64)), 0, 1)
    return {"x": x, "y": np.eye(10)[labels]}


class NoisyDigits(TensorDataset):
    """The digits, each image with noise drawn when it is loaded (in a worker, its generator)."""

    def __getitem__(self, index):
        x, y = super().__getitem__(index)
        return x + 0.05 * mt.randn(x.shape, dtype=x.dtype), y


def train(
    name: str,
    data: dict[str, np.ndarray],
    path: str,
    stop_at=None,
    resume=None,
    num_workers=0,
    every_epoch=False,
):
    """Build the run as from scratch and fit it (resuming from ``resume`` if given).

    Checkpoints go to ``path`` every ``STEPS_PER_CHECKPOINT[name]`` steps, or at the end of
    every epoch with ``every_epoch``.
    """
    mt.manual_seed(0)
    if name == "lstm":
        model = example("sequence").Forecaster("lstm", hidden=8)
        loss_fn, epochs, batch_size = nn.MSELoss(), 2, 16
    else:
        model = example("digits").NeuralNetwork(hidden="relu", dropout=0.3)
        loss_fn, epochs, batch_size = nn.CrossEntropyLoss(), 3, 32
    optimizer = mt.optim.Adam(model.parameters(), lr=1e-2)
    if num_workers:
        dataset = NoisyDigits(mt.tensor(data["x"]), mt.tensor(data["y"]))
        workers = {"persistent_workers": True, "multiprocessing_context": "fork"}
        loader = DataLoader(
            dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers, **workers
        )
    else:
        dataset = TensorDataset(mt.tensor(data["x"]), mt.tensor(data["y"]))
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    recorder = Recorder(stop_at)
    if every_epoch:
        checkpoint = ModelCheckpoint(
            path, monitor="loss", save_best_only=False, save_weights_only=False
        )
    else:
        checkpoint = ModelCheckpoint(
            path, save_weights_only=False, every_n_train_steps=STEPS_PER_CHECKPOINT[name]
        )
    callbacks = [
        checkpoint,
        LRSchedulerCallback(StepLR(optimizer, step_size=1, gamma=0.5)),
        recorder,
    ]
    history = fit(
        model,
        loss_fn,
        optimizer,
        loader,
        epochs=epochs,
        callbacks=callbacks,
        progress=False,
        resume=resume,
    )
    return recorder.losses, history, model


def main(argv: list[str]) -> None:
    name, data_path, checkpoint, out, *workers = argv
    data = dict(np.load(data_path))
    num_workers = int(workers[0]) if workers else 0
    losses, history, model = train(
        name, data, checkpoint + ".again", resume=checkpoint, num_workers=num_workers
    )
    mt.save(
        {
            "losses": [float(v) for v in losses],
            "history": [float(v) for v in history["loss"]],
            "lr": [float(v) for v in history["lr"]],
            "model": model.state_dict(),
        },
        out,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
