"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU`` (and the cells, from ``rnn_cells.py``).

Each layer and direction computes its input projection for all time steps with one matmul, then
loops over time with the cell step functions; the outputs are stacked over time. A
``PackedSequence`` runs the same loop with the batch shrinking as sequences end. Parameter
names, gate order, shapes and reprs are PyTorch's, so a torch state dict loads unchanged.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import creation, ops
from microtensor.nn._functional._rnn_sequence_ops import GruSequence, LstmSequence
from microtensor.nn._functional.dropout import dropout as _dropout
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.nn.rnn_cells import (
    NONLINEARITIES,
    GRUCell,
    LSTMCell,
    RNNCell,
    RNNCellBase,
    gru_step,
    lstm_step,
    make_weights,
    project,
    reset_uniform,
    rnn_step,
    run_direction,
)
from microtensor.nn.utils.rnn import PackedSequence
from microtensor.tensor import Tensor

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Parameters, validation, the loop over layers and directions, and the repr.

    Subclasses say how many states they carry (1, or 2 for LSTM) and give ``_step``.
    """

    _num_states = 1

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        _check_options(mode, hidden_size, num_layers, dropout, proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size or hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = ((gate_size, layer_input), (gate_size, real_hidden))
                names = make_weights(self, suffix, shapes, bias, (device, dtype))
                if proj_size:
                    like = getattr(self, names[0])
                    weight_hr = creation.zeros(proj_size, hidden_size, dtype=like.dtype)
                    setattr(self, f"weight_hr{suffix}", Parameter(weight_hr))
                    names.append(f"weight_hr{suffix}")
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, as in PyTorch."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        reset_uniform(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN; not needed here."""

    def extra_repr(self) -> str:
        """``input_size, hidden_size`` and the options that differ from the defaults."""
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    def _step(
        self,
        x_proj: Tensor,
        states: tuple[Tensor, ...],
        weight_hh: Tensor,
        bias_hh: Tensor | None,
        weight_hr: Tensor | None = None,
        weight_hh_t: np.ndarray | None = None,
    ) -> Any:
        """One time step: the new states (the first is the output)."""
        raise NotImplementedError

    def _run(self, input: Any, hx: tuple[Tensor | None, ...]) -> tuple[Any, list[Tensor]]:  # noqa: A002
        """Check shapes, run every layer; return the output and the final states (batched).

        A ``PackedSequence`` input gives a ``PackedSequence`` output; its states are in the
        caller's batch order (permuted through ``sorted_indices`` and back).
        """
        packed = input if isinstance(input, PackedSequence) else None
        if packed is not None:
            self._check_packed(packed.data)
            layer_out, sizes = packed.data, [int(n) for n in packed.batch_sizes.tolist()]
            batched, batch, time_dim = True, sizes[0], 0
        else:
            batched = self._check_input(input)
            batch_dim = 0 if self.batch_first else 1
            layer_out = input if batched else input.unsqueeze(batch_dim)
            batch, time_dim = layer_out.shape[batch_dim], 1 - batch_dim
            sizes = [batch] * layer_out.shape[time_dim]
        states = [
            self._initial_state(state, i, batched, batch, layer_out) for i, state in enumerate(hx)
        ]
        if packed is not None and packed.sorted_indices is not None:
            states = [s.index_select(1, packed.sorted_indices) for s in states]
        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                idx = layer * directions + direction
                weight_ih, weight_hh, bias_ih, bias_hh, weight_hr = self._weights(idx)
                # W_hh.T once per sequence: the steps' GEMM is 2x faster on a contiguous operand
                weight_hh_t = np.ascontiguousarray(weight_hh._data.T)
                init = tuple(s[idx] for s in states)
                reverse = direction == 1
                if packed is None and weight_hr is None and isinstance(self, LSTM):
                    # the whole direction as one op, input projection included (_rnn_sequence_ops)
                    weights = (weight_ih, bias_ih, bias_hh, *init, weight_hh, weight_hh_t)
                    out, *state = LstmSequence.apply(layer_out, *weights, time_dim, reverse)
                elif packed is None and isinstance(self, GRU):
                    x_proj = project(layer_out, weight_ih, bias_ih, None)
                    out, *state = GruSequence.apply(
                        x_proj, *init, weight_hh, bias_hh, weight_hh_t, time_dim, reverse
                    )
                else:
                    fold = None if isinstance(self, GRU) else bias_hh
                    x_proj = project(layer_out, weight_ih, bias_ih, fold)
                    steps = ops.split(x_proj, sizes) if packed else ops.unbind(x_proj, time_dim)

                    def step(x_t: Tensor, state: tuple[Tensor, ...]) -> Any:
                        weights = (weight_hh, bias_hh, weight_hr, weight_hh_t)  # noqa: B023
                        return self._step(x_t, state, *weights)

                    outputs, state = run_direction(steps, sizes, init, step, reverse)
                    out = ops.cat(outputs, 0) if packed else ops.stack(outputs, time_dim)
                outs.append(out)
                for final, s in zip(finals, state, strict=True):
                    final.append(s)
            layer_out = outs[0] if directions == 1 else ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_out = _dropout(layer_out, self.dropout, training=True)
        final_states = [ops.stack(f, 0) if len(f) > 1 else f[0].unsqueeze(0) for f in finals]
        if packed is not None:
            if packed.unsorted_indices is not None:
                final_states = [s.index_select(1, packed.unsorted_indices) for s in final_states]
            return packed._replace(data=layer_out), final_states
        if not batched:
            layer_out = layer_out.squeeze(1 - time_dim)
            final_states = [s.squeeze(1) for s in final_states]
        return layer_out, final_states

    def _weights(self, idx: int) -> tuple[Any, ...]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh, weight_hr)`` of one layer and direction."""
        suffix = self._all_weights[idx][0][len("weight_ih") :]
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        return tuple(getattr(self, name + suffix, None) for name in names)

    def _check_packed(self, data: Tensor) -> None:
        name = type(self).__name__
        if data.ndim != 2:
            raise RuntimeError(f"{name}: input must have 2 dimensions, got {data.ndim}")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {data.shape[-1]}"
            )

    def _check_input(self, input: Tensor) -> bool:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{type(self).__name__}: input must be a Tensor, got {type(input).__name__}"
            )
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]}"
            )
        time_dim = 1 if self.batch_first and input.ndim == 3 else 0
        if input.shape[time_dim] == 0:
            raise RuntimeError(
                f"{name}: Expected sequence length to be larger than 0 in RNN, got input "
                f"shape {tuple(input.shape)}"
            )
        return input.ndim == 3

    def _initial_state(
        self,
        state: Tensor | None,
        i: int,
        batched: bool,
        batch: int,
        input: Tensor,  # noqa: A002
    ) -> Tensor:
        """The given state, checked and made batched, or zeros."""
        directions = 2 if self.bidirectional else 1
        size = self.hidden_size if i == 1 or not self.proj_size else self.proj_size
        expected = (self.num_layers * directions, batch, size)
        if state is None:
            return creation.zeros(*expected, dtype=input.dtype)
        name = type(self).__name__
        if state.ndim != (3 if batched else 2):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise RuntimeError(
                f"{name}: For {kind} input, hx should also be {3 if batched else 2}-D but got "
                f"{state.ndim}-D tensor"
            )
        if not batched:
            state = state.unsqueeze(1)
        if tuple(state.shape) != expected:
            which = f"hidden[{i}]" if self._num_states == 2 else "hidden"
            got = list(state.shape) if batched else [state.shape[0], state.shape[2]]
            want = expected if batched else (expected[0], expected[2])
            raise RuntimeError(
                f"{name}: Expected {which} size {want}, got {got}: it must be "
                "(num_layers * num_directions, batch, hidden_size)"
            )
        return state


def _check_options(
    mode: str, hidden_size: int, num_layers: int, dropout: float, proj_size: int
) -> None:
    if not isinstance(dropout, int | float) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an "
            f"element being zeroed, got {dropout!r}"
        )
    if hidden_size <= 0:
        raise ValueError(f"hidden_size must be greater than zero, got {hidden_size}")
    if num_layers <= 0:
        raise ValueError(f"num_layers must be greater than zero, got {num_layers}")
    if proj_size < 0:
        raise ValueError(
            f"proj_size should be a positive integer or zero to disable projections, got "
            f"{proj_size}"
        )
    if proj_size >= hidden_size:
        raise ValueError(
            f"proj_size has to be smaller than hidden_size, got proj_size={proj_size} and "
            f"hidden_size={hidden_size}"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero "
            f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
            f"num_layers={num_layers}",
            stacklevel=3,
        )


class RNN(RNNBase):
    """A multi-layer Elman RNN: ``h_t = tanh(x_t @ W_ih.T + b_ih + h_(t-1) @ W_hh.T + b_hh)``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked recurrent layers.
        nonlinearity: ``'tanh'`` or ``'relu'``.
        bias: if False, no ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: if True, input and output are ``(N, L, *)`` instead of ``(L, N, *)``.
        dropout: dropout probability on the outputs of every layer but the last (training).
        bidirectional: if True, each layer also runs backwards in time (``*_reverse``
            parameters) and the outputs of both directions are concatenated.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(L, N, input_size)`` (``(N, L, input_size)`` if batch_first) or unbatched
          ``(L, input_size)``, or a ``PackedSequence``; h_0 (optional, zeros if None):
          ``(D * num_layers, N, hidden_size)`` or ``(D * num_layers, hidden_size)``,
          D = 2 if bidirectional else 1.
        - Output: ``(output, h_n)``: output ``(L, N, D * hidden_size)`` (batch_first:
          ``(N, L, ...)``), h_n shaped like h_0.

    The parameters of layer k are ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``
    and ``bias_hh_l{k}`` (and the same with ``_reverse`` for the backward direction), all
    U(-k, k) with k = 1/sqrt(hidden_size).

    Raises:
        ValueError: for a bad option, or an input that is not 2-D or 3-D.
        RuntimeError: if the input or h_0 has the wrong size.

    Differs from PyTorch: the same seed gives other initial values.

    Example:
        >>> import microtensor as mt
        >>> rnn = mt.nn.RNN(10, 20, num_layers=2)
        >>> output, h_n = rnn(mt.randn(5, 3, 10))
        >>> output.shape, h_n.shape
        (microtensor.Size([5, 3, 20]), microtensor.Size([2, 3, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )
        self.nonlinearity = nonlinearity

    def _step(
        self,
        x_proj: Tensor,
        states: tuple[Tensor, ...],
        weight_hh: Tensor,
        bias_hh: Tensor | None,
        weight_hr: Tensor | None = None,
        weight_hh_t: np.ndarray | None = None,
    ) -> Any:
        return (rnn_step(x_proj, states[0], weight_hh, self.nonlinearity, weight_hh_t),)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:  # noqa: A002
        """Return ``(output, h_n)`` (output is a ``PackedSequence`` for a packed input)."""
        output, (h_n,) = self._run(input, (hx,))
        return output, h_n


class LSTM(RNNBase):
    """A multi-layer LSTM, PyTorch's gate order (input, forget, cell, output), as ``LSTMCell``.

    Args:
        input_size: features of the input.
        hidden_size: features of the states h and c.
        num_layers: stacked recurrent layers.
        bias: if False, no ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: if True, input and output are ``(N, L, *)`` instead of ``(L, N, *)``.
        dropout: dropout probability on the outputs of every layer but the last (training).
        bidirectional: if True, each layer also runs backwards in time (``*_reverse``
            parameters) and the outputs of both directions are concatenated.
        proj_size: if > 0, h is projected to this size, ``h = (o * tanh(c)) @ W_hr.T``, with
            ``weight_hr_l{k}`` of shape ``(proj_size, hidden_size)``.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(L, N, input_size)`` (``(N, L, input_size)`` if batch_first) or unbatched
          ``(L, input_size)``, or a ``PackedSequence``; hx (optional, zeros if None):
          ``(h_0, c_0)``, each ``(D * num_layers, N, H)`` or ``(D * num_layers, H)``, with
          H = proj_size (or hidden_size) for h_0 and hidden_size for c_0.
        - Output: ``(output, (h_n, c_n))``: output ``(L, N, D * H)`` (batch_first:
          ``(N, L, ...)``; a ``PackedSequence`` for a packed input), h_n and c_n shaped like
          h_0 and c_0.

    Attributes:
        weight_ih_l{k}: ``(4 * hidden_size, input of layer k)``; weight_hh_l{k}, bias_ih_l{k},
            bias_hh_l{k}, weight_hr_l{k} if proj_size (and ``_reverse``): all U(-k, k) with
            k = 1/sqrt(hidden_size).

    Raises:
        ValueError: for a bad option, or an input that is not 2-D or 3-D.
        RuntimeError: if the input, h_0 or c_0 has the wrong size.

    Differs from PyTorch: the same seed gives other initial values.

    Example:
        >>> import microtensor as mt
        >>> lstm = mt.nn.LSTM(10, 20, num_layers=2, batch_first=True)
        >>> lstm
        LSTM(10, 20, num_layers=2, batch_first=True)
        >>> output, (h_n, c_n) = lstm(mt.randn(3, 5, 10))
        >>> output.shape, c_n.shape
        (microtensor.Size([3, 5, 20]), microtensor.Size([2, 3, 20]))
    """

    _num_states = 2

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )

    def _step(
        self,
        x_proj: Tensor,
        states: tuple[Tensor, ...],
        weight_hh: Tensor,
        bias_hh: Tensor | None,
        weight_hr: Tensor | None = None,
        weight_hh_t: np.ndarray | None = None,
    ) -> Any:
        return lstm_step(x_proj, states[0], states[1], weight_hh, weight_hr, weight_hh_t)

    def forward(
        self,
        input: Any,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Any, tuple[Tensor, Tensor]]:
        """Return ``(output, (h_n, c_n))``."""
        output, (h_n, c_n) = self._run(input, (None, None) if hx is None else tuple(hx))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """A multi-layer GRU, PyTorch's gate order (reset, update, new), as ``GRUCell``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked recurrent layers.
        bias: if False, no ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: if True, input and output are ``(N, L, *)`` instead of ``(L, N, *)``.
        dropout: dropout probability on the outputs of every layer but the last (training).
        bidirectional: if True, each layer also runs backwards in time (``*_reverse``
            parameters) and the outputs of both directions are concatenated.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(L, N, input_size)`` (``(N, L, input_size)`` if batch_first) or unbatched
          ``(L, input_size)``, or a ``PackedSequence``; h_0 (optional, zeros if None):
          ``(D * num_layers, N, hidden_size)`` or ``(D * num_layers, hidden_size)``.
        - Output: ``(output, h_n)``: output ``(L, N, D * hidden_size)`` (batch_first:
          ``(N, L, ...)``), h_n shaped like h_0.

    Attributes:
        weight_ih_l{k}: ``(3 * hidden_size, input of layer k)``, weight_hh_l{k}, bias_ih_l{k},
        bias_hh_l{k} (and ``_reverse``): all U(-k, k), k = 1/sqrt(hidden_size).

    Raises:
        ValueError: for a bad option, or an input that is not 2-D or 3-D.
        RuntimeError: if the input or h_0 has the wrong size.

    Differs from PyTorch: the same seed gives other initial values.

    Example:
        >>> import microtensor as mt
        >>> gru = mt.nn.GRU(10, 20, bidirectional=True)
        >>> output, h_n = gru(mt.randn(5, 10))
        >>> output.shape, h_n.shape
        (microtensor.Size([5, 40]), microtensor.Size([2, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )

    def _step(
        self,
        x_proj: Tensor,
        states: tuple[Tensor, ...],
        weight_hh: Tensor,
        bias_hh: Tensor | None,
        weight_hr: Tensor | None = None,
        weight_hh_t: np.ndarray | None = None,
    ) -> Any:
        return (gru_step(x_proj, states[0], weight_hh, bias_hh, weight_hh_t),)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:  # noqa: A002
        """Return ``(output, h_n)`` (output is a ``PackedSequence`` for a packed input)."""
        output, (h_n,) = self._run(input, (hx,))
        return output, h_n
