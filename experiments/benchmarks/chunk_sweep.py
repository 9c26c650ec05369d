r"""Training time against chunk size: the cost model's choice (``chunk_size="auto"``) against a sweep.

For each case of the cross-validation benchmark (:data:`experiments.benchmarks.cross_validation.CASES`,
the same data, network and training), a fresh process runs ``fnn.cv.cross_validate``
once per chunk size, from 1 fold per chunk up to all of them, and records the training
time: the program's run time, compilation excluded, the median of ``--repeats`` runs
(10 when a run takes under 0.2 s; the fastest is reported too). Every program is
compiled first; then rounds visit every chunk size in turn, the order rotating, so
that a load spike from another process hits every size alike. The median, not the
fastest: the fastest of many sizes' fastest runs is whichever size drew the luckiest
run.
Then it runs ``chunk_size="auto"`` and records the chunk the cost model chose and its
time. The chunks run as they do by default, as many at once as the process has cores
(``--slots 1``: one at a time, which shows the cache effect alone).

Reported per case: the time of every chunk size, the best, the model's choice, and
how far the choice is from the best (the target: within 10 %). ``--figure`` draws
training time against chunk size, one panel per case.

Usage::

    python -m experiments.benchmarks.chunk_sweep                       # every case
    python -m experiments.benchmarks.chunk_sweep --case cancer_loo --epochs 50
    python -m experiments.benchmarks.chunk_sweep --figure docs/chunk_sweep.png
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from experiments.benchmarks import save
from experiments.benchmarks.cross_validation import CASES

__all__ = ["CHUNKS", "chunk_sizes", "main", "run"]

DEFAULT_JSON = Path("results") / "benchmarks" / "chunk_sweep.json"
#: The chunk sizes swept (those up to the number of folds, and the number of folds itself).
CHUNKS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384)
#: The cases swept by default: every case whose fnn is a cross_validate call, and the
#: command line's program (per-fold standardisation, softmax output).
DEFAULT_CASES = ("iris_loo", "cancer_loo", "cancer_10fold", "cancer_10fold_minibatch", "cli_cancer_loo")
TOLERANCE = 0.10
_ROOT = Path(__file__).resolve().parents[2]


def chunk_sizes(n_folds: int, slots: int = 1) -> list[int]:
    """The swept chunk sizes for ``n_folds`` folds: :data:`CHUNKS` below it, one chunk per
    slot and all folds in one chunk.

    Example:
      >>> chunk_sizes(10, slots=2)
      [1, 2, 4, 5, 8, 10]
    """
    sizes = {c for c in CHUNKS if c < n_folds} | {n_folds, -(-n_folds // slots)}
    return sorted(sizes)


def _worker(
    case_name: str, epochs: int | None, repeats: int, slots: int | None, out: str, chunks: Sequence[int] | None = None
) -> None:
    import jax
    import numpy as np

    from experiments.benchmarks import cross_validation as bench
    from fnn import cv
    from fnn.cv import engine

    case = CASES[case_name]
    n_epochs = epochs or case.epochs
    X, y = bench._load(case)
    max_rows = max(bench._fold_train_sizes(X.shape[0], case.cv))
    fit_fn, score_fn = bench._fnn_fit_and_score(case, n_epochs, max_rows)
    n_folds = len(bench._fold_train_sizes(X.shape[0], case.cv))
    this = engine.machine(jax.devices()[0], jax.local_device_count())
    the_machine = (
        this
        if slots is None
        else engine.Machine(this.platform, slots, this.cache_bytes, this.cache_source, this.memory_bytes)
    )
    plans: list = []
    run = engine.run

    def recording_run(*args, **kwargs):
        result = run(*args, machine=the_machine, **kwargs)
        plans.append(result.plan)
        return result

    engine.run = recording_run

    def once(chunk) -> tuple[float, Any]:
        result = cv.cross_validate(
            fit_fn, score_fn, X, y, case.cv, key=jax.random.key(0), return_train_score=False, chunk_size=chunk
        )
        return float(result["total_fit_time"]), result

    # every program compiled first, then timed in rounds that visit every chunk size in
    # turn (the order rotating), so a load spike from another process hits every size
    # alike; short trainings get more rounds to see past the timer's noise
    swept = sorted({min(c, n_folds) for c in chunks}) if chunks else chunk_sizes(n_folds, the_machine.slots_per_device)
    sizes: list[Any] = [*swept, "auto"]
    entries: dict[Any, dict] = {}
    first: list[float] = []
    for chunk in sizes:
        seconds, result = once(chunk)
        first.append(seconds)
        plan = plans[-1]
        entries[chunk] = {
            "chunk_size": plan.chunk_size,
            "concurrency": plan.concurrency,
            "compile_s": float(result["compile_time"]),
            "reason": plan.reason,
            "mean_test_score": float(np.mean(result["test_score"])),
            "times": [],
            "loads": [],
        }
    rounds = repeats if min(first) > 0.2 else max(repeats, 10)
    for r in range(rounds):
        for chunk in sizes[r % len(sizes) :] + sizes[: r % len(sizes)]:
            entries[chunk]["times"].append(once(chunk)[0])
            entries[chunk]["loads"].append(os.getloadavg()[0])
    for entry in entries.values():
        entry["train_s"] = float(np.median(entry["times"]))
        entry["fastest_s"] = min(entry["times"])
        entry["load"] = max(entry["loads"])
    sweep = [entries[c] for c in sizes[:-1]]
    auto = entries["auto"]
    Path(out).write_text(
        json.dumps(
            {
                "case": case_name,
                "epochs": n_epochs,
                "n_folds": n_folds,
                "slots": the_machine.slots_per_device,
                "cache_bytes": dict(the_machine.cache_bytes),
                "sweep": sweep,
                "auto": auto,
            }
        ),
        encoding="utf-8",
    )


def _summary(report: dict) -> dict:
    auto = dict(report["auto"])
    same = [r for r in report["sweep"] if r["chunk_size"] == auto["chunk_size"] and "times" in r]
    if same and "times" in auto:  # the same program as a swept size: every run of it counts
        times = sorted(auto["times"] + same[0]["times"])
        auto["train_s"] = (times[(len(times) - 1) // 2] + times[len(times) // 2]) / 2
    best = min(report["sweep"] + [auto], key=lambda r: r["train_s"])
    return {
        "best_chunk": best["chunk_size"],
        "best_s": best["train_s"],
        "auto_chunk": auto["chunk_size"],
        "auto_s": auto["train_s"],
        "auto_over_best": auto["train_s"] / best["train_s"] - 1.0,
        "within_tolerance": auto["train_s"] <= (1.0 + TOLERANCE) * best["train_s"],
        "no_chunking_s": next((r["train_s"] for r in report["sweep"] if r["chunk_size"] == report["n_folds"]), None),
    }


def run(
    cases: Sequence[str],
    *,
    epochs: int | None,
    repeats: int,
    slots: int | None,
    timeout: float,
    chunks: Sequence[int] | None = None,
    log=print,
) -> dict:
    """Sweeps every case in its own process; returns the results written as JSON by :func:`main`."""
    results: dict[str, Any] = {}
    load_before = os.getloadavg()
    for name in cases:
        with tempfile.TemporaryDirectory(prefix="fnn-chunks-") as tmp:
            out = os.path.join(tmp, "sweep.json")
            cmd = [sys.executable, "-m", "experiments.benchmarks.chunk_sweep", "--worker", name, "--out", out]
            cmd += ["--repeats", str(repeats)] + (["--epochs", str(epochs)] if epochs else [])
            cmd += ["--slots", str(slots)] if slots else []
            cmd += ["--chunks", *map(str, chunks)] if chunks else []
            env = dict(os.environ, JAX_ENABLE_COMPILATION_CACHE="false")
            env["PYTHONPATH"] = os.pathsep.join([str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=_ROOT)
            if proc.returncode != 0:
                raise RuntimeError(f"chunk sweep of {name} failed:\n{proc.stderr[-4000:]}")
            report = json.loads(Path(out).read_text(encoding="utf-8"))
        report["summary"] = _summary(report)
        report["process_s"] = time.perf_counter() - t0
        results[name] = report
        s = report["summary"]
        log(
            f"{name}: best chunk {s['best_chunk']} ({s['best_s']:.3f} s), auto chunk {s['auto_chunk']} "
            f"({s['auto_s']:.3f} s, {100 * s['auto_over_best']:+.1f} %), no chunking {s['no_chunking_s']} s"
        )
    return {
        "benchmark": "chunk_sweep",
        "command": " ".join(["python -m experiments.benchmarks.chunk_sweep"] + sys.argv[1:]),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_before": list(load_before),
        "load_average": list(os.getloadavg()),
        "tolerance": TOLERANCE,
        "cases": results,
    }


def format_table(results: dict) -> str:
    from experiments._common import markdown_table

    rows = []
    for name, report in results["cases"].items():
        s = report["summary"]
        rows.append(
            [
                name,
                report["n_folds"],
                report["epochs"],
                s["no_chunking_s"],
                s["best_chunk"],
                s["best_s"],
                s["auto_chunk"],
                s["auto_s"],
                f"{100 * s['auto_over_best']:+.1f} %",
                "yes" if s["within_tolerance"] else "NO",
            ]
        )
    header = ["case", "folds", "epochs", "one chunk s", "best chunk", "best s", "auto chunk", "auto s", "auto/best"]
    return markdown_table(header + [f"within {100 * results['tolerance']:.0f} %"], rows, digits=3)


def figure(results: dict, path: str | os.PathLike) -> Path:
    """Training time against chunk size, one panel per case; the model's choice marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments._common import save_figure

    names = list(results["cases"])
    cols = min(len(names), 3)
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        report = results["cases"][name]
        s = report["summary"]
        chunks = [r["chunk_size"] for r in report["sweep"]]
        times = [r["train_s"] for r in report["sweep"]]
        ax.plot(chunks, times, "o-", ms=4, label="chunk_size=c")
        ax.plot([s["auto_chunk"]], [s["auto_s"]], "r*", ms=14, label=f"auto: {s['auto_chunk']}")
        ax.axhline(s["best_s"] * (1 + TOLERANCE), color="g", ls=":", lw=1, label="best + 10 %")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("folds per chunk")
        ax.set_ylabel("training time (s, median)")
        load = max(r.get("load", 0.0) for r in report["sweep"])
        ax.set_title(f"{name} ({report['n_folds']} folds, {report['epochs']} epochs; load <= {load:.1f})", fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    load = results["load_average_before"][0]
    fig.suptitle(f"Training time against chunk size ({os.cpu_count()} cores, load {load:.2f})", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m experiments.benchmarks.chunk_sweep",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--case", action="append", choices=sorted(CASES), help="a case (repeatable); default: the sweep's")
    p.add_argument("--epochs", type=int, default=None, help="override the cases' epochs")
    p.add_argument("--repeats", type=int, default=3, help="runs per chunk size (the fastest is reported)")
    p.add_argument("--slots", type=int, default=None, help="chunks at once per device (default: the cores)")
    p.add_argument("--chunks", type=int, nargs="+", default=None, help="the chunk sizes to sweep (default: CHUNKS)")
    p.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the results")
    p.add_argument("--figure", default=None, help="also draw the figure (PNG) here")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed to one case")
    p.add_argument(
        "--combine", nargs="+", default=None, help="no run: merge the cases of these result files (table, figure)"
    )
    p.add_argument("--worker", choices=sorted(CASES), help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.repeats < 1 or (args.epochs is not None and args.epochs < 1) or (args.slots is not None and args.slots < 1):
        raise SystemExit("--repeats, --epochs and --slots must be at least 1")
    if args.worker:
        _worker(args.worker, args.epochs, args.repeats, args.slots, args.out, args.chunks)
        return 0
    if args.combine:
        from experiments._common import read_json, write_json

        parts = [read_json(path) for path in args.combine]
        results = dict(parts[0], cases={}, combined_from=list(args.combine))
        for part in parts:
            for name, report in part["cases"].items():
                report["summary"] = _summary(report)
                results["cases"][name] = report | {"load_average_before": part["load_average_before"]}
        results["load_average_before"] = [max(p["load_average_before"][0] for p in parts)]
        write_json(args.json, results)
        if args.figure:
            figure(results, args.figure)
        print(format_table(results))
        return 0
    cases = args.case or list(DEFAULT_CASES)
    unsupported = [c for c in cases if CASES[c].runs != "function" and c != "cli_cancer_loo"]
    if unsupported:
        raise SystemExit(f"--case: {unsupported} run outside cross_validate's worker; sweep the others")
    results = run(
        cases,
        epochs=args.epochs,
        repeats=args.repeats,
        slots=args.slots,
        timeout=args.timeout,
        chunks=args.chunks,
        log=lambda line: print(line, flush=True),
    )
    return save(results, args.json, format_table(results), figure, args.figure)


if __name__ == "__main__":
    sys.exit(main())
