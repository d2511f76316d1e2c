"""The one exception every loader raises for a file it cannot read: ``CheckpointError``."""

from __future__ import annotations

import pickle


class CheckpointError(pickle.UnpicklingError, RuntimeError):
    """Raised by ``microtensor.load`` for a corrupt, truncated, hostile or foreign file.

    Its message names the file and the fault. It is a ``pickle.UnpicklingError``, as what
    ``torch.load(weights_only=True)`` raises for a refused pickle, and a ``RuntimeError``, as
    what torch raises for a corrupt zip archive, so code written for either catches it.
    """


def refuse(name: str, fault: str) -> CheckpointError:
    """``CheckpointError("load(): <name> <fault>")``, to ``raise``."""
    return CheckpointError(f"load(): {name} {fault}")
