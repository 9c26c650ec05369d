r"""Cross-validation speed: fnn's one-program CV against a loop, scikit-learn and torch.

Every alternative runs in a fresh Python process (a ``--worker`` of this module) and
the figure reported is that process's whole wall time: interpreter start, imports,
data, compilation and training, i.e. what a user waits for. Alternatives are
interleaved within each repeat (so a load spike hits them alike) and summarised by
their median over repeats; the ratios are the point, not the absolute seconds.

Cases. The first four standardise the data with the mean and standard deviation of
*all* rows (a shortcut acceptable for a speed benchmark, not for a model-selection
result) and call ``cross_validate`` in the worker; the last two time what users run,
which standardises each fold on its own training rows:

===========================  ==============  ===========  ===================  =======  ==========
case                         data            MLP          loss                 epochs   batches
===========================  ==============  ===========  ===================  =======  ==========
``iris_loo``                 iris, LOOCV     4-8-3 tanh   softmax CE           500      full
``cancer_loo``               breast cancer   30-32-1 relu sigmoid BCE          200      full
``cancer_10fold``            breast cancer   30-32-1 relu sigmoid BCE          200      full
``cancer_10fold_minibatch``  breast cancer   30-32-1 relu sigmoid BCE          20       32 rows
``cli_cancer_loo``           breast cancer   30-32-2 relu softmax CE           200      full
``readme_kfold``             iris, 5 folds   4-16-3 tanh  softmax CE           200      full
===========================  ==============  ===========  ===================  =======  ==========

``cli_cancer_loo``'s fnn is the command line, ``python -m experiments.cross_validation
--dataset breast_cancer --cv loo --hidden 32 --activation relu --epochs 200`` with the
study parts off (``--no-spread --no-fold-scores --no-timing --no-grid``), whole
process (it writes its outputs to a temporary folder). ``readme_kfold``'s fnn is the
README's K-fold example (stratified, shuffled 5-fold iris), taken from README.md and
run as a script, with its last expression assigned so that the score can be
reported; its loop runs the same ``fit_fn`` and ``score_fn`` (the README's code) on
the same folds.

All use Adam with learning rate 0.01. Alternatives:

``fnn``       ``fnn.cv.cross_validate`` (every fold in one ``jit(vmap)``, ``chunk_size``
              left at ``"auto"``), persistent compilation cache off: compilation
              included.
``fnn_warm``  the same with JAX's persistent compilation cache warm (a throw-away cache
              folder, filled by one unmeasured run). The cache is switched on with
              environment variables carrying the settings of
              ``experiments._common.enable_compilation_cache`` (that module imports
              matplotlib, 0.5 s that would be charged to fnn); the command line gets
              the folder in ``FNN_JAX_CACHE_DIR``.
``loop``      a Python loop over the folds of one ``jax.jit``-ed single-fold
              ``fnn.train.fit`` on the fold's physical rows (compiles once per distinct
              training-set size: 1 for LOOCV, 2 for 10-fold of 569 rows); the folds
              come from fnn's splitters (scikit-learn's folds, without its import).
``sklearn``   ``cross_val_score(MLPClassifier(...))`` with the same architecture,
              Adam, learning rate, epochs, batch size, ``alpha=0`` and no early
              stopping (``tol=0``, ``n_iter_no_change=max_iter``); two classes give a
              logistic output, three a softmax, as here. With per-fold
              standardisation, a ``Pipeline(StandardScaler(), MLPClassifier(...))``.
``torch``     a loop over folds of the same network and Adam in torch (CPU, default
              threads), when torch is installed (first four cases).

The fnn worker also reports where its time goes: the imports (JAX, fnn), the data,
planning, tracing and compiling (``compile_s``) and training (``train_s``).

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
    python -m experiments.benchmarks.cross_validation --platform gpu   # on a GPU (README, Speed)
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
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

__all__ = ["ALTERNATIVES", "CASES", "Case", "flop_count", "main", "readme_example", "run"]

_START = time.perf_counter()
_ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Case:
    """One cross-validation workload."""

    data: str
    layers: tuple[int, ...]
    activation: str
    loss: str  # "cross_entropy" (softmax output) or "bce" (one sigmoid output)
    epochs: int
    cv: int | str  # K, "loo", or "stratified5" (stratified, shuffled 5-fold)
    batch_size: int | None = None
    learning_rate: float = 0.01
    #: standardise each fold on its own training rows (the command line, the README)
    standardize: bool = False
    #: how the fnn alternatives run: "function" (cross_validate in the worker), "cli"
    #: (the command line) or "readme" (the README's K-fold example as a script)
    runs: str = "function"


CASES: dict[str, Case] = {
    "iris_loo": Case("iris", (4, 8, 3), "tanh", "cross_entropy", 500, "loo"),
    "cancer_loo": Case("breast_cancer", (30, 32, 1), "relu", "bce", 200, "loo"),
    "cancer_10fold": Case("breast_cancer", (30, 32, 1), "relu", "bce", 200, 10),
    "cancer_10fold_minibatch": Case("breast_cancer", (30, 32, 1), "relu", "bce", 20, 10, batch_size=32),
    "cli_cancer_loo": Case(
        "breast_cancer", (30, 32, 2), "relu", "cross_entropy", 200, "loo", standardize=True, runs="cli"
    ),
    "readme_kfold": Case(
        "iris", (4, 16, 3), "tanh", "cross_entropy", 200, "stratified5", standardize=True, runs="readme"
    ),
}

ALTERNATIVES = ("fnn", "fnn_warm", "loop", "sklearn", "torch")

#: The targets (whole process, 2-core CPU): ``(case, slower, faster, ratio)`` means
#: ``median(slower) / median(faster) >= ratio``.
TARGETS = (
    ("iris_loo", "loop", "fnn", 2.0),
    ("iris_loo", "sklearn", "fnn", 10.0),
    ("cancer_loo", "loop", "fnn", 2.0),
    ("cancer_loo", "sklearn", "fnn", 10.0),
    ("cancer_10fold", "loop", "fnn", 2.0),
    ("cancer_10fold", "sklearn", "fnn_warm", 2.0),
    ("cli_cancer_loo", "loop", "fnn", 2.0),
    ("cli_cancer_loo", "sklearn", "fnn", 10.0),
    ("readme_kfold", "loop", "fnn", 2.0),
    ("readme_kfold", "sklearn", "fnn_warm", 2.0),
)

QUICK_EPOCHS = 5
DEFAULT_JSON = Path("results") / "benchmarks" / "cross_validation.json"

#: The line of README.md after which the K-fold example's code block comes.
README_MARKER = "K-fold in five lines"


def _n_params(layers: Sequence[int]) -> int:
    return sum(a * b + b for a, b in zip(layers[:-1], layers[1:], strict=True))


def _fold_train_sizes(n: int, cv: int | str) -> list[int]:
    if cv == "loo":
        return [n - 1] * n
    k = 5 if cv == "stratified5" else int(cv)
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


def readme_example(path: str | os.PathLike = _ROOT / "README.md") -> str:
    """The README's K-fold example: the first ```python block after :data:`README_MARKER`."""
    text = Path(path).read_text(encoding="utf-8")
    at = text.find(README_MARKER)
    start = text.find("```python\n", at)
    if at < 0 or start < 0:
        raise ValueError(f"{path}: no ```python block after {README_MARKER!r}")
    start += len("```python\n")
    return text[start : text.index("```", start)]


