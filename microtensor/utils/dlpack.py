"""DLPack: share a tensor's memory with NumPy, PyTorch, JAX, CuPy ... without a copy.

A microtensor Tensor is a NumPy array, so the exchange goes through NumPy's own DLPack
support (``ndarray.__dlpack__`` and ``numpy.from_dlpack``): dtypes and strides are kept, and a
write on one side is seen on the other. Only CPU memory can be shared.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]

_CPU = 1  # DLPack's kDLCPU


class _Capsule:
    """Wraps a bare DLPack capsule so that ``numpy.from_dlpack`` can take it."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (_CPU, 0)


def export(
    tensor: Tensor,
    stream: Any = None,
    max_version: tuple[int, int] | None = None,
    dl_device: tuple[int, int] | None = None,
    copy: bool | None = None,
) -> Any:
    """``Tensor.__dlpack__``: a DLPack capsule over the tensor's memory (see NumPy's).

    Raises:
        BufferError: if the tensor requires grad (as torch: detach it first), or the
            consumer asks for a device other than the CPU.
    """
    if tensor.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if dl_device is not None and tuple(dl_device)[0] != _CPU:
        raise BufferError(
            f"__dlpack__(): microtensor tensors live on the CPU, cannot export to device "
            f"{tuple(dl_device)}"
        )
    options: dict[str, Any] = {}
    if max_version is not None:
        options["max_version"] = tuple(max_version)
    if copy is not None:
        options["copy"] = copy
    return tensor._data.__dlpack__(stream=stream, **options)


def to_dlpack(tensor: Tensor) -> Any:
    """Return a DLPack capsule sharing ``tensor``'s memory, as ``torch.utils.dlpack.to_dlpack``.

    A capsule can be consumed once, by any DLPack library's ``from_dlpack``.

    Args:
        tensor: a Tensor that does not require grad.

    Returns:
        A ``PyCapsule`` named ``"dltensor_versioned"`` (DLPack 1.0, which torch also reads).

    Raises:
        TypeError: if ``tensor`` is not a Tensor.
        BufferError: if it requires grad.

    Example:
        >>> import microtensor as mt
        >>> t = mt.zeros(3)
        >>> view = mt.utils.dlpack.from_dlpack(mt.utils.dlpack.to_dlpack(t))
        >>> view[0] = 7.0
        >>> t
        tensor([7., 0., 0.])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack(): expected a Tensor, got {type(tensor).__name__}")
    # a versioned capsule: NumPy imports the unversioned kind as read-only
    return export(tensor, max_version=(1, 0))


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A Tensor sharing the memory of any DLPack object, as ``torch.from_dlpack``.

    Args:
        ext_tensor: an object with ``__dlpack__`` and ``__dlpack_device__`` (a NumPy array, a
            torch or JAX tensor, ...) or a DLPack capsule (from ``to_dlpack``).

    Returns:
        A Tensor over the same memory, with the same dtype, shape and strides (a read-only
        producer gives a tensor whose in-place writes raise, as NumPy's arrays do).

    Differs from PyTorch: a bare unversioned capsule (``torch.utils.dlpack.to_dlpack`` makes
    those) gives a read-only tensor, because NumPy imports such capsules read-only; pass the
    torch tensor itself (``from_dlpack(x)``) for a writable view.

    Raises:
        RuntimeError: if ``ext_tensor`` supports no DLPack, or its memory is not on the CPU.

    Example:
        >>> import numpy as np, microtensor as mt
        >>> array = np.arange(4.0)
        >>> t = mt.from_dlpack(array)
        >>> array[0] = -1.0
        >>> t
        tensor([-1.,  1.,  2.,  3.], dtype=microtensor.float64)
    """
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    source = ext_tensor
    if type(ext_tensor).__name__ == "PyCapsule":
        source = _Capsule(ext_tensor)
    elif not hasattr(ext_tensor, "__dlpack__"):
        raise RuntimeError(
            f"from_dlpack(): expected an object with __dlpack__ (a NumPy array, a torch "
            f"tensor, ...) or a DLPack capsule, got {type(ext_tensor).__name__}"
        )
    device = source.__dlpack_device__() if hasattr(source, "__dlpack_device__") else (_CPU, 0)
    if int(device[0]) != _CPU:
        raise RuntimeError(
            f"from_dlpack(): microtensor runs on the CPU, but the tensor lives on DLPack "
            f"device {tuple(int(d) for d in device)}; move it to the CPU first (.cpu())"
        )
    return Tensor._make(np.from_dlpack(source))
