"""examples/moons.py (microtensor) against examples/moons_numpy.py (hand-written backprop)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

import microtensor as mt

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


moons = load("moons")
moons_numpy = load("moons_numpy")


@pytest.fixture(scope="module")
def data():
    return moons.load_data()


def model_from_params(params):
    """The microtensor model holding the NumPy parameters (biases included)."""
    model = moons.build_model(params["W1"], params["W2"])
    with mt.no_grad():
        model[0].bias.copy_(mt.tensor(params["b1"][0]))
        model[2].bias.copy_(mt.tensor(params["b2"][0]))
    return model


def autograd_loss_and_gradients(model, x, y):
    """microtensor's loss and gradients, laid out as the hand-written ones (W1 is (2, hidden))."""
    model.zero_grad()
    loss = moons.halved_sse(model(x), y)
    loss.backward()
    return loss.item(), {
        "W1": model[0].weight.grad.numpy().T,
        "b1": model[0].bias.grad.numpy()[None, :],
        "W2": model[2].weight.grad.numpy().T,
        "b2": model[2].bias.grad.numpy()[None, :],
    }


def draw_params(hidden, seed, scale, trained_steps, x, y):
    rng = np.random.RandomState(seed)
    w1 = rng.uniform(-scale, scale, size=(2, hidden))
    w2 = rng.uniform(-scale, scale, size=(hidden, 1))
    params = moons_numpy.make_params(w1, w2)
    moons_numpy.train(params, x, y, lr=0.1, iterations=trained_steps)  # nonzero biases
    return params


@pytest.mark.parametrize(
    ("hidden", "seed", "scale", "trained_steps"),
    [
        (5, 4242, 0.1, 0),  # the tutorial's initial weights
        (5, 4242, 0.1, 300),  # ... and after 300 steps (biases no longer zero)
        (5, 0, 1.0, 0),
        (3, 1, 3.0, 50),  # large weights: saturated sigmoids
        (10, 7, 0.5, 20),
    ],
)
def test_autograd_gradients_equal_hand_written_backprop(data, hidden, seed, scale, trained_steps):
    x_train, y_train = data[0], data[1]
    x, y = x_train.numpy(), y_train.numpy()
    params = draw_params(hidden, seed, scale, trained_steps, x, y)
    expected_loss, expected = moons_numpy.loss_and_gradients(params, x, y)
    loss, grads = autograd_loss_and_gradients(model_from_params(params), x_train, y_train)
    assert grads["W1"].dtype == np.float64
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12, atol=0)
    for name in ("W1", "b1", "W2", "b2"):
        assert grads[name].shape == expected[name].shape
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-12, atol=0, err_msg=name)


def test_training_follows_the_hand_written_loop(data):
    """200 steps of the PyTorch-style loop stay on the hand-written NumPy trajectory."""
    x_train, y_train = data[0], data[1]
    w1, w2 = moons.init_weights()
    params = moons_numpy.make_params(w1, w2)
    expected_losses = moons_numpy.train(params, x_train.numpy(), y_train.numpy(), 0.1, 200)
    model = moons.build_model(w1, w2)
    losses = moons.train(model, x_train, y_train, lr=0.1, iterations=200)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-11)
    np.testing.assert_allclose(model[0].weight.detach().numpy().T, params["W1"], rtol=1e-10)
    np.testing.assert_allclose(model[2].bias.detach().numpy()[None, :], params["b2"], rtol=1e-10)
    assert losses[-1] < 0.1 * losses[0]


def test_torch_gives_the_hand_written_gradients(data):
    torch = pytest.importorskip("torch")
    x, y = data[0].numpy(), data[1].numpy()
    w1, w2 = moons.init_weights()
    params = moons_numpy.make_params(w1, w2)
    _, expected = moons_numpy.loss_and_gradients(params, x, y)
    t_w1 = torch.tensor(w1, requires_grad=True)
    t_w2 = torch.tensor(w2, requires_grad=True)
    prob = torch.sigmoid(torch.sigmoid(torch.tensor(x) @ t_w1) @ t_w2)
    (0.5 * ((prob - torch.tensor(y)) ** 2).sum()).backward()
    np.testing.assert_allclose(t_w1.grad.numpy(), expected["W1"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(t_w2.grad.numpy(), expected["W2"], rtol=1e-12, atol=0)


def test_initial_weights_are_the_tutorials():
    w1, w2 = moons.init_weights()
    rng = np.random.RandomState(4242)
    np.testing.assert_array_equal(w1, rng.uniform(-0.1, 0.1, (2, 5)))
    np.testing.assert_array_equal(w2, rng.uniform(-0.1, 0.1, (5, 1)))
    model = moons.build_model(w1, w2)
    assert model[0].weight.dtype == mt.float64
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), w1.T)
    assert not model[0].bias.detach().numpy().any() and not model[2].bias.detach().numpy().any()


def test_moons_example_end_to_end(tmp_path, capsys):
    # 1000 iterations: before the late oscillating phase (~6,500 on), so the figures are stable
    result = moons.main(
        [
            "--iterations",
            "1000",
            "--no-progress",
            "--print-every",
            "250",
            "--experiments",
            "--quick",
            "--experiment-iterations",
            "1000",
            "--out",
            str(tmp_path),
        ]
    )
    assert result["test_accuracy"] >= 0.93
    assert result["test_auc"] >= 0.97
    assert result["train_accuracy"] >= 0.95
    for path in result["pictures"].values():
        assert path.parent == tmp_path
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data.png",
        "decision_boundary.png",
        "loss.png",
        "roc.png",
    ]

    tables = result["experiments"]
    assert [row["setting"] for row in tables["iterations"]] == [100, 500, 1000]
    by_lr = {row["setting"]: row for row in tables["learning rate"]}
    assert by_lr[0.5]["test_accuracy"] < by_lr[0.1]["test_accuracy"] - 0.1  # clearly worse
    assert by_lr[0.1]["test_error"] == pytest.approx(1 - by_lr[0.1]["test_accuracy"])
    assert tables["iterations"][-1]["test_accuracy"] == result["test_accuracy"]

    out = capsys.readouterr().out
    assert "iteration    250  loss" in out
    assert "precision" in out and "recall" in out  # the classification report
    assert "tutorial" in out and "0.9879" in out
    assert "Experiment: hidden nodes" in out


def test_numpy_example_matches_microtensor_example(capsys):
    expected = moons_numpy.main(["--iterations", "1000"])
    result = moons.main(
        ["--iterations", "1000", "--no-progress", "--print-every", "0", "--no-pictures"]
    )
    assert result["test_accuracy"] == expected["test_accuracy"]
    assert result["test_auc"] == pytest.approx(expected["test_auc"], abs=1e-12)
    assert result["final_loss"] == pytest.approx(expected["final_loss"], rel=1e-11)
    assert "hand-written NumPy, 1000 iterations" in capsys.readouterr().out
