"""Random number generation: ``Generator``, ``manual_seed``, the default generator, ``fork_rng``.

A ``Generator`` is PyTorch's CPU generator: MT19937 seeded with the seed's low 32 bits
(``init_genrand``), the same stream as NumPy's ``MT19937`` after ``_legacy_seeding``. So with
the same seed every draw microtensor makes equals torch's, and ``get_state()`` /
``set_state()`` use torch's 5056-byte layout: a state saved by ``torch.get_rng_state()``
restores in microtensor (``mt.set_rng_state(mt.tensor(state.numpy()))``) and back.

The private methods ``_random32``, ``_random64`` and ``_uniform`` are torch's
``generator->random()``, ``random64()`` and ``uniform_real_distribution<T>(0, 1)``; every
random function in microtensor draws through them.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import numpy as np

from microtensor._device import device as _device_type

# torch's CPUGeneratorImplState (legacy THGeneratorState + the cached float normal sample),
# little-endian with C struct padding: 5056 bytes.
STATE_LAYOUT = np.dtype(
    [
        ("the_initial_seed", "<u8"),
        ("left", "<i4"),
        ("seeded", "<i4"),
        ("next", "<u8"),
        ("state", "<u8", (624,)),
        ("normal_x", "<f8"),
        ("normal_y", "<f8"),
        ("normal_rho", "<f8"),
        ("normal_is_valid", "<i4"),
        ("_pad0", "<i4"),
        ("next_float_normal_sample", "<f4"),
        ("is_next_float_normal_sample_valid", "u1"),
        ("_pad1", "u1", (3,)),
    ]
)
DEFAULT_SEED = 67280421310721  # c10's default_rng_seed_val, torch.Generator()'s seed
_STATE_N = 624


def _seed_value(seed: Any, caller: str) -> int:
    """Torch's seed rule: ``int(seed)`` in [-2**63, 2**64), negatives wrap modulo 2**64."""
    value = int(seed)
    if not -(2**63) <= value < 2**64:
        raise ValueError(
            f"{caller}(): Overflow when unpacking long long: seed {value} is outside "
            f"[-2**63, 2**64); pass a seed in that range"
        )
    return value % 2**64


