"""Benchmarks: each prints its figures side by side, as ratios to a floor measured in the same
run. They are not part of the test suite (machines are shared and noisy); run `make bench`."""
