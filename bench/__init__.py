"""Benchmarks of lambda-connect: every figure is a ratio against a baseline measured in the same run."""
