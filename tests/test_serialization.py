"""save / load (microtensor/serialization.py): round trips, torch interop, safety, atomicity."""

import io
import json
import math
import os
import pathlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import microtensor as mt
from microtensor import _atomic_file, serialization
from microtensor.serialization import load, save

HAS_NN = hasattr(mt.nn, "Linear") and hasattr(mt.nn, "Sequential")
needs_nn = pytest.mark.skipif(not HAS_NN, reason="microtensor.nn.Linear not available yet")


def _roundtrip(obj, tmp_path):
    path = tmp_path / "obj.safetensors"
    save(obj, path)
    return load(path)


def _assert_same_tree(actual, expected):
    assert type(actual) is type(expected), (type(actual), type(expected))
    if isinstance(expected, mt.Tensor):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        np.testing.assert_array_equal(actual.numpy(), expected.detach().numpy())
    elif isinstance(expected, np.ndarray):
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual, expected)
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            _assert_same_tree(actual[key], expected[key])
    elif isinstance(expected, list | tuple):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            _assert_same_tree(a, e)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual)
    else:
        assert actual == expected


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype",
    [mt.float32, mt.float64, mt.float16, mt.int64, mt.int32, mt.int16, mt.int8, mt.uint8, mt.bool],
)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1,), (2, 3, 4)])
def test_tensor_dtypes_and_shapes_roundtrip(tmp_path, dtype, shape):
    values = np.random.default_rng(0).standard_normal(shape) * 50
    t = mt.tensor(values).to(dtype)
    out = _roundtrip({"t": t}, tmp_path)["t"]
    _assert_same_tree(out, t)


def test_nested_structure_roundtrip(tmp_path):
    obj = {
        "model": OrderedDict([("b", mt.ones(2)), ("a", mt.zeros(1, dtype=mt.float64))]),
        "state": {0: {"step": 3, "exp_avg": mt.arange(3.0)}, 1: {}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False, "params": [0, 1]}],
        "misc": [None, True, "héllo ✓", 2**70, -0.0, math.inf, -math.inf, math.nan, (), []],
        (1, "k"): "tuple key",
        2.5: "float key",
        None: "none key",
        True: "bool key",
        "array": np.arange(4, dtype=np.int16).reshape(2, 2),
        "scalars": [np.float32(1.5), np.int64(7), np.bool_(True)],
    }
    out = _roundtrip(obj, tmp_path)
    expected = dict(obj)
    expected["scalars"] = [1.5, 7, True]  # NumPy scalars come back as Python numbers
    _assert_same_tree(out, expected)
    assert list(out) == list(obj)  # key order and key types (0 stays an int)
    assert list(out["state"]) == [0, 1]


def test_top_level_tensor_and_plain_values(tmp_path):
    _assert_same_tree(_roundtrip(mt.arange(3), tmp_path), mt.arange(3))
    assert _roundtrip(5, tmp_path) == 5
    assert _roundtrip([1, (2.0, "x")], tmp_path) == [1, (2.0, "x")]


def test_colliding_paths_get_distinct_keys(tmp_path):
    obj = {"a.b": mt.tensor([1.0]), "a": {"b": mt.tensor([2.0])}}
    out = _roundtrip(obj, tmp_path)
    assert out["a.b"].tolist() == [1.0] and out["a"]["b"].tolist() == [2.0]


def test_loaded_tensors_are_writable_and_independent(tmp_path):
    t = mt.ones(3)
    out = _roundtrip({"t": t, "u": mt.zeros(2)}, tmp_path)
    out["t"].add_(1)
    assert out["t"].tolist() == [2.0, 2.0, 2.0] and t.tolist() == [1.0, 1.0, 1.0]
    assert not out["t"].requires_grad


