"""Benchmarks for issue 6 (`make bench`): each figure a ratio against its floor, taken in the same run."""
