"""save / load of state dicts (safetensors + JSON; never pickle). Placeholder."""
