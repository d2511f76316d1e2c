"""A word-level Transformer language model as people write it, run on torch and microtensor.

One program against ``lib``: an ``nn.TransformerEncoder`` over embeddings scaled by
sqrt(d_model) plus a sinusoidal positional-encoding buffer, a causal mask from
``nn.Transformer.generate_square_subsequent_mask``, a decoder tied to the embedding,
``log_softmax`` + ``NLLLoss``, batchified sequence-first data cut into bptt windows, SGD with
``clip_grad_norm_``, and an evaluation pass under ``no_grad``. torch's initial weights are copied
into the microtensor model; the training and evaluation losses must match torch's.
"""

import math

import numpy as np
import pytest
import torch

import microtensor as mt

CORPUS = (
    "the cat sat on the mat . the dog sat on the log . "
    "a cat and a dog met on the mat . the dog ran and the cat sat . "
) * 4
WORDS = CORPUS.split()
VOCAB = sorted(set(WORDS))
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
NTOKEN, NINP, NHEAD, NHID, NLAYERS, BPTT, BATCH = len(VOCAB), 8, 2, 16, 2, 6, 3


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """torch's thread pool thrashes on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_model(lib):
    nn, F = lib.nn, lib.nn.functional

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=64):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            pe = lib.zeros(max_len, d_model)
            position = lib.arange(0, max_len, dtype=lib.float).unsqueeze(1)
            div_term = lib.exp(lib.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = lib.sin(position * div_term)
            pe[:, 1::2] = lib.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

        def forward(self, x):
            return self.dropout(x + self.pe[: x.size(0), :])

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.0):
            super().__init__()
            self.ninp = ninp
            self.pos_encoder = PositionalEncoding(ninp, dropout)
            layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
            self.transformer_encoder = nn.TransformerEncoder(layer, nlayers)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.decoder = nn.Linear(ninp, ntoken)
            self.decoder.weight = self.encoder.weight  # tied weights

        def forward(self, src):
            mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(src.device)
            src = self.encoder(src) * math.sqrt(self.ninp)
            src = self.pos_encoder(src)
            output = self.transformer_encoder(src, mask.to(src.dtype))
            return F.log_softmax(self.decoder(output), dim=-1)

    return TransformerModel(NTOKEN, NINP, NHEAD, NHID, NLAYERS)


def batchify(lib, ids, bsz):
    data = lib.tensor(ids, dtype=lib.long)
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i):
    seq_len = min(BPTT, len(source) - 1 - i)
    return source[i : i + seq_len], source[i + 1 : i + 1 + seq_len].reshape(-1)


def run_program(lib, model, epochs=3):
    ids = [VOCAB.index(w) for w in WORDS]
    split = int(len(ids) * 0.8)
    train_data, val_data = batchify(lib, ids[:split], BATCH), batchify(lib, ids[split:], 1)
    criterion = lib.nn.NLLLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.5)
    train_losses, val_losses = [], []
    for _ in range(epochs):
        model.train()
        for i in range(0, train_data.size(0) - 1, BPTT):
            data, targets = get_batch(train_data, i)
            optimizer.zero_grad()
            output = model(data)
            loss = criterion(output.view(-1, NTOKEN), targets)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            optimizer.step()
            train_losses.append(loss.item())
        model.eval()
        total = 0.0
        with lib.no_grad():
            for i in range(0, val_data.size(0) - 1, BPTT):
                data, targets = get_batch(val_data, i)
                total += len(data) * criterion(model(data).view(-1, NTOKEN), targets).item()
        val_losses.append(total / (len(val_data) - 1))
    return train_losses, val_losses


def test_transformer_lm_trains_like_torch():
    torch.manual_seed(0)
    torch_model = build_model(torch).double()
    mt_model = build_model(mt).double()
    assert list(mt_model.state_dict()) == list(torch_model.state_dict())
    state = {k: mt.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    mt_model.load_state_dict(state)
    assert mt_model.decoder.weight is mt_model.encoder.weight
    assert_buffers_equal(mt_model, torch_model)
    torch_train, torch_val = run_program(torch, torch_model)
    mt_train, mt_val = run_program(mt, mt_model)
    np.testing.assert_allclose(mt_train, torch_train, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mt_val, torch_val, rtol=1e-9, atol=1e-9)
    assert np.mean(mt_train[-3:]) < 0.7 * np.mean(mt_train[:3])
    assert mt_val[-1] < mt_val[0]


def assert_buffers_equal(mt_model, torch_model):
    """The positional encoding built by the program itself agrees (float32 arithmetic)."""
    ours = mt_model.pos_encoder.pe.numpy()
    theirs = torch_model.pos_encoder.pe.numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
