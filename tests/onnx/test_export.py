"""microtensor.onnx.export: onnx.checker passes and ONNX Runtime matches microtensor's outputs."""

import io
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
import microtensor.onnx
from microtensor import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from microtensor._onnx.tracer import flatten_tensors  # noqa: E402


def _export(model, args, **options):
    buffer = io.BytesIO()
    mt.onnx.export(model, args, buffer, **options)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return proto, ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])


def _assert_runtime_matches(model, session, inputs):
    feeds = {
        i.name: t.numpy()
        for i, t in zip(session.get_inputs(), flatten_tensors(inputs), strict=True)
    }
    got = session.run(None, feeds)
    with mt.no_grad():
        expected = flatten_tensors(model(*inputs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == tuple(e.shape)
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-4, atol=1e-5)


BATCH = {"input": {0: "batch"}, "output": {0: "batch"}}


def _op_types(proto):
    return {node.op_type for node in proto.graph.node}


def test_mlp_with_dynamic_batch():
    mt.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(3, 16),
        nn.Tanh(),
        nn.Linear(16, 16),
        nn.GELU(),
        nn.Dropout(0.5),
        nn.Linear(16, 2),
        nn.Softmax(dim=1),
    )
    proto, session = _export(model, (mt.randn(4, 3),), dynamic_axes=BATCH)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert {"MatMul", "Add", "Tanh", "Erf", "Softmax"} <= _op_types(proto)
    assert model.training  # exported in eval mode, then put back
    assert all(p.requires_grad for p in model.parameters())
    assert mt.ops.add.__module__ == "microtensor.ops.arithmetic"  # the recording wrappers are gone
    assert mt.nn.functional.softmax is mt.ops.softmax
    model.eval()
    for batch in (1, 7):
        _assert_runtime_matches(model, session, (mt.randn(batch, 3),))


def test_cnn_conv_pool_batchnorm_linear():
    mt.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, dilation=1),
        nn.LeakyReLU(0.1),
        nn.AvgPool2d(2, ceil_mode=True),
        nn.Flatten(),
        nn.Linear(6, 3),
        nn.LogSoftmax(dim=1),
    )
    model(mt.randn(8, 1, 12, 12))  # training mode: the running statistics move off 0 and 1
    model.eval()
    proto, session = _export(model, mt.randn(2, 1, 12, 12), dynamic_axes=BATCH)
    assert {"Conv", "BatchNormalization", "MaxPool", "AveragePool", "Flatten"} <= _op_types(proto)
    for batch in (2, 5):
        _assert_runtime_matches(model, session, (mt.randn(batch, 1, 12, 12),))


def test_global_average_pool_and_conv1d():
    mt.manual_seed(2)
    model = nn.Sequential(
        nn.Conv1d(2, 3, 3, padding=2),
        nn.BatchNorm1d(3),
        nn.Sigmoid(),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(0),
    )
    model.eval()
    _, session = _export(model, mt.randn(2, 2, 9))
    _assert_runtime_matches(model, session, (mt.randn(2, 2, 9),))


def test_conv_same_and_valid_padding_groups():
    mt.manual_seed(8)
    model = nn.Sequential(
        nn.Conv2d(2, 4, (3, 4), padding="same", dilation=(1, 2), groups=2),
        nn.Conv2d(4, 2, 3, padding="valid", bias=False),
    )
    _, session = _export(model, mt.randn(1, 2, 7, 9))
    _assert_runtime_matches(model, session, (mt.randn(1, 2, 7, 9),))
    reflect = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"))
    with pytest.raises(RuntimeError, match="Conv2d '0' with padding_mode='reflect'"):
        mt.onnx.export(reflect, mt.randn(1, 1, 4, 4), io.BytesIO())


def test_lstm_stacked_bidirectional_batch_first():
    mt.manual_seed(3)
    model = nn.LSTM(3, 5, num_layers=2, batch_first=True, bidirectional=True)
    axes = {
        "input": {0: "batch"},
        "output_0": {0: "batch"},
        "output_1": {1: "batch"},
        "output_2": {1: "batch"},
    }
    proto, session = _export(model, mt.randn(2, 4, 3), dynamic_axes=axes)
    assert [n.op_type for n in proto.graph.node].count("LSTM") == 2
    for batch in (2, 3):
        _assert_runtime_matches(model, session, (mt.randn(batch, 4, 3),))


