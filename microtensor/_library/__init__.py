"""The parts of ``microtensor.library`` (torch.library): schemas, the op registry, custom ops.

Users import ``microtensor.library``; these modules hold its pieces, one concept each.
"""