def _readme_parts(epochs: int | None = None) -> tuple[str, str]:
    """The README's example as ``(definitions, script)``: everything but its last expression
    (the ``cross_validate`` call), and the whole with that expression assigned to
    ``_result``; ``epochs`` replaces the example's (for quick runs)."""
    import ast

    code = readme_example()
    default = CASES["readme_kfold"].epochs
    if epochs is not None and epochs != default:
        if f"epochs={default}" not in code:
            raise ValueError(f"the README's K-fold example no longer trains epochs={default}; update CASES")
        code = code.replace(f"epochs={default}", f"epochs={epochs}")
    tree = ast.parse(code)
    last = tree.body[-1]
    if not isinstance(last, ast.Expr):
        raise ValueError("the README's K-fold example must end with the cross_validate expression")
    definitions = ast.unparse(ast.Module(tree.body[:-1], type_ignores=[]))
    assigned = ast.Assign(targets=[ast.Name("_result", ast.Store())], value=last.value, lineno=last.lineno)
    script = ast.unparse(ast.fix_missing_locations(ast.Module(tree.body[:-1] + [assigned], type_ignores=[])))
    return definitions, script


# --------------------------------------------------------------------------- workers (fresh processes)


def _load(case: Case, *, via: str = "fnn"):
    """The case's data (numpy float32 X, int labels y), standardised on all rows unless
    the case standardises each fold itself.

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
    if not case.standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, np.asarray(y, np.int32)


def _splits(n: int, cv, *, via: str = "sklearn", y=None):
    """``LeaveOneOut()``, ``KFold(K)`` or a shuffled ``StratifiedKFold(5)``; ``via="fnn"``: fnn's
    splitters, the same folds (``tests/test_cv.py``) without importing scikit-learn (1.5-2 s
    with SciPy)."""
    if via == "fnn":
        from fnn import cv as fnn_cv

        if cv == "stratified5":
            import jax

            return fnn_cv.stratified_kfold(y, 5, shuffle=True, key=jax.random.key(1))
        return fnn_cv.leave_one_out(n) if cv == "loo" else fnn_cv.kfold(n, int(cv))
    from sklearn.model_selection import KFold, LeaveOneOut, StratifiedKFold

    if cv == "stratified5":
        return StratifiedKFold(5, shuffle=True, random_state=0)
    return LeaveOneOut() if cv == "loo" else KFold(int(cv))


def _fnn_fit_and_score(case: Case, epochs: int, max_rows: int | None):
    """``fit_fn(key, X, y, weights)`` and ``score_fn(params, X, y, weights)`` for fnn.

    ``fit_fn`` returns only the parameters, so it asks ``train.fit`` for no history
    (``history=False``: no per-epoch record, no divergence guard in the program).
    """
    import jax
    import jax.numpy as jnp

    from fnn import datasets, losses, mlp, optim, train

    net = mlp.MLP(list(case.layers), activation=case.activation)

    if case.loss == "cross_entropy":

        def loss_fn(params, X, y):
            return losses.cross_entropy(net.apply(params, X), y, reduction="none")

        def predict(params, X):
            return jnp.argmax(net.apply(params, X), axis=-1)
    else:

        def loss_fn(params, X, y):
            return losses.binary_cross_entropy_with_logits(
                net.apply(params, X)[:, 0], y.astype(X.dtype), reduction="none"
            )

        def predict(params, X):
            return (net.apply(params, X)[:, 0] > 0).astype(jnp.int32)

    def fit_fn(key, X, y, weights=None):
        init_key, shuffle_key = jax.random.split(key)
        scaler = None
        if case.standardize:
            X, mean, std = datasets.standardize(X, weights=weights)
            scaler = (mean, std)
        params, _ = train.fit(
            loss_fn,
            net.init(init_key),
            optim.adam(case.learning_rate),
            X,
            y,
            key=shuffle_key if case.batch_size else None,
            epochs=epochs,
            batch_size=case.batch_size,
            weights=weights,
            max_rows=max_rows if weights is not None else None,
            history=False,
        )
        return params, scaler

    def score_fn(fitted, X, y, weights):
        params, scaler = fitted
        if scaler is not None:
            X = (X - scaler[0]) / scaler[1]
        correct = (predict(params, X) == y).astype(X.dtype)
        return jnp.sum(weights * correct) / jnp.sum(weights)

    return fit_fn, score_fn


def _imports() -> float:
    """Imports JAX and fnn's public modules; returns the seconds it took."""
    t0 = time.perf_counter()
    import jax  # noqa: F401

    from fnn import cv, datasets, losses, metrics, mlp, optim, train  # noqa: F401

    return time.perf_counter() - t0


