"""Text tutorials and GPT idioms, written once and run on torch and on microtensor as ``torch``.

The name classifier with a hand-written RNN cell (``LogSoftmax``, ``NLLLoss``, manual hidden
init, ``p.data.add_``) beside ``nn.RNN``; seq2seq with Bahdanau attention (``nn.GRU``,
``bmm``, teacher forcing, greedy ``topk`` decoding); text classification with ``EmbeddingBag``
and offsets from a ``collate_fn``, ``random_split``, ``StepLR``; nanoGPT's causal attention
(both ``scaled_dot_product_attention`` and the masked ``softmax``), top-k sampling with
``multinomial``, weight-decay groups and a checkpoint dict through ``save``/``load``.
"""

import io
import math
import random
import string

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def char_rnn(torch):
    nn = torch.nn
    torch.manual_seed(20)
    all_letters = string.ascii_letters + " .,;'"
    n_letters = len(all_letters)
    categories = ["English", "French", "Greek"]
    names = {
        "English": ["Smith", "Jones", "Brown"],
        "French": ["Dubois", "Moreau", "Laurent"],
        "Greek": ["Pappas", "Nikolaou", "Georgiou"],
    }

    def lineToTensor(line):
        tensor = torch.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][all_letters.find(letter)] = 1
        return tensor

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(input_size, hidden_size)
            self.h2h = nn.Linear(hidden_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input, hidden):
            hidden = torch.tanh(self.i2h(input) + self.h2h(hidden))
            return self.softmax(self.h2o(hidden)), hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    class CharRNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            return self.softmax(self.h2o(hidden[0]))

    rnn = RNN(n_letters, 16, 3)
    crnn = CharRNN(n_letters, 16, 3)
    criterion = nn.NLLLoss()
    out = [str(lineToTensor("Jones").size()), repr(crnn)]
    opt = torch.optim.SGD(crnn.parameters(), lr=0.05)
    rng = random.Random(0)
    for _ in range(12):
        category = rng.choice(categories)
        line = rng.choice(names[category])
        category_tensor = torch.tensor([categories.index(category)], dtype=torch.long)
        line_tensor = lineToTensor(line)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-0.005)
        o2 = crnn(line_tensor)
        l2 = criterion(o2, category_tensor)
        opt.zero_grad()
        l2.backward()
        nn.utils.clip_grad_norm_(crnn.parameters(), 3)
        opt.step()
        top_n, top_i = output.topk(1)
        out += [loss.item(), l2.item(), top_i[0].item()]
    return out


def seq2seq(torch):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(21)
    SOS, V, H, ML = 0, 12, 16, 6

    class EncoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, H)
            self.gru = nn.GRU(H, H, batch_first=True)
            self.dropout = nn.Dropout(0.1)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            return self.gru(embedded)

    class BahdanauAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.Wa = nn.Linear(H, H)
            self.Ua = nn.Linear(H, H)
            self.Va = nn.Linear(H, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            return torch.bmm(weights, keys), weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, H)
            self.attention = BahdanauAttention()
            self.gru = nn.GRU(2 * H, H, batch_first=True)
            self.out = nn.Linear(H, V)
            self.dropout = nn.Dropout(0.1)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS)
            decoder_hidden = encoder_hidden
            decoder_outputs = []
            attentions = []
            for i in range(ML):
                embedded = self.dropout(self.embedding(decoder_input))
                query = decoder_hidden.permute(1, 0, 2)
                context, attn_weights = self.attention(query, encoder_outputs)
                output, decoder_hidden = self.gru(
                    torch.cat((embedded, context), dim=2), decoder_hidden
                )
                output = self.out(output)
                decoder_outputs.append(output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)
                else:
                    _, topi = output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            decoder_outputs = F.log_softmax(torch.cat(decoder_outputs, dim=1), dim=-1)
            return decoder_outputs, decoder_hidden, torch.cat(attentions, dim=1)

    enc, dec = EncoderRNN(), AttnDecoderRNN()
    eo = torch.optim.Adam(enc.parameters(), lr=1e-3)
    do = torch.optim.Adam(dec.parameters(), lr=1e-3)
    crit = nn.NLLLoss()
    src = torch.randint(2, V, (4, ML))
    tgt = torch.randint(2, V, (4, ML))
    out = []
    for _ in range(3):
        eo.zero_grad()
        do.zero_grad()
        e_out, e_hid = enc(src)
        d_out, _, attn = dec(e_out, e_hid, tgt)
        loss = crit(d_out.view(-1, d_out.size(-1)), tgt.view(-1))
        loss.backward()
        eo.step()
        do.step()
        out.append(loss.item())
    enc.eval()
    dec.eval()
    with torch.no_grad():
        e_out, e_hid = enc(src[:1])
        d_out, _, attn = dec(e_out, e_hid)
        _, topi = d_out.topk(1)
        out += [topi.squeeze().tolist(), attn.sum().item()]
    return out


