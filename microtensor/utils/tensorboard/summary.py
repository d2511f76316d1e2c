"""Summary protobufs for TensorBoard: scalars, histograms, images, text, hyper-parameters.

Each function returns a ``Summary`` message built with the ``tensorboard`` package's own
protobuf classes (imported lazily: ``tensorboard`` is the optional ``tensorboard`` extra).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np


def _protos() -> Any:
    try:
        from tensorboard.compat.proto import summary_pb2
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "microtensor.utils.tensorboard needs the tensorboard package: "
            "pip install 'microtensor[tensorboard]' (or pip install tensorboard)"
        ) from error
    return summary_pb2


def to_numpy(value: Any) -> np.ndarray:
    """A Tensor, array, list or number as a NumPy array (a Tensor is detached first)."""
    from microtensor.tensor import Tensor

    if isinstance(value, Tensor):
        return value.detach().numpy()
    return np.asarray(value)


def scalar(tag: str, value: Any) -> Any:
    """A ``Summary`` holding one scalar as ``simple_value``."""
    array = to_numpy(value)
    if array.size != 1:
        raise ValueError(
            f"add_scalar(): scalar_value must hold exactly one value, got shape {array.shape}"
        )
    summary_pb2 = _protos()
    return summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(array.reshape(()).item()))]
    )


def _tensorflow_bins() -> list[float]:
    # TensorFlow's default buckets, as torch builds them: +-1e-12 * 1.1**k below 1e20, and 0
    limit, positive = 1e-12, []
    while limit < 1e20:
        positive.append(limit)
        limit *= 1.1
    return [-x for x in positive[::-1]] + [0.0] + positive


def histogram(tag: str, values: Any, bins: Any = "tensorflow", max_bins: int | None = None) -> Any:
    """A ``Summary`` holding a ``HistogramProto`` of ``values``, bucketed as torch does."""
    array = to_numpy(values).astype(np.float64).reshape(-1)
    if array.size == 0:
        raise ValueError("add_histogram(): the input has no values")
    edges = _tensorflow_bins() if isinstance(bins, str) and bins == "tensorflow" else bins
    counts, limits = np.histogram(array, bins=edges)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, (-len(counts)) % group)).reshape(-1, group).sum(axis=1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    occupied = np.nonzero(counts)[0]
    first, last = (occupied[0], occupied[-1]) if occupied.size else (0, len(counts) - 1)
    # TensorBoard stores right edges only: an empty bucket on the left keeps the left edge
    if first > 0:
        counts = counts[first - 1 : last + 1]
    else:
        counts = np.concatenate([[0], counts[: last + 1]])
    limits = limits[first : last + 2]
    summary_pb2 = _protos()
    proto = summary_pb2.HistogramProto(
        min=float(array.min()),
        max=float(array.max()),
        num=int(array.size),
        sum=float(array.sum()),
        sum_squares=float(np.dot(array, array)),
        bucket_limit=[float(x) for x in limits],
        bucket=[float(x) for x in counts],
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=proto)])


def _png(pixels: np.ndarray) -> bytes:
    """Encode an (H, W, C) uint8 array (C = 1, 3 or 4) as a PNG file."""
    height, width, channels = pixels.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes()))
        + chunk(b"IEND", b"")
    )


def image_hwc(img_tensor: Any, dataformats: str) -> np.ndarray:
    """The image as (H, W, C) uint8: floats in [0, 1] are scaled by 255, as in torch."""
    array = to_numpy(img_tensor)
    layout = dataformats.upper()
    if sorted(layout) not in (sorted("CHW"), sorted("HW")) or array.ndim != len(layout):
        raise ValueError(
            f"add_image(): dataformats={dataformats!r} does not fit an image of shape "
            f"{array.shape}; use 'CHW' (the default), 'HWC' or 'HW'"
        )
    if layout == "HW" or layout == "WH":
        array = array[None] if layout == "HW" else array.T[None]
        layout = "CHW"
    array = np.transpose(array, [layout.index(axis) for axis in "HWC"])
    if array.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"add_image(): an image needs 1, 3 or 4 channels, got {array.shape[2]} "
            f"(shape {array.shape} in HWC)"
        )
    if array.dtype != np.uint8:
        array = np.clip(np.asarray(array, np.float64) * 255.0, 0, 255).round().astype(np.uint8)
    return np.ascontiguousarray(array)


def image(tag: str, pixels: np.ndarray) -> Any:
    """A ``Summary`` holding an (H, W, C) uint8 image as PNG."""
    summary_pb2 = _protos()
    height, width, channels = pixels.shape
    proto = summary_pb2.Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=_png(pixels)
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=proto)])


def text(tag: str, text_string: str) -> Any:
    """A ``Summary`` for the text plugin: a string tensor tagged ``<tag>/text_summary``."""
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

    summary_pb2 = _protos()
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text")
    )
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        string_val=[text_string.encode("utf-8")],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]
        ),
    )
    value = summary_pb2.Summary.Value(tag=tag + "/text_summary", metadata=metadata, tensor=tensor)
    return summary_pb2.Summary(value=[value])


def _hparams_summary(tag: str, plugin_content: Any) -> Any:
    summary_pb2 = _protos()
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="hparams", content=plugin_content.SerializeToString()
        )
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=metadata)])


def hparams(
    hparam_dict: Mapping[str, Any],
    metric_dict: Mapping[str, Any],
    hparam_domain_discrete: Mapping[str, list[Any]] | None = None,
) -> tuple[Any, Any, Any]:
    """The experiment, session-start and session-end summaries of the hparams plugin."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

    domains = dict(hparam_domain_discrete or {})
    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for name, value in hparam_dict.items():
        if isinstance(value, bool | int | float | str):
            data_type = (
                api_pb2.DATA_TYPE_BOOL
                if isinstance(value, bool)
                else api_pb2.DATA_TYPE_STRING
                if isinstance(value, str)
                else api_pb2.DATA_TYPE_FLOAT64
            )
        else:
            value = to_numpy(value)
            if value.size != 1:
                raise ValueError(
                    f"add_hparams(): the value of {name!r} must be a bool, number, string "
                    f"or one-element tensor, got shape {value.shape}"
                )
            value, data_type = float(value.reshape(()).item()), api_pb2.DATA_TYPE_FLOAT64
        if isinstance(value, bool):
            start.hparams[name].bool_value = value
        elif isinstance(value, str):
            start.hparams[name].string_value = value
        else:
            start.hparams[name].number_value = float(value)
        info = api_pb2.HParamInfo(name=name, type=data_type)
        if name in domains:
            listed = struct_pb2.ListValue()
            listed.extend(domains[name])
            info.domain_discrete.CopyFrom(listed)
        infos.append(info)
    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=key)) for key in metric_dict]
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics)
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    return (
        _hparams_summary(
            "_hparams_/experiment",
            plugin_data_pb2.HParamsPluginData(experiment=experiment, version=0),
        ),
        _hparams_summary(
            "_hparams_/session_start_info",
            plugin_data_pb2.HParamsPluginData(session_start_info=start, version=0),
        ),
        _hparams_summary(
            "_hparams_/session_end_info",
            plugin_data_pb2.HParamsPluginData(session_end_info=end, version=0),
        ),
    )
