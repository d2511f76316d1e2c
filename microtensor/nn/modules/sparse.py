"""``torch.nn.modules.sparse``'s import path.

It re-exports ``microtensor.nn.sparse``, ``microtensor.nn.embedding_bag``.
"""

from microtensor.nn.embedding_bag import *  # noqa: F403
from microtensor.nn.sparse import *  # noqa: F403
