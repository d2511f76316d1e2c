"""A makemore-style program: a Dataset of names, RandomSampler with replacement, an MLP.

Written as a PyTorch user would (Karpathy's makemore MLP in spirit; the code is our own): the
names are generated here from syllables, each sample is (previous `block_size` characters ->
next character), a `RandomSampler(replacement=True, num_samples=...)` draws the training
batches, and the evaluation runs under `inference_mode`. The same script in torch, with the
weights copied across and fed the same batches, gives the same losses.
"""

import numpy as np
import torch
import torch.nn.functional

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.utils.data import DataLoader, Dataset, RandomSampler

BLOCK_SIZE = 3
SYLLABLES = ["an", "el", "mi", "ra", "to", "su", "ka", "li", "on", "ve", "ya", "bo"]


def make_names(count, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(SYLLABLES, size=rng.integers(1, 4))) for _ in range(count)]


class NamesDataset(Dataset):
    """Every (context, next character) pair of every name; '.' starts and ends a name."""

    def __init__(self, names):
        self.chars = ["."] + sorted(set("".join(names)))
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        self.examples = []
        for name in names:
            context = [0] * BLOCK_SIZE
            for ch in name + ".":
                self.examples.append((list(context), self.stoi[ch]))
                context = context[1:] + [self.stoi[ch]]

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, i):
        context, target = self.examples[i]
        return mt.tensor(context), target


class MLP(mt.nn.Module):
    def __init__(self, vocab_size, n_embd=8, n_hidden=32):
        super().__init__()
        self.wte = mt.nn.Embedding(vocab_size, n_embd)
        self.hidden = mt.nn.Linear(BLOCK_SIZE * n_embd, n_hidden)
        self.out = mt.nn.Linear(n_hidden, vocab_size)

    def forward(self, idx):
        emb = self.wte(idx).view(idx.shape[0], -1)
        return self.out(mt.tanh(self.hidden(emb)))


def torch_mlp(model):
    vocab_size, n_embd = model.wte.weight.shape
    net = torch.nn.ModuleDict(
        {
            "wte": torch.nn.Embedding(vocab_size, n_embd),
            "hidden": torch.nn.Linear(BLOCK_SIZE * n_embd, model.hidden.out_features),
            "out": torch.nn.Linear(model.hidden.out_features, vocab_size),
        }
    ).double()
    net.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return net


def torch_forward(net, idx):
    emb = net["wte"](idx).view(idx.shape[0], -1)
    return net["out"](torch.tanh(net["hidden"](emb)))


def evaluate(model, dataset):
    model.eval()
    with mt.inference_mode():
        loader = DataLoader(dataset, batch_size=256)
        losses = [F.cross_entropy(model(x), y, reduction="sum") for x, y in loader]
        total = sum(loss.item() for loss in losses)
        assert all(loss.grad_fn is None and not loss.requires_grad for loss in losses)
    model.train()
    return total / len(dataset)


def test_makemore_mlp_trains_and_matches_torch():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: threads only contend on the 2-core test machine
    try:
        _train_and_compare()
    finally:
        torch.set_num_threads(threads)


def _train_and_compare():
    dataset = NamesDataset(make_names(120))
    steps, batch_size = 40, 32
    sampler = RandomSampler(
        dataset,
        replacement=True,
        num_samples=steps * batch_size,
        generator=mt.Generator().manual_seed(0),
    )
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    assert len(loader) == steps

    mt.manual_seed(0)
    model = MLP(len(dataset.chars)).double()
    net = torch_mlp(model)
    optimizer = mt.optim.Adam(model.parameters(), lr=0.02)
    torch_optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    before = evaluate(model, dataset)

    losses, torch_losses = [], []
    for x, y in loader:
        assert x.shape == (batch_size, BLOCK_SIZE) and x.dtype == mt.int64
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

        torch_loss = torch.nn.functional.cross_entropy(
            torch_forward(net, torch.tensor(x.numpy())), torch.tensor(y.numpy())
        )
        torch_optimizer.zero_grad()
        torch_loss.backward()
        torch_optimizer.step()
        torch_losses.append(torch_loss.item())

    np.testing.assert_allclose(losses, torch_losses, rtol=1e-9, atol=1e-12)
    after = evaluate(model, dataset)
    assert after < 0.75 * before
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    # the sampler drew with replacement: some examples more than once, fresh draws each epoch
    drawn = list(sampler)
    assert len(drawn) == steps * batch_size and len(set(drawn)) < len(drawn)
    assert list(sampler) != drawn
