"""``RNNCell``, ``LSTMCell``, ``GRUCell`` and the step functions that ``RNN``/``LSTM``/``GRU`` use.

Every step is one fused op (``nn/_functional/_rnn_step_ops.py``: one GEMM for all gates, one
closed-form backward that is itself differentiable). The input projection
``x @ W_ih.T + b_ih`` is done outside the step, so the layers compute it for all time steps
with one matmul.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microtensor import creation, dtypes, ops
from microtensor._device import check_cpu as _device
from microtensor.nn import init
from microtensor.nn._functional._rnn_step_ops import GruStep, LstmStep, RnnStep
from microtensor.nn._functional.linear import linear
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]

NONLINEARITIES = ("tanh", "relu")


def rnn_step(
    x_proj: Tensor,
    hidden: Tensor,
    weight_hh: Tensor,
    nonlinearity: str,
    weight_hh_t: np.ndarray | None = None,
) -> Tensor:
    """Elman step: h' = act(x_proj + h @ W_hh.T), where x_proj = x @ W_ih.T + b_ih + b_hh.

    ``weight_hh_t`` (all steps): W_hh.T as a contiguous array, made once per sequence.
    """
    return RnnStep.apply(x_proj, hidden, weight_hh, nonlinearity, weight_hh_t)


def lstm_step(
    x_proj: Tensor,
    hidden: Tensor,
    cell: Tensor,
    weight_hh: Tensor,
    weight_hr: Tensor | None = None,
    weight_hh_t: np.ndarray | None = None,
) -> tuple[Tensor, Tensor]:
    """PyTorch's gate order i, f, g, o:  c' = s(f) * c + s(i) * tanh(g),  h' = s(o) * tanh(c').

    ``x_proj = x @ W_ih.T + b_ih + b_hh`` holds both biases. With a projection (LSTM
    ``proj_size``), ``h' = (s(o) * tanh(c')) @ W_hr.T``.
    """
    new_hidden, new_cell = LstmStep.apply(x_proj, hidden, cell, weight_hh, weight_hh_t)
    if weight_hr is not None:
        new_hidden = linear(new_hidden, weight_hr)
    return new_hidden, new_cell


def gru_step(
    x_proj: Tensor,
    hidden: Tensor,
    weight_hh: Tensor,
    bias_hh: Tensor | None,
    weight_hh_t: np.ndarray | None = None,
) -> Tensor:
    """PyTorch's gate order r, z, n:  n = tanh(x_n + r * (W_hn h + b_hn)),  h' = n + z (h - n).

    ``x_proj = x @ W_ih.T + b_ih``; b_hh stays here, as b_hn sits inside r * (...).
    """
    return GruStep.apply(x_proj, hidden, weight_hh, bias_hh, weight_hh_t)


def run_direction(
    steps: Sequence[Tensor],
    batch_sizes: Sequence[int],
    init: tuple[Tensor, ...],
    step: Callable[[Tensor, tuple[Tensor, ...]], tuple[Tensor, ...]],
    reverse: bool,
) -> tuple[list[Tensor], tuple[Tensor, ...]]:
    """Loop ``step`` over time; return the outputs (in time order) and the final states.

    ``batch_sizes[t]`` sequences run at step t, sorted longest first (a packed sequence; all
    equal for a padded batch). Forward in time, a sequence that ends keeps its last state;
    backward in time, a sequence joins with its initial state when its last step comes.
    """
    outputs: list[Tensor] = []
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    rows = init[0].shape[0]
    state = (
        init
        if not reverse or batch_sizes[-1] == rows
        else tuple(s[: batch_sizes[-1]] for s in init)
    )
    finished: list[tuple[Tensor, ...]] = []
    for t in order:
        size, running = batch_sizes[t], state[0].shape[0]
        if size < running:  # forward: sequences size.. have ended
            finished.append(tuple(s[size:] for s in state))
            state = tuple(s[:size] for s in state)
        elif size > running:  # backward: sequences running.. start here
            state = tuple(
                ops.cat([s, s0[running:size]], 0) for s, s0 in zip(state, init, strict=True)
            )
        state = step(steps[t], state)
        outputs.append(state[0])
    if finished:
        parts = [state, *reversed(finished)]
        state = tuple(ops.cat(list(column), 0) for column in zip(*parts, strict=True))
    if reverse:
        outputs.reverse()
    return outputs, state


def project(
    input: Tensor,  # noqa: A002
    weight_ih: Tensor,
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
) -> Tensor:
    """``input @ W_ih.T + b_ih + b_hh`` over the last dim as one 2-D matmul (a bias may be None)."""
    bias = bias_hh if bias_ih is None else bias_ih if bias_hh is None else bias_ih + bias_hh
    if input.ndim == 2:
        return linear(input, weight_ih, bias)
    rows = linear(input.reshape(-1, input.shape[-1]), weight_ih, bias)
    return rows.reshape(*input.shape[:-1], weight_ih.shape[0])


def make_weights(
    module: Module,
    suffix: str,
    shapes: tuple[tuple[int, int], tuple[int, int]],
    bias: bool,
    factory: tuple[Any, Any],
) -> list[str]:
    """Register ``weight_ih{suffix}``, ``weight_hh{suffix}`` (and biases) in PyTorch's order."""
    device, dtype = factory
    if device is not None:
        _device(device)  # only the CPU exists; anything else raises
    dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype())
    names = []
    for kind, shape in zip(("ih", "hh"), shapes, strict=True):
        setattr(module, f"weight_{kind}{suffix}", Parameter(creation.zeros(*shape, dtype=dtype)))
        names.append(f"weight_{kind}{suffix}")
    for kind, shape in zip(("ih", "hh"), shapes, strict=True):
        if bias:
            setattr(
                module, f"bias_{kind}{suffix}", Parameter(creation.zeros(shape[0], dtype=dtype))
            )
            names.append(f"bias_{kind}{suffix}")
        else:
            module.register_parameter(f"bias_{kind}{suffix}", None)
    return names


