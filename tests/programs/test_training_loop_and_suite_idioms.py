"""A modern training loop and the idioms of test suites, on torch and microtensor as ``torch``.

The loop: AdamW with decay/no-decay parameter groups, ``SequentialLR(LambdaLR warm-up,
CosineAnnealingLR)``, a seeded shuffling ``DataLoader``, gradient accumulation,
``clip_grad_norm_(error_if_nonfinite=True)``, an EMA copy updated with ``lerp_``, a checkpoint
dict (model, optimizer, scheduler, EMA) through ``torch.save``/``torch.load(weights_only=True)``
and resumed training, an ``AveragedModel`` with ``get_ema_multi_avg_fn`` and a ``OneCycleLR``
trace. The idioms: ``gradcheck`` on an ``autograd.Function`` with ``once_differentiable``,
``state_dict``/``named_*`` names, ``load_state_dict(strict=False)`` results and strict errors,
``train()``/``eval()`` flags, a ``no_grad`` decorator, printed tensors, modules and optimizers,
``assert_close`` messages, and a ``unittest.TestCase`` seeded in ``setUp``. The APIs such
programs reach for that microtensor lacks are pinned in test_modern_api_gaps.py.
"""

import copy
import io
import unittest

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def loop(torch):
    nn = torch.nn
    F = nn.functional
    S = torch.optim.lr_scheduler
    torch.manual_seed(8)
    out = []

    def make():
        return nn.Sequential(
            nn.Linear(4, 16, bias=False),
            nn.BatchNorm1d(16),
            nn.GELU(approximate="tanh"),
            nn.Dropout(0.2),
            nn.Linear(16, 2),
        )

    model = make()
    ema = copy.deepcopy(model)
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(
        [
            {"params": [p for n, p in model.named_parameters() if p.ndim > 1], "weight_decay": 0.1},
            {
                "params": [p for n, p in model.named_parameters() if p.ndim <= 1],
                "weight_decay": 0.0,
            },
        ],
        lr=3e-3,
        betas=(0.9, 0.95),
        fused=None,
    )
    total = 12
    warm = S.LambdaLR(opt, lambda s: (s + 1) / 3)
    cos = S.CosineAnnealingLR(opt, T_max=total - 3, eta_min=1e-5)
    sched = S.SequentialLR(opt, [warm, cos], milestones=[3])
    data = torch.utils.data.TensorDataset(torch.randn(24, 4), torch.randint(0, 2, (24,)))
    g = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(
        data, batch_size=6, shuffle=True, generator=g, drop_last=True
    )
    accum = 2
    cmodel = model
    step = 0
    for _epoch in range(3):
        model.train()
        for i, (xb, yb) in enumerate(loader):
            loss = F.cross_entropy(cmodel(xb), yb) / accum
            loss.backward()
            if (i + 1) % accum == 0:
                gn = nn.utils.clip_grad_norm_(
                    model.parameters(), max_norm=0.5, error_if_nonfinite=True
                )
                opt.step()
                opt.zero_grad(set_to_none=True)
                sched.step()
                step += 1
                with torch.no_grad():
                    ep = list(ema.parameters())
                    mp = list(model.parameters())
                    [e.lerp_(m, 0.1) for e, m in zip(ep, mp, strict=False)]
                    for b_e, b_m in zip(ema.buffers(), model.buffers(), strict=False):
                        b_e.copy_(b_m)
                out.append((round(loss.item() * accum, 6), gn.item(), sched.get_last_lr()[0]))
    out.append([k for k in opt.state_dict()["state"].keys()])
    out.append(opt.state_dict()["param_groups"][0]["lr"])
    # checkpoint round trip
    buf = io.BytesIO()
    torch.save(
        {
            "model": model.state_dict(),
            "opt": opt.state_dict(),
            "sched": sched.state_dict(),
            "step": step,
            "ema": ema.state_dict(),
        },
        buf,
    )
    buf.seek(0)
    ck = torch.load(buf, weights_only=True)
    m2 = make()
    m2.load_state_dict(ck["model"])
    o2 = torch.optim.AdamW(m2.parameters(), lr=3e-3)
    o2 = torch.optim.AdamW(
        [
            {"params": [p for n, p in m2.named_parameters() if p.ndim > 1], "weight_decay": 0.1},
            {"params": [p for n, p in m2.named_parameters() if p.ndim <= 1], "weight_decay": 0.0},
        ],
        lr=3e-3,
        betas=(0.9, 0.95),
    )
    o2.load_state_dict(ck["opt"])
    w2 = S.LambdaLR(o2, lambda s: (s + 1) / 3)
    c2 = S.CosineAnnealingLR(o2, T_max=total - 3, eta_min=1e-5)
    s2 = S.SequentialLR(o2, [w2, c2], milestones=[3])
    s2.load_state_dict(ck["sched"])
    out.append(s2.last_epoch)
    out.append(s2.get_last_lr())
    out.append(sorted(ck.keys()))
    out.append(ck["step"])
    x = torch.randn(5, 4)
    for m in (model, m2, ema):
        m.eval()
        out.append(m(x).tolist())
    for M in (model, m2):
        Mo = o2 if M is m2 else opt
        M.train()
        torch.manual_seed(99)
        Mo.zero_grad()
        F.cross_entropy(M(x), torch.tensor([0, 1, 0, 1, 1])).backward()
        Mo.step()
        out.append(M[0].weight.sum().item())
    out.append(ema[1].running_mean.tolist())
    out.append(ema[1].num_batches_tracked.item())
    # OneCycleLR trace
    o3 = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, momentum=0.9)
    oc = S.OneCycleLR(
        o3, max_lr=1.0, total_steps=10, pct_start=0.3, anneal_strategy="cos", three_phase=False
    )
    tr = []
    for _ in range(9):
        o3.step()
        oc.step()
        tr.append((o3.param_groups[0]["lr"], o3.param_groups[0]["momentum"]))
    out.append(tr)
    swa = torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.99)
    )
    swa.update_parameters(model)
    swa.update_parameters(m2)
    out.append(next(swa.module.parameters()).sum().item())
    return out


