"""Parity with PyTorch on its own op database (OpInfo): the oracle, its test and its report."""
