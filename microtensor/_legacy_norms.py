"""torch's legacy aten norms: frobenius_norm, nuclear_norm, norm_except_dim, native_norm.

torch keeps them at top level for TorchScript programs; each is a ``linalg`` norm under an
older signature (``frobenius_norm`` and ``nuclear_norm`` warn, as torch's, that they are
deprecated). ``norm_except_dim`` is the norm that ``nn.utils.weight_norm`` divides by.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

from microtensor._layout import sparse_coo
from microtensor.ops._common import normalize_dim
from microtensor.ops.norms import matrix_norm, vector_norm
from microtensor.tensor import Tensor

__all__ = ["frobenius_norm", "native_norm", "norm_except_dim", "nuclear_norm"]


def _deprecated(name: str, replacement: str) -> None:
    warnings.warn(
        f"at::{name} is deprecated and it is just left for JIT compatibility. It will be "
        f"removed in a future PyTorch release. Please use `{replacement}` instead",
        UserWarning,
        stacklevel=3,
    )


def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The 2-norm of the elements over ``dim`` (at most two dims; ``()`` means all).

    Deprecated in torch: ``linalg.vector_norm(input, 2, dim, keepdim)``.

    Args:
        input: a floating point or complex tensor.
        dim: an int or a tuple of at most two ints; ``()`` reduces every dim.
        keepdim: keep the reduced dims as size 1.

    Returns:
        The norm (real for a complex input).

    Raises:
        RuntimeError: for more than two dims, a repeated dim, or an integer input.

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     mt.frobenius_norm(mt.tensor([[3.0, 4.0], [0.0, 0.0]]), (0, 1))
        tensor(5.)
    """
    _deprecated("frobenius_norm", "linalg.vector_norm(A, 2., dim, keepdim)")
    dims = (dim,) if isinstance(dim, builtins.int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(
            f"frobenius_norm(): Expected at most 2 dimensions, but got {len(dims)} dimensions "
            "instead."
        )
    return vector_norm(input, 2, dims if dims else None, keepdim)


def nuclear_norm(input: Tensor, *args: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The sum of singular values of the matrices over two dims (``(-2, -1)`` by default).

    The two overloads of torch: ``nuclear_norm(input, keepdim=False)`` and
    ``nuclear_norm(input, dim, keepdim=False)``. Deprecated in torch:
    ``linalg.matrix_norm(input, 'nuc', dim, keepdim)``.

    Args:
        input: a batch of matrices.
        *args: ``keepdim``, or ``dim`` (two ints) then optionally ``keepdim``.
        keepdim: keep the reduced dims as size 1.

    Returns:
        The nuclear norm of each matrix.

    Raises:
        RuntimeError: if ``dim`` is not two dims or ``input`` has fewer than two.
        TypeError: for more arguments than the overloads take.

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     mt.nuclear_norm(mt.tensor([[3.0, 0.0], [0.0, -2.0]]))
        tensor(5.)
    """
    dim: Any = (-2, -1)
    if args and isinstance(args[0], builtins.bool):
        keepdim, *rest = args
    elif args:
        dim, *rest = args
        if rest:
            keepdim, *rest = rest
    else:
        rest = []
    if rest:
        raise TypeError(f"nuclear_norm() takes at most 3 arguments, got {len(args) + 1}")
    _deprecated("nuclear_norm", "linalg.matrix_norm(A, 'nuc', dim, keepdim)")
    return matrix_norm(input, "nuc", tuple(dim), keepdim)


def norm_except_dim(v: Tensor, pow: builtins.int = 2, dim: builtins.int = 0) -> Tensor:  # noqa: A002
    """The ``pow``-norm over every dim but ``dim``, kept as size-1 dims (``dim=-1``: all).

    ``nn.utils.weight_norm`` stores ``g = norm_except_dim(w, 2, dim)``; its result has ``v``'s
    number of dims. As torch's, ``dim=-1`` means "no dim kept" (a 0-d norm), not the last dim;
    other negative dims count from the end.

    Args:
        v: a floating point or complex tensor.
        pow: the norm's order, an int.
        dim: the dim kept, or -1 for the norm of all elements.

    Returns:
        The norms.

    Raises:
        TypeError: if ``pow`` is not an int.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.norm_except_dim(mt.tensor([[3.0, 4.0], [6.0, 8.0]]))
        tensor([[ 5.],
                [10.]])
    """
    if not isinstance(pow, builtins.int) or isinstance(pow, builtins.bool):
        raise TypeError(
            f"norm_except_dim(): argument 'pow' (position 2) must be int, not {type(pow).__name__}"
        )
    if dim == -1:
        return vector_norm(v, pow)
    if v.ndim == 0:
        raise IndexError(
            f"norm_except_dim(): Dimension specified as {dim} but tensor has no dimensions"
        )
    kept = normalize_dim("norm_except_dim", dim, v.ndim)
    others = tuple(d for d in builtins.range(v.ndim) if d != kept)
    return vector_norm(v, pow, others, True)


def native_norm(
    input: Any,  # noqa: A002
    p: Any = 2,
    dim: Any = None,
    keepdim: builtins.bool = False,
    dtype: Any = None,
) -> Tensor:
    """The ``p``-norm of a sparse COO tensor's stored values (torch's sparse norm kernel).

    torch's two overloads: ``native_norm(input, p=2)`` and ``native_norm(input, p, dim,
    keepdim, dtype)``; as torch's, only the full reduction exists (``dim`` empty or every
    dim), and only for sparse tensors.

    Raises:
        NotImplementedError: for a strided tensor, as torch's CPU backend (use
            ``linalg.vector_norm`` there).
        RuntimeError: for a ``dim`` that is not the full reduction, ``keepdim=True`` or a
            ``dtype`` (torch's sparse kernel has neither).

    Example:
        >>> import microtensor as mt
        >>> mt.native_norm(mt.tensor([[0.0, 3.0], [4.0, 0.0]]).to_sparse())
        tensor(5.)
    """
    if getattr(input, "layout", None) != sparse_coo:
        raise NotImplementedError(
            "Could not run 'aten::native_norm' with arguments from the 'CPU' backend: torch "
            "has it for sparse tensors only; use linalg.vector_norm(input, p, dim, keepdim, "
            "dtype=dtype) for a dense tensor"
        )
    dims = () if dim is None else (dim,) if isinstance(dim, builtins.int) else tuple(dim)
    ndim = len(input.shape)
    if dims and sorted(d % ndim for d in dims) != list(builtins.range(ndim)):
        raise RuntimeError(
            "native_norm(): norm_sparse currently only supports full reductions, so 'dim' must "
            f"either be empty or contain all dimensions of the input, got {dim}"
        )
    if keepdim:
        raise RuntimeError("native_norm(): norm_sparse currently does not support keepdim=True")
    if dtype is not None:
        raise RuntimeError("native_norm(): norm_sparse currently does not support 'dtype' argument")
    return vector_norm(input.coalesce().values(), p)
