"""``GradScaler``: loss scaling against float16 gradient underflow, as ``torch.amp.GradScaler``.

The loss is multiplied by a scale before ``backward``; ``unscale_`` divides the gradients back
and looks for infinities or NaN; ``step`` skips the optimizer's step when it finds one;
``update`` lowers the scale after a skipped step (``backoff_factor``) and raises it after
``growth_interval`` good ones (``growth_factor``). The arithmetic is torch's: the scale is a
0-d float32 tensor, and its inverse is computed in float64, then rounded to float32.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from microtensor.tensor import Tensor

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with non-finite gradients.

    Args:
        device: ``"cpu"`` (microtensor's only device) or ``"cuda"`` (which warns, as torch
            does without a GPU, and disables the scaler).
        init_scale: the first scale.
        growth_factor: the scale's multiplier after ``growth_interval`` steps without
            infinities or NaN.
        backoff_factor: its multiplier after a step with them.
        growth_interval: the number of good steps between two growths.
        enabled: False makes every method a pass-through (``scale`` returns its input).

    Example:
        >>> import microtensor as mt
        >>> model = mt.nn.Linear(2, 1)
        >>> optimizer = mt.optim.SGD(model.parameters(), lr=0.1)
        >>> scaler = mt.amp.GradScaler("cpu", init_scale=1024.0)
        >>> loss = model(mt.ones(4, 2)).pow(2).mean()
        >>> scaler.scale(loss).backward()
        >>> scaler.step(optimizer)
        >>> scaler.update()
        >>> scaler.get_scale()
        1024.0
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if enabled and str(device).startswith("cuda"):
            warnings.warn(
                "GradScaler is enabled for 'cuda', but microtensor computes on the CPU. Disabling.",
                UserWarning,
                stacklevel=2,
            )
            enabled = False
        if enabled:  # torch checks these only for an enabled scaler, with asserts
            assert growth_factor > 1.0, "The growth factor must be > 1.0."
            assert backoff_factor < 1.0, "The backoff factor must be < 1.0."
            assert isinstance(growth_interval, int), "growth_interval must be an int"
        self._device = str(device)
        self._enabled = bool(enabled)
        self._scale = np.float32(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    # --- the loop's four calls ---------------------------------------------------------------

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or an iterable of them) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * Tensor._make(np.array(self._scale, dtype=np.float32))
        if isinstance(outputs, Iterable):
            scaled = [self.scale(out) for out in outputs]
            return type(outputs)(scaled) if isinstance(outputs, tuple | list) else scaled
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note any inf/NaN.

        Raises:
            RuntimeError: when called twice for one optimizer before ``update``, or after
                ``step``.
        """
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inverse = np.float32(1.0 / np.float64(self._scale))
        found_inf = False
        for group in optimizer.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad._data
                found_inf = found_inf or not bool(np.isfinite(grad).all())
                grad *= inverse.astype(grad.dtype)
        state["found_inf"], state["stage"] = found_inf, _UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale (if not done yet) and step ``optimizer`` unless a gradient is inf/NaN.

        Returns what ``optimizer.step`` returns, or None for a skipped step.

        Raises:
            RuntimeError: with a ``closure`` argument, or when called twice before ``update``.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adjust the scale for the next iteration (or set it to ``new_scale``).

        Raises:
            AssertionError: when no optimizer was stepped or unscaled since the last update.
        """
        if not self._enabled:
            return
        if new_scale is not None:
            value = new_scale.item() if isinstance(new_scale, Tensor) else new_scale
            self._scale = np.float32(value)
        else:
            if not self._per_optimizer:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(state["found_inf"] for state in self._per_optimizer.values()):
                self._scale = np.float32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale = np.float32(self._scale * self._growth_factor)
                    self._growth_tracker = 0
        self._per_optimizer = {}

    # --- settings and state ------------------------------------------------------------------

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False: every method passes through)."""
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return float(self._scale) if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        """The scale's growth factor."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the scale's growth factor."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The scale's backoff factor."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the scale's backoff factor."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """The number of good steps between two growths."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the number of good steps between two growths."""
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state under torch's keys (empty when disabled).

        Keys: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker.
        """
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned.

        Raises:
            RuntimeError: for an empty state (saved by a disabled scaler) into an enabled one.
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled "
                "instance of GradScaler."
            )
        self._scale = np.float32(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


class DeviceGradScaler(GradScaler):
    """torch's deprecated ``torch.<device>.amp.GradScaler(...)``: ``GradScaler(device, ...)``.

    Subclasses name the device (``cuda.amp.GradScaler``, ``cpu.amp.GradScaler``); constructing
    one warns torch's FutureWarning.
    """

    _device = "cpu"

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        warnings.warn(
            f"`microtensor.{self._device}.amp.GradScaler(args...)` is deprecated. Please use "
            f"`microtensor.amp.GradScaler('{self._device}', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(
            self._device, init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )
