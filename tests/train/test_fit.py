"""microtensor.train: fit against a plain loop, History, EarlyStopping, ModelCheckpoint, LR callback."""

import copy

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from microtensor.train import (
    Callback,
    EarlyStopping,
    History,
    LRSchedulerCallback,
    ModelCheckpoint,
    accuracy,
    fit,
)
from microtensor.utils.data import DataLoader, TensorDataset


def blobs(rng, n=60):
    """Three well separated Gaussian blobs in 2-D with class-index labels."""
    labels = rng.integers(0, 3, n)
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0]])
    x = centers[labels] + 0.5 * rng.standard_normal((n, 2))
    return mt.tensor(x), mt.tensor(labels)


def mlp(seed=0):
    mt.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3)).double()


# A 1-parameter model trained toward w = 2 and validated toward w = 1: the weight moves as
# w_k = 2 - 2 (1 - c)^(k+1) with c = 2 lr mean(x^2) = 0.2, so the validation loss
# (w - 1)^2 mean(x^2) falls until epoch 2 (w = 0.976) and rises from then on.
X = mt.linspace(-1, 1, 21, dtype=mt.float64).reshape(21, 1)
LR = 0.1 / float((X**2).mean())


def u_shaped_problem():
    model = nn.Linear(1, 1, bias=False).double()
    with mt.no_grad():
        model.weight.zero_()
    optimizer = mt.optim.SGD(model.parameters(), lr=LR)
    return model, optimizer, (X, 2 * X), (X, X)


def weight_after(epochs):
    return 2 - 2 * 0.8**epochs


def test_fit_reduces_the_loss_with_a_dataloader(rng):
    x, y = blobs(rng, 120)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = mlp()
    opt = mt.optim.Adam(model.parameters(), lr=0.05)
    history = fit(
        model, nn.CrossEntropyLoss(), opt, loader, epochs=15, metrics=["accuracy"], progress=False
    )
    assert history.epochs == 15 and history.keys() == ["loss", "accuracy"]
    assert history["loss"][-1] < 0.2 * history["loss"][0]
    assert history["accuracy"][-1] >= 0.95
    with mt.no_grad():
        assert accuracy(model(x), y) >= 0.95


def test_history_equals_a_plain_loop(rng):
    x, y = blobs(rng)
    x_val, y_val = blobs(rng, 30)
    model, twin = mlp(), mlp()
    opt = mt.optim.SGD(model.parameters(), lr=0.3)
    twin_opt = mt.optim.SGD(twin.parameters(), lr=0.3)
    loss_fn = nn.CrossEntropyLoss()
    history = fit(
        model,
        loss_fn,
        opt,
        (x, y),
        val_data=(x_val, y_val),
        epochs=6,
        metrics={"accuracy": "accuracy", "mean_logit": lambda out, t: float(out.mean())},
        progress=False,
    )
    assert history.keys() == [
        "loss",
        "accuracy",
        "mean_logit",
        "val_loss",
        "val_accuracy",
        "val_mean_logit",
    ]
    for epoch in range(6):
        twin_opt.zero_grad()
        logits = twin(x)
        loss = loss_fn(logits, y)
        loss.backward()
        twin_opt.step()
        assert history["loss"][epoch] == loss.item()
        assert history["accuracy"][epoch] == float((logits.argmax(1) == y).double().mean())
        assert history["mean_logit"][epoch] == float(logits.mean())
        with mt.no_grad():
            val_logits = twin(x_val)
            assert history["val_loss"][epoch] == loss_fn(val_logits, y_val).item()
        assert history["val_accuracy"][epoch] == accuracy(val_logits, y_val)
    assert (
        repr(history)
        == "History(epochs=6, keys=['loss', 'accuracy', 'mean_logit', 'val_loss', 'val_accuracy', 'val_mean_logit'])"
    )


def test_epoch_loss_is_the_mean_over_samples_of_unequal_batches():
    x = mt.arange(10, dtype=mt.float64).reshape(10, 1)
    model = nn.Linear(1, 1).double()
    with mt.no_grad():
        model.weight.fill_(1.0)
        model.bias.zero_()
    loader = DataLoader(TensorDataset(x, mt.zeros(10, 1, dtype=mt.float64)), batch_size=4)
    history = fit(
        model, nn.MSELoss(), mt.optim.SGD(model.parameters(), lr=0.0), loader, progress=False
    )
    assert history["loss"] == [pytest.approx(float((x**2).mean()), rel=1e-15)]


def test_accuracy_builtin_handles_one_hot_and_binary():
    scores = mt.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(scores, mt.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])) == pytest.approx(2 / 3)
    assert accuracy(mt.tensor([0.9, 0.2, 0.4]), mt.tensor([1.0, 1.0, 0.0])) == pytest.approx(2 / 3)


