"""Twin models for the fx tests: one class body, built on microtensor or on torch."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

import microtensor as mt
from microtensor.fx.node import _pretty_print_target

LIBS = {
    "mt": SimpleNamespace(lib=mt, nn=mt.nn, F=mt.nn.functional),
    "torch": SimpleNamespace(lib=torch, nn=torch.nn, F=torch.nn.functional),
}


def mlp(k: Any) -> Any:
    return k.nn.Sequential(k.nn.Linear(4, 8), k.nn.ReLU(), k.nn.Linear(8, 3))


def cnn(k: Any) -> Any:
    class CNN(k.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = k.nn.Conv2d(1, 3, 3)
            self.fc = k.nn.Linear(3 * 3 * 3, 5)

        def forward(self, x):
            x = k.F.relu(self.conv(x))
            x = k.F.max_pool2d(x, 2)
            x = k.lib.flatten(x, 1)
            return self.fc(x.view(x.size(0), -1))

    return CNN()


def residual(k: Any) -> Any:
    class Residual(k.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = k.nn.Linear(4, 4)
            self.layers = k.nn.Sequential(k.nn.Linear(4, 4), k.nn.Tanh())
            self.scale = k.nn.Parameter(k.lib.ones(4))
            self.register_buffer("shift", k.lib.full((4,), 0.5))

        def forward(self, x):
            h = k.lib.relu(self.linear(x)) + x
            h = self.layers(h) * self.scale
            n = x.size(0)
            out = k.lib.cat([h, self.shift - x], 1).sum(dim=1) / n
            return out, x.shape[1], h[:, 0]

    return Residual()


def copy_weights(mt_model: Any, torch_model: Any) -> None:
    """Give the torch twin the microtensor model's parameters and buffers."""
    state = {k: torch.from_numpy(np.array(v.numpy())) for k, v in mt_model.state_dict().items()}
    torch_model.load_state_dict(state)


def signature(gm: Any) -> list[tuple[str, str, str, str]]:
    """(op, name, target, args) per node, with microtensor's names spelled as torch's."""
    if isinstance(gm, torch.fx.GraphModule):
        pretty = torch.fx.Node._pretty_print_target
    else:
        pretty = _pretty_print_target
    return [
        (n.op, n.name, pretty(n.target).replace("microtensor.", "torch."), str(n.args))
        for n in gm.graph.nodes
    ]
