"""Reflection and replication padding, one op each: ``ReflectionPad{1,2,3}D``, ``ReplicationPad*``.

Padding a dim in these modes picks input positions along it: reflect mirrors without
repeating the edge (``2 1 | 0 1 2 3 | 2 1``), replicate repeats it (``0 0 | 0 1 2 3 | 3 3``).
One op applies the index of every padded dim, so the output has torch's single node instead
of a ``cat`` of flipped slices per dim.

The backward is the adjoint, dim after dim in reverse: the gradient of the interior plus the
border gradients summed into the positions they were picked from. It does not depend on x, so
under ``create_graph=True`` it is written with ``index_add`` on the upstream gradient, whose
own derivative is the forward padding again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.tensor import Tensor

# One padded dim: (dim, before, after, index of the input position of each output position)
Step = tuple[int, int, int, np.ndarray]


def reflect_index(n: int, before: int, after: int) -> np.ndarray:
    """Positions ``before .. 1, 0 .. n-1, n-2 .. n-1-after`` (needs ``width < n``).

    A negative width crops: the map is ``t -> |t|`` mirrored at ``n - 1`` of the positions
    ``t = -before .. n - 1 + after``, which is padding then cropping, as torch.
    """
    t = np.abs(np.arange(n + before + after) - before)
    return np.where(t > n - 1, 2 * (n - 1) - t, t)


def replicate_index(n: int, before: int, after: int) -> np.ndarray:
    """Positions ``0 * before, 0 .. n-1, (n-1) * after`` (needs ``n > 0``; negative crops)."""
    return np.clip(np.arange(n + before + after) - before, 0, n - 1)


def _adjoint(g: np.ndarray, dim: int, before: int, after: int, index: np.ndarray) -> np.ndarray:
    """The sum of ``g`` into the picked positions: the interior, plus each border's entries."""
    n = g.shape[dim] - before - after
    moved_g = np.moveaxis(g, dim, 0)
    if before < 0 or after < 0:  # a crop: no interior block, every entry added where it goes
        grad = np.zeros((n, *moved_g.shape[1:]), dtype=g.dtype)
        np.add.at(grad, index, moved_g)
        return np.moveaxis(grad, 0, dim)
    grad = np.array(moved_g[before : before + n])
    np.add.at(grad, index[:before], moved_g[:before])
    np.add.at(grad, index[before + n :], moved_g[before + n :])
    return np.moveaxis(grad, 0, dim)


class IndexPad(Op):
    """y = x picked along each padded dim at its index;  dy/dx: g summed back into the picks."""

    complex_grad = True  # a selection of entries: the adjoint is the same for complex values

    @staticmethod
    def forward(ctx: Any, x: Any, steps: tuple[Step, ...]) -> Any:
        ctx.steps = steps
        for dim, _, _, index in steps:
            x = np.take(x, index, axis=dim)
        return x

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        g = grad_out
        for dim, before, after, index in reversed(ctx.steps):
            if dual.is_array(g):
                g = _adjoint(g, dim, before, after, index)
                continue
            shape = list(g.shape)
            shape[dim] -= before + after
            zeros = Tensor._make(np.zeros(shape, dtype=g._data.dtype))
            g = ops.index_add(zeros, dim, Tensor._make(index), g)
        return g, None


class ReflectionPad1D(IndexPad, node_name="ReflectionPad1DBackward0"):
    """``pad(mode="reflect")`` of the last dim."""


class ReflectionPad2D(IndexPad, node_name="ReflectionPad2DBackward0"):
    """``pad(mode="reflect")`` of the last 2 dims."""


class ReflectionPad3D(IndexPad, node_name="ReflectionPad3DBackward0"):
    """``pad(mode="reflect")`` of the last 3 dims."""


class ReplicationPad1D(IndexPad, node_name="ReplicationPad1DBackward0"):
    """``pad(mode="replicate")`` of the last dim."""


class ReplicationPad2D(IndexPad, node_name="ReplicationPad2DBackward0"):
    """``pad(mode="replicate")`` of the last 2 dims."""


class ReplicationPad3D(IndexPad, node_name="ReplicationPad3DBackward0"):
    """``pad(mode="replicate")`` of the last 3 dims."""


# mode -> (index builder, the op per number of padded dims)
PADS: dict[str, tuple[Any, dict[int, type[IndexPad]]]] = {
    "reflect": (reflect_index, {1: ReflectionPad1D, 2: ReflectionPad2D, 3: ReflectionPad3D}),
    "replicate": (
        replicate_index,
        {1: ReplicationPad1D, 2: ReplicationPad2D, 3: ReplicationPad3D},
    ),
}