def test_non_contiguous_and_grad_tensors(tmp_path):
    base = mt.arange(6.0).reshape(2, 3)
    w = mt.ones(2, requires_grad=True)
    out = _roundtrip({"t": base.t(), "w": w}, tmp_path)
    assert out["t"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert out["w"].tolist() == [1.0, 1.0] and not out["w"].requires_grad


def test_file_objects_and_pathlike(tmp_path):
    buffer = io.BytesIO()
    save({"x": mt.tensor([1, 2])}, buffer)
    buffer.seek(0)
    assert load(buffer)["x"].tolist() == [1, 2]
    path = tmp_path / "p.safetensors"
    save({"x": 1}, str(path))
    assert load(pathlib.Path(path)) == {"x": 1}
    with open(path, "rb") as fh:
        assert load(fh) == {"x": 1}


def test_objects_safetensors_cannot_hold_use_torch_format():
    # a set, a complex array: not describable in safetensors, so written as torch.save would
    for obj in ({"a": [{1, 2}]}, {"c": np.zeros(2, complex)}, {frozenset(): 1}):
        buffer = io.BytesIO()
        save(obj, buffer)
        assert buffer.getvalue()[:4] == b"PK\x03\x04"
    assert load(_bytes_of({"a": [{1, 2}]})) == {"a": [{1, 2}]}
    with pytest.raises(TypeError, match="cannot save a dict: .*pickles them"):
        save({"f": lambda: 0}, io.BytesIO())
    with pytest.raises(TypeError, match="f must be a path or a binary file object"):
        save({}, 3)


def _bytes_of(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return buffer


def test_text_mode_files_are_refused(tmp_path):
    path = tmp_path / "x.safetensors"
    with open(path, "w") as fh, pytest.raises(TypeError, match=r"opened in binary mode \('wb'\)"):
        save({"x": 1}, fh)
    save({"x": 1}, path)
    with (
        open(path) as fh,
        pytest.raises(TypeError, match=r"must be opened in binary mode \('rb'\)"),
    ):
        load(fh)


def test_save_through_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "real.safetensors"
    link = tmp_path / "link.safetensors"
    save({"step": 1}, target)
    link.symlink_to(target)
    save({"step": 2}, link)
    assert link.is_symlink() and load(target) == {"step": 2}


def test_load_argument_errors(tmp_path):
    path = tmp_path / "x.safetensors"
    save({"x": 1}, path)
    assert load(path, map_location="cpu") == {"x": 1}
    assert load(path, map_location=mt.device("cpu"), weights_only=False) == {"x": 1}
    assert load(path, map_location={"cuda:0": "cpu"}) == {"x": 1}
    with pytest.raises(ValueError, match="map_location='cuda:0', but microtensor only has the CPU"):
        load(path, map_location="cuda:0")
    with pytest.raises(TypeError, match="f must be a path or a binary file object"):
        load(3)


# --- interop with torch through safetensors ------------------------------------------------------


def test_flat_state_dict_loads_into_torch_linear(tmp_path):
    rng = np.random.default_rng(0)
    state = {
        "weight": mt.tensor(rng.standard_normal((2, 3)).astype(np.float32)),
        "bias": mt.tensor(rng.standard_normal(2).astype(np.float32)),
    }
    path = tmp_path / "linear.safetensors"
    save(state, path)
    torch_linear = torch.nn.Linear(3, 2)
    result = torch_linear.load_state_dict(safetensors.torch.load_file(path))
    assert not result.missing_keys and not result.unexpected_keys
    np.testing.assert_array_equal(torch_linear.weight.detach().numpy(), state["weight"].numpy())
    np.testing.assert_array_equal(torch_linear.bias.detach().numpy(), state["bias"].numpy())


def test_torch_safetensors_file_loads_as_dict(tmp_path):
    torch_linear = torch.nn.Linear(3, 2).double()
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(torch_linear.state_dict(), path)
    state = load(path)
    assert type(state) is dict and sorted(state) == ["bias", "weight"]
    assert state["weight"].dtype == mt.float64 and state["weight"].shape == (2, 3)
    np.testing.assert_array_equal(state["weight"].numpy(), torch_linear.weight.detach().numpy())


@needs_nn
def test_module_state_dict_both_directions(tmp_path):
    mt_model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.Linear(4, 2))
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    path = tmp_path / "mt.safetensors"
    save(mt_model.state_dict(), path)
    torch_model.load_state_dict(safetensors.torch.load_file(path))
    for key, value in mt_model.state_dict().items():
        np.testing.assert_array_equal(torch_model.state_dict()[key].numpy(), value.numpy())
    np.testing.assert_allclose(
        torch_model(torch.tensor(x)).detach().numpy(),
        mt_model(mt.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )

    fresh_torch = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    safetensors.torch.save_file(fresh_torch.state_dict(), tmp_path / "torch.safetensors")
    result = mt_model.load_state_dict(load(tmp_path / "torch.safetensors"))
    assert not result.missing_keys and not result.unexpected_keys
    for key, value in fresh_torch.state_dict().items():
        np.testing.assert_array_equal(mt_model.state_dict()[key].numpy(), value.numpy())


@needs_nn
def test_optimizer_resume_matches_uninterrupted_training(tmp_path):
    rng = np.random.default_rng(0)
    x, y = mt.tensor(rng.standard_normal((16, 3))), mt.tensor(rng.standard_normal((16, 1)))

    def make():
        mt.manual_seed(0)
        model = mt.nn.Linear(3, 1).double()
        return model, mt.optim.Adam(model.parameters(), lr=0.05, amsgrad=True)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            opt.step()

    model, opt = make()
    train(model, opt, 10)
    save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt")
    train(model, opt, 10)

    resumed, resumed_opt = make()
    checkpoint = load(tmp_path / "ckpt")
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    train(resumed, resumed_opt, 10)
    for a, b in zip(model.parameters(), resumed.parameters(), strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


# --- the file format: plain safetensors, no pickle ---------------------------------------------


def test_file_is_plain_safetensors_without_pickle(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle must not be used")

    for name in ("dumps", "loads", "dump", "load", "Pickler", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    obj = {"w": mt.ones(2, 3), "state": {0: {"step": 1}}}
    path = tmp_path / "f.safetensors"
    save(obj, path)
    _assert_same_tree(load(path), obj)
    data = path.read_bytes()
    header_size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_size])
    assert len(data) == 8 + header_size + 2 * 3 * 4  # nothing but the header and the floats
    assert header["w"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    assert json.loads(header["__metadata__"]["microtensor"])["version"] == 1
    np.testing.assert_array_equal(safetensors.numpy.load_file(path)["w"], np.ones((2, 3)))


def test_crafted_metadata_cannot_run_code(tmp_path):
    tree = {"type": "os.system", "items": ["echo pwned"]}
    meta = {"microtensor": json.dumps({"version": 1, "tree": tree})}
    path = tmp_path / "evil.safetensors"
    path.write_bytes(safetensors.numpy.save({"x": np.zeros(1)}, metadata=meta))
    with pytest.raises(
        RuntimeError, match="evil.safetensors has corrupt microtensor metadata.*'os.system'"
    ):
        load(path)


def _write(tmp_path, data, name="bad.safetensors"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _good_bytes():
    return safetensors.numpy.save({"weight": np.arange(6, dtype=np.float32)}, metadata={"a": "b"})


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "bad.safetensors is not a safetensors file: it has only 0 bytes"),
        (b"abc", "only 3 bytes"),
        (
            b"hello, this is a text file\n" * 4,
            "not a safetensors file, or is truncated: its first 8 bytes",
        ),
        (_good_bytes()[:20], "announce a .*-byte header but only 12 bytes follow"),
        (
            _good_bytes()[:-5],
            "is truncated: tensor 'weight' needs bytes up to 24 of the data section but the file holds only 19",
        ),
        (b"\x04\x00\x00\x00\x00\x00\x00\x00[1] ", "its header is not a JSON object"),
        (b"\x04\x00\x00\x00\x00\x00\x00\x00\xff\xfe{}", "its header is not a JSON object"),
    ],
)
def test_corrupt_and_foreign_files(tmp_path, data, message):
    with pytest.raises(RuntimeError, match=message):
        load(_write(tmp_path, data))


def test_corrupt_tensor_entry_is_reported(tmp_path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 4]}}).encode()
    data = len(header).to_bytes(8, "little") + header + b"\x00" * 4
    with pytest.raises(RuntimeError, match="bad.safetensors is a corrupt safetensors file"):
        load(_write(tmp_path, data))


