"""microtensor.export against torch.export: signatures, module() outputs, guards, save/load."""

import io
import zipfile

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import export, nn


def _pair(in_features=4):
    tm = torch.nn.Sequential(
        torch.nn.Linear(in_features, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU()
    )
    mm = nn.Sequential(nn.Linear(in_features, 3), nn.BatchNorm1d(3), nn.ReLU())
    for (_, t), (_, m) in zip(tm.state_dict().items(), mm.state_dict().items(), strict=True):
        m._data[...] = t.numpy()
    return tm, mm


def _specs(sig):
    return [(s.kind.name, s.arg.name, s.target, s.persistent) for s in sig.input_specs]


@pytest.mark.parametrize("training", [True, False])
def test_signature_and_outputs_match_torch(training):
    tm, mm = _pair()
    tm.train(training)
    mm.train(training)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    tep = torch.export.export(tm, (torch.tensor(x),))
    mep = export.export(mm, (mt.tensor(x),))
    assert _specs(mep.graph_signature) == _specs(tep.graph_signature)
    assert [s.kind.name for s in mep.graph_signature.output_specs] == ["USER_OUTPUT"]
    out_t = tep.module()(torch.tensor(x))
    out_m = mep.module()(mt.tensor(x))
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    buffers = dict(mep.named_buffers())
    np.testing.assert_allclose(
        buffers["1.running_mean"].numpy(), tep.state_dict["1.running_mean"].numpy(), atol=1e-6
    )


def test_kwargs_tuple_outputs_and_constant_guard():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 3)

        def forward(self, x, *, scale=2.0):
            y = self.linear(x)
            return mt.relu(y) * scale, y.sum()

    m = M()
    ep = export.export(m, (mt.randn(5, 4),), {"scale": 3.0})
    assert ep.graph_signature.user_inputs == ("x", 3.0)
    x = mt.randn(5, 4)
    got, want = ep.module()(x, scale=3.0), m(x, scale=3.0)
    assert isinstance(got, tuple) and mt.allclose(got[0], want[0]) and mt.allclose(got[1], want[1])
    with pytest.raises(AssertionError, match=r"Guard failed: scale == 3.0"):
        ep.module()(x, scale=5.0)
    with pytest.raises(ValueError, match="kwarg keyword mismatch"):
        ep.module()(x)


def test_static_shape_error_and_direct_call():
    ep = export.export(nn.Linear(4, 3), (mt.randn(5, 4),))
    with pytest.raises(AssertionError, match=r"Guard failed: input.size\(\)\[0\] == 5"):
        ep.module()(mt.randn(6, 4))
    with pytest.raises(RuntimeError, match="Unable to call ExportedProgram directly"):
        ep(mt.randn(5, 4))


def test_dynamic_dim():
    batch = export.Dim("batch", min=3, max=10)
    ep = export.export(nn.Linear(4, 3), (mt.randn(5, 4),), dynamic_shapes=({0: batch},))
    assert repr(ep.range_constraints) == "{'s0': VR[3, 10]}"
    assert ep.module()(mt.randn(7, 4)).shape == (7, 3)
    with pytest.raises(AssertionError, match=r"input.size\(\)\[0\] <= 10"):
        ep.module()(mt.randn(11, 4))
    with pytest.raises(AssertionError, match=r"input.size\(\)\[1\] == 4"):
        ep.module()(mt.randn(7, 5))


def test_save_load_round_trip_and_refusals(tmp_path):
    _, mm = _pair()
    mm.eval()
    ep = export.export(mm, (mt.randn(5, 4),))
    path = tmp_path / "model.mtep"
    export.save(ep, path)
    loaded = export.load(path)
    x = mt.randn(5, 4)
    assert mt.allclose(loaded.module()(x), ep.module()(x))
    assert str(loaded.graph_signature) == str(ep.graph_signature)
    with zipfile.ZipFile(path) as archive:
        program = archive.read("program.json").decode()
        tensors = archive.read("tensors.safetensors")
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(
            "program.json", program.replace("microtensor.nn.functional.relu", "os.system")
        )
        archive.writestr("tensors.safetensors", tensors)
    with pytest.raises(ValueError, match="os.system"):
        export.load(io.BytesIO(bad.getvalue()))
    pickled = io.BytesIO()
    with zipfile.ZipFile(pickled, "w") as archive:
        archive.writestr("program.json", program)
        archive.writestr("tensors.safetensors", tensors)
        archive.writestr("data.pkl", b"\x80\x04cos\nsystem\n.")
    with pytest.raises(ValueError, match="nothing else is read"):
        export.load(io.BytesIO(pickled.getvalue()))


def test_run_decompositions_equivalent():
    m = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
    ep = export.export(m, (mt.randn(2, 4),))
    decomposed = ep.run_decompositions()
    targets = [n.target for n in decomposed.graph.nodes if n.op == "call_function"]
    assert mt.nn.functional.linear not in targets and mt.matmul in targets
    x = mt.randn(2, 4)
    assert mt.allclose(decomposed.module()(x), m(x), atol=1e-6)