def embbag(torch):
    nn = torch.nn
    torch.manual_seed(22)

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super().__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            return self.fc(self.embedding(text, offsets))

    texts = [torch.randint(0, 50, (int(n),)) for n in torch.randint(3, 9, (24,))]
    labels = torch.randint(0, 4, (24,))
    data = list(zip(labels.tolist(), texts, strict=True))

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(_label)
            text_list.append(_text)
            offsets.append(_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        return label_list, torch.cat(text_list), offsets

    split_train, split_valid = torch.utils.data.random_split(data, [18, 6])
    train_dataloader = torch.utils.data.DataLoader(
        split_train, batch_size=6, shuffle=True, collate_fn=collate_batch
    )
    valid_dataloader = torch.utils.data.DataLoader(
        split_valid, batch_size=6, shuffle=False, collate_fn=collate_batch
    )
    model = TextClassificationModel(50, 16, 4)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    out = [len(split_train), split_valid.indices]
    for _ in range(3):
        model.train()
        total_acc, total_count = 0, 0
        for label, text, offsets in train_dataloader:
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
            out.append(loss.item())
        model.eval()
        with torch.no_grad():
            acc = sum((model(t, o).argmax(1) == y).sum().item() for y, t, o in valid_dataloader)
        scheduler.step()
        out += [total_acc / total_count, acc, scheduler.get_last_lr()]
    bag = nn.EmbeddingBag(10, 3, mode="max")
    out.append(bag(torch.tensor([[1, 2], [3, 4]])).tolist())
    bag2 = nn.EmbeddingBag.from_pretrained(torch.arange(12.0).view(4, 3), mode="sum", padding_idx=0)
    out.append(
        bag2(
            torch.tensor([0, 1, 2, 3]),
            torch.tensor([0, 2]),
            per_sample_weights=torch.tensor([1.0, 2.0, 3.0, 4.0]),
        ).tolist()
    )
    return out


def gpt_bits(torch):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(23)
    B, T, C, nh = 2, 5, 16, 4

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(C, 3 * C)
            self.c_proj = nn.Linear(C, C)
            self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

        def forward(self, x, flash):
            q, k, v = self.c_attn(x).split(C, dim=2)
            k = k.view(B, T, nh, C // nh).transpose(1, 2)
            q = q.view(B, T, nh, C // nh).transpose(1, 2)
            v = v.view(B, T, nh, C // nh).transpose(1, 2)
            if flash:
                y = F.scaled_dot_product_attention(
                    q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True
                )
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
                att = F.softmax(att, dim=-1)
                y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    m = CausalSelfAttention()
    x = torch.randn(B, T, C)
    out = [
        m(x, True).sum().item(),
        m(x, False).sum().item(),
        list(m.state_dict().keys()),
        list(dict(m.named_buffers()).keys()),
    ]
    logits = torch.randn(B, 10)
    v, _ = torch.topk(logits, 3)
    logits[logits < v[:, [-1]]] = -float("Inf")
    probs = F.softmax(logits / 0.8, dim=-1)
    out.append(torch.multinomial(probs, num_samples=1).tolist())
    g = torch.Generator().manual_seed(42)
    out.append(torch.multinomial(probs, 4, replacement=True, generator=g).tolist())
    out.append(
        torch.einsum("bij,bjk->bik", torch.randn(2, 3, 4), torch.randn(2, 4, 5)).sum().item()
    )
    out.append(torch.where(x > 0, x, torch.zeros_like(x)).sum().item())
    decay = {pn for pn, p in m.named_parameters() if p.dim() >= 2}
    optim_groups = [
        {"params": [p for pn, p in m.named_parameters() if pn in decay], "weight_decay": 0.1},
        {"params": [p for pn, p in m.named_parameters() if pn not in decay], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(optim_groups, lr=6e-4, betas=(0.9, 0.95), fused=False)
    for _ in range(2):
        loss = m(x, True).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    out.append(loss.item())
    buf = io.BytesIO()
    torch.save({"model": m.state_dict(), "optimizer": opt.state_dict(), "iter_num": 2}, buf)
    buf.seek(0)
    ck = torch.load(buf, map_location="cpu")
    out += [
        sorted(ck["optimizer"].keys()),
        ck["optimizer"]["param_groups"][0]["betas"],
        ck["iter_num"],
        sorted(ck["optimizer"]["state"][0].keys()),
        ck["optimizer"]["state"][0]["step"].item(),
    ]
    out.append(str(ck["optimizer"]["param_groups"][1]))
    return out


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("program", [char_rnn, seq2seq, embbag, gpt_bits])
def test_text_program_prints_torchs_record(program):
    theirs = program(torch)
    assert_same_record(program(mt), theirs)
