"""``fit``: the ordinary PyTorch training loop, written once, with a history and callbacks.

Nothing here is needed to train a model: every example also shows the plain loop that ``fit``
runs (zero_grad, forward, loss, backward, step; then an evaluation pass under ``no_grad``).
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from microtensor import ops
from microtensor._data_factories import as_tensor
from microtensor._device import check_cpu as _device
from microtensor.autograd import no_grad
from microtensor.tensor import Tensor
from microtensor.train.callbacks import Callback
from microtensor.train.checkpoint import FitState

__all__ = ["History", "accuracy", "fit"]

MetricFn = Callable[[Tensor, Tensor], float]


class History:
    """Per-epoch values recorded by ``fit``: ``history["loss"][epoch]``.

    Keys: ``"loss"`` (the mean training loss over the epoch's samples), each metric's name, and
    with validation data ``"val_loss"`` and ``"val_<metric>"``; callbacks may add more (such as
    ``"lr"``). ``history.history`` is the underlying ``dict[str, list[float]]``.

    Example:
        >>> h = History()
        >>> h.append({"loss": 0.5}); h.append({"loss": 0.25})
        >>> h["loss"], h.epochs
        ([0.5, 0.25], 2)
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}

    def append(self, logs: Mapping[str, float]) -> None:
        """Record one epoch's values."""
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return max((len(values) for values in self.history.values()), default=0)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def keys(self) -> list[str]:
        """The recorded names, in the order they first appeared."""
        return list(self.history)

    def __repr__(self) -> str:
        return f"History(epochs={self.epochs}, keys={self.keys()})"


def accuracy(outputs: Tensor, targets: Tensor) -> float:
    """The fraction of correct predictions (the built-in metric ``"accuracy"``).

    Args:
        outputs: scores of shape (N, C) with C >= 2 (the prediction is the argmax), or
            probabilities of shape (N,) or (N, 1) (the prediction is ``outputs > 0.5``).
        targets: class indices of shape (N,), or one-hot / class probabilities like ``outputs``.

    Returns:
        A float in [0, 1].

    Example:
        >>> import microtensor as mt
        >>> accuracy(mt.tensor([[2.0, 1.0], [0.0, 3.0]]), mt.tensor([0, 0]))
        0.5
    """
    scores, labels = outputs._data, targets._data
    if scores.ndim == 2 and scores.shape[1] >= 2:
        predicted = scores.argmax(axis=1)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
    else:
        predicted = scores.reshape(-1) > 0.5
        labels = labels.reshape(-1) > 0.5
    return float(np.mean(predicted == labels))


_BUILTIN_METRICS: dict[str, MetricFn] = {"accuracy": accuracy}


