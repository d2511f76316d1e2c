"""The set-up lines of today's training scripts, on torch and on microtensor as ``torch``.

``set_float32_matmul_precision``, ``cudnn.benchmark``, a disabled ``amp.GradScaler`` and
``autocast(enabled=False)`` around the step, a DataLoader with workers (``torch.compile`` is
left out: torch's inductor takes 8 s to compile; tests/test_compiler.py covers microtensor's),
forward hooks collecting activations, a ``weights_only`` state-dict round trip, and the
transformer decoder/encoder with causal and key-padding masks. Lines that microtensor does not
take yet are tested one by one below, xfail(strict) with the fix.
"""

import io

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def setup_bits(torch, num_workers=0):
    nn = torch.nn
    F = nn.functional
    out = []
    torch.manual_seed(60)
    torch.set_float32_matmul_precision("high")
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = True
    use_amp = False
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    model = model.to(torch.float32)
    ds = torch.utils.data.TensorDataset(torch.randn(12, 3, 8, 8), torch.randint(0, 2, (12,)))
    dl = torch.utils.data.DataLoader(
        ds, batch_size=4, shuffle=True, num_workers=num_workers, persistent_workers=num_workers > 0
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for xb, yb in dl:
        xb = xb.to("cpu", non_blocking=True)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            loss = F.cross_entropy(model(xb), yb)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        out.append(loss.item())
    feats = {}

    def get_activation(name):
        def hook(model, input, output):
            feats[name] = output.detach()

        return hook

    handles = [
        m.register_forward_hook(get_activation(n))
        for n, m in model.named_modules()
        if isinstance(m, nn.ReLU)
    ]
    model(torch.randn(1, 3, 8, 8))
    out.append(sorted(feats))
    [h.remove() for h in handles]
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    sd = torch.load(buf, weights_only=True)
    out.append(list(sd))
    out.append(torch.nn.Transformer.generate_square_subsequent_mask(3).tolist())
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True)
    dec = nn.TransformerDecoder(layer, 2)
    tgt = torch.randn(2, 3, 8)
    mem = torch.randn(2, 4, 8)
    pad = torch.tensor([[False, False, True, True], [False, False, False, False]])
    o = dec(
        tgt,
        mem,
        tgt_mask=nn.Transformer.generate_square_subsequent_mask(3),
        memory_key_padding_mask=pad,
        tgt_is_causal=True,
    )
    out.append(o.sum().item())
    enc = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        1,
        enable_nested_tensor=False,
    )
    out.append(enc(mem, src_key_padding_mask=pad).sum().item())
    out.append(torch.cuda.is_available())
    out.append(torch.backends.mps.is_available())
    out.append(torch.device("cuda" if torch.cuda.is_available() else "cpu").type)
    out.append(next(model.parameters()).device.type)
    out.append(str(next(model.parameters()).device))
    out.append(torch.get_num_threads() > 0)
    return out


@pytest.fixture
def restore_backend_switches():
    """The program flips global switches; later tests get the defaults back.

    torch's test internals (imported by the OpInfo tests in the same worker) freeze cudnn's
    flags against bare assignment; a script's own process has them unfrozen, so this does too.
    """
    missing = object()
    saved = [
        (
            lib,
            lib.get_float32_matmul_precision(),
            lib.backends.cudnn.benchmark,
            getattr(lib.backends.cudnn, "allow_tf32", missing),
        )
        for lib in (torch, mt)
    ]
    with getattr(torch.backends, "__allow_nonbracketed_mutation")():
        yield
        for lib, precision, benchmark, tf32 in saved:
            lib.set_float32_matmul_precision(precision)
            lib.backends.cudnn.benchmark = benchmark
            if tf32 is missing:  # microtensor's cudnn module has no allow_tf32 (reported)
                vars(lib.backends.cudnn).pop("allow_tf32", None)
            else:
                lib.backends.cudnn.allow_tf32 = tf32


@pytest.mark.usefixtures("one_torch_thread", "restore_backend_switches")
@pytest.mark.parametrize("num_workers", [0, 2])
def test_setup_lines_and_training_give_torchs_record(num_workers):
    # torch's worker processes take seconds to start: its record comes from the main process,
    # which draws the same shuffling
    theirs = setup_bits(torch)
    assert_same_record(setup_bits(mt, num_workers), theirs)


def test_allow_tf32_switches_read_torchs_defaults():
    assert mt.backends.cuda.matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32


def test_cudnn_allow_tf32_reads_torchs_default():
    assert mt.backends.cudnn.allow_tf32 is torch.backends.cudnn.allow_tf32


def test_module_to_channels_last():
    model = mt.nn.Conv2d(3, 4, 3).to(memory_format=mt.channels_last)
    assert model.weight.shape == (4, 3, 3, 3)
    assert model.weight.stride() == (27, 1, 9, 3) and model.bias.stride() == (1,)
    assert model.weight.is_contiguous(memory_format=mt.channels_last)


def test_pin_memory_without_an_accelerator_warns():
    loader = mt.utils.data.DataLoader(mt.utils.data.TensorDataset(mt.ones(4)), pin_memory=True)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true"):
        list(loader)


def test_cuda_amp_grad_scaler_is_deprecated():
    with pytest.warns(FutureWarning, match="is deprecated"):
        mt.cuda.amp.GradScaler(enabled=False)
