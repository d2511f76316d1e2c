"""Learning-rate schedulers. Placeholder: filled in by its owner."""
