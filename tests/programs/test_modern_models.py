"""Models in the style people write today, on torch and microtensor as ``torch``.

A ViT (Conv2d patch embedding, cls token and position Parameters, a norm_first
``TransformerEncoder`` with GELU, ``unfold`` patches), a DDPM toy (sinusoidal time embedding,
a GroupNorm/SiLU UNet with ``ConvTranspose2d``, ``interpolate`` and a skip ``cat``, the linear
beta schedule with ``linspace``/``cumprod``/``gather``, the ancestral sampling loop), a GRU
seq2seq with Bahdanau attention and teacher forcing (``pack_padded_sequence(enforce_sorted=False)``,
``bmm``, ``masked_fill``, ``NLLLoss(ignore_index)``, an LSTM with ``proj_size``) and graph
networks (``scatter_add_``, ``index_add_``, ``scatter_reduce``, ``torch.sparse.mm`` on COO and
CSR adjacency, gradients through sparse values). Same seed on both sides; the records agree.
"""

import math
import random

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def vit(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(0)
    out = []

    class PatchEmbed(nn.Module):
        def __init__(self, img=8, patch=4, ch=3, dim=16):
            super().__init__()
            self.proj = nn.Conv2d(ch, dim, kernel_size=patch, stride=patch)
            self.n = (img // patch) ** 2

        def forward(self, x):
            return self.proj(x).flatten(2).transpose(1, 2)

    class ViT(nn.Module):
        def __init__(self, dim=16, depth=2, heads=4, ncls=5):
            super().__init__()
            self.patch = PatchEmbed(dim=dim)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.randn(1, self.patch.n + 1, dim) * 0.02)
            nn.init.trunc_normal_(self.cls_token, std=0.02)
            layer = nn.TransformerEncoderLayer(
                dim,
                heads,
                dim * 2,
                dropout=0.1,
                activation="gelu",
                batch_first=True,
                norm_first=True,
            )
            self.encoder = nn.TransformerEncoder(
                layer, depth, norm=nn.LayerNorm(dim), enable_nested_tensor=False
            )
            self.head = nn.Linear(dim, ncls)
            self.drop = nn.Dropout(0.1)

        def forward(self, x):
            x = self.patch(x)
            cls = self.cls_token.expand(x.shape[0], -1, -1)
            x = torch.cat((cls, x), dim=1) + self.pos_embed
            x = self.encoder(self.drop(x))
            return self.head(x[:, 0])

    model = ViT()
    out.append(repr(model))
    out.append(sum(p.numel() for p in model.parameters()))
    out.append([n for n, _ in model.named_parameters()])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.randn(6, 3, 8, 8)
    y = torch.randint(0, 5, (6,))
    for _step in range(4):
        model.train()
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        out.append((round(loss.item(), 5), gn.item()))
    model.eval()
    with torch.inference_mode():
        logits = model(x)
        out.append(logits.tolist())
        out.append(logits.argmax(-1).tolist())
        out.append(str(logits[:2, :3]))
    # unfold-based patchify
    p = x.unfold(2, 4, 4).unfold(3, 4, 4)
    out.append(list(p.shape))
    p2 = F.unfold(x, kernel_size=4, stride=4).transpose(1, 2)
    out.append(p2.sum().item())
    out.append(list(p2.shape))
    return out


def ddpm(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(1)
    out = []
    T = 50
    betas = torch.linspace(1e-4, 0.02, T)
    alphas = 1.0 - betas
    alphas_cumprod = torch.cumprod(alphas, dim=0)
    alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
    sqrt_ac = torch.sqrt(alphas_cumprod)
    sqrt_1m = torch.sqrt(1.0 - alphas_cumprod)
    posterior_var = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
    out.append(posterior_var[:5].tolist())

    def extract(a, t, shape):
        b = t.shape[0]
        return a.gather(-1, t).reshape(b, *((1,) * (len(shape) - 1)))

    class SinEmb(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.dim = dim

        def forward(self, t):
            half = self.dim // 2
            emb = math.log(10000) / (half - 1)
            emb = torch.exp(torch.arange(half, device=t.device) * -emb)
            emb = t[:, None].float() * emb[None, :]
            return torch.cat((emb.sin(), emb.cos()), dim=-1)

    class Block(nn.Module):
        def __init__(self, i, o, tdim):
            super().__init__()
            self.c1 = nn.Conv2d(i, o, 3, padding=1)
            self.n1 = nn.GroupNorm(4, o)
            self.c2 = nn.Conv2d(o, o, 3, padding=1)
            self.n2 = nn.GroupNorm(4, o)
            self.t = nn.Linear(tdim, o)
            self.skip = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

        def forward(self, x, temb):
            h = F.silu(self.n1(self.c1(x)))
            h = h + self.t(temb)[:, :, None, None]
            h = F.silu(self.n2(self.c2(h)))
            return h + self.skip(x)

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.temb = nn.Sequential(SinEmb(16), nn.Linear(16, 32), nn.SiLU(), nn.Linear(32, 32))
            self.inc = nn.Conv2d(1, 8, 3, padding=1)
            self.d1 = Block(8, 8, 32)
            self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)
            self.mid = Block(8, 16, 32)
            self.up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
            self.u1 = Block(16, 8, 32)
            self.outc = nn.Conv2d(8, 1, 1)

        def forward(self, x, t):
            te = self.temb(t)
            h0 = self.d1(self.inc(x), te)
            h = self.mid(self.down(h0), te)
            h = torch.cat([self.up(h), h0], dim=1)
            h2 = F.interpolate(h, scale_factor=0.5, mode="bilinear", align_corners=False)
            h = h + F.interpolate(h2, size=h.shape[-2:], mode="nearest")
            return self.outc(self.u1(h, te))

    model = UNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    x0 = torch.rand(4, 1, 8, 8) * 2 - 1
    for _step in range(4):
        t = torch.randint(0, T, (x0.shape[0],), dtype=torch.long)
        noise = torch.randn_like(x0)
        xt = extract(sqrt_ac, t, x0.shape) * x0 + extract(sqrt_1m, t, x0.shape) * noise
        loss = F.mse_loss(model(xt, t), noise)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    # sampling loop
    model.eval()
    with torch.no_grad():
        x = torch.randn(2, 1, 8, 8)
        for i in reversed(range(0, T, 10)):
            t = torch.full((2,), i, dtype=torch.long)
            eps = model(x, t)
            b = extract(betas, t, x.shape)
            s1 = extract(sqrt_1m, t, x.shape)
            ra = extract(torch.sqrt(1.0 / alphas), t, x.shape)
            mean = ra * (x - b * eps / s1)
            if i > 0:
                x = mean + torch.sqrt(extract(posterior_var, t, x.shape)) * torch.randn_like(x)
            else:
                x = mean
        out.append(x.clamp(-1, 1).flatten().tolist())
    return out


def seq2seq(torch):
    nn = torch.nn
    F = nn.functional
    rnn = torch.nn.utils.rnn
    pack_padded_sequence, pad_packed_sequence, pad_sequence = (
        rnn.pack_padded_sequence,
        rnn.pad_packed_sequence,
        rnn.pad_sequence,
    )
    torch.manual_seed(2)
    out = []
    V, E, H, PAD = 12, 8, 10, 0

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, E, padding_idx=PAD)
            self.rnn = nn.GRU(E, H, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(2 * H, H)

        def forward(self, src, lens):
            packed = pack_padded_sequence(
                self.emb(src), lens.cpu(), batch_first=True, enforce_sorted=False
            )
            outs, h = self.rnn(packed)
            outs, out_lens = pad_packed_sequence(outs, batch_first=True, total_length=src.shape[1])
            h = torch.tanh(self.fc(torch.cat((h[-2], h[-1]), dim=1)))
            return outs, h, out_lens

    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.W = nn.Linear(3 * H, H)
            self.v = nn.Linear(H, 1, bias=False)

        def forward(self, h, enc, mask):
            S = enc.shape[1]
            hr = h.unsqueeze(1).repeat(1, S, 1)
            energy = torch.tanh(self.W(torch.cat((hr, enc), dim=2)))
            a = self.v(energy).squeeze(2).masked_fill(mask == 0, -1e10)
            return F.softmax(a, dim=1)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, E)
            self.attn = Attn()
            self.rnn = nn.GRU(2 * H + E, H, batch_first=True)
            self.out = nn.Linear(3 * H + E, V)

        def forward(self, tok, h, enc, mask):
            e = self.emb(tok).unsqueeze(1)
            a = self.attn(h, enc, mask).unsqueeze(1)
            ctx = torch.bmm(a, enc)
            o, h2 = self.rnn(torch.cat((e, ctx), dim=2), h.unsqueeze(0))
            pred = self.out(torch.cat((o.squeeze(1), ctx.squeeze(1), e.squeeze(1)), dim=1))
            return F.log_softmax(pred, dim=-1), h2.squeeze(0), a.squeeze(1)

    enc, dec = Encoder(), Decoder()
    seqs = [torch.randint(1, V, (n,)) for n in (5, 3, 4)]
    lens = torch.tensor([len(s) for s in seqs])
    src = pad_sequence(seqs, batch_first=True, padding_value=PAD)
    trg = pad_sequence(
        [torch.randint(1, V, (n,)) for n in (4, 2, 3)], batch_first=True, padding_value=PAD
    )
    mask = src != PAD
    crit = nn.NLLLoss(ignore_index=PAD)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=0.01)

    coin = random.Random(0)
    for _ep in range(3):
        opt.zero_grad()
        encs, h, ol = enc(src, lens)
        tok = trg[:, 0]
        loss = 0.0
        for t in range(1, trg.shape[1]):
            lp, h, a = dec(tok, h, encs, mask)
            loss = loss + crit(lp, trg[:, t])
            teacher = coin.random() < 0.5
            tok = trg[:, t] if teacher else lp.argmax(1)
        loss = loss / (trg.shape[1] - 1)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        out.append(loss.item())
    out.append(ol.tolist())
    out.append(a.tolist())
    # packed sequence attributes
    packed = pack_padded_sequence(src, lens, batch_first=True, enforce_sorted=False)
    out.append(packed.batch_sizes.tolist())
    out.append(packed.sorted_indices.tolist())
    out.append(packed.data.tolist())
    # LSTM with packed input and proj_size
    lstm = nn.LSTM(E, H, num_layers=2, batch_first=True, dropout=0.0, proj_size=4)
    o, (hn, cn) = lstm(
        pack_padded_sequence(enc.emb(src), lens, batch_first=True, enforce_sorted=False)
    )
    o, _ = pad_packed_sequence(o, batch_first=True)
    out.append(o.sum().item())
    out.append(list(hn.shape))
    out.append(list(cn.shape))
    out.append(hn.sum().item())
    return out