class Generator:
    """A source of random numbers, as ``torch.Generator``; pass it as ``generator=``.

    It holds PyTorch's CPU generator (MT19937), so a seed gives torch's numbers.

    Args:
        device: only ``"cpu"``.

    Raises:
        RuntimeError: for a device other than the CPU.

    Example:
        >>> import microtensor as mt
        >>> g = mt.Generator().manual_seed(0)
        >>> mt.rand(3, generator=g)
        tensor([0.4963, 0.7682, 0.0885])
        >>> first = mt.rand(2, generator=g.manual_seed(7))
        >>> bool((mt.rand(2, generator=g.manual_seed(7)) == first).all())
        True
    """

    def __init__(self, device: Any = "cpu") -> None:
        if str(device).split(":")[0] != "cpu":
            raise RuntimeError(
                f"Generator(): microtensor has CPU generators only; device={device!r} is not "
                f"available: pass device='cpu' or leave the argument out"
            )
        self._bits = np.random.MT19937()
        self.rng = np.random.Generator(self._bits)  # NumPy view of the same stream
        self.manual_seed(DEFAULT_SEED)

    @property
    def device(self) -> _device_type:
        """The generator's device: always ``device(type='cpu')``."""
        return _device_type("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream to ``seed`` (torch's rule: MT19937 on its low 32 bits); returns self."""
        self._seed = _seed_value(seed, "manual_seed")
        self._bits._legacy_seeding(self._seed & 0xFFFFFFFF)
        self._next_when_exhausted = 0  # torch's `next` field right after seeding
        self._normal_double: float | None = None  # Box-Muller's cached second samples
        self._normal_float: float | None = None
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy (a 64-bit seed) and return the new seed."""
        new_seed = secrets.randbits(64)
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with (as an unsigned 64-bit integer)."""
        return self._seed

    def get_state(self) -> Any:
        """The generator state: a uint8 tensor of 5056 bytes in torch's layout.

        Example:
            >>> import microtensor as mt
            >>> g = mt.Generator().manual_seed(3)
            >>> state = g.get_state()
            >>> a = mt.randn(4, generator=g)
            >>> bool((mt.randn(4, generator=g.set_state(state)) == a).all())
            True
        """
        from microtensor.tensor import Tensor

        return Tensor._make(self._state_bytes())

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from ``get_state`` (or from ``torch.get_rng_state()``); returns self.

        Raises:
            TypeError: if ``new_state`` is not a uint8 tensor.
            RuntimeError: if it has the wrong size or holds an invalid MT19937 state.
        """
        from microtensor.tensor import Tensor

        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor (a uint8 tensor)")
        data = np.ascontiguousarray(new_state._data).reshape(-1)
        if data.size != STATE_LAYOUT.itemsize:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {STATE_LAYOUT.itemsize} but found "
                f"the input RNG state size to be {data.size}"
            )
        self._load_state(data.view(STATE_LAYOUT)[0])
        return self

    def _state_bytes(self) -> np.ndarray:
        numpy_state = self._bits.state["state"]
        pos = int(numpy_state["pos"])
        record = np.zeros((), dtype=STATE_LAYOUT)
        record["the_initial_seed"] = self._seed
        record["left"] = _STATE_N + 1 - pos
        record["seeded"] = 1
        record["next"] = self._next_when_exhausted if pos == _STATE_N else pos
        record["state"] = numpy_state["key"]
        if self._normal_double is not None:
            record["normal_is_valid"] = 1
            record["normal_y"] = self._normal_double
        if self._normal_float is not None:
            record["is_next_float_normal_sample_valid"] = 1
            record["next_float_normal_sample"] = self._normal_float
        return np.frombuffer(record.tobytes(), dtype=np.uint8).copy()

    def _load_state(self, record: Any) -> None:
        left, nxt = int(record["left"]), int(record["next"])
        if not (record["seeded"] and 0 < left <= _STATE_N and nxt <= _STATE_N):
            raise RuntimeError("Invalid mt19937 state")
        pos = _STATE_N + 1 - left
        if left != 1 and nxt != pos:
            # torch's own generator only produces next == 625 - left (or left == 1).
            raise RuntimeError(
                f"set_state(): mt19937 state with left={left} and next={nxt} cannot be "
                f"restored: microtensor restores states where next == 625 - left"
            )
        key = (np.asarray(record["state"], dtype=np.uint64) & 0xFFFFFFFF).astype(np.uint32)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._seed = int(record["the_initial_seed"])
        self._next_when_exhausted = nxt
        self._normal_double = float(record["normal_y"]) if record["normal_is_valid"] else None
        self._normal_float = (
            float(record["next_float_normal_sample"])
            if record["is_next_float_normal_sample_valid"]
            else None
        )

    def _random32(self, n: int) -> np.ndarray:
        """``n`` successive draws of torch's ``generator->random()`` (uint32)."""
        if n <= 0:
            return np.zeros(0, dtype=np.uint32)
        self._next_when_exhausted = _STATE_N
        # NumPy's full-range uint32 draw is MT19937's raw output, one word per value
        return self.rng.integers(0, 2**32, size=n, dtype=np.uint32)

    def _random64(self, n: int) -> np.ndarray:
        """``n`` successive draws of torch's ``random64()``: ``hi << 32 | lo`` of two draws."""
        if n <= 0:
            return np.zeros(0, dtype=np.uint64)
        self._next_when_exhausted = _STATE_N
        # NumPy's full-range uint64 draw is MT19937's next64, (first << 32) | second: torch's
        return self.rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)

    def _uniform(self, n: int, dtype: Any) -> np.ndarray:
        """``n`` draws of torch's ``uniform_real_distribution<T>(0, 1)`` for float32/float64.

        float64 keeps the low 53 bits of a ``random64()`` draw, float32 the low 24 bits of a
        ``random()`` draw (float16 uses float32's, returned as float32: round them).
        """
        scale: np.floating[Any]
        if np.dtype(dtype) == np.float64:
            bits, mask, scale = self._random64(n).view(np.int64), 2**53 - 1, np.float64(2.0**-53)
        else:  # float32 and the reduced types (float16 draws float32 uniforms too, then rounds)
            bits, mask, scale = self._random32(n).view(np.int32), 2**24 - 1, np.float32(2.0**-24)
        # the values overwrite their bits in place: one allocation in all, as fresh megabytes
        # cost page faults; the masked bits convert exactly
        np.bitwise_and(bits, mask, out=bits)
        values = bits.view(scale.dtype)
        np.copyto(values, bits, casting="unsafe")
        values *= scale
        return values

    def __repr__(self) -> str:
        return f"<microtensor.Generator object at {id(self):#x}>"


default_generator = Generator()


def _generator(generator: Generator | None) -> Generator:
    """The generator a random function draws from: ``generator``, or the default one."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"generator must be a microtensor.Generator, got {type(generator).__name__}"
        )
    return generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, so that every random function gives torch's numbers.

    Args:
        seed: an integer in [-2**63, 2**64); negative seeds wrap modulo 2**64, as in torch.

    Returns:
        The default generator.

    Raises:
        ValueError: for a seed outside that range.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.rand(3)
        tensor([0.4963, 0.7682, 0.0885])
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's initial seed (an unsigned 64-bit integer)."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The default generator's state: a uint8 tensor in torch's layout (5056 bytes)."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the default generator's state from ``get_rng_state`` (or torch's).

    Raises:
        TypeError: if ``new_state`` is not a uint8 tensor.
        RuntimeError: if it is not a valid state of torch's layout.
    """
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(
    devices: Any = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: Any = None,
) -> Iterator[None]:
    """Fork the RNG: on exit, the default generator is back in the state it had on entry.

    Args:
        devices: accepted for compatibility (microtensor has no device generators).
        enabled: if False, do nothing.
        device_type: accepted for compatibility, as ``devices``.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(1)
        >>> with mt.random.fork_rng():
        ...     _ = mt.rand(5)
        >>> mt.rand(1)
        tensor([0.7576])
    """
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)
