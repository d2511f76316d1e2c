"""torch's top-level recurrent functions: the cells (``torch.lstm_cell``...) and whole layers.

These are the ATen ops behind ``nn.RNNCell``/``nn.LSTM``...: they take the weights as
arguments instead of a module. The cells are ``(input, hx, w_ih, w_hh, b_ih=None, b_hh=None)``;
the layers ``(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
batch_first)``, or for a packed sequence ``(data, batch_sizes, hx, params, has_biases,
num_layers, dropout, train, bidirectional)``. ``params`` lists, per layer and direction,
``w_ih, w_hh`` then ``b_ih, b_hh`` when ``has_biases`` (and ``w_hr`` for an LSTM with
projections, which the two states' last sizes differ by), as ``nn.LSTM._flat_weights``.

Every step is nn's fused step op (``nn/rnn_cells.py``), so values and gradients are the
layers'.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from microtensor import ops
from microtensor.nn._functional.dropout import dropout as _dropout
from microtensor.nn.rnn_cells import gru_step, lstm_step, project, rnn_step, run_direction
from microtensor.tensor import Tensor

__all__ = [
    "gru",
    "gru_cell",
    "lstm",
    "lstm_cell",
    "rnn_relu",
    "rnn_relu_cell",
    "rnn_tanh",
    "rnn_tanh_cell",
]

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
    _check_cell("rnn_tanh_cell", input, (hx,), w_ih, w_hh)
    return rnn_step(_project(input, w_ih, b_ih, b_hh), hx, w_hh, "tanh")


def rnn_relu_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman step with relu, ``h' = relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)``.

    Args and shapes as ``rnn_tanh_cell``.

    Args:
        input: ``(batch, input_size)``.
        hx: ``(batch, hidden_size)``.
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
        >>> mt.rnn_relu_cell(mt.ones(1, 2), mt.ones(1, 1), mt.ones(1, 2), -mt.ones(1, 1))
        tensor([[1.]])
    """
    _check_cell("rnn_relu_cell", input, (hx,), w_ih, w_hh)
    return rnn_step(_project(input, w_ih, b_ih, b_hh), hx, w_hh, "relu")


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
    return lstm_step(_project(input, w_ih, b_ih, b_hh), hx[0], hx[1], w_hh)


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