def gnn(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(3)
    out = []
    N, Fin, C = 7, 5, 3
    src = torch.tensor([0, 1, 1, 2, 3, 4, 5, 6, 2, 0])
    dst = torch.tensor([1, 0, 2, 1, 4, 3, 6, 5, 0, 2])
    edge_index = torch.stack([src, dst])
    x = torch.randn(N, Fin)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0])
    loops = torch.arange(N)
    ei = torch.cat([edge_index, torch.stack([loops, loops])], dim=1)
    deg = torch.zeros(N).scatter_add_(0, ei[1], torch.ones(ei.shape[1]))
    dinv = deg.pow(-0.5)
    dinv[torch.isinf(dinv)] = 0
    w = dinv[ei[0]] * dinv[ei[1]]
    A = torch.sparse_coo_tensor(ei, w, (N, N)).coalesce()
    out.append(A.indices().tolist())
    out.append(A.values().tolist())
    Acsr = A.to_sparse_csr()
    out.append(Acsr.crow_indices().tolist())
    out.append(Acsr.col_indices().tolist())

    class GCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(Fin, 8)
            self.l2 = nn.Linear(8, C)

        def forward(self, x, A):
            h = F.relu(torch.sparse.mm(A, self.l1(x)))
            h = F.dropout(h, 0.5, self.training)
            return torch.sparse.mm(A, self.l2(h))

    class MP(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(Fin, C)
            self.att = nn.Parameter(torch.randn(2 * C))

        def forward(self, x, ei):
            h = self.lin(x)
            e = F.leaky_relu(torch.cat([h[ei[0]], h[ei[1]]], -1) @ self.att, 0.2)
            e = e - e.max()
            ex = e.exp()
            denom = torch.zeros(N).index_add_(0, ei[1], ex)
            alpha = ex / denom[ei[1]]
            msg = h[ei[0]] * alpha[:, None]
            agg = torch.zeros(N, C).index_add(0, ei[1], msg)
            agg2 = torch.zeros(N, C).scatter_reduce(
                0, ei[1][:, None].expand(-1, C), msg, reduce="amax", include_self=False
            )
            agg3 = torch.zeros(N, C).scatter_reduce(
                0, ei[1][:, None].expand(-1, C), msg, reduce="mean", include_self=False
            )
            return agg + agg2 + agg3

    for M, arg in ((GCN(), A), (MP(), ei)):
        opt = torch.optim.Adam(M.parameters(), lr=0.05, weight_decay=5e-4)
        for _ in range(4):
            M.train()
            opt.zero_grad()
            logits = M(x, arg)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            opt.step()
            out.append(loss.item())
        M.eval()
        with torch.no_grad():
            pred = M(x, arg).argmax(1)
            out.append((pred == y).float().mean().item())
    # grad through sparse values
    vals = w.clone().requires_grad_()
    S = torch.sparse_coo_tensor(ei, vals, (N, N))
    r = torch.sparse.mm(S, x).pow(2).sum()
    r.backward()
    out.append(vals.grad.tolist())
    out.append(torch.sparse.sum(A).item())
    out.append((A @ x).sum().item())
    out.append(A.to_dense().tolist())
    out.append(str(A.shape))
    return out


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("program", [vit, ddpm, seq2seq, gnn])
def test_program_gives_torchs_record(program):
    theirs = program(torch)
    assert_same_record(program(mt), theirs)