def test_validation_runs_in_eval_mode_and_the_mode_is_restored():
    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(1, 1).double()
            self.modes = []

        def forward(self, x):
            self.modes.append(self.training)
            return self.linear(x)

    model = Recorder().eval()
    fit(
        model,
        nn.MSELoss(),
        mt.optim.SGD(model.parameters(), lr=0.1),
        (X, X),
        val_data=(X, X),
        epochs=2,
        progress=False,
    )
    assert model.modes == [True, False, True, False]
    assert model.training is False


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    model, opt, train, val = u_shaped_problem()
    stop = EarlyStopping(patience=3)
    history = fit(
        model, nn.MSELoss(), opt, train, val_data=val, epochs=50, callbacks=[stop], progress=False
    )
    # best after epoch 2; epochs 3, 4, 5 do not improve, so training stops after epoch 5
    assert int(np.argmin(history["val_loss"])) == 2
    assert history.epochs == 6 and stop.best_epoch == 2 and stop.stopped_epoch == 5
    assert stop.best == history["val_loss"][2]
    assert float(model.weight) == pytest.approx(weight_after(3), rel=1e-12)
    assert float(opt.param_groups[0]["params"][0]) == pytest.approx(weight_after(3), rel=1e-12)


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, opt, train, val = u_shaped_problem()
    fit(
        model,
        nn.MSELoss(),
        opt,
        train,
        val_data=val,
        epochs=50,
        callbacks=[EarlyStopping(patience=2, restore_best=False)],
        progress=False,
    )
    assert float(model.weight) == pytest.approx(weight_after(5), rel=1e-12)


def test_early_stopping_on_noise_labels_restores_an_earlier_state(rng):
    # memorising random labels: the training loss falls while the validation loss rises
    x, x_val = mt.tensor(rng.standard_normal((40, 5))), mt.tensor(rng.standard_normal((40, 5)))
    y, y_val = mt.tensor(rng.integers(0, 2, 40)), mt.tensor(rng.integers(0, 2, 40))
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 64), nn.ReLU(), nn.Linear(64, 2)).double()
    opt = mt.optim.Adam(model.parameters(), lr=0.02)
    stop = EarlyStopping(patience=4)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        (x, y),
        val_data=(x_val, y_val),
        epochs=200,
        callbacks=[stop],
        progress=False,
    )
    assert history.epochs == stop.best_epoch + 5 < 200
    assert history["loss"][-1] < history["loss"][0]
    with mt.no_grad():
        restored = nn.CrossEntropyLoss()(model(x_val), y_val).item()
    assert restored == pytest.approx(min(history["val_loss"]), rel=1e-12)
    assert restored < history["val_loss"][-1]


def test_early_stopping_mode_max_and_min_delta():
    stop = EarlyStopping(monitor="val_accuracy", patience=2, mode="max", min_delta=0.05)
    stop.on_train_begin(None, None)
    values = [0.5, 0.6, 0.62, 0.64, 0.7]
    assert [stop.on_epoch_end(i, {"val_accuracy": v}) for i, v in enumerate(values[:4])] == [
        False,
        False,
        False,
        True,
    ]
    assert (stop.best, stop.best_epoch) == (0.6, 1)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: EarlyStopping(mode="up"), "mode must be 'min' or 'max', got 'up'"),
        (lambda: EarlyStopping(patience=-1), "patience must be >= 0, got -1"),
        (lambda: EarlyStopping(min_delta=-0.1), "min_delta must be >= 0"),
        (lambda: ModelCheckpoint("x.safetensors", mode="best"), "ModelCheckpoint\\(\\): mode"),
    ],
)
def test_callback_arguments_are_validated(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "make_callback",
    [
        lambda opt: EarlyStopping(),
        lambda opt: ModelCheckpoint("never-written.safetensors"),
        lambda opt: LRSchedulerCallback(ReduceLROnPlateau(opt)),
    ],
    ids=["EarlyStopping", "ModelCheckpoint", "LRSchedulerCallback"],
)
def test_a_monitor_that_is_not_logged_raises(make_callback):
    model, opt, train, _ = u_shaped_problem()
    callback = make_callback(opt)
    name = type(callback).__name__
    logged = r"\['loss', 'lr'\]" if name == "LRSchedulerCallback" else r"\['loss'\]"
    with pytest.raises(
        ValueError,
        match=rf"{name}\(\): monitor='val_loss' is not among the logged values {logged}; pass val_data",
    ):
        fit(model, nn.MSELoss(), opt, train, epochs=1, callbacks=[callback], progress=False)


