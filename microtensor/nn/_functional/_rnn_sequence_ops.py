"""A whole LSTM or GRU layer direction as one op: the steps in forward, all of BPTT in backward.

``nn.LSTM`` (without packing or projection) and ``nn.GRU`` (without packing) run each layer
and direction through ``LstmSequence`` or ``GruSequence``: the graph gets one node instead of
a step node per time step (plus the ops that split the input and stack the outputs), and
backward runs the recurrence in one loop over arrays. Per step the arithmetic is
``LstmStep``'s and ``GruStep``'s (``_rnn_step_ops``): forward gives the same bits; backward
sums the same terms, with what does not depend on the recurrence done for all steps at once
before the loop, and the recurrent weight's gradient as one GEMM, ``D.T @ H`` over every
step (``D`` the gates' gradients, ``H`` the states each step read). ``LstmSequence`` also
does the input projection ``x @ W_ih.T + b_ih + b_hh`` (nn.Linear's arithmetic, one GEMM over
the rows of every step, in the order the steps run) and its gradients ``D.T @ X`` and
``sum(D)``, which saves the graph four nodes and backward a copy of ``D``.

With ``k`` counting the steps in the order they run (``t = k``, or ``T - 1 - k`` in reverse):

* LSTM forward: ``a_k = [s(i), s(f), tanh(g), s(o)](x_t + h_k @ W.T)``,
  ``c_{k+1} = f c_k + i g``, ``h_{k+1} = o tanh(c_{k+1})``, output at ``t`` = ``h_{k+1}``;
  backward: ``g_h = grad_out_t + d_{k+1} @ W``, ``g_c = g_c f_{k+1} + g_h o (1 - tanh^2)``,
  ``d_k = [g_c g i(1-i), g_c c_k f(1-f), g_c i (1-g^2), g_h tanh(c_{k+1}) o(1-o)]``.
* GRU forward: ``q = h_k @ W.T + b``, ``r, z = s(x_rz + q_rz)``, ``n = tanh(x_n + r q_n)``,
  ``h_{k+1} = n + z (h_k - n)``; backward: ``g = grad_out_t + g_z z_{k+1} + dq_{k+1} @ W``,
  ``d_x = g [A_r, A_z, A_n]``, ``dq = g [A_r, A_z, A_n r]`` with ``A_n = (1-z)(1-n^2)``,
  ``A_z = (h_k - n) z(1-z)``, ``A_r = A_n q_n r(1-r)``.

Under ``create_graph=True`` backward recomputes the steps with recorded ops from the saved
inputs and runs ``lstm_step_grads`` / ``gru_step_grads`` on Tensors, so the gradient is
differentiable again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.nn._functional._rnn_step_ops import (
    _gru_activations,
    _lstm_activations,
    _sigmoid_,
    _split_gates,
    _weight_grad,
    gru_step_grads,
    lstm_step_grads,
)
from microtensor.nn._functional.linear import linear
from microtensor.ops import dual

__all__: list[str] = []  # internal: nn.LSTM's and nn.GRU's layers


def _time_major(x: Any, time_dim: int) -> Any:
    """``x`` with time first: a view of an array, or a recorded transpose of a Tensor."""
    if time_dim == 0:
        return x
    return np.swapaxes(x, 0, 1) if dual.is_array(x) else ops.transpose(x, 0, 1)


class LstmSequence(Op):
    """``(output, h_T, c_T)`` of one LSTM layer direction over the whole sequence.

    Inputs: the layer's ``input`` (time along ``time_dim``), ``w_ih`` with ``b_ih`` and
    ``b_hh`` (both, or both None), ``h0`` and ``c0`` (batch, hidden), the recurrent weight
    ``w_hh`` and its contiguous transpose ``w_hh_t``.
    """

    @staticmethod
    def forward(
        ctx: Any,
        input: Any,  # noqa: A002
        w_ih: Any,
        b_ih: Any,
        b_hh: Any,
        h0: Any,
        c0: Any,
        w_hh: Any,
        w_hh_t: Any,
        time_dim: int,
        reverse: bool,
    ) -> Any:
        x_rows = _step_rows(input, time_dim, reverse)
        steps, batch, size = input.shape[time_dim], h0.shape[0], h0.shape[-1]
        xs = _project(x_rows, w_ih, b_ih, b_hh).reshape(steps, batch, 4 * size)
        dtype = np.result_type(xs, h0, c0, w_hh)
        hs = np.empty((steps + 1, batch, size), dtype)  # hs[k]: the state step k reads
        cs = np.empty((steps + 1, batch, size), dtype)
        acts = np.empty((steps, batch, 4 * size), dtype)  # [s(i), s(f), unused, s(o)]
        cell_gate = np.empty((steps, batch, size), dtype)  # tanh(g)
        tanh_c = np.empty((steps, batch, size), dtype)
        hs[0], cs[0] = h0, c0
        i, f, g, o = _split_gates(acts, size)  # views over every step
        input_part = np.empty((batch, size), dtype)
        with np.errstate(over="ignore"):  # for _sigmoid_, once for the whole loop
            for k in range(steps):  # a = act(x_k + h_k @ W.T), c' = f c + i g, h' = o tanh(c')
                a = acts[k]
                np.matmul(hs[k], w_hh_t, out=a)
                a += xs[k]
                np.tanh(g[k], out=cell_gate[k])
                _sigmoid_(a)  # g's columns too: one contiguous pass beats three strided ones
                np.multiply(f[k], cs[k], out=cs[k + 1])
                cs[k + 1] += np.multiply(i[k], cell_gate[k], out=input_part)
                np.tanh(cs[k + 1], out=tanh_c[k])
                np.multiply(o[k], tanh_c[k], out=hs[k + 1])
        out = np.empty((*input.shape[:-1], size), dtype)
        _time_major(out, time_dim)[...] = hs[:0:-1] if reverse else hs[1:]
        ctx.time_dim, ctx.reverse = time_dim, reverse
        ctx.save_for_backward(
            input, w_ih, b_ih, b_hh, h0, c0, w_hh, x_rows, hs, cs, acts, cell_gate, tanh_c
        )
        return out, hs[steps].copy(), cs[steps].copy()

    @staticmethod
    def backward(ctx: Any, grad_out: Any, grad_h: Any, grad_c: Any) -> Any:
        saved = ctx.saved_tensors
        inputs, (x_rows, hs, cs, acts, g, tanh_c) = saved[:7], saved[7:]
        if not dual.is_array(grad_out):
            return _lstm_backward_recorded(ctx, inputs, grad_out, grad_h, grad_c)
        input, w_ih, b_ih, _, _, _, w_hh = inputs  # noqa: A001
        steps, batch, size = tanh_c.shape
        factors, through_tanh = _lstm_factors(acts, g, cs[:steps], tanh_c)
        f = acts[..., size : 2 * size]
        d = np.empty_like(acts)  # d[k]: the gradient of step k's gates before activation
        d_gates = d.reshape(steps, batch, 4, size).transpose(2, 0, 1, 3)  # (4, T, B, H) view
        grads_k = _time_major(grad_out, ctx.time_dim)[:: -1 if ctx.reverse else 1]
        gh = grad_h + grads_k[-1]  # fresh arrays, updated in place below
        gc = grad_c + gh * through_tanh[-1]
        part = np.empty_like(gc)
        # g_h = grad_out_k + d_{k+1} @ W,  g_c = g_c f_{k+1} + g_h o(1 - tanh^2),
        # d_k = factors_k * [g_c, g_c, g_c, g_h]
        for k in range(steps - 1, -1, -1):
            if k < steps - 1:
                np.matmul(d[k + 1], w_hh, out=gh)
                gh += grads_k[k]
                gc *= f[k + 1]
                gc += np.multiply(gh, through_tanh[k], out=part)
            np.multiply(factors[:3, k], gc, out=d_gates[:3, k])
            np.multiply(factors[3, k], gh, out=d_gates[3, k])
        rows = d.reshape(-1, 4 * size)
        needs = ctx.needs_input_grad
        grad_input = None
        if needs[0]:
            grad_input = _from_step_rows(rows @ w_ih, input, ctx.time_dim, ctx.reverse)
        grad_w_ih = rows.T @ x_rows if needs[1] else None
        grad_b = rows.sum(0) if b_ih is not None else None
        grad_w = rows.T @ hs[:steps].reshape(-1, size)
        grad_b_hh = None if grad_b is None else grad_b.copy()
        gates = (grad_input, grad_w_ih, grad_b, grad_b_hh)
        return *gates, d[0] @ w_hh, gc * f[0], grad_w, None, None, None


def _step_rows(x: np.ndarray, time_dim: int, reverse: bool) -> np.ndarray:
    """``x`` as (steps * batch, features) rows, step 0's first (the order the loop runs)."""
    xs = _time_major(x, time_dim)
    return np.ascontiguousarray(xs[::-1] if reverse else xs).reshape(-1, x.shape[-1])


