r"""Cross-validation speed: fnn's one-program CV against a loop, scikit-learn and torch.

Every alternative runs in a fresh Python process (a ``--worker`` of this module) and
the figure reported is that process's whole wall time: interpreter start, imports,
data, compilation and training, i.e. what a user waits for. Alternatives are
interleaved within each repeat (so a load spike hits them alike) and summarised by
their median over repeats; the ratios are the point, not the absolute seconds.

Cases (data standardised with the mean and standard deviation of *all* rows: a
shortcut acceptable for a speed benchmark, not for a model-selection result):

==========================  ==============  ===========  ===================  =======  ==========
case                        data            MLP          loss                 epochs   batches
==========================  ==============  ===========  ===================  =======  ==========
``iris_loo``                iris, LOOCV     4-8-3 tanh   softmax CE           500      full
``cancer_loo``              breast cancer   30-32-1 relu sigmoid BCE          200      full
``cancer_10fold``           breast cancer   30-32-1 relu sigmoid BCE          200      full
``cancer_10fold_minibatch`` breast cancer   30-32-1 relu sigmoid BCE          20       32 rows
==========================  ==============  ===========  ===================  =======  ==========

All use Adam with learning rate 0.01. Alternatives:

``fnn``       ``fnn.cv.cross_validate`` (every fold in one ``jit(vmap)``), persistent
              compilation cache off: compilation included.
``fnn_warm``  the same with JAX's persistent compilation cache warm (a throw-away cache
              folder, filled by one unmeasured run). The cache is switched on with
              environment variables carrying the settings of
              ``experiments._common.enable_compilation_cache`` (that module imports
              matplotlib, 0.5 s that would be charged to fnn).
``loop``      a Python loop over the folds of one ``jax.jit``-ed single-fold
              ``fnn.train.fit`` on the fold's physical rows (compiles once per distinct
              training-set size: 1 for LOOCV, 2 for 10-fold of 569 rows); the folds
              come from fnn's splitters (scikit-learn's folds, without its import).
``sklearn``   ``cross_val_score(MLPClassifier(...))`` with the same architecture,
              Adam, learning rate, epochs, batch size, ``alpha=0`` and no early
              stopping (``tol=0``, ``n_iter_no_change=max_iter``); two classes give a
              logistic output, three a softmax, as here.
``torch``     a loop over folds of the same network and Adam in torch (CPU, default
              threads), when torch is installed.

The machine's limits are measured in the same run: float32 matmul GFLOP/s (a jitted
:math:`N \times N` product, :math:`2N^3` flops, median) and memory bandwidth (a
large numpy copy, read + write bytes per second). The training work of a
cross-validation is counted as

.. math::

    \text{FLOPs} = 6 \, P \sum_k n^{\text{train}}_k \, E

(forward 2 flops per parameter and row, backward 4; :math:`P` parameters,
:math:`E` epochs, :math:`n^{\text{train}}_k` the training rows of fold :math:`k`);
fnn's masked program also computes on the zero-weight rows, reported separately as
the executed FLOPs.

Usage::

    python -m experiments.benchmarks.cross_validation                  # everything, 3 repeats
    python -m experiments.benchmarks.cross_validation --case iris_loo --repeats 5
    python -m experiments.benchmarks.cross_validation --quick          # smoke run
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["ALTERNATIVES", "CASES", "Case", "flop_count", "main", "run"]

_START = time.perf_counter()


@dataclasses.dataclass(frozen=True)
class Case:
    """One cross-validation workload."""

    data: str
    layers: tuple[int, ...]
    activation: str
    loss: str  # "cross_entropy" (softmax output) or "bce" (one sigmoid output)
    epochs: int
    cv: int | str  # K or "loo"
    batch_size: int | None = None
    learning_rate: float = 0.01


CASES: dict[str, Case] = {
    "iris_loo": Case("iris", (4, 8, 3), "tanh", "cross_entropy", 500, "loo"),
    "cancer_loo": Case("breast_cancer", (30, 32, 1), "relu", "bce", 200, "loo"),
    "cancer_10fold": Case("breast_cancer", (30, 32, 1), "relu", "bce", 200, 10),
    "cancer_10fold_minibatch": Case("breast_cancer", (30, 32, 1), "relu", "bce", 20, 10, batch_size=32),
}

ALTERNATIVES = ("fnn", "fnn_warm", "loop", "sklearn", "torch")

#: Targets of issue 6 (whole process, 2-core CPU): ``(case, slower, faster, ratio)``
#: means ``median(slower) / median(faster) >= ratio``.
TARGETS = (
    ("iris_loo", "loop", "fnn", 2.0),
    ("iris_loo", "sklearn", "fnn", 8.0),
    ("cancer_loo", "loop", "fnn", 2.0),
    ("cancer_loo", "sklearn", "fnn", 8.0),
    ("cancer_10fold", "loop", "fnn", 2.0),
    ("cancer_10fold", "sklearn", "fnn_warm", 1.5),
)

QUICK_EPOCHS = 5
DEFAULT_JSON = Path("results") / "benchmarks" / "cross_validation.json"


def _n_params(layers: Sequence[int]) -> int:
    return sum(a * b + b for a, b in zip(layers[:-1], layers[1:], strict=True))


def _fold_train_sizes(n: int, cv: int | str) -> list[int]:
    if cv == "loo":
        return [n - 1] * n
    k = int(cv)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]  # KFold's test sizes
    return [n - s for s in sizes]


def flop_count(case: Case, n: int, epochs: int) -> dict[str, float]:
    r"""Training FLOPs of one cross-validation: :math:`6 P \sum_k n^{\text{train}}_k E`.

    Args:
      case: the workload.
      n: rows in the data set.
      epochs: epochs actually run.

    Returns:
      ``{"params": P, "useful": ..., "executed": ...}``: the useful count (training
      rows only) and what fnn's masked program executes (every row of every fold in
      full batch; ``folds x steps x batch_size`` slots with mini-batches).

    Example:
      >>> flop_count(CASES["iris_loo"], 150, 500)["useful"] == 6 * 67 * 149 * 150 * 500
      True
    """
    p = _n_params(case.layers)
    train = _fold_train_sizes(n, case.cv)
    useful = 6.0 * p * sum(train) * epochs
    if case.batch_size is None:
        rows = n
    else:
        rows = -(-max(train) // case.batch_size) * case.batch_size
    executed = 6.0 * p * rows * len(train) * epochs
    return {"params": p, "useful": useful, "executed": executed}


# --------------------------------------------------------------------------- workers (fresh processes)


def _load(case: Case, *, via: str = "fnn"):
    """The case's data, standardised on all rows (numpy float32 X, int labels y).

    Each alternative reads it the way its users would: ``fnn.datasets.load`` (fnn's
    bundled files, no scikit-learn import) for fnn and the loop, ``sklearn.datasets``
    for scikit-learn and torch (importing fnn would charge torch for JAX); the values
    are identical (tested in ``tests/test_datasets.py``).
    """
    import numpy as np

    if via == "sklearn":
        from sklearn import datasets

        X, y = getattr(datasets, f"load_{case.data}")(return_X_y=True)
    else:
        from fnn import datasets

        X, y = datasets.load(case.data)
    X = np.asarray(X, np.float32)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, np.asarray(y, np.int32)


def _splits(n: int, cv, *, via: str = "sklearn"):
    """``LeaveOneOut()`` or ``KFold(K)``; ``via="fnn"``: fnn's splitters, the same folds
    (``tests/test_cv.py``) without importing scikit-learn (1.5-2 s with SciPy)."""
    if via == "fnn":
        from fnn import cv as fnn_cv

        return fnn_cv.leave_one_out(n) if cv == "loo" else fnn_cv.kfold(n, int(cv))
    from sklearn.model_selection import KFold, LeaveOneOut

    return LeaveOneOut() if cv == "loo" else KFold(int(cv))


def _fnn_fit_and_score(case: Case, epochs: int, max_rows: int | None):
    """``fit_fn(key, X, y, weights)`` and ``score_fn(params, X, y, weights)`` for fnn."""
    import jax
    import jax.numpy as jnp

    from fnn import losses, mlp, optim, train

    net = mlp.MLP(list(case.layers), activation=case.activation)

    def forward(params, X):
        return net.apply(params, X)

    if case.loss == "cross_entropy":

        def loss_fn(params, X, y):
            return losses.cross_entropy(forward(params, X), y, reduction="none")

        def predict(params, X):
            return jnp.argmax(forward(params, X), axis=-1)
    else:

        def loss_fn(params, X, y):
            return losses.binary_cross_entropy_with_logits(
                forward(params, X)[:, 0], y.astype(X.dtype), reduction="none"
            )

        def predict(params, X):
            return (forward(params, X)[:, 0] > 0).astype(jnp.int32)

    def fit_fn(key, X, y, weights=None):
        init_key, shuffle_key = jax.random.split(key)
        params = net.init(init_key)
        params, _ = train.fit(
            loss_fn,
            params,
            optim.adam(case.learning_rate),
            X,
            y,
            key=shuffle_key if case.batch_size else None,
            epochs=epochs,
            batch_size=case.batch_size,
            weights=weights,
            max_rows=max_rows if weights is not None else None,
        )
        return params

    def score_fn(params, X, y, weights):
        correct = (predict(params, X) == y).astype(X.dtype)
        return jnp.sum(weights * correct) / jnp.sum(weights)

    return fit_fn, score_fn


def _worker_fnn(case: Case, epochs: int) -> dict:
    import jax
    import numpy as np

    from fnn import cv

    t0 = time.perf_counter()
    X, y = _load(case)
    max_rows = max(_fold_train_sizes(X.shape[0], case.cv))
    fit_fn, score_fn = _fnn_fit_and_score(case, epochs, max_rows)
    t1 = time.perf_counter()
    out = cv.cross_validate(fit_fn, score_fn, X, y, case.cv, key=jax.random.key(0), return_train_score=False)
    return {
        "data_s": t1 - t0,
        "compile_s": float(out["compile_time"]),
        "train_s": float(out["total_fit_time"] + out["total_score_time"]),
        "cv_s": time.perf_counter() - t1,
        "mean_test_score": float(np.mean(out["test_score"])),
        "n_folds": int(out["test_score"].shape[0]),
        "n_rows": int(X.shape[0]),
        "backend": jax.default_backend(),
    }


def _worker_loop(case: Case, epochs: int) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np

    t0 = time.perf_counter()
    X, y = _load(case)
    fit_fn, score_fn = _fnn_fit_and_score(case, epochs, None)
    fit_one = jax.jit(lambda key, X, y: fit_fn(key, X, y))
    score_one = jax.jit(lambda p, X, y: score_fn(p, X, y, jnp.ones((X.shape[0],), X.dtype)))
    pairs = list(_splits(X.shape[0], case.cv, via="fnn").split(X, y))
    keys = jax.random.split(jax.random.key(0), len(pairs))
    t1 = time.perf_counter()
    scores = []
    for fold_key, (train_idx, test_idx) in zip(keys, pairs, strict=True):
        params = fit_one(fold_key, X[train_idx], y[train_idx])
        scores.append(score_one(params, X[test_idx], y[test_idx]))
    scores = np.asarray(jax.block_until_ready(jnp.stack(scores)))
    return {
        "data_s": t1 - t0,
        "cv_s": time.perf_counter() - t1,
        "mean_test_score": float(scores.mean()),
        "n_folds": len(pairs),
        "n_rows": int(X.shape[0]),
        "compilations": len({p[0].shape[0] for p in pairs}),
    }


def _worker_sklearn(case: Case, epochs: int) -> dict:
    import warnings

    import numpy as np
    from sklearn.model_selection import cross_val_score
    from sklearn.neural_network import MLPClassifier

    t0 = time.perf_counter()
    X, y = _load(case, via="sklearn")
    batch = case.batch_size or max(_fold_train_sizes(X.shape[0], case.cv))
    model = MLPClassifier(
        hidden_layer_sizes=case.layers[1:-1],
        activation=case.activation,
        solver="adam",
        learning_rate_init=case.learning_rate,
        max_iter=epochs,
        batch_size=batch,
        alpha=0.0,
        early_stopping=False,
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=0,
    )
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        # ConvergenceWarning (it runs every epoch by design) and batch_size clipping
        # on the smaller 10-fold training sets.
        warnings.simplefilter("ignore")
        scores = cross_val_score(model, X, y, cv=_splits(X.shape[0], case.cv))
    return {
        "data_s": t1 - t0,
        "cv_s": time.perf_counter() - t1,
        "mean_test_score": float(np.mean(scores)),
        "n_folds": int(scores.shape[0]),
        "n_rows": int(X.shape[0]),
    }


def _worker_torch(case: Case, epochs: int) -> dict:
    import numpy as np
    import torch

    t0 = time.perf_counter()
    X, y = _load(case, via="sklearn")
    torch.manual_seed(0)
    pairs = list(_splits(X.shape[0], case.cv).split(X, y))
    Xt = torch.from_numpy(X)
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[case.activation]
    if case.loss == "cross_entropy":
        yt = torch.from_numpy(y.astype(np.int64))
        loss_fn = torch.nn.CrossEntropyLoss()
    else:
        yt = torch.from_numpy(y.astype(np.float32))[:, None]
        loss_fn = torch.nn.BCEWithLogitsLoss()
    t1 = time.perf_counter()
    scores = []
    for train_idx, test_idx in pairs:
        layers: list[torch.nn.Module] = []
        for i, (a, b) in enumerate(zip(case.layers[:-1], case.layers[1:], strict=True)):
            layers += [torch.nn.Linear(a, b)] + ([act()] if i < len(case.layers) - 2 else [])
        model = torch.nn.Sequential(*layers)
        opt = torch.optim.Adam(model.parameters(), lr=case.learning_rate)
        xs, ys = Xt[train_idx], yt[train_idx]
        n_train = xs.shape[0]
        for _ in range(epochs):
            order = (
                [torch.arange(n_train)] if case.batch_size is None else torch.randperm(n_train).split(case.batch_size)
            )
            for idx in order:
                opt.zero_grad()
                loss_fn(model(xs[idx]), ys[idx]).backward()
                opt.step()
        with torch.no_grad():
            out = model(Xt[test_idx])
            pred = out.argmax(1) if case.loss == "cross_entropy" else (out[:, 0] > 0).long()
            scores.append(float((pred.numpy() == y[test_idx]).mean()))
    return {
        "data_s": t1 - t0,
        "cv_s": time.perf_counter() - t1,
        "mean_test_score": float(np.mean(scores)),
        "n_folds": len(pairs),
        "n_rows": int(X.shape[0]),
        "threads": torch.get_num_threads(),
    }


def _worker_roofline(quick: bool) -> dict:
    """The machine's float32 matmul rate (jax) and memory bandwidth (numpy copy, jax sum)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    def median_time(fn, repeats):
        fn()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    n = 512 if quick else 2048
    a = jax.random.normal(jax.random.key(0), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.key(1), (n, n), jnp.float32)
    matmul = jax.jit(jnp.matmul)
    t_mm = median_time(lambda: matmul(a, b).block_until_ready(), 3 if quick else 10)

    size = (8 if quick else 256) * 2**20 // 4  # float32 elements: 8 MiB (quick) or 256 MiB per array
    src = np.ones(size, np.float32)
    dst = np.empty_like(src)
    t_copy = median_time(lambda: np.copyto(dst, src), 3 if quick else 7)
    x = jnp.ones(size, jnp.float32)
    total = jax.jit(jnp.sum)
    t_sum = median_time(lambda: total(x).block_until_ready(), 3 if quick else 7)
    return {
        "matmul_n": n,
        "matmul_gflops": 2.0 * n**3 / t_mm / 1e9,
        "array_mib": src.nbytes / 2**20,
        "copy_gbs": 2.0 * src.nbytes / t_copy / 1e9,
        "sum_gbs": src.nbytes / t_sum / 1e9,
        "backend": jax.default_backend(),
        "devices": jax.device_count(),
        "cpu_count": os.cpu_count(),
    }


