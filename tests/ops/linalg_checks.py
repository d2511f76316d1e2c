"""Comparisons of matrix decompositions with PyTorch, up to the signs of singular/eigen vectors.

Singular vectors and eigenvectors are defined up to sign, and the sign LAPACK picks depends on
its implementation (PyTorch's MKL and NumPy's OpenBLAS differ). ``compare_up_to_signs`` flips
microtensor's vectors to PyTorch's, compares values, and feeds microtensor the upstream
gradient flipped the same way, so the gradients of the input must be equal exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import microtensor as mt
from tests.helpers import assert_same, to_numpy


def compare_up_to_signs(
    mt_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    a: np.ndarray,
    flips: tuple[str | None, ...],
    rng: np.random.Generator,
    *,
    reference: int = 0,
) -> None:
    """``flips[i]`` is 'cols' or 'rows' (output i's vectors), or None (no sign freedom).

    The signs come from output ``reference`` (a 'cols' output).
    """
    mt_a = mt.tensor(a, requires_grad=True)
    torch_a = torch.tensor(a, requires_grad=True)
    mine, theirs = tuple(mt_fn(mt_a)), tuple(torch_fn(torch_a))
    signs = np.sign(np.sum(to_numpy(mine[reference]) * to_numpy(theirs[reference]), axis=-2))
    signs[signs == 0] = 1

    def flip(x: np.ndarray, how: str | None) -> np.ndarray:
        if how == "cols":
            return x * signs[..., None, :]
        if how == "rows":
            return x * signs[..., :, None]
        return x

    for i, (m, t, how) in enumerate(zip(mine, theirs, flips, strict=True)):
        assert_same(flip(to_numpy(m), how), t, what=f"output {i}")
    upstream = [rng.standard_normal(tuple(t.shape)) for t in theirs]
    grad_mt = mt.autograd.grad(
        list(mine),
        [mt_a],
        [mt.tensor(flip(u, how)) for u, how in zip(upstream, flips, strict=True)],
    )[0]
    grad_torch = torch.autograd.grad(list(theirs), [torch_a], [torch.tensor(u) for u in upstream])
    assert_same(grad_mt, grad_torch[0], what="grad of input")
