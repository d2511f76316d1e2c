"""examples/digits.py on reduced settings: accuracies, hand-NumPy parity, fit parity, pictures."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits.py"
EPOCHS = 150


def load():
    spec = importlib.util.spec_from_file_location("digits_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def digits():
    return load()


@pytest.fixture(scope="module")
def plain_run(digits, tmp_path_factory):
    out = tmp_path_factory.mktemp("digits")
    return digits.main(["--epochs", str(EPOCHS), "--out", str(out), "--no-progress"]), out


def test_reduced_run_reaches_sensible_accuracies(plain_run):
    # measured at 150 epochs: A 0.7752 train / 0.7750 test, B 0.9506 / 0.9361
    results, _ = plain_run
    a, b = results["A"], results["B"]
    assert a["test_accuracy"] >= 0.74 and a["train_accuracy"] >= 0.74
    assert b["test_accuracy"] >= 0.92 and b["train_accuracy"] >= 0.93
    # sigmoid + SGD starts slowly (2.48 -> 1.83 in 150 epochs); ReLU + Adam: 2.34 -> 0.34
    for result, factor in ((a, 0.8), (b, 0.2)):
        assert len(result["train_loss"]) == len(result["test_loss"]) == EPOCHS
        assert result["train_loss"][-1] < factor * result["train_loss"][0]
        assert result["test_loss"][-1] < factor * result["test_loss"][0]


def test_pictures_are_written(plain_run):
    _, out = plain_run
    names = [
        "confusion_matrix.png",
        "loss_curves.png",
        "misclassified_A.png",
        "misclassified_B.png",
    ]
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / name).stat().st_size > 5000


def test_summary_is_printed(digits, capsys):
    results = digits.main(["--epochs", "3", "--models", "B", "--no-plots", "--no-progress"])
    out = capsys.readouterr().out
    assert list(results) == ["B"]
    assert "after 3 epochs  (references are for 1000 epochs)" in out
    assert f"{results['B']['test_accuracy']:.4f}    0.9778" in out


def test_fit_gives_the_same_training_as_the_trainer(digits, plain_run):
    results, _ = plain_run
    fitted = digits.main(["--epochs", str(EPOCHS), "--fit", "--no-plots", "--no-progress"])
    for name in ("A", "B"):
        assert fitted[name]["train_loss"] == results[name]["train_loss"]
        assert fitted[name]["test_loss"] == results[name]["test_loss"]
        assert fitted[name]["test_accuracy"] == results[name]["test_accuracy"]


def test_model_a_equals_the_hand_written_numpy_network(digits, plain_run):
    """The tutorial's explicit backprop formulas, same weights: the losses agree to float64."""
    results, _ = plain_run
    data = digits.load_data()
    x, y = data.x_train.numpy(), data.y_train.numpy()
    rng = np.random.RandomState(42)
    w1, w2 = digits.glorot_uniform(rng, 64, 64), digits.glorot_uniform(rng, 64, 10)
    b1, b2 = np.zeros(64), np.zeros(10)
    losses = []
    with digits.limit_blas_threads(1):
        for _ in range(EPOCHS):
            hidden = 1 / (1 + np.exp(-(x @ w1 + b1)))
            logits = hidden @ w2 + b2
            exp = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob = exp / exp.sum(axis=1, keepdims=True)
            losses.append(-np.mean(np.sum(y * np.log(prob), axis=1)))
            d_logits = (prob - y) / len(x)
            d_hidden = d_logits @ w2.T * hidden * (1 - hidden)
            w2 -= 0.1 * hidden.T @ d_logits
            b2 -= 0.1 * d_logits.sum(axis=0)
            w1 -= 0.1 * x.T @ d_hidden
            b1 -= 0.1 * d_hidden.sum(axis=0)
    np.testing.assert_allclose(results["A"]["train_loss"], losses, rtol=1e-12)
    model = results["A"]["model"]
    np.testing.assert_allclose(model.hidden.weight.detach().numpy(), w1.T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.output.bias.detach().numpy(), b2, rtol=0, atol=1e-12)


def test_glorot_weights_follow_the_tutorial_draw_order(digits):
    model = digits.NeuralNetwork("sigmoid")
    rng = np.random.RandomState(42)
    first = rng.uniform(-np.sqrt(6 / 128), np.sqrt(6 / 128), (64, 64))
    second = rng.uniform(-np.sqrt(6 / 74), np.sqrt(6 / 74), (64, 10))
    assert np.array_equal(model.hidden.weight.detach().numpy(), first.T)
    assert np.array_equal(model.output.weight.detach().numpy(), second.T)
    assert (
        not model.hidden.bias.detach().numpy().any()
        and model.hidden.weight.dtype == digits.mt.float64
    )
