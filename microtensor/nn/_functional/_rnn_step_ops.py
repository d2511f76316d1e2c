"""The recurrent time steps as single ops: Elman (tanh/relu), LSTM and GRU cells.

Each op takes the input projection of one time step (``x_proj = x @ W_ih.T + b_ih``, with
``b_hh`` folded in where it sits outside a gate product), the previous state(s) and the
recurrent weight; forward computes all gates with one GEMM on the stacked weight, and backward
is one closed formula (``'`` is the new state, ``g_*`` upstream gradients, ``d`` the gradient
of the pre-activation gates):

* ``RnnStep``:   h' = act(p),  p = x_proj + h @ W.T;         d = g_h * act'(p)
* ``LstmStep``:  i, f, c~, o = gates;  c' = f c + i c~,  h' = o tanh(c');
  g_c' = g_c + g_h o (1 - tanh(c')^2),  d = [g_c' c~ i(1-i), g_c' c f(1-f),
  g_c' i (1-c~^2), g_h tanh(c') o(1-o)]
* ``GruStep``:   q = h @ W.T + b;  r, z = sigmoid(x_rz + q_rz),  n = tanh(x_n + r q_n),
  h' = n + z (h - n);  d_n = g_h (1-z)(1-n^2),  d_z = g_h (h-n) z(1-z),
  d_r = d_n q_n r(1-r)

and for all three: grad x_proj = d, grad h = d @ W, grad W = d.T @ h; GRU's recurrent part
uses d_q = [d_r, d_z, d_n r] instead (grad h = g_h z + d_q @ W, grad W = d_q.T @ h, grad b_hh
= d_q).

Each op takes an optional last argument ``w_hh_t``: W.T as a contiguous array, which the
sequence layers make once per layer and direction (a constant: the gradient goes to W).

Backward is written with operators and ``ops.dual`` functions, so it runs on arrays in an
ordinary backward and on Tensors under ``create_graph=True``. On arrays it reads the gate
activations that forward saved (as constants, so they are freed after backward like the
inputs); on Tensors it recomputes them from the saved inputs with recorded ops, so the
gradient is itself differentiable (double backward).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual

__all__: list[str] = []  # internal: the recurrent layers' steps


# --- array kernels ---------------------------------------------------------------------------


def _sigmoid_(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) in place (PyTorch's formula; exp overflow gives the right limit 0).

    The caller ignores the overflow (``np.errstate(over="ignore")``), once for a whole loop:
    entering the context costs about a tenth of the sigmoid of a (32, 256) block.
    """
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)
    return x


def _recurrent_gemm(
    x_proj: np.ndarray, h: np.ndarray, w: np.ndarray, w_t: np.ndarray | None
) -> np.ndarray:
    """x_proj + h @ W.T as a fresh array (in place into the GEMM's result when dtypes allow).

    ``w_t``, if given, is W.T as a C-contiguous array: a GEMM with a transposed operand is
    about 2x slower on a recurrent step's small shapes (OpenBLAS, (32, 64) @ (64, 256)).
    """
    out = h @ (w.T if w_t is None else w_t)
    if out.dtype == np.result_type(out, x_proj):
        out += x_proj
        return out
    return out + x_proj


# --- dual helpers ----------------------------------------------------------------------------


def _cat(parts: list[Any]) -> Any:
    """Concatenate along the last dim: arrays with NumPy, Tensors with the recorded op."""
    if dual.is_array(parts[0]):
        return np.concatenate(parts, axis=-1)
    return ops.cat(parts, -1)


def _weight_grad(d: Any, h: Any) -> Any:
    """d.T @ h over the batch: the gradient of a recurrent weight."""
    return dual.swap_last(d) @ h


# --- ops -------------------------------------------------------------------------------------