def test_unsupported_dtype_is_reported(tmp_path):
    path = tmp_path / "f8.safetensors"
    safetensors.torch.save_file({"w": torch.ones(2, dtype=torch.float8_e4m3fn)}, path)
    with pytest.raises(
        RuntimeError, match="tensor 'w' has dtype F8_E4M3, which microtensor does not support"
    ):
        load(path)


def test_torch_checkpoints_in_both_formats_load_and_bare_pickles_are_refused(tmp_path):
    torch_linear = torch.nn.Linear(2, 2)
    torch.save(torch_linear.state_dict(), tmp_path / "model.pt")
    state = load(tmp_path / "model.pt")
    np.testing.assert_array_equal(state["weight"].numpy(), torch_linear.weight.detach().numpy())
    path = tmp_path / "old.pt"
    torch.save(torch_linear.state_dict(), path, _use_new_zipfile_serialization=False)
    state = load(path)
    np.testing.assert_array_equal(state["bias"].numpy(), torch_linear.bias.detach().numpy())
    (tmp_path / "bare.pkl").write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(serialization.CheckpointError, match="bare.pkl is not a torch.save file"):
        load(tmp_path / "bare.pkl")


@pytest.mark.parametrize(
    "metadata, message",
    [
        ("not json", "corrupt microtensor metadata"),
        (json.dumps({"tree": 1}), "corrupt microtensor metadata"),
        (
            json.dumps({"version": 99, "tree": 1}),
            "uses microtensor format version 99; this microtensor reads version 1",
        ),
        (
            json.dumps({"version": 1, "tree": [1, 2]}),
            r"corrupt microtensor metadata .*unexpected JSON value \[1, 2\]",
        ),
    ],
)
def test_bad_metadata_is_reported(tmp_path, metadata, message):
    path = _write(
        tmp_path, safetensors.numpy.save({"x": np.zeros(1)}, metadata={"microtensor": metadata})
    )
    with pytest.raises(RuntimeError, match=message):
        load(path)


