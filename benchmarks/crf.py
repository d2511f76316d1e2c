"""W10: many tiny ops: a linear-chain CRF's forward algorithm and Viterbi score, then backward.

As in PyTorch's BiLSTM-CRF tutorial, the recursions are written tag by tag: for each of the
30 steps and each of the 50 tags, scalar indexing of the emission score, a row of the
transition matrix, ``logsumexp`` (forward algorithm) and ``max`` (Viterbi), then ``cat`` of
the 50 scores. The loss is the log partition function minus the best path's score (both
differentiable), so one step is about 13,000 recorded ops and their backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

N_TAGS, N_STEPS = 50, 30


def make_arrays(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Emission scores (steps x tags) and transition scores (tags x tags)."""
    return {
        "emissions": rng.standard_normal((N_STEPS, N_TAGS)).astype(np.float32),
        "transitions": rng.standard_normal((N_TAGS, N_TAGS)).astype(np.float32),
    }


def crf_loss(lib: Any, emissions: Any, transitions: Any) -> Any:
    """log Z (forward algorithm) minus the Viterbi path score, tag by tag."""
    alpha = delta = emissions[0]
    for t in range(1, N_STEPS):
        alphas, deltas = [], []
        for tag in range(N_TAGS):
            emit, row = emissions[t, tag], transitions[tag]
            alphas.append((lib.logsumexp(alpha + row, 0) + emit).view(1))
            deltas.append(((delta + row).max() + emit).view(1))
        alpha, delta = lib.cat(alphas), lib.cat(deltas)
    return lib.logsumexp(alpha, 0) - delta.max()


class CRFStep:
    """W10 in ``lib``: the loss and its backward into the two score tensors."""

    def __init__(self, lib: Any, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        self.lib = lib
        self.emissions = lib.tensor(arrays["emissions"].astype(dtype), requires_grad=True)
        self.transitions = lib.tensor(arrays["transitions"].astype(dtype), requires_grad=True)

    def forward_backward(self) -> Any:
        self.emissions.grad = self.transitions.grad = None
        loss = crf_loss(self.lib, self.emissions, self.transitions)
        loss.backward()
        return loss

    def step(self) -> None:
        self.forward_backward()

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        losses = [self.forward_backward().item() for _ in range(steps)]
        grads = [self.emissions.grad.numpy().copy(), self.transitions.grad.numpy().copy()]
        return losses, grads
