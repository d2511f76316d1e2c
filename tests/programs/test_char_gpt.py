"""A character-level GPT as people write it, run unchanged on torch and on microtensor.

The program is written once against ``lib`` (``torch`` or ``microtensor``): token and position
embeddings, pre-norm causal self-attention blocks (hand-written with
``F.scaled_dot_product_attention``, or ``nn.MultiheadAttention``), weight tying, AdamW with
linear warmup and cosine decay set through ``param_groups``, ``clip_grad_norm_``, a checkpoint
dict saved and reloaded, and sampling with temperature, ``topk`` and ``multinomial``. torch's
initial weights are copied into the microtensor model, and both losses must stay equal.
"""

import math

import numpy as np
import pytest
import torch

import microtensor as mt

TEXT = (
    "the quick brown fox jumps over the lazy dog. "
    "a lazy dog sleeps in the sun while the fox runs. "
    "the sun is warm and the dog is happy. "
) * 3
CHARS = sorted(set(TEXT))
STOI = {ch: i for i, ch in enumerate(CHARS)}
CONFIG = {"vocab_size": len(CHARS), "block_size": 8, "n_embd": 16, "n_head": 2, "n_layer": 2}
STEPS, WARMUP, MAX_LR, MIN_LR, BATCH = 30, 5, 3e-3, 3e-4, 4


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """torch's thread pool thrashes on a busy 2-core machine (30 tiny steps took 9 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_gpt(lib, use_mha):
    """The model classes, written as in a PyTorch script, against ``lib``."""
    nn, F = lib.nn, lib.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.c_attn = nn.Linear(cfg["n_embd"], 3 * cfg["n_embd"])
            self.c_proj = nn.Linear(cfg["n_embd"], cfg["n_embd"])
            self.n_head, self.n_embd = cfg["n_head"], cfg["n_embd"]

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class MHASelfAttention(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.attn = nn.MultiheadAttention(cfg["n_embd"], cfg["n_head"], batch_first=True)

        def forward(self, x):
            T = x.size(1)
            mask = lib.triu(lib.ones(T, T, dtype=lib.bool), diagonal=1)
            return self.attn(x, x, x, attn_mask=mask, need_weights=False)[0]

    class Block(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.ln_1 = nn.LayerNorm(cfg["n_embd"])
            self.attn = (MHASelfAttention if use_mha else CausalSelfAttention)(cfg)
            self.ln_2 = nn.LayerNorm(cfg["n_embd"])
            self.mlp = nn.Sequential(
                nn.Linear(cfg["n_embd"], 4 * cfg["n_embd"]),
                nn.GELU(),
                nn.Linear(4 * cfg["n_embd"], cfg["n_embd"]),
            )

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.block_size = cfg["block_size"]
            self.wte = nn.Embedding(cfg["vocab_size"], cfg["n_embd"])
            self.wpe = nn.Embedding(cfg["block_size"], cfg["n_embd"])
            self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])])
            self.ln_f = nn.LayerNorm(cfg["n_embd"])
            self.lm_head = nn.Linear(cfg["n_embd"], cfg["vocab_size"], bias=False)
            self.lm_head.weight = self.wte.weight  # weight tying

        def forward(self, idx, targets=None):
            _, t = idx.size()
            pos = lib.arange(0, t, dtype=lib.long)
            x = self.wte(idx) + self.wpe(pos)
            for block in self.blocks:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
            return logits, loss

        @lib.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
            for _ in range(max_new_tokens):
                idx_cond = idx[:, -self.block_size :]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = lib.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = lib.multinomial(probs, num_samples=1, generator=generator)
                idx = lib.cat((idx, idx_next), dim=1)
            return idx

    return GPT


def get_lr(it):
    if it < WARMUP:
        return MAX_LR * (it + 1) / WARMUP
    ratio = (it - WARMUP) / (STEPS - WARMUP)
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (MAX_LR - MIN_LR)


def batches(seed=0):
    """The same random (x, y) windows for both libraries."""
    data = np.array([STOI[c] for c in TEXT], dtype=np.int64)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(STEPS):
        ix = rng.integers(0, len(data) - CONFIG["block_size"] - 1, BATCH)
        x = np.stack([data[i : i + CONFIG["block_size"]] for i in ix])
        y = np.stack([data[i + 1 : i + 1 + CONFIG["block_size"]] for i in ix])
        out.append((x, y))
    return out


def make_optimizer(lib, model):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    return lib.optim.AdamW(groups, lr=MAX_LR, betas=(0.9, 0.95))


def train(lib, model, optimizer, data, first_step=0):
    losses = []
    model.train()
    for it, (x, y) in enumerate(data, start=first_step):
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it)
        _, loss = model(lib.tensor(x), lib.tensor(y))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses


def twin_models(use_mha):
    torch.manual_seed(0)
    torch_model = build_gpt(torch, use_mha)(CONFIG).double()
    mt_model = build_gpt(mt, use_mha)(CONFIG).double()
    state = {k: mt.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    mt_model.load_state_dict(state)
    assert mt_model.lm_head.weight is mt_model.wte.weight
    return torch_model, mt_model


@pytest.mark.parametrize("use_mha", [False, True])
def test_char_gpt_trains_like_torch(use_mha):
    torch_model, mt_model = twin_models(use_mha)
    data = batches()
    torch_losses = train(torch, torch_model, make_optimizer(torch, torch_model), data)
    mt_losses = train(mt, mt_model, make_optimizer(mt, mt_model), data)
    np.testing.assert_allclose(mt_losses, torch_losses, rtol=1e-9, atol=1e-9)
    assert np.mean(mt_losses[-5:]) < 0.75 * np.mean(mt_losses[:5])
    start = mt.tensor([[STOI["t"], STOI["h"]]])
    greedy = mt_model.eval().generate(start, 10, top_k=1)
    torch_greedy = torch_model.eval().generate(torch.tensor(start.numpy()), 10, top_k=1)
    np.testing.assert_array_equal(greedy.numpy(), torch_greedy.numpy())


def test_checkpoint_resume_and_sampling(tmp_path):
    _, model = twin_models(use_mha=False)
    optimizer = make_optimizer(mt, model)
    data = batches(seed=1)
    train(mt, model, optimizer, data[:20])
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "iter_num": 20,
        "config": dict(CONFIG),
    }
    mt.save(checkpoint, tmp_path / "ckpt.pt")
    loaded = mt.load(tmp_path / "ckpt.pt")
    assert loaded["iter_num"] == 20 and loaded["config"] == CONFIG
    resumed = build_gpt(mt, False)(loaded["config"]).double()
    resumed.load_state_dict(loaded["model"])
    resumed_optimizer = make_optimizer(mt, resumed)
    resumed_optimizer.load_state_dict(loaded["optimizer"])
    assert resumed.lm_head.weight is resumed.wte.weight
    expected = train(mt, model, optimizer, data[20:], first_step=20)
    actual = train(mt, resumed, resumed_optimizer, data[20:], first_step=20)
    np.testing.assert_allclose(actual, expected, rtol=1e-12)

    resumed.eval()
    start = mt.tensor([[STOI["t"]], [STOI["a"]]])
    sample = resumed.generate(
        start, 12, temperature=0.8, top_k=5, generator=mt.Generator().manual_seed(0)
    )
    again = resumed.generate(
        start, 12, temperature=0.8, top_k=5, generator=mt.Generator().manual_seed(0)
    )
    assert tuple(sample.shape) == (2, 13) and sample.dtype == mt.int64
    np.testing.assert_array_equal(sample.numpy(), again.numpy())
    assert sample.numpy().min() >= 0 and sample.numpy().max() < len(CHARS)
    # each sampled token is among the 5 most likely given its context (causal: one forward pass)
    logits, _ = resumed(sample[:, : CONFIG["block_size"]])
    top5 = mt.topk(logits, 5).indices.numpy()
    for row in range(2):
        for t in range(1, CONFIG["block_size"]):
            assert sample.numpy()[row, t] in top5[row, t - 1]
