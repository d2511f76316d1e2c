"""``microtensor.nn.functional`` (imported as ``F``): the functions behind the nn modules.

Each group lives in ``nn/_functional/`` and lists its functions in ``__all__``; the op library's
``softmax``, ``log_softmax``, ``pad`` and ``relu`` ... are re-exported where PyTorch has them.
"""

from microtensor.nn import grad  # noqa: F401  (torch's F.grad.conv2d_input ...)
from microtensor.nn._functional.activation import *  # noqa: F403
from microtensor.nn._functional.activation_softmax import *  # noqa: F403
from microtensor.nn._functional.adaptive_avg_pooling import *  # noqa: F403
from microtensor.nn._functional.adaptive_pooling import *  # noqa: F403
from microtensor.nn._functional.affine_grid import *  # noqa: F403
from microtensor.nn._functional.attention import *  # noqa: F403
from microtensor.nn._functional.avg_pooling import *  # noqa: F403
from microtensor.nn._functional.conv import *  # noqa: F403
from microtensor.nn._functional.distance import *  # noqa: F403
from microtensor.nn._functional.dropout import *  # noqa: F403
from microtensor.nn._functional.embedding_bag import *  # noqa: F403
from microtensor.nn._functional.fold import *  # noqa: F403
from microtensor.nn._functional.gated_linear_unit import *  # noqa: F403
from microtensor.nn._functional.grid_sample import *  # noqa: F403
from microtensor.nn._functional.group_norm import *  # noqa: F403
from microtensor.nn._functional.layer_norm import *  # noqa: F403
from microtensor.nn._functional.leaky_rectifiers import *  # noqa: F403
from microtensor.nn._functional.linear import *  # noqa: F403
from microtensor.nn._functional.local_response_norm import *  # noqa: F403
from microtensor.nn._functional.loss import *  # noqa: F403
from microtensor.nn._functional.loss_ctc import *  # noqa: F403
from microtensor.nn._functional.loss_embedding import *  # noqa: F403
from microtensor.nn._functional.loss_margin import *  # noqa: F403
from microtensor.nn._functional.loss_triplet import *  # noqa: F403
from microtensor.nn._functional.lp_pooling import *  # noqa: F403
from microtensor.nn._functional.multi_head_attention import *  # noqa: F403
from microtensor.nn._functional.normalization import *  # noqa: F403
from microtensor.nn._functional.padding import *  # noqa: F403
from microtensor.nn._functional.pooling import *  # noqa: F403
from microtensor.nn._functional.shrinkage import *  # noqa: F403
from microtensor.nn._functional.sparse import *  # noqa: F403
from microtensor.nn._functional.unpooling import *  # noqa: F403
from microtensor.nn._functional.upsampling import *  # noqa: F403
from microtensor.nn._functional.vision import *  # noqa: F403
from microtensor.ops import one_hot  # noqa: F401
