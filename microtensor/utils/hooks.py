"""``microtensor.utils.hooks``: where PyTorch keeps ``RemovableHandle``.

The handle is defined with the module hooks (``microtensor/nn/module_hooks.py``); programs
that import it from ``torch.utils.hooks`` find it here.
"""

from microtensor.nn.module_hooks import RemovableHandle

__all__ = ["RemovableHandle"]
