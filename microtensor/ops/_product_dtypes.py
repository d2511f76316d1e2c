"""torch's dtype rule of the matrix products: both operands of one dtype, or torch's error.

torch does not promote the operands of a matrix product (mm, mv, dot, bmm and the einsum
contractions built on bmm): it raises a RuntimeError whose text depends on the kernel the
product reaches. Its elementwise relatives (outer, kron, an einsum without contraction)
promote. The messages below are torch 2.13's, copied exactly; each is prefixed with the op
name and followed by a hint, so torch's own text is a substring of microtensor's.

The callers compare dtypes once on their hot path and come here only when they differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# torch prints a dtype either as its ScalarType name or as the C++ type of its elements
_SCALAR_NAMES = {
    "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
    "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
    "bool": "Bool", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}  # fmt: skip
_CPP_NAMES = {
    "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
    "float64": "double", "uint8": "unsigned char", "int8": "signed char",
    "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool",
    "uint16": "short unsigned int", "uint32": "unsigned int", "uint64": "long unsigned int",
    "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
}  # fmt: skip
_HINT = "convert one side to the other's dtype, e.g. b.to(a.dtype)"
# torch's CPU bmm runs a plain loop below this many multiply-adds per matrix
_BMM_SMALL = 400


def _name(x: Any) -> str:
    return x.name if isinstance(x, np.dtype) else x.dtype.name  # a NumPy dtype or a Tensor


def scalar_name(x: Any) -> str:
    """``Float``, ``Double``, ``Long``...: the dtype (of a Tensor) as torch's ScalarType."""
    return _SCALAR_NAMES[_name(x)]


def cpp_name(x: Any) -> str:
    """``float``, ``double``, ``long int``...: the dtype as torch's C++ element type."""
    return _CPP_NAMES[_name(x)]


def dtype_error(op: str, said: str, hint: str = _HINT) -> RuntimeError:
    """``op(): <torch's message>: <hint>`` (no second prefix where torch's names the op)."""
    head = "" if said.startswith(op) else f"{op}(): "
    return RuntimeError(f"{head}{said}: {hint}")


def mm_error(op: str, a: Any, b: Any) -> RuntimeError:
    """The error of torch's mm (and matmul of a matrix, a vector-matrix or N-D-matrix product)."""
    return dtype_error(
        op, f"expected m1 and m2 to have the same dtype, but got: {cpp_name(a)} != {cpp_name(b)}"
    )


def mv_error(op: str, mat: Any, vec: Any) -> RuntimeError:
    """The error of torch's mv: addmv lists (result, mat, vec), the result taking vec's dtype."""
    v, m = scalar_name(vec), scalar_name(mat)
    return dtype_error(
        op, f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}"
    )


def dot_error(op: str, a: Any, b: Any) -> RuntimeError:
    """The error of torch's dot (and vdot, and matmul of two vectors)."""
    return dtype_error(
        op,
        f"dot : expected both vectors to have same dtype, but found {scalar_name(a)} and "
        f"{scalar_name(b)}",
    )


def bmm_error(op: str, a: Any, b: Any, per_matrix: int) -> RuntimeError:
    """The error of torch's bmm (batched matmul, einsum's products); ``per_matrix``: n*k*m.

    torch's CPU bmm loops plainly over small matrices, checking ``b`` against ``a``; larger
    ones go to BLAS when ``b`` is float32 or float64 (checking ``a`` against ``b``) and to one
    mm per matrix otherwise.
    """
    if per_matrix < _BMM_SMALL:
        first, second = a, b
    elif _name(b) in ("float32", "float64"):
        first, second = b, a
    else:
        return mm_error(op, a, b)
    return dtype_error(
        op, f"expected scalar type {scalar_name(first)} but found {scalar_name(second)}"
    )


def einsum_dtype(
    labels: tuple[tuple[int, ...], ...],
    out: tuple[int, ...],
    shapes: list[tuple[int, ...]],
    dtypes: list[np.dtype],
) -> np.dtype:
    """The dtype of torch's einsum of operands of several dtypes, or torch's error.

    torch contracts the operands left to right, the running result first. A step that sums
    no dim present (size > 1) in both operands is an elementwise ``mul`` and promotes; one
    that does is a bmm, which refuses two dtypes (unless its result is empty).

    Raises:
        RuntimeError: torch's bmm message, for the first such step.
    """
    sizes = []
    for lbs, shape in zip(labels, shapes, strict=True):
        own = dict(zip(lbs, shape, strict=True))  # a repeated label is a diagonal: one dim
        sizes.append({lb: n for lb, n in own.items() if n != 1})
    # torch's dim order: the output's labels, then the summed ones
    order = list(out) + sorted({lb for lbs in labels for lb in lbs} - set(out))
    counts = {lb: sum(lb in s for s in sizes) for lb in order}
    left, left_dtype = sizes[0], dtypes[0]
    for right, right_dtype in zip(sizes[1:], dtypes[1:], strict=True):
        summed = _pair_sums(order[len(out) :], left, right, counts)
        lo = [i for i, lb in enumerate(order) if lb in left and lb not in right]
        ro = [i for i, lb in enumerate(order) if lb not in left and lb not in summed]
        merged = {**left, **right}
        if summed and left_dtype != right_dtype:
            pair = (left_dtype, right_dtype)
            if lo and ro and ro[-1] < lo[0]:  # torch swaps the operands to skip a permute
                pair = (right_dtype, left_dtype)
            if 0 not in merged.values():
                raise bmm_error(
                    "einsum", pair[0], pair[1], _per_matrix(merged, left, right, summed)
                )
            left_dtype = pair[1]  # an empty bmm: torch returns it in its right operand's dtype
        elif left_dtype != right_dtype:
            left_dtype = _promoted(left_dtype, right_dtype)
        left = {lb: n for lb, n in merged.items() if lb not in summed}
    return left_dtype


