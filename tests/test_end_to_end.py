"""A plain PyTorch-style training loop on scikit-learn's digits, written with microtensor."""

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.utils.data import DataLoader, TensorDataset

sklearn = pytest.importorskip("sklearn")


def digits_loaders(seed=0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42)
    scaler = StandardScaler().fit(x_train)
    x_train = scaler.transform(x_train).astype(np.float32)
    x_test = scaler.transform(x_test).astype(np.float32)
    train = TensorDataset(mt.tensor(x_train), mt.tensor(y_train))
    generator = mt.Generator().manual_seed(seed)
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=generator)
    return loader, mt.tensor(x_test), mt.tensor(y_test)


def test_mlp_on_digits_reaches_96_percent():
    mt.manual_seed(0)
    loader, x_test, y_test = digits_loaders()
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = mt.optim.Adam(model.parameters(), lr=1e-3)
    first_epoch_loss = None
    for _epoch in range(10):
        model.train()
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        if first_epoch_loss is None:
            first_epoch_loss = total / len(loader.dataset)
    model.eval()
    with mt.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    assert total / len(loader.dataset) < 0.5 * first_epoch_loss
    assert accuracy >= 0.96
