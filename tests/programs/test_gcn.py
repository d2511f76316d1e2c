"""A two-layer graph convolutional network (Kipf & Welling) written by hand, on torch and
microtensor as ``torch``.

The tutorial's program: the symmetric normalised adjacency D^-1/2 (A + I) D^-1/2 of a small
random graph as a COO sparse tensor, ``torch.sparse.mm`` in each graph convolution, ReLU,
dropout (p=0, so both libraries draw nothing), ``log_softmax`` with ``nll_loss`` on the
training nodes, Adam with weight decay for 20 steps; then the other ways tutorials touch the
adjacency (``spmm``, ``@``, ``to_dense``, ``sparse.sum``, ``t()``, printing it). Every loss
and printed value must match torch's.
"""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401

NODES, FEATURES, HIDDEN, CLASSES = 12, 6, 8, 3


def graph():
    """Edges, features, labels and initial weights, from NumPy so both libraries share them."""
    rng = np.random.default_rng(7)
    pairs = {tuple(sorted(rng.choice(NODES, 2, replace=False))) for _ in range(20)}
    rows = [i for i, j in pairs] + [j for i, j in pairs] + list(range(NODES))  # A + I
    cols = [j for i, j in pairs] + [i for i, j in pairs] + list(range(NODES))
    degree = np.bincount(rows, minlength=NODES).astype(np.float64)
    norm = 1.0 / np.sqrt(degree[rows] * degree[cols])
    weights = [
        rng.uniform(-0.4, 0.4, (FEATURES, HIDDEN)),
        rng.uniform(-0.4, 0.4, HIDDEN),
        rng.uniform(-0.4, 0.4, (HIDDEN, CLASSES)),
        rng.uniform(-0.4, 0.4, CLASSES),
    ]
    features = rng.standard_normal((NODES, FEATURES))
    labels = rng.integers(0, CLASSES, NODES)
    return np.array([rows, cols]), norm, features, labels, weights


def gcn(torch):
    nn, F = torch.nn, torch.nn.functional
    indices, norm, features, labels, weights = graph()
    out = []
    adj = torch.sparse_coo_tensor(
        torch.tensor(indices), torch.tensor(norm, dtype=torch.float32), (NODES, NODES)
    )
    out += [adj.is_sparse, adj.is_coalesced(), adj._nnz(), str(adj.layout)]
    adj = adj.coalesce()
    out += [adj.is_coalesced(), adj._nnz(), adj.indices()[:, :5].tolist(), repr(adj.t())]
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor(labels)

    class GraphConvolution(nn.Module):
        def __init__(self, weight, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.tensor(weight, dtype=torch.float32))
            self.bias = nn.Parameter(torch.tensor(bias, dtype=torch.float32))

        def forward(self, input, adj):
            support = torch.mm(input, self.weight)
            return torch.sparse.mm(adj, support) + self.bias

    class GCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.gc1 = GraphConvolution(*weights[:2])
            self.gc2 = GraphConvolution(*weights[2:])
            self.dropout = 0.0

        def forward(self, x, adj):
            x = F.relu(self.gc1(x, adj))
            x = F.dropout(x, self.dropout, training=self.training)
            return F.log_softmax(self.gc2(x, adj), dim=1)

    model = GCN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    train = torch.arange(8)
    for _ in range(20):
        model.train()
        optimizer.zero_grad()
        output = model(x, adj)
        loss = F.nll_loss(output[train], y[train])
        loss.backward()
        optimizer.step()
        out.append(round(loss.item(), 6))
    model.eval()
    with torch.no_grad():
        output = model(x, adj)
    accuracy = (output.argmax(1)[8:] == y[8:]).float().mean().item()
    out += [accuracy, model.gc1.weight.grad.abs().sum().item()]
    out += [torch.spmm(adj, x).sum().item(), (adj @ x)[0].tolist(), adj.to_dense().sum().item()]
    out += [torch.sparse.sum(adj).item(), torch.sparse.sum(adj, dim=1).to_dense()[:4].tolist()]
    out += [x.to_sparse()._nnz(), (adj * 2).values()[:3].tolist(), repr(adj)]
    return out


@pytest.mark.usefixtures("one_torch_thread")
def test_gcn_prints_torchs_losses():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse invariant checks")
        theirs = gcn(torch)
    ours = gcn(mt)
    assert theirs[8] > theirs[27]  # the loss falls
    assert_same_record(ours, theirs)
