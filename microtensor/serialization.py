"""save / load of state dicts (safetensors + JSON; never pickle). Placeholder: filled in by its
owner.
"""
