"""stft / istft: values, gradients and errors as torch's."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

RNG = np.random.default_rng(0)
SIGNAL = RNG.standard_normal((2, 100))

STFT_CASES = [
    {"n_fft": 16},
    {"n_fft": 16, "hop_length": 5, "win_length": 10},
    {"n_fft": 15, "center": False},
    {"n_fft": 16, "normalized": True},
    {"n_fft": 16, "onesided": False},
    {"n_fft": 16, "pad_mode": "constant"},
    {"n_fft": 32, "hop_length": 8},
]


def _stft(lib, signal, kw, complex_input=False):
    x = lib.tensor(signal, requires_grad=True)
    window = lib.hann_window(kw.get("win_length", kw["n_fft"]), dtype=lib.float64)
    source = x.to(lib.complex128) if complex_input else x
    return x, lib.stft(source, window=window, return_complex=True, **kw)


@pytest.mark.parametrize("kw", STFT_CASES, ids=str)
@pytest.mark.parametrize("batched", [True, False])
def test_stft_values_and_gradients_match_torch(kw, batched):
    signal = SIGNAL if batched else SIGNAL[0]
    x, s = _stft(mt, signal, kw)
    tx, ts = _stft(torch, signal, kw)
    assert s.shape == tuple(ts.shape) and s.dtype is mt.complex128
    np.testing.assert_allclose(s.detach().numpy(), ts.detach().numpy(), atol=1e-12)
    g = RNG.standard_normal(tuple(ts.shape)) + 1j * RNG.standard_normal(tuple(ts.shape))
    (grad,) = mt.autograd.grad(s, x, mt.tensor(g))
    (t_grad,) = torch.autograd.grad(ts, tx, torch.tensor(g))
    np.testing.assert_allclose(grad.numpy(), t_grad.numpy(), atol=1e-12)


def test_stft_of_a_complex_signal_is_two_sided():
    kw = {"n_fft": 16}
    s, ts = _stft(mt, SIGNAL, kw, complex_input=True)[1], _stft(torch, SIGNAL, kw, True)[1]
    assert s.shape == tuple(ts.shape) == (2, 16, 26)
    np.testing.assert_allclose(s.detach().numpy(), ts.detach().numpy(), atol=1e-12)


ISTFT_CASES = [
    {"n_fft": 16},
    {"n_fft": 16, "hop_length": 5, "win_length": 10},
    {"n_fft": 16, "normalized": True},
    {"n_fft": 16, "length": 90},
    {"n_fft": 16, "length": 110},
    {"n_fft": 16, "onesided": False},
    {"n_fft": 16, "center": False, "hop_length": 4},
]


def _istft(lib, kw):
    window = lib.hann_window(kw.get("win_length", kw["n_fft"]), dtype=lib.float64) + 0.1
    stft_kw = {k: v for k, v in kw.items() if k != "length"}
    spectrum = lib.stft(lib.tensor(SIGNAL), window=window, return_complex=True, **stft_kw)
    spectrum = spectrum.detach().requires_grad_()
    return spectrum, lib.istft(spectrum, window=window, **kw)


@pytest.mark.parametrize("kw", ISTFT_CASES, ids=str)
def test_istft_inverts_stft_as_torch(kw):
    s, y = _istft(mt, kw)
    ts, ty = _istft(torch, kw)
    assert y.shape == tuple(ty.shape) and y.dtype is mt.float64
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    n = min(y.shape[-1], 100) - (8 if not kw.get("center", True) else 0)
    np.testing.assert_allclose(y.detach().numpy()[..., :n], SIGNAL[..., :n], atol=1e-12)
    g = RNG.standard_normal(tuple(ty.shape))
    (grad,) = mt.autograd.grad(y, s, mt.tensor(g))
    (t_grad,) = torch.autograd.grad(ty, ts, torch.tensor(g))
    np.testing.assert_allclose(grad.numpy(), t_grad.numpy(), atol=1e-12)


def test_return_complex_false_gives_the_real_view_with_torchs_warning():
    window = mt.hann_window(16)
    with pytest.warns(UserWarning, match="stft with return_complex=False is deprecated"):
        s = mt.stft(mt.ones(64), 16, window=window, return_complex=False)
    assert s.shape == (9, 17, 2) and s.dtype is mt.float32
    with pytest.warns(UserWarning, match="A window was not provided"):
        mt.stft(mt.ones(64), 16, return_complex=True)


ERRORS = [
    ("return_complex", lambda L: L.stft(L.ones(100), 16, window=L.ones(16))),
    ("hop", lambda L: L.stft(L.ones(100), 16, 0, window=L.ones(16), return_complex=True)),
    ("win_length", lambda L: L.stft(L.ones(100), 16, win_length=20, return_complex=True)),
    ("window size", lambda L: L.stft(L.ones(100), 16, window=L.ones(10), return_complex=True)),
    ("rank", lambda L: L.stft(L.ones(2, 2, 100), 16, window=L.ones(16), return_complex=True)),
    (
        "onesided complex",
        lambda L: L.stft(L.ones(100, dtype=L.cfloat), 16, window=L.ones(16), onesided=True),
    ),
    ("istft real input", lambda L: L.istft(L.ones(9, 5), 16, window=L.ones(16))),
    (
        "istft overlap",
        lambda L: L.istft(
            L.ones(9, 6, dtype=L.cfloat), 16, 16, window=L.hann_window(16), center=False
        ),
    ),
]


@pytest.mark.parametrize(("name", "call"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torchs(name, call):
    warnings.simplefilter("ignore")
    with pytest.raises(RuntimeError) as t_error:
        call(torch)
    with pytest.raises(RuntimeError) as error:
        call(mt)
    text = str(t_error.value).split("\n")[0]
    if "window overlap add min" in text:  # torch prints the comparison's bool, not the minimum
        text = text.rsplit(":", 1)[0]
    assert text[:70] in str(error.value) or text.split(" : ")[-1] in str(error.value), (
        text,
        str(error.value),
    )


@pytest.mark.parametrize("complex_window", [True, False])
def test_istft_window_shorter_than_n_fft_gets_torchs_gradient(complex_window):
    # torch pads the window with zeros to n_fft and differentiates through it (the zero window
    # gradient of OpInfo's sample comes from its window[:8], a view made under no_grad)
    rng = np.random.default_rng(7)
    x0 = rng.standard_normal((2, 10, 6)) + 1j * rng.standard_normal((2, 10, 6))
    w0 = rng.uniform(0.5, 2.0, 8) + (1j * rng.uniform(0.5, 2.0, 8) if complex_window else 0)
    results = []
    for lib in (mt, torch):
        x, w = lib.tensor(x0, requires_grad=True), lib.tensor(w0, requires_grad=True)
        y = lib.istft(x, 10, window=w, win_length=8, center=True, return_complex=True)
        upstream = np.random.default_rng(8).standard_normal(tuple(y.shape)) * (1 + 2j)
        results.append([y, *lib.autograd.grad(y, [x, w], lib.tensor(upstream))])
    for what, ours, theirs in zip(("output", "grad x", "grad window"), *results, strict=True):
        assert ours.dtype.numpy == theirs.detach().numpy().dtype, what
        assert np.abs(theirs.detach().numpy()).max() > 0.1, what
        np.testing.assert_allclose(
            ours.detach().numpy(), theirs.detach().numpy(), atol=1e-12, err_msg=what
        )
