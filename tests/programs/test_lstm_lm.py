"""A word-level LSTM language model as people write it, run on torch and microtensor.

One program against ``lib``: embedding, a 2-layer ``nn.LSTM``, a decoder tied to the embedding,
the hidden state carried across bptt windows and detached between them (``repackage_hidden``),
``CrossEntropyLoss``, SGD with ``clip_grad_norm_``, evaluation under ``no_grad``; and a
variable-length batch run through ``pack_padded_sequence``. torch's initial weights are copied
into the microtensor model; every loss must match torch's.
"""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.programs.test_transformer_lm import VOCAB, WORDS, batchify, get_batch

NTOKEN, NINP, NLAYERS, BATCH = len(VOCAB), 8, 2, 3


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """torch's thread pool thrashes on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_model(lib):
    nn = lib.nn

    class RNNModel(nn.Module):
        def __init__(self, ntoken, ninp, nlayers):
            super().__init__()
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, ninp, nlayers)
            self.decoder = nn.Linear(ninp, ntoken)
            self.decoder.weight = self.encoder.weight  # tied: nhid == ninp
            self.nlayers, self.nhid = nlayers, ninp

        def forward(self, input, hidden):
            output, hidden = self.rnn(self.encoder(input), hidden)
            return self.decoder(output).view(-1, NTOKEN), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (
                weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid),
            )

    return RNNModel(NTOKEN, NINP, NLAYERS)


def repackage_hidden(h):
    """Detach hidden states from their history (truncated backpropagation through time)."""
    if isinstance(h, tuple):
        return tuple(repackage_hidden(v) for v in h)
    return h.detach()


def run_program(lib, model, epochs=3):
    ids = [VOCAB.index(w) for w in WORDS]
    split = int(len(ids) * 0.8)
    train_data, val_data = batchify(lib, ids[:split], BATCH), batchify(lib, ids[split:], 1)
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=1.0)
    train_losses, val_losses = [], []
    for _ in range(epochs):
        model.train()
        hidden = model.init_hidden(BATCH)
        for i in range(0, train_data.size(0) - 1, 6):
            data, targets = get_batch(train_data, i)
            hidden = repackage_hidden(hidden)
            model.zero_grad()
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            train_losses.append(loss.item())
        model.eval()
        hidden, total = model.init_hidden(1), 0.0
        with lib.no_grad():
            for i in range(0, val_data.size(0) - 1, 6):
                data, targets = get_batch(val_data, i)
                output, hidden = model(data, hidden)
                total += len(data) * criterion(output, targets).item()
        val_losses.append(total / (len(val_data) - 1))
    return train_losses, val_losses


def packed_loss(lib, model):
    """Sentences of different lengths as one packed batch; loss over the real tokens only."""
    rnn_utils = lib.nn.utils.rnn
    sentences = [
        [VOCAB.index(w) for w in s.split()] for s in ("the cat sat", "a dog ran on the log")
    ]
    sentences.append([VOCAB.index(w) for w in "the dog sat on the mat".split()][:5])
    seqs = [lib.tensor(s, dtype=lib.long) for s in sentences]
    padded = rnn_utils.pad_sequence(seqs)
    packed = rnn_utils.pack_padded_sequence(
        model.encoder(padded[:-1]), [len(s) - 1 for s in sentences], enforce_sorted=False
    )
    output, _ = model.rnn(packed)
    unpacked, lengths = rnn_utils.pad_packed_sequence(output)
    logits = model.decoder(unpacked)
    mask = lib.arange(padded.size(0) - 1).unsqueeze(1) < lengths.unsqueeze(0)
    losses = lib.nn.functional.cross_entropy(
        logits.view(-1, NTOKEN), padded[1:].reshape(-1), reduction="none"
    )
    return (losses * mask.reshape(-1).to(losses.dtype)).sum() / mask.sum()


def test_lstm_lm_trains_like_torch():
    torch.manual_seed(0)
    torch_model = build_model(torch).double()
    mt_model = build_model(mt).double()
    assert list(mt_model.state_dict()) == list(torch_model.state_dict())
    state = {k: mt.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    mt_model.load_state_dict(state)
    assert mt_model.decoder.weight is mt_model.encoder.weight
    mt_packed, torch_packed = packed_loss(mt, mt_model), packed_loss(torch, torch_model)
    np.testing.assert_allclose(mt_packed.item(), torch_packed.item(), rtol=1e-12)
    mt_packed.backward()
    torch_packed.backward()
    np.testing.assert_allclose(
        mt_model.rnn.weight_hh_l1.grad.numpy(), torch_model.rnn.weight_hh_l1.grad.numpy(), rtol=1e-9
    )
    torch_train, torch_val = run_program(torch, torch_model)
    mt_train, mt_val = run_program(mt, mt_model)
    np.testing.assert_allclose(mt_train, torch_train, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mt_val, torch_val, rtol=1e-9, atol=1e-9)
    assert np.mean(mt_train[-3:]) < np.mean(mt_train[:3]) - 0.2
    assert mt_val[-1] < mt_val[0]