def _worker_fnn(case: Case, epochs: int) -> dict:
    import_s = _imports()
    import jax
    import numpy as np

    from fnn import cv
    from fnn.cv import engine

    t0 = time.perf_counter()
    X, y = _load(case)
    max_rows = max(_fold_train_sizes(X.shape[0], case.cv))
    fit_fn, score_fn = _fnn_fit_and_score(case, epochs, max_rows)
    t1 = time.perf_counter()
    plans = []
    run = engine.run

    def recording_run(*args, **kwargs):  # the engine's plan, for the report
        result = run(*args, **kwargs)
        plans.append(result.plan)
        return result

    engine.run = recording_run
    try:
        out = cv.cross_validate(fit_fn, score_fn, X, y, case.cv, key=jax.random.key(0), return_train_score=False)
    finally:
        engine.run = run
    return {
        "import_s": import_s,
        "data_s": t1 - t0,
        "compile_s": float(out["compile_time"]),
        "train_s": float(out["total_fit_time"] + out["total_score_time"]),
        "cv_s": time.perf_counter() - t1,
        "mean_test_score": float(np.mean(out["test_score"])),
        "n_folds": int(out["test_score"].shape[0]),
        "n_rows": int(X.shape[0]),
        "backend": jax.default_backend(),
        "devices": jax.device_count(),
        "chunk_size": plans[-1].chunk_size,
        "concurrency": plans[-1].concurrency,
        "plan": plans[-1].reason,
    }


