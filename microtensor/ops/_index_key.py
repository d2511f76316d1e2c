"""Index keys for ``microtensor.ops.indexing``: parsing ``t[key]`` and the keys of gather & co.

A parsed key is ``(basic, adv)``: a basic NumPy key (ints, slices, None, ending in ``...``, so
indexing with it always gives a view), then ``adv``, None or a tuple of int64 arrays and
slices applied to that view with NumPy's advanced-indexing rule. Applying the ints first is
where PyTorch differs from NumPy: ``x[0, :, [0, 1]]`` has shape (3, 2) for x of shape (2, 3, 4).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from microtensor.ops._common import broadcast_error, normalize_dim
from microtensor.tensor import Tensor

Key = tuple[tuple[Any, ...], tuple[Any, ...] | None]
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))


def selection_shape(view_shape: tuple[int, ...], adv: tuple[Any, ...] | None) -> tuple[int, ...]:
    """The shape of ``view[adv]`` without computing it (NumPy's advanced-indexing rule)."""
    if adv is None:
        return view_shape
    at = [i for i, k in enumerate(adv) if isinstance(k, np.ndarray)]
    index_shape = np.broadcast_shapes(*(adv[i].shape for i in at))
    rest = list(view_shape)
    if at == list(range(at[0], at[-1] + 1)):  # adjacent: the index dims replace them in place
        return tuple(rest[: at[0]]) + index_shape + tuple(rest[at[-1] + 1 :])
    return index_shape + tuple(n for i, n in enumerate(rest) if i not in at)


def _key_item(k: Any) -> Any:
    """One key item as int, bool, slice, None, Ellipsis or an int64/bool array."""
    if k is None or k is Ellipsis:
        return k
    if isinstance(k, bool | np.bool_):
        return bool(k)
    if isinstance(k, int | np.integer):
        return int(k)
    if isinstance(k, slice):
        start, stop, step = (
            None if s is None else operator.index(s) for s in (k.start, k.stop, k.step)
        )
        if step is not None and step <= 0:
            raise ValueError(
                "step must be greater than zero" if step else "slice step cannot be zero"
            )
        return slice(start, stop, step)
    if isinstance(k, Tensor | np.ndarray | list | tuple | range):
        try:
            array = k._data if isinstance(k, Tensor) else np.asarray(k)
        except ValueError:
            raise IndexError(f"an index list must be rectangular, got {k!r}") from None
        if array.size == 0 and isinstance(k, list | tuple | range):
            array = array.astype(np.int64)
        if array.dtype in (np.bool_, np.uint8):  # uint8 indices are masks, as in PyTorch
            array = array.astype(np.bool_, copy=False)
            return bool(array) if array.ndim == 0 else array
        if array.dtype not in _INDEX_DTYPES:
            raise IndexError(
                "tensors used as indices must be long, int, byte or bool tensors, "
                f"got {array.dtype}: convert the index with .long()"
            )
        return int(array) if array.ndim == 0 else array.astype(np.int64, copy=False)
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
        f"Variables are valid indices (got {type(k).__name__})"
    )


def check_index(
    index: Any, dim: int, size: int, exc: type = IndexError, op: str = "", negative: bool = True
) -> None:
    """Raise ``exc`` naming the first index outside ``[-size, size)`` (``[0, size)``)."""
    values = np.asarray(index)
    bad = values[(values < (-size if negative else 0)) | (values >= size)]
    if bad.size:
        raise exc(f"{op}index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}")


def in_range_ints(key: tuple[Any, ...], shape: tuple[int, ...]) -> bool:
    """True for a tuple of Python ints, one per leading dim at most, each in range.

    Such a key needs no parsing: ``(*key, ...)`` is its basic key (getitem's fast path).
    """
    if len(key) > len(shape):
        return False
    for k, n in zip(key, shape, strict=False):
        if k.__class__ is not int or not -n <= k < n:
            return False
    return True


