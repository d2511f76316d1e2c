"""Utilities: data loading (``microtensor.utils.data``)."""
