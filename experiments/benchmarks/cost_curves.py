r"""Cost curves: how time and peak memory grow with the rows (n) and the folds (K).

Synthetic data shaped like breast cancer: ``n`` rows of 30 standard normal features,
labels from the sign of a fixed linear function plus noise. The network and training
are the cross-validation benchmark's ``cancer_loo`` (30-32-1 relu, sigmoid binary
cross-entropy, Adam 0.01, full batch), with fewer epochs (``--epochs``, default 10)
so the sweep takes minutes. Two sweeps, every point in a fresh process:

* rows: leave-one-out (K = n) at n = 100 ... 4000;
* folds: K-fold at n = 1000 with K = 5 ... 1000.

Alternatives, as in the benchmark: ``fnn`` (``cross_validate``, ``chunk_size="auto"``),
``loop`` (a Python loop of a jitted one-fold ``train.fit``) and ``sklearn``
(``cross_val_score(MLPClassifier)``), the last only up to ``--sklearn-max-n`` rows:
beyond, its time is extrapolated from the slope fitted to its measured points.

Per point: the whole process's wall time, the in-process cross-validation time
(``cv_s``: for fnn the program's run time, compilation excluded; for the loop its
one compilation included), and peak memory: ``ru_maxrss`` of the process after the
cross-validation, and before it (after imports and data), whose difference is what
the cross-validation added. Slopes are least-squares fits of ``log(cv_s)`` and
``log(added memory)`` against ``log(n)`` (or ``log(K)``) over the points from
``--fit-from`` rows up, where fixed costs no longer dominate.

Usage::

    python -m experiments.benchmarks.cost_curves                       # both sweeps, ~5 minutes
    python -m experiments.benchmarks.cost_curves --figure docs/cost_curves.png
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from experiments.benchmarks import save
from experiments.benchmarks.cross_validation import Case

__all__ = ["ROWS", "FOLDS", "fit_slope", "main", "run"]

DEFAULT_JSON = Path("results") / "benchmarks" / "cost_curves.json"
ROWS = (100, 200, 400, 1000, 2000, 4000)
FOLDS = (5, 20, 100, 500, 1000)
FOLDS_N = 1000
ALTERNATIVES = ("fnn", "loop", "sklearn")
_ROOT = Path(__file__).resolve().parents[2]


def _case(epochs: int, cv: int | str) -> Case:
    return Case("synthetic", (30, 32, 1), "relu", "bce", epochs, cv)


def _data(n: int):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 30)).astype(np.float32)
    w = np.random.default_rng(1).normal(size=30).astype(np.float32)
    y = (X @ w + 0.5 * rng.normal(size=n) > 0).astype(np.int32)
    return X, y


def _rss_mb() -> float:
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _worker(alternative: str, n: int, cv: int | str, epochs: int) -> dict:
    case = _case(epochs, cv)
    X, y = _data(n)
    if alternative == "sklearn":
        import warnings

        from sklearn.model_selection import KFold, LeaveOneOut, cross_val_score
        from sklearn.neural_network import MLPClassifier

        model = MLPClassifier(
            hidden_layer_sizes=(32,),
            activation="relu",
            solver="adam",
            learning_rate_init=0.01,
            max_iter=epochs,
            batch_size=n,
            alpha=0.0,
            tol=0.0,
            n_iter_no_change=epochs,
            random_state=0,
        )
        base = _rss_mb()
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores = cross_val_score(model, X, y, cv=LeaveOneOut() if cv == "loo" else KFold(int(cv)))
        return {
            "cv_s": time.perf_counter() - t0,
            "base_rss_mb": base,
            "peak_rss_mb": _rss_mb(),
            "score": float(scores.mean()),
        }

    import jax
    import jax.numpy as jnp
    import numpy as np

    from experiments.benchmarks import cross_validation as bench
    from fnn import cv as fnn_cv

    split = fnn_cv.leave_one_out(n) if cv == "loo" else fnn_cv.kfold(n, int(cv))
    max_rows = max(bench._fold_train_sizes(n, cv))
    if alternative == "fnn":
        fit_fn, score_fn = bench._fnn_fit_and_score(case, epochs, max_rows)
        base = _rss_mb()
        out = fnn_cv.cross_validate(fit_fn, score_fn, X, y, split, key=jax.random.key(0), return_train_score=False)
        return {
            "cv_s": float(out["total_fit_time"]),
            "compile_s": float(out["compile_time"]),
            "base_rss_mb": base,
            "peak_rss_mb": _rss_mb(),
            "score": float(np.mean(out["test_score"])),
        }
    fit_fn, score_fn = bench._fnn_fit_and_score(case, epochs, None)
    fit_one = jax.jit(lambda key, X, y: fit_fn(key, X, y, jnp.ones((X.shape[0],), X.dtype)))
    score_one = jax.jit(lambda p, X, y: score_fn(p, X, y, jnp.ones((X.shape[0],), X.dtype)))
    keys = jax.random.split(jax.random.key(0), split.n_folds)
    base = _rss_mb()
    t0 = time.perf_counter()
    scores = [
        score_one(fit_one(k, X[tr], y[tr]), X[te], y[te]) for k, (tr, te) in zip(keys, split.split(), strict=True)
    ]
    scores = np.asarray(jax.block_until_ready(jnp.stack(scores)))
    return {
        "cv_s": time.perf_counter() - t0,
        "base_rss_mb": base,
        "peak_rss_mb": _rss_mb(),
        "score": float(scores.mean()),
    }


def fit_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The least-squares slope of ``log(ys)`` against ``log(xs)`` (``None`` for fewer than 2 points).

    Example:
      >>> round(fit_slope([1, 2, 4], [3, 12, 48]), 6)
      2.0
    """
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return None if sxx == 0 else sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def _spawn(alternative: str, n: int, cv: int | str, epochs: int, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="fnn-cost-") as tmp:
        out = os.path.join(tmp, "point.json")
        cmd = [sys.executable, "-m", "experiments.benchmarks.cost_curves", "--worker", alternative]
        cmd += ["--n", str(n), "--cv", str(cv), "--epochs", str(epochs), "--out", out]
        env = dict(os.environ, JAX_ENABLE_COMPILATION_CACHE="false")
        env["PYTHONPATH"] = os.pathsep.join([str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=_ROOT)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"cost curve point {alternative} n={n} cv={cv} failed:\n{proc.stderr[-4000:]}")
        report = json.loads(Path(out).read_text(encoding="utf-8"))
    report.update(wall_s=wall, n=n, cv=cv, added_rss_mb=max(report["peak_rss_mb"] - report["base_rss_mb"], 0.0))
    return report