def parse_key(key: Any, shape: tuple[int, ...]) -> Key:
    """Turn a user key into ``(basic, adv)`` and check it against ``shape``.

    As in PyTorch (not NumPy), ints and slices apply first as a view; the integer and mask
    indices then index that view with NumPy's advanced-indexing rule.
    """
    items = [_key_item(k) for k in (key if isinstance(key, tuple) else (key,))]
    used = [
        k.ndim
        if isinstance(k, np.ndarray) and k.dtype == np.bool_
        else 0
        if k is None or k is Ellipsis or isinstance(k, bool)
        else 1
        for k in items
    ]
    ndim = len(shape)
    if sum(used) > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim} (got {sum(used)})")
    if sum(k is Ellipsis for k in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    basic: list[Any] = []
    adv: dict[int, np.ndarray] = {}
    dim = out = 0  # the dim of input being indexed, and of the basic view being built
    for k, n in zip(items, used, strict=True):
        if k is Ellipsis:
            n = ndim - sum(used)
            basic += [slice(None)] * n
            out += n
        elif isinstance(k, bool):
            adv[out] = np.zeros(int(k), np.int64)  # True/False: a new dim, kept or emptied
            basic.append(None)
            out += 1
        elif isinstance(k, np.ndarray) and k.dtype == np.bool_:
            if k.shape != shape[dim : dim + n]:
                raise IndexError(
                    f"The shape of the mask {list(k.shape)} at index {dim} does not "
                    f"match the shape of the indexed tensor {list(shape)} at index "
                    f"{dim}"
                )
            for i, positions in enumerate(k.nonzero()):
                adv[out + i] = positions
            basic += [slice(None)] * n
            out += n
        elif isinstance(k, np.ndarray):
            check_index(k, dim, shape[dim])
            adv[out] = k
            basic.append(slice(None))
            out += 1
        else:
            if isinstance(k, int):
                check_index(k, dim, shape[dim])
            basic.append(k)
            out += not isinstance(k, int)
        dim += n
    if not adv:
        return (*basic, Ellipsis), None
    try:
        np.broadcast_shapes(*(a.shape for a in adv.values()))
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in adv.values())
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
        ) from None
    return (*basic, Ellipsis), tuple(adv.get(i, slice(None)) for i in range(max(adv) + 1))


def index_array(op: str, index: Any) -> np.ndarray:
    """The index argument of gather and friends as an int64 array."""
    array = index._data if isinstance(index, Tensor) else np.asarray(index)
    if array.size == 0 and array.dtype.kind == "u":  # PyTorch lets an empty uint8 index pass
        array = array.astype(np.int64)
    if array.dtype not in _INDEX_DTYPES:
        raise RuntimeError(
            f"{op}(): Expected dtype int32/int64 for index, got {array.dtype}: "
            "convert the index with .long()"
        )
    return array.astype(np.int64, copy=False)


def along_dim_key(
    index: np.ndarray, dim: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
) -> Key:
    """The key picking ``input[..., index[p], ...]`` at ``dim`` and position p elsewhere."""
    adv = []
    for d, n in enumerate(out_shape):
        if d == dim:
            adv.append(index)
            continue
        positions = np.arange(n) if in_shape[d] != 1 else np.zeros(n, np.int64)
        adv.append(positions.reshape([n if i == d else 1 for i in range(len(out_shape))]))
    return (Ellipsis,), tuple(adv)


def gather_key(
    op: str,
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    src: Any = None,
) -> tuple[Key, np.ndarray]:
    """Check gather/scatter arguments; return the key and the index array."""
    index = index_array(op, index)
    shape, ndim = input._data.shape, input._data.ndim
    dim = normalize_dim(op, dim, ndim)
    if ndim <= 1 and index.ndim <= 1:  # 0-d and 1-d mix, as in PyTorch
        check_index(index, dim, shape[0] if ndim else 1, RuntimeError, f"{op}(): ", False)
        return ((Ellipsis,) if ndim else (None, Ellipsis), (index,)), index
    if index.ndim != ndim:
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as "
            f"input tensor: got index of shape {list(index.shape)} for input of "
            f"shape {list(shape)}"
        )
    too_big = any(
        i > n for d, (i, n) in enumerate(zip(index.shape, shape, strict=True)) if d != dim
    )
    if too_big or src is not None and any(i > n for i, n in zip(index.shape, src, strict=False)):
        what = "" if src is None else f" and to be no larger size than src {list(src)}"
        raise RuntimeError(
            f"{op}(): Size does not match: expected index {list(index.shape)} to "
            f"be no larger than self {list(shape)} apart from dimension {dim}"
            f"{what}"
        )
    check_index(index, dim, shape[dim], RuntimeError, f"{op}(): ", False)
    return along_dim_key(index, dim, shape, index.shape), index


