"""Handwritten digits: the "neural networks" tutorial's NeuralNetwork and Trainer, in microtensor.

The tutorial classifies scikit-learn's 8x8 digits (1797 images, no download) with a network
written by hand in NumPy, a ``NeuralNetwork`` class and a ``Trainer`` class that tracks the
train and test loss per epoch. This script is the same network as a PyTorch-style loop:

* data: ``load_digits``, pixels scaled to [0, 1] by ``MinMaxScaler``, one-hot targets, an 80/20
  split with ``random_state=42`` (1437 train / 360 test images); float64 throughout;
* weights: Glorot uniform (limit sqrt(6 / (fan_in + fan_out))) drawn from
  ``np.random.RandomState(42)``, W1 (64x64) first and then W2 (64x10), used as ``x @ W``
  (``nn.Linear`` stores the transpose); zero biases;
* model A (the tutorial's): 64-64-10, sigmoid hidden layer, softmax output, mean categorical
  cross-entropy, full-batch SGD with lr 0.1, 1000 epochs;
* model B (the tutorial's Keras version): the same with a ReLU hidden layer and Adam (lr 1e-3).

The softmax output layer is folded into ``nn.CrossEntropyLoss``, which takes logits and the
one-hot targets (softmax + categorical cross-entropy in one stable step); ``predict_proba``
applies the softmax. The Trainer records the train and test (the tutorial's validation data)
loss and accuracy per epoch. The same network written by hand in NumPy and in PyTorch, with the
same weights, reaches the accuracies in ``REFERENCE`` after 1000 epochs; this script prints its
own next to them. ``--fit`` trains with ``microtensor.train.fit`` instead of the Trainer (the
Keras-like ``fit(..., validation_data)``): the numbers are the same.

Then (``examples/digits_extras.py``; ``--no-keras``, ``--no-compare`` skip them) model B as the
tutorial's Keras code trains it: mini-batches of 32, a validation split of the training set, a
log line per epoch and the test accuracy; and one table comparing SGD, Adam, AdaGrad and
RMSProp, and Adam with early stopping (best weights restored) with and without dropout: epochs
to a validation accuracy of 0.95 and the final test accuracy.

Pictures go to ``--out`` (default ``outputs/digits/``): the loss and accuracy curves, the
confusion matrices, the misclassified test digits, the validation curves of the comparison
(PNG), and model A's computation graph (``graph_A.svg`` and ``.png``, drawn by
``microtensor.viz.render_graph``; a text tree in ``graph_A.txt`` without Graphviz).

Run: ``python examples/digits.py [--quick] [--epochs N] [--fit] [--models A B] [--out DIR]``
(``--no-keras``, ``--no-compare``, ``--no-plots``, ``--no-progress``; ``--threads N`` sets the
BLAS threads, default 1: more only slow these small matmuls down, about 6x on 2 busy cores).
The default run takes about 18 s on 2 idle cores (45 s when they are shared with other
jobs); ``--quick`` (fewer epochs everywhere) about 7 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from typing import Any, NamedTuple

import digits_extras as extras
import numpy as np

import microtensor as mt
from microtensor import nn

# test/train accuracy after 1000 full-batch epochs, hand NumPy and PyTorch (float64, same weights)
REFERENCE = {"A": {"train": 0.9408, "test": 0.9222}, "B": {"train": 0.9986, "test": 0.9778}}
FULL_EPOCHS = 1000
QUICK_EPOCHS = 150

MODELS: dict[str, dict[str, Any]] = {
    "A": {
        "hidden": "sigmoid",
        "optimizer": lambda params: mt.optim.SGD(params, lr=0.1),
        "label": "sigmoid hidden, SGD lr 0.1",
    },
    "B": {
        "hidden": "relu",
        "optimizer": lambda params: mt.optim.Adam(params, lr=1e-3),
        "label": "ReLU hidden, Adam lr 1e-3",
    },
}


class Data(NamedTuple):
    x_train: mt.Tensor
    x_test: mt.Tensor
    y_train: mt.Tensor  # one-hot, float64
    y_test: mt.Tensor


def load_data() -> Data:
    """The tutorial's data: MinMax-scaled pixels, one-hot targets, an 80/20 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    digits = load_digits()
    features = MinMaxScaler().fit_transform(digits.data)
    one_hot = np.eye(10)[digits.target]
    x_train, x_test, y_train, y_test = train_test_split(
        features, one_hot, test_size=0.2, random_state=42
    )
    return Data(*(mt.tensor(a, dtype=mt.float64) for a in (x_train, x_test, y_train, y_test)))


