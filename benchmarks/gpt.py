"""W9: a character-level GPT step, the model written with plain modules as a user writes it.

The shape of nanoGPT's small character model: 2 blocks of causal self-attention (4 heads,
``n_embd`` 64, block size 32) and a GELU MLP, pre-layer-norm, learned position embeddings, an
untied output head; batch 16, cross-entropy, AdamW. The same code builds the microtensor and
the PyTorch model (``lib`` is the imported module), so the two differ only in the framework.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

N_LAYER, N_HEAD, N_EMBD, BLOCK, BATCH, VOCAB = 2, 4, 64, 32, 16, 65
LR = 1e-3


def param_shapes() -> list[tuple[tuple[int, ...], str]]:
    """Shape and initialisation (normal, zeros, ones) of each parameter, in model order."""
    linear = [((3 * N_EMBD, N_EMBD), "normal"), ((3 * N_EMBD,), "zeros")]  # attention c_attn
    linear += [((N_EMBD, N_EMBD), "normal"), ((N_EMBD,), "zeros")]  # attention c_proj
    norm = [((N_EMBD,), "ones"), ((N_EMBD,), "zeros")]
    mlp = [((4 * N_EMBD, N_EMBD), "normal"), ((4 * N_EMBD,), "zeros")]
    mlp += [((N_EMBD, 4 * N_EMBD), "normal"), ((N_EMBD,), "zeros")]
    block = norm + linear + norm + mlp
    shapes = [((VOCAB, N_EMBD), "normal"), ((BLOCK, N_EMBD), "normal")]
    return shapes + block * N_LAYER + norm + [((VOCAB, N_EMBD), "normal")]


def make_arrays(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Token ids, next-token targets and the initial weights (normal with std 0.02, as nanoGPT)."""
    tokens = rng.integers(0, VOCAB, size=(BATCH, BLOCK + 1))
    arrays = {"x": tokens[:, :-1], "y": tokens[:, 1:]}
    for i, (shape, init) in enumerate(param_shapes()):
        value = {"normal": rng.normal(0.0, 0.02, size=shape), "zeros": np.zeros(shape)}.get(init)
        arrays[f"param{i}"] = (np.ones(shape) if value is None else value).astype(np.float32)
    return arrays


def build_model(lib: Any) -> Any:
    """The GPT as a ``lib.nn.Module``."""
    nn, F = lib.nn, lib.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
            self.c_proj = nn.Linear(N_EMBD, N_EMBD)
            mask = lib.tril(lib.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK)
            self.register_buffer("bias", mask)

        def forward(self, x: Any) -> Any:
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(N_EMBD, dim=2)
            k = k.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
            q = q.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
            v = v.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_fc = nn.Linear(N_EMBD, 4 * N_EMBD)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * N_EMBD, N_EMBD)

        def forward(self, x: Any) -> Any:
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1 = nn.LayerNorm(N_EMBD)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(N_EMBD)
            self.mlp = MLP()

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(VOCAB, N_EMBD)
            self.wpe = nn.Embedding(BLOCK, N_EMBD)
            self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
            self.ln_f = nn.LayerNorm(N_EMBD)
            self.lm_head = nn.Linear(N_EMBD, VOCAB, bias=False)

        def forward(self, idx: Any, targets: Any) -> Any:
            _, T = idx.size()
            pos = lib.arange(0, T, dtype=lib.long)
            x = self.wte(idx) + self.wpe(pos)
            for block in self.h:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return GPT()


class GPTTraining:
    """W9 in ``lib``: one AdamW step of the GPT on a fixed batch."""

    def __init__(self, lib: Any, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        self.model = build_model(lib)
        self.model.to(getattr(lib, dtype))
        params = list(self.model.parameters())
        assert [tuple(p.shape) for p in params] == [s for s, _ in param_shapes()]
        with lib.no_grad():
            for i, p in enumerate(params):
                p.copy_(lib.tensor(arrays[f"param{i}"].astype(dtype)))
        self.optimizer = lib.optim.AdamW(params, lr=LR)
        self.x, self.y = lib.tensor(arrays["x"]), lib.tensor(arrays["y"])

    def train_step(self) -> Any:
        self.optimizer.zero_grad()
        loss = self.model(self.x, self.y)
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self) -> None:
        self.train_step()

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        losses = [self.train_step().item() for _ in range(steps)]
        return losses, [p.detach().numpy().copy() for p in self.model.parameters()]
