"""Diffusion, reinforcement learning, graph and contrastive training steps, on torch and
microtensor as ``torch``.

A DDPM-style step (``linspace`` beta schedule, ``cumprod``, ``gather`` of the schedule,
sinusoidal time embedding, ``randint`` timesteps, ``randn_like`` noise, ``mse_loss``) and its
sampler; REINFORCE with ``distributions.Categorical`` on a toy environment written in Python;
PPO's clipped loss with GAE, ``randperm`` minibatches, ``clamp``/``min``/``max`` and advantage
normalisation; a message-passing GNN layer with ``index_add_``, ``scatter_add_`` and
``scatter_reduce``; a CLIP/SimCLR-style contrastive loss with ``F.normalize``, ``@``,
``fill_diagonal_`` and ``cross_entropy`` on ``arange`` labels. The records must agree.
"""

import math

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def diffusion(torch):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(14)
    T = 100
    betas = torch.linspace(1e-4, 0.02, T)
    alphas = 1.0 - betas
    alphas_cumprod = torch.cumprod(alphas, dim=0)
    sqrt_ac = torch.sqrt(alphas_cumprod)
    sqrt_1mac = torch.sqrt(1.0 - alphas_cumprod)

    def extract(a, t, x_shape):
        b, *_ = t.shape
        out = a.gather(-1, t)
        return out.reshape(b, *((1,) * (len(x_shape) - 1)))

    class SinusoidalPosEmb(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.dim = dim

        def forward(self, x):
            half_dim = self.dim // 2
            emb = math.log(10000) / (half_dim - 1)
            emb = torch.exp(torch.arange(half_dim, device=x.device) * -emb)
            emb = x[:, None] * emb[None, :]
            return torch.cat((emb.sin(), emb.cos()), dim=-1)

    class Denoiser(nn.Module):
        def __init__(self):
            super().__init__()
            self.time_mlp = nn.Sequential(
                SinusoidalPosEmb(16), nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 32)
            )
            self.net = nn.Sequential(nn.Linear(8 + 32, 64), nn.SiLU(), nn.Linear(64, 8))

        def forward(self, x, t):
            return self.net(torch.cat([x, self.time_mlp(t.float())], dim=-1))

    model = Denoiser()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.randn(32, 8)
    out = [alphas_cumprod[-1].item(), betas[50].item()]
    for _ in range(5):
        t = torch.randint(0, T, (data.shape[0],), device=data.device).long()
        noise = torch.randn_like(data)
        x_noisy = extract(sqrt_ac, t, data.shape) * data + extract(sqrt_1mac, t, data.shape) * noise
        loss = F.mse_loss(model(x_noisy, t), noise)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    with torch.no_grad():
        x = torch.randn(4, 8)
        for i in reversed(range(0, T, 20)):
            t = torch.full((4,), i, dtype=torch.long)
            eps = model(x, t)
            x = (x - extract(betas, t, x.shape) / extract(sqrt_1mac, t, x.shape) * eps) / extract(
                alphas, t, x.shape
            ).sqrt()
            if i > 0:
                x = x + extract(betas, t, x.shape).sqrt() * torch.randn_like(x)
    out.append(x.tolist())
    return out


def reinforce(torch):
    nn = torch.nn
    F = torch.nn.functional
    from_dist = torch.distributions
    torch.manual_seed(15)

    class Env:
        def __init__(self):
            self.pos = 0
            self.t = 0

        def reset(self):
            self.pos = 0
            self.t = 0
            return [0.0, 0.0]

        def step(self, a):
            self.pos += 1 if a == 1 else -1
            self.t += 1
            r = 1.0 if self.pos > 0 else -0.1
            return [self.pos / 5.0, self.t / 10.0], r, self.t >= 8

    policy = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
    env = Env()
    gamma = 0.99
    eps = 1e-8
    out = []
    for _ in range(4):
        state = env.reset()
        log_probs = []
        rewards = []
        entropies = []
        done = False
        while not done:
            s = torch.tensor(state, dtype=torch.float32).unsqueeze(0)
            probs = F.softmax(policy(s), dim=1)
            m = from_dist.Categorical(probs)
            action = m.sample()
            log_probs.append(m.log_prob(action))
            entropies.append(m.entropy())
            state, r, done = env.step(action.item())
            rewards.append(r)
        R = 0
        returns = []
        for r in rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_loss = []
        for lp, R in zip(log_probs, returns, strict=True):
            policy_loss.append(-lp * R)
        loss = torch.cat(policy_loss).sum() - 0.01 * torch.stack(entropies).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        out += [sum(rewards), loss.item()]
    return out


