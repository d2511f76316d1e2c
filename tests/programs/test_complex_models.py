"""Programs built on complex numbers, on torch and on microtensor as ``torch``.

A Fourier neural operator (``fft.rfft``, complex weights from ``torch.rand(dtype=torch.cfloat)``,
a complex ``einsum`` written into a zeros tensor by slice assignment, ``fft.irfft``) trained with
Adam; LLaMA's rotary embeddings (``polar``, ``view_as_complex``, ``view_as_real``) inside an
attention layer trained with AdamW; a spectrogram (``stft``/``istft``, ``abs``, ``angle``) loss
with a learned filter; and a complex-valued linear layer on ``cfloat`` data. Each prints its
losses step by step; the records must agree to float32 rounding.
"""

import math

import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def fourier_operator(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(3)

    class SpectralConv1d(nn.Module):
        def __init__(self, in_channels, out_channels, modes):
            super().__init__()
            self.modes = modes
            scale = 1 / (in_channels * out_channels)
            self.weights = nn.Parameter(
                scale * torch.rand(in_channels, out_channels, modes, dtype=torch.cfloat)
            )

        def forward(self, x):
            batch, size = x.shape[0], x.size(-1)
            x_ft = torch.fft.rfft(x)
            out_ft = torch.zeros(batch, self.weights.shape[1], size // 2 + 1, dtype=torch.cfloat)
            out_ft[:, :, : self.modes] = torch.einsum(
                "bix,iox->box", x_ft[:, :, : self.modes], self.weights
            )
            return torch.fft.irfft(out_ft, n=size)

    class FNO1d(nn.Module):
        def __init__(self, modes=6, width=8):
            super().__init__()
            self.lift = nn.Linear(2, width)
            self.spectral = nn.ModuleList([SpectralConv1d(width, width, modes) for _ in range(2)])
            self.pointwise = nn.ModuleList([nn.Conv1d(width, width, 1) for _ in range(2)])
            self.project = nn.Sequential(nn.Linear(width, 16), nn.GELU(), nn.Linear(16, 1))

        def forward(self, u, grid):
            x = self.lift(torch.stack([u, grid], dim=-1)).permute(0, 2, 1)
            for spectral, pointwise in zip(self.spectral, self.pointwise, strict=True):
                x = F.gelu(spectral(x) + pointwise(x))
            return self.project(x.permute(0, 2, 1)).squeeze(-1)

    n, points = 16, 32
    grid = torch.linspace(0, 1, points).expand(n, points)
    coefficients = torch.randn(n, 3)
    u = sum(coefficients[:, k : k + 1] * torch.sin((k + 1) * math.pi * grid) for k in range(3))
    target = torch.cumsum(u, dim=-1) / points  # learn the antiderivative operator
    model = FNO1d()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    out = []
    for _step in range(12):
        optimizer.zero_grad()
        loss = F.mse_loss(model(u, grid), target)
        loss.backward()
        optimizer.step()
        out.append(round(loss.item(), 6))
    weight = model.spectral[0].weights
    out.append(str(weight.dtype))
    out.append(round(weight.abs().mean().item(), 6))
    out.append(round(weight.grad.real.sum().item(), 6))
    return out


def rotary_attention(torch):
    nn = torch.nn
    F = nn.functional
    torch.manual_seed(11)

    def precompute_freqs_cis(dim, end, theta=10000.0):
        freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
        t = torch.arange(end, device=freqs.device)
        freqs = torch.outer(t, freqs).float()
        return torch.polar(torch.ones_like(freqs), freqs)

    def reshape_for_broadcast(freqs_cis, x):
        shape = [d if i == 1 or i == x.ndim - 1 else 1 for i, d in enumerate(x.shape)]
        return freqs_cis.view(*shape)

    def apply_rotary_emb(xq, xk, freqs_cis):
        xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
        xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
        freqs_cis = reshape_for_broadcast(freqs_cis, xq_)
        xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
        xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
        return xq_out.type_as(xq), xk_out.type_as(xk)

    class Attention(nn.Module):
        def __init__(self, dim=16, heads=2):
            super().__init__()
            self.heads, self.head_dim = heads, dim // heads
            self.wq = nn.Linear(dim, dim, bias=False)
            self.wk = nn.Linear(dim, dim, bias=False)
            self.wv = nn.Linear(dim, dim, bias=False)
            self.wo = nn.Linear(dim, dim, bias=False)

        def forward(self, x, freqs_cis):
            b, t, _ = x.shape
            q = self.wq(x).view(b, t, self.heads, self.head_dim)
            k = self.wk(x).view(b, t, self.heads, self.head_dim)
            v = self.wv(x).view(b, t, self.heads, self.head_dim)
            q, k = apply_rotary_emb(q, k, freqs_cis)
            q, k, v = (z.transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.wo(y.transpose(1, 2).reshape(b, t, -1))

    vocab, dim, seq = 11, 16, 8
    embed, attention, head = nn.Embedding(vocab, dim), Attention(dim), nn.Linear(dim, vocab)
    params = [*embed.parameters(), *attention.parameters(), *head.parameters()]
    optimizer = torch.optim.AdamW(params, lr=1e-2)
    freqs_cis = precompute_freqs_cis(dim // 2, seq)
    data = torch.randint(0, vocab, (4, seq + 1))
    out = [str(freqs_cis.dtype), tuple(freqs_cis.shape)]
    for _step in range(10):
        logits = head(attention(embed(data[:, :-1]), freqs_cis))
        loss = F.cross_entropy(logits.reshape(-1, vocab), data[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        out.append(round(loss.item(), 6))
    return out


def spectrogram_filter(torch):
    nn = torch.nn
    torch.manual_seed(5)
    n_fft, hop = 32, 8
    window = torch.hann_window(n_fft)
    t = torch.arange(512) / 512
    clean = torch.sin(2 * math.pi * 13 * t) + 0.5 * torch.sin(2 * math.pi * 40 * t)
    noisy = clean + 0.3 * torch.randn(512)
    spec_noisy = torch.stft(noisy, n_fft, hop, window=window, return_complex=True)
    spec_clean = torch.stft(clean, n_fft, hop, window=window, return_complex=True)
    mask_logits = nn.Parameter(torch.zeros(n_fft // 2 + 1, 1))
    optimizer = torch.optim.SGD([mask_logits], lr=2.0, momentum=0.5)
    out = [tuple(spec_noisy.shape), str(spec_noisy.dtype)]
    for _step in range(8):
        mask = torch.sigmoid(mask_logits)
        estimate = spec_noisy * mask
        magnitude_loss = (estimate.abs() - spec_clean.abs()).pow(2).mean()
        wave = torch.istft(estimate, n_fft, hop, window=window, length=512)
        loss = magnitude_loss + (wave - clean).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        out.append(round(loss.item(), 6))
    phase = torch.angle(spec_noisy)
    out.append(round(phase[3, 5].item(), 5))
    return out


def complex_linear_layer(torch):
    nn = torch.nn
    torch.manual_seed(9)
    layer = nn.Linear(4, 3, dtype=torch.cfloat)
    x = torch.randn(6, 4, dtype=torch.cfloat)
    target = torch.randn(6, 3, dtype=torch.cfloat)
    optimizer = torch.optim.RMSprop(layer.parameters(), lr=1e-2)
    out = [repr(layer.weight.detach()[0, 0].item().__class__.__name__)]
    for _step in range(6):
        loss = (layer(x) - target).abs().pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        out.append(round(loss.item(), 6))
    out.append(str(layer.weight.grad.dtype))
    return out


def test_fourier_neural_operator(one_torch_thread):  # noqa: F811
    assert_same_record(fourier_operator(mt), fourier_operator(torch), rtol=2e-4, atol=1e-5)


def test_rotary_embeddings_attention(one_torch_thread):  # noqa: F811
    assert_same_record(rotary_attention(mt), rotary_attention(torch), rtol=2e-4, atol=1e-5)


def test_spectrogram_filter(one_torch_thread):  # noqa: F811
    assert_same_record(spectrogram_filter(mt), spectrogram_filter(torch), rtol=2e-4, atol=1e-5)


def test_complex_linear_layer(one_torch_thread):  # noqa: F811
    assert_same_record(complex_linear_layer(mt), complex_linear_layer(torch), rtol=2e-4, atol=1e-5)
