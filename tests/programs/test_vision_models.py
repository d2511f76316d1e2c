"""Today's small vision models, written once and trained on torch and on microtensor as ``torch``.

A ResNet with BatchNorm, skip connections, ``kaiming_normal_(mode="fan_out")`` and an
``nn.Sequential(OrderedDict(...))``, SGD with parameter groups, nesterov and cosine annealing;
a ViT (patch embedding by a strided Conv2d, cls token, ``nn.MultiheadAttention(batch_first)``,
``trunc_normal_``, AdamW, ``clip_grad_norm_``); an MLP-mixer; a U-Net with ``ConvTranspose2d``,
``F.pad``, ``torch.cat`` and ``F.interpolate``, trained on cross-entropy plus a dice loss.
Each seeds the library and draws its own weights and data; the records must agree.
"""

from collections import OrderedDict

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def resnet(torch):
    nn = torch.nn
    torch.manual_seed(10)

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    down = nn.Sequential(nn.Conv2d(8, 16, 1, 2, bias=False), nn.BatchNorm2d(16))
    model = nn.Sequential(
        OrderedDict(
            [
                ("stem", nn.Conv2d(3, 8, 3, padding=1, bias=False)),
                ("bn", nn.BatchNorm2d(8)),
                ("act", nn.ReLU(inplace=True)),
                ("layer1", BasicBlock(8, 8)),
                ("layer2", BasicBlock(8, 16, 2, down)),
                ("pool", nn.AdaptiveAvgPool2d(1)),
                ("flat", nn.Flatten(1)),
                ("fc", nn.Linear(16, 10)),
            ]
        )
    )
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
    for m in model.modules():
        if isinstance(m, BasicBlock):
            nn.init.zeros_(m.bn2.weight)
    out = [
        repr(model),
        sum(p.numel() for p in model.parameters() if p.requires_grad),
        list(model.state_dict().keys()),
    ]
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim <= 1 or n.endswith(".bias") else decay).append(p)
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
        lr=0.1,
        momentum=0.9,
        nesterov=True,
    )
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    x = torch.randn(8, 3, 16, 16)
    y = torch.randint(0, 10, (8,))
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)
    for _ in range(4):
        model.train()
        loss = crit(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        out += [loss.item(), sched.get_last_lr()[0]]
    model.eval()
    with torch.inference_mode():
        logits = model(x)
        out += [
            logits.softmax(-1).max(-1).values.tolist(),
            (logits.argmax(-1) == y).float().mean().item(),
        ]
    out.append(model.layer2.bn1.running_var.tolist())
    return out


def vit(torch):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(11)

    class PatchEmbed(nn.Module):
        def __init__(self, img=16, patch=4, c=3, d=32):
            super().__init__()
            self.num_patches = (img // patch) ** 2
            self.proj = nn.Conv2d(c, d, kernel_size=patch, stride=patch)

        def forward(self, x):
            return self.proj(x).flatten(2).transpose(1, 2)

    class Block(nn.Module):
        def __init__(self, d, heads):
            super().__init__()
            self.norm1 = nn.LayerNorm(d, eps=1e-6)
            self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
            self.norm2 = nn.LayerNorm(d, eps=1e-6)
            self.mlp = nn.Sequential(
                nn.Linear(d, 4 * d), nn.GELU(), nn.Dropout(0.1), nn.Linear(4 * d, d)
            )

        def forward(self, x):
            h = self.norm1(x)
            a, w = self.attn(h, h, h, need_weights=True)
            x = x + a
            return x + self.mlp(self.norm2(x)), w

    class ViT(nn.Module):
        def __init__(self, d=32, depth=2, heads=4, n_cls=10):
            super().__init__()
            self.patch_embed = PatchEmbed(d=d)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
            self.pos_embed = nn.Parameter(torch.zeros(1, self.patch_embed.num_patches + 1, d))
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
            nn.init.trunc_normal_(self.cls_token, std=0.02)
            self.blocks = nn.ModuleList([Block(d, heads) for _ in range(depth)])
            self.norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, n_cls)
            self.apply(self._init_weights)

        def _init_weights(self, m):
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.LayerNorm):
                nn.init.constant_(m.bias, 0)
                nn.init.constant_(m.weight, 1.0)

        def forward(self, x):
            B = x.shape[0]
            x = self.patch_embed(x)
            cls = self.cls_token.expand(B, -1, -1)
            x = torch.cat((cls, x), dim=1) + self.pos_embed
            ws = []
            for blk in self.blocks:
                x, w = blk(x)
                ws.append(w)
            return self.head(self.norm(x)[:, 0]), ws

    model = ViT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.randn(4, 3, 16, 16)
    y = torch.randint(0, 10, (4,))
    out = [sum(p.numel() for p in model.parameters())]
    for _ in range(3):
        logits, ws = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        out += [loss.item(), gn.item(), ws[0].shape == (4, 17, 17), ws[1].sum(-1).mean().item()]
    return out


