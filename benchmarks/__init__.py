"""Benchmarks: the op microbenchmark (ops.py) and the training-step suite (run.py)."""
