"""Train a small MLP on the two-moons data with a PyTorch-style loop, written in microtensor.

The network is 2-16-1 (tanh hidden layer, sigmoid output), the loss is binary cross-entropy,
and the update is plain gradient descent, all spelled out with tensors: it reads like the
PyTorch loop it ports (replace ``microtensor`` by ``torch``).

Run: ``python examples/train_moons.py [--steps N] [--lr LR] [--seed S]``
"""

from __future__ import annotations

import argparse

import numpy as np

import microtensor as mt


def make_data(seed: int) -> tuple[mt.Tensor, mt.Tensor, mt.Tensor, mt.Tensor]:
    """Two interleaving half circles with noise, split 75/25 into train and test."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    x, y = make_moons(n_samples=1000, noise=0.2, random_state=seed)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=42)

    def as_tensors(features: np.ndarray, labels: np.ndarray) -> tuple[mt.Tensor, mt.Tensor]:
        return mt.tensor(features, dtype=mt.float32), mt.tensor(labels[:, None], dtype=mt.float32)

    return (*as_tensors(x_train, y_train), *as_tensors(x_test, y_test))


def init_params(hidden: int, seed: int) -> list[mt.Tensor]:
    """Weights uniform in +-1/sqrt(fan_in) (PyTorch's Linear default), zero biases."""
    g = mt.Generator().manual_seed(seed)
    w1 = ((mt.rand(2, hidden, generator=g) * 2 - 1) / 2**0.5).requires_grad_()
    b1 = mt.zeros(hidden, requires_grad=True)
    w2 = ((mt.rand(hidden, 1, generator=g) * 2 - 1) / hidden**0.5).requires_grad_()
    b2 = mt.zeros(1, requires_grad=True)
    return [w1, b1, w2, b2]


def forward(params: list[mt.Tensor], x: mt.Tensor) -> mt.Tensor:
    """Probability of class 1 for each row of ``x``."""
    w1, b1, w2, b2 = params
    hidden = mt.tanh(x @ w1 + b1)
    return mt.sigmoid(hidden @ w2 + b2)


def bce(prob: mt.Tensor, target: mt.Tensor) -> mt.Tensor:
    """Mean binary cross-entropy; probabilities are clamped away from 0 and 1."""
    prob = prob.clamp(1e-7, 1 - 1e-7)
    return -(target * prob.log() + (1 - target) * (1 - prob).log()).mean()


def accuracy(params: list[mt.Tensor], x: mt.Tensor, y: mt.Tensor) -> float:
    """Fraction of rows whose thresholded prediction equals the label."""
    with mt.no_grad():
        return float(((forward(params, x) > 0.5).float() == y).float().mean())


def train(
    steps: int = 2000, lr: float = 0.5, hidden: int = 16, seed: int = 0, log_every: int = 200
) -> dict[str, float]:
    """Full-batch gradient descent; returns the first and last loss and the accuracies."""
    x_train, y_train, x_test, y_test = make_data(seed)
    params = init_params(hidden, seed)
    first_loss = last_loss = float("nan")
    for step in range(steps):
        loss = bce(forward(params, x_train), y_train)
        for p in params:
            p.grad = None
        loss.backward()
        with mt.no_grad():
            for p in params:
                p -= lr * p.grad
        last_loss = loss.item()
        if step == 0:
            first_loss = last_loss
        if step % log_every == 0 or step == steps - 1:
            print(f"step {step:5d}  loss {last_loss:.4f}")
    result = {
        "first_loss": first_loss,
        "final_loss": last_loss,
        "train_accuracy": accuracy(params, x_train, y_train),
        "test_accuracy": accuracy(params, x_test, y_test),
    }
    print(
        f"train accuracy {result['train_accuracy']:.3f}  "
        f"test accuracy {result['test_accuracy']:.3f}"
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Parse the command line and train."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return train(args.steps, args.lr, args.hidden, args.seed)


if __name__ == "__main__":
    main()
