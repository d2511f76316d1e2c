"""What more microtensor gives the digits tutorial: model B the Keras way, optimizers compared.

Used by ``examples/digits.py`` (run that script); this module holds its second half:

* ``run_keras_version``: the tutorial's Keras model (Dense 64 ReLU, softmax output, Adam,
  categorical cross-entropy) trained like ``model.fit(x, y, batch_size=32, epochs=...,
  validation_split=0.2)``, a Keras-style line per epoch, then the test accuracy;
* ``compare``: the same network and split with the optimizers the tutorial names (SGD, Adam,
  AdaGrad, RMSProp) for a fixed number of epochs, then Adam with early stopping
  (``microtensor.train.EarlyStopping`` on the validation loss, patience ``PATIENCE``, best
  weights restored; allowed ``STOPPING_BUDGET`` times as many epochs), with and without dropout;
  one table with the epochs each run needed to reach a validation accuracy of ``TARGET`` and its
  final test accuracy.

Everything trains with ``microtensor.train.fit`` on shuffled mini-batches from a ``DataLoader``.
The model is passed in (``model_fn(hidden, dropout=p)``, digits.py's ``NeuralNetwork``: Glorot
uniform weights from ``np.random.RandomState(42)``, zero biases, as Keras initializes a Dense
layer), so every run starts from the same weights and sees the batches in the same order.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import microtensor as mt
from microtensor import nn
from microtensor.train import Callback, EarlyStopping, fit
from microtensor.utils.data import DataLoader, TensorDataset

BATCH_SIZE = 32  # Keras's default batch_size
VALIDATION_SPLIT = 0.2
KERAS_EPOCHS, QUICK_KERAS_EPOCHS = 50, 10
COMPARE_EPOCHS, QUICK_COMPARE_EPOCHS = 100, 20
PATIENCE = 10
STOPPING_BUDGET = 3  # early-stopping runs may train this many times longer: they pick the length
TARGET = 0.95  # validation accuracy for the "epochs to target" column
SEED = 0  # the order of the mini-batches and the dropout masks


class Split(NamedTuple):
    """Training data minus a validation split, the validation split, and the test set."""

    x_train: mt.Tensor
    y_train: mt.Tensor
    x_val: mt.Tensor
    y_val: mt.Tensor
    x_test: mt.Tensor
    y_test: mt.Tensor


class Run(NamedTuple):
    """One row of the comparison: an optimizer, its learning rate, dropout, early stopping."""

    name: str
    optimizer: Callable[..., mt.optim.Optimizer]
    lr: float
    dropout: float = 0.0
    early_stopping: bool = False


RUNS = [
    Run("SGD", mt.optim.SGD, 0.1),
    Run("Adam", mt.optim.Adam, 1e-3),
    Run("AdaGrad", mt.optim.Adagrad, 1e-2),
    Run("RMSProp", mt.optim.RMSprop, 1e-3),
    Run("Adam + early stopping", mt.optim.Adam, 1e-3, early_stopping=True),
    Run("Adam + dropout 0.2 + early stopping", mt.optim.Adam, 1e-3, 0.2, True),
]


def validation_split(data: Any, fraction: float = VALIDATION_SPLIT) -> Split:
    """Keras's ``validation_split``: the last ``fraction`` of the training samples validate."""
    split_at = math.ceil(len(data.x_train) * (1 - fraction))
    return Split(
        data.x_train[:split_at],
        data.y_train[:split_at],
        data.x_train[split_at:],
        data.y_train[split_at:],
        data.x_test,
        data.y_test,
    )


def batches(split: Split, seed: int = SEED) -> DataLoader:
    """Shuffled mini-batches of the training part, in the same order for every run."""
    generator = mt.Generator().manual_seed(seed)
    dataset = TensorDataset(split.x_train, split.y_train)
    return DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, generator=generator)


def evaluate(model: nn.Module, x: mt.Tensor, one_hot: mt.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy in eval mode (dropout off), like Keras's ``evaluate``."""
    model.eval()
    with mt.no_grad():
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, one_hot).item()
    correct = logits.argmax(dim=1).numpy() == one_hot.argmax(dim=1).numpy()
    return loss, float(np.mean(correct))


class KerasLog(Callback):
    """Prints the epoch's logged values the way Keras's ``fit`` does, every ``every`` epochs."""

    def __init__(self, epochs: int, every: int = 1) -> None:
        self.epochs, self.every = epochs, every

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        done = epoch + 1
        if done == 1 or done % self.every == 0 or done == self.epochs:
            values = " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())
            print(f"Epoch {done}/{self.epochs} - {values}")


