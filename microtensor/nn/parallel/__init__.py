"""``torch.nn.parallel``'s import path: ``DataParallel`` and ``data_parallel`` (CPU semantics)."""

from microtensor.nn.data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "data_parallel"]