def test_missing_tensor_in_metadata_is_reported(tmp_path):
    tree = {"type": "dict", "items": [["w", {"type": "tensor", "key": "gone"}]]}
    meta = {"microtensor": json.dumps({"version": 1, "tree": tree})}
    path = _write(tmp_path, safetensors.numpy.save({"x": np.zeros(1)}, metadata=meta))
    with pytest.raises(RuntimeError, match="tensor 'gone' is described but missing"):
        load(path)


# --- atomic writes -------------------------------------------------------------------------------


def test_crash_mid_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    save({"w": mt.ones(1000), "step": 1}, path)
    before = path.read_bytes()

    def crash_halfway(fh, data):
        fh.write(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(_atomic_file, "write_bytes", crash_halfway)
    with pytest.raises(OSError, match="disk full"):
        save({"w": mt.zeros(1000), "step": 2}, path)
    assert path.read_bytes() == before
    assert load(path)["step"] == 1
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # the temporary file is removed


def test_save_replaces_file_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"step": 1}, path)
    save({"step": 2}, path)
    assert load(path) == {"step": 2}
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]
    mode = os.stat(path).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # permissions as open(path, "wb") would give


def test_save_fsyncs_before_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b)))
    save({"step": 1}, tmp_path / "ckpt.safetensors")
    assert calls[:2] == ["fsync", "replace"]