def glorot_uniform(rng: np.random.RandomState, fan_in: int, fan_out: int) -> np.ndarray:
    """A (fan_in, fan_out) matrix uniform in +-sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out))


class NeuralNetwork(nn.Module):
    """64 -> 64 (sigmoid or ReLU) [-> dropout] -> 10; ``forward`` returns logits.

    The softmax output is in the loss (``nn.CrossEntropyLoss``) and in ``predict_proba``.
    """

    def __init__(self, hidden: str = "sigmoid", seed: int = 42, dropout: float = 0.0) -> None:
        super().__init__()
        self.hidden = nn.Linear(64, 64, dtype=mt.float64)
        self.activation = nn.Sigmoid() if hidden == "sigmoid" else nn.ReLU()
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.output = nn.Linear(64, 10, dtype=mt.float64)
        rng = np.random.RandomState(seed)
        w1 = glorot_uniform(rng, 64, 64)  # drawn first, as in the tutorial
        w2 = glorot_uniform(rng, 64, 10)
        with mt.no_grad():
            for layer, weight in ((self.hidden, w1), (self.output, w2)):
                layer.weight.copy_(mt.tensor(weight.T))  # x @ W == linear(x, W.T)
                layer.bias.zero_()

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.output(self.dropout(self.activation(self.hidden(x))))

    def predict_proba(self, x: mt.Tensor) -> mt.Tensor:
        with mt.no_grad():
            return mt.softmax(self(x), dim=1)

    def predict(self, x: mt.Tensor) -> np.ndarray:
        return self.predict_proba(x).argmax(dim=1).numpy()


class Trainer:
    """The tutorial's Trainer: full-batch epochs; train and test loss and accuracy per epoch."""

    def __init__(self, model: nn.Module, optimizer: mt.optim.Optimizer) -> None:
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = nn.CrossEntropyLoss()  # softmax + mean categorical cross-entropy
        self.train_loss: list[float] = []
        self.test_loss: list[float] = []
        self.train_accuracy: list[float] = []  # of the outputs before each step, as fit's
        self.test_accuracy: list[float] = []

    def train(self, data: Data, epochs: int, progress: bool = True, desc: str = "") -> None:
        """The plain loop: zero_grad, forward, loss, backward, step; then the test scores."""
        bar = progress_bar(epochs, progress, desc)
        for epoch in bar:
            self.optimizer.zero_grad()
            logits = self.model(data.x_train)
            loss = self.loss_fn(logits, data.y_train)
            loss.backward()
            self.optimizer.step()
            with mt.no_grad():
                test_logits = self.model(data.x_test)
                test_loss = self.loss_fn(test_logits, data.y_test)
            self.train_loss.append(loss.item())
            self.test_loss.append(test_loss.item())
            self.train_accuracy.append(matches(logits, data.y_train))
            self.test_accuracy.append(matches(test_logits, data.y_test))
            if progress and epoch % 10 == 0:
                bar.set_postfix(
                    loss=f"{loss.item():.4f}",
                    test_loss=f"{test_loss.item():.4f}",
                    test_acc=f"{self.test_accuracy[-1]:.4f}",
                    refresh=False,
                )


def matches(logits: mt.Tensor, one_hot: mt.Tensor) -> float:
    """The fraction of rows whose largest logit is at the one-hot target's 1."""
    return float(np.mean(logits.argmax(dim=1).numpy() == one_hot.argmax(dim=1).numpy()))


def progress_bar(epochs: int, progress: bool, desc: str) -> Any:
    """A tqdm bar over the epochs (a plain range without ``progress``)."""
    if not progress:
        return range(epochs)
    from tqdm import tqdm

    return tqdm(range(epochs), desc=desc, unit="epoch", mininterval=0.5)


def train_with_fit(model: nn.Module, optimizer: Any, data: Data, epochs: int, progress: bool):
    """The same training with ``microtensor.train.fit`` (validation data = the test set).

    Returns the per-epoch train loss, test loss, train accuracy and test accuracy.
    """
    from microtensor.train import fit

    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        (data.x_train, data.y_train),
        val_data=(data.x_test, data.y_test),
        epochs=epochs,
        metrics=["accuracy"],
        progress=progress,
    )
    return history["loss"], history["val_loss"], history["accuracy"], history["val_accuracy"]


def accuracy(model: NeuralNetwork, x: mt.Tensor, one_hot: mt.Tensor) -> float:
    """The model's accuracy on ``x`` (its final score; the Trainer's lists are per epoch)."""
    return float(np.mean(model.predict(x) == one_hot.argmax(dim=1).numpy()))