def reset_uniform(module: Module, hidden_size: int) -> None:
    """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


class RNNCellBase(Module):
    """The base of the three cells: their parameters, validation and repr (torch's name).

    Args:
        input_size: the number of input features.
        hidden_size: the number of hidden features.
        bias: whether the cell has ``bias_ih`` and ``bias_hh``.
        num_chunks: gates stacked in the weights: 1 (RNN), 3 (GRU), 4 (LSTM).
        device: accepted; only the CPU exists.
        dtype: the parameters' dtype.

    Example:
        >>> import microtensor as mt
        >>> cell = mt.nn.RNNCellBase(3, 4, True, 2)
        >>> [name for name, _ in cell.named_parameters()], cell.weight_ih.shape
        (['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'], microtensor.Size([8, 3]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = num_chunks * hidden_size
        shapes = ((gate_size, input_size), (gate_size, hidden_size))
        make_weights(self, "", shapes, bias, (device, dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        reset_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        """``input_size, hidden_size`` and the options that differ from the defaults."""
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text

    def _batched(self, input: Tensor, states: tuple[Tensor | None, ...]) -> tuple[Tensor, ...]:  # noqa: A002
        """Check the shapes; return input and states as 2-D (zeros for missing states)."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected "
                f"{self.input_size}"
            )
        batch = input.shape[0] if input.ndim == 2 else 1
        out = [input if input.ndim == 2 else input.unsqueeze(0)]
        for i, state in enumerate(states):
            if state is None:
                out.append(creation.zeros(batch, self.hidden_size, dtype=input.dtype))
                continue
            if state.ndim != input.ndim:
                raise RuntimeError(
                    f"{name}: hidden state {i} must have as many dims as the input "
                    f"({input.ndim}D), got shape {tuple(state.shape)}"
                )
            state = state if state.ndim == 2 else state.unsqueeze(0)
            if state.shape[0] != batch:
                raise RuntimeError(
                    f"{name}: Input batch size {batch} doesn't match hidden{i} batch size "
                    f"{state.shape[0]}"
                )
            if state.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"{name}: hidden{i} has inconsistent hidden_size: got {state.shape[1]}, "
                    f"expected {self.hidden_size}"
                )
            out.append(state)
        return tuple(out)

    def _project(self, input: Tensor, fold_hh: bool = True) -> Tensor:  # noqa: A002
        return project(input, self.weight_ih, self.bias_ih, self.bias_hh if fold_hh else None)


class RNNCell(RNNCellBase):
    """An Elman RNN cell: ``h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)`` (or relu).

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        bias: if False, no ``bias_ih`` and ``bias_hh``.
        nonlinearity: ``'tanh'`` or ``'relu'``.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(N, input_size)`` or ``(input_size,)``; hx (optional, zeros if None):
          ``(N, hidden_size)`` or ``(hidden_size,)``.
        - Output: h', shaped like hx.

    Attributes:
        weight_ih: ``(hidden_size, input_size)``; weight_hh: ``(hidden_size, hidden_size)``;
        bias_ih, bias_hh: ``(hidden_size,)``. All start as U(-k, k), k = 1/sqrt(hidden_size).

    Raises:
        ValueError: for an unknown nonlinearity, or an input that is not 1-D or 2-D.
        RuntimeError: if the input or hidden state has the wrong size.

    Differs from PyTorch: the same seed gives other initial values (NumPy's generator).

    Example:
        >>> import microtensor as mt
        >>> cell = mt.nn.RNNCell(10, 20)
        >>> cell(mt.randn(3, 10)).shape
        microtensor.Size([3, 20])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """Return the next hidden state."""
        x, h = self._batched(input, (hx,))
        out = rnn_step(self._project(x), h, self.weight_hh, self.nonlinearity)
        return out if input.ndim == 2 else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """A long short-term memory cell, PyTorch's gate order (input, forget, cell, output).

    ``i, f, g, o = chunk(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4)``,
    ``c' = sigmoid(f) * c + sigmoid(i) * tanh(g)``, ``h' = sigmoid(o) * tanh(c')``.

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the states ``h`` and ``c``.
        bias: if False, no ``bias_ih`` and ``bias_hh``.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(N, input_size)`` or ``(input_size,)``; hx (optional, zeros if None): a pair
          ``(h, c)``, each ``(N, hidden_size)`` or ``(hidden_size,)``.
        - Output: ``(h', c')``, shaped like h and c.

    Attributes:
        weight_ih: ``(4 * hidden_size, input_size)``.
        weight_hh: ``(4 * hidden_size, hidden_size)``.
        bias_ih: ``(4 * hidden_size,)``.
        bias_hh: ``(4 * hidden_size,)``; all four start as U(-k, k),
            k = 1/sqrt(hidden_size).

    Raises:
        ValueError: if the input is not 1-D or 2-D.
        RuntimeError: if the input or a state has the wrong size.

    Example:
        >>> import microtensor as mt
        >>> cell = mt.nn.LSTMCell(10, 20)
        >>> h, c = cell(mt.randn(3, 10))
        >>> h.shape, c.shape
        (microtensor.Size([3, 20]), microtensor.Size([3, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(
        self,
        input: Tensor,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Return the next ``(h, c)``."""
        x, h, c = self._batched(input, (None, None) if hx is None else tuple(hx))
        h, c = lstm_step(self._project(x), h, c, self.weight_hh)
        return (h, c) if input.ndim == 2 else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell, PyTorch's gate order (reset, update, new).

    ``r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)``, ``z = sigmoid(W_iz x + b_iz + W_hz h +
    b_hz)``, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        bias: if False, no ``bias_ih`` and ``bias_hh``.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(N, input_size)`` or ``(input_size,)``; hx (optional, zeros if None):
          ``(N, hidden_size)`` or ``(hidden_size,)``.
        - Output: h', shaped like hx.

    Attributes:
        weight_ih: ``(3 * hidden_size, input_size)``.
        weight_hh: ``(3 * hidden_size, hidden_size)``.
        bias_ih: ``(3 * hidden_size,)``.
        bias_hh: ``(3 * hidden_size,)``; all four start as U(-k, k),
            k = 1/sqrt(hidden_size).

    Raises:
        ValueError: if the input is not 1-D or 2-D.
        RuntimeError: if the input or hidden state has the wrong size.

    Example:
        >>> import microtensor as mt
        >>> cell = mt.nn.GRUCell(10, 20)
        >>> cell(mt.randn(10)).shape
        microtensor.Size([20])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """Return the next hidden state."""
        x, h = self._batched(input, (hx,))
        out = gru_step(self._project(x, False), h, self.weight_hh, self.bias_hh)
        return out if input.ndim == 2 else out.squeeze(0)


_RNNCellBase = RNNCellBase  # the name this module used before
