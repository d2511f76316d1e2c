"""Checks shared by the tests of the special functions (gamma, bessel, logarithmic ...).

``compare_with_torch`` in ``tests.helpers`` holds float64 to 1e-10. A few of PyTorch's float64
kernels (trigamma, the Bessel functions J and Y, Airy's Ai) are less accurate than SciPy's, so
these helpers take the tolerance as an argument; each test says why it loosens it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import microtensor as mt
from tests.helpers import to_numpy


def assert_close(actual: Any, expected: Any, rtol: float, atol: float, what: str = "") -> None:
    """Same shape and dtype, values within ``rtol``/``atol`` (nan where torch has nan)."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != torch's {e.dtype}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def values_and_grads(
    mt_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    rng: np.random.Generator,
    *,
    rtol: float = 1e-10,
    atol: float = 1e-10,
) -> None:
    """Forward values and the gradient of every input for one random upstream gradient."""
    xs = [mt.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = mt_fn(*xs), torch_fn(*ts)
    assert_close(out, expected, rtol, atol, "forward")
    upstream = rng.standard_normal(expected.shape).astype(arrays[0].dtype)
    grads = mt.autograd.grad(out, xs, mt.tensor(upstream))
    expected_grads = torch.autograd.grad(expected, ts, torch.tensor(upstream))
    for i, (g, e) in enumerate(zip(grads, expected_grads, strict=True)):
        assert_close(g, e, rtol, atol, f"grad of input {i}")


def second_derivative(
    mt_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    data: np.ndarray,
    *,
    rtol: float = 1e-10,
    atol: float = 1e-10,
) -> None:
    """d/dx of sum(d/dx sum f(x)) through ``create_graph=True`` equals torch's."""
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    (g,) = mt.autograd.grad(mt_fn(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(torch_fn(tx).sum(), tx, create_graph=True)
    assert_close(g, tg, rtol, atol, "first derivative")
    (gg,) = mt.autograd.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    assert_close(gg, tgg, rtol, atol, "second derivative")
