"""W7's hand-written NumPy CNN: im2col convolutions, max-pooling and their backward by hand.

Network (PyTorch's layouts, so the same initial weights go into all three implementations):
conv(1->16, 3x3, padding 1) - ReLU - maxpool 2 - conv(16->32, 3x3, padding 1) - ReLU -
maxpool 2 - flatten - linear(128 -> 10), softmax cross-entropy, Adam.

Derivatives (``g`` is the gradient of the loss with respect to a layer's output):

* convolution as im2col: ``cols`` (N*H*W, C*9) holds every 3x3 window of the padded input
  (``sliding_window_view``), ``out = cols @ W.reshape(F, C*9).T + b``; so ``dW = g.T @ cols``,
  ``db = g.sum(0)`` and ``dcols = g @ W``, which col2im adds back onto the padded input, one
  of the 9 kernel offsets at a time;
* max-pool 2x2: the gradient goes to the first maximum of each window (PyTorch's choice);
* ReLU, linear and cross-entropy as in ``benchmarks/numpy_impl.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from benchmarks.numpy_impl import Adam, cross_entropy


def im2col(x: np.ndarray) -> np.ndarray:
    """The 3x3 windows of ``x`` (N, C, H, W) padded by 1, as rows (N*H*W, C*9)."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = sliding_window_view(padded, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3)
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * 9)


def col2im(dcols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient of ``x`` from that of ``im2col(x)``: each window adds back its share."""
    n, c, h, w = shape
    d = dcols.reshape(n, h, w, c, 3, 3)
    padded = np.zeros((n, c, h + 2, w + 2), dtype=dcols.dtype)
    for i in range(3):
        for j in range(3):
            padded[:, :, i : i + h, j : j + w] += d[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return padded[:, :, 1:-1, 1:-1]


def conv_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> tuple[Any, Any]:
    """3x3 convolution with padding 1 (N, C, H, W) -> (N, F, H, W), and its im2col rows."""
    n, _, h, w = x.shape
    cols = im2col(x)
    out = cols @ weight.reshape(len(weight), -1).T + bias
    return out.reshape(n, h, w, -1).transpose(0, 3, 1, 2), cols


def conv_backward(
    g: np.ndarray, cols: np.ndarray, weight: np.ndarray, dw: np.ndarray, db: np.ndarray
) -> np.ndarray:
    """Fill ``dw`` and ``db``; return the im2col rows' gradient (N*H*W, C*9)."""
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, len(weight))
    np.matmul(g2.T, cols, out=dw.reshape(len(weight), -1))
    np.sum(g2, axis=0, out=db)
    return g2 @ weight.reshape(len(weight), -1)


def pool_forward(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max-pool of (N, C, H, W), and each window's index of its first maximum."""
    n, c, h, w = a.shape
    windows = a.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    windows = windows.reshape(n, c, h // 2, w // 2, 4)
    index = windows.argmax(axis=-1)[..., None]
    return np.take_along_axis(windows, index, axis=-1)[..., 0], index


def pool_backward(g: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The gradient of the pooled input: each window's gradient goes to its first maximum."""
    n, c, h2, w2 = g.shape
    windows = np.zeros((n, c, h2, w2, 4), dtype=g.dtype)
    np.put_along_axis(windows, index, g[..., None], axis=-1)
    windows = windows.reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return windows.reshape(n, c, 2 * h2, 2 * w2)


class CNN:
    """The W7 network; ``params`` and ``grads`` in ``model.parameters()``'s order."""

    def __init__(self, params: list[np.ndarray]):
        self.params = params
        self.grads = [np.zeros_like(p) for p in params]

    def train_step(self, x: np.ndarray, y: np.ndarray) -> float:
        """Forward, loss and backward; fills ``self.grads`` and returns the loss."""
        w1, b1, w2, b2, w3, b3 = self.params
        g1, gb1, g2, gb2, g3, gb3 = self.grads
        h1, cols1 = conv_forward(x, w1, b1)
        a1 = np.maximum(h1, 0)
        p1, index1 = pool_forward(a1)
        h2, cols2 = conv_forward(p1, w2, b2)
        a2 = np.maximum(h2, 0)
        p2, index2 = pool_forward(a2)
        flat = p2.reshape(len(x), -1)
        loss, grad = cross_entropy(flat @ w3.T + b3, y)
        np.matmul(grad.T, flat, out=g3)
        np.sum(grad, axis=0, out=gb3)
        grad = (grad @ w3).reshape(p2.shape)
        grad = pool_backward(grad, index2) * (a2 > 0)
        dcols = conv_backward(grad, cols2, w2, g2, gb2)
        grad = col2im(dcols, p1.shape)
        grad = pool_backward(grad, index1) * (a1 > 0)
        conv_backward(grad, cols1, w1, g1, gb1)  # the input needs no gradient
        return float(loss)


class CNNTraining:
    """W7 with the hand-written CNN (the runner's interface): one fixed batch, Adam."""

    def __init__(self, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        params = [arrays[f"param{i}"].astype(dtype) for i in range(spec["n_params"])]
        self.model = CNN(params)
        self.optimizer = Adam(params, self.model.grads, lr=spec["lr"])
        self.x, self.y = arrays["x"].astype(dtype), arrays["y"]

    def train_step(self) -> float:
        loss = self.model.train_step(self.x, self.y)
        self.optimizer.step()
        return loss

    def step(self) -> None:
        self.train_step()

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        losses = [self.train_step() for _ in range(steps)]
        return losses, [p.copy() for p in self.model.params]
