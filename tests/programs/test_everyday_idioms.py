"""Everyday idioms of training scripts, run on torch and on microtensor as ``torch``.

A map-style ``Dataset`` returning dicts through a seeded ``DataLoader`` (``drop_last``,
``generator=``), ``Subset``, ``ModuleDict``, the ``@torch.no_grad()`` decorator,
``from_numpy`` sharing memory, statistics, sorting, norms, boolean and fancy indexing, random
fills and draws, a packed bidirectional LSTM, ``state_dict`` keys, and the version gate.
"""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def idioms(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(40)
    out = []

    class DS(torch.utils.data.Dataset):
        def __init__(self):
            self.x = torch.randn(10, 3)
            self.y = torch.arange(10) % 2

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return {"x": self.x[i], "y": self.y[i], "i": i}

    g = torch.Generator()
    g.manual_seed(0)
    dl = torch.utils.data.DataLoader(DS(), batch_size=4, shuffle=True, drop_last=True, generator=g)
    for b in dl:
        out += [
            sorted(b.keys()),
            b["x"].shape == (4, 3),
            b["i"].tolist(),
            b["y"].dtype == torch.int64,
        ]
    sub = torch.utils.data.Subset(DS(), [1, 3])
    out.append(len(sub))
    md = nn.ModuleDict({"a": nn.Linear(3, 2), "b": nn.Linear(2, 1)})

    @torch.no_grad()
    def evaluate(x):
        return md["b"](md["a"](x)).requires_grad

    out.append(evaluate(torch.randn(2, 3)))
    m64 = nn.Linear(3, 2).to(torch.float64)
    out.append(str(m64.weight.dtype).split(".")[-1])
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = torch.from_numpy(arr)
    t[0, 0] = 7.0
    out.append(float(arr[0, 0]))
    out.append(torch.stack([t, t], dim=1).shape == (2, 2, 3))
    out.append([c.shape[1] for c in torch.chunk(torch.ones(2, 7), 3, dim=1)])
    out.append(F.one_hot(torch.tensor([0, 2]), num_classes=3).tolist())
    out.append(torch.randn(3).numpy().dtype.name)
    x = torch.randn(4, 5)
    out.append(x.std(dim=0, unbiased=False).tolist())
    out.append(x.var(1, correction=0).tolist())
    out.append(torch.nn.utils.parameters_to_vector(md.parameters()).shape[0])
    out.append(x.max().item())
    out.append(x.argsort(dim=1, descending=True).tolist())
    out.append(torch.sort(x, 1).values.sum().item())
    out.append(torch.linalg.norm(x).item())
    out.append(x.norm(dim=1, p=2).tolist())
    out.append(torch.cdist(x, x).sum().item())
    out.append(torch.tensor(3).item() + 1)
    out.append(int(torch.tensor(2.7)))
    out.append(x[x > 0].numel())
    out.append(x[:, [0, 2]].shape[1])
    out.append(x[..., None].shape == (4, 5, 1))
    out.append(torch.flip(x, [0])[0].tolist() == x[-1].tolist())
    out.append(x.masked_fill(x < 0, 0).sum().item())
    out.append(torch.nn.functional.pad(x, (1, 1), value=-1).shape == (4, 7))
    out.append(torch.clamp(x, min=-0.5).min().item())
    out.append(x.new_zeros(2).dtype == x.dtype)
    out.append(x.type(torch.LongTensor).dtype == torch.long)
    out.append(torch.isfinite(torch.tensor([1, float("inf")])).tolist())
    out.append(torch.randn(2, 3).uniform_(0, 1).tolist())
    out.append(torch.empty(3).normal_().tolist())
    out.append(torch.randperm(6).tolist())
    out.append(torch.rand(2, generator=g).tolist())
    out.append(torch.bernoulli(torch.full((5,), 0.5)).tolist())
    lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    seqs = [torch.randn(5, 3), torch.randn(3, 3)]
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    packed = nn.utils.rnn.pack_padded_sequence(
        padded, torch.tensor([5, 3]), batch_first=True, enforce_sorted=False
    )
    o, (h, c) = lstm(packed)
    un, lens = nn.utils.rnn.pad_packed_sequence(o, batch_first=True)
    out += [un.sum().item(), lens.tolist(), h.shape == (2, 2, 4)]
    sd = nn.Linear(2, 2).state_dict()
    out.append(list(sd.keys()))
    out.append(str(torch.get_default_dtype())[-7:])
    out.append(torch.__version__ >= (1, 0))
    return out


@pytest.mark.usefixtures("one_torch_thread")
def test_idioms_give_torchs_record():
    theirs = idioms(torch)
    ours = idioms(mt)
    assert theirs[-1] is True
    assert_same_record(
        ours[:-1], theirs[:-1]
    )  # the version gate: tests/programs/test_pytest_style_suite


@pytest.mark.parametrize("steps", [7, 28, 101])
def test_linspace_is_torchs_bit_for_bit(steps):
    theirs = torch.linspace(-1, 1, steps).numpy()
    np.testing.assert_array_equal(mt.linspace(-1, 1, steps).numpy(), theirs)
