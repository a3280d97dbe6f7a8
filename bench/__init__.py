"""Benchmarks for zsupport-mail: a deterministic mail corpus and parse baselines (not shipped)."""
