"""Utilities: data loading (``microtensor.utils.data``)."""

from microtensor.utils import checkpoint, dlpack, hooks
from microtensor.utils.summary import ModelSummary, summary
