"""The TensorBoard callback of fit: scalars every epoch, histograms every histogram_freq epochs."""

import numpy as np
import pytest

import microtensor as mt
from microtensor.train import LRSchedulerCallback, fit
from microtensor.train.callbacks import TensorBoard

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from microtensor.utils.tensorboard import SummaryWriter  # noqa: E402


def _read(path):
    events = EventAccumulator(str(path), size_guidance={"histograms": 0, "scalars": 0})
    events.Reload()
    return events


def _setup():
    mt.manual_seed(0)
    x = mt.randn(16, 3)
    y = (x.sum(1) > 0).long()
    model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.ReLU(), mt.nn.Linear(4, 2))
    opt = mt.optim.SGD(model.parameters(), lr=0.5)
    return model, opt, (x, y)


def test_scalars_lr_and_histograms(tmp_path):
    model, opt, data = _setup()
    scheduler = LRSchedulerCallback(mt.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5))
    board = TensorBoard(tmp_path, histogram_freq=2)
    history = fit(
        model,
        mt.nn.CrossEntropyLoss(),
        opt,
        data,
        val_data=data,
        epochs=4,
        callbacks=[scheduler, board],
        metrics=["accuracy"],
        progress=False,
    )
    events = _read(tmp_path)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "lr"):
        scalars = events.Scalars(key)
        assert [s.step for s in scalars] == [0, 1, 2, 3]
        np.testing.assert_allclose([s.value for s in scalars], history[key], rtol=1e-6)
    assert [s.value for s in events.Scalars("lr")] == [0.5, 0.25, 0.125, 0.0625]
    names = [name for name, _ in model.named_parameters()]
    assert sorted(events.Tags()["histograms"]) == sorted(names + [f"{n}.grad" for n in names])
    for name, param in model.named_parameters():
        weights = events.Histograms(name)
        assert [h.step for h in weights] == [1, 3]
        last = weights[-1].histogram_value
        assert last.num == param.numel()
        np.testing.assert_allclose(
            [last.min, last.max, last.sum],
            [param.min().item(), param.max().item(), param.sum().item()],
            rtol=1e-6,
        )
        grads = events.Histograms(f"{name}.grad")[-1].histogram_value
        np.testing.assert_allclose(grads.sum, param.grad.sum().item(), rtol=1e-5, atol=1e-7)


def test_lr_read_from_optimizer_and_no_histograms(tmp_path):
    model, opt, data = _setup()
    board = TensorBoard(tmp_path, histogram_freq=0)
    fit(model, mt.nn.CrossEntropyLoss(), opt, data, epochs=2, callbacks=[board], progress=False)
    events = _read(tmp_path)
    assert [s.value for s in events.Scalars("lr")] == [0.5, 0.5]
    assert events.Tags()["histograms"] == []
    assert sorted(events.Tags()["scalars"]) == ["loss", "lr"]


def test_given_writer_is_used_and_left_open(tmp_path):
    model, opt, data = _setup()
    writer = SummaryWriter(tmp_path)
    board = TensorBoard(writer=writer, histogram_freq=0)
    fit(model, mt.nn.CrossEntropyLoss(), opt, data, epochs=1, callbacks=[board], progress=False)
    assert board.log_dir == str(tmp_path)
    writer.add_scalar("after", 1.0, 0)
    writer.close()
    assert sorted(_read(tmp_path).Tags()["scalars"]) == ["after", "loss", "lr"]


def test_negative_histogram_freq():
    with pytest.raises(ValueError, match=r"TensorBoard\(\): histogram_freq must be >= 0, got -1"):
        TensorBoard(histogram_freq=-1)
