"""Benchmarks: a synthetic national catalog (`bench.generate`) and the measured suite (`bench.run`)."""
