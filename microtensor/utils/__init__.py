"""Utilities: data loading (``microtensor.utils.data``)."""

from microtensor.utils import dlpack
from microtensor.utils.summary import ModelSummary, summary