def _worker_loop(case: Case, epochs: int) -> dict:
    _imports()
    import jax
    import jax.numpy as jnp
    import numpy as np

    t0 = time.perf_counter()
    if case.runs == "readme":
        definitions, _ = _readme_parts(epochs)
        names: dict[str, Any] = {}
        exec(compile(definitions, "README.md", "exec"), names)  # the README's own fit_fn, score_fn, folds
        X, y, fit_fn, score_fn = names["X"], names["y"], names["fit_fn"], names["score_fn"]
        pairs, root = list(names["folds"].split()), names["key_init"]
    else:
        X, y = _load(case)
        fit_fn, score_fn = _fnn_fit_and_score(case, epochs, None)
        pairs, root = list(_splits(X.shape[0], case.cv, via="fnn", y=y).split(X, y)), jax.random.key(0)
    fit_one = jax.jit(lambda key, X, y: fit_fn(key, X, y, jnp.ones((X.shape[0],), X.dtype)))
    score_one = jax.jit(lambda p, X, y: score_fn(p, X, y, jnp.ones((X.shape[0],), X.dtype)))
    keys = jax.random.split(root, len(pairs))
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
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

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
    if case.standardize:
        model = make_pipeline(StandardScaler(), model)
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
    """The machine's float32 matmul rate (jax), memory bandwidth (numpy copy, jax sum), in-cache
    copy bandwidth and the CPU caches the chunk model reads."""
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
    # the same copy on 256 KiB, which stays in a core's L2 cache: what a chunk that fits gets
    small_src = np.ones(2**16, np.float32)
    small_dst = np.empty_like(small_src)
    loops = 200 if quick else 2000

    def small_copies():
        for _ in range(loops):
            np.copyto(small_dst, small_src)

    t_small = median_time(small_copies, 3 if quick else 7)
    from fnn.cv import engine

    cpu = engine.machine(jax.devices("cpu")[0])
    return {
        "matmul_n": n,
        "matmul_gflops": 2.0 * n**3 / t_mm / 1e9,
        "array_mib": src.nbytes / 2**20,
        "copy_gbs": 2.0 * src.nbytes / t_copy / 1e9,
        "sum_gbs": src.nbytes / t_sum / 1e9,
        "cache_copy_gbs": 2.0 * small_src.nbytes * loops / t_small / 1e9,
        "cache_bytes": dict(cpu.cache_bytes),
        "cache_source": cpu.cache_source,
        "backend": jax.default_backend(),
        "devices": jax.device_count(),
        "cpu_count": os.cpu_count(),
        "device_kind": jax.devices()[0].device_kind,
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


def _child_env(alternative: str, cache_dir: str | None, platform_name: str | None) -> dict:
    env = dict(os.environ)
    for name in ("JAX_COMPILATION_CACHE_DIR", "FNN_JAX_CACHE_DIR"):
        env.pop(name, None)
    # every child imports this checkout's fnn and experiments, wherever it is started from
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    if platform_name == "cpu" and alternative in ("fnn", "fnn_warm", "loop", "roofline"):
        env["JAX_PLATFORMS"] = "cpu"  # an accelerator is JAX's own choice when its jaxlib is installed
    if alternative == "fnn_warm":
        # The settings of experiments._common.enable_compilation_cache, as environment
        # variables, so the worker does not import that module (and matplotlib).
        env.update(
            JAX_ENABLE_COMPILATION_CACHE="true",
            JAX_COMPILATION_CACHE_DIR=cache_dir,
            JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
            JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0",
            FNN_JAX_CACHE_DIR=cache_dir,  # the command line's own cache setting
        )
    else:
        env["JAX_ENABLE_COMPILATION_CACHE"] = "false"
    return env


def _cli_command(case: Case, epochs: int, warm: bool, tmp: str) -> list[str]:
    """The command line a user runs for ``case`` (study parts off, outputs to ``tmp``)."""
    cmd = [sys.executable, "-m", "experiments.cross_validation", "--dataset", case.data, "--cv", str(case.cv)]
    cmd += ["--hidden", ",".join(map(str, case.layers[1:-1])), "--activation", case.activation]
    cmd += ["--epochs", str(epochs), "--optimizer", "adam", "--lr", str(case.learning_rate)]
    cmd += ["--batch-size", str(case.batch_size or 0), "--no-spread", "--no-fold-scores", "--no-timing", "--no-grid"]
    cmd += ["--workdir", os.path.join(tmp, "work"), "--force", "--json", os.path.join(tmp, "cli.json")]
    return cmd + ([] if warm else ["--no-cache"])


def _cli_report(tmp: str) -> dict:
    cli = json.loads(Path(tmp, "cli.json").read_text(encoding="utf-8"))
    metrics = json.loads(Path(tmp, "work", "metrics.json").read_text(encoding="utf-8"))
    return {
        "compile_s": cli["compile_seconds"],
        "train_s": metrics["fit_seconds"],
        "cv_s": cli["wall_seconds"],
        "mean_test_score": cli["mean"],
        "n_folds": len(cli["test_score"]),
        "n_rows": metrics["n_folds"] if metrics.get("n_folds") else len(cli["test_score"]),
    }


def _readme_command(epochs: int, tmp: str) -> list[str]:
    """The README's K-fold example as a script that also writes its scores to a JSON file."""
    _, script = _readme_parts(epochs)
    script += (
        "\n# appended by the benchmark: the example's scores, for the report\n"
        "import json as _json, sys as _sys\n"
        "_json.dump({'test_score': [float(s) for s in _result]}, open(_sys.argv[1], 'w'))\n"
    )
    path = os.path.join(tmp, "readme_kfold.py")
    Path(path).write_text(script, encoding="utf-8")
    return [sys.executable, path, os.path.join(tmp, "readme.json")]


def _readme_report(tmp: str) -> dict:
    scores = json.loads(Path(tmp, "readme.json").read_text(encoding="utf-8"))["test_score"]
    return {"mean_test_score": float(sum(scores) / len(scores)), "n_folds": len(scores), "n_rows": 150}


def _spawn(
    worker: str,
    *,
    case: str | None,
    epochs: int | None,
    quick: bool,
    cache_dir: str | None,
    timeout: float,
    platform_name: str | None = None,
) -> tuple[float, dict]:
    """Runs one worker process (or the command line, or the README's example); returns
    its whole wall time and its report."""
    with tempfile.TemporaryDirectory(prefix="fnn-bench-") as tmp:
        out = os.path.join(tmp, "report.json")
        runs = CASES[case].runs if case is not None else "function"
        if runs == "cli" and worker in ("fnn", "fnn_warm"):
            cmd = _cli_command(CASES[case], epochs or CASES[case].epochs, worker == "fnn_warm", tmp)
        elif runs == "readme" and worker in ("fnn", "fnn_warm"):
            cmd = _readme_command(epochs or CASES[case].epochs, tmp)
        else:
            runs = "function"
            cmd = [sys.executable, "-m", "experiments.benchmarks.cross_validation", "--worker", worker, "--out", out]
            if case is not None:
                cmd += ["--case", case, "--epochs", str(epochs)]
            if quick:
                cmd.append("--quick")
        t0 = time.perf_counter()
        proc = subprocess.run(
            cmd,
            env=_child_env(worker, cache_dir, platform_name),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=_ROOT,
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(
                f"benchmark worker {worker} ({case}) failed with code {proc.returncode}:\n{proc.stderr[-4000:]}"
            )
        if runs == "cli":
            return wall, _cli_report(tmp)
        if runs == "readme":
            return wall, _readme_report(tmp)
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
    platform_name: str | None = None,
    baseline_repeats: int | None = None,
    log=print,
) -> dict:
    """Runs every case x alternative ``repeats`` times (fresh processes, interleaved).

    Args:
      cases: names from :data:`CASES`.
      alternatives: names from :data:`ALTERNATIVES` (torch runs on the first four cases only).
      repeats: measured runs per alternative (median reported).
      quick: few epochs (:data:`QUICK_EPOCHS`) and a small roofline.
      epochs: overrides every case's epochs.
      timeout: seconds allowed to one worker process.
      platform_name: the JAX platform fnn and the loop must run on (``"cpu"``, ``"gpu"``,
        ``"tpu"``; checked before anything else runs); default: JAX's choice.
      baseline_repeats: runs of scikit-learn and torch (default ``repeats``), which run
        on the CPU whatever the platform.
      log: where progress lines go.

    Returns:
      the results dict written as JSON by :func:`main`.
    """
    spawn = functools.partial(_spawn, quick=quick, timeout=timeout, platform_name=platform_name)
    wall_roof, roofline = spawn("roofline", case=None, epochs=None, cache_dir=None)
    log(f"roofline: {roofline['matmul_gflops']:.1f} GFLOP/s matmul, {roofline['copy_gbs']:.1f} GB/s copy")
    if platform_name is not None and roofline["backend"] != platform_name:
        raise RuntimeError(
            f"--platform {platform_name}: JAX runs on {roofline['backend']} here; install a jaxlib for "
            f"{platform_name} (README, Speed) or drop --platform"
        )
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    for name in cases:
        case = CASES[name]
        n_epochs = epochs or (QUICK_EPOCHS if quick else case.epochs)
        alts = [a for a in alternatives if a != "torch" or case.runs == "function"]
        walls: dict[str, list[float]] = {a: [] for a in alts}
        reports: dict[str, dict] = {}
        with tempfile.TemporaryDirectory(prefix="fnn-bench-cache-") as cache_dir:
            fill_s = None
            if "fnn_warm" in alts:  # fill the cache: one unmeasured run
                fill_s, _ = spawn("fnn_warm", case=name, epochs=n_epochs, cache_dir=cache_dir)
            for r in range(repeats):
                order = list(alts[r % len(alts) :]) + list(alts[: r % len(alts)])
                for alt in order:
                    if alt in ("sklearn", "torch") and r >= (baseline_repeats or repeats):
                        continue
                    wall, report = spawn(alt, case=name, epochs=n_epochs, cache_dir=cache_dir)
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
            "alternatives": {a: {"wall_s": walls[a], "median_s": medians[a], "worker": reports[a]} for a in alts},
            "ratios": {f"{a}/fnn": _ratio(medians.get(a), medians.get("fnn")) for a in alts if a != "fnn"}
            | {
                f"{a}/fnn_warm": _ratio(medians.get(a), medians.get("fnn_warm"))
                for a in alts
                if a not in ("fnn", "fnn_warm")
            },
        }
        if fill_s is not None:
            entry["fnn_warm_fill_s"] = fill_s
        if "train_s" in reports.get("fnn", {}):
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
        if name in results and slow in results[name]["alternatives"] and fast in results[name]["alternatives"]:
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
            "load_average_before": list(load_before),
            "load_average": list(os.getloadavg()),
            "roofline_process_s": wall_roof,
        },
        "roofline": roofline,
        "cases": results,
        "targets": targets,
    }