def _from_step_rows(rows: np.ndarray, like: Any, time_dim: int, reverse: bool) -> np.ndarray:
    """The inverse of ``_step_rows``: rows back to the layout of ``like``."""
    xs = rows.reshape(like.shape[time_dim], -1, rows.shape[-1])
    return np.ascontiguousarray(_time_major(xs[::-1] if reverse else xs, time_dim))


def _project(x_rows: np.ndarray, w_ih: np.ndarray, b_ih: Any, b_hh: Any) -> np.ndarray:
    """``x @ W_ih.T + (b_ih + b_hh)``: nn.Linear's arithmetic, so the same bits."""
    x_proj = np.matmul(x_rows, w_ih.T)
    if b_ih is not None:
        x_proj += b_ih + b_hh
    return x_proj


def _lstm_factors(acts: Any, g: Any, c: Any, tanh_c: Any) -> tuple[Any, Any]:
    """The parts of BPTT that do not depend on the recurrence, for every step at once.

    ``([g i(1-i), c f(1-f), i(1-g^2), tanh(c') o(1-o)], o(1-tanh(c')^2))``, gate by gate in
    contiguous arrays (strided slices of one (T, B, 4H) array are 1.5x slower).
    """
    i, f, _, o = _split_gates(acts, g.shape[-1])
    factors = np.empty((4, *g.shape), g.dtype)
    for gate, other, out in ((i, g, factors[0]), (f, c, factors[1]), (o, tanh_c, factors[3])):
        np.subtract(1, gate, out=out)
        out *= gate
        out *= other
    np.multiply(g, g, out=factors[2])
    np.subtract(1, factors[2], out=factors[2])
    factors[2] *= i
    through_tanh = tanh_c * tanh_c
    np.subtract(1, through_tanh, out=through_tanh)
    through_tanh *= o
    return factors, through_tanh


