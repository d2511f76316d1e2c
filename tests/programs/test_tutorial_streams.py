"""PyTorch tutorials' own kind of scripts print torch's losses when run with microtensor.

Each script is written once against a library ``lib`` (torch or microtensor), seeds it with
``lib.manual_seed``, and then draws everything itself: the random initial coefficients or
layer weights, random data, dropout masks and the DataLoader's shuffling. Nothing is copied
from one library to the other, so the two loss trajectories agree only if every random stream
does. They must agree step by step to float32 rounding (sums in another order).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.parity.test_random_distributions import DEFAULT_BERNOULLI, OTHER_KERNEL

RTOL = 2e-5  # float32 rounding, compounded over a few dozen steps


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """torch's thread pool spins for seconds on tiny matmuls when the cores are busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def polynomial_fit(lib: Any, seed: int, steps: int = 60) -> list[float]:
    """ "Learning PyTorch with examples": fit y = sin(x) with a + b x + c x^2 + d x^3."""
    lib.manual_seed(seed)
    x = lib.linspace(-math.pi, math.pi, 200)
    y = lib.sin(x)
    a, b, c, d = (lib.randn((), requires_grad=True) for _ in range(4))
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for coefficient in (a, b, c, d):
                coefficient -= 1e-5 * coefficient.grad
                coefficient.grad = None
    return losses


def two_layer_network(lib: Any, seed: int, steps: int = 40) -> list[float]:
    """The tutorial's two-layer network on random data: nn.Sequential, MSELoss, SGD."""
    lib.manual_seed(seed)
    batch, d_in, hidden, d_out = 16, 40, 20, 5
    x = lib.randn(batch, d_in)
    y = lib.randn(batch, d_out)
    model = lib.nn.Sequential(
        lib.nn.Linear(d_in, hidden), lib.nn.ReLU(), lib.nn.Linear(hidden, d_out)
    )
    loss_fn = lib.nn.MSELoss(reduction="sum")
    optimizer = lib.optim.SGD(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


def digits_like_data() -> tuple[np.ndarray, np.ndarray]:
    """A small 'digits' set: 8x8 images, each a noisy copy of one of 10 class prototypes."""
    rng = np.random.default_rng(0)
    prototypes = rng.random((10, 64)) * 16
    labels = rng.integers(0, 10, size=120)
    images = prototypes[labels] + rng.normal(0, 3, size=(120, 64))
    return (images / 16).astype(np.float32), labels.astype(np.int64)


def digits_mlp(lib: Any, seed: int, epochs: int = 2) -> list[float]:
    """An MLP with dropout on the digits, batches shuffled by a DataLoader, Adam."""
    images, labels = digits_like_data()
    lib.manual_seed(seed)
    data = lib.utils.data.TensorDataset(lib.tensor(images), lib.tensor(labels))
    loader = lib.utils.data.DataLoader(data, batch_size=16, shuffle=True)
    model = lib.nn.Sequential(
        lib.nn.Linear(64, 32), lib.nn.ReLU(), lib.nn.Dropout(0.2), lib.nn.Linear(32, 10)
    )
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = lib.nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        model.train()
        for batch, target in loader:
            loss = loss_fn(model(batch), target)
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with lib.no_grad():
            losses.append(loss_fn(model(lib.tensor(images)), lib.tensor(labels)).item())
    return losses


@pytest.mark.parametrize("seed", [0, 1234])
def test_polynomial_fit_prints_torchs_losses(seed):
    theirs = polynomial_fit(torch, seed)
    ours = polynomial_fit(mt, seed)
    assert theirs[-1] < theirs[0] / 2  # it learns, so the comparison covers the whole run
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)


@pytest.mark.parametrize("seed", [0, 7])
def test_two_layer_network_prints_torchs_losses(seed):
    theirs = two_layer_network(torch, seed)
    ours = two_layer_network(mt, seed)
    assert theirs[-1] < theirs[0] / 2
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)


@pytest.mark.skipif(not DEFAULT_BERNOULLI, reason=OTHER_KERNEL)
def test_digits_mlp_with_dropout_and_shuffling_prints_torchs_losses():
    theirs = digits_mlp(torch, 3)
    ours = digits_mlp(mt, 3)
    assert len(theirs) == 2 * (8 + 1) and theirs[-1] < theirs[8]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)


def test_a_different_seed_gives_other_losses():
    # the comparison can fail: another seed draws another run
    assert not np.allclose(two_layer_network(mt, 0, 3), two_layer_network(mt, 1, 3), rtol=RTOL)
