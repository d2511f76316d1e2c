"""torch's top-level recurrent cells: rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell.

The ATen ops behind ``nn.RNNCell``/``nn.LSTMCell``/``nn.GRUCell``, with the weights as
arguments: ``(input, hx, w_ih, w_hh, b_ih=None, b_hh=None)``. Each is nn's fused step op
(``nn/rnn_cells.py``), so values and gradients are the cells'.
"""

from __future__ import annotations

from collections.abc import Sequence

from microtensor.nn.rnn_cells import gru_step, lstm_step, project, rnn_step
from microtensor.tensor import Tensor

__all__ = ["gru_cell", "lstm_cell", "rnn_relu_cell", "rnn_tanh_cell"]

_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def _check_cell(name: str, input: Tensor, hx: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor) -> None:  # noqa: A002
    """Torch's checks of a cell's weights, input and hidden states (in its order)."""
    gates, hidden_size = _GATES[name.removesuffix("_cell")], w_hh.shape[1]
    if w_ih.shape[0] != gates * hidden_size:
        raise RuntimeError(
            f"{name}(): weight_ih first dim must be {gates} * hidden_size = "
            f"{gates * hidden_size}, but got {w_ih.shape[0]}"
        )
    if input.ndim != 2:
        raise IndexError(
            f"{name}(): input must be 2-D (batch, input_size), got {input.ndim}-D: "
            "unsqueeze(0) a single sample"
        )
    if input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(
            f"{name}(): input has inconsistent input_size: got {input.shape[1]} expected "
            f"{w_ih.shape[1]}"
        )
    for i, state in enumerate(hx):
        if state.ndim != 2 or state.shape[0] != input.shape[0]:
            raise RuntimeError(
                f"{name}(): Input batch size {input.shape[0]} doesn't match hidden{i} batch "
                f"size {state.shape[0] if state.ndim else 0} (hidden{i} shape "
                f"{tuple(state.shape)})"
            )
        if state.shape[1] != hidden_size:
            raise RuntimeError(
                f"{name}(): hidden{i} has inconsistent hidden_size: got {state.shape[1]}, "
                f"expected {hidden_size}"
            )


def _elman_cell(
    nonlinearity: str,
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
) -> Tensor:
    """``rnn_tanh_cell`` or ``rnn_relu_cell`` (``nonlinearity`` is ``"tanh"`` or ``"relu"``)."""
    _check_cell(f"rnn_{nonlinearity}_cell", input, (hx,), w_ih, w_hh)
    return rnn_step(project(input, w_ih, b_ih, b_hh), hx, w_hh, nonlinearity)


def rnn_tanh_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman step, ``h' = tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)``.

    Args:
        input: ``(batch, input_size)``.
        hx: the hidden state, ``(batch, hidden_size)``.
        w_ih: ``(hidden_size, input_size)``.
        w_hh: ``(hidden_size, hidden_size)``.
        b_ih: ``(hidden_size,)`` or None.
        b_hh: ``(hidden_size,)`` or None.

    Returns:
        h', ``(batch, hidden_size)``.

    Raises:
        RuntimeError: if a size does not match the weights.
        IndexError: if ``input`` is not 2-D.

    Example:
        >>> import microtensor as mt
        >>> x, h = mt.ones(1, 2), mt.zeros(1, 1)
        >>> mt.rnn_tanh_cell(x, h, mt.tensor([[0.5, 0.5]]), mt.ones(1, 1))
        tensor([[0.7616]])
    """
    return _elman_cell("tanh", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman step with relu, ``h' = relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)``.

    Args, shapes and result as ``rnn_tanh_cell``.

    Raises:
        RuntimeError: if a size does not match the weights.
        IndexError: if ``input`` is not 2-D.

    Example:
        >>> import microtensor as mt
        >>> mt.rnn_relu_cell(mt.ones(1, 2), mt.ones(1, 1), mt.ones(1, 2), -mt.ones(1, 1))
        tensor([[1.]])
    """
    return _elman_cell("relu", input, hx, w_ih, w_hh, b_ih, b_hh)


def lstm_cell(
    input: Tensor,  # noqa: A002
    hx: Sequence[Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step (gates i, f, g, o as ``nn.LSTMCell``); ``hx`` is the pair ``(h, c)``.

    Args:
        input: ``(batch, input_size)``.
        hx: ``(h, c)``, each ``(batch, hidden_size)``.
        w_ih: ``(4 * hidden_size, input_size)``.
        w_hh: ``(4 * hidden_size, hidden_size)``.
        b_ih: ``(4 * hidden_size,)`` or None.
        b_hh: ``(4 * hidden_size,)`` or None.

    Returns:
        ``(h', c')``.

    Raises:
        TypeError: if ``hx`` is a tensor instead of a pair.
        RuntimeError: if ``hx`` does not hold two states or a size does not match.
        IndexError: if ``input`` is not 2-D.

    Example:
        >>> import microtensor as mt
        >>> h, c = mt.lstm_cell(mt.ones(1, 2), (mt.zeros(1, 1), mt.zeros(1, 1)),
        ...                     mt.ones(4, 2), mt.ones(4, 1))
        >>> c
        tensor([[0.8491]])
    """
    if isinstance(hx, Tensor) or not isinstance(hx, Sequence):
        raise TypeError(
            f"lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not "
            f"{type(hx).__name__}"
        )
    if len(hx) != 2:
        raise RuntimeError(f"lstm_cell expects two hidden states, got {len(hx)}")
    _check_cell("lstm_cell", input, hx, w_ih, w_hh)
    return lstm_step(project(input, w_ih, b_ih, b_hh), hx[0], hx[1], w_hh)


def gru_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step (gates r, z, n as ``nn.GRUCell``; ``b_hh`` sits inside ``r * (...)``).

    Args:
        input: ``(batch, input_size)``.
        hx: ``(batch, hidden_size)``.
        w_ih: ``(3 * hidden_size, input_size)``.
        w_hh: ``(3 * hidden_size, hidden_size)``.
        b_ih: ``(3 * hidden_size,)`` or None.
        b_hh: ``(3 * hidden_size,)`` or None.

    Returns:
        h', ``(batch, hidden_size)``.

    Raises:
        RuntimeError: if a size does not match the weights.
        IndexError: if ``input`` is not 2-D.

    Example:
        >>> import microtensor as mt
        >>> mt.gru_cell(mt.ones(1, 2), mt.ones(1, 1), mt.zeros(3, 2), mt.zeros(3, 1))
        tensor([[0.5000]])
    """
    _check_cell("gru_cell", input, (hx,), w_ih, w_hh)
    return gru_step(project(input, w_ih, b_ih, None), hx, w_hh, b_hh)
