"""Benchmarks: alternatives run side by side in one invocation, reported as medians and ratios.

Each is ``python -m experiments.benchmarks.<name>`` and writes JSON next to printing a table.
"""


def save(results: dict, json_path, table: str, figure=None, figure_path=None) -> int:
    """Writes a benchmark's ``results`` as JSON, draws ``figure(results, figure_path)`` when a
    path is given, prints ``table`` and where the files are; returns the exit code 0."""
    from experiments._common import write_json

    write_json(json_path, results)
    if figure is not None and figure_path:
        figure(results, figure_path)
        print(f"wrote {figure_path}")
    print(table)
    print(f"wrote {json_path}")
    return 0
