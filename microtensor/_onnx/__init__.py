"""The ONNX exporter behind ``microtensor.onnx.export`` (private; ``onnx`` is imported lazily).

``tracer`` records a model's module calls, ``layers`` and ``sequence`` map modules to ONNX
nodes, ``builder`` collects nodes and weights, ``export`` puts the model together.
"""

from microtensor._onnx.export import HANDLERS, export

__all__ = ["HANDLERS", "export"]
