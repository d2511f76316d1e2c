"""A program: two LSTMCells and a Linear predict sine waves, trained with LBFGS in float64.

The classic PyTorch "time sequence prediction" example in small: each sequence is a sine wave
with its own phase; the model reads it one value at a time and predicts the next value. The
same script runs with microtensor and with torch (weights copied across), and the loss
trajectories must agree.
"""

import numpy as np
import pytest
import torch

import microtensor as mt

HIDDEN, STEPS, SEQUENCES, LENGTH = 6, 3, 3, 12


def sine_waves():
    rng = np.random.default_rng(0)
    t = np.arange(LENGTH + 1) + rng.integers(-8, 8, size=(SEQUENCES, 1))
    return np.sin(t / 3.0)


def build(lib):
    class Sequence(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = lib.nn.LSTMCell(1, HIDDEN)
            self.lstm2 = lib.nn.LSTMCell(HIDDEN, HIDDEN)
            self.linear = lib.nn.Linear(HIDDEN, 1)

        def forward(self, sequences, future=0):
            batch = sequences.size(0)
            h1 = lib.zeros(batch, HIDDEN, dtype=lib.float64)
            c1 = lib.zeros(batch, HIDDEN, dtype=lib.float64)
            h2 = lib.zeros(batch, HIDDEN, dtype=lib.float64)
            c2 = lib.zeros(batch, HIDDEN, dtype=lib.float64)
            outputs = []
            for value in sequences.split(1, dim=1):
                h1, c1 = self.lstm1(value, (h1, c1))
                h2, c2 = self.lstm2(h1, (h2, c2))
                output = self.linear(h2)
                outputs.append(output)
            for _ in range(future):  # feed the predictions back in
                h1, c1 = self.lstm1(output, (h1, c1))
                h2, c2 = self.lstm2(h1, (h2, c2))
                output = self.linear(h2)
                outputs.append(output)
            return lib.cat(outputs, dim=1)

    return Sequence().double()


def train(lib, state_dict):
    lib.manual_seed(0)
    model = build(lib)
    model.load_state_dict({k: lib.tensor(v) for k, v in state_dict.items()})
    waves = sine_waves()
    inputs, target = lib.tensor(waves[:, :-1]), lib.tensor(waves[:, 1:])
    criterion = lib.nn.MSELoss()
    optimizer = lib.optim.LBFGS(
        model.parameters(), lr=0.8, max_iter=6, line_search_fn="strong_wolfe"
    )
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = criterion(model(inputs), target)
        loss.backward()
        calls.append(loss.item())
        return loss

    losses = [optimizer.step(closure).item() for _ in range(STEPS)]
    with lib.no_grad():
        future = model(inputs[:, :4], future=6).numpy()
    return losses, calls, future


def test_lstmcells_trained_with_lbfgs_match_torch():
    torch.manual_seed(0)
    reference = build(torch)
    state_dict = {k: v.detach().numpy().copy() for k, v in reference.state_dict().items()}
    losses, calls, future = train(mt, state_dict)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    try:
        losses_torch, calls_torch, future_torch = train(torch, state_dict)
    finally:
        torch.set_num_threads(threads)
    assert losses[-1] < 0.5 * losses[0]  # it learns the waves
    assert len(calls) == len(calls_torch) > STEPS  # the closure runs several times a step
    np.testing.assert_allclose(calls, calls_torch, rtol=1e-7)
    np.testing.assert_allclose(losses, losses_torch, rtol=1e-7)
    assert future.shape == (SEQUENCES, 10)
    np.testing.assert_allclose(future, future_torch, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_state_dict_keys_are_torchs(lib):
    assert list(build(lib).state_dict()) == list(build(torch).state_dict())
