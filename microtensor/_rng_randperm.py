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

From ``n = (2**32 - 1) // 20`` on, torch runs the "inside-out" shuffle on 64-bit draws: for
``i = 0 .. n-1``, ``z_i = random64() % (i + 1)``, ``r[i] = r[z_i]``, ``r[z_i] = i``. It resolves
the same way (``_inside_out``): position ``p`` ends holding the latest step ``j`` with
``z_j = p``; with none, the value step ``p`` copied from ``z_p``, which is the latest earlier
step ``j`` with ``z_j = z_p``, or (with none) what step ``z_p`` copied in turn, down to a step
``q`` with ``z_q = q``, which copied ``q`` itself. Indices are int32 below 2**31, so the
permutation takes about 10 bytes per element besides the result.
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


def _index_dtype(n: int) -> type[np.signedinteger]:
    """The index dtype: intp (the fastest to gather with), int32 for torch's large sizes."""
    return np.intp if n < LARGE_N or n >= 2**31 else np.int32


def _previous_same(targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The latest earlier step with each step's target, and the latest step at each position.

    Both are -1 where there is none.
    """
    n = targets.size
    index = _index_dtype(n)
    order = _stable_argsort(targets).astype(index, copy=False)
    sorted_targets = targets[order]
    same_as_previous = np.empty(n, dtype=bool)
    same_as_previous[0] = False
    np.equal(sorted_targets[1:], sorted_targets[:-1], out=same_as_previous[1:])
    previous_same = np.empty(n, dtype=index)
    previous_same[order] = np.where(same_as_previous, np.roll(order, 1), index(-1))
    last_writer = np.full(n, -1, dtype=index)
    is_last = np.ones(n, dtype=bool)
    is_last[:-1] = ~same_as_previous[1:]
    last_writer[sorted_targets[is_last]] = order[is_last]
    return previous_same, last_writer


def _follow_to_roots(value: np.ndarray, pointer: np.ndarray) -> np.ndarray:
    """``value[p] = value[pointer[p]]`` wherever ``value[p] < 0``, by pointer doubling."""
    pointer = np.where(value < 0, pointer, np.arange(value.size, dtype=pointer.dtype))
    while True:
        pending = value < 0
        if not pending.any():
            return value
        value = np.where(pending, value[pointer], value)
        pointer = pointer[pointer]


def _swap_chain(targets: np.ndarray) -> np.ndarray:
    """The permutation of torch's forward swaps ``r[i] <-> r[targets[i]]`` (targets >= i)."""
    n = targets.size
    steps = np.arange(n, dtype=np.intp)
    # the steps sorted by target, ties by step: one SIMD sort of target * 2**shift + step
    shift = (n - 1).bit_length()
    keys = targets << shift
    keys |= steps
    keys.sort()
    order = keys & ((1 << shift) - 1)
    keys >>= shift  # the sorted targets
    same = keys[1:] == keys[:-1]  # a step and the one before it in the order share a target
    # link[j]: the latest step before j that wrote position j (j itself where none did): the
    # last step of the group with target j, or the one before it where that is j itself
    last = np.append(np.flatnonzero(~same), n - 1)
    written, writer = keys[last], order[last]
    itself = np.flatnonzero(writer == written)
    before = last[itself] - 1
    has_before = before >= 0
    has_before[has_before] = same[before[has_before]]
    writer[itself] = np.where(has_before, order[before], written[itself])
    link = steps.copy()
    link[written] = writer
    # w[j] = w[link[j]], down to the roots (w[j] = j): pointer doubling; two rounds on all the
    # steps leave ~3% with a link still moving (chains are short), the rounds after see those
    link = link[link]
    link = link[link]
    hop = link[link]
    pending = np.flatnonzero(hop != link)
    while pending.size:
        hop = link[pending]
        jumped = link[hop]
        link[pending] = jumped
        pending = pending[jumped != hop]
    # out[i] = w of the step before i in its group, or its target where it is the first; the
    # select as arithmetic (a masked select on a random mask costs 3x more in NumPy)
    change = np.take(link, order[:-1])
    change -= keys[1:]
    change *= same
    keys[1:] += change
    out = np.empty(n, dtype=np.intp)
    out[order] = keys
    return out


def _inside_out(targets: np.ndarray) -> np.ndarray:
    """The permutation of torch's inside-out shuffle ``r[i] = r[z_i]; r[z_i] = i`` (z_i <= i)."""
    n = targets.size
    index = _index_dtype(n)
    targets = targets.astype(index)
    previous_same, last_writer = _previous_same(targets)
    steps = np.arange(n, dtype=index)
    copied = np.where(previous_same >= 0, previous_same, np.where(targets == steps, steps, -1))
    del previous_same
    copied = _follow_to_roots(copied.astype(index, copy=False), targets)
    return np.where(last_writer >= 0, last_writer, copied).astype(np.int64)


def randperm_values(generator: Generator, n: int) -> np.ndarray:
    """Torch's ``randperm(n)`` on the CPU, as int64."""
    if n <= 1:
        return np.arange(n, dtype=np.int64)
    if n >= LARGE_N:
        spans = np.arange(1, n + 1, dtype=np.uint64)
        return _inside_out(generator._random64(n) % spans)
    spans = np.arange(n, 1, -1, dtype=np.uint32)  # n - i for the steps that draw
    targets = np.arange(n, dtype=np.int64)  # the last "step" n-1 swaps with itself
    targets[:-1] += generator._random32(n - 1) % spans
    return _swap_chain(targets)