def run_keras_version(model_fn: Callable[..., nn.Module], data: Any, epochs: int) -> dict:
    """Model B as the tutorial's Keras code trains it; prints the log and the test accuracy.

    Keras: ``Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")])``,
    ``compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])``,
    ``fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.2)``,
    ``evaluate(x_test, y_test)``.
    """
    split = validation_split(data)
    print(
        f"\nmodel B the Keras way: Dense 64 ReLU, softmax output, Adam lr 1e-3, categorical "
        f"cross-entropy, batch size {BATCH_SIZE}, validation_split={VALIDATION_SPLIT} "
        f"({len(split.x_train)} train / {len(split.x_val)} validation images)"
    )
    model = model_fn("relu")
    optimizer = mt.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    history = fit(
        model,
        nn.CrossEntropyLoss(),  # softmax output + categorical cross-entropy, from logits
        optimizer,
        batches(split),
        val_data=(split.x_val, split.y_val),
        epochs=epochs,
        callbacks=[KerasLog(epochs, every=max(1, epochs // 10))],
        metrics=["accuracy"],
        progress=False,
    )
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = evaluate(model, split.x_test, split.y_test)
    print(f"Test loss: {test_loss:.4f} - Test accuracy: {test_accuracy:.4f}  ({seconds:.1f} s)")
    return {
        "model": model,
        "history": history,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "seconds": seconds,
    }


def epochs_to(values: list[float], target: float) -> int | None:
    """The first epoch (1-based) whose value reaches ``target``; None if none does."""
    return next((epoch + 1 for epoch, value in enumerate(values) if value >= target), None)


def train_run(
    model_fn: Callable[..., nn.Module],
    split: Split,
    run: Run,
    epochs: int,
    patience: int = PATIENCE,
    target: float = TARGET,
) -> dict:
    """Train one row of the comparison; returns its history and scores.

    With ``run.early_stopping``, training stops once the validation loss has not improved for
    ``patience`` epochs and the weights of the best epoch are loaded back: the validation and
    test scores are those of the restored model.
    """
    mt.manual_seed(SEED)  # the dropout masks
    model = model_fn("relu", dropout=run.dropout)
    optimizer = run.optimizer(model.parameters(), lr=run.lr)
    stopper = EarlyStopping("val_loss", patience=patience, restore_best=True)
    start = time.perf_counter()
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        batches(split),
        val_data=(split.x_val, split.y_val),
        epochs=epochs,
        callbacks=[stopper] if run.early_stopping else [],
        metrics=["accuracy"],
        progress=False,
    )
    seconds = time.perf_counter() - start
    val_loss, val_accuracy = evaluate(model, split.x_val, split.y_val)
    _, test_accuracy = evaluate(model, split.x_test, split.y_test)
    return {
        "name": run.name,
        "lr": run.lr,
        "model": model,
        "history": history,
        "epochs": history.epochs,
        "stopped": stopper.stopped_epoch,
        "best_epoch": int(np.argmin(history["val_loss"])) + 1,
        "epochs_to_target": epochs_to(history["val_accuracy"], target),
        "val_loss": val_loss,
        "val_accuracy": val_accuracy,
        "test_accuracy": test_accuracy,
        "seconds": seconds,
    }


def compare(
    model_fn: Callable[..., nn.Module], data: Any, epochs: int, target: float = TARGET
) -> list[dict]:
    """Train every row of ``RUNS`` on the validation split; print the table row by row."""
    split = validation_split(data)
    print(
        f"\noptimizers, early stopping and dropout: Dense 64 ReLU, batch size {BATCH_SIZE}, "
        f"{epochs} epochs (early stopping: up to {STOPPING_BUDGET * epochs}, patience "
        f"{PATIENCE}, best weights restored); {len(split.x_train)} train / {len(split.x_val)} "
        f"validation / {len(split.x_test)} test images; the same initial weights and batches "
        "for every run"
    )
    print(
        f"{'run':<36} {'lr':>6}  {'epochs':>6}  {'to ' + format(target, 'g') + ' val acc':>14}  "
        f"{'best val loss':>13}  {'val acc':>7}  {'test acc':>8}  {'time':>6}"
    )
    rows = []
    for run in RUNS:
        budget = STOPPING_BUDGET * epochs if run.early_stopping else epochs
        row = train_run(model_fn, split, run, budget, target=target)
        print(format_row(row))
        rows.append(row)
    return rows


def format_row(row: dict) -> str:
    """One line of the comparison table (``-``: the target was never reached)."""
    to_target = "-" if row["epochs_to_target"] is None else str(row["epochs_to_target"])
    best = f"{min(row['history']['val_loss']):.4f} @{row['best_epoch']}"
    return (
        f"{row['name']:<36} {row['lr']:>6g}  {row['epochs']:>6}  {to_target:>14}  {best:>13}  "
        f"{row['val_accuracy']:>7.4f}  {row['test_accuracy']:>8.4f}  {row['seconds']:>4.1f} s"
    )


def save_comparison_picture(rows: list[dict], out: str, target: float = TARGET) -> str:
    """Validation accuracy and loss per epoch for every run of the comparison (PNG)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.5), layout="constrained")
    accuracy_ax, loss_ax = fig.subplots(1, 2)
    for row in rows:
        epochs = range(1, row["epochs"] + 1)
        style = "--" if "stopping" in row["name"] else "-"
        (line,) = accuracy_ax.plot(epochs, row["history"]["val_accuracy"], style)
        loss_ax.plot(epochs, row["history"]["val_loss"], style, color=line.get_color())
        if "stopping" in row["name"]:  # the restored epoch
            best = row["best_epoch"]
            loss_ax.plot(best, row["history"]["val_loss"][best - 1], "o", color=line.get_color())
        line.set_label(row["name"])
    accuracy_ax.axhline(target, color="gray", linewidth=0.8, label=f"target {target:g}")
    accuracy_ax.set(title="validation accuracy", xlabel="epoch", ylim=(0.85, 1.0))
    accuracy_ax.legend(fontsize=8)
    loss_ax.set(title="validation loss (dots: restored epochs)", xlabel="epoch", yscale="log")
    path = os.path.join(out, "optimizers.png")
    fig.savefig(path, dpi=100)
    return path
