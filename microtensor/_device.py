"""``device``: microtensor runs on the CPU only; PyTorch code that names devices still runs."""

from __future__ import annotations


class device:  # noqa: N801 - PyTorch's name
    """The device a tensor lives on; microtensor has one, ``device(type='cpu')``."""

    __slots__ = ("type",)

    def __init__(self, type: str = "cpu") -> None:  # noqa: A002 - PyTorch's argument name
        name = str(type).split(":")[0]
        if name != "cpu":
            raise RuntimeError(
                f"microtensor runs on the CPU only; device {type!r} is not available"
            )
        self.type = "cpu"

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other: object) -> bool:
        return str(other).split(":")[0] == "cpu" or isinstance(other, device)

    def __hash__(self) -> int:
        return hash("cpu")
