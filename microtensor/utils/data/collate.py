"""Collation, as ``torch.utils.data``: merging samples into a batch, converting unbatched ones.

``default_collate`` is what a ``DataLoader`` uses with batching on; ``default_convert`` with
``batch_size=None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._data_factories import as_tensor, tensor
from microtensor.ops import stack
from microtensor.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _is_numeric_numpy(x: Any) -> bool:
    return isinstance(x, np.ndarray | np.generic) and x.dtype.kind in "biuf"


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and NumPy arrays are stacked along a new first dim; Python floats become a float64
    tensor, ints an int64 tensor (bools a bool tensor); strings stay a list; dicts, namedtuples,
    tuples and lists are collated field by field (a tuple gives a list, as in PyTorch).

    Raises:
        RuntimeError: if the samples' sequences differ in length, or tensors in shape.
        TypeError: for an element of another type (or a NumPy array of strings/objects).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.data import default_collate
        >>> default_collate([(mt.tensor([1.0, 2.0]), 0), (mt.tensor([3.0, 4.0]), 1)])
        [tensor([[1., 2.],
                [3., 4.]]), tensor([0, 1])]
        >>> default_collate([{"x": 0.5}, {"x": 1.5}])
        {'x': tensor([0.5000, 1.5000], dtype=microtensor.float64)}
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, np.ndarray | np.generic) and not isinstance(elem, str | bytes):
        if not _is_numeric_numpy(elem):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return as_tensor(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, float):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        fields = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        return _rebuild(type(elem), fields, mapping=True)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(s)) for s in zip(*batch, strict=True)]
        return columns if isinstance(elem, tuple) else _rebuild(type(elem), columns)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays in ``data`` into tensors, leaving other values alone.

    The collation used when batching is off (``batch_size=None``); tuples become lists, as in
    PyTorch.

    Example:
        >>> import numpy as np
        >>> from microtensor.utils.data import default_convert
        >>> default_convert((np.array([1, 2]), 3))
        [tensor([1, 2]), 3]
    """
    if _is_numeric_numpy(data):
        return as_tensor(data)
    if isinstance(data, Mapping):
        return _rebuild(type(data), {k: default_convert(v) for k, v in data.items()}, True)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return _rebuild(type(data), [default_convert(d) for d in data])
    return data


def _rebuild(kind: type, values: Any, mapping: bool = False) -> Any:
    """``kind(values)`` when that works (OrderedDict, list subclasses), else the plain value."""
    if kind is (dict if mapping else list):
        return values
    try:
        return kind(values)
    except TypeError:
        return values
