"""L-BFGS: a quasi-Newton method that calls the closure several times per step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim._complex_params import real_views
from microtensor.optim.line_search import strong_wolfe
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_lr,
    check_value,
)
from microtensor.tensor import Tensor

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS`` (the same iterations, so the same trajectory).

    One ``step(closure)`` runs up to ``max_iter`` iterations on the flattened parameters x,
    with g the flat gradient the closure leaves in ``.grad``::

        1. d = -H g, H the inverse-Hessian estimate made by the two-loop recursion from the
           last history_size pairs (s, y) = (x_{k+1} - x_k, g_{k+1} - g_k) (a pair is kept
           only when y.s > 1e-10), scaled by H_diag = y.s / y.y of the newest pair
           (d = -g at the very first iteration)
        2. t = lr, or min(1, 1 / sum|g|) * lr at the very first iteration
        3. without a line search: x = x + t d, then re-evaluate the closure;
           with "strong_wolfe": t from the strong-Wolfe line search, then x = x + t d
        4. stop when max|g| <= tolerance_grad, max|t d| <= tolerance_change,
           |loss - previous loss| < tolerance_change, d.g > -tolerance_change, or
           max_iter iterations / max_eval closure calls are reached

    The history, d, t and counters live in ``state`` under the first parameter (PyTorch's keys:
    ``"d"``, ``"t"``, ``"old_dirs"``, ``"old_stps"``, ``"ro"``, ``"H_diag"``,
    ``"prev_flat_grad"``, ``"prev_loss"``, ``"n_iter"``, ``"func_evals"``, ``"al"``), so the
    next ``step`` continues where this one stopped.

    Args:
        params: tensors to optimize (one group only).
        lr: learning rate (the step length tried first).
        max_iter: maximal number of iterations per ``step``.
        max_eval: maximal number of closure calls per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this.
        tolerance_change: stop when the step or the change of the loss is below this.
        history_size: number of (s, y) pairs kept.
        line_search_fn: None (fixed step length) or ``"strong_wolfe"``.

    Raises:
        ValueError: for a negative lr, or more than one parameter group.
        RuntimeError: from ``step``, for a line_search_fn other than ``"strong_wolfe"``.

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
        >>> opt = mt.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - 3.0) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> loss = opt.step(closure)
        >>> [round(v, 6) for v in w.tolist()]
        [3.0, 3.0]
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_lr("LBFGS", lr)
        check_value("LBFGS", "learning rate", lr, 0.0 <= lr, "lr >= 0")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): pass one "
                "list of tensors"
            )
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # --- the parameters as one flat vector ---------------------------------------------------
    # (a complex parameter takes part as its real view, re, im, re, im ..., as in PyTorch)

    def _gather_flat_grad(self) -> np.ndarray:
        views = []
        for p in self._params:
            grad = np.zeros(p._data.size, p._data.dtype) if p.grad is None else p.grad._data
            if grad.dtype.kind == "c":
                (grad,) = real_views(grad)
            views.append(grad.ravel())
        return np.concatenate(views)

    def _add_grad(self, step_size: Any, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            param = p._data
            if param.dtype.kind == "c":
                (param,) = real_views(param)
            numel = param.size
            param += step_size * update[offset : offset + numel].reshape(param.shape)
            p._version_counter[0] += 1
            offset += numel

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        for p, data in zip(self._params, params_data, strict=True):
            np.copyto(p._data, data)
            p._version_counter[0] += 1

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: list[np.ndarray], t: Any, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        self._add_grad(t, d)
        loss = float(self._evaluate(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # --- the step ------------------------------------------------------------------------------

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; return the loss of the first closure call.

        Args:
            closure: clears the gradients, computes the loss, calls ``backward`` and returns
                the loss; called several times per step.
        """
        group = self.param_groups[0]
        line_search_fn = group["line_search_fn"]
        if line_search_fn is not None and line_search_fn != "strong_wolfe":
            raise RuntimeError(
                f"LBFGS: only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}"
            )
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss  # already optimal
        memory = _Memory(state)
        self._iterate(closure, group, state, memory, loss, flat_grad)
        memory.save(state)
        return orig_loss

    def _iterate(
        self,
        closure: Callable[[], Any],
        group: dict[str, Any],
        state: dict[str, Any],
        memory: _Memory,
        loss: float,
        flat_grad: np.ndarray,
    ) -> None:
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        lr = lr if isinstance(lr, int | float) else float(lr)  # an int lr stays int, as in torch
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        current_evals, n_iter = 1, 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            memory.new_direction(flat_grad, state, group["history_size"])
            memory.prev_flat_grad = flat_grad.copy()
            memory.prev_loss = loss
            if state["n_iter"] == 1:
                memory.t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                memory.t = lr
            d = memory.d
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction
                break
            evals = 0
            if group["line_search_fn"] is not None:
                x_init = [p._data.copy() for p in self._params]

                def obj_func(x: Any, t: Any, d: np.ndarray) -> tuple[float, np.ndarray]:
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, memory.t, evals = strong_wolfe(
                    obj_func, x_init, memory.t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals,
                )  # fmt: skip
                self._add_grad(memory.t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(memory.t, d)
                opt_cond = False
                if n_iter != max_iter:  # re-evaluate, except after the last iteration
                    loss = float(self._evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * memory.t).max() <= tolerance_change:
                break
            if abs(loss - memory.prev_loss) < tolerance_change:
                break


class _Memory:
    """The L-BFGS history between steps: flat arrays here, Tensors in ``state``."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.d = _array(state.get("d"))
        self.t = _scalar(state.get("t"))
        self.old_dirs = [_array(v) for v in state.get("old_dirs") or []]
        self.old_stps = [_array(v) for v in state.get("old_stps") or []]
        self.ro = [_scalar(v) for v in state.get("ro") or []]
        self.h_diag = _scalar(state.get("H_diag"))
        self.prev_flat_grad = _array(state.get("prev_flat_grad"))
        self.prev_loss = state.get("prev_loss")

    def new_direction(self, flat_grad: np.ndarray, state: dict[str, Any], history: int) -> None:
        """Set ``d``: -g at the first iteration, else -H g by the two-loop recursion."""
        if state["n_iter"] == 1:
            self.d = -flat_grad
            self.old_dirs, self.old_stps, self.ro, self.h_diag = [], [], [], 1
            return
        y = flat_grad - self.prev_flat_grad
        s = self.d * self.t
        ys = y.dot(s)
        if ys > 1e-10:  # keep the pair only where the curvature is positive
            if len(self.old_dirs) == history:
                self.old_dirs.pop(0), self.old_stps.pop(0), self.ro.pop(0)
            self.old_dirs.append(y)
            self.old_stps.append(s)
            self.ro.append(1.0 / ys)
            self.h_diag = ys / y.dot(y)
        al = [_scalar(v) for v in state.get("al") or [None] * history]
        q = -flat_grad
        for i in range(len(self.old_dirs) - 1, -1, -1):
            al[i] = self.old_stps[i].dot(q) * self.ro[i]
            q += -al[i] * self.old_dirs[i]
        r = q * self.h_diag
        for i in range(len(self.old_dirs)):
            be_i = self.old_dirs[i].dot(r) * self.ro[i]
            r += (al[i] - be_i) * self.old_stps[i]
        self.d = r
        state["al"] = [None if v is None else _tensor(v) for v in al]

    def save(self, state: dict[str, Any]) -> None:
        """Store the history in ``state`` as Tensors (PyTorch's layout, for state_dict)."""
        state["d"] = _tensor(self.d)
        state["t"] = _tensor(self.t) if isinstance(self.t, np.generic) else self.t
        state["old_dirs"] = [_tensor(v) for v in self.old_dirs]
        state["old_stps"] = [_tensor(v) for v in self.old_stps]
        state["ro"] = [_tensor(v) for v in self.ro]
        state["H_diag"] = _tensor(self.h_diag) if isinstance(self.h_diag, np.generic) else 1
        state["prev_flat_grad"] = _tensor(self.prev_flat_grad)
        state["prev_loss"] = self.prev_loss


def _array(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


def _scalar(value: Any) -> Any:
    return value._data[()] if isinstance(value, Tensor) else value


def _tensor(value: Any) -> Any:
    return None if value is None else Tensor._make(np.asarray(value))
