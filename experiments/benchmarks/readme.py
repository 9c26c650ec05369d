r"""The README's speed tables, computed from the benchmark results committed in ``docs/results/``.

The README states measured figures; this module is where they come from. Each table is
a function of one benchmark's JSON (as its ``--json`` writes it), and a test checks that
the README holds exactly these tables, so a figure cannot drift from its run. After a new
run, copy its JSON to ``docs/results/`` and paste what this prints into the README:

    python -m experiments.benchmarks.cross_validation --repeats 3 --json docs/results/cross_validation.json
    python -m experiments.benchmarks.readme
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["RESULTS", "chunk_sweep_table", "cost_curves_table", "cross_validation_table", "load", "main", "verdicts"]

#: Where the committed results live.
RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"

#: The README's name of each benchmark case.
CASE_LABELS = {
    "iris_loo": "iris LOOCV, 4-8-3 tanh, Adam, 500 epochs (150 folds)",
    "cancer_loo": "breast cancer LOOCV, 30-32-1 relu, 200 epochs (569 folds)",
    "cancer_10fold": "breast cancer 10-fold, 200 epochs",
    "cancer_10fold_minibatch": "breast cancer 10-fold, mini-batch 32, 20 epochs",
    "cli_cancer_loo": "`cli`: breast cancer LOOCV, the command line",
    "readme_kfold": "`readme`: iris, stratified 5-fold, the README's example",
}

#: The README's name of each chunk-sweep case.
SWEEP_LABELS = {
    "iris_loo": "iris LOOCV (150 folds)",
    "cancer_loo": "breast cancer LOOCV (569 folds)",
    "cli_cancer_loo": "the command line's LOOCV (569 folds)",
    "cancer_10fold": "breast cancer 10-fold",
    "cancer_10fold_minibatch": "breast cancer 10-fold, mini-batch",
}


def load(name: str, folder: str | Path = RESULTS) -> dict[str, Any]:
    """The committed results of benchmark ``name`` (``cross_validation``, ``chunk_sweep``, ``cost_curves``)."""
    return json.loads((Path(folder) / f"{name}.json").read_text(encoding="utf-8"))


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.3g} s" if seconds < 10 else f"{seconds:.1f} s"


def _r(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.3g}"


def cross_validation_table(results: dict[str, Any]) -> str:
    """Whole-process medians of every alternative, and the loop's and scikit-learn's ratios to fnn (cold, warm).

    Example:
      >>> alt = lambda s: {"median_s": s}
      >>> results = {"cases": {"cancer_10fold": {"alternatives": {
      ...     "fnn": alt(2.0), "fnn_warm": alt(1.5), "loop": alt(3.0), "sklearn": alt(2.1)}}}}
      >>> print(cross_validation_table(results).splitlines()[-1])
      | breast cancer 10-fold, 200 epochs | 2 s | 1.5 s | 3 s | 2.1 s | — | 1.5 (2 warm) | 1.05 (1.4 warm) |
    """
    lines = [
        "| case | fnn | fnn warm | loop | sklearn | torch | loop / fnn | sklearn / fnn |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in results["cases"].items():
        median = {alt: a["median_s"] for alt, a in entry["alternatives"].items()}
        fnn, warm = median.get("fnn"), median.get("fnn_warm")

        def ratios(alt: str, fnn=fnn, warm=warm, median=median) -> str:
            if alt not in median or fnn is None:
                return "—"
            cold = _r(median[alt] / fnn)
            return cold if warm is None else f"{cold} ({_r(median[alt] / warm)} warm)"

        cells = [_s(median.get(alt)) for alt in ("fnn", "fnn_warm", "loop", "sklearn", "torch")]
        lines.append(
            f"| {CASE_LABELS.get(name, name)} | " + " | ".join(cells + [ratios("loop"), ratios("sklearn")]) + " |"
        )
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> dict[str, Any]:
    """The figures the README's prose quotes from the cross-validation benchmark.

    ``met``: how many targets are met, of ``targets``; ``peak_percent``: breast-cancer
    LOOCV's training rate as a percentage of the matmul peak; ``matmul_gflops`` and
    ``copy_gbs``: the machine's limits.
    """
    targets = results["targets"]
    achieved = results["cases"]["cancer_loo"]["achieved"]
    return {
        "met": sum(bool(t["met"]) for t in targets),
        "targets": len(targets),
        "peak_percent": round(100 * achieved["fraction_of_matmul_peak"]),
        "matmul_gflops": round(results["roofline"]["matmul_gflops"]),
        "copy_gbs": round(results["roofline"]["copy_gbs"]),
    }


def chunk_sweep_table(results: dict[str, Any]) -> str:
    """Per case: the time with one chunk of all folds, the best chunk and its time, the
    cost model's chunk and its time, and how far the model's is from the best."""
    lines = [
        "| case | one chunk | best chunk | best | auto chunk | auto | auto / best |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, report in results["cases"].items():
        s = report["summary"]
        one = s["no_chunking_s"]
        lines.append(
            f"| {SWEEP_LABELS.get(name, name)} | {_s(one)} | {s['best_chunk']} | {_s(s['best_s'])} | "
            f"{s['auto_chunk']} | {_s(s['auto_s'])} | {100 * s['auto_over_best']:+.1f} % |"
        )
    return "\n".join(lines)


def cost_curves_table(results: dict[str, Any]) -> str:
    """The fitted log-log slopes: LOOCV time and added memory against n, K-fold time against K."""
    rows, folds = results["sweeps"]["rows"], results["sweeps"]["folds"]
    limit = results.get("sklearn_max_n")

    def cell(sweep: dict, alt: str, kind: str) -> str:
        if alt not in sweep:
            return "—"
        value = f"{sweep[alt]['slopes'][kind]:.2f}"
        return f"{value} (measured to n = {limit})" if alt == "sklearn" and sweep is rows and kind == "time" else value

    lines = ["| sweep | fnn | loop | scikit-learn |", "|---|---|---|---|"]
    for label, sweep, kind in (
        ("LOOCV time against n (K = n)", rows, "time"),
        ("LOOCV peak memory added against n", rows, "memory"),
        (f"K-fold time against K (n = {results['folds_n']})", folds, "time"),
    ):
        lines.append(f"| {label} | " + " | ".join(cell(sweep, alt, kind) for alt in ("fnn", "loop", "sklearn")) + " |")
    return "\n".join(lines)


def main() -> int:
    print(cross_validation_table(load("cross_validation")), end="\n\n")
    print(verdicts(load("cross_validation")), end="\n\n")
    print(chunk_sweep_table(load("chunk_sweep")), end="\n\n")
    print(cost_curves_table(load("cost_curves")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
