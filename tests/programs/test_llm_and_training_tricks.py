"""LLM building blocks and training tricks of current code, on torch and microtensor as ``torch``.

RMSNorm, rotary embeddings (the real-valued form), a LoRA linear (``kaiming_uniform_(a=sqrt(5))``,
a frozen base), a top-k mixture of experts (``topk``, ``one_hot``, ``where``, ``index_add_``),
masked mean pooling, grouped-query ``repeat_interleave`` and a boolean ``attn_mask``; then
distillation (``kl_div`` batchmean), weighted label-smoothed cross-entropy, a focal loss on
``binary_cross_entropy_with_logits(pos_weight=)``, ``GroupNorm``, a forward hook, an EMA
``AveragedModel``, ``SequentialLR(LinearLR, CosineAnnealingLR)``, ``ReduceLROnPlateau``,
``OneCycleLR``, ``LambdaLR``, ``gumbel_softmax``, ``kl_divergence``, ``weight_norm`` and
``checkpoint``. The records must agree.
"""

import math

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def llm_bits(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(50)
    out = []

    class RMSNorm(nn.Module):
        def __init__(self, dim, eps=1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(dim))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

    def rope_real(x, T, dim):
        inv = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))
        ang = torch.einsum("i,j->ij", torch.arange(T).float(), inv)
        cos, sin = ang.cos()[None, :, None, :], ang.sin()[None, :, None, :]
        x1, x2 = x[..., ::2], x[..., 1::2]
        return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).flatten(-2)

    class LoRALinear(nn.Module):
        def __init__(self, i, o, r=4, alpha=8):
            super().__init__()
            self.base = nn.Linear(i, o)
            self.base.weight.requires_grad_(False)
            self.lora_A = nn.Parameter(torch.empty(r, i))
            self.lora_B = nn.Parameter(torch.zeros(o, r))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            self.scaling = alpha / r

        def forward(self, x):
            return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling

    class MoE(nn.Module):
        def __init__(self, d, n_exp=4, k=2):
            super().__init__()
            self.k = k
            self.gate = nn.Linear(d, n_exp, bias=False)
            self.experts = nn.ModuleList(
                [
                    nn.Sequential(nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))
                    for _ in range(n_exp)
                ]
            )

        def forward(self, x):
            B, T, C = x.shape
            x = x.view(-1, C)
            logits = self.gate(x)
            weights, selected = torch.topk(logits, self.k, dim=-1)
            weights = F.softmax(weights, dim=-1, dtype=torch.float).to(x.dtype)
            out = torch.zeros_like(x)
            mask = F.one_hot(selected, num_classes=len(self.experts)).permute(2, 1, 0)
            for e, expert in enumerate(self.experts):
                idx, top_x = torch.where(mask[e])
                if top_x.numel() == 0:
                    continue
                cur = expert(x[top_x]) * weights[top_x, idx, None]
                out.index_add_(0, top_x, cur.to(x.dtype))
            aux = (F.softmax(logits, -1).mean(0) * mask.float().sum((1, 2)) / x.shape[0]).sum()
            return out.view(B, T, C), aux

    B, T, H, D = 2, 6, 2, 8
    x = torch.randn(B, T, H * D)
    norm = RMSNorm(H * D)
    lora = LoRALinear(H * D, H * D)
    moe = MoE(H * D)
    q = lora(norm(x)).view(B, T, H, D)
    out += [rope_real(q, T, D).sum().item()]
    y, aux = moe(q.view(B, T, H * D))
    mask = torch.ones(B, T)
    mask[1, 4:] = 0
    pooled = (y * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
    loss = pooled.pow(2).mean() + 0.01 * aux
    loss.backward()
    out += [
        loss.item(),
        aux.item(),
        lora.lora_A.grad.abs().sum().item(),
        lora.lora_B.grad.abs().sum().item(),
        lora.base.weight.grad is None,
        sum(p.grad.abs().sum().item() for p in moe.parameters() if p.grad is not None),
    ]
    kv = torch.randn(B, H, T, D)
    k_rep = kv.repeat_interleave(2, dim=1)
    out.append(k_rep.shape[1])
    out.append(
        torch.nn.functional.scaled_dot_product_attention(
            k_rep, k_rep, k_rep, attn_mask=torch.ones(T, T, dtype=torch.bool).tril()
        )
        .sum()
        .item()
    )
    return out


def tricks(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(51)
    out = []
    student = nn.Sequential(nn.Linear(8, 16), nn.GroupNorm(4, 16), nn.ReLU(), nn.Linear(16, 4))
    teacher = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4)).eval()
    ema = torch.optim.swa_utils.AveragedModel(
        student, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)
    )
    feats = {}
    h = student[1].register_forward_hook(lambda m, i, o: feats.__setitem__("gn", o.detach()))
    opt = torch.optim.AdamW(student.parameters(), lr=1e-2)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=2)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-4)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[2])
    x = torch.randn(16, 8)
    y = torch.randint(0, 4, (16,))
    yb = (torch.rand(16, 4) > 0.5).float()
    T = 2.0
    for _ in range(6):
        s = student(x)
        with torch.no_grad():
            t = teacher(x)
        kd = (
            F.kl_div(F.log_softmax(s / T, dim=-1), F.softmax(t / T, dim=-1), reduction="batchmean")
            * T
            * T
        )
        ce = F.cross_entropy(s, y, label_smoothing=0.05, weight=torch.tensor([1.0, 2.0, 1.0, 0.5]))
        bce = F.binary_cross_entropy_with_logits(
            s, yb, reduction="none", pos_weight=torch.full((4,), 2.0)
        )
        p = torch.sigmoid(s)
        pt = p * yb + (1 - p) * (1 - yb)
        focal = (bce * (1 - pt) ** 2).mean()
        loss = kd + ce + focal
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        ema.update_parameters(student)
        out += [kd.item(), ce.item(), focal.item(), sched.get_last_lr()[0]]
    h.remove()
    out.append(feats["gn"].sum().item())
    student(x)
    out.append(len(feats))
    out.append(ema.n_averaged.item())
    out.append(ema.module[0].weight.sum().item())
    opt2 = torch.optim.SGD(student.parameters(), lr=0.1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt2, mode="min", factor=0.5, patience=1)
    for v in [1.0, 0.9, 0.95, 0.96, 0.97, 0.5]:
        plateau.step(v)
        out.append(opt2.param_groups[0]["lr"])
    opt3 = torch.optim.SGD(student.parameters(), lr=0.1)
    one = torch.optim.lr_scheduler.OneCycleLR(opt3, max_lr=1.0, total_steps=10)
    for _ in range(5):
        opt3.step()
        one.step()
        out.append(one.get_last_lr()[0])
        out.append(opt3.param_groups[0]["momentum"])
    opt4 = torch.optim.SGD(student.parameters(), lr=0.1)
    lam = torch.optim.lr_scheduler.LambdaLR(opt4, lr_lambda=lambda e: 0.95**e)
    for _ in range(3):
        opt4.step()
        lam.step()
    out.append(lam.get_last_lr())
    out.append(F.gumbel_softmax(torch.randn(3, 4), tau=0.5, hard=True).sum(0).tolist())
    n = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    m = torch.distributions.Normal(torch.ones(3), 2 * torch.ones(3))
    out.append(torch.distributions.kl_divergence(n, m).tolist())
    out.append(n.rsample((2,)).tolist())
    w = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
    out.append(sorted(k for k in w.state_dict().keys()))
    ck = torch.utils.checkpoint.checkpoint(
        lambda a: (a.sin() * 2).sum(), x.requires_grad_(), use_reentrant=False
    )
    ck.backward()
    out.append(x.grad.sum().item())
    return out


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("program", [llm_bits, tricks])
def test_program_gives_torchs_record(program):
    theirs = program(torch)
    assert_same_record(program(mt), theirs)


def llama_rotary(torch):
    """Llama's rotary embedding, through complex numbers."""
    torch.manual_seed(0)
    dim, end = 8, 6
    freqs = 1.0 / (10000.0 ** (torch.arange(0, dim, 2)[: dim // 2].float() / dim))
    freqs_cis = torch.polar(
        torch.ones(end, dim // 2), torch.outer(torch.arange(end), freqs).float()
    )
    xq = torch.randn(2, end, 2, dim)
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    return torch.view_as_real(xq_ * freqs_cis[None, :, None, :]).flatten(3).type_as(xq).tolist()


def test_llama_rotary_embedding_through_complex_numbers():
    assert_same_record(llama_rotary(mt), llama_rotary(torch))
