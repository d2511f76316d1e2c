"""fit(resume=...): a run checkpointed mid-epoch and resumed in a new process is bit-identical."""

import multiprocessing
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.train import EarlyStopping, ModelCheckpoint, fit
from microtensor.utils.data import DataLoader, TensorDataset
from tests.train import resume_runs

ROOT = Path(__file__).resolve().parents[2]


def bits(values):
    return [struct.pack("<d", float(v)).hex() for v in values]


@pytest.mark.parametrize(
    ("name", "num_workers"),
    [
        ("digits", 0),
        ("lstm", 0),
        pytest.param(
            "digits",
            2,
            marks=pytest.mark.skipif(
                "fork" not in multiprocessing.get_all_start_methods(), reason="forks workers"
            ),
        ),
    ],
)
def test_resumed_in_a_new_process_gives_the_same_losses_bit_for_bit(name, num_workers, tmp_path):
    data = resume_runs.make_data(name, np.random.default_rng(0))
    np.savez(tmp_path / "data.npz", **data)
    workers = {"num_workers": num_workers}
    losses, history, model = resume_runs.train(name, data, str(tmp_path / "whole.pt"), **workers)

    k = resume_runs.STEPS_PER_CHECKPOINT[name]
    checkpoint = str(tmp_path / "ckpt.pt")
    with pytest.raises(resume_runs.Interrupted):
        resume_runs.train(name, data, checkpoint, stop_at=k + 2, **workers)
    head = mt.load(checkpoint)
    assert head["mid_epoch"] and head["step"] == k
    assert head["train_data"]["_num_yielded"] == head["batch"] > 0
    assert head["train_data"].get("_num_workers", 0) == num_workers
    out = tmp_path / "resumed.pt"
    command = [sys.executable, "-m", "tests.train.resume_runs", name, str(tmp_path / "data.npz")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [*command, checkpoint, str(out), str(num_workers)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    resumed = mt.load(out)

    assert len(resumed["losses"]) == len(losses) - k
    assert bits(losses[k:]) == bits(resumed["losses"])
    assert bits(history["loss"]) == bits(resumed["history"])
    assert resumed["lr"] == history["lr"]
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(resumed["model"][key].numpy(), value.numpy())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks")
def test_persistent_workers_resume_from_an_epoch_end_checkpoint(tmp_path):
    """The next epoch goes on with the workers' seed and random states (no new base seed)."""
    data = resume_runs.make_data("digits", np.random.default_rng(0))
    workers = {"num_workers": 2, "every_epoch": True}
    losses, history, _ = resume_runs.train("digits", data, str(tmp_path / "whole.pt"), **workers)
    checkpoint = str(tmp_path / "epoch.pt")
    with pytest.raises(resume_runs.Interrupted):
        resume_runs.train("digits", data, checkpoint, stop_at=6, **workers)  # in epoch 2
    head = mt.load(checkpoint)
    assert not head["mid_epoch"] and head["step"] == 4 and head["train_data"]["_iterator_finished"]
    again = str(tmp_path / "again.pt")
    resumed, resumed_history, _ = resume_runs.train(
        "digits", data, again, resume=checkpoint, **workers
    )
    assert bits(losses[4:]) == bits(resumed) and len(resumed) == 8
    assert bits(history["loss"]) == bits(resumed_history["loss"])


def blobs(n=40):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, n)
    x = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0]])[labels] + rng.standard_normal((n, 2))
    return mt.tensor(x), mt.tensor(labels)


def small_run(path, resume=None, epochs=4, data=None, patience=1, save_best_only=True):
    mt.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 6), nn.Dropout(0.2), nn.Linear(6, 3)).double()
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = blobs()
    train = data if data is not None else DataLoader(TensorDataset(x, y), 8, shuffle=True)
    stop = EarlyStopping(monitor="loss", patience=patience, restore_best=False)
    checkpoint = ModelCheckpoint(
        path, monitor="loss", save_best_only=save_best_only, save_weights_only=False
    )
    callbacks = [stop, checkpoint]
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        train,
        (x, y),
        epochs=epochs,
        callbacks=callbacks,
        metrics=["accuracy"],
        progress=False,
        resume=resume,
    )
    return history, stop


def test_epoch_end_checkpoint_resumes_the_history_and_the_callbacks(tmp_path):
    whole, _ = small_run(str(tmp_path / "a-{epoch}.pt"), patience=10)
    first, _ = small_run(str(tmp_path / "b-{epoch}.pt"), epochs=2, patience=10)
    assert first.history == {key: values[:2] for key, values in whole.history.items()}
    saved = sorted(os.listdir(tmp_path))
    last = max(p for p in saved if p.startswith("b-"))
    resumed, _ = small_run(str(tmp_path / "c-{epoch}.pt"), resume=tmp_path / last, patience=10)
    assert resumed.history == whole.history


def test_a_run_stopped_early_stays_stopped_when_resumed(tmp_path):
    path = str(tmp_path / "s-{epoch}.pt")
    whole, stop = small_run(path, epochs=30, patience=0, save_best_only=False)
    assert stop.stopped_epoch is not None and whole.epochs < 30
    last = tmp_path / f"s-{whole.epochs}.pt"
    resumed, _ = small_run(str(tmp_path / "t.pt"), resume=last, epochs=30, patience=0)
    assert resumed.history == whole.history


def test_resume_without_a_state_dict_skips_the_batches_done(tmp_path):
    x, y = blobs(24)
    batches = [(x[i : i + 8], y[i : i + 8]) for i in range(0, 24, 8)]  # a plain list of batches
    path = str(tmp_path / "step.pt")

    def run(resume=None, stop_at=None):
        mt.manual_seed(2)
        model = nn.Linear(2, 3).double()
        optimizer = mt.optim.Adam(model.parameters(), lr=0.1)
        recorder = resume_runs.Recorder(stop_at)
        callbacks = [
            ModelCheckpoint(path, save_weights_only=False, every_n_train_steps=2),
            recorder,
        ]
        fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            batches,
            epochs=2,
            callbacks=callbacks,
            progress=False,
            resume=resume,
        )
        return recorder.losses

    whole = run()
    with pytest.raises(resume_runs.Interrupted):
        run(stop_at=3)
    assert bits(whole[2:]) == bits(run(resume=path))


def test_resume_errors(tmp_path):
    weights = tmp_path / "w.safetensors"
    mt.save(nn.Linear(2, 3).state_dict(), weights)
    with pytest.raises(ValueError, match="is not a fit checkpoint.*save_weights_only=False"):
        small_run(str(tmp_path / "x.pt"), resume=weights)
    small_run(str(tmp_path / "y.pt"), epochs=1)
    with pytest.raises(ValueError, match=r"saved with the callbacks \['EarlyStopping'"):
        x, y = blobs()
        fit(
            nn.Linear(2, 3).double(),
            nn.CrossEntropyLoss(),
            mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1),
            (x, y),
            resume=tmp_path / "y.pt",
            progress=False,
        )
    with pytest.raises(RuntimeError, match=r"full checkpoints are written by fit\(\)"):
        checkpoint = ModelCheckpoint(tmp_path / "z.pt", monitor="loss", save_weights_only=False)
        checkpoint.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(ValueError, match="every_n_train_steps must be a positive int"):
        ModelCheckpoint(tmp_path / "z.pt", every_n_train_steps=0)
