"""save / load in torch's zip format (microtensor/_torch_format.py, _pickle_restricted.py).

Files made by torch 2.13 load in microtensor with the same values; files made by microtensor
load in torch with weights_only=True; hostile pickles are refused before anything runs.
"""

import io
import pickle
import warnings
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import serialization
from microtensor.serialization import load, save

LAYERS = [
    ("Linear", (3, 4), {}),
    ("Bilinear", (2, 3, 4), {}),
    ("Conv1d", (2, 3, 3), {}),
    ("Conv2d", (2, 3, 3), {"stride": 2}),
    ("ConvTranspose1d", (2, 3, 3), {}),
    ("ConvTranspose2d", (2, 3, 3), {}),
    ("BatchNorm1d", (3,), {}),
    ("BatchNorm2d", (3,), {}),
    ("LayerNorm", (4,), {}),
    ("GroupNorm", (2, 4), {}),
    ("Embedding", (5, 3), {}),
    ("LSTM", (3, 4), {"num_layers": 2}),
    ("GRU", (3, 4), {"bidirectional": True}),
    ("RNN", (3, 4), {}),
    ("LSTMCell", (3, 4), {}),
    ("GRUCell", (3, 4), {}),
    ("RNNCell", (3, 4), {}),
    ("PReLU", (), {}),
]
DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]


def _torch_bytes(obj, **kwargs):
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def _mt_load_bytes(data, **kwargs):
    return load(io.BytesIO(data), **kwargs)


def _mt_bytes(obj):
    buffer = io.BytesIO()
    buffer.name = "checkpoint.pt"  # a .pt name selects torch's format for any object
    save(obj, buffer)
    return buffer.getvalue()


def _torch_load_bytes(data):
    return torch.load(io.BytesIO(data), weights_only=True)


def _assert_tree_equal(mt_obj, torch_obj):
    if isinstance(torch_obj, torch.Tensor):
        assert isinstance(mt_obj, mt.Tensor)
        assert str(mt_obj.dtype).split(".")[1] == str(torch_obj.dtype).split(".")[1]
        assert tuple(mt_obj.shape) == tuple(torch_obj.shape)
        np.testing.assert_array_equal(mt_obj.numpy(), torch_obj.detach().numpy())
    elif isinstance(torch_obj, dict):
        assert list(mt_obj) == list(torch_obj) and type(mt_obj) is type(torch_obj)
        for key in torch_obj:
            _assert_tree_equal(mt_obj[key], torch_obj[key])
    elif isinstance(torch_obj, list | tuple):
        assert type(mt_obj) is type(torch_obj) and len(mt_obj) == len(torch_obj)
        for a, b in zip(mt_obj, torch_obj, strict=True):
            _assert_tree_equal(a, b)
    else:
        assert mt_obj == torch_obj


# --- torch.save -> microtensor.load ---------------------------------------------------------


@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=[layer[0] for layer in LAYERS])
def test_torch_state_dict_of_every_layer_loads(name, args, kwargs):
    torch.manual_seed(0)
    torch_layer = getattr(torch.nn, name)(*args, **kwargs)
    state = torch_layer.state_dict()
    loaded = _mt_load_bytes(_torch_bytes(state))
    _assert_tree_equal(loaded, state)
    mt_layer = getattr(mt.nn, name)(*args, **kwargs)
    result = mt_layer.load_state_dict(loaded)
    assert not result.missing_keys and not result.unexpected_keys
    for key, value in mt_layer.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key].numpy())