def fit(
    model: Any,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Any,
    train_data: Any,
    val_data: Any = None,
    epochs: int = 1,
    callbacks: Sequence[Callback] = (),
    metrics: Mapping[str, MetricFn | str] | Sequence[str] | None = None,
    progress: bool = True,
    device: Any = None,
    resume: str | os.PathLike[str] | None = None,
) -> History:
    """Train ``model`` for ``epochs`` epochs; return the per-epoch losses and metrics.

    Each epoch runs, for every batch ``(inputs, targets)`` of ``train_data``::

        optimizer.zero_grad(); loss = loss_fn(model(inputs), targets)
        loss.backward(); optimizer.step()

    then calls each callback's ``on_train_batch_end(step, {"loss": ...})``; after the last
    batch it evaluates ``val_data`` in eval mode under ``no_grad``, then calls each callback's
    ``on_epoch_end(epoch, logs)``; training stops early when one of them returns True.

    With ``resume``, the run continues from a checkpoint that
    ``ModelCheckpoint(..., save_weights_only=False)`` wrote (at the end of an epoch, or every
    ``every_n_train_steps`` steps, mid-epoch): the model, optimizer, callbacks (an
    ``LRSchedulerCallback`` with its scheduler), the default generator, the training
    DataLoader's position, the counters and the history come back, and the losses that follow
    are the same, bit for bit, as those of the run that was not stopped. Build the model,
    optimizer, callbacks and data as for that run; ``epochs`` is the total, as then.

    Args:
        model: a Module (or any callable with ``train()``/``eval()``).
        loss_fn: ``loss_fn(outputs, targets)`` -> a scalar Tensor (mean over the batch).
        optimizer: an optimizer over the model's parameters.
        train_data: a DataLoader (or any iterable of ``(inputs, targets)`` batches), or one
            ``(inputs, targets)`` pair of Tensors/arrays: a single full batch per epoch.
        val_data: the same kinds, evaluated after each epoch; None to skip.
        epochs: the number of epochs (>= 0).
        callbacks: Callback objects (EarlyStopping, ModelCheckpoint, LRSchedulerCallback, ...).
        metrics: ``{name: fn(outputs, targets) -> float}``, where fn may also be the name of a
            built-in metric, or a list of built-in names (``["accuracy"]``). A metric sees the
            whole epoch's outputs (training outputs are those computed before each step).
        progress: show a tqdm progress bar over the epochs (if tqdm is installed).
        device: accepted for PyTorch-style code; microtensor runs on the CPU only.
        resume: the path of a full checkpoint to continue from.

    Returns:
        The History (with a resumed run: the epochs before the checkpoint too).

    Raises:
        ValueError: for a negative ``epochs``, an unknown metric name, empty data, or a
            ``resume`` file that is not a fit checkpoint or was saved with other callbacks.
        TypeError: for data that is neither an ``(inputs, targets)`` pair nor an iterable of
            such batches.
        RuntimeError: for a device other than the CPU.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> x = mt.randn(64, 3); y = x @ mt.tensor([[1.0], [-2.0], [0.5]])
        >>> model = mt.nn.Linear(3, 1)
        >>> opt = mt.optim.SGD(model.parameters(), lr=0.1)
        >>> history = fit(model, mt.nn.MSELoss(), opt, (x, y), epochs=50, progress=False)
        >>> history["loss"][-1] < 0.01 * history["loss"][0]
        True
    """
    if epochs < 0:
        raise ValueError(f"fit(): epochs must be >= 0, got {epochs}")
    if device is not None:
        _device(str(device))
    train_batches = _batches(train_data, "train_data")
    val_batches = None if val_data is None else _batches(val_data, "val_data")
    metric_fns = _resolve_metrics(metrics)
    was_training = getattr(model, "training", True)
    history = History()
    state = FitState(model, optimizer, train_batches, callbacks, history)
    for callback in callbacks:
        callback.on_train_begin(model, optimizer)
        callback._fit_state = state
    first_epoch, skip = (0, 0) if resume is None else state.resume(resume)
    if state.stopped:  # the checkpoint is of the epoch after which a callback stopped
        first_epoch = epochs
    bar = _progress_bar(epochs, progress, first_epoch)
    for epoch in bar:
        if epoch != first_epoch:
            state.start_epoch(epoch)
        batches = train_batches if epoch != first_epoch or not skip else _skip(train_batches, skip)
        logs = _train_epoch(model, loss_fn, batches, metric_fns, optimizer, state, callbacks)
        if val_batches is not None:
            val_logs = _evaluate(model, loss_fn, val_batches, metric_fns)
            logs.update({f"val_{key}": value for key, value in val_logs.items()})
        stop = False
        for callback in callbacks:
            stop = bool(callback.on_epoch_end(epoch, logs)) or stop
        history.append(logs)
        state.stopped = stop
        state.write_pending(mid_epoch=False)
        if hasattr(bar, "set_postfix"):
            bar.set_postfix({key: f"{value:.4g}" for key, value in logs.items()}, refresh=False)
        if stop:
            break
    if hasattr(bar, "close"):
        bar.close()
    for callback in callbacks:
        callback.on_train_end()
        callback._fit_state = None
    model.train(was_training)
    return history


