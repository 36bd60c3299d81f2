"""Fixtures for the benchmark scripts' own tests (their figures are never asserted: see BENCHMARKS.md)."""