def run_model(name: str, data: Data, epochs: int, use_fit: bool, progress: bool) -> dict:
    """Build, train and score one model; returns its losses, accuracies and time."""
    spec = MODELS[name]
    model = NeuralNetwork(spec["hidden"])
    optimizer = spec["optimizer"](model.parameters())
    start = time.perf_counter()
    if use_fit:
        curves = train_with_fit(model, optimizer, data, epochs, progress)
    else:
        trainer = Trainer(model, optimizer)
        trainer.train(data, epochs, progress, desc=f"model {name}")
        curves = (trainer.train_loss, trainer.test_loss)
        curves += (trainer.train_accuracy, trainer.test_accuracy)
    seconds = time.perf_counter() - start
    return {
        "model": model,
        "train_loss": curves[0],
        "test_loss": curves[1],
        "train_accuracies": curves[2],  # per epoch
        "test_accuracies": curves[3],
        "train_accuracy": accuracy(model, data.x_train, data.y_train),
        "test_accuracy": accuracy(model, data.x_test, data.y_test),
        "seconds": seconds,
    }


def save_pictures(results: dict[str, dict], data: Data, out: str) -> list[str]:
    """Loss and accuracy curves, confusion matrices, misclassified digits (PNG files in ``out``)."""
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    os.makedirs(out, exist_ok=True)
    names = list(results)
    paths = []

    fig = Figure(figsize=(5 * len(names), 7), layout="constrained")
    axes = fig.subplots(2, len(names), squeeze=False, sharex="col")
    for column, name in enumerate(names):
        for row, (key, label) in enumerate((("loss", "loss"), ("accuracies", "accuracy"))):
            axes[row, column].plot(results[name][f"train_{key}"], label="train")
            axes[row, column].plot(results[name][f"test_{key}"], label="test")
            axes[row, column].set(ylabel=label)
            axes[row, column].legend()
        axes[0, column].set_title(f"model {name}: {MODELS[name]['label']}")
        axes[1, column].set(xlabel="epoch", ylim=(0.0, 1.0))
    paths.append(_save(fig, out, "loss_curves.png"))

    truth = data.y_test.argmax(dim=1).numpy()
    fig = Figure(figsize=(5 * len(names), 4.5), layout="constrained")
    for ax, name in zip(fig.subplots(1, len(names), squeeze=False)[0], names, strict=True):
        predicted = results[name]["model"].predict(data.x_test)
        ConfusionMatrixDisplay.from_predictions(truth, predicted, ax=ax, colorbar=False)
        ax.set_title(f"model {name}: test accuracy {results[name]['test_accuracy']:.4f}")
    paths.append(_save(fig, out, "confusion_matrix.png"))

    for name in names:
        paths.append(_save_misclassified(results[name]["model"], data, truth, out, name))
    return paths