def idioms(torch):
    nn = torch.nn
    from importlib import import_module

    od = import_module(torch.__name__ + ".autograd.function").once_differentiable
    torch.manual_seed(10)
    out = []

    class Swish(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, beta):
            ctx.save_for_backward(x)
            ctx.beta = beta
            return x * torch.sigmoid(beta * x)

        @staticmethod
        @od
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            s = torch.sigmoid(ctx.beta * x)
            return g * (s + ctx.beta * x * s * (1 - s)), None

    x = torch.randn(5, dtype=torch.double, requires_grad=True)
    out.append(torch.autograd.gradcheck(lambda t: Swish.apply(t, 1.5), (x,), eps=1e-6, atol=1e-4))
    y = Swish.apply(x, 1.5)
    out.append(type(y.grad_fn).__name__)
    out.append(y.grad_fn.name() if hasattr(y.grad_fn, "name") else None)
    (gx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    try:
        gx.sum().backward()
        out.append("no error")
    except RuntimeError as e:
        out.append("does not require grad and does not have a grad_fn" in str(e))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 4, 3),
                nn.BatchNorm2d(4),
                nn.ReLU(inplace=True),
                nn.AdaptiveAvgPool2d(1),
            )
            self.classifier = nn.Linear(4, 3)
            self.register_buffer("scale", torch.tensor(2.0))
            self.register_buffer("tmp", torch.zeros(1), persistent=False)

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1)) * self.scale

    net = Net()
    out.append(repr(net))
    out.append(list(net.state_dict().keys()))
    out.append([n for n, _ in net.named_parameters()])
    out.append([n for n, _ in net.named_buffers()])
    out.append([n for n, _ in net.named_modules()])
    sd = net.state_dict()
    sd.pop("classifier.bias")
    sd["extra.weight"] = torch.zeros(1)
    res = net.load_state_dict(sd, strict=False)
    out.append(repr(res))
    out.append(res.missing_keys)
    out.append(res.unexpected_keys)
    try:
        net.load_state_dict(sd)
    except RuntimeError as e:
        out.append(str(e))
    sd2 = net.state_dict()
    sd2["classifier.weight"] = torch.zeros(2, 4)
    try:
        net.load_state_dict(sd2)
    except RuntimeError as e:
        out.append(str(e))
    out.append((net.training, net.features[1].training))
    net.eval()
    out.append((net.training, net.features[1].training))
    net.train()
    net.features.eval()
    out.append((net.training, net.features[1].training))

    @torch.no_grad()
    def infer(m, x):
        return m(x), torch.is_grad_enabled()

    r, ge = infer(net, torch.randn(2, 1, 6, 6))
    out.append((r.requires_grad, ge, torch.is_grad_enabled()))
    t = torch.tensor([[1.5, -2.25, 3.0], [1e-4, 100.0, 0.0]])
    out.append(str(t))
    out.append(repr(t.requires_grad_()))
    out.append(str(torch.arange(6).reshape(2, 3)))
    out.append(str(torch.tensor([1e10, 1.0, 3e-5])))
    out.append(str(torch.zeros(2, 2, dtype=torch.float64)))
    out.append(str(torch.tensor([True, False])))
    out.append(str(torch.randn(3) * 1000))
    out.append(str(torch.linspace(0, 1, 1001)))
    out.append(repr(net.classifier.weight))
    out.append(repr(r))
    out.append(repr(torch.tensor(3.5)))
    out.append(repr(torch.ones(2, dtype=torch.half)))
    out.append(repr(torch.tensor([], dtype=torch.long)))
    out.append(str(torch.optim.Adam(net.parameters(), lr=1e-3)))
    torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
    try:
        torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]))
    except AssertionError as e:
        out.append(str(e))
    try:
        torch.testing.assert_close(torch.tensor([1.0]), torch.tensor([1.0], dtype=torch.float64))
    except AssertionError as e:
        out.append(str(e))
    out.append(
        torch.allclose(
            torch.tensor([1.0, float("nan")]), torch.tensor([1.0, float("nan")]), equal_nan=True
        )
    )
    out.append(torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2])))
    return out


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("program", [loop, idioms])
def test_program_gives_torchs_record(program):
    theirs = program(torch)
    assert_same_record(program(mt), theirs)


