"""Datasets and batch loading (``torch.utils.data``)."""

from microtensor.utils.data._worker import WorkerInfo, get_worker_info
from microtensor.utils.data.collate import *  # noqa: F403
from microtensor.utils.data.dataloader import *  # noqa: F403
from microtensor.utils.data.dataset import *  # noqa: F403
from microtensor.utils.data.distributed import *  # noqa: F403
from microtensor.utils.data.sampler import *  # noqa: F403
