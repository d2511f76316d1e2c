"""Weight initialisation (``torch.nn.init``). Placeholder: filled in by its owner."""