def seeded_case(lib):
    """A unittest.TestCase seeded in setUp, run by unittest's own runner."""

    class TestTinyModel(unittest.TestCase):
        def setUp(self):
            lib.manual_seed(0)
            self.model = lib.nn.Linear(4, 2)
            self.x = lib.randn(3, 4)

        def test_shape_and_grad(self):
            y = self.model(self.x)
            self.assertEqual(y.shape, (3, 2))
            y.sum().backward()
            lib.testing.assert_close(self.model.bias.grad, lib.full((2,), 3.0))

        def test_eval_is_deterministic(self):
            self.model.eval()
            with lib.no_grad():
                self.assertTrue(lib.equal(self.model(self.x), self.model(self.x)))

        def test_loss_value(self):
            loss = lib.nn.functional.mse_loss(self.model(self.x), lib.zeros(3, 2))
            self.assertAlmostEqual(loss.item(), RECORDED_LOSS, places=6)
            assert loss.item() == pytest.approx(RECORDED_LOSS, rel=1e-6)

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(TestTinyModel)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    return result.testsRun, [str(e) for _, e in result.failures + result.errors]


def _recorded_loss():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    return torch.nn.functional.mse_loss(model(torch.randn(3, 4)), torch.zeros(3, 2)).item()


RECORDED_LOSS = _recorded_loss()


@pytest.mark.parametrize("lib", [torch, mt], ids=["torch", "microtensor"])
def test_unittest_case_seeded_in_setup_passes(lib):
    assert seeded_case(lib) == (3, [])