def _pair_sums(
    contracted: list[int], left: dict[int, int], right: dict[int, int], counts: dict[int, int]
) -> list[int]:
    """The labels one einsum step sums in its product; sums lone ones in place (as torch)."""
    summed = []
    for lb in contracted:
        if lb in left and lb in right:
            counts[lb] -= 1
            if counts[lb] == 1:
                summed.append(lb)
                counts[lb] = 0
        elif counts[lb] == 1 and (lb in left or lb in right):
            counts[lb] = 0
            (left if lb in left else right).pop(lb)
    return summed


def _per_matrix(
    merged: dict[int, int], left: dict[int, int], right: dict[int, int], summed: list[int]
) -> int:
    """A bmm's n * k * m: every dim of the step but the batch dims (in both, kept)."""
    count = 1
    for lb, n in merged.items():
        if lb in summed or not (lb in left and lb in right):
            count *= n
    return count


def _promoted(a: np.dtype, b: np.dtype) -> np.dtype:
    from microtensor import dtypes  # noqa: PLC0415 - keeps this module free of import order

    return dtypes.result_type(np.empty(1, a), np.empty(1, b))  # as tensors of the same rank


# --- the add-products (addmm, addbmm, addmv, baddbmm) ------------------------------------------
# torch's addmm and addbmm check the dtypes before the shapes; addmv and baddbmm after them.


def check_addmm(op: str, input: Any, mat1: Any, mat2: Any) -> None:  # noqa: A002
    """Raise torch's error of addmm or addbmm for operands of two dtypes: input, then mat1."""
    if not (hasattr(mat1, "_data") and hasattr(mat2, "_data")):
        return  # not Tensors: the rank check says so
    names = scalar_name
    if hasattr(input, "_data") and input._data.dtype != mat2._data.dtype:
        said = f"self and mat2 must have the same dtype, but got {names(input)} and {names(mat2)}"
    elif mat1._data.dtype != mat2._data.dtype:
        said = f"mat1 and mat2 must have the same dtype, but got {names(mat1)} and {names(mat2)}"
    else:
        return
    raise dtype_error(op, said)


def check_addmv(op: str, input: Any, mat: Any, vec: Any) -> None:  # noqa: A002
    """Raise torch's error of addmv for operands of two dtypes."""
    dtype = mat._data.dtype
    if vec._data.dtype == dtype and (not hasattr(input, "_data") or input._data.dtype == dtype):
        return
    first = scalar_name(input) if hasattr(input, "_data") else scalar_name(vec)
    raise dtype_error(
        op,
        f"addmv input tensors must have the same dtype, but got {first}, {scalar_name(mat)}, "
        f"and {scalar_name(vec)}",
    )


def check_baddbmm(op: str, input: Any, batch1: Any, batch2: Any) -> None:  # noqa: A002
    """Raise torch's error of baddbmm for operands of two dtypes (an empty product passes)."""
    if hasattr(input, "_data") and input._data.dtype != batch1._data.dtype:
        raise dtype_error(
            op,
            f"Input dtypes must be the same, got: input {cpp_name(input)}, batch1: "
            f"{cpp_name(batch1)}, batch2: {cpp_name(batch2)}",
        )
    if batch1._data.dtype != batch2._data.dtype:
        (b, n, k), m = batch1._data.shape, batch2._data.shape[-1]
        per_matrix = n * k * m
        if per_matrix >= _BMM_SMALL and _name(batch2) not in ("float32", "float64"):
            raise dtype_error(  # one addmm per matrix (bmm's fallback is an mm)
                op,
                f"mat1 and mat2 must have the same dtype, but got {scalar_name(batch1)} and "
                f"{scalar_name(batch2)}",
            )
        if b * per_matrix:
            raise bmm_error(op, batch1, batch2, per_matrix)
