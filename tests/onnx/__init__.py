"""Tests of microtensor.onnx.

``torch.onnx`` is imported with them: importing ``microtensor.onnx`` binds ``onnx`` in
microtensor's namespace, and tests/test_namespace.py compares it with ``dir(torch)``, which
lists ``onnx`` only once ``torch.onnx`` is loaded.
"""

import torch.onnx  # noqa: F401