def test_lstm_with_initial_state_and_gru_and_rnn():
    mt.manual_seed(4)
    lstm = nn.LSTM(3, 5)
    state = (mt.randn(1, 2, 5), mt.randn(1, 2, 5))
    _, session = _export(lstm, (mt.randn(4, 2, 3), state))
    _assert_runtime_matches(lstm, session, (mt.randn(4, 2, 3), state))
    gru = nn.GRU(3, 4, num_layers=2, bias=False)
    _, session = _export(gru, (mt.randn(4, 2, 3), mt.randn(2, 2, 4)))
    _assert_runtime_matches(gru, session, (mt.randn(4, 2, 3), mt.randn(2, 2, 4)))
    rnn = nn.RNN(3, 4, nonlinearity="relu", bidirectional=True)
    _, session = _export(rnn, mt.randn(5, 2, 3))
    _assert_runtime_matches(rnn, session, (mt.randn(5, 2, 3),))


def test_transformer_language_model_with_dynamic_batch():
    mt.manual_seed(5)
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True)
    model = nn.Sequential(
        nn.Embedding(20, 16),
        nn.TransformerEncoder(layer, num_layers=2),
        nn.LayerNorm(16),
        nn.Linear(16, 20),
    )
    tokens = mt.randint(0, 20, (2, 6))
    proto, session = _export(model, tokens, dynamic_axes=BATCH, input_names=["input"])
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert {"Gather", "MatMul", "Softmax", "LayerNormalization", "Transpose"} <= _op_types(proto)
    model.eval()
    for batch in (2, 5):
        _assert_runtime_matches(model, session, (mt.randint(0, 20, (batch, 6)),))


def test_transformer_encoder_norm_first_gelu_sequence_first():
    mt.manual_seed(6)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation="gelu", norm_first=True)
    model = nn.TransformerEncoder(layer, 1, norm=nn.LayerNorm(8), enable_nested_tensor=False)
    model.eval()
    _, session = _export(model, mt.randn(5, 2, 8))
    _assert_runtime_matches(model, session, (mt.randn(5, 2, 8),))