def _project(input: Tensor, w_ih: Tensor, b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:  # noqa: A002
    """``input @ w_ih.T + b_ih + b_hh`` with either bias possibly missing."""
    # nn's project() folds b_hh only beside b_ih (its layers have both or neither)
    bias = b_hh if b_ih is None else b_ih if b_hh is None else b_ih + b_hh
    return project(input, w_ih, bias, None)


# --- whole layers ----------------------------------------------------------------------------


def _step_function(mode: str, weights: Sequence[Any]) -> Callable[..., Any]:
    """``step(x_proj_t, states) -> states`` of one layer and direction."""
    _, w_hh, _, b_hh, w_hr = weights
    if mode == "lstm":
        return lambda x_t, state: lstm_step(x_t, state[0], state[1], w_hh, w_hr)
    if mode == "gru":
        return lambda x_t, state: (gru_step(x_t, state[0], w_hh, b_hh),)
    nonlinearity = mode.removeprefix("rnn_")
    return lambda x_t, state: (rnn_step(x_t, state[0], w_hh, nonlinearity),)


def _layer_weights(
    mode: str, params: Sequence[Tensor], has_biases: bool, projections: bool, count: int
) -> list[tuple[Any, ...]]:
    """``(w_ih, w_hh, b_ih, b_hh, w_hr)`` per layer and direction, from the flat ``params``."""
    stride = 2 + 2 * builtins.bool(has_biases) + builtins.int(projections)
    if len(params) != stride * count:
        what = "w_ih, w_hh" + (", b_ih, b_hh" if has_biases else "")
        what += ", w_hr" if projections else ""
        raise RuntimeError(
            f"{mode}(): expected {stride * count} weights ({what} for each of the {count} "
            f"layers and directions), got {len(params)}"
        )
    groups = []
    for start in builtins.range(0, len(params), stride):
        w_ih, w_hh, *rest = params[start : start + stride]
        b_ih, b_hh = (rest[0], rest[1]) if has_biases else (None, None)
        groups.append((w_ih, w_hh, b_ih, b_hh, rest[-1] if projections else None))
    return groups


def _check_states(mode: str, states: Sequence[Tensor], count: int, batch: int) -> None:
    for i, state in enumerate(states):
        if state.ndim != 3 or state.shape[0] != count or state.shape[1] != batch:
            raise RuntimeError(
                f"{mode}(): hidden state {i} must be (num_layers * num_directions, batch, "
                f"hidden_size) = ({count}, {batch}, hidden_size), got {tuple(state.shape)}"
            )


def _run_layers(
    mode: str,
    input: Tensor,  # noqa: A002
    sizes: list[int] | None,
    states: Sequence[Tensor],
    options: tuple[Any, ...],
) -> tuple[Tensor, ...]:
    """Every layer and direction over a (time, batch, features) input or packed ``data``.

    ``sizes`` is the packed batch sizes per step (None: a padded batch). Returns the output
    then the final states, each stacked over layers and directions.
    """
    params, has_biases, num_layers, dropout, train, bidirectional = options
    if mode == "lstm" and len(states) != 2:
        raise RuntimeError(f"lstm expects two hidden states, got {len(states)}")
    directions = 2 if bidirectional else 1
    if num_layers < 1:
        raise RuntimeError(f"{mode}(): num_layers must be at least 1, got {num_layers}")
    if input.ndim != (2 if sizes is not None else 3):
        kind = "packed data (sum of batch sizes, features)" if sizes else "(time, batch, features)"
        raise RuntimeError(f"{mode}(): input must be {kind}, got shape {tuple(input.shape)}")
    batch = sizes[0] if sizes is not None else input.shape[1]
    _check_states(mode, states, num_layers * directions, batch)
    projections = mode == "lstm" and states[0].shape[2] != states[1].shape[2]
    groups = _layer_weights(mode, params, has_biases, projections, num_layers * directions)
    steps_sizes = sizes if sizes is not None else [batch] * input.shape[0]
    layer_out = input
    finals: list[list[Tensor]] = [[] for _ in states]
    for layer in builtins.range(num_layers):
        outs = []
        for direction in builtins.range(directions):
            idx = layer * directions + direction
            w_ih, _, b_ih, b_hh, _ = groups[idx]
            x_proj = project(layer_out, w_ih, b_ih, None if mode == "gru" else b_hh)
            steps = ops.split(x_proj, steps_sizes) if sizes else ops.unbind(x_proj, 0)
            init = tuple(s[idx] for s in states)
            step = _step_function(mode, groups[idx])
            outputs, final = run_direction(steps, steps_sizes, init, step, direction == 1)
            outs.append(ops.cat(outputs, 0) if sizes else ops.stack(outputs, 0))
            for column, s in zip(finals, final, strict=True):
                column.append(s)
        layer_out = outs[0] if directions == 1 else ops.cat(outs, -1)
        if dropout and train and layer < num_layers - 1:
            layer_out = _dropout(layer_out, dropout, training=True)
    return (layer_out, *(ops.stack(column, 0) for column in finals))


def _layers(mode: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Tensor, ...]:
    """Tell the two overloads apart (``batch_sizes`` is a tensor) and run the layers."""
    names = ("params", "has_biases", "num_layers", "dropout", "train", "bidirectional")
    # the 4th argument is has_biases (a bool) in the padded overload, params in the packed one
    packed = "batch_sizes" in kwargs or "data" in kwargs
    packed = packed or (len(args) > 3 and isinstance(args[3], list | tuple))
    packed = packed or (len(args) == 3 and "params" in kwargs)
    first = ("data", "batch_sizes", "hx") if packed else ("input", "hx")
    last = () if packed else ("batch_first",)
    every = (*first, *names, *last)
    if len(args) > len(every):
        raise TypeError(f"{mode}() takes {len(every)} arguments, got {len(args)}")
    bound = dict(zip(every, args, strict=False))
    for key, value in kwargs.items():
        if key not in every or key in bound:
            raise TypeError(f"{mode}() got an unexpected or repeated argument {key!r}")
        bound[key] = value
    missing = [name for name in every if name not in bound]
    if missing:
        raise TypeError(f"{mode}() missing required arguments: {', '.join(missing)}")
    hx = bound["hx"]
    if (mode == "lstm") == isinstance(hx, Tensor):
        want = "tuple of Tensors" if mode == "lstm" else "Tensor"
        raise TypeError(f"{mode}(): argument 'hx' must be {want}, not {type(hx).__name__}")
    states = tuple(hx) if mode == "lstm" else (hx,)
    options = tuple(bound[name] for name in names)
    if packed:
        sizes = [builtins.int(n) for n in bound["batch_sizes"].tolist()]
        return _run_layers(mode, bound["data"], sizes, states, options)
    input = bound["input"]  # noqa: A001
    if bound["batch_first"]:
        input = input.transpose(0, 1)  # noqa: A001
    out, *finals = _run_layers(mode, input, None, states, options)
    return (out.transpose(0, 1) if bound["batch_first"] else out, *finals)


def lstm(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor, Tensor]:
    """A stacked LSTM over a sequence, with the weights as arguments (what ``nn.LSTM`` runs).

    Two overloads, as torch's:
    ``lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    batch_first)`` and, for a packed sequence,
    ``lstm(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
    bidirectional)``.

    Args:
        *args: ``input`` ``(time, batch, input_size)`` (``(batch, time, ...)`` with
            ``batch_first``) or packed ``data`` ``(sum(batch_sizes), input_size)`` and
            ``batch_sizes`` (a 1-D int64 tensor, non-increasing); ``hx = (h_0, c_0)``, each
            ``(num_layers * num_directions, batch, size)``; ``params`` (see the module
            docstring); ``has_biases``; ``num_layers``; ``dropout`` (between layers, if
            ``train``); ``train``; ``bidirectional``; ``batch_first``.
        **kwargs: the same arguments by name.

    Returns:
        ``(output, h_n, c_n)``; the output is ``(time, batch, num_directions * size)`` or,
        packed, ``(sum(batch_sizes), num_directions * size)``.

    Raises:
        RuntimeError: for a wrong number of states or weights, or a state of the wrong shape.
        TypeError: for missing or unknown arguments.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.LSTM(3, 4)
        >>> h0 = mt.zeros(1, 2, 4)
        >>> out, h, c = mt.lstm(mt.ones(5, 2, 3), (h0, h0), layer.all_weights[0], True, 1,
        ...                     0.0, False, False, False)
        >>> out.shape, h.shape
        (microtensor.Size([5, 2, 4]), microtensor.Size([1, 2, 4]))
    """
    out, h, c = _layers("lstm", args, kwargs)
    return out, h, c


def gru(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """A stacked GRU over a sequence, with the weights as arguments (what ``nn.GRU`` runs).

    Overloads and arguments as ``lstm``, with ``hx`` one tensor
    ``(num_layers * num_directions, batch, hidden_size)``.

    Args:
        *args: as ``lstm``; ``hx`` is a tensor.
        **kwargs: the same arguments by name.

    Returns:
        ``(output, h_n)``.

    Raises:
        RuntimeError: for a wrong number of weights or a state of the wrong shape.
        TypeError: for missing or unknown arguments, or an ``hx`` that is not a tensor.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.GRU(3, 4)
        >>> out, h = mt.gru(mt.ones(5, 2, 3), mt.zeros(1, 2, 4), layer.all_weights[0], True,
        ...                 1, 0.0, False, False, False)
        >>> out.shape
        microtensor.Size([5, 2, 4])
    """
    out, h = _layers("gru", args, kwargs)
    return out, h


def rnn_tanh(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """A stacked Elman RNN with tanh (what ``nn.RNN`` runs); overloads as ``gru``.

    Args:
        *args: as ``gru``.
        **kwargs: the same arguments by name.

    Returns:
        ``(output, h_n)``.

    Raises:
        RuntimeError: for a wrong number of weights or a state of the wrong shape.
        TypeError: for missing or unknown arguments, or an ``hx`` that is not a tensor.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.RNN(3, 4, bias=False)
        >>> out, h = mt.rnn_tanh(mt.ones(5, 2, 3), mt.zeros(1, 2, 4), layer.all_weights[0],
        ...                      False, 1, 0.0, False, False, False)
        >>> bool((out[-1] == h[0]).all())
        True
    """
    out, h = _layers("rnn_tanh", args, kwargs)
    return out, h


def rnn_relu(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """A stacked Elman RNN with relu (``nn.RNN(nonlinearity='relu')``); overloads as ``gru``.

    Args:
        *args: as ``gru``.
        **kwargs: the same arguments by name.

    Returns:
        ``(output, h_n)``.

    Raises:
        RuntimeError: for a wrong number of weights or a state of the wrong shape.
        TypeError: for missing or unknown arguments, or an ``hx`` that is not a tensor.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.RNN(3, 4, nonlinearity="relu")
        >>> out, h = mt.rnn_relu(mt.ones(5, 2, 3), mt.zeros(1, 2, 4), layer.all_weights[0],
        ...                      True, 1, 0.0, False, False, False)
        >>> bool((out >= 0).all())
        True
    """
    out, h = _layers("rnn_relu", args, kwargs)
    return out, h
