"""microtensor.signal.windows against torch.signal.windows: every window, length and dtype."""

import numpy as np
import pytest
import torch

import microtensor as mt

WINDOWS = {
    "bartlett": {},
    "blackman": {},
    "cosine": {},
    "exponential": {"tau": 2.5},
    "gaussian": {"std": 0.7},
    "general_cosine": {"a": [0.46, 0.23, 0.31]},
    "general_hamming": {"alpha": 0.6},
    "hamming": {},
    "hann": {},
    "kaiser": {"beta": 5.0},
    "nuttall": {},
}


@pytest.mark.parametrize("name", sorted(WINDOWS))
@pytest.mark.parametrize("sym", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_window_matches_torch(name, sym, dtype):
    for M in (0, 1, 2, 7, 16):
        kwargs = dict(WINDOWS[name])
        if name == "exponential" and not sym:
            kwargs["center"] = 1.5
        ours = getattr(mt.signal.windows, name)(M, sym=sym, dtype=getattr(mt, dtype), **kwargs)
        theirs = getattr(torch.signal.windows, name)(
            M, sym=sym, dtype=getattr(torch, dtype), **kwargs
        )
        assert ours.dtype == getattr(mt, dtype) and tuple(ours.shape) == tuple(theirs.shape)
        tol = 1e-12 if dtype == "float64" else 5e-7
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol)


def test_default_dtype_requires_grad_and_errors():
    w = mt.signal.windows.hann(8, requires_grad=True)
    assert w.dtype == mt.float32 and w.requires_grad and w.is_leaf
    with pytest.raises(ValueError, match="requires non-negative window length"):
        mt.signal.windows.hann(-1)
    with pytest.raises(ValueError, match="expects float32 or float64 dtypes"):
        mt.signal.windows.hann(3, dtype=mt.int64)
    with pytest.raises(ValueError, match="Center must be None for symmetric windows"):
        mt.signal.windows.exponential(4, center=1.0)
    with pytest.raises(ValueError, match="Standard deviation must be positive"):
        mt.signal.windows.gaussian(4, std=0.0)
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        mt.signal.windows.kaiser(4, device="cuda")