def test_writes_a_file_with_names_and_opset(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    path = tmp_path / "model.onnx"
    mt.onnx.export(
        model, (mt.randn(1, 2),), str(path), input_names=["x"], output_names=["y"], opset_version=17
    )
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["y"]
    assert proto.opset_import[0].version == 17
    assert sorted(i.name for i in proto.graph.initializer) == ["0.bias", "0.weight_T"]


class FlattensInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.fc = nn.Linear(2 * 3 * 3, 3)

    def forward(self, x):
        hidden = self.conv(x).relu().flatten(1)
        return F.log_softmax(self.fc(hidden) * 2.0 - hidden.mean(dim=1, keepdim=True), dim=1)


def test_tensor_ops_in_forward_are_traced():
    mt.manual_seed(9)
    model = FlattensInForward()
    proto, session = _export(model, mt.randn(2, 1, 5, 5), dynamic_axes=BATCH)
    assert {"Relu", "Reshape", "Mul", "Sub", "ReduceMean", "LogSoftmax"} <= _op_types(proto)
    for batch in (2, 4):
        _assert_runtime_matches(model, session, (mt.randn(batch, 1, 5, 5),))


class Cumulative(nn.Module):
    def forward(self, x):
        return x.cumsum(0)


class Opaque(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return mt.tensor(x.numpy(force=True) * 3)  # on arrays: no op the exporter can see

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out * 3


class UsesOpaque(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(Opaque.apply(x))


class Odd(nn.Module):
    pass


def test_errors_name_the_module_or_op_and_the_fix():
    with pytest.raises(
        RuntimeError,
        match=r"no ONNX mapping for the op cumsum\(\) called in the forward of Cumulative \(the model\)",
    ):
        mt.onnx.export(Cumulative(), mt.ones(2), io.BytesIO())
    with pytest.raises(
        RuntimeError,
        match=r"an input of Linear 'fc' \(shape \(1, 2\)\) is computed from the input in the forward of UsesOpaque",
    ):
        mt.onnx.export(UsesOpaque(), mt.ones(1, 2), io.BytesIO())
    with pytest.raises(
        RuntimeError,
        match=r"no ONNX mapping for the op einsum\(\) called in the forward of Bilinear 'inner.0'",
    ):
        bilinear = nn.Sequential(nn.Bilinear(2, 2, 1))
        mt.onnx.export(_Pair(bilinear), mt.ones(1, 2), io.BytesIO())
    with pytest.raises(ValueError, match="opset_version=11 is not supported"):
        mt.onnx.export(nn.ReLU(), mt.ones(2), io.BytesIO(), opset_version=11)
    with pytest.raises(ValueError, match=r"dynamic_axes names \['inp'\]"):
        mt.onnx.export(nn.ReLU(), mt.ones(2), io.BytesIO(), dynamic_axes={"inp": [0]})
    with pytest.raises(RuntimeError, match="MultiheadAttention 'attn' returning attention weights"):
        mt.onnx.export(_SelfAttention(), mt.randn(3, 1, 4), io.BytesIO())
    with pytest.raises(RuntimeError, match="MaxPool2d '0' with return_indices=True"):
        mt.onnx.export(
            nn.Sequential(nn.MaxPool2d(2, return_indices=True)), mt.randn(1, 1, 4, 4), io.BytesIO()
        )


class _Pair(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner[0](x, x)


class _SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(4, 2)

    def forward(self, x):
        return self.attn(x, x, x)[0]


def test_multihead_self_attention_without_weights():
    class Attend(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

        def forward(self, x):
            return self.attn(x, x, x, need_weights=False)

    mt.manual_seed(7)
    model = Attend()
    x = mt.randn(2, 3, 8)
    _, session = _export(model, x)
    _assert_runtime_matches(model, session, (x,))


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=16):
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        position = mt.arange(0, max_len, dtype=mt.float).unsqueeze(1)
        div_term = mt.exp(mt.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe = mt.zeros(max_len, d_model)
        pe[:, 0::2] = mt.sin(position * div_term)
        pe[:, 1::2] = mt.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(1))

    def forward(self, x):
        return self.dropout(x + self.pe[: x.size(0), :])


class TransformerLM(nn.Module):
    """The word-language-model of PyTorch's examples: causal mask, tied weights."""

    def __init__(self, ntoken=12, ninp=8, nhead=2, nhid=16, nlayers=2):
        super().__init__()
        self.ninp = ninp
        self.encoder = nn.Embedding(ntoken, ninp)
        self.pos_encoder = PositionalEncoding(ninp)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout=0.1)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.decoder = nn.Linear(ninp, ntoken)
        self.decoder.weight = self.encoder.weight

    def forward(self, src):
        mask = nn.Transformer.generate_square_subsequent_mask(len(src))
        src = self.pos_encoder(self.encoder(src) * math.sqrt(self.ninp))
        output = self.transformer_encoder(src, mask.to(src.dtype))
        return F.log_softmax(self.decoder(output), dim=-1)


def test_transformer_word_language_model_with_causal_mask():
    mt.manual_seed(10)
    model = TransformerLM()
    axes = {"input": {1: "batch"}, "output": {1: "batch"}}
    proto, session = _export(model, mt.randint(0, 12, (6, 2)), dynamic_axes=axes)
    assert {"Gather", "Add", "Softmax", "LayerNormalization", "LogSoftmax"} <= _op_types(proto)
    model.eval()
    for batch in (2, 3):
        _assert_runtime_matches(model, session, (mt.randint(0, 12, (6, batch)),))


class LSTMLM(nn.Module):
    def __init__(self, ntoken=10, ninp=6, nlayers=2):
        super().__init__()
        self.ntoken = ntoken
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, ninp, nlayers)
        self.decoder = nn.Linear(ninp, ntoken)

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.encoder(input), hidden)
        return self.decoder(output).view(-1, self.ntoken), hidden


def test_lstm_language_model_with_state_in_and_out():
    mt.manual_seed(11)
    model = LSTMLM()
    hidden = (mt.randn(2, 3, 6), mt.randn(2, 3, 6))
    proto, session = _export(model, (mt.randint(0, 10, (5, 3)), hidden))
    assert [i.name for i in proto.graph.input] == ["input_0", "input_1", "input_2"]
    _assert_runtime_matches(model, session, (mt.randint(0, 10, (5, 3)), hidden))


class Detaches(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(x).detach() * 2


def test_detached_traced_tensor_is_an_error_not_a_frozen_constant():
    with pytest.raises(
        RuntimeError, match=r"an input of mul\(\) \(shape \(1, 2\)\) is computed from the input"
    ):
        mt.onnx.export(Detaches(), mt.ones(1, 2), io.BytesIO())


class OpsZoo(nn.Module):
    """Tensor ops between modules: indexing, shape ops, joins, reductions, arithmetic."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        out, _ = self.lstm(x)
        last = out[:, -1]  # (N, 4)
        every_other = x[..., ::2].sum(dim=-1)  # (N, T)
        mixed = mt.cat([last, every_other.transpose(0, 1)[:4].permute(1, 0)], dim=1)  # (N, 8)
        scaled = (mixed.pow(2) + 1.0).sqrt() / 2 - mixed.neg().exp().mean(1, keepdim=True)
        gram = scaled.unsqueeze(1) @ scaled.unsqueeze(2)  # (N, 1, 1)
        logits = self.fc(last).tanh() * gram.squeeze(2) + F.gelu(last, approximate="tanh")
        return logits.to(mt.float64).softmax(-1), logits.reshape(-1, 2, 2).abs().log()


def test_tensor_op_zoo_matches_with_dynamic_batch():
    mt.manual_seed(12)
    model = OpsZoo()
    axes = {"input": {0: "batch"}, "output_0": {0: "batch"}, "output_1": {0: "batch"}}
    proto, session = _export(model, mt.randn(3, 5, 3), dynamic_axes=axes)
    assert {"Slice", "Squeeze", "Concat", "ReduceSum", "Cast", "Unsqueeze"} <= _op_types(proto)
    assert proto.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    for batch in (3, 6):
        _assert_runtime_matches(model, session, (mt.randn(batch, 5, 3),))


def test_indexing_with_a_tensor_is_an_error():
    class Gathers(nn.Module):
        def forward(self, x):
            return x[mt.tensor([0, 0])]

    with pytest.raises(RuntimeError, match="indexing with Tensor is not mapped"):
        mt.onnx.export(Gathers(), mt.ones(2, 2), io.BytesIO())


def test_module_returning_its_input_and_constant_outputs():
    class PassThrough(nn.Module):
        def forward(self, x):
            return x

    class WithConstant(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("table", mt.arange(3.0))

        def forward(self, x):
            return PassThrough()(x) + self.table * 2

    model = nn.Sequential(PassThrough(), WithConstant())
    _, session = _export(model, mt.randn(2, 3))
    _assert_runtime_matches(model, session, (mt.randn(2, 3),))


def test_in_place_ops():
    class AddsInPlace(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            hidden = self.fc(x)
            hidden += 1.0
            return hidden * 2

    with pytest.raises(
        RuntimeError,
        match=r"an input of add\(\) \(shape \(1, 2\)\) is computed from the input in the forward of AddsInPlace.*not in-place ops \(\+=, add_\)",
    ):
        mt.onnx.export(AddsInPlace(), mt.ones(1, 2), io.BytesIO())

    class ReluInPlace(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 3)

        def forward(self, x):
            hidden = self.fc(x)
            F.relu(hidden, inplace=True)  # the tensor itself changes: later uses see relu
            return hidden - 1.0

    # in-place ops that return the tensor they changed are followed, module or function
    mt.manual_seed(13)
    for model in (ReluInPlace(), nn.Sequential(nn.Linear(2, 3), nn.ReLU(inplace=True))):
        proto, session = _export(model, mt.randn(4, 2))
        assert "Relu" in _op_types(proto)
        _assert_runtime_matches(model, session, (mt.randn(4, 2),))


def test_torchs_keyword_options_are_accepted_and_unsupported_ones_refused():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    proto = mt.onnx.export(
        model, (mt.randn(1, 3),), None, export_params=True, verbose=False, dynamo=False,
        input_names=["x"], output_names=["y"], opset_version=18, do_constant_folding=True,
        keep_initializers_as_inputs=False, training=mt.onnx.TrainingMode.EVAL,
    )  # fmt: skip
    assert [node.op_type for node in proto.graph.node][-1] == "Identity"
    assert [i.name for i in proto.graph.input] == ["x"]
    for options, what in [
        ({"export_params": False}, "export_params=False"),
        ({"training": mt.onnx.TrainingMode.TRAINING}, "training="),
        ({"operator_export_type": mt.onnx.OperatorExportTypes.ONNX_ATEN}, "operator_export_type"),
    ]:
        with pytest.raises(NotImplementedError, match=f"export\\(\\): {what}"):
            mt.onnx.export(model, mt.randn(1, 3), io.BytesIO(), **options)
