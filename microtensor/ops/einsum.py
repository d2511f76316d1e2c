"""einsum: sums of products over the subscripts of an Einstein-summation equation.

Operands are contracted left to right, as torch does without opt_einsum; the backward of each
operand is another einsum of the output gradient with the other operands.
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import _product_dtypes, dual
from microtensor.tensor import Tensor

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch orders A-Z before a-z
_ELLIPSIS = len(_LETTERS)  # label of the first dim covered by "..."


class Einsum(Op):
    """z = einsum(spec, x_0, ..., x_n);  dz/dx_k = einsum of grad with the other operands.

    ``spec`` is ``(labels of each operand, labels of the output)`` with integer labels. The
    gradient of operand k sums grad * (the other operands) over every label not in operand k;
    labels only operand k has (summed in forward) get the gradient broadcast along them, and a
    label repeated in operand k (a diagonal) puts the gradient on that diagonal, zero elsewhere.
    Complex operands enter the gradients conjugated.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, spec: Any, *operands: Any) -> Any:
        ctx.spec = spec
        ctx.sizes = _label_sizes(spec[0], [x.shape for x in operands])
        ctx.save_for_backward(*operands)
        return np.asarray(_np_einsum(operands, spec[0], spec[1], ctx.sizes))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        operands = ctx.saved_tensors
        labels, out = ctx.spec
        grads: list[Any] = [None]
        for k, labels_k in enumerate(labels):
            rest = [i for i in range(len(labels)) if i != k]
            values = [grad_out] + [dual.conj(operands[i]) for i in rest]
            others = [out] + [labels[i] for i in rest]
            needed = ctx.needs_input_grad[k + 1]
            grads.append(_operand_grad(labels_k, values, others, ctx.sizes) if needed else None)
        return tuple(grads)


def _operand_grad(
    labels_k: tuple[int, ...],
    values: list[Any],
    labels: list[tuple[int, ...]],
    sizes: dict[int, int],
) -> Any:
    """Gradient for an operand with ``labels_k``, from grad and the other operands."""
    present = set().union(*labels)
    firsts = tuple(dict.fromkeys(labels_k))
    grad = _einsum(values, labels, tuple(lb for lb in firsts if lb in present))
    dims = iter(grad.shape)
    seen: set[int] = set()
    shape = []
    for lb in labels_k:
        shape.append(next(dims) if lb in present and lb not in seen else 1)
        seen.add(lb)
    if tuple(shape) != tuple(grad.shape):
        grad = grad.reshape(tuple(shape))
    for pos, lb in enumerate(labels_k):
        first = labels_k.index(lb)
        if first != pos:  # a repeated label: keep only the diagonal
            mask_shape = [1] * len(labels_k)
            mask_shape[first] = mask_shape[pos] = sizes[lb]
            dtype = grad.dtype if dual.is_array(grad) else grad._data.dtype
            eye = np.eye(sizes[lb], dtype=dtype).reshape(mask_shape)
            grad = grad * eye
    full = tuple(sizes[lb] for lb in labels_k)
    return grad if tuple(grad.shape) == full else dual.expand(grad, full)


def _einsum(values: list[Any], labels: list[tuple[int, ...]], out: tuple[int, ...]) -> Any:
    """Run einsum on arrays (NumPy) or on Tensors (recorded), for backward formulas."""
    if len(values) == 1 and labels[0] == out:
        return values[0]
    if all(dual.is_array(v) for v in values):
        shapes = [v.shape for v in values]
        return np.asarray(_np_einsum(values, labels, out, _label_sizes(labels, shapes)))
    tensors = [v if isinstance(v, Tensor) else Tensor._make(np.asarray(v)) for v in values]
    return Einsum.apply((tuple(labels), out), *tensors)


def _np_einsum(arrays: Any, labels: Any, out: tuple[int, ...], sizes: dict[int, int]) -> Any:
    args = [v for x, lb in zip(arrays, labels, strict=True) for v in (x, list(lb))]
    # NumPy's own loop wins on small operands; "greedy" (BLAS via tensordot) on large ones
    optimize = "greedy" if len(arrays) > 1 and math.prod(sizes.values()) > 4096 else False
    return np.einsum(*args, list(out), optimize=optimize)


def _label_sizes(labels: Any, shapes: Any) -> dict[int, int]:
    """The size of every label, broadcasting size-1 dims."""
    sizes: dict[int, int] = {}
    for lbs, shape in zip(labels, shapes, strict=True):
        for lb, n in zip(lbs, shape, strict=True):
            if sizes.get(lb, 1) == 1:
                sizes[lb] = n
    return sizes


def _split_term(term: str, what: str) -> tuple[str, str, bool]:
    """Letters before and after the ellipsis of one subscript term, and whether it has one."""
    before, dots, after = term.partition("...")
    if "." in before + after:
        raise RuntimeError(f"einsum(): found '.' for {what} that is not part of any ellipsis")
    for c in before + after:
        if c not in _LETTERS:
            raise RuntimeError(
                f"einsum(): invalid subscript {c!r} for {what}: subscripts must be in [a-zA-Z]"
            )
    return before, after, bool(dots)