def format_table(results: dict) -> str:
    """The results as markdown: median whole-process seconds and ratios to fnn, the
    machine's limits, where fnn's time goes, and the targets."""
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
                    w.get("train_s"),
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
            "train s",
            "mean test acc",
        ],
        rows,
        digits=3,
    )
    roof = results["roofline"]
    machine = results["machine"]
    lines = [
        table,
        "",
        f"machine: {roof['matmul_gflops']:.1f} GFLOP/s float32 matmul (n={roof['matmul_n']}), "
        f"{roof['copy_gbs']:.1f} GB/s copy, {roof['sum_gbs']:.1f} GB/s sum, "
        f"{roof.get('cache_copy_gbs', float('nan')):.1f} GB/s copy in L2; "
        f"load average {machine.get('load_average_before', machine['load_average'])[0]:.2f} before, "
        f"{machine['load_average'][0]:.2f} after",
    ]
    for name, entry in results["cases"].items():
        fnn = entry["alternatives"].get("fnn", {}).get("worker", {})
        if "achieved" in entry:
            ach = entry["achieved"]
            lines.append(
                f"{name}: fnn trains at {ach['gflops_training']:.2f} GFLOP/s useful "
                f"({ach['gflops_executed']:.2f} executed, {100 * ach['fraction_of_matmul_peak']:.1f} % "
                f"of matmul peak); {ach['gflops_whole_process']:.2f} GFLOP/s over the whole process"
                + (f"; plan: {fnn['plan']}" if "plan" in fnn else "")
            )
        if "import_s" in fnn:
            lines.append(
                f"{name}: fnn's fixed cost: imports {fnn['import_s']:.2f} s, data {fnn['data_s']:.2f} s, "
                f"plan + trace + compile {fnn['compile_s']:.2f} s; training {fnn['train_s']:.2f} s"
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
    p.add_argument(
        "--baseline-repeats", type=int, default=None, help="runs of scikit-learn and torch (default: --repeats)"
    )
    p.add_argument("--epochs", type=int, default=None, help="override every case's epochs")
    p.add_argument(
        "--platform",
        choices=("cpu", "gpu", "tpu"),
        default=None,
        help="the JAX platform fnn and the loop must run on; gpu and tpu also set --baseline-repeats 1 "
        "(scikit-learn runs on the CPU anyway) and drop torch",
    )
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
    accelerator = args.platform not in (None, "cpu")
    if args.alternatives is None:
        alternatives = [a for a in ALTERNATIVES if a != "torch" or (_torch_available() and not accelerator)]
    else:
        alternatives = [a.strip() for a in args.alternatives.split(",") if a.strip()]
        unknown = sorted(set(alternatives) - set(ALTERNATIVES))
        if unknown or not alternatives:
            raise SystemExit(f"--alternatives: unknown {unknown}; choose from {','.join(ALTERNATIVES)}")
        if "torch" in alternatives and not _torch_available():
            raise SystemExit("--alternatives: torch is not installed; drop it or `pip install fnn[torch]`")
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    baseline_repeats = args.baseline_repeats if args.baseline_repeats is not None else (1 if accelerator else None)
    if repeats < 1 or (args.epochs is not None and args.epochs < 1) or (baseline_repeats or 1) < 1:
        raise SystemExit("--repeats, --baseline-repeats and --epochs must be at least 1")
    results = run(
        cases,
        alternatives,
        repeats=repeats,
        quick=args.quick,
        epochs=args.epochs,
        timeout=args.timeout,
        platform_name=args.platform,
        baseline_repeats=baseline_repeats,
        log=lambda line: print(line, flush=True),
    )
    from experiments._common import write_json

    write_json(args.json, results)
    print(format_table(results))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
