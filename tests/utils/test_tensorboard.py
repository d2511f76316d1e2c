"""SummaryWriter: event files read back with TensorBoard's own EventAccumulator."""

import io
import os

import numpy as np
import pytest

import microtensor as mt

tensorboard = pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402

from microtensor.utils.tensorboard import SummaryWriter  # noqa: E402


def _read(path):
    events = EventAccumulator(str(path), size_guidance={"histograms": 0, "images": 0, "scalars": 0})
    events.Reload()
    return events


def test_scalars_every_value_and_step(tmp_path):
    values = [3.0, 1.5, mt.tensor(0.25), np.float32(0.125)]
    with SummaryWriter(tmp_path) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("train/loss", value, step * 10, walltime=100.0 + step)
    assert writer.log_dir == str(tmp_path) == writer.get_logdir()
    scalars = _read(tmp_path).Scalars("train/loss")
    assert [(s.step, s.value, s.wall_time) for s in scalars] == [
        (0, 3.0, 100.0),
        (10, 1.5, 101.0),
        (20, 0.25, 102.0),
        (30, 0.125, 103.0),
    ]


def test_add_scalars_writes_one_run_per_tag(tmp_path):
    writer = SummaryWriter(tmp_path)
    for step in range(2):
        writer.add_scalars("loss", {"train": 1.0 + step, "val": 2.0 + step}, step)
    writer.close()
    assert {"loss_train", "loss_val"} <= set(os.listdir(tmp_path))
    assert [s.value for s in _read(tmp_path / "loss_train").Scalars("loss")] == [1.0, 2.0]
    assert [s.value for s in _read(tmp_path / "loss_val").Scalars("loss")] == [2.0, 3.0]


@pytest.mark.parametrize("bins, max_bins", [("tensorflow", None), (7, None), ("tensorflow", 40)])
def test_histograms_match_torch(tmp_path, bins, max_bins):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from torch.utils.tensorboard import summary as torch_summary

    values = np.random.default_rng(0).normal(size=300)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("w", mt.tensor(values), 5, bins=bins, max_bins=max_bins)
    torch_bins = TorchWriter(str(tmp_path / "torch")).default_bins if bins == "tensorflow" else bins
    expected = torch_summary.histogram("w", values, torch_bins, max_bins=max_bins).value[0].histo
    (event,) = _read(tmp_path).Histograms("w")
    got = event.histogram_value
    assert event.step == 5
    assert (got.min, got.max, got.num) == (values.min(), values.max(), 300)
    np.testing.assert_allclose([got.sum, got.sum_squares], [expected.sum, expected.sum_squares])
    assert list(got.bucket_limit) == list(expected.bucket_limit)
    assert list(got.bucket) == list(expected.bucket)
    assert sum(got.bucket) == 300


def _decode(encoded):
    image = pytest.importorskip("PIL.Image")
    return np.asarray(image.open(io.BytesIO(encoded)))


def test_images_in_every_layout(tmp_path):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 4, 5))
    gray = (rng.random((4, 5)) * 255).astype(np.uint8)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("chw", mt.tensor(chw), 0)
        writer.add_image("hwc", chw.transpose(1, 2, 0), 1, dataformats="HWC")
        writer.add_image("gray", gray, 2, dataformats="HW")
    events = _read(tmp_path)
    assert sorted(events.Tags()["images"]) == ["chw", "gray", "hwc"]
    expected = np.clip(chw.transpose(1, 2, 0) * 255, 0, 255).round().astype(np.uint8)
    for tag in ("chw", "hwc"):
        (event,) = events.Images(tag)
        assert (event.width, event.height) == (5, 4)
        np.testing.assert_array_equal(_decode(event.encoded_image_string), expected)
    (event,) = events.Images("gray")
    np.testing.assert_array_equal(_decode(event.encoded_image_string), gray)


def test_add_figure(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, 1), dpi=50)
    plt.plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as writer:
        writer.add_figure("plot", figure, 3)
    (event,) = _read(tmp_path).Images("plot")
    assert (event.width, event.height, event.step) == (100, 50, 3)
    assert not plt.fignum_exists(figure.number)
    figures = [plt.figure(figsize=(1, 1), dpi=20) for _ in range(2)]
    with SummaryWriter(tmp_path / "two") as writer:
        writer.add_figure("many", figures, 0, close=False)
    assert sorted(_read(tmp_path / "two").Tags()["images"]) == ["many/0", "many/1"]
    assert all(plt.fignum_exists(f.number) for f in figures)
    plt.close("all")


