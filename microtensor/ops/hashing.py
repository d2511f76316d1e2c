"""``hash_tensor``: an order-free hash of a tensor's elements (xor of their 64-bit patterns)."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._numpy_names import numpy_names
from microtensor.ops._common import normalize_dims
from microtensor.tensor import Tensor

__all__ = ["hash_tensor"]


@numpy_names
def hash_tensor(
    input: Tensor,  # noqa: A002 - PyTorch's argument name
    dim: Any = None,
    *,
    keepdim: bool = False,
    mode: int = 0,
) -> Tensor:
    """The xor of the elements' 64-bit patterns over ``dim`` (all dims when None), as uint64.

    Each element is first widened to float64 (floating dtypes) or int64 (integers and bool),
    then its bits are read as a uint64 and the values xor-ed together, as ``torch.hash_tensor``
    with ``mode=0`` (the only mode). The result does not depend on the order of the elements
    and is not differentiable.

    Args:
        input: the tensor to hash.
        dim: a dim or a sequence of dims to reduce; None (or an empty sequence) reduces all.
        keepdim: keep the reduced dims with size 1.
        mode: the hash; 0 (xor reduction) is the only one.

    Returns:
        A uint64 tensor.

    Raises:
        RuntimeError: for a mode other than 0, or an empty input without ``dim``.
        IndexError: for a dim out of range, or a reduced dim of size 0.
        NotImplementedError: for uint16, uint32 and uint64 inputs (torch has no kernel).

    Example:
        >>> import microtensor as mt
        >>> mt.hash_tensor(mt.tensor([1.0, 2.0]))
        tensor(9218868437227405312, dtype=microtensor.uint64)
        >>> mt.hash_tensor(mt.tensor([[1, 2], [3, 3]]), 1)
        tensor([3, 0], dtype=microtensor.uint64)
    """
    if mode != 0:
        raise RuntimeError(f"hash_tensor(): Unknown hash_tensor mode: {mode} (only 0 is known)")
    data = input._data
    if data.dtype in dtypes._SHELL_UINTS:
        raise NotImplementedError(
            f'hash_tensor(): "xor_sum_cpu" not implemented for {input.dtype}: convert the '
            "input to int64 first"
        )
    dims = normalize_dims("hash_tensor", dim, data.ndim)
    if data.size == 0:
        _check_empty(data.shape, dim, dims)
    # "V" is ml_dtypes' bfloat16, a floating dtype
    bits = data.astype(np.float64 if data.dtype.kind in "fV" else np.int64).view(np.uint64)
    xor: Any = np.bitwise_xor  # NumPy's stubs do not type a reduce with keepdims=<bool>
    result = xor.reduce(bits, axis=dims, keepdims=keepdim) if dims else bits.copy()
    return Tensor._make(np.asarray(result, dtype=np.uint64))


def _check_empty(shape: tuple[int, ...], dim: Any, dims: tuple[int, ...]) -> None:
    if dim is None:
        raise RuntimeError(
            "hash_tensor(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    for d in dims:
        if shape[d] == 0:
            raise IndexError(
                f"hash_tensor(): Expected reduction dim {d} to have non-zero size (input of "
                f"shape {shape})"
            )