def _save_misclassified(model: NeuralNetwork, data: Data, truth: np.ndarray, out: str, name: str):
    """Up to 24 misclassified test digits, each titled with its true and predicted class."""
    from matplotlib.figure import Figure

    predicted = model.predict(data.x_test)
    wrong = np.flatnonzero(predicted != truth)[:24]
    fig = Figure(figsize=(9, 1.6 * max(1, -(-len(wrong) // 8))), layout="constrained")
    fig.suptitle(
        f"model {name}: {np.sum(predicted != truth)} misclassified test digits (true -> predicted)"
    )
    images = data.x_test.numpy()
    for k, idx in enumerate(wrong):
        ax = fig.add_subplot(max(1, -(-len(wrong) // 8)), 8, k + 1)
        ax.imshow(images[idx].reshape(8, 8), cmap="gray_r")
        ax.set_title(f"{truth[idx]} -> {predicted[idx]}", fontsize=9)
        ax.set_axis_off()
    return _save(fig, out, f"misclassified_{name}.png")


def save_graph(model: NeuralNetwork, data: Data, out: str, name: str) -> list[str]:
    """The computation graph of one full-batch loss, with gradient norms, as SVG and PNG.

    Drawn by ``microtensor.viz.render_graph`` (Graphviz's ``dot`` program, or its WebAssembly
    build from the ``viz`` extra); with neither, the graph is written as a text tree
    (``print_graph``) instead.
    """
    from microtensor.viz import print_graph

    os.makedirs(out, exist_ok=True)
    loss = nn.CrossEntropyLoss()(model(data.x_train), data.y_train)
    loss.backward()  # the drawing shows each parameter's gradient norm
    try:
        from microtensor.viz import render_graph

        paths = [
            str(render_graph(loss, os.path.join(out, f"graph_{name}.{fmt}"), params=model))
            for fmt in ("svg", "png")
        ]
    except (ImportError, RuntimeError) as error:  # no graphviz package, or no Graphviz backend
        print(f"note: no graph picture ({error}); writing the graph as text instead")
        path = os.path.join(out, f"graph_{name}.txt")
        with open(path, "w", encoding="utf-8") as file:
            print_graph(loss, params=model, file=file)
        paths = [path]
    finally:
        model.zero_grad()
    return paths


def _save(fig: Any, out: str, filename: str) -> str:
    path = os.path.join(out, filename)
    fig.savefig(path, dpi=100)
    return path


def print_summary(results: dict[str, dict], epochs: int) -> None:
    """Accuracies next to the hand-NumPy / PyTorch references (which are for 1000 epochs)."""
    note = "" if epochs == FULL_EPOCHS else f"  (references are for {FULL_EPOCHS} epochs)"
    print(f"\nafter {epochs} epochs{note}")
    print("model  optimizer                    train acc  ref     test acc  ref     time")
    for name, result in results.items():
        ref = REFERENCE[name]
        match = ""
        if epochs == FULL_EPOCHS:
            same = (
                round(result["train_accuracy"], 4) == ref["train"]
                and round(result["test_accuracy"], 4) == ref["test"]
            )
            match = "  matches" if same else "  DIFFERS"
        print(
            f"{name:<6} {MODELS[name]['label']:<28} {result['train_accuracy']:.4f}     "
            f"{ref['train']:.4f}  {result['test_accuracy']:.4f}    {ref['test']:.4f}  "
            f"{result['seconds']:5.1f} s{match}"
        )


def limit_blas_threads(threads: int) -> Any:
    """Use ``threads`` BLAS threads (0: the default); more only slow these small matmuls down."""
    if threads <= 0:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help=f"default {FULL_EPOCHS}")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"fewer epochs: {QUICK_EPOCHS}, the Keras way {extras.QUICK_KERAS_EPOCHS}, "
        f"the comparison {extras.QUICK_COMPARE_EPOCHS}",
    )
    parser.add_argument("--fit", action="store_true", help="train with microtensor.train.fit")
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=sorted(MODELS))
    boolean = argparse.BooleanOptionalAction
    parser.add_argument("--keras", action=boolean, default=True, help="model B the Keras way")
    parser.add_argument(
        "--compare", action=boolean, default=True, help="optimizers, early stopping, dropout"
    )
    parser.add_argument("--out", default=os.path.join("outputs", "digits"))
    parser.add_argument("--no-plots", action="store_true", help="skip the pictures")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: default)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train models A and B, then the Keras way and the comparison; print and draw the results.

    Returns ``{"models": {name: result}, "keras": result or None, "compare": rows or None,
    "pictures": paths}``.
    """
    args = parse_args(argv)
    epochs = args.epochs if args.epochs is not None else QUICK_EPOCHS if args.quick else FULL_EPOCHS
    start = time.perf_counter()
    data = load_data()
    print(
        f"digits: {len(data.x_train)} train / {len(data.x_test)} test images, 64 pixels, "
        f"10 classes; training with {'microtensor.train.fit' if args.fit else 'the Trainer loop'}"
    )
    results: dict[str, Any] = {"models": {}, "keras": None, "compare": None, "pictures": []}
    with limit_blas_threads(args.threads):
        for name in args.models:
            results["models"][name] = run_model(name, data, epochs, args.fit, not args.no_progress)
        print_summary(results["models"], epochs)
        if args.keras:
            keras_epochs = extras.QUICK_KERAS_EPOCHS if args.quick else extras.KERAS_EPOCHS
            results["keras"] = extras.run_keras_version(NeuralNetwork, data, keras_epochs)
        if args.compare:
            compare_epochs = extras.QUICK_COMPARE_EPOCHS if args.quick else extras.COMPARE_EPOCHS
            results["compare"] = extras.compare(NeuralNetwork, data, compare_epochs)
        if not args.no_plots:
            results["pictures"] = save_all_pictures(results, data, args.out)
            print("\npictures: " + ", ".join(results["pictures"]))
    print_final(results)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return results


def print_final(results: dict[str, Any]) -> None:
    """One closing line: the test accuracies of models A and B and of the Keras way."""
    scores = [
        f"model {name} {result['test_accuracy']:.4f} (reference {REFERENCE[name]['test']:.4f})"
        for name, result in results["models"].items()
    ]
    if results["keras"] is not None:
        scores.append(f"model B the Keras way {results['keras']['test_accuracy']:.4f}")
    if scores:
        print("\nfinal test accuracy: " + ", ".join(scores))


def save_all_pictures(results: dict[str, Any], data: Data, out: str) -> list[str]:
    """The models' pictures, the comparison's curves and the first model's graph."""
    os.makedirs(out, exist_ok=True)
    paths = save_pictures(results["models"], data, out) if results["models"] else []
    if results["compare"]:
        paths.append(extras.save_comparison_picture(results["compare"], out))
    if results["models"]:
        name, result = next(iter(results["models"].items()))
        paths += save_graph(result["model"], data, out, name)
    return paths


if __name__ == "__main__":
    main()