def _train_epoch(
    model: Any,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    batches: Iterable[tuple[Tensor, Tensor]],
    metric_fns: dict[str, MetricFn],
    optimizer: Any,
    state: FitState,
    callbacks: Sequence[Callback],
) -> dict[str, float]:
    """One training pass over ``batches``, counted in ``state`` (which may hold a resumed part)."""
    model.train(True)
    for inputs, targets in batches:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        optimizer.step()
        size = len(targets) if targets.ndim else 1
        value = loss.item()
        state.total_loss += value * size
        state.count += size
        state.step += 1
        state.batch += 1
        if metric_fns:
            state.outputs.append(outputs.detach())
            state.targets.append(targets)
        for callback in callbacks:
            callback.on_train_batch_end(state.step, {"loss": value})
        state.write_pending(mid_epoch=True)
    return _epoch_logs(state.total_loss, state.count, state.outputs, state.targets, metric_fns)


def _evaluate(
    model: Any,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    batches: Iterable[tuple[Tensor, Tensor]],
    metric_fns: dict[str, MetricFn],
) -> dict[str, float]:
    """One evaluation pass over ``batches``, in eval mode under ``no_grad``."""
    model.train(False)
    total_loss, count = 0.0, 0
    outputs_seen: list[Tensor] = []
    targets_seen: list[Tensor] = []
    with no_grad():
        for inputs, targets in batches:
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
            size = len(targets) if targets.ndim else 1
            total_loss += loss.item() * size
            count += size
            if metric_fns:
                outputs_seen.append(outputs.detach())
                targets_seen.append(targets)
    return _epoch_logs(total_loss, count, outputs_seen, targets_seen, metric_fns)


def _epoch_logs(
    total_loss: float,
    count: int,
    outputs: list[Tensor],
    targets: list[Tensor],
    metric_fns: dict[str, MetricFn],
) -> dict[str, float]:
    """The epoch's mean loss and its metrics over all the epoch's outputs."""
    if count == 0:
        raise ValueError("fit(): the data yielded no batches")
    logs = {"loss": total_loss / count}
    if metric_fns:
        all_outputs, all_targets = ops.cat(outputs), ops.cat(targets)
        for name, fn in metric_fns.items():
            logs[name] = float(fn(all_outputs, all_targets))
    return logs


def _skip(batches: Iterable[Any], count: int) -> Iterator[Any]:
    """``batches`` without its first ``count`` (data without a ``state_dict``, resumed)."""
    return itertools.islice(batches, count, None)


def _batches(data: Any, name: str) -> Iterable[tuple[Tensor, Tensor]]:
    """A pair of tensors becomes one full batch; anything else iterable is used as is."""
    if isinstance(data, tuple | list) and len(data) == 2:
        inputs, targets = data
        if isinstance(inputs, Tensor | np.ndarray) and isinstance(targets, Tensor | np.ndarray):
            return [(as_tensor(inputs), as_tensor(targets))]
    if not isinstance(data, Iterable):
        raise TypeError(
            f"fit(): {name} must be a DataLoader (an iterable of (inputs, targets) batches) "
            f"or an (inputs, targets) pair of tensors, got {type(data).__name__}"
        )
    return data


def _resolve_metrics(metrics: Mapping[str, MetricFn | str] | Sequence[str] | None) -> dict:
    """Turn ``metrics`` into ``{name: fn}``, looking up built-in names."""
    if metrics is None:
        return {}
    pairs = metrics.items() if isinstance(metrics, Mapping) else ((m, m) for m in metrics)
    resolved: dict[str, MetricFn] = {}
    for name, fn in pairs:
        if isinstance(fn, str):
            if fn not in _BUILTIN_METRICS:
                raise ValueError(
                    f"fit(): unknown metric {fn!r}; built-in metrics are "
                    f"{sorted(_BUILTIN_METRICS)}, or pass a function fn(outputs, targets)"
                )
            fn = _BUILTIN_METRICS[fn]
        resolved[str(name)] = fn
    return resolved


def _progress_bar(epochs: int, progress: bool, first: int = 0) -> Iterable[int]:
    """A tqdm bar over the epochs, or a plain range when disabled or tqdm is missing."""
    if not progress:
        return range(first, epochs)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        warnings.warn("fit(): install tqdm for a progress bar", stacklevel=3)
        return range(first, epochs)
    return tqdm(range(first, epochs), desc="fit", unit="epoch", initial=first, total=epochs)
