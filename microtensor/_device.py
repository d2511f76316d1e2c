"""``device``: microtensor computes on the CPU; PyTorch code that names other devices still runs.

``device("cuda")`` is a value like any other (scripts compare and print devices), but a
tensor or module can only live on the CPU: ``check_cpu`` is the one place that says so.
"""

from __future__ import annotations

from typing import Any

__all__ = ["device", "get_default_device", "set_default_device"]

# The device types PyTorch's parser knows, in the order its error message lists them.
_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
    "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)  # fmt: skip


class device:  # noqa: N801 - PyTorch's name
    """A device, as ``torch.device``: a type (``"cpu"``, ``"cuda"`` ...) and an optional index.

    Any of PyTorch's device types can be named, so ``device("cuda")`` works as a value; but
    microtensor computes on the CPU only, and putting a tensor or a module on another device
    raises a RuntimeError saying so.

    Args:
        type: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, another device, ...
        index: the device index (as in ``device("cuda", 1)``).

    Raises:
        RuntimeError: for a string that names no device type.

    Example:
        >>> import microtensor as mt
        >>> mt.device("cuda:1"), mt.device("cpu") == mt.ones(1).device
        (device(type='cuda', index=1), True)
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:  # noqa: A002
        spec = str(type)  # a device prints as "cuda:1", which parses back to itself
        name, _, number = spec.partition(":")
        if name not in _TYPES or (number and not number.isdigit()):
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: "
                + spec
            )
        self.type = name
        self.index = int(number) if number else index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):  # microtensor's leniency: device("cpu") == "cpu"
            try:
                other = device(other)
            except RuntimeError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __enter__(self) -> device:
        """``with device("cpu"):`` makes new tensors there, as torch's device context.

        Differs from PyTorch: only the CPU can be entered (any other device raises as
        ``check_cpu`` does, where torch fails at the first tensor made inside); the CPU is
        always the default, so leaving the block restores nothing.
        """
        check_cpu(self, "with device()")
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def check_cpu(spec: Any, what: str = "microtensor") -> device:
    """Return ``device("cpu")`` for a CPU spec (None counts as the CPU); raise for any other.

    Args:
        spec: a device, a string such as ``"cpu"`` or ``"cuda:0"``, or None.
        what: the operation, named in the error (``"to()"``, ``"Tensor.cuda()"`` ...).

    Raises:
        RuntimeError: for a device other than the CPU (or a string naming no device).
    """
    target = _CPU if spec is None else device(spec)
    if target.type != "cpu":
        prefix = "" if what == "microtensor" else f"{what}: "
        raise RuntimeError(
            f"{prefix}microtensor runs on the CPU only; device {str(target)!r} is not available: "
            "keep tensors and modules on 'cpu' (microtensor.cuda.is_available() is False)"
        )
    return target


_CPU = device("cpu")


def cuda_index(index: Any = None) -> str:
    """The device a ``.cuda(device)`` call names: ``"cuda"``, ``"cuda:1"`` ..."""
    if index is None:
        return "cuda"
    return str(index) if isinstance(index, device | str) else f"cuda:{index}"


def set_default_device(device: Any) -> None:  # noqa: A002 - PyTorch's argument name
    """Set the device new tensors are made on; only the CPU (or None, the CPU) is accepted.

    Raises:
        RuntimeError: for a device other than the CPU.
    """
    check_cpu(device, "set_default_device()")


def get_default_device() -> device:
    """Return the device new tensors are made on: always ``device(type='cpu')``."""
    return _CPU
