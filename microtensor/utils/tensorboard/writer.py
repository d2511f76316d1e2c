"""``SummaryWriter``: torch.utils.tensorboard's writer, logging microtensor values.

Event files are written by the ``tensorboard`` package's own ``EventFileWriter`` with its
protobuf messages (the optional ``tensorboard`` extra), so TensorBoard reads them as it reads
PyTorch's.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from microtensor.utils.tensorboard import summary as _summary

__all__ = ["SummaryWriter"]


class SummaryWriter:
    """Write scalars, histograms, images, text, hyper-parameters and graphs for TensorBoard.

    Args:
        log_dir: the folder for the event files; default ``runs/<date>_<host><comment>``.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: accepted as in torch; events are not purged.
        max_queue: events kept in memory before they are written.
        flush_secs: how often (seconds) pending events are written.
        filename_suffix: appended to the event file's name.

    Raises:
        ImportError: if the ``tensorboard`` package is not installed.

    Example:
        >>> import tempfile
        >>> from microtensor.utils.tensorboard import SummaryWriter
        >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
        ...     for step in range(3):
        ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
        >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        >>> events = EventAccumulator(writer.log_dir); _ = events.Reload()
        >>> [round(e.value, 3) for e in events.Scalars("loss")]
        [1.0, 0.5, 0.333]
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs, self.filename_suffix = (
            max_queue,
            flush_secs,
            filename_suffix,
        )
        self._file_writer: Any = None
        self._all_writers: dict[str, Any] = {}
        self._get_file_writer()

    def _get_file_writer(self) -> Any:
        if self._file_writer is None:
            self._file_writer = self._open(self.log_dir)
        return self._file_writer

    def _open(self, log_dir: str) -> Any:
        _summary._protos()  # a clear ImportError when tensorboard is missing
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        writer = EventFileWriter(log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
        self._all_writers[log_dir] = writer
        return writer

    def get_logdir(self) -> str:
        """The folder the event files are written to."""
        return self.log_dir

    def _add(self, writer: Any, step: int | None, walltime: float | None, **fields: Any) -> None:
        from tensorboard.compat.proto import event_pb2

        event = event_pb2.Event(wall_time=time.time() if walltime is None else walltime, **fields)
        if step is not None:
            event.step = int(step)
        writer.add_event(event)

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number (a float, or a one-element Tensor) under ``tag`` at ``global_step``.

        Differs from PyTorch: ``new_style`` and ``double_precision`` are accepted, and the
        value is always written as the classic float ``simple_value``.

        Raises:
            ValueError: if ``scalar_value`` holds more than one value.
        """
        event = _summary.scalar(tag, scalar_value)
        self._add(self._get_file_writer(), global_step, walltime, summary=event)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers in one chart: each goes to the run ``<log_dir>/<main_tag>_<tag>``.

        Example:
            >>> import tempfile
            >>> writer = SummaryWriter(tempfile.mkdtemp())
            >>> writer.add_scalars("loss", {"train": 0.5, "val": 0.7}, 0)
            >>> sorted(os.listdir(writer.log_dir))[-2:]
            ['loss_train', 'loss_val']
            >>> writer.close()
        """
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            run = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + tag)
            writer = self._all_writers.get(run) or self._open(run)
            self._add(writer, global_step, walltime, summary=_summary.scalar(main_tag, value))

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the histogram of ``values`` (TensorFlow's buckets, or NumPy's ``bins``).

        Raises:
            ValueError: if ``values`` is empty.
        """
        event = _summary.histogram(tag, values, bins, max_bins)
        self._add(self._get_file_writer(), global_step, walltime, summary=event)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log an image: floats in [0, 1] or uint8 in [0, 255], laid out as ``dataformats``.

        Raises:
            ValueError: if the shape does not fit ``dataformats`` or has not 1, 3 or 4 channels.
        """
        pixels = _summary.image_hwc(img_tensor, dataformats)
        event = _summary.image(tag, pixels)
        self._add(self._get_file_writer(), global_step, walltime, summary=event)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Log a matplotlib figure as an RGB image (closed afterwards with ``close=True``).

        Differs from PyTorch: a list of figures is logged as one image per figure, tagged
        ``<tag>/0``, ``<tag>/1``, ... (PyTorch tiles them into one image).
        """
        figures = figure if isinstance(figure, list) else [figure]
        for index, fig in enumerate(figures):
            fig.canvas.draw()
            pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
            if close:
                import matplotlib.pyplot as plt

                plt.close(fig)
            name = tag if len(figures) == 1 else f"{tag}/{index}"
            event = _summary.image(name, pixels)
            self._add(self._get_file_writer(), global_step, walltime, summary=event)

    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a (Markdown) string for the text plugin, under ``<tag>/text_summary``."""
        event = _summary.text(tag, text_string)
        self._add(self._get_file_writer(), global_step, walltime, summary=event)

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, list[Any]] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Log a run's hyper-parameters and final metrics for the HParams dashboard.

        As in torch, they go to a sub-run ``<log_dir>/<run_name>`` (default: the time), with
        each metric also logged there as a scalar.

        Raises:
            TypeError: if ``hparam_dict`` or ``metric_dict`` is not a dict.
        """
        if not isinstance(hparam_dict, Mapping) or not isinstance(metric_dict, Mapping):
            raise TypeError("add_hparams(): hparam_dict and metric_dict should be dictionaries")
        experiment, start, end = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        run = os.path.join(self.log_dir, run_name or str(time.time()))
        writer = self._all_writers.get(run) or self._open(run)
        for event in (experiment, start, end):
            self._add(writer, global_step, None, summary=event)
        for key, value in metric_dict.items():
            self._add(writer, global_step, None, summary=_summary.scalar(key, value))

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Run ``model`` once on ``input_to_model`` and log its graph, module scopes as names.

        Raises:
            TypeError: if ``input_to_model`` is not a Tensor or a tuple of Tensors.
        """
        from microtensor.utils.tensorboard.graph import graph_def

        graph = graph_def(model, input_to_model)
        self._add(self._get_file_writer(), None, None, graph_def=graph.SerializeToString())

    def flush(self) -> None:
        """Write every pending event to disk."""
        for writer in self._all_writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file (a later ``add_*`` call opens a new one)."""
        for writer in self._all_writers.values():
            writer.flush()
            writer.close()
        self._all_writers = {}
        self._file_writer = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
