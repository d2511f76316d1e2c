"""Grad mode, anomaly mode and module scopes are per thread, as in PyTorch."""

import threading

import numpy as np

import microtensor as mt
from microtensor import nn


def make_model(seed):
    mt.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).double()


def data(seed):
    rng = np.random.default_rng(seed)
    return mt.tensor(rng.normal(size=(16, 4))), mt.tensor(rng.normal(size=(16, 1)))


def train(model, steps, seed, out):
    """SGD steps on fixed data; records each loss and whether its graph was recorded."""
    x, y = data(seed)
    optimizer = mt.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        loss = ((model(x) - y) ** 2).mean()
        out.append((loss.item(), loss.grad_fn is not None))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def run_threads(targets):
    errors = []

    def guarded(fn):
        try:
            fn()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(fn,)) for fn in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_no_grad_in_one_thread_does_not_stop_training_in_another():
    reference = []
    train(make_model(0), 300, 0, reference)
    model = make_model(0)
    losses = []
    stop = threading.Event()

    def inference():
        x, _ = data(1)
        while not stop.is_set():
            with mt.no_grad():
                assert model(x).grad_fn is None
                assert not mt.is_grad_enabled()

    def training():
        try:
            train(model_for_training, 300, 0, losses)
        finally:
            stop.set()

    model_for_training = make_model(0)
    run_threads([inference, training])
    assert all(recorded for _, recorded in losses)
    assert [loss for loss, _ in losses] == [loss for loss, _ in reference]  # to the bit


def test_new_threads_start_with_grad_mode_on():
    seen = []
    with mt.no_grad(), mt.autograd.detect_anomaly():
        thread = threading.Thread(
            target=lambda: seen.append((mt.is_grad_enabled(), mt.autograd.is_anomaly_enabled()))
        )
        thread.start()
        thread.join()
        assert not mt.is_grad_enabled()
    assert seen == [(True, False)]


def test_eight_threads_mixing_training_inference_and_grad():
    steps = 5000
    references = {}
    for seed in range(3):
        out = []
        tiny = nn.Linear(2, 1).double()
        train_tiny(tiny, seed, steps, out)
        references[seed] = out
    results = {seed: [] for seed in range(3)}
    grads = []

    def trainer(seed):
        return lambda: train_tiny(nn.Linear(2, 1).double(), seed, steps, results[seed])

    def inference():
        lin = nn.Linear(2, 1)
        x = mt.ones(3, 2)
        for _ in range(steps):
            with mt.no_grad():
                assert lin(x).grad_fn is None

    def gradient():
        x = mt.tensor([1.0, 2.0], requires_grad=True)
        for _ in range(steps):
            (g,) = mt.autograd.grad((x**3).sum(), x)
            grads.append(g.tolist())

    targets = [trainer(0), trainer(1), trainer(2), inference, inference, gradient, gradient,
               inference]  # fmt: skip
    run_threads(targets)
    for seed in range(3):
        assert results[seed] == references[seed]
    assert len(grads) == 2 * steps and all(g == [3.0, 12.0] for g in grads)


def train_tiny(lin, seed, steps, out):
    """A one-layer model: many quick steps, each with its own graph."""
    rng = np.random.default_rng(seed)
    with mt.no_grad():
        lin.weight.copy_(mt.tensor(rng.normal(size=(1, 2))))
        lin.bias.zero_()
    x, y = mt.tensor(rng.normal(size=(4, 2))), mt.tensor(rng.normal(size=(4, 1)))
    for _ in range(steps):
        loss = ((lin(x) - y) ** 2).mean()
        assert loss.grad_fn is not None
        lin.zero_grad()
        loss.backward()
        with mt.no_grad():
            for p in lin.parameters():
                p -= 0.01 * p.grad
        out.append(loss.item())


def test_two_backward_passes_at_once_equal_sequential_ones():
    def graph(seed):
        rng = np.random.default_rng(seed)
        w = mt.tensor(rng.normal(size=(50, 50)), requires_grad=True)
        y = w
        for _ in range(40):
            y = mt.tanh(y @ w) * 0.5
        return w, y.sum()

    expected = []
    for seed in (0, 1):
        w, loss = graph(seed)
        loss.backward()
        expected.append(w.grad.numpy().copy())
    pairs = [graph(0), graph(1)]
    run_threads([lambda pair=pair: pair[1].backward() for pair in pairs])
    for (w, _), want in zip(pairs, expected, strict=True):
        np.testing.assert_array_equal(w.grad.numpy(), want)


def test_module_scopes_do_not_mix_across_threads():
    from microtensor import viz

    results = []

    def draw(seed):
        model = make_model(seed)
        x, _ = data(seed)
        for _ in range(50):
            out = model(x).sum()
        graph = viz.trace(out, model)
        results.append(sorted({node.scope for node in graph.nodes.values() if node.op}))

    run_threads([lambda s=s: draw(s) for s in range(4)])
    assert all(result == results[0] for result in results)