def mixer(torch):
    nn = torch.nn
    torch.manual_seed(12)

    class MixerBlock(nn.Module):
        def __init__(self, tokens, d):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.ln2 = nn.LayerNorm(d)
            self.token_mlp = nn.Sequential(
                nn.Linear(tokens, 2 * tokens),
                nn.GELU(approximate="tanh"),
                nn.Linear(2 * tokens, tokens),
            )
            self.channel_mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))

        def forward(self, x):
            x = x + self.token_mlp(self.ln1(x).transpose(1, 2)).transpose(1, 2)
            return x + self.channel_mlp(self.ln2(x))

    stem = nn.Conv2d(1, 16, 4, 4)
    blocks = nn.Sequential(*[MixerBlock(16, 16) for _ in range(2)])
    head = nn.Linear(16, 5)
    params = list(stem.parameters()) + list(blocks.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=3e-3, amsgrad=True)
    x = torch.randn(6, 1, 16, 16)
    y = torch.randint(0, 5, (6,))
    out = []
    for _ in range(4):
        h = stem(x).flatten(2).permute(0, 2, 1)
        h = blocks(h).mean(dim=1)
        loss = nn.functional.cross_entropy(head(h), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


def unet(torch):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(13)

    def double_conv(i, o):
        return nn.Sequential(
            nn.Conv2d(i, o, 3, padding=1),
            nn.BatchNorm2d(o),
            nn.ReLU(inplace=True),
            nn.Conv2d(o, o, 3, padding=1),
            nn.BatchNorm2d(o),
            nn.ReLU(inplace=True),
        )

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inc = double_conv(1, 4)
            self.down1 = nn.Sequential(nn.MaxPool2d(2), double_conv(4, 8))
            self.down2 = nn.Sequential(nn.MaxPool2d(2), double_conv(8, 16))
            self.up1 = nn.ConvTranspose2d(16, 8, kernel_size=2, stride=2)
            self.conv1 = double_conv(16, 8)
            self.conv2 = double_conv(12, 4)
            self.outc = nn.Conv2d(4, 2, kernel_size=1)

        def forward(self, x):
            x1 = self.inc(x)
            x2 = self.down1(x1)
            x3 = self.down2(x2)
            x = self.up1(x3)
            diffY = x2.size()[2] - x.size()[2]
            diffX = x2.size()[3] - x.size()[3]
            x = F.pad(x, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
            x = self.conv1(torch.cat([x2, x], dim=1))
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
            x = self.conv2(torch.cat([x1, x], dim=1))
            return self.outc(x)

    model = UNet()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, weight_decay=1e-8, momentum=0.9)
    x = torch.randn(2, 1, 16, 16)
    mask = torch.randint(0, 2, (2, 16, 16))
    out = []
    for _ in range(3):
        pred = model(x)
        loss = F.cross_entropy(pred, mask)
        probs = F.softmax(pred, dim=1).float()
        onehot = F.one_hot(mask, 2).permute(0, 3, 1, 2).float()
        inter = (probs * onehot).sum(dim=(-1, -2))
        union = probs.sum(dim=(-1, -2)) + onehot.sum(dim=(-1, -2))
        dice = 1 - ((2 * inter + 1e-6) / (union + 1e-6)).mean()
        total = loss + dice
        opt.zero_grad()
        total.backward()
        opt.step()
        out += [loss.item(), dice.item()]
    out.append(F.interpolate(x, size=(7, 9), mode="nearest").sum().item())
    out.append(F.interpolate(x, scale_factor=0.5, mode="bilinear").sum().item())
    out.append(F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=False).sum().item())
    return out


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("program", [resnet, vit, mixer, unet])
def test_model_trains_like_torch(program):
    theirs = program(torch)
    assert_same_record(program(mt), theirs)
