"""Shared pieces of the library tests: a fresh namespace per test, and both frameworks."""

import itertools

import numpy as np
import torch

import microtensor as mt
import microtensor.library  # noqa: F401 - loads microtensor.library (lazy until the lead adds it)

_counter = itertools.count()

BACKENDS = {"torch": torch, "mt": mt}


def fresh_namespace() -> str:
    """A namespace no test used before (torch's registrations live for the whole process)."""
    return f"mtlibtest{next(_counter)}"


def to_numpy(t) -> np.ndarray:
    return t.detach().numpy()


def assert_same(mt_value, torch_value, rtol=1e-12, atol=1e-12) -> None:
    """microtensor's tensor equals torch's: same shape, close values."""
    np.testing.assert_allclose(to_numpy(mt_value), to_numpy(torch_value), rtol=rtol, atol=atol)


def torch_text(message: str) -> str:
    """Torch's message with its names spelled as microtensor's (class reprs in signatures)."""
    return message.replace("torch.Tensor", "microtensor.tensor.Tensor")