class RnnStep(Op):
    """h' = act(x_proj + h @ W.T), act tanh or relu;  d = g (1 - h'^2), or g where h' > 0."""

    @staticmethod
    def forward(
        ctx: Any, x_proj: Any, h: Any, w_hh: Any, nonlinearity: str, w_hh_t: Any = None
    ) -> Any:
        pre = _recurrent_gemm(x_proj, h, w_hh, w_hh_t)
        out = np.tanh(pre, out=pre) if nonlinearity == "tanh" else np.maximum(pre, 0, out=pre)
        ctx.nonlinearity = nonlinearity
        if nonlinearity == "relu":
            ctx.positive = ~(out <= 0)  # PyTorch's threshold_backward: nan passes the gradient
        ctx.save_for_backward(h, w_hh, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        h, w_hh, out = ctx.saved_tensors
        if ctx.nonlinearity == "tanh":
            d = grad_out * (1 - out * out)
        else:
            d = dual.where(ctx.positive, grad_out, 0.0)
        needs = ctx.needs_input_grad
        grad_h = d @ w_hh if needs[1] else None
        grad_w = _weight_grad(d, h) if needs[2] else None
        return d, grad_h, grad_w, None, None


def _lstm_activations(x_proj: Any, h: Any, c: Any, w_hh: Any) -> tuple[Any, Any]:
    """([i, f, c~, o], tanh(c')) recomputed with recorded ops (the Tensor path of backward)."""
    gates = x_proj + h @ dual.swap_last(w_hh)
    i, f, g, o = ops.chunk(gates, 4, -1)
    i, f, g, o = ops.sigmoid(i), ops.sigmoid(f), ops.tanh(g), ops.sigmoid(o)
    return ops.cat([i, f, g, o], -1), ops.tanh(f * c + i * g)


def _split_gates(acts: Any, size: int) -> tuple[Any, ...]:
    """The four gates of (B, 4H) activations: views of an array, or recorded chunks."""
    if dual.is_array(acts):
        return tuple(acts[..., k * size : (k + 1) * size] for k in range(4))
    return tuple(ops.chunk(acts, 4, -1))


def _slope_shift(acts: Any, size: int) -> np.ndarray:
    """0 for the sigmoid gates, 1 for c~: (1 - a) (a + shift) is each activation's slope."""
    dtype = acts.dtype if dual.is_array(acts) else acts._data.dtype
    shift = np.zeros(4 * size, dtype=dtype)
    shift[2 * size : 3 * size] = 1
    return shift


class LstmStep(Op):
    """c' = s(f) c + s(i) tanh(g),  h' = s(o) tanh(c') (gates i, f, g, o of x_proj + h @ W.T).

    Returns ``(h', c')``; the formula of backward is in the module docstring.
    """

    @staticmethod
    def forward(ctx: Any, x_proj: Any, h: Any, c: Any, w_hh: Any, w_hh_t: Any = None) -> Any:
        acts = _recurrent_gemm(x_proj, h, w_hh, w_hh_t)
        size = c.shape[-1]
        cell_gate = np.tanh(acts[..., 2 * size : 3 * size])
        with np.errstate(over="ignore"):
            _sigmoid_(acts)
        acts[..., 2 * size : 3 * size] = cell_gate
        i, f, g, o = _split_gates(acts, size)
        new_c = f * c
        new_c += i * g
        tanh_c = np.tanh(new_c)
        new_h = o * tanh_c
        ctx.save_for_backward(x_proj, h, c, w_hh, acts, tanh_c)
        return new_h, new_c

    @staticmethod
    def backward(ctx: Any, grad_h: Any, grad_c: Any) -> Any:
        x_proj, h, c, w_hh, acts, tanh_c = ctx.saved_tensors
        if not dual.is_array(grad_h):
            acts, tanh_c = _lstm_activations(x_proj, h, c, w_hh)
        needs = ctx.needs_input_grad
        d, grad_prev_h, grad_prev_c = lstm_step_grads(acts, tanh_c, c, w_hh, grad_h, grad_c)
        grad_w = _weight_grad(d, h) if needs[3] else None
        return d, grad_prev_h if needs[1] else None, grad_prev_c if needs[2] else None, grad_w, None


def lstm_step_grads(
    acts: Any, tanh_c: Any, c: Any, w_hh: Any, grad_h: Any, grad_c: Any
) -> tuple[Any, Any, Any]:
    """``(d, grad h, grad c)`` of one LSTM step from its activations (module docstring)."""
    size = c.shape[-1]
    i, f, g, o = _split_gates(acts, size)
    grad_c = grad_c + grad_h * o * (1 - tanh_c * tanh_c)
    # the four gates at once (measured 1.5x faster than gate by gate on (32, 4 * 64)):
    # d = [g_c', g_c', g_c', g_h] * [c~, c, i, tanh(c')] * slope
    slopes = (1 - acts) * (acts + _slope_shift(acts, size))
    d = _cat([grad_c, grad_c, grad_c, grad_h]) * _cat([g, c, i, tanh_c]) * slopes
    return d, d @ w_hh, grad_c * f


def _gru_activations(x_proj: Any, h: Any, w_hh: Any, b_hh: Any) -> tuple[Any, ...]:
    """(r, z, n, q_n) recomputed with recorded ops (the Tensor path of backward)."""
    q = h @ dual.swap_last(w_hh)
    if b_hh is not None:
        q = q + b_hh
    x_r, x_z, x_n = ops.chunk(x_proj, 3, -1)
    q_r, q_z, q_n = ops.chunk(q, 3, -1)
    r, z = ops.sigmoid(x_r + q_r), ops.sigmoid(x_z + q_z)
    return r, z, ops.tanh(x_n + r * q_n), q_n


class GruStep(Op):
    """n = tanh(x_n + r (h @ W_n.T + b_n)),  h' = n + z (h - n)  (gates r, z, n).

    ``x_proj = x @ W_ih.T + b_ih``; ``b_hh`` is an input as b_n sits inside r * (...).
    """

    @staticmethod
    def forward(ctx: Any, x_proj: Any, h: Any, w_hh: Any, b_hh: Any, w_hh_t: Any = None) -> Any:
        q = h @ (w_hh.T if w_hh_t is None else w_hh_t)
        if b_hh is not None:
            q = q + b_hh
        size = h.shape[-1]
        with np.errstate(over="ignore"):
            rz = _sigmoid_(x_proj[..., : 2 * size] + q[..., : 2 * size])
        r, z = rz[..., :size], rz[..., size:]
        q_n = q[..., 2 * size :]
        n = r * q_n
        n += x_proj[..., 2 * size :]
        np.tanh(n, out=n)
        new_h = h - n
        new_h *= z
        new_h += n
        ctx.save_for_backward(x_proj, h, w_hh, b_hh, r, z, n, q_n)
        return new_h

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x_proj, h, w_hh, b_hh, r, z, n, q_n = ctx.saved_tensors
        if not dual.is_array(grad_out):
            r, z, n, q_n = _gru_activations(x_proj, h, w_hh, b_hh)
        needs = ctx.needs_input_grad
        grad_x, grad_h, d_q = gru_step_grads(r, z, n, q_n, h, w_hh, grad_out)
        grad_w = _weight_grad(d_q, h) if needs[2] else None
        return grad_x, grad_h if needs[1] else None, grad_w, d_q if needs[3] else None, None


def gru_step_grads(
    r: Any, z: Any, n: Any, q_n: Any, h: Any, w_hh: Any, grad_out: Any
) -> tuple[Any, Any, Any]:
    """``(grad x_proj, grad h, d_q)`` of one GRU step from its gates (module docstring)."""
    d_n = grad_out * (1 - z) * (1 - n * n)
    d_z = grad_out * (h - n) * z * (1 - z)
    d_r = d_n * q_n * r * (1 - r)
    d_q = _cat([d_r, d_z, d_n * r])
    return _cat([d_r, d_z, d_n]), grad_out * z + d_q @ w_hh, d_q
