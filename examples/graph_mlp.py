"""The graph of a two-layer MLP and its cross-entropy loss, for ``python -m microtensor.viz``.

``build_graph()`` builds the model, runs one forward and backward pass on random data and returns
``(loss, model)``: the drawing then names every parameter (``hidden.weight``), frames each
module call and shows gradient norms.

Run: ``python -m microtensor.viz examples/graph_mlp.py --out mlp.svg`` (or ``--text``), or
``python examples/graph_mlp.py`` to print the graph as text.
"""

from __future__ import annotations

import microtensor as mt
from microtensor import nn


class MLP(nn.Module):
    """in_features -> hidden (ReLU) -> classes logits."""

    def __init__(self, in_features: int = 4, hidden: int = 8, classes: int = 3) -> None:
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden)
        self.act = nn.ReLU()
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.out(self.act(self.hidden(x)))


def build_graph(batch: int = 16, seed: int = 0) -> tuple[mt.Tensor, MLP]:
    """One training step's graph: random inputs and labels, loss, gradients."""
    mt.manual_seed(seed)
    model = MLP()
    x = mt.randn(batch, 4)
    target = mt.randint(0, 3, (batch,))
    loss = nn.functional.cross_entropy(model(x), target)
    loss.backward()
    return loss, model


if __name__ == "__main__":
    from microtensor.viz import print_graph

    print_graph(*build_graph())
