"""Utilities: data loading (``microtensor.utils.data``)."""

from microtensor.utils.summary import ModelSummary, summary
