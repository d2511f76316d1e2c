"""The one helper that compares microtensor with PyTorch, and the gradcheck wrapper."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import microtensor as mt

TOLERANCES = {
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-10},
    np.dtype(np.float32): {"rtol": 1.3e-6, "atol": 1e-5},
}


def to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, mt.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_same(actual: Any, expected: Any, dtype: Any = None, what: str = "") -> None:
    """Values equal within the dtype's tolerance; dtypes must match too."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != torch's {e.dtype}"
    tol = TOLERANCES.get(np.dtype(dtype or a.dtype), {"rtol": 0, "atol": 0})
    np.testing.assert_allclose(a, e, equal_nan=True, err_msg=what, **tol)


def compare_with_torch(
    mt_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    arrays: Sequence[np.ndarray | Any],
    *,
    grad: bool = True,
    rng: np.random.Generator | None = None,
) -> Any:
    """Run both functions on the same inputs; check outputs and the gradients of every
    floating array input for a random upstream gradient. Non-array args pass through."""
    rng = rng or np.random.default_rng(0)
    mt_args, torch_args = [], []
    for a in arrays:
        if isinstance(a, np.ndarray):
            needs = grad and a.dtype.kind == "f"
            mt_args.append(mt.tensor(a, requires_grad=needs))
            torch_args.append(torch.tensor(a, requires_grad=needs))
        else:
            mt_args.append(a)
            torch_args.append(a)
    mt_out, torch_out = mt_fn(*mt_args), torch_fn(*torch_args)
    mt_outs = mt_out if isinstance(mt_out, tuple | list) else (mt_out,)
    torch_outs = torch_out if isinstance(torch_out, tuple | list) else (torch_out,)
    assert len(mt_outs) == len(torch_outs)
    for i, (m, t) in enumerate(zip(mt_outs, torch_outs, strict=True)):
        assert_same(m, t, what=f"output {i}")
    if not grad:
        return mt_out
    pairs = [
        (m, t)
        for m, t in zip(mt_outs, torch_outs, strict=True)
        if t.requires_grad and m.requires_grad
    ]
    if not pairs:
        return mt_out
    upstream = [rng.standard_normal(t.shape).astype(to_numpy(t).dtype) for _, t in pairs]
    mt_inputs = [a for a in mt_args if isinstance(a, mt.Tensor) and a.requires_grad]
    torch_inputs = [a for a in torch_args if isinstance(a, torch.Tensor) and a.requires_grad]
    mt_grads = mt.autograd.grad(
        [m for m, _ in pairs], mt_inputs, [mt.tensor(u) for u in upstream], allow_unused=True
    )
    torch_grads = torch.autograd.grad(
        [t for _, t in pairs], torch_inputs, [torch.tensor(u) for u in upstream], allow_unused=True
    )
    for i, (m, t) in enumerate(zip(mt_grads, torch_grads, strict=True)):
        if t is None:
            assert m is None or not np.any(to_numpy(m)), f"grad {i}: torch has none"
            continue
        assert m is not None, f"grad {i}: microtensor returned None, torch did not"
        assert_same(m, t, what=f"grad of input {i}")
    return mt_out


def check_gradients(
    fn: Callable[..., Any],
    arrays: Sequence[Any],
    *,
    second: bool = True,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """gradcheck (and gradgradcheck when ``second``) of ``fn`` in float64."""
    args = [
        mt.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
        if isinstance(a, np.ndarray) and a.dtype.kind == "f"
        else a
        for a in arrays
    ]
    assert mt.autograd.gradcheck(fn, tuple(args), atol=atol, rtol=rtol)
    if second:
        assert mt.autograd.gradgradcheck(fn, tuple(args), atol=atol, rtol=rtol)
