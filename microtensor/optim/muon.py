"""Muon: momentum orthogonalized by Newton-Schulz iterations, for 2-D parameters."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.optim._complex_params import refuse_complex
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_lr,
    lr_scalar,
)
from microtensor.tensor import Tensor

__all__ = ["Muon"]

# Keller Jordan's constants (https://kellerjordan.github.io/posts/muon/), as torch.optim.Muon's
EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


class Muon(Optimizer):
    """Muon, as ``torch.optim.Muon``: SGD-momentum whose update is orthogonalized.

    For each 2-D parameter theta (A x B) with gradient grad, at every step::

        1. buf = buf + (1 - momentum) * (grad - buf)
        2. u = grad + momentum * (buf - grad)     (if nesterov, else u = buf)
        3. X = bfloat16(u), transposed if A > B; X = X / max(||X||_F, eps)
        4. ns_steps times, with (a, b, c) = ns_coefficients:
               G = X @ X.T
               X = a * X + (b * G + c * G @ G) @ X
        5. theta = theta * (1 - lr * weight_decay)
        6. theta = theta - lr * ratio * X        (X transposed back if A > B)

    where ratio = sqrt(max(1, A / B)) for ``adjust_lr_fn`` None or "original" (Keller
    Jordan's), 0.2 * sqrt(max(A, B)) for "match_rms_adamw" (Moonshot's, so that AdamW's lr and
    weight decay carry over). The quintic iteration pushes the singular values of u towards
    1 (roughly into [0.5, 1.5]), as PyTorch's, in bfloat16: every intermediate matrix is
    rounded to bfloat16, after the float32 rounding steps of PyTorch's GEMM (its sums are
    formed in float64 here, so a float32 sum next to a rounding boundary may still differ by
    one bfloat16 ulp on large matrices). buf
    starts at zero and is kept in ``state[p]`` as ``"momentum_buffer"`` (the only state).

    Args:
        params: 2-D tensors or parameter groups to optimize (see ``Optimizer``); biases,
            embeddings and other parameters belong in another optimizer such as AdamW.
        lr: learning rate: a float or a 1-element Tensor.
        weight_decay: decoupled weight decay coefficient (multiplied by lr).
        momentum: momentum factor.
        nesterov: use Nesterov momentum (step 2).
        ns_coefficients: (a, b, c), the coefficients of the Newton-Schulz polynomial.
        eps: the floor of the Frobenius norm that step 3 divides by.
        ns_steps: the number of Newton-Schulz iterations (below 100).
        adjust_lr_fn: None, "original" or "match_rms_adamw" (the ratio above).

    Raises:
        ValueError: for a negative lr, momentum or weight_decay, an unknown adjust_lr_fn, a
            Tensor lr with more than one element, or a parameter that is not 2-D; at
            ``step()``, for ``ns_steps >= 100`` or ``ns_coefficients`` not of 3 values
            (PyTorch's messages).
        RuntimeError: at ``step()``, for a complex parameter with a gradient (as PyTorch,
            before the group's parameters are updated).

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
        >>> opt = mt.optim.Muon([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([[ 0.9535, -1.9124],
                [ 2.8637,  0.4794]], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C),
        eps: float = EPS,
        ns_steps: int = DEFAULT_NS_STEPS,
        adjust_lr_fn: str | None = None,
    ) -> None:
        check_lr("Muon", lr)
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "nesterov": nesterov,
            "ns_coefficients": ns_coefficients,
            "eps": eps,
            "ns_steps": ns_steps,
            "adjust_lr_fn": adjust_lr_fn,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        "Muon only supports 2D parameters whereas we found a parameter with "
                        f"size: {p.size()}"
                    )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            with_grad = [p for p in group["params"] if p.grad is not None]
            refuse_complex("Muon", with_grad)
            for p in with_grad:
                self._update(p, group)
        return loss

    def _update(self, p: Tensor, group: dict[str, Any]) -> None:
        lr, momentum = lr_scalar(group["lr"]), float(group["momentum"])
        grad = p.grad._data  # type: ignore[union-attr]
        if grad.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")
        state = self.state[p]
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = Tensor._make(np.zeros_like(grad))
        buf = state["momentum_buffer"]._data
        buf[...] = _lerp(buf, grad, 1 - momentum)
        update = _lerp(grad, buf, momentum) if group["nesterov"] else buf
        ortho = _zeropower_via_newtonschulz(
            update, group["ns_coefficients"], group["ns_steps"], float(group["eps"])
        )
        adjusted_lr = lr * _lr_ratio(group["adjust_lr_fn"], p.shape[0], p.shape[1])
        param = p._data
        decay = 1 - lr * float(group["weight_decay"])
        if param.dtype in (np.float64, np.float32):
            param *= decay
        else:  # in float32, as PyTorch (NumPy would round the factor to the half dtype first)
            param[...] = (param.astype(np.float32) * np.float32(decay)).astype(param.dtype)
        if param.dtype == np.float64:
            param -= ortho.astype(np.float64) * adjusted_lr
        else:
            _add_update(param, ortho, -adjusted_lr, transposed=p.shape[0] > p.shape[1])
        p._version_counter[0] += 1  # an in-place update, as PyTorch counts it


def _add_update(param: np.ndarray, ortho: np.ndarray, alpha: float, transposed: bool) -> None:
    """Add alpha * ortho to param in place, rounded as PyTorch's ``add_(ortho, alpha=alpha)``.

    For float32 (and float16) parameters that is one float32 fused multiply-add. A bfloat16
    parameter shares the update's dtype, so alpha is rounded to bfloat16; and when the update
    is a transposed view (a tall parameter), PyTorch's strided loop rounds alpha * ortho to
    bfloat16 before the sum, where its vectorized loop does not. (Its vectorized loop also
    leaves the last entries, fewer than a vector pair, to the strided one; that is not
    followed here, so those may differ by one bfloat16 ulp.)
    """
    alpha32 = np.float32(alpha)
    if param.dtype == dtypes.bfloat16.numpy:
        alpha32 = alpha32.astype(param.dtype).astype(np.float32)
        if transposed:
            step = _bfloat16(alpha32 * ortho)
            param[...] = (param.astype(np.float32) + step).astype(param.dtype)
            return
    fused = param.astype(np.float64) + np.float64(alpha32) * ortho.astype(np.float64)
    param[...] = fused.astype(np.float32).astype(param.dtype)


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """Return start + weight * (end - start), rounded as PyTorch's CPU kernel (an fma).

    The bfloat16 rounding of the Newton-Schulz input turns a one-ulp difference of the
    momentum into a visible one, so the float32 fma is emulated in float64 (the product of two
    float32 numbers is exact there); half-precision arrays compute in float32 and round once,
    as PyTorch; float64 arrays use the same formula without the fusion.
    """
    if start.dtype == np.float64:
        small = abs(weight) < 0.5
        coeff, base = (weight, start) if small else (weight - 1.0, end)
        return base + coeff * (end - start)
    w = np.float32(weight)
    coeff32, base32 = (w, start) if abs(w) < 0.5 else (w - np.float32(1), end)
    diff = end.astype(np.float32) - start.astype(np.float32)
    fused = np.float64(coeff32) * diff.astype(np.float64) + base32.astype(np.float64)
    return fused.astype(np.float32).astype(start.dtype)


def _lr_ratio(adjust_lr_fn: str | None, rows: int, cols: int) -> float:
    """How much Muon scales lr for an A x B parameter, so that updates have similar RMS."""
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return 0.2 * math.sqrt(max(rows, cols))
    return 1.0  # PyTorch's fallback for a name set in a group after the checks


def _zeropower_via_newtonschulz(
    grad: np.ndarray, ns_coefficients: tuple[float, float, float], ns_steps: int, eps: float
) -> np.ndarray:
    """Orthogonalize grad by ns_steps quintic Newton-Schulz iterations, in bfloat16.

    Returns the bfloat16 result held in a float32 array (every value a bfloat16 number).
    """
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (float(np.float32(k)) for k in ns_coefficients)  # PyTorch's float opmath scalars
    ortho = _bfloat16(grad.astype(np.float32))
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        ortho = ortho.T
    norm = _bfloat16(np.sqrt(np.vdot(ortho.astype(np.float64), ortho)))
    # a division of two bfloat16 numbers, computed in float32 and rounded, as PyTorch's
    ortho = _bfloat16(ortho / np.maximum(norm, _bfloat16(np.float32(eps))))
    for _ in range(ns_steps):
        wide = ortho.astype(np.float64)
        gram = _bfloat16(wide @ wide.T).astype(np.float64)
        gram_update = _bfloat16(_addmm(gram, gram, gram, b, c))
        ortho = _bfloat16(_addmm(wide, gram_update.astype(np.float64), wide, a, 1.0))
    return ortho.T if tall else ortho


def _addmm(term: np.ndarray, m1: np.ndarray, m2: np.ndarray, beta: float, alpha: float) -> Any:
    """Return beta * term + alpha * (m1 @ m2), rounded as PyTorch's float32 GEMM rounds it.

    The product (summed in float64, then rounded to float32 like the GEMM's float32 sum)
    times alpha is rounded to float32, and beta * term joins it in one fused multiply-add.
    That last rounding decides bfloat16 ties, which exact products of bfloat16 numbers make
    common.
    """
    scaled = np.float32(alpha) * (m1 @ m2).astype(np.float32)
    return (beta * term + scaled.astype(np.float64)).astype(np.float32)


def _bfloat16(array: Any) -> np.ndarray:
    """Round to the nearest bfloat16 numbers (ties to even), kept as float32."""
    return np.asarray(array, np.float32).astype(dtypes.bfloat16.numpy).astype(np.float32)