def _line(p: dict) -> str:
    return f"{p['wall_s']:7.2f} s whole, {p['cv_s']:7.2f} s cv, +{p['added_rss_mb']:.0f} MB peak RSS"


def _slopes(points: list[dict], x: str, fit_from: int) -> dict:
    chosen = [p for p in points if p[x] >= fit_from]
    return {
        "time": fit_slope([p[x] for p in chosen], [p["cv_s"] for p in chosen]),
        "memory": fit_slope([p[x] for p in chosen], [p["added_rss_mb"] for p in chosen]),
        "fitted_on": [p[x] for p in chosen],
    }


def run(
    *,
    rows: Sequence[int],
    folds: Sequence[int],
    epochs: int,
    sklearn_max_n: int,
    fit_from: int,
    alternatives: Sequence[str],
    timeout: float,
    log=print,
) -> dict:
    """Both sweeps; returns the results written as JSON by :func:`main`."""
    load_before = os.getloadavg()
    sweeps: dict[str, Any] = {"rows": {}, "folds": {}}
    for alt in alternatives:
        points = []
        for n in rows:
            if alt == "sklearn" and n > sklearn_max_n:
                continue
            p = _spawn(alt, n, "loo", epochs, timeout)
            p["K"] = n
            points.append(p)
            log(f"rows  {alt:>8} n={n:5d}: {_line(p)}")
        entry: dict[str, Any] = {"points": points, "slopes": _slopes(points, "n", fit_from)}
        slope = entry["slopes"]["time"]
        if alt == "sklearn" and slope is not None and points:
            last = points[-1]
            entry["extrapolated_cv_s"] = {n: last["cv_s"] * (n / last["n"]) ** slope for n in rows if n > sklearn_max_n}
        sweeps["rows"][alt] = entry
        points = []
        for k in folds:
            p = _spawn(alt, FOLDS_N, k, epochs, timeout)
            p["K"] = k
            points.append(p)
            log(f"folds {alt:>8} K={k:5d}: {_line(p)}")
        sweeps["folds"][alt] = {"points": points, "slopes": _slopes(points, "K", min(folds))}
    return {
        "benchmark": "cost_curves",
        "command": " ".join(["python -m experiments.benchmarks.cost_curves"] + sys.argv[1:]),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_before": list(load_before),
        "load_average": list(os.getloadavg()),
        "epochs": epochs,
        "folds_n": FOLDS_N,
        "fit_from": fit_from,
        "sklearn_max_n": sklearn_max_n,
        "sweeps": sweeps,
    }


