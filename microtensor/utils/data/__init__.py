"""Datasets and batch loading (``torch.utils.data``)."""

from microtensor.utils.data.dataloader import *  # noqa: F403
from microtensor.utils.data.dataset import *  # noqa: F403
