"""``torch.utils.data._utils``: the private import path some programs use for ``collate``.

``from torch.utils.data._utils.collate import default_collate`` runs unchanged with
``microtensor`` in place of ``torch``; the functions live in ``microtensor.utils.data.collate``.
"""

from microtensor.utils.data._utils import collate

__all__ = ["collate"]