def format_table(results: dict) -> str:
    from experiments._common import markdown_table

    rows = []
    for sweep, x in (("rows", "n"), ("folds", "K")):
        for alt, entry in results["sweeps"][sweep].items():
            s = entry["slopes"]
            times = ", ".join(f"{p[x]}: {p['cv_s']:.2f}" for p in entry["points"])
            rows.append([sweep, alt, s["time"], s["memory"], times])
            for n, t in entry.get("extrapolated_cv_s", {}).items():
                rows.append([sweep, f"{alt} (extrapolated)", "", "", f"{n}: {t:.0f}"])
    return markdown_table(["sweep", "alternative", "time slope", "memory slope", "cv seconds by n or K"], rows, 3)


def figure(results: dict, path: str | os.PathLike) -> Path:
    """Log-log: time against n (LOOCV), added memory against n, time against K."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments._common import save_figure

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    colors = {"fnn": "C0", "loop": "C1", "sklearn": "C2"}
    for alt, entry in results["sweeps"]["rows"].items():
        pts = entry["points"]
        s = entry["slopes"]
        label = f"{alt} (slope {s['time']:.2f})" if s["time"] is not None else alt
        axes[0].plot([p["n"] for p in pts], [p["cv_s"] for p in pts], "o-", color=colors.get(alt), label=label)
        extra = entry.get("extrapolated_cv_s", {})
        if extra:
            xs = [pts[-1]["n"]] + [int(n) for n in extra]
            ys = [pts[-1]["cv_s"]] + list(extra.values())
            axes[0].plot(xs, ys, "--", color=colors.get(alt), alpha=0.6, label=f"{alt} extrapolated")
        label = f"{alt} (slope {s['memory']:.2f})" if s["memory"] is not None else alt
        memory = [max(p["added_rss_mb"], 0.1) for p in pts]
        axes[1].plot([p["n"] for p in pts], memory, "o-", color=colors.get(alt), label=label)
    for alt, entry in results["sweeps"]["folds"].items():
        pts = entry["points"]
        s = entry["slopes"]
        label = f"{alt} (slope {s['time']:.2f})" if s["time"] is not None else alt
        axes[2].plot([p["K"] for p in pts], [p["cv_s"] for p in pts], "o-", color=colors.get(alt), label=label)
    titles = (
        f"LOOCV time ({results['epochs']} epochs)",
        "LOOCV: memory the CV adds (peak RSS)",
        f"K-fold time, n = {results['folds_n']}",
    )
    for ax, title, xlabel, ylabel in zip(
        axes, titles, ("rows n (K = n)", "rows n (K = n)", "folds K"), ("seconds", "MB", "seconds"), strict=True
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    fig.suptitle(
        f"Cost curves, 30-32-1 relu, Adam, full batch (load {results['load_average_before'][0]:.2f})", fontsize=10
    )
    fig.tight_layout()
    return save_figure(fig, path)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m experiments.benchmarks.cost_curves",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rows", type=int, nargs="+", default=list(ROWS), help="n of the LOOCV sweep")
    p.add_argument("--folds", type=int, nargs="+", default=list(FOLDS), help=f"K of the K-fold sweep (n={FOLDS_N})")
    p.add_argument("--epochs", type=int, default=10, help="epochs per fold")
    p.add_argument("--sklearn-max-n", type=int, default=1000, help="largest n scikit-learn runs (then extrapolated)")
    p.add_argument("--fit-from", type=int, default=400, help="fit the slopes on n from here up")
    p.add_argument("--alternatives", default=",".join(ALTERNATIVES), help="comma-separated subset of fnn,loop,sklearn")
    p.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the results")
    p.add_argument("--figure", default=None, help="also draw the figure (PNG) here")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed to one point")
    p.add_argument("--worker", choices=ALTERNATIVES, help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--cv", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        cv: int | str = args.cv if args.cv == "loo" else int(args.cv)
        Path(args.out).write_text(json.dumps(_worker(args.worker, args.n, cv, args.epochs)), encoding="utf-8")
        return 0
    alternatives = [a.strip() for a in args.alternatives.split(",") if a.strip()]
    if not alternatives or set(alternatives) - set(ALTERNATIVES):
        raise SystemExit(f"--alternatives: choose from {','.join(ALTERNATIVES)}")
    if args.epochs < 1 or min(args.rows) < 2 or min(args.folds) < 2 or max(args.folds) > FOLDS_N:
        raise SystemExit(f"--epochs >= 1, --rows >= 2 and 2 <= --folds <= {FOLDS_N}")
    results = run(
        rows=args.rows,
        folds=args.folds,
        epochs=args.epochs,
        sklearn_max_n=args.sklearn_max_n,
        fit_from=args.fit_from,
        alternatives=alternatives,
        timeout=args.timeout,
        log=lambda line: print(line, flush=True),
    )
    return save(results, args.json, format_table(results), figure, args.figure)


if __name__ == "__main__":
    sys.exit(main())
