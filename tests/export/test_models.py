"""Exported CNN, LSTM, attention and nested-input models against torch.export on the same weights."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import export, nn


def _copy_weights(torch_model, mt_model):
    state = {k: mt.tensor(v.detach().numpy().copy()) for k, v in torch_model.state_dict().items()}
    mt_model.load_state_dict(state)


def _input_specs(ep):
    return [
        (s.kind.name, s.arg.name, s.target, s.persistent) for s in ep.graph_signature.input_specs
    ]


def _assert_close(got, want, atol=1e-5):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _assert_close(g, w, atol)
        return
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=atol)


def _cnn(lib):
    return lib.nn.Sequential(
        lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4), lib.nn.ReLU(), lib.nn.MaxPool2d(2),
        lib.nn.Flatten(), lib.nn.Linear(36, 5),
    )  # fmt: skip


@pytest.mark.parametrize("training", [True, False])
def test_cnn_with_batchnorm(training):
    tm, mm = _cnn(torch), _cnn(mt)
    _copy_weights(tm, mm)
    tm.train(training)
    mm.train(training)
    x = np.random.default_rng(1).standard_normal((2, 3, 8, 8)).astype(np.float32)
    tep = torch.export.export(tm, (torch.tensor(x),))
    mep = export.export(mm, (mt.tensor(x),))
    assert _input_specs(mep) == _input_specs(tep)
    assert list(mep.state_dict) == list(tep.state_dict)
    assert int(mm[1].num_batches_tracked) == 0  # exporting does not run the model
    _assert_close(mep.module()(mt.tensor(x)), tep.module()(torch.tensor(x)))
    # running statistics change (training) or stay (eval) as torch's exported module's do
    for name in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        np.testing.assert_allclose(
            mep.state_dict[name].numpy(), tep.state_dict[name].numpy(), rtol=1e-5, atol=1e-6
        )
    # the exported module shares the model's tensors, as torch's does
    assert int(mm[1].num_batches_tracked) == int(tm[1].num_batches_tracked) == int(training)


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_recurrent(cls):
    tm = getattr(torch.nn, cls)(4, 5, num_layers=2, batch_first=True)
    mm = getattr(nn, cls)(4, 5, num_layers=2, batch_first=True)
    _copy_weights(tm, mm)
    x = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    tep = torch.export.export(tm, (torch.tensor(x),))
    mep = export.export(mm, (mt.tensor(x),))
    assert _input_specs(mep) == _input_specs(tep)
    assert len(mep.graph_signature.output_specs) == len(tep.graph_signature.output_specs)
    _assert_close(mep.module()(mt.tensor(x)), tep.module()(torch.tensor(x)))
    _assert_close(mep.module()(mt.tensor(x)), mm(mt.tensor(x)))


def test_attention_block():
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).eval()
    mm = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).eval()
    _copy_weights(tm, mm)
    x = np.random.default_rng(3).standard_normal((2, 3, 8)).astype(np.float32)
    tep = torch.export.export(tm, (torch.tensor(x),))
    mep = export.export(mm, (mt.tensor(x),))
    assert mep.graph_signature.parameters == tep.graph_signature.parameters
    _assert_close(mep.module()(mt.tensor(x)), tep.module()(torch.tensor(x)))


class _Nested:
    @staticmethod
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = lib.nn.Linear(2, 2)
                self.unused = lib.nn.Linear(2, 2)
                self.c = lib.tensor([1.0, 2.0])
                self.register_buffer("np", lib.ones(2), persistent=False)

            def forward(self, xs, d):
                y = self.a(xs[0]) + xs[1] * d["k"] + self.c + self.np
                return {"sum": y + lib.tensor([3.0, 4.0]), "parts": [y, xs[1]]}

        return Net()


def test_nested_inputs_constants_and_outputs():
    tm, mm = _Nested.build(torch), _Nested.build(mt)
    _copy_weights(tm, mm)
    rng = np.random.default_rng(4)
    xs = [rng.standard_normal(2).astype(np.float32) for _ in range(3)]
    tep = torch.export.export(
        tm, ((torch.tensor(xs[0]), torch.tensor(xs[1])), {"k": torch.tensor(xs[2])})
    )
    mep = export.export(mm, ((mt.tensor(xs[0]), mt.tensor(xs[1])), {"k": mt.tensor(xs[2])}))
    assert _input_specs(mep) == _input_specs(tep)
    assert sorted(mep.constants) == sorted(tep.constants)
    assert mep.graph_signature.output_specs == [
        export.OutputSpec(export.OutputKind.USER_OUTPUT, export.TensorArgument(s.arg.name), None)
        for s in tep.graph_signature.output_specs
    ]
    assert str(mep.call_spec.out_spec) == str(tep.call_spec.out_spec)
    assert str(mep.call_spec.in_spec) == str(tep.call_spec.in_spec)
    assert (
        str(mep.graph_signature).split("# outputs")[0]
        == str(tep.graph_signature).split("# outputs")[0]
    )
    got = mep.module()((mt.tensor(xs[0]), mt.tensor(xs[1])), {"k": mt.tensor(xs[2])})
    want = tep.module()((torch.tensor(xs[0]), torch.tensor(xs[1])), {"k": torch.tensor(xs[2])})
    assert list(got) == list(want)
    _assert_close(got["sum"], want["sum"])
    _assert_close(tuple(got["parts"]), tuple(want["parts"]))
    with pytest.raises(ValueError, match="Trying to flatten user inputs"):
        mep.module()((mt.tensor(xs[0]),), {"k": mt.tensor(xs[2])})


def test_printed_program_layout():
    tm, mm = torch.nn.Linear(3, 2), nn.Linear(3, 2)
    tep = torch.export.export(tm, (torch.randn(4, 3),))
    mep = export.export(mm, (mt.randn(4, 3),))
    # torch's text, less its source comments (and the blank line before each), with
    # microtensor's names for the module class and the one operator
    lines = str(tep).split("\n")
    kept = [
        line
        for i, line in enumerate(lines)
        if "# File:" not in line and not (line == "    " and "# File:" in lines[i + 1])
    ]
    expected = "\n".join(kept)
    expected = expected.replace("torch.nn.Module", "microtensor.nn.Module")
    expected = expected.replace("torch.ops.aten.linear.default", "microtensor.nn.functional.linear")
    assert str(mep) == expected


def test_dims_and_shapes_collection_match_torch():
    assert repr(export.dims("a", "b", max=9)) == repr(torch.export.dims("a", "b", max=9))
    for lower in (0, 2, 3):
        assert repr(export.Dim("n", min=lower)) == repr(torch.export.Dim("n", min=lower))
    assert repr(export.Dim("n", min=2, max=5)) == repr(torch.export.Dim("n", min=2, max=5))
    assert repr(export.Dim.AUTO) == repr(torch.export.Dim.AUTO)
    with pytest.raises(AssertionError, match="inconsistent min=5, max=2"):
        export.Dim("a", min=5, max=2)
    x = mt.randn(4, 3)
    sc = export.ShapesCollection()
    sc[x] = {0: export.Dim("batch")}
    ep = export.export(nn.ReLU(), (x,), dynamic_shapes=sc.dynamic_shapes(nn.ReLU(), (x,)))
    assert repr(ep.range_constraints) == "{'s0': VR[0, int_oo]}"
    assert ep.module()(mt.randn(9, 3)).shape == (9, 3)
    with pytest.raises(ValueError, match="outside the range"):
        export.export(nn.ReLU(), (x,), dynamic_shapes=({0: export.Dim("b", min=5)},))
