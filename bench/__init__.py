"""Benchmarks of calsreg's pages on realistic data volumes: ``python -m bench`` (see README.md)."""