def _lstm_backward_recorded(
    ctx: Any, inputs: tuple[Any, ...], grad_out: Any, grad_h: Any, grad_c: Any
) -> Any:
    """Backward on Tensors (``create_graph=True``): the projection, then the steps, recorded."""
    input, w_ih, b_ih, b_hh, h0, c0, w_hh = inputs  # noqa: A001
    x_proj = linear(input, w_ih, None if b_ih is None else b_ih + b_hh)
    grads = _lstm_steps_recorded(ctx, x_proj, h0, c0, w_hh, grad_out, grad_h, grad_c)
    grad_x_proj, grad_h0, grad_c0, grad_w = grads
    rows = grad_x_proj.reshape(-1, grad_x_proj.shape[-1])
    grad_w_ih = dual.swap_last(rows) @ input.reshape(-1, input.shape[-1])
    grad_b = None if b_ih is None else rows.sum(0)
    grad_input = grad_x_proj @ w_ih
    return grad_input, grad_w_ih, grad_b, grad_b, grad_h0, grad_c0, grad_w, None, None, None


def _lstm_steps_recorded(
    ctx: Any, x_proj: Any, h0: Any, c0: Any, w_hh: Any, grad_out: Any, grad_h: Any, grad_c: Any
) -> Any:
    """The gradients of x_proj, h0, c0 and w_hh, the steps recomputed with recorded ops."""
    xs = _time_major(x_proj, ctx.time_dim)
    steps = xs.shape[0]
    order = list(range(steps - 1, -1, -1) if ctx.reverse else range(steps))
    hs, cs, acts, tanh_c = [h0], [c0], [], []
    for k, t in enumerate(order):
        a, tc = _lstm_activations(xs[t], hs[k], cs[k], w_hh)
        i, f, g, o = _split_gates(a, h0.shape[-1])
        cs.append(f * cs[k] + i * g)
        hs.append(o * tc)
        acts.append(a)
        tanh_c.append(tc)
    grads_t = _time_major(grad_out, ctx.time_dim)
    gh, gc = grad_h, grad_c
    d: list[Any] = [None] * steps
    grad_w = None
    for k in range(steps - 1, -1, -1):
        gh = gh + grads_t[order[k]]
        d[k], gh, gc = lstm_step_grads(acts[k], tanh_c[k], cs[k], w_hh, gh, gc)
        step_w = _weight_grad(d[k], hs[k])
        grad_w = step_w if grad_w is None else grad_w + step_w
    by_time = d[::-1] if ctx.reverse else d
    return ops.stack(by_time, ctx.time_dim), gh, gc, grad_w


