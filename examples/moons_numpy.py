"""The moons network written by hand in NumPy: the tutorial's explicit backprop formulas.

This is the from-scratch version that ``examples/moons.py`` ports to a PyTorch-style loop in
microtensor: the same 2-5-1 network (sigmoid hidden and output layers), the same weights, the
same loss (squared error summed over the samples and halved) and the same full-batch gradient
descent. ``tests/examples/test_moons.py`` checks that microtensor's autograd gives these
gradients to float64 precision.

The formulas, for a batch ``X`` (n, 2) with labels ``y`` (n, 1)::

    forward:   h = sigmoid(X @ W1 + b1)             (n, hidden)
               p = sigmoid(h @ W2 + b2)             (n, 1)
               loss = 0.5 * sum((p - y) ** 2)
    backward:  delta2 = (p - y) * p * (1 - p)       dloss/d(h @ W2 + b2)
               delta1 = (delta2 @ W2.T) * h * (1 - h)
               dW2 = h.T @ delta2    db2 = sum over rows of delta2
               dW1 = X.T @ delta1    db1 = sum over rows of delta1
    update:    W <- W - lr * dW   (for W1, b1, W2, b2)

Run: ``python examples/moons_numpy.py [--iterations N] [--lr LR] [--hidden H] [--noise S]``
"""

from __future__ import annotations

import argparse

import numpy as np

Params = dict[str, np.ndarray]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, written as in the tutorial."""
    return 1.0 / (1.0 + np.exp(-z))


def init_weights(hidden: int = 5, seed: int = 4242) -> tuple[np.ndarray, np.ndarray]:
    """W1 (2, hidden) then W2 (hidden, 1), uniform in [-0.1, 0.1] from RandomState(seed)."""
    rng = np.random.RandomState(seed)
    w1 = rng.uniform(-0.1, 0.1, size=(2, hidden))
    w2 = rng.uniform(-0.1, 0.1, size=(hidden, 1))
    return w1, w2


def make_params(w1: np.ndarray, w2: np.ndarray) -> Params:
    """Copies of the weights with zero biases, float64."""
    return {
        "W1": np.array(w1, dtype=np.float64),
        "b1": np.zeros((1, w1.shape[1])),
        "W2": np.array(w2, dtype=np.float64),
        "b2": np.zeros((1, 1)),
    }


def forward(params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hidden activations ``h`` and output probabilities ``p`` for the rows of ``x``."""
    hidden = sigmoid(x @ params["W1"] + params["b1"])
    prob = sigmoid(hidden @ params["W2"] + params["b2"])
    return hidden, prob


def loss_and_gradients(params: Params, x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    """The halved summed squared error and its gradients, by the formulas above."""
    hidden, prob = forward(params, x)
    loss = 0.5 * float(np.sum((prob - y) ** 2))
    delta2 = (prob - y) * prob * (1 - prob)
    delta1 = (delta2 @ params["W2"].T) * hidden * (1 - hidden)
    grads = {
        "W1": x.T @ delta1,
        "b1": delta1.sum(axis=0, keepdims=True),
        "W2": hidden.T @ delta2,
        "b2": delta2.sum(axis=0, keepdims=True),
    }
    return loss, grads


def train(
    params: Params, x: np.ndarray, y: np.ndarray, lr: float = 0.1, iterations: int = 20_000
) -> list[float]:
    """Full-batch gradient descent in place on ``params``; returns the loss of every step."""
    losses = []
    for _ in range(iterations):
        loss, grads = loss_and_gradients(params, x, y)
        for name, grad in grads.items():
            params[name] -= lr * grad
        losses.append(loss)
    return losses


def load_data(noise: float = 0.2) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tutorial's moons: 1000 points, 75/25 split; labels as (n, 1) float columns."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    x, y = make_moons(n_samples=1000, noise=noise, random_state=4242)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=42)
    return x_train, x_test, y_train[:, None].astype(float), y_test[:, None].astype(float)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Train the hand-written network and print the test accuracy and ROC AUC."""
    from sklearn.metrics import accuracy_score, roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=5)
    parser.add_argument("--noise", type=float, default=0.2)
    args = parser.parse_args(argv)

    x_train, x_test, y_train, y_test = load_data(args.noise)
    params = make_params(*init_weights(args.hidden))
    losses = train(params, x_train, y_train, args.lr, args.iterations)
    prob = forward(params, x_test)[1][:, 0]
    result = {
        "final_loss": losses[-1],
        "test_accuracy": float(accuracy_score(y_test[:, 0], prob > 0.5)),
        "test_auc": float(roc_auc_score(y_test[:, 0], prob)),
    }
    print(
        f"hand-written NumPy, {args.iterations} iterations: loss {result['final_loss']:.4f}  "
        f"test accuracy {result['test_accuracy']:.3f}  test AUC {result['test_auc']:.4f}"
    )
    return result


if __name__ == "__main__":
    main()
