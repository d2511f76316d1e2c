"""torch's top-level recurrent layers: ``lstm``, ``gru``, ``rnn_tanh``, ``rnn_relu``.

The ATen ops behind ``nn.LSTM``/``nn.GRU``/``nn.RNN``, with the weights as arguments:
``(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)``,
or for a packed sequence ``(data, batch_sizes, hx, params, has_biases, num_layers, dropout,
train, bidirectional)``. ``params`` lists, per layer and direction, ``w_ih, w_hh`` then
``b_ih, b_hh`` when ``has_biases`` (and ``w_hr`` for an LSTM with projections, which the two
states' last sizes differ by), as ``nn.LSTM._flat_weights``. The time loop is nn's
(``run_direction`` over its fused step ops), so values and gradients are the layers'.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from microtensor import ops
from microtensor.nn._functional.dropout import dropout as _dropout
from microtensor.nn.rnn_cells import gru_step, lstm_step, project, rnn_step, run_direction
from microtensor.tensor import Tensor

__all__ = ["gru", "lstm", "rnn_relu", "rnn_tanh"]


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

    Arguments, result ``(output, h_n)`` and errors (``RuntimeError``, ``TypeError``) as
    ``gru``'s.

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

    Arguments, result ``(output, h_n)`` and errors (``RuntimeError``, ``TypeError``) as
    ``gru``'s.

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
