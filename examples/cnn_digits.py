"""A LeNet-style CNN on scikit-learn's 8x8 digits: conv-pool-conv-pool-linear, in microtensor.

* data: ``load_digits`` (1797 images, no download), pixels scaled to [0, 1] (divided by 16),
  shaped (N, 1, 8, 8); a stratified 75/25 split with ``random_state=0`` (1347 train / 450 test);
* model: Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3, padding=1) -
  ReLU - MaxPool2d(2) - Flatten - Linear(32 * 2 * 2, 10), float32, PyTorch's default init;
* training: Adam (lr 1e-2), mini-batches of 64 from a shuffling ``DataLoader``,
  ``nn.CrossEntropyLoss``; one line per epoch (train loss, test loss, test accuracy).

Measured over seeds 0-4: the test accuracy first reaches 0.97 at epoch 4-11 and ends at
0.980-0.984 after the default 20 epochs (0.982 with ``--seed 0``), in about 2.5 s of training
on 2 cores; ``--quick`` trains 5 epochs (0.95-0.96). The computation graph of
one batch's loss is drawn by ``microtensor.viz.render_graph`` to ``--out/cnn_graph.svg``
(skipped with a note when Graphviz is missing).

Run: ``python examples/cnn_digits.py [--epochs N] [--quick] [--seed S] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

import microtensor as mt
from microtensor import nn
from microtensor.utils.data import DataLoader, TensorDataset

FULL_EPOCHS = 20
QUICK_EPOCHS = 5


def load_data() -> tuple[mt.Tensor, mt.Tensor, mt.Tensor, mt.Tensor]:
    """Digits as (N, 1, 8, 8) float32 images in [0, 1] and int64 labels, split 75/25."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
    return mt.tensor(x_train), mt.tensor(x_test), mt.tensor(y_train), mt.tensor(y_test)


def make_model() -> nn.Module:
    """conv16 - pool - conv32 - pool - fc10 (LeNet's shape, sized for 8x8 inputs)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 4x4 -> 2x2
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def evaluate(model: nn.Module, x: mt.Tensor, y: mt.Tensor) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on ``x``, ``y`` without a graph."""
    model.eval()
    with mt.no_grad():
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y).item()
    model.train()
    return loss, float(np.mean(logits.argmax(dim=1).numpy() == y.numpy()))


def train(epochs: int, seed: int, lr: float = 1e-2) -> dict[str, Any]:
    """Train the CNN; returns the model, per-epoch losses/accuracies, final accuracy, time."""
    mt.manual_seed(seed)
    x_train, x_test, y_train, y_test = load_data()
    model = make_model()
    optimizer = mt.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    history: dict[str, list[float]] = {"train_loss": [], "test_loss": [], "test_accuracy": []}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
        test_loss, test_accuracy = evaluate(model, x_test, y_test)
        history["train_loss"].append(total / len(x_train))
        history["test_loss"].append(test_loss)
        history["test_accuracy"].append(test_accuracy)
        print(
            f"epoch {epoch:3d}/{epochs}  train loss {total / len(x_train):.4f}  "
            f"test loss {test_loss:.4f}  test accuracy {test_accuracy:.4f}"
        )
    return {
        "model": model,
        **history,
        "accuracy": history["test_accuracy"][-1] if epochs else evaluate(model, x_test, y_test)[1],
        "seconds": time.perf_counter() - start,
        "batch": (x_train[:64], y_train[:64]),
    }


def save_graph(
    model: nn.Module, batch: tuple[mt.Tensor, mt.Tensor], out: str
) -> tuple[str | None, str]:
    """Draw one batch's loss graph (with parameter names) to ``out/cnn_graph.svg``.

    Returns the path written (None when no Graphviz backend is installed) and the line to print.
    """
    os.makedirs(out, exist_ok=True)
    loss = nn.CrossEntropyLoss()(model(batch[0]), batch[1])
    try:
        from microtensor.viz import render_graph

        path = str(render_graph(loss, os.path.join(out, "cnn_graph.svg"), params=model))
        return path, f"graph: {path}"
    except (ImportError, RuntimeError) as error:  # no graphviz package, and no Graphviz backend
        return None, f"graph: not drawn ({error})"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help=f"default {FULL_EPOCHS}")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_EPOCHS} epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("outputs", "cnn_digits"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train, print the final accuracy, draw the graph; returns ``train``'s dict + ``graph``."""
    from threadpoolctl import threadpool_limits

    args = parse_args(argv)
    epochs = args.epochs if args.epochs is not None else QUICK_EPOCHS if args.quick else FULL_EPOCHS
    with threadpool_limits(limits=1, user_api="blas"):  # more threads slow small matmuls down
        result = train(epochs, args.seed)
        result["graph"], graph_line = save_graph(result["model"], result["batch"], args.out)
    print(
        f"final test accuracy {result['accuracy']:.4f} after {epochs} epochs "
        f"({result['seconds']:.1f} s)"
    )
    print(graph_line)  # last, so a missing Graphviz never moves the lines above
    return result


if __name__ == "__main__":
    main()