class GruSequence(Op):
    """``(output, h_T)`` of one GRU layer direction over the whole sequence.

    Inputs: ``x_proj`` (``x @ W_ih.T + b_ih``, time along ``time_dim``), ``h0`` (batch,
    hidden), the recurrent weight ``w_hh``, its bias ``b_hh`` (or None) and ``w_hh``'s
    contiguous transpose.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x_proj: Any,
        h0: Any,
        w_hh: Any,
        b_hh: Any,
        w_hh_t: Any,
        time_dim: int,
        reverse: bool,
    ) -> Any:
        xs = _time_major(x_proj, time_dim)
        steps, batch, size = xs.shape[0], h0.shape[0], h0.shape[-1]
        dtype = np.result_type(x_proj, h0, w_hh)
        hs = np.empty((steps + 1, batch, size), dtype)  # hs[k]: the state step k reads
        rz = np.empty((steps, batch, 2 * size), dtype)
        n = np.empty((steps, batch, size), dtype)
        q_n = np.empty((steps, batch, size), dtype)
        hs[0] = h0
        out = np.empty((*x_proj.shape[:-1], size), dtype)
        out_t = _time_major(out, time_dim)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        with np.errstate(over="ignore"):  # for _sigmoid_, once for the whole loop
            for k, t in enumerate(order):
                q = hs[k] @ w_hh_t
                if b_hh is not None:
                    q += b_hh
                x = xs[t]
                np.add(x[:, : 2 * size], q[:, : 2 * size], out=rz[k])
                _sigmoid_(rz[k])
                q_n[k] = q[:, 2 * size :]
                np.multiply(rz[k, :, :size], q_n[k], out=n[k])
                n[k] += x[:, 2 * size :]
                np.tanh(n[k], out=n[k])
                h = hs[k + 1]
                np.subtract(hs[k], n[k], out=h)
                h *= rz[k, :, size:]
                h += n[k]
                out_t[t] = h
        ctx.time_dim, ctx.reverse = time_dim, reverse
        ctx.save_for_backward(x_proj, h0, w_hh, b_hh, hs, rz, n, q_n)
        return out, hs[steps].copy()

    @staticmethod
    def backward(ctx: Any, grad_out: Any, grad_h: Any) -> Any:
        x_proj, h0, w_hh, b_hh, hs, rz, n, q_n = ctx.saved_tensors
        if not dual.is_array(grad_out):
            return _gru_backward_recorded(ctx, x_proj, h0, w_hh, b_hh, grad_out, grad_h)
        steps, batch, size = n.shape
        r, z = rz[..., :size], rz[..., size:]
        a_n = (1 - z) * (1 - n * n)
        a_z = (hs[:steps] - n) * z * (1 - z)
        a_r = a_n * q_n * r * (1 - r)
        for_x = np.stack([a_r, a_z, a_n], 2)  # (steps, batch, 3, hidden)
        for_q = np.stack([a_r, a_z, a_n * r], 2)
        grads_t = _time_major(grad_out, ctx.time_dim)
        d_x = np.empty((steps, batch, 3, size), for_x.dtype)
        d_q = np.empty_like(d_x)
        order = range(steps - 1, -1, -1) if ctx.reverse else range(steps)
        g = grad_h + grads_t[order[-1]]  # a fresh array, updated in place below
        for k in range(steps - 1, -1, -1):
            if k < steps - 1:
                g += grads_t[order[k]]
            np.multiply(for_x[k], g[:, None, :], out=d_x[k])
            np.multiply(for_q[k], g[:, None, :], out=d_q[k])
            g = g * z[k] + d_q[k].reshape(batch, -1) @ w_hh
        d_x = d_x.reshape(steps, batch, 3 * size)
        grad_x = d_x[::-1] if ctx.reverse else d_x
        grad_x = np.ascontiguousarray(_time_major(grad_x, ctx.time_dim))
        flat_q = d_q.reshape(-1, 3 * size)
        grad_w = flat_q.T @ hs[:steps].reshape(-1, size)
        grad_b = flat_q.sum(0) if b_hh is not None else None
        return grad_x, g, grad_w, grad_b, None, None, None


def _gru_backward_recorded(
    ctx: Any, x_proj: Any, h0: Any, w_hh: Any, b_hh: Any, grad_out: Any, grad_h: Any
) -> Any:
    """Backward on Tensors (``create_graph=True``): the steps recomputed with recorded ops."""
    xs = _time_major(x_proj, ctx.time_dim)
    steps = xs.shape[0]
    order = list(range(steps - 1, -1, -1) if ctx.reverse else range(steps))
    hs, gates = [h0], []
    for k, t in enumerate(order):
        r, z, n, q_n = _gru_activations(xs[t], hs[k], w_hh, b_hh)
        hs.append(n + z * (hs[k] - n))
        gates.append((r, z, n, q_n))
    grads_t = _time_major(grad_out, ctx.time_dim)
    g = grad_h
    d_x: list[Any] = [None] * steps
    grad_w = grad_b = None
    for k in range(steps - 1, -1, -1):
        g = g + grads_t[order[k]]
        d_x[k], g, d_q = gru_step_grads(*gates[k], hs[k], w_hh, g)
        step_w = _weight_grad(d_q, hs[k])
        grad_w = step_w if grad_w is None else grad_w + step_w
        step_b = d_q.sum(0)
        grad_b = step_b if grad_b is None else grad_b + step_b
    by_time = d_x[::-1] if ctx.reverse else d_x
    grad_x = ops.stack(by_time, ctx.time_dim)
    return grad_x, g, grad_w, grad_b if b_hh is not None else None, None, None, None
