"""Hand-written NumPy versions of the benchmark workloads: forward and backward derived by hand.

This is the baseline microtensor is measured against: what a careful person writes with NumPy
alone, without a graph. Each network keeps its weights in PyTorch's layout (``weight`` is
(out_features, in_features), so a layer is ``x @ W.T + b``), which lets the benchmark copy the
same initial weights into all three implementations and compare the parameters afterwards.

Derivatives used below (``g`` is the gradient of the loss with respect to a layer's output):

* linear ``h = x @ W.T + b``: ``dW = g.T @ x``, ``db = g.sum(0)``, ``dx = g @ W``;
* sigmoid ``a = 1 / (1 + exp(-h))``: ``dh = g * a * (1 - a)``;
* relu ``a = max(h, 0)``: ``dh = g * (h > 0)``;
* squared error ``L = sum((a - y)**2) / 2``: ``da = a - y``;
* softmax cross-entropy ``L = mean(logsumexp(z) - z[y])``: ``dz = (softmax(z) - onehot(y)) / N``;
* the W6 chain: ``d(c*y) = c``, ``d(y + c) = 1``, ``d exp(y) = exp(y)``, ``d log(y) = 1 / y``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from benchmarks.workloads import ChainStats, chain_ops


def sigmoid(h: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-h))


class MLP:
    """Fully connected layers with one activation after every hidden layer.

    ``output_activation`` also applies it after the last layer (W1's sigmoid output).
    """

    def __init__(self, params: list[np.ndarray], activation: str, output_activation: bool):
        self.params = params  # [W1, b1, W2, b2, ...], updated in place by the optimizers
        self.grads = [np.zeros_like(p) for p in params]
        self.activation = activation
        self.output_activation = output_activation
        self.inputs: list[np.ndarray] = []  # input of each layer
        self.outputs: list[np.ndarray] = []  # output of each activation

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.inputs, self.outputs = [], []
        layers = len(self.params) // 2
        for i in range(layers):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            self.inputs.append(x)
            x = x @ weight.T + bias
            if i < layers - 1 or self.output_activation:
                x = sigmoid(x) if self.activation == "sigmoid" else np.maximum(x, 0)
                self.outputs.append(x)
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Fill ``self.grads`` from the gradient of the loss with respect to the output."""
        layers = len(self.params) // 2
        for i in reversed(range(layers)):
            if i < layers - 1 or self.output_activation:
                a = self.outputs[i]
                grad = grad * a * (1 - a) if self.activation == "sigmoid" else grad * (a > 0)
            weight = self.params[2 * i]
            np.matmul(grad.T, self.inputs[i], out=self.grads[2 * i])
            np.sum(grad, axis=0, out=self.grads[2 * i + 1])
            if i > 0:
                grad = grad @ weight


def squared_error(out: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sum((out - target)**2) / 2`` and its gradient ``out - target``."""
    diff = out - target
    return 0.5 * np.vdot(diff, diff), diff


def cross_entropy(logits: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean softmax cross-entropy and its gradient ``(softmax - onehot) / N``."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # max shift: exp never overflows
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = (np.log(total[:, 0]) - shifted[rows, target]).mean()
    grad = exp / total
    grad[rows, target] -= 1
    grad /= n
    return loss, grad


class SGD:
    """``p = p - lr * grad``, in place."""

    def __init__(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float):
        self.params, self.grads, self.lr = params, grads, lr

    def step(self) -> None:
        for p, g in zip(self.params, self.grads, strict=True):
            p -= self.lr * g


class Adam:
    """Adam as ``torch.optim.Adam`` (single-tensor form), every update in place."""

    def __init__(
        self,
        params: list[np.ndarray],
        grads: list[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        self.params, self.grads, self.lr, self.eps = params, grads, lr, eps
        self.beta1, self.beta2 = betas
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.scratch = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        step_size = self.lr / (1 - self.beta1**self.t)
        root_correction = (1 - self.beta2**self.t) ** 0.5
        for p, g, m, v, s in zip(
            self.params, self.grads, self.m, self.v, self.scratch, strict=True
        ):
            np.subtract(g, m, out=s)
            s *= 1 - self.beta1
            m += s
            v *= self.beta2
            np.multiply(g, g, out=s)
            s *= 1 - self.beta2
            v += s
            np.sqrt(v, out=s)
            s /= root_correction
            s += self.eps
            np.divide(m, s, out=s)
            s *= step_size
            p -= s


def batches(
    x: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Minibatches in ``order``, each one fancy-indexing of the whole arrays."""
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield x[idx], y[idx]


class Network:
    """A workload's network, loss and optimizer: ``train_step`` is one optimization step."""

    def __init__(
        self,
        model: MLP,
        loss: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
        optimizer: SGD | Adam,
    ):
        self.model, self.loss, self.optimizer = model, loss, optimizer

    def train_step(self, x: np.ndarray, y: np.ndarray) -> float:
        loss, grad = self.loss(self.model.forward(x), y)
        self.model.backward(grad)
        self.optimizer.step()
        return loss  # type: ignore[return-value]


class Training:
    """One workload's training with the hand-written network (the runner's interface)."""

    def __init__(self, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        params = [arrays[f"param{i}"].astype(dtype) for i in range(spec["n_params"])]
        model = MLP(params, spec["activation"], spec["output_activation"])
        loss = cross_entropy if spec["loss"] == "cross_entropy" else squared_error
        if spec["optimizer"] == "adam":
            optimizer: SGD | Adam = Adam(params, model.grads, lr=spec["lr"])
        else:
            optimizer = SGD(params, model.grads, lr=spec["lr"])
        self.network = Network(model, loss, optimizer)
        self.x = arrays["x"].astype(dtype)
        self.y = arrays["y"] if arrays["y"].dtype.kind == "i" else arrays["y"].astype(dtype)
        self.batch_size = spec.get("batch_size")
        self.seed = int(arrays["seed"])
        self.order = arrays["order"]
        self.rng = np.random.default_rng(self.seed)

    def step(self) -> None:
        if self.batch_size is None:
            self.network.train_step(self.x, self.y)
            return
        order = self.rng.permutation(len(self.x))
        for xb, yb in batches(self.x, self.y, order, self.batch_size):
            self.network.train_step(xb, yb)

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        if self.batch_size is None:
            losses = [float(self.network.train_step(self.x, self.y)) for _ in range(steps)]
        else:
            loader = batches(self.x, self.y, self.order, self.batch_size)
            losses = [float(self.network.train_step(*next(loader))) for _ in range(steps)]
        return losses, [p.copy() for p in self.network.model.params]


def chain_forward(x: np.ndarray, ops: list[tuple[str, float]]) -> tuple[np.ndarray, list[Any]]:
    """``y = ops[-1](...ops[0](x))`` and, per op, what its derivative needs (None if nothing)."""
    saved: list[Any] = []
    y = x
    for name, c in ops:
        if name == "mul":
            saved.append(None)
            y = y * c
        elif name == "add":
            saved.append(None)
            y = y + c
        elif name == "exp":
            y = np.exp(y)
            saved.append(y)
        else:  # log
            saved.append(y)
            y = np.log(y)
    return y, saved


def chain_backward(y: np.ndarray, ops: list[tuple[str, float]], saved: list[Any]) -> np.ndarray:
    """``d sum(y) / dx`` for the chain that ``chain_forward`` ran, from the last op back."""
    grad = np.ones_like(y)
    for (name, c), value in zip(reversed(ops), reversed(saved), strict=True):
        if name == "mul":
            grad = grad * c
        elif name == "exp":
            grad = grad * value
        elif name == "log":
            grad = grad / value
    return grad


class Chain:
    """W6: a long chain of small elementwise ops, forward then backward (the runner's interface)."""

    def __init__(self, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        self.x = arrays["x"].astype(dtype)
        self.ops = chain_ops(int(arrays["n_ops"]))
        self.check_ops = chain_ops(int(arrays["n_check_ops"]))
        self.stats = ChainStats()

    def step(self) -> None:
        self.stats.mark(0)
        self._forward_backward()
        self.stats.mark(3)

    def _forward_backward(self) -> None:
        y, saved = chain_forward(self.x, self.ops)
        self.stats.mark(1)
        chain_backward(y, self.ops, saved)
        self.stats.mark(2)

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        y, saved = chain_forward(self.x, self.check_ops)
        grad = chain_backward(y, self.check_ops, saved)
        return [float(y.sum())], [y, grad]
