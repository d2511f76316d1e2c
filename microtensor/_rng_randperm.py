"""torch's CPU ``randperm``, vectorised.

torch fills ``r = [0, 1, ..., n-1]`` and swaps, for ``i = 0 .. n-2``, ``r[i]`` with ``r[i + z_i]``
where ``z_i = random() % (n - i)`` (one 32-bit draw each). The draws vectorise at once; the swaps
form a chain that looks sequential, but it resolves with sorting and pointer jumping:

Position ``i`` is never touched after step ``i``, so ``out[i]`` is the value sitting at
``t_i = i + z_i`` just before step ``i``. That position was last written by the latest earlier
step ``j`` with ``t_j = t_i`` (if any), which put there ``w[j]``, the value position ``j`` held
just before step ``j``; with no such step the value is ``t_i`` itself. In the same way
``w[j] = w[p]`` for ``p`` the latest step before ``j`` with ``t_p = j``, and ``w[j] = j`` when
there is none. Following those links to their roots (pointer doubling: ~log2(n) gathers) gives
every ``w``, so the whole permutation costs a sort and a few dozen vector passes, no loop per
element.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from microtensor.random import Generator

# torch switches to another algorithm (64-bit draws, the inside-out shuffle) at this size
LARGE_N = (2**32 - 1) // 20


def _stable_argsort(keys: np.ndarray) -> np.ndarray:
    """``argsort(keys, kind="stable")`` for keys below 2**32: 16-bit radix passes, ~3x faster."""
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if keys.size and int(keys.max()) >= 2**16:
        order = order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]
    return order


def randperm_values(generator: Generator, n: int) -> np.ndarray:
    """Torch's ``randperm(n)`` on the CPU, as int64."""
    if n >= LARGE_N:
        raise RuntimeError(
            f"randperm(): n={n} is at least {LARGE_N}, where torch switches to its 64-bit "
            f"algorithm, which microtensor does not have: draw smaller permutations"
        )
    if n <= 1:
        return np.arange(n, dtype=np.int64)
    steps = np.arange(n, dtype=np.int64)
    spans = np.arange(n, 1, -1, dtype=np.uint32)  # n - i for the steps that draw
    targets = steps.copy()  # the last "step" n-1 swaps with itself
    targets[:-1] += generator._random32(n - 1) % spans
    # group the steps by target, in step order: the previous step with the same target
    order = _stable_argsort(targets)
    sorted_targets = targets[order]
    same_as_previous = np.empty(n, dtype=bool)
    same_as_previous[0] = False
    same_as_previous[1:] = sorted_targets[1:] == sorted_targets[:-1]
    previous_same = np.empty(n, dtype=np.int64)
    previous_same[order] = np.where(same_as_previous, np.roll(order, 1), -1)
    # the last step writing each position
    last_writer = np.full(n, -1, dtype=np.int64)
    is_last = np.ones(n, dtype=bool)
    is_last[:-1] = ~same_as_previous[1:]
    last_writer[sorted_targets[is_last]] = order[is_last]
    # w[j] = w[link[j]]: the latest step before j that wrote position j
    link = np.where(targets == steps, previous_same, last_writer)
    root = np.where(link >= 0, link, steps)
    while True:
        jumped = root[root]
        if np.array_equal(jumped, root):
            break
        root = jumped
    return np.where(previous_same >= 0, root[np.maximum(previous_same, 0)], targets)
