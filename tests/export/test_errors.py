"""microtensor.export: documented errors, the lazy import, MLP parity, shared dims, save of Dims."""

import io
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import export, nn
from microtensor.export import InputKind, InputSpec, TensorArgument


def test_import_microtensor_does_not_load_export():
    code = "import sys, microtensor; print('microtensor.export' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_mlp_matches_torch():
    def mlp(lib):
        return lib.nn.Sequential(
            lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 8), lib.nn.GELU(),
            lib.nn.Linear(8, 2),
        )  # fmt: skip

    tm, mm = mlp(torch), mlp(mt)
    mm.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
    tep = torch.export.export(tm, (torch.tensor(x),))
    mep = export.export(mm, (mt.tensor(x),))
    assert [(s.kind.name, s.arg.name, s.target) for s in mep.graph_signature.input_specs] == [
        (s.kind.name, s.arg.name, s.target) for s in tep.graph_signature.input_specs
    ]
    assert [n for n, _ in mep.named_parameters()] == [n for n, _ in tep.named_parameters()]
    assert mep.graph_signature.user_outputs == tep.graph_signature.user_outputs
    np.testing.assert_allclose(
        mep.module()(mt.tensor(x)).detach().numpy(),
        tep.module()(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    assert str(mep.call_spec.in_spec) == str(tep.call_spec.in_spec)


def test_export_argument_errors():
    with pytest.raises(ValueError, match="Expecting `args` to be a tuple"):
        export.export(nn.ReLU(), [mt.randn(2)])
    with pytest.raises(TypeError, match="do not fit ReLU.forward"):
        export.export(nn.ReLU(), (mt.randn(2), mt.randn(2)))
    with pytest.raises(ValueError, match="not inputs of ReLU.forward"):
        export.export(nn.ReLU(), (mt.randn(2),), dynamic_shapes={"x": {0: export.Dim("n")}})
    with pytest.raises(ValueError, match="2 entries for 1 inputs"):
        export.export(nn.ReLU(), (mt.randn(2),), dynamic_shapes=(None, None))
    with pytest.raises(ValueError, match="give a Dim"):
        export.export(nn.ReLU(), (mt.randn(2),), dynamic_shapes=({0: 5},))


def test_buffer_spec_needs_persistent():
    with pytest.raises(AssertionError, match="persistent flag on BUFFER"):
        InputSpec(InputKind.BUFFER, TensorArgument("b_x"), "x")


def test_shared_dim_and_dynamic_save_load():
    class Add(nn.Module):
        def forward(self, x, y):
            return x + y

    batch = export.Dim("batch", max=8)
    ep = export.export(
        Add(), (mt.randn(3, 2), mt.randn(3, 2)), dynamic_shapes=({0: batch}, {0: batch})
    )
    assert repr(ep.range_constraints) == "{'s0': VR[0, 8]}"
    assert ep.module()(mt.ones(5, 2), mt.ones(5, 2)).shape == (5, 2)
    with pytest.raises(AssertionError, match=r"Guard failed: y.size\(\)\[0\] == x.size\(\)\[0\]"):
        ep.module()(mt.ones(5, 2), mt.ones(4, 2))
    buffer = io.BytesIO()
    export.save(ep, buffer)
    loaded = export.load(io.BytesIO(buffer.getvalue()))
    assert repr(loaded.range_constraints) == repr(ep.range_constraints)
    assert loaded.module()(mt.ones(6, 2), mt.ones(6, 2)).shape == (6, 2)
    with pytest.raises(AssertionError, match=r"x.size\(\)\[0\] <= 8"):
        loaded.module()(mt.ones(9, 2), mt.ones(9, 2))


def test_save_refuses_functions_load_would_refuse():
    def double(x):
        return x * 2

    ep = export.export(nn.ReLU(), (mt.randn(2),))
    relu = next(n for n in ep.graph.nodes if n.op == "call_function")
    relu.target = double
    with pytest.raises(TypeError, match="which load\\(\\) would not accept"):
        export.save(ep, io.BytesIO())


def _archive(program, tensors=b""):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("program.json", program)
        archive.writestr("tensors.safetensors", tensors)
    return io.BytesIO(data.getvalue())


def test_load_refuses_other_formats_and_nodes():
    ep = export.export(nn.ReLU(), (mt.randn(2),))
    buffer = io.BytesIO()
    export.save(ep, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        program = archive.read("program.json").decode()
        tensors = archive.read("tensors.safetensors")
    with pytest.raises(ValueError, match="not a microtensor.export/1 archive"):
        export.load(_archive(program.replace("microtensor.export/1", "torch"), tensors))
    with pytest.raises(ValueError, match="is a get_attr of"):
        export.load(_archive(program.replace('"op": "call_function"', '"op": "get_attr"'), tensors))
    private = program.replace("microtensor.nn.functional.relu", "microtensor._inplace.relu")
    with pytest.raises(ValueError, match="not an allowed microtensor function"):
        export.load(_archive(private, tensors))
    with pytest.raises(ValueError, match="unknown argument"):
        export.load(_archive(program.replace('{"node": "input_1"}', '{"eval": "1"}'), tensors))


def test_loaded_program_keeps_example_inputs_and_nested_structure():
    from tests.export.test_models import _Nested

    ep = export.export(_Nested.build(mt), ((mt.randn(2), mt.randn(2)), {"k": mt.randn(2)}))
    buffer = io.BytesIO()
    export.save(ep, buffer)
    loaded = export.load(io.BytesIO(buffer.getvalue()))
    (xs, d), kwargs = loaded.example_inputs
    assert kwargs == {} and mt.equal(xs[1], ep.example_inputs[0][0][1])
    assert str(loaded.call_spec.out_spec) == str(ep.call_spec.out_spec)
    got, want = loaded.module()(xs, d), ep.module()(xs, d)
    assert mt.allclose(got["sum"], want["sum"]) and mt.equal(got["parts"][1], xs[1])
    assert str(loaded.run_decompositions()) == str(ep.run_decompositions())