def ppo(torch):
    nn = torch.nn
    torch.manual_seed(16)
    actor = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 3))
    critic = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()), lr=3e-4, eps=1e-5)
    obs = torch.randn(64, 4)
    with torch.no_grad():
        dist = torch.distributions.Categorical(logits=actor(obs))
        actions = dist.sample()
        old_logp = dist.log_prob(actions)
        values = critic(obs).squeeze(-1)
    rewards = torch.randn(64)
    dones = (torch.rand(64) < 0.1).float()
    adv = torch.zeros_like(rewards)
    last = 0
    for t in reversed(range(64)):
        nv = values[t + 1] if t + 1 < 64 else 0.0
        delta = rewards[t] + 0.99 * nv * (1 - dones[t]) - values[t]
        last = delta + 0.99 * 0.95 * (1 - dones[t]) * last
        adv[t] = last
    returns = adv + values
    out = [adv.sum().item()]
    for _ in range(3):
        perm = torch.randperm(64)
        for start in range(0, 64, 16):
            idx = perm[start : start + 16]
            d = torch.distributions.Categorical(logits=actor(obs[idx]))
            logp = d.log_prob(actions[idx])
            ratio = (logp - old_logp[idx]).exp()
            a = adv[idx]
            a = (a - a.mean()) / (a.std() + 1e-8)
            pg1 = -a * ratio
            pg2 = -a * torch.clamp(ratio, 1 - 0.2, 1 + 0.2)
            pg_loss = torch.max(pg1, pg2).mean()
            surr = torch.min(ratio * a, ratio.clamp(0.8, 1.2) * a).mean()
            v_loss = 0.5 * ((critic(obs[idx]).squeeze(-1) - returns[idx]) ** 2).mean()
            ent = d.entropy().mean()
            loss = pg_loss - 0.01 * ent + 0.5 * v_loss
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(list(actor.parameters()) + list(critic.parameters()), 0.5)
            opt.step()
            approx_kl = ((ratio - 1) - (logp - old_logp[idx])).mean()
            clipfrac = ((ratio - 1.0).abs() > 0.2).float().mean().item()
        out += [loss.item(), surr.item(), approx_kl.item(), clipfrac]
    return out


def gnn(torch):
    nn = torch.nn
    torch.manual_seed(17)
    N, E, d = 10, 30, 8
    edge_index = torch.randint(0, N, (2, E))
    x = torch.randn(N, d)

    class MPLayer(nn.Module):
        def __init__(self, i, o):
            super().__init__()
            self.lin = nn.Linear(i, o)
            self.lin_self = nn.Linear(i, o, bias=False)

        def forward(self, x, edge_index):
            src, dst = edge_index
            msg = self.lin(x)[src]
            agg = torch.zeros(x.size(0), msg.size(1), dtype=x.dtype).index_add_(0, dst, msg)
            deg = torch.zeros(x.size(0)).scatter_add_(0, dst, torch.ones(dst.size(0)))
            agg = agg / deg.clamp(min=1).unsqueeze(-1)
            mx = torch.zeros(x.size(0), msg.size(1)).scatter_reduce(
                0, dst.unsqueeze(-1).expand_as(msg), msg, reduce="amax", include_self=False
            )
            return torch.relu(agg + self.lin_self(x) + mx)

    l1, l2 = MPLayer(d, 16), MPLayer(16, 3)
    opt = torch.optim.Adam(list(l1.parameters()) + list(l2.parameters()), lr=1e-2)
    y = torch.randint(0, 3, (N,))
    train_mask = torch.rand(N) > 0.3
    out = []
    for _ in range(4):
        h = l2(nn.functional.dropout(l1(x, edge_index), p=0.5, training=True), edge_index)
        loss = nn.functional.cross_entropy(h[train_mask], y[train_mask])
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    g = torch.zeros(N, 3).scatter_add(
        0, edge_index[1].view(-1, 1).repeat(1, 3), h.detach()[edge_index[0]]
    )
    out.append(g.sum().item())
    out.append(torch.bincount(edge_index[1], minlength=N).tolist())
    return out


def contrastive(torch):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(18)
    enc = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 8))
    opt = torch.optim.SGD(enc.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(16, 16)
    logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
    out = []
    for _ in range(4):
        v1 = x + 0.1 * torch.randn_like(x)
        v2 = x + 0.1 * torch.randn_like(x)
        z1 = F.normalize(enc(v1), dim=1)
        z2 = F.normalize(enc(v2), dim=-1)
        logits = logit_scale.exp() * z1 @ z2.T
        labels = torch.arange(logits.shape[0])
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        z = torch.cat([z1, z2])
        sim = z @ z.t() / 0.5
        sim.fill_diagonal_(float("-inf"))
        tgt = torch.cat([torch.arange(16, 32), torch.arange(0, 16)])
        nt = F.cross_entropy(sim, tgt)
        opt.zero_grad()
        (loss + nt).backward()
        opt.step()
        acc = (logits.argmax(dim=1) == labels).float().mean()
        out += [loss.item(), nt.item(), acc.item()]
    out.append(F.cosine_similarity(z1, z2).mean().item())
    return out


# REINFORCE's loss sums O(1) terms -log_prob * return whose normalised returns cancel to ~1e-3,
# so float32 rounding shows as ~1e-7 absolute, 1e-3 relative: compared absolutely
@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize(
    ("program", "atol"),
    [(diffusion, 1e-6), (reinforce, 1e-5), (ppo, 1e-6), (gnn, 1e-6), (contrastive, 1e-6)],
)
def test_training_step_matches_torch(program, atol):
    theirs = program(torch)
    assert_same_record(program(mt), theirs, atol=atol)
