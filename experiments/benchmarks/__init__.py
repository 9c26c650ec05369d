"""Benchmarks: alternatives run side by side in one invocation, reported as medians and ratios.

Each is ``python -m experiments.benchmarks.<name>`` and writes JSON next to printing a table.
"""