_WORKERS = {
    "fnn": _worker_fnn,
    "fnn_warm": _worker_fnn,
    "loop": _worker_loop,
    "sklearn": _worker_sklearn,
    "torch": _worker_torch,
}


def _worker_main(args: argparse.Namespace) -> int:
    if args.worker == "roofline":
        report = _worker_roofline(args.quick)
    else:
        report = _WORKERS[args.worker](CASES[args.case[0]], args.epochs)
    report["process_s"] = time.perf_counter() - _START  # from this module's import, not interpreter start
    Path(args.out).write_text(json.dumps(report), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- driver


def _child_env(alternative: str, cache_dir: str | None) -> dict:
    env = dict(os.environ)
    for name in ("JAX_COMPILATION_CACHE_DIR", "FNN_JAX_CACHE_DIR"):
        env.pop(name, None)
    if alternative == "fnn_warm":
        # The settings of experiments._common.enable_compilation_cache, as environment
        # variables, so the worker does not import that module (and matplotlib).
        env.update(
            JAX_ENABLE_COMPILATION_CACHE="true",
            JAX_COMPILATION_CACHE_DIR=cache_dir,
            JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
            JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0",
        )
    else:
        env["JAX_ENABLE_COMPILATION_CACHE"] = "false"
    return env


def _spawn(
    worker: str, *, case: str | None, epochs: int | None, quick: bool, cache_dir: str | None, timeout: float
) -> tuple[float, dict]:
    """Runs one worker process; returns its whole wall time and its report."""
    with tempfile.TemporaryDirectory(prefix="fnn-bench-") as tmp:
        out = os.path.join(tmp, "report.json")
        cmd = [sys.executable, "-m", "experiments.benchmarks.cross_validation", "--worker", worker, "--out", out]
        if case is not None:
            cmd += ["--case", case, "--epochs", str(epochs)]
        if quick:
            cmd.append("--quick")
        t0 = time.perf_counter()
        proc = subprocess.run(
            cmd,
            env=_child_env(worker, cache_dir),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=Path(__file__).resolve().parents[2],
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(
                f"benchmark worker {worker} ({case}) failed with code {proc.returncode}:\n{proc.stderr[-4000:]}"
            )
        return wall, json.loads(Path(out).read_text(encoding="utf-8"))


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def run(
    cases: Sequence[str],
    alternatives: Sequence[str],
    *,
    repeats: int,
    quick: bool,
    epochs: int | None = None,
    timeout: float = 3600.0,
    log=print,
) -> dict:
    """Runs every case x alternative ``repeats`` times (fresh processes, interleaved).

    Args:
      cases: names from :data:`CASES`.
      alternatives: names from :data:`ALTERNATIVES`.
      repeats: measured runs per alternative (median reported).
      quick: few epochs (:data:`QUICK_EPOCHS`) and a small roofline.
      epochs: overrides every case's epochs.
      timeout: seconds allowed to one worker process.
      log: where progress lines go.

    Returns:
      the results dict written as JSON by :func:`main`.
    """
    wall_roof, roofline = _spawn("roofline", case=None, epochs=None, quick=quick, cache_dir=None, timeout=timeout)
    log(f"roofline: {roofline['matmul_gflops']:.1f} GFLOP/s matmul, {roofline['copy_gbs']:.1f} GB/s copy")
    results: dict[str, Any] = {}
    for name in cases:
        case = CASES[name]
        n_epochs = epochs or (QUICK_EPOCHS if quick else case.epochs)
        walls: dict[str, list[float]] = {a: [] for a in alternatives}
        reports: dict[str, dict] = {}
        with tempfile.TemporaryDirectory(prefix="fnn-bench-cache-") as cache_dir:
            fill_s = None
            if "fnn_warm" in alternatives:  # fill the cache: one unmeasured run
                fill_s, _ = _spawn(
                    "fnn_warm", case=name, epochs=n_epochs, quick=quick, cache_dir=cache_dir, timeout=timeout
                )
            for r in range(repeats):
                order = list(alternatives[r % len(alternatives) :]) + list(alternatives[: r % len(alternatives)])
                for alt in order:
                    wall, report = _spawn(
                        alt, case=name, epochs=n_epochs, quick=quick, cache_dir=cache_dir, timeout=timeout
                    )
                    walls[alt].append(wall)
                    reports[alt] = report
                    log(f"{name:>24} {alt:>9} repeat {r}: {wall:7.2f} s (score {report['mean_test_score']:.3f})")
        medians = {a: statistics.median(w) for a, w in walls.items()}
        n_rows = next(iter(reports.values()))["n_rows"]
        flops = flop_count(case, n_rows, n_epochs)
        entry: dict[str, Any] = {
            "config": dataclasses.asdict(case) | {"epochs": n_epochs},
            "n_rows": n_rows,
            "n_folds": next(iter(reports.values()))["n_folds"],
            "flops": flops,
            "alternatives": {
                a: {"wall_s": walls[a], "median_s": medians[a], "worker": reports[a]} for a in alternatives
            },
            "ratios": {f"{a}/fnn": _ratio(medians.get(a), medians.get("fnn")) for a in alternatives if a != "fnn"}
            | {
                f"{a}/fnn_warm": _ratio(medians.get(a), medians.get("fnn_warm"))
                for a in alternatives
                if a not in ("fnn", "fnn_warm")
            },
        }
        if fill_s is not None:
            entry["fnn_warm_fill_s"] = fill_s
        if "fnn" in reports:
            train_s = reports["fnn"]["train_s"]
            entry["achieved"] = {
                "gflops_training": flops["useful"] / train_s / 1e9,
                "gflops_executed": flops["executed"] / train_s / 1e9,
                "gflops_whole_process": flops["useful"] / medians["fnn"] / 1e9,
                "fraction_of_matmul_peak": flops["executed"] / train_s / 1e9 / roofline["matmul_gflops"],
            }
        results[name] = entry
    targets = []
    for name, slow, fast, want in TARGETS:
        if name in results and slow in alternatives and fast in alternatives:
            got = _ratio(
                results[name]["alternatives"][slow]["median_s"], results[name]["alternatives"][fast]["median_s"]
            )
            targets.append(
                {
                    "case": name,
                    "ratio": f"{slow}/{fast}",
                    "target": want,
                    "measured": got,
                    "met": got is not None and got >= want,
                }
            )
    return {
        "benchmark": "cross_validation",
        "command": " ".join(["python -m experiments.benchmarks.cross_validation"] + sys.argv[1:]),
        "quick": quick,
        "repeats": repeats,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average": list(os.getloadavg()),
            "roofline_process_s": wall_roof,
        },
        "roofline": roofline,
        "cases": results,
        "targets": targets,
    }


def format_table(results: dict) -> str:
    """The results as a markdown table: median whole-process seconds and ratios to fnn."""
    from experiments._common import markdown_table

    rows = []
    for name, entry in results["cases"].items():
        fnn = entry["alternatives"].get("fnn", {}).get("median_s")
        warm = entry["alternatives"].get("fnn_warm", {}).get("median_s")
        for alt, a in entry["alternatives"].items():
            w = a["worker"]
            rows.append(
                [
                    name,
                    alt,
                    a["median_s"],
                    _ratio(a["median_s"], fnn),
                    _ratio(a["median_s"], warm),
                    w.get("cv_s"),
                    w.get("compile_s"),
                    w["mean_test_score"],
                ]
            )
    table = markdown_table(
        [
            "case",
            "alternative",
            "median s (whole process)",
            "/ fnn",
            "/ fnn_warm",
            "in-process CV s",
            "compile s",
            "mean test acc",
        ],
        rows,
        digits=3,
    )
    roof = results["roofline"]
    lines = [
        table,
        "",
        f"machine: {roof['matmul_gflops']:.1f} GFLOP/s float32 matmul (n={roof['matmul_n']}), "
        f"{roof['copy_gbs']:.1f} GB/s copy, {roof['sum_gbs']:.1f} GB/s sum; "
        f"load average {results['machine']['load_average'][0]:.1f}",
    ]
    for name, entry in results["cases"].items():
        if "achieved" in entry:
            ach = entry["achieved"]
            lines.append(
                f"{name}: fnn trains at {ach['gflops_training']:.2f} GFLOP/s useful "
                f"({ach['gflops_executed']:.2f} executed, {100 * ach['fraction_of_matmul_peak']:.1f} % "
                f"of matmul peak); {ach['gflops_whole_process']:.2f} GFLOP/s over the whole process"
            )
    for t in results["targets"]:
        got = "n/a" if t["measured"] is None else f"{t['measured']:.2f}"
        lines.append(f"target {t['case']} {t['ratio']} >= {t['target']}: {got} ({'met' if t['met'] else 'NOT met'})")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m experiments.benchmarks.cross_validation",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--case", action="append", choices=sorted(CASES), help="a case to run (repeatable); default all")
    p.add_argument(
        "--alternatives",
        default=None,
        help=f"comma-separated subset of {','.join(ALTERNATIVES)}; default all available",
    )
    p.add_argument("--repeats", type=int, default=None, help="measured runs per alternative (default 3, quick 1)")
    p.add_argument("--epochs", type=int, default=None, help="override every case's epochs")
    p.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the results")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_EPOCHS} epochs, 1 repeat, small roofline")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed to one worker process")
    p.add_argument("--worker", choices=ALTERNATIVES + ("roofline",), help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker is not None:
        return _worker_main(args)
    cases = args.case or list(CASES)
    if args.alternatives is None:
        alternatives = [a for a in ALTERNATIVES if a != "torch" or _torch_available()]
    else:
        alternatives = [a.strip() for a in args.alternatives.split(",") if a.strip()]
        unknown = sorted(set(alternatives) - set(ALTERNATIVES))
        if unknown or not alternatives:
            raise SystemExit(f"--alternatives: unknown {unknown}; choose from {','.join(ALTERNATIVES)}")
        if "torch" in alternatives and not _torch_available():
            raise SystemExit("--alternatives: torch is not installed; drop it or `pip install fnn[torch]`")
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    if repeats < 1 or (args.epochs is not None and args.epochs < 1):
        raise SystemExit("--repeats and --epochs must be at least 1")
    results = run(
        cases,
        alternatives,
        repeats=repeats,
        quick=args.quick,
        epochs=args.epochs,
        timeout=args.timeout,
        log=lambda line: print(line, flush=True),
    )
    from experiments._common import write_json

    write_json(args.json, results)
    print(format_table(results))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
