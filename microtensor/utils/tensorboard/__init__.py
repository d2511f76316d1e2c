"""``microtensor.utils.tensorboard``: log training to TensorBoard, as torch.utils.tensorboard.

Needs the ``tensorboard`` package (``pip install 'microtensor[tensorboard]'``).
"""

from microtensor.utils.tensorboard.writer import SummaryWriter

__all__ = ["SummaryWriter"]
