"""Utilities: data loading (``microtensor.utils.data``)."""

from microtensor.utils import checkpoint, dlpack
from microtensor.utils.summary import ModelSummary, summary