def test_text(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "**lr** = 0.1", 4)
    (event,) = _read(tmp_path).Tensors("notes/text_summary")
    assert event.step == 4
    assert event.tensor_proto.string_val == [b"**lr** = 0.1"]


def test_hparams(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams(
            {"lr": 0.1, "optimizer": "sgd", "nesterov": True, "layers": mt.tensor(3)},
            {"hparam/accuracy": 0.75},
            hparam_domain_discrete={"optimizer": ["sgd", "adam"]},
            run_name="trial",
        )
    events = _read(tmp_path / "trial")
    content = events.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]
    ).session_start_info
    assert start.hparams["lr"].number_value == 0.1
    assert start.hparams["optimizer"].string_value == "sgd"
    assert start.hparams["nesterov"].bool_value is True
    assert start.hparams["layers"].number_value == 3.0
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/experiment"]
    ).experiment
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy"]
    optimizer_info = [h for h in experiment.hparam_infos if h.name == "optimizer"][0]
    assert [v.string_value for v in optimizer_info.domain_discrete.values] == ["sgd", "adam"]
    assert [s.value for s in events.Scalars("hparam/accuracy")] == [0.75]
    assert "_hparams_/session_end_info" in content


class Net(mt.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = mt.nn.Linear(3, 4)
        self.body = mt.nn.Sequential(mt.nn.Tanh(), mt.nn.Linear(4, 2))

    def forward(self, x):
        return self.body(self.fc1(x).relu())


def test_graph_node_names_follow_module_scopes(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(Net(), mt.randn(5, 3))
    graph = _read(tmp_path).Graph()
    nodes = {node.name: node for node in graph.node}
    assert set(nodes) == {
        "input/input.0",
        "Net/Linear[fc1]/weight",
        "Net/Linear[fc1]/bias",
        "Net/Linear[fc1]/linear",
        "Net/relu",
        "Net/Sequential[body]/Tanh[0]/tanh",
        "Net/Sequential[body]/Linear[1]/weight",
        "Net/Sequential[body]/Linear[1]/bias",
        "Net/Sequential[body]/Linear[1]/linear",
    }
    assert list(nodes["Net/Linear[fc1]/linear"].input) == [
        "input/input.0",
        "Net/Linear[fc1]/weight",
        "Net/Linear[fc1]/bias",
    ]
    assert list(nodes["Net/relu"].input) == ["Net/Linear[fc1]/linear"]
    shape = nodes["Net/Sequential[body]/Linear[1]/linear"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [5, 2]


def test_default_log_dir_and_reuse_after_close(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    assert writer.log_dir.startswith("runs" + os.sep) and writer.log_dir.endswith("_lr0.1")
    writer.add_scalar("a", 1.0, 0)
    writer.close()
    writer.add_scalar("a", 2.0, 1)  # a closed writer opens a new event file, as torch's does
    writer.flush()
    writer.close()
    assert [s.value for s in _read(writer.log_dir).Scalars("a")] == [1.0, 2.0]


def test_errors(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"add_scalar\(\): scalar_value must hold exactly one"):
            writer.add_scalar("x", mt.ones(2))
        with pytest.raises(ValueError, match=r"add_histogram\(\): the input has no values"):
            writer.add_histogram("x", mt.ones(0))
        with pytest.raises(ValueError, match=r"dataformats='CHW' does not fit.*\(4, 5\)"):
            writer.add_image("x", np.zeros((4, 5)))
        with pytest.raises(ValueError, match="1, 3 or 4 channels, got 2"):
            writer.add_image("x", np.zeros((2, 4, 5)))
        with pytest.raises(TypeError, match="should be dictionaries"):
            writer.add_hparams([("lr", 0.1)], {})
        with pytest.raises(TypeError, match=r"add_graph\(\): input_to_model must be a Tensor"):
            writer.add_graph(Net(), [[1.0, 2.0, 3.0]])
