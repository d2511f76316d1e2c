"""``microtensor.export``: torch.export's whole-program capture on example inputs.

``export(model, args)`` traces ``model`` (through every submodule) into a functional graph
whose first inputs are the parameters and buffers, and returns an ``ExportedProgram``:
``ep.graph``, ``ep.graph_signature``, ``ep.state_dict``, ``print(ep)``, and ``ep.module()``,
a callable module that checks its inputs' shapes as torch's does. ``Dim`` marks dims that
may change size; ``save`` / ``load`` write and read microtensor's own safe archive.

Differs from PyTorch: graph nodes call microtensor functions, not ATen operators; ``save``
writes microtensor's zip format (torch's ``.pt2`` archives cannot be read).

Example:
    >>> import microtensor as mt
    >>> from microtensor import export, nn
    >>> ep = export.export(nn.Sequential(nn.Linear(4, 2), nn.Tanh()), (mt.randn(3, 4),))
    >>> ep.graph_signature.parameters
    ('0.weight', '0.bias')
    >>> ep.module()(mt.randn(3, 4)).shape
    microtensor.Size([3, 2])
"""

from microtensor.export._decompositions import default_decompositions
from microtensor.export._serialize import load, save
from microtensor.export._trace import export
from microtensor.export.dynamic_shapes import Dim, DimHint, ShapesCollection, dims
from microtensor.export.exported_program import ExportedProgram
from microtensor.export.graph_signature import (
    ConstantArgument,
    ExportGraphSignature,
    InputKind,
    InputSpec,
    OutputKind,
    OutputSpec,
    TensorArgument,
)

__all__ = [
    "ConstantArgument",
    "Dim",
    "DimHint",
    "ExportGraphSignature",
    "ExportedProgram",
    "InputKind",
    "InputSpec",
    "OutputKind",
    "OutputSpec",
    "ShapesCollection",
    "TensorArgument",
    "default_decompositions",
    "dims",
    "export",
    "load",
    "save",
]