@functools.lru_cache(maxsize=1024)  # parsing costs more than a small einsum itself
def _parse(equation: str, shapes: tuple[tuple[int, ...], ...]) -> Any:
    """Integer labels of each operand and of the output, validated against ``shapes``."""
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        few = "fewer" if len(shapes) < len(terms) else "more"
        raise RuntimeError(
            f"einsum(): {few} operands were provided than specified in the equation "
            f"{equation!r} ({len(shapes)} operands for {len(terms)} subscript terms)"
        )
    parts = [_split_term(t, f"operand {i}") for i, t in enumerate(terms)]
    n_ellipsis = []
    for i, ((before, after, has_dots), shape) in enumerate(zip(parts, shapes, strict=True)):
        named = len(before) + len(after)
        if named > len(shape) or (named != len(shape) and not has_dots):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match "
                f"the number of dimensions ({len(shape)}) for operand {i}"
                + ("" if has_dots else " and no ellipsis was given")
            )
        n_ellipsis.append(len(shape) - named)
    n_dots = max(n_ellipsis, default=0)
    labels = [
        tuple(_LETTERS.index(c) for c in before)
        + tuple(range(_ELLIPSIS + n_dots - n, _ELLIPSIS + n_dots))
        + tuple(_LETTERS.index(c) for c in after)
        for (before, after, _), n in zip(parts, n_ellipsis, strict=True)
    ]
    _check_sizes(labels, shapes)
    dots = tuple(range(_ELLIPSIS, _ELLIPSIS + n_dots))
    if arrow:
        before, after, has_dots = _split_term(rhs, "the output")
        out = (
            tuple(_LETTERS.index(c) for c in before)
            + (dots if has_dots else ())
            + tuple(_LETTERS.index(c) for c in after)
        )
        used = {lb for lbs in labels for lb in lbs}
        for lb in out:
            if lb not in used or out.count(lb) > 1:
                problem = (
                    "appears more than once in the output"
                    if lb in used
                    else "does not appear in the equation for any input operand"
                )
                raise RuntimeError(f"einsum(): output subscript {_LETTERS[lb]} {problem}")
    else:
        counts = [lb for lbs in labels for lb in lbs]
        out = dots + tuple(
            sorted(lb for lb in set(counts) if lb < _ELLIPSIS and counts.count(lb) == 1)
        )
    return _compact(labels, out)


def _check_sizes(labels: list[tuple[int, ...]], shapes: Sequence[tuple[int, ...]]) -> None:
    """Raise unless every label has one size (up to broadcasting size-1 dims across operands)."""
    seen: dict[int, int] = {}
    for i, (lbs, shape) in enumerate(zip(labels, shapes, strict=True)):
        own: dict[int, int] = {}
        for lb, n in zip(lbs, shape, strict=True):
            name = _LETTERS[lb] if lb < _ELLIPSIS else f"... (dim {lb - _ELLIPSIS})"
            if own.setdefault(lb, n) != n:
                raise RuntimeError(
                    f"einsum(): subscript {name} is repeated for operand {i} "
                    f"but the sizes don't match, {own[lb]} != {n}"
                )
            before = seen.get(lb, 1)
            if n != 1 and before not in (1, n):
                raise RuntimeError(
                    f"einsum(): subscript {name} has size {n} for operand {i} which does not "
                    f"broadcast with previously seen size {before} (sizes must match or be 1)"
                )
            seen[lb] = n if before == 1 else before


def _compact(labels: list[tuple[int, ...]], out: tuple[int, ...]) -> Any:
    """Renumber labels 0, 1, ... (NumPy's einsum takes at most 52 distinct labels)."""
    order = {lb: i for i, lb in enumerate(sorted({lb for lbs in labels for lb in lbs}))}
    if len(order) > len(_LETTERS):
        raise RuntimeError(
            f"einsum(): at most {len(_LETTERS)} distinct subscripts (ellipsis "
            f"dims included) are supported, got {len(order)}"
        )
    return tuple(tuple(order[lb] for lb in lbs) for lbs in labels), tuple(order[lb] for lb in out)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the subscripts of an Einstein-summation ``equation``.

    Supports explicit (``"ij,jk->ik"``) and implicit (``"ij,jk"``: labels seen once, sorted)
    outputs, ``...`` for broadcast dims, a label repeated in one operand (``"ii->i"`` takes the
    diagonal, ``"ii"`` the trace), and size-1 dims broadcasting against the same label.

    Args:
        equation: subscripts in ``[a-zA-Z]``, one comma-separated term per operand, optionally
            ``->`` and the output's subscripts.
        *operands: the tensors, or a single list or tuple of them.

    Raises:
        RuntimeError: if the equation does not match the operands (count, ranks, sizes) or is
            malformed, or a contraction multiplies operands of two dtypes (torch contracts
            left to right with bmm, which does not promote; a step that sums nothing is a
            multiply and promotes, as torch).
        TypeError: if ``equation`` is not a string.

    Differs from PyTorch: the sublist form ``einsum(x, [0, 1], y, [1, 2])`` is not supported.

    Example:
        >>> import microtensor as mt
        >>> a = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mt.einsum("ij,j->i", a, mt.tensor([1.0, 1.0])), mt.einsum("ii", a)
        (tensor([3., 7.]), tensor(5.))
    """
    if not isinstance(equation, str):
        raise TypeError(
            f"einsum(): equation must be a string such as 'ij,jk->ik', got "
            f"{type(equation).__name__} (the sublist form is not supported)"
        )
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    tensors = [x if isinstance(x, Tensor) else Tensor._make(np.asarray(x)) for x in operands]
    spec = _parse(equation, tuple(t._data.shape for t in tensors))
    dtypes = [t._data.dtype for t in tensors]
    if any(d != dtypes[0] for d in dtypes):
        shapes = [t._data.shape for t in tensors]
        dtype = _product_dtypes.einsum_dtype(spec[0], spec[1], shapes, dtypes)
        tensors = [t if t._data.dtype == dtype else t.to(dtype) for t in tensors]
    return Einsum.apply(spec, *tensors)  # type: ignore[no-any-return]
