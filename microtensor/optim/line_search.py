"""The strong-Wolfe line search of ``LBFGS(line_search_fn="strong_wolfe")`` (PyTorch's).

It works on flat NumPy vectors: ``obj_func(x, t, d)`` evaluates the loss and flat gradient at
``x + t * d`` (and puts the parameters back to ``x``). The steps follow PyTorch's
``torch/optim/lbfgs.py`` (itself after minFunc), so the same problem gives the same step
lengths: bracket a step satisfying the Armijo condition, then zoom in on it by safeguarded
cubic interpolation until the curvature condition holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

ObjFunc = Callable[[Any, Any, np.ndarray], tuple[float, np.ndarray]]


def cubic_interpolate(
    x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any, bounds: tuple[Any, Any] | None = None
) -> Any:
    """The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to bounds.

    With d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2) and d2 = sqrt(d1^2 - g1 g2), the minimizer is
    x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2) (for x1 <= x2); without a real d2 the
    cubic has no minimum and the middle of the bounds is returned.
    """
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(
    obj_func: ObjFunc,
    x: Any,
    t: Any,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Any,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, Any, int]:
    """Find a step length t along d meeting the strong Wolfe conditions.

    Armijo: f(x + t d) <= f + c1 t gtd; curvature: |g(x + t d) . d| <= -c2 gtd.

    Returns:
        ``(loss, flat_grad, t, evaluations)`` at the step found.
    """
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    # bracketing phase: grow t until an interval surely holds a good step
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.copy(), gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new, gtd_new]], True
            break
        if gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.copy(), gtd_new]]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        t, t_prev = (
            cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (min_step, max_step)),
            t,
        )
        f_prev, g_prev, gtd_prev = f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0, f, g, None], [t, f_new, g_new, None]]
    if not done and ls_iter < max_ls:
        evals += _zoom(obj_func, x, d, f, gtd, bracket, c1, c2, tolerance_change, max_ls, ls_iter)
    low = bracket[0] if len(bracket) == 1 or bracket[0][1] <= bracket[-1][1] else bracket[1]
    return low[1], low[2], low[0], evals


def _zoom(
    obj_func: ObjFunc,
    x: Any,
    d: np.ndarray,
    f: float,
    gtd: Any,
    bracket: list[list[Any]],
    c1: float,
    c2: float,
    tolerance_change: float,
    max_ls: int,
    ls_iter: int,
) -> int:
    """Shrink ``bracket`` (two [t, f, g, gtd] ends) in place; return the evaluations made.

    Ends the loop with the lower end first (``bracket[0]``), as the caller expects.
    """
    d_norm = np.abs(d).max()
    evals = 0
    insuf_progress = False
    low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
    while ls_iter < max_ls:
        if abs(bracket[1][0] - bracket[0][0]) * d_norm < tolerance_change:
            break
        (t0, f0, _, gtd0), (t1, f1, _, gtd1) = bracket
        t = cubic_interpolate(t0, f0, gtd0, t1, f1, gtd1)
        ends = (bracket[0][0], bracket[1][0])
        eps = 0.1 * (max(ends) - min(ends))
        if min(max(ends) - t, t - min(ends)) < eps:
            # too close to an end: move away from it, unless the last step already did
            if insuf_progress or t >= max(ends) or t <= min(ends):
                t = max(ends) - eps if abs(t - max(ends)) < abs(t - min(ends)) else min(ends) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new.copy(), gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                bracket[low] = [t, f_new, g_new.copy(), gtd_new]
                break
            if gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = list(bracket[low])
            bracket[low] = [t, f_new, g_new.copy(), gtd_new]
    if low == 1:
        bracket.reverse()
    return evals