def test_model_checkpoint_saves_the_best_epochs_and_loads_back(tmp_path):
    model, opt, train, val = u_shaped_problem()
    checkpoint = ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}-{val_loss:.4f}.safetensors")
    fit(
        model,
        nn.MSELoss(),
        opt,
        train,
        val_data=val,
        epochs=6,
        callbacks=[checkpoint],
        progress=False,
    )
    names = [p.rsplit("/", 1)[-1] for p in checkpoint.saved]
    assert [name[:7] for name in names] == ["ckpt-01", "ckpt-02", "ckpt-03"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    assert checkpoint.best_path == checkpoint.saved[-1]
    fresh = nn.Linear(1, 1, bias=False).double()
    fresh.load_state_dict(mt.load(checkpoint.best_path))
    assert float(fresh.weight) == pytest.approx(weight_after(3), rel=1e-12)


def test_model_checkpoint_every_epoch(tmp_path):
    model, opt, train, _ = u_shaped_problem()
    checkpoint = ModelCheckpoint(tmp_path / "sub" / "last.safetensors", save_best_only=False)
    fit(model, nn.MSELoss(), opt, train, epochs=4, callbacks=[checkpoint], progress=False)
    assert len(checkpoint.saved) == 4 and len(set(checkpoint.saved)) == 1
    assert checkpoint.best_path is None  # no val_loss was logged
    state = mt.load(tmp_path / "sub" / "last.safetensors")
    assert list(state) == ["weight"]
    assert float(state["weight"]) == pytest.approx(weight_after(4), rel=1e-12)


def test_lr_scheduler_callback_steps_once_per_epoch():
    model, opt, train, _ = u_shaped_problem()
    history = fit(
        model,
        nn.MSELoss(),
        opt,
        train,
        epochs=4,
        callbacks=[LRSchedulerCallback(StepLR(opt, step_size=2, gamma=0.5))],
        progress=False,
    )
    assert history["lr"] == pytest.approx([LR, LR, LR / 2, LR / 2], rel=1e-15)
    assert opt.param_groups[0]["lr"] == pytest.approx(LR / 4, rel=1e-15)


def test_lr_scheduler_callback_feeds_reduce_on_plateau_the_monitored_value():
    model, opt, train, val = u_shaped_problem()
    history = fit(
        model,
        nn.MSELoss(),
        opt,
        train,
        val_data=val,
        epochs=7,
        callbacks=[LRSchedulerCallback(ReduceLROnPlateau(opt, patience=1, factor=0.5))],
        progress=False,
    )
    # val_loss improves until epoch 2; epochs 3 and 4 are bad, so the lr halves after epoch 4
    assert history["lr"][:5] == [LR] * 5
    assert history["lr"][5] == pytest.approx(LR / 2, rel=1e-15)
    twin_opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=LR)
    twin = ReduceLROnPlateau(twin_opt, patience=1, factor=0.5)
    for value in history["val_loss"]:
        twin.step(value)
    assert opt.param_groups[0]["lr"] == twin_opt.param_groups[0]["lr"] < LR / 2 + 1e-12


def test_callbacks_can_stop_and_add_logs():
    class StopAtTwo(Callback):
        def on_epoch_end(self, epoch, logs):
            logs["twice_loss"] = 2 * logs["loss"]
            return epoch == 1

    model, opt, train, _ = u_shaped_problem()
    history = fit(
        model, nn.MSELoss(), opt, train, epochs=10, callbacks=[StopAtTwo()], progress=False
    )
    assert history.epochs == 2
    assert history["twice_loss"] == [2 * v for v in history["loss"]]


def test_progress_bar_is_written_to_stderr(capsys):
    model, opt, train, _ = u_shaped_problem()
    fit(model, nn.MSELoss(), opt, train, epochs=3)
    err = capsys.readouterr().err
    assert "fit" in err and "3/3" in err and "loss=" in err


def test_zero_epochs_and_history_basics():
    model, opt, train, _ = u_shaped_problem()
    before = copy.deepcopy(model.state_dict())
    history = fit(model, nn.MSELoss(), opt, train, epochs=0, progress=False)
    assert history.epochs == 0 and history.keys() == [] and "loss" not in history
    assert float(model.weight) == float(before["weight"]) == 0.0
    assert History().epochs == 0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": -1}, ValueError, "epochs must be >= 0, got -1"),
        (
            {"metrics": ["f1"]},
            ValueError,
            "unknown metric 'f1'; built-in metrics are \\['accuracy'\\]",
        ),
        ({"train_data": 3}, TypeError, "train_data must be a DataLoader .* got int"),
        ({"val_data": 1.5}, TypeError, "val_data must be a DataLoader .* got float"),
        ({"train_data": []}, ValueError, "the data yielded no batches"),
        ({"device": "cuda"}, RuntimeError, "CPU only"),
    ],
)
def test_fit_errors(kwargs, error, match):
    model, opt, train, _ = u_shaped_problem()
    arguments = {"train_data": train, "epochs": 1, "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        fit(model, nn.MSELoss(), opt, **arguments)


def test_fit_accepts_numpy_pairs_and_the_cpu_device():
    model, opt, _, _ = u_shaped_problem()
    x = X.numpy()
    history = fit(model, nn.MSELoss(), opt, (x, 2 * x), epochs=2, progress=False, device="cpu")
    assert float(model.weight) == pytest.approx(weight_after(2), rel=1e-12)
    assert history["loss"][0] == pytest.approx(4 * float((X**2).mean()), rel=1e-12)