def index_select_key(input: Tensor, dim: int, index: Any) -> Key:  # noqa: A002
    """Check index_select's arguments; the key selecting ``index`` along ``dim``."""
    index = index_array("index_select", index)
    ndim = input._data.ndim
    dim = normalize_dim("index_select", dim, ndim)
    if index.ndim > 1:
        raise IndexError(
            f"index_select(): Index is supposed to be a vector, got shape {list(index.shape)}"
        )
    check_index(
        index, dim, input._data.shape[dim] if ndim else 1, IndexError, "index_select(): ", False
    )
    if ndim:
        return (Ellipsis,), (slice(None),) * dim + (index.reshape(-1),)
    if index.size != 1:
        raise RuntimeError(
            f"index_select(): Index to scalar can have only 1 value, got {index.size} value(s)"
        )
    return (None, Ellipsis), (index.reshape(()),)


def take_along_key(input: Tensor, indices: Any, dim: int | None) -> Key:  # noqa: A002
    """Check take_along_dim's arguments; the key (flat positions when ``dim`` is None)."""
    index = index_array("take_along_dim", indices)
    shape, ndim = input._data.shape, input._data.ndim
    if dim is None:
        check_index(index, 0, input._data.size, RuntimeError, "take_along_dim(): ", False)
        flat = index.reshape(-1)
        return ((Ellipsis,), np.unravel_index(flat, shape)) if ndim else ((None, Ellipsis), (flat,))
    if ndim == 0:
        raise IndexError("take_along_dim(): Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim("take_along_dim", dim, ndim)
    if index.ndim != ndim:
        raise RuntimeError(
            f"take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {ndim} dimensions for input, and {index.ndim} "
            "dimensions for indices"
        )
    size = shape[dim]
    check_index(index, dim, size, RuntimeError, "take_along_dim(): ")
    index = np.where(index < 0, index + size, index)  # negative indices count from the end
    others = [tuple(1 if d == dim else n for d, n in enumerate(s)) for s in (shape, index.shape)]
    try:
        out = list(np.broadcast_shapes(*others))
    except ValueError:
        raise broadcast_error("take_along_dim", *(np.broadcast_to(0, s) for s in others)) from None
    out[dim] = index.shape[dim]
    return along_dim_key(index, dim, shape, tuple(out))


def masked_select_key(input: Tensor, mask: np.ndarray) -> Key:  # noqa: A002
    """The key of ``input``'s elements where ``mask`` (broadcast with it) is True."""
    try:
        shape = np.broadcast_shapes(input._data.shape, mask.shape)
    except ValueError:
        raise broadcast_error("masked_select", input, mask) from None
    if not shape:
        return (None, Ellipsis), (np.zeros(int(mask), np.int64),)
    lead = len(shape) - input._data.ndim
    sizes = (1,) * lead + input._data.shape
    positions = np.nonzero(np.broadcast_to(mask, shape))
    adv = tuple(p if n != 1 else np.zeros_like(p) for p, n in zip(positions, sizes, strict=True))
    return (None,) * lead + (Ellipsis,), adv


def bool_mask(op: str, mask: Any) -> np.ndarray:
    """The mask argument of masked_fill/masked_select as a bool array."""
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype != np.bool_:
        raise RuntimeError(
            f"{op}(): expected a boolean mask, but got mask with dtype "
            f"{data.dtype}: build one with a comparison, e.g. x > 0"
        )
    return data