def test_torch_checkpoint_dict_with_optimizer_state():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    # (the first torch optimizer of a process costs seconds of imports; the suite pays it once)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(5, 3)).pow(2).mean().backward()
        opt.step()
    optimizer_state = opt.state_dict()
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer_state,
        "epoch": 3,
        "config": {"lr": 0.01, "layers": [3, 4, 1], "name": "mlp", "dtype": torch.float32},
        "shape": torch.Size([2, 3]),
    }
    loaded = _mt_load_bytes(_torch_bytes(checkpoint))
    assert loaded["epoch"] == 3 and loaded["config"]["dtype"] is mt.float32
    assert loaded["shape"] == (2, 3) and isinstance(loaded["shape"], mt.Size)
    assert loaded["optimizer"]["param_groups"][0]["params"] == [0, 1, 2, 3]
    _assert_tree_equal(loaded["optimizer"]["state"], checkpoint["optimizer"]["state"])
    _assert_tree_equal(loaded["model"], checkpoint["model"])
    mt_model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.Tanh(), mt.nn.Linear(4, 1))
    mt_model.load_state_dict(loaded["model"])
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        mt_model(mt.tensor(x)).detach().numpy(), model(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_tensor_of_each_dtype_loads(dtype):
    values = torch.tensor([[0.0, 1.5, -2.0], [3.0, 0.25, 100.0]]).to(getattr(torch, dtype))
    loaded = _mt_load_bytes(_torch_bytes({"x": values, "scalar": values[1, 2]}))
    _assert_tree_equal(loaded["x"], values)
    _assert_tree_equal(loaded["scalar"], values[1, 2])
    loaded["x"].zero_()  # writable


def test_torch_views_share_one_storage_after_loading():
    base = torch.arange(12.0)
    obj = {"base": base, "view": base[2:].view(2, 5), "t": base.view(3, 4).t(), "step": base[::3]}
    loaded = _mt_load_bytes(_torch_bytes(obj))
    _assert_tree_equal(loaded, obj)
    loaded["base"].mul_(10)
    np.testing.assert_array_equal(loaded["view"].numpy(), (base[2:].view(2, 5) * 10).numpy())
    np.testing.assert_array_equal(loaded["t"].numpy(), (base.view(3, 4).t() * 10).numpy())


def test_torch_parameters_and_requires_grad_are_kept():
    obj = {"p": torch.nn.Parameter(torch.ones(2)), "g": torch.zeros(2, requires_grad=True)}
    loaded = _mt_load_bytes(_torch_bytes(obj))
    assert isinstance(loaded["p"], mt.nn.Parameter) and loaded["p"].requires_grad
    assert loaded["g"].requires_grad and not isinstance(loaded["g"], mt.nn.Parameter)


@pytest.mark.parametrize("dtype", ["float8_e4m3fn", "complex32"])
def test_dtype_microtensor_lacks_is_refused(dtype):
    data = _torch_bytes({"x": torch.ones(2, dtype=getattr(torch, dtype))})
    with pytest.raises(pickle.UnpicklingError, match="microtensor does not have"):
        _mt_load_bytes(data)


def test_legacy_non_zip_file_loads(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    assert load(path)["w"].tolist() == [1.0, 1.0]


def test_gpu_location_needs_map_location():
    data = _torch_bytes({"w": torch.arange(3.0)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    pkl = entries["archive/data.pkl"].replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    gpu_file = _zip({**entries, "archive/data.pkl": pkl})
    with pytest.raises(RuntimeError, match="saved on cuda:0; microtensor runs on the CPU only"):
        _mt_load_bytes(gpu_file)
    loaded = _mt_load_bytes(gpu_file, map_location="cpu")
    assert loaded["w"].tolist() == [0.0, 1.0, 2.0]
    assert _mt_load_bytes(gpu_file, map_location={"cuda:0": "cpu"})["w"].tolist() == [0, 1, 2]
    by_function = _mt_load_bytes(gpu_file, map_location=lambda storage, location: storage)
    assert by_function["w"].tolist() == [0, 1, 2]


def test_mmap_loads_the_same_values(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"w": torch.arange(6.0).view(2, 3), "n": torch.tensor([1, 2])}, path)
    loaded = load(path, mmap=True)
    assert loaded["w"].tolist() == [[0, 1, 2], [3, 4, 5]] and loaded["n"].tolist() == [1, 2]
    loaded["w"].add_(1)  # copy-on-write: the file is unchanged
    assert load(path)["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap"):
        load(io.BytesIO(path.read_bytes()), mmap=True)


# --- microtensor.save -> torch.load(weights_only=True) --------------------------------------


def test_microtensor_checkpoint_loads_in_torch():
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.ReLU(), mt.nn.Linear(4, 2))
    opt = mt.optim.Adam(model.parameters(), lr=0.01)
    model(mt.randn(5, 3)).pow(2).mean().backward()
    opt.step()
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 7,
        "best": (0.5, None, True),
        "shape": mt.Size([2]),
        "dtype": mt.float64,
        "tags": {"a"},
        "raw": b"\x00\xff",
    }
    loaded = _torch_load_bytes(_mt_bytes(checkpoint))
    assert loaded["epoch"] == 7 and loaded["best"] == (0.5, None, True)
    assert loaded["shape"] == torch.Size([2]) and loaded["dtype"] is torch.float64
    assert loaded["tags"] == {"a"} and loaded["raw"] == b"\x00\xff"
    _assert_tree_equal(checkpoint["model"], loaded["model"])
    _assert_tree_equal(checkpoint["optimizer"]["state"], loaded["optimizer"]["state"])
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    torch_model.load_state_dict(loaded["model"])
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        torch_model(torch.tensor(x)).detach().numpy(),
        model(mt.tensor(x)).detach().numpy(),
        rtol=1e-6,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_microtensor_tensor_of_each_dtype_loads_in_torch(dtype):
    values = mt.tensor([[0.0, 1.5, -2.0], [3.0, 0.25, 100.0]]).to(getattr(mt, dtype))
    loaded = _torch_load_bytes(_mt_bytes(values))
    _assert_tree_equal(values, loaded)


def test_microtensor_views_share_storage_in_torch():
    base = mt.arange(12.0)
    reversed_view = mt.from_numpy(base.numpy()[::-1])  # negative strides: saved as a copy
    obj = [base, base[2:].reshape(2, 5), base.reshape(3, 4).t(), base[::3], reversed_view]
    loaded = _torch_load_bytes(_mt_bytes(obj))
    for a, b in zip(obj, loaded, strict=True):
        _assert_tree_equal(a, b)
    pointer = loaded[0].untyped_storage().data_ptr()
    assert [t.untyped_storage().data_ptr() == pointer for t in loaded] == [True] * 4 + [False]
    assert loaded[2].stride() == (1, 4)
    # and back: microtensor keeps the sharing too
    again = _mt_load_bytes(_mt_bytes(obj))
    again[0].add_(1)
    assert again[1].tolist()[0][:2] == [3.0, 4.0] and again[4].tolist()[0] == 11.0


def test_parameters_and_grad_flags_reach_torch():
    obj = {"p": mt.nn.Parameter(mt.ones(2)), "g": mt.zeros(2, requires_grad=True), "n": mt.ones(1)}
    loaded = _torch_load_bytes(_mt_bytes(obj))
    assert isinstance(loaded["p"], torch.nn.Parameter) and loaded["p"].requires_grad
    assert loaded["g"].requires_grad and not loaded["n"].requires_grad


def test_format_is_chosen_by_suffix_and_object(tmp_path):
    state = {"w": mt.ones(2)}
    for name in ("a.pt", "b.pth", "c.PT"):
        save(state, tmp_path / name)
        assert zipfile.is_zipfile(tmp_path / name)
        _assert_tree_equal(load(tmp_path / name)["w"], torch.ones(2))
    save(state, tmp_path / "d.safetensors")
    assert not zipfile.is_zipfile(tmp_path / "d.safetensors")
    save({"s": {1, 2}}, tmp_path / "e.bin")  # safetensors cannot hold a set
    assert zipfile.is_zipfile(tmp_path / "e.bin") and load(tmp_path / "e.bin") == {"s": {1, 2}}
    with open(tmp_path / "f.pt", "wb") as fh:
        save(state, fh)
    assert torch.load(tmp_path / "f.pt")["w"].tolist() == [1.0, 1.0]


def test_storages_are_64_byte_aligned():
    data = _mt_bytes({"a": mt.ones(3), "b": mt.arange(5)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            header = data[info.header_offset : info.header_offset + 30]
            start = info.header_offset + 30 + int.from_bytes(header[26:28], "little")
            start += int.from_bytes(header[28:30], "little")
            assert start % 64 == 0, info.filename
        assert archive.read("archive/version") == b"3\n"
        assert archive.read("archive/byteorder") == b"little"


def test_torch_memory_maps_microtensor_files(tmp_path):
    path = tmp_path / "w.pt"
    save({"a": mt.arange(10.0), "b": mt.ones(3, dtype=mt.int16)}, path)
    loaded = torch.load(path, mmap=True)  # needs the 64-byte alignment
    assert loaded["a"].tolist() == list(range(10)) and loaded["b"].dtype == torch.int16


def test_unpicklable_objects_are_refused():
    with pytest.raises(TypeError, match="cannot save a dict"):
        _mt_bytes({"f": lambda: 0})


# --- whole modules and the user allow-list --------------------------------------------------


def test_whole_module_needs_safe_globals(tmp_path):
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.Tanh(), mt.nn.Linear(4, 1))
    path = tmp_path / "model.bin"
    save(model, path)
    with pytest.raises(
        pickle.UnpicklingError,
        match=r"GLOBAL microtensor\.nn\.containers\.Sequential was not an allowed global.*"
        r"add_safe_globals",
    ):
        load(path)
    with serialization.safe_globals([mt.nn.Sequential, mt.nn.Linear, mt.nn.Tanh]):
        loaded = load(path)
    assert serialization.get_safe_globals() == []
    x = mt.randn(2, 3)
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
    assert isinstance(loaded[0].weight, mt.nn.Parameter)


class TinyNet(mt.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = mt.nn.Linear(2, 3)
        self.register_buffer("scale", mt.tensor([2.0]))

    def forward(self, x):
        return self.body(x) * self.scale


def test_user_model_loads_inside_safe_globals(tmp_path):
    model = TinyNet()
    save(model, tmp_path / "tiny.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL \S*TinyNet was not an allowed"):
        load(tmp_path / "tiny.pt")
    with serialization.safe_globals([TinyNet, mt.nn.Linear]):
        loaded = load(tmp_path / "tiny.pt")
    assert type(loaded) is TinyNet and loaded.scale.tolist() == [2.0]
    x = mt.randn(4, 2)
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())


def test_add_and_clear_safe_globals_with_named_entries():
    data = _mt_bytes({"od": OrderedDict(a=1), "cls": mt.nn.Linear})
    with pytest.raises(pickle.UnpicklingError, match="microtensor.nn.linear.Linear"):
        _mt_load_bytes(data)
    serialization.add_safe_globals([(mt.nn.ReLU, "microtensor.nn.linear.Linear")])
    try:
        assert _mt_load_bytes(data)["cls"] is mt.nn.ReLU
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    with pytest.raises(TypeError, match="expected an object or an"):
        serialization.add_safe_globals([(mt.nn.ReLU, 3)])


def test_weights_only_false_warns_and_unpickles_anything(tmp_path):
    path = tmp_path / "model.pt"
    save(mt.nn.Linear(2, 2), path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load(path, weights_only=False)
    assert isinstance(model, mt.nn.Linear)
    assert "It is possible to construct malicious pickle data" in str(caught[0].message)


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()
