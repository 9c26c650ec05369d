"""The public API: cross-validation, its test scores, out-of-fold predictions and a grid search,
each one compiled program.

:func:`cross_validate` checks its arguments (before anything is traced or compiled),
turns ``cv=`` into a split (:mod:`fnn.cv.splits`), builds the per-fold program's
arguments (:mod:`fnn.cv.program`) and runs them on the devices
(:mod:`fnn.cv.engine`); :func:`grid_search` does the same for settings x folds and
:func:`cross_val_predict` for every row's out-of-fold prediction.

Three guards come with every call:

* ``cv=K`` is scikit-learn's choice for a classifier: stratified K-fold for integer
  class labels, K-fold otherwise (:func:`fnn.cv.splits.check_cv`); the result's ``"cv"``
  says which.
* The leakage check (``check_leakage=True``): a ``fit_fn`` whose parameters depend on
  rows of weight 0, or a ``score_fn`` that reads them, raises ``ValueError``. It reruns
  the compiled program once on its first chunk with those rows replaced: no second
  compilation.
* Fold health: every fold's status (finished, diverged at an epoch, non-finite
  parameters, non-finite score) is in the result, a fold with non-finite parameters
  scores NaN, and any unhealthy fold raises one ``RuntimeWarning``.
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fnn._types import Array, ArrayLike, Params, PRNGKey
from fnn._validate import check_key
from fnn.cv import engine, guards, program
from fnn.cv.splits import MaskSplit, Split, check_cv

__all__ = ["cross_val_predict", "cross_val_score", "cross_validate", "grid_search"]


def __dir__() -> list[str]:
    return list(__all__)


def _check_fns(
    fit_fn, score_fn, chunk_size, check_leakage, where: str, *, score_name: str = "score_fn"
) -> int | str | None:
    if not callable(fit_fn):
        raise TypeError(f"{where}: fit_fn must be callable fit_fn(key, X, y, weights) -> params")
    if not callable(score_fn):
        if score_name == "predict_fn":
            raise TypeError(f"{where}: predict_fn must be callable predict_fn(params, X) -> predictions")
        raise TypeError(f"{where}: score_fn must be callable score_fn(params, X, y, weights) -> scalar")
    if not isinstance(check_leakage, bool):
        raise TypeError(f"{where}: check_leakage must be True or False, got {check_leakage!r}")
    return engine.check_chunk_size(chunk_size, where)


def _run(fn, args: program.Arguments, *, chunk_size, mesh, options, where) -> engine.Run:
    """The program compiled and run on every entry (:func:`fnn.cv.engine.run`)."""
    return engine.run(
        fn,
        args.shared,
        args.entries,
        static=args.static,
        mesh=mesh,
        chunk_size=chunk_size,
        compiler_options=options,
        where=where,
    )


# --------------------------------------------------------------------------- the leakage check


_FIT_LEAK = (
    "{where}: fit_fn ({name}) reads rows it must not: the parameters of fold {fold} changed when only "
    "the rows of weight 0 in its weights (its held-out rows) were replaced by values of other rows, so "
    "test rows leak into training and the test scores are optimistic. A fold's fit must depend on its "
    "training rows alone: pass the weights wherever fit_fn reads X or y, e.g. "
    "fnn.datasets.standardize(X, weights=w) for a standardisation (not the statistics of all rows), "
    "fnn.train.fit(..., weights=w) or losses.mse(pred, y, weights=w) for the loss, and sum(w * v) / sum(w) "
    "for any other statistic. If fit_fn is meant to see every row, pass check_leakage=False."
)
_SCORE_LEAK = (
    "{where}: score_fn ({name}) reads rows of weight 0: the training score of fold {fold} changed when "
    "only rows of weight 0 (its held-out rows) were replaced, with the same parameters. "
    "score_fn(params, X, y, weights) must score the rows where weights is 1 only, e.g. "
    "metrics.accuracy(y, pred, weights=w) or losses.mse(pred, y, weights=w); otherwise each fold's "
    "test score includes its training rows. Pass check_leakage=False to skip this check."
)


def _check_leakage(
    result: engine.Run,
    args: program.Arguments,
    split: Split | MaskSplit,
    mesh: Any,
    fit_fn: Any,
    score_fn: Any | None,
    where: str,
) -> float:
    """Raises ``ValueError`` if ``fit_fn`` depends on, or ``score_fn`` reads, rows of weight 0.

    The probe: the first healthy fold of the first chunk is computed once more by the
    already compiled program, at the same position of the same chunk, with the rows
    held out of its training (weight 0) replaced by values of other rows
    (:func:`_probe_data`). An honest ``fit_fn`` never reads those rows, so its
    parameters come out bitwise the same; and with the same parameters an honest
    ``score_fn`` gives the same score of the fold's training rows. No compilation; one
    chunk's run time. Returns the seconds it took.
    """
    t0 = time.perf_counter()
    outputs = result.outputs
    health = outputs[-1]
    train = outputs[3] if score_fn is not None else None
    ok = np.asarray(health.finite_params) & (np.asarray(health.diverged_epoch) < 0)
    candidates = np.flatnonzero(ok[: result.plan.chunk_size])
    if candidates.size == 0:  # no healthy fold to compare: the health warning says why
        return time.perf_counter() - t0
    with_score = candidates[np.isfinite(train[candidates])] if train is not None else candidates[:0]
    e = int(with_score[0] if with_score.size else candidates[0])
    checks: list[guards.Check] = [(lambda o: o[0], guards.FIT_LEAKS)]  # outputs 0: params, 3: train score
    if score_fn is not None and with_score.size:
        checks.append((lambda o: o[3], guards.SCORE_LEAKS))
    (verdict,), fold = guards.leak_verdicts(result, args, split, mesh, e, [checks])
    if verdict == guards.FIT_LEAKS:
        raise ValueError(_FIT_LEAK.format(where=where, name=guards.function_name(fit_fn), fold=fold))
    if verdict == guards.SCORE_LEAKS:
        raise ValueError(_SCORE_LEAK.format(where=where, name=guards.function_name(score_fn), fold=fold))
    if verdict == guards.INCONCLUSIVE:
        warnings.warn(
            f"{where}: the leakage check is inconclusive: the compiled program gives different results when "
            "run twice on the same data on this platform (non-deterministic reductions, as some GPU kernels "
            "use), and the probe differed by no more than that. Pass check_leakage=False to skip it here, or "
            "run the check on CPU",
            RuntimeWarning,
            stacklevel=3,
        )
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- fold health


def _test_sizes(split: Split | MaskSplit) -> np.ndarray:
    if isinstance(split, Split):
        return np.bincount(split.test_fold[split.test_fold >= 0], minlength=split.n_folds)
    return split.test.sum(axis=1)


def _some(names: list[str], most: int = 10) -> str:
    """``"folds 0, 3, 4"`` (or the labels as they are), the first ``most`` and how many more."""
    if all(name.startswith("fold ") for name in names):
        names = [name[len("fold ") :] for name in names]
        head = "folds " if len(names) > 1 else "fold "
    else:
        head = ""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return head + ", ".join(names[:most]) + more


def _warn_unhealthy(
    where: str, status: np.ndarray, labels: list[str], small_test: np.ndarray, result_key: str | None
) -> None:
    """One ``RuntimeWarning`` naming every unhealthy entry and the likely causes; nothing if all finished.

    ``small_test``: per entry, whether a non-finite score there may be a metric undefined
    on a test fold of one row (pointing to :func:`cross_val_predict`).
    """
    bad = np.flatnonzero(status != "finished")
    if bad.size == 0:
        return
    groups: dict[str, list[str]] = {}
    for e in bad:
        groups.setdefault(str(status[e]), []).append(labels[e])
    listing = "; ".join(f"{what}: {_some(names)}" for what, names in groups.items())
    text = " ".join(status[bad])
    causes = []
    if "diverged" in text or "non-finite parameters" in text:
        causes.append(
            "Training produced inf or NaN. Likely causes: a learning rate too large (lower it); class labels "
            "outside the model's outputs (under jit a label >= the number of classes gives NaN, not an error: "
            "check 0 <= y < C); inputs on a large scale (standardise X on each fold's training rows with "
            "fnn.datasets.standardize(X, weights=w))."
        )
    if "diverged" in text:
        causes.append(
            "fnn.train.fit stops updating a fold at its first non-finite step, so a diverged fold's score is "
            "that of its parameters at that point."
        )
    if "non-finite parameters" in text:
        causes.append("A fold with non-finite parameters scores NaN (its predictions are NaN).")
    # a score (or prediction) that is not finite although training went well
    score_issue = [e for e in bad if not status[e].startswith(("diverged", "non-finite parameters"))]
    if any(small_test[e] for e in score_issue):
        causes.append(
            "A metric undefined on a fold's rows gives NaN: R^2 (or any score that needs a spread of targets) "
            "of a one-row test fold under leave-one-out is undefined. Score every row's out-of-fold prediction "
            "at once instead: fnn.cv.cross_val_predict(fit_fn, predict_fn, X, y, cv), then the metric."
        )
    elif score_issue:
        causes.append(
            "score_fn or predict_fn returned NaN or inf: a metric undefined on the fold's rows (a class or a "
            "spread of targets missing from them), or a model that overflows on them."
        )
    where_status = f" Each fold's status is in the result's {result_key}." if result_key else ""
    warnings.warn(
        f"{where}: {bad.size} of {status.size} folds are unhealthy ({listing}). " + " ".join(causes) + where_status,
        RuntimeWarning,
        stacklevel=3,
    )


def _labels(split: Split | MaskSplit) -> list[str]:
    return [f"fold {k}" for k in range(split.n_folds)]


def cross_validate(
    fit_fn: Callable[..., Any],
    score_fn: Callable[[Params, Array, Array, Array], Array],
    X: ArrayLike,
    y: ArrayLike,
    cv: Any = 5,
    *,
    key: PRNGKey,
    return_train_score: bool = True,
    return_params: bool = False,
    return_history: bool = False,
    return_indices: bool = False,
    check_leakage: bool = True,
    chunk_size: int | str | None = "auto",
    devices: Any = None,
    compiler_options: Any = "auto",
) -> dict[str, Any]:
    """Trains and scores every fold in one compiled program: ``jit(vmap(fold))`` over folds.

    ``fit_fn(key, X, y, weights)`` returns the fold's parameters (or a ``(params,
    fnn.train.History)`` pair); ``weights`` is 1 on the fold's training rows and 0
    elsewhere, and ``X``, ``y`` are the whole data set, shared by every fold (never
    copied per fold). ``score_fn(params, X, y, weights)`` returns a scalar score of
    the rows where ``weights`` is 1 (e.g. ``fnn.metrics.accuracy(y, pred,
    weights=weights)``). Fold ``k`` gets ``jax.random.split(key, K)[k]``. Anything that
    depends on the training rows (standardisation, say) belongs inside ``fit_fn``,
    computed from ``weights``, so test rows never leak into it.

    ``cv=K`` (an int) is what scikit-learn's ``cross_validate`` uses for a classifier:
    unshuffled stratified K-fold when ``y`` holds integer or bool class labels (shape
    ``(n,)`` or ``(n, 1)``), unshuffled K-fold otherwise (float targets). Stratified
    K-fold warns when a class has fewer than K members and raises when every class
    has (an integer regression target: pass ``cv=fnn.cv.kfold(n, K)``). Sorted data
    needs a shuffled split: ``cv=fnn.cv.stratified_kfold(y, K, shuffle=True, key=...)``.
    The result's ``"cv"`` says which folds were used.

    Leakage check (``check_leakage=True``): once the folds have run, the first healthy
    fold of the first chunk is run once more by the already compiled program (at the
    same position of the same chunk) with its held-out rows (weight 0 in its training
    weights) replaced by values of other rows, labels changed where the data allow. An
    honest ``fit_fn`` never reads those rows, so its parameters come out bitwise the
    same; with the same parameters an honest ``score_fn`` gives the same training
    score. Otherwise a ``ValueError`` names the function and how to use the weights,
    once a control (the same chunk run again on the original data) has confirmed the
    program is deterministic here; where it is not (non-deterministic GPU reductions),
    the probe must differ 10 times more than the control, else a ``RuntimeWarning``
    says the check was inconclusive. It costs no compilation and one chunk's run time
    (the whole run again without ``chunk_size``; a second one only when the probe
    differs); training scores are computed while it is on. ``check_leakage=False``
    turns it off, for a ``fit_fn`` meant to see every row.

    Fold health: each fold's status is ``"finished"``, ``"diverged at epoch e"`` (from
    the ``History`` when ``fit_fn`` returns one), ``"non-finite parameters"`` or
    ``"non-finite test score"`` / ``"non-finite train score"`` (several joined by
    ``"; "``). A fold with non-finite parameters scores NaN, never a number, and any
    unhealthy fold raises one ``RuntimeWarning`` naming the folds and the likely causes
    (learning rate, label range, input scale; a metric undefined on one row under
    leave-one-out, for which :func:`cross_val_predict` is the way).

    One program: the folds are trained *and* scored in one compiled program, so a
    script pays one compilation (with ``chunk_size`` on several devices, one per
    device that runs a chunk). By default (``compiler_options="auto"``) the CPU
    program is compiled with :data:`~fnn.cv.engine.CPU_FAST_COMPILE` (LLVM at -O1,
    XLA's classic emitters), which compiles several times faster than XLA's defaults
    at about the same run speed; results then agree with a default ``jax.jit`` to
    float32 rounding, not bitwise. ``compiler_options=None`` compiles with XLA's
    defaults, as a plain ``jax.jit`` does.

    Timing: all folds train at once, so a per-fold time is not observable.
    ``fit_time`` is the program's wall time divided by K (sum over folds = total,
    as with scikit-learn) and covers training and scoring, which run in the same
    program, so ``score_time`` is 0; ``total_fit_time`` is the whole and
    ``compile_time`` the tracing and compilation, which it does not include;
    ``leakage_check_time`` is the leakage check's.

    Args:
      fit_fn: ``fit_fn(key, X, y, weights) -> params`` or ``(params, History)``.
      score_fn: ``score_fn(params, X, y, weights) -> ()``; higher is better by convention.
      X: ``(n, ...)`` inputs, finite.
      y: ``(n, ...)`` targets, finite.
      cv: an int K (stratified or plain K-fold, unshuffled, as above), ``"loo"``,
        a :class:`~fnn.cv.Split` / :class:`~fnn.cv.MaskSplit`, any scikit-learn splitter (an
        object with ``.split(X, y)``) or an iterable of ``(train_idx, test_idx)``.
      key: root PRNG key.
      return_train_score: also score each fold's training rows.
      return_params: return the trained parameters, stacked with a leading K axis.
      return_history: return the :class:`~fnn.train.History` (leading K axis) when
        ``fit_fn`` returns one.
      return_indices: return ``{"train": [...], "test": [...]}`` index arrays per fold.
      check_leakage: check that ``fit_fn`` and ``score_fn`` ignore rows of weight 0 (above).
      chunk_size: train ``chunk_size`` folds at a time (the program is compiled for a
        chunk and run on one chunk after another, on every core at once) to keep a
        chunk's working set in cache or bound memory; the last chunk is filled up with
        copies of the first fold, whose results are dropped. ``"auto"`` (the default):
        :func:`fnn.cv.engine.plan`'s cost model chooses from the program's working set
        and the machine's cache (CPU) or memory (accelerators). ``None``: no chunking,
        one chunk per device. An int is also the key to reproducibility: with a fixed
        ``chunk_size`` the results are bitwise the same on 1 device or many (tested on
        1, 2, 4 and 8 devices and on 2 processes).
      devices: where the folds run: ``None`` for every device JAX sees (every
        process's devices after ``jax.distributed.initialize``), a list of devices
        (``jax.devices()[:4]``), or a ``jax.sharding.Mesh`` (its devices in flat
        order). The folds are padded with copies of the first fold (dropped from the
        results) to an equal share per device, and every fold draws from its own key,
        so no result depends on where a fold runs. Without ``chunk_size`` the devices
        run one XLA-partitioned program, compiled once, and parameters agree with a
        one-device run to float32 rounding (scores were equal in the tests): XLA
        optimises a partitioned program differently, and its code for
        ``ceil(K / devices)`` folds at once differs from its code for K. With
        ``chunk_size`` every device runs the single-device program on its chunks and
        the results are bitwise those of one device, for one compilation per device
        of this process that runs a chunk (in parallel threads). ``X`` and ``y`` are
        copied to every device. In a multi-process run every process must call with
        the same arguments and hold the same number of the devices; every process
        gets all the results.
      compiler_options: the XLA options the program is compiled with. ``"auto"``:
        :data:`~fnn.cv.engine.CPU_FAST_COMPILE` on CPU (XLA's defaults if the installed
        XLA no longer knows one of them), XLA's defaults on other platforms. ``None``:
        XLA's defaults. A dict (``{"xla_backend_optimization_level": 2}``): given to XLA
        as it is, on every platform; a name or value XLA rejects is a ``ValueError``.

    Returns:
      a dict of numpy arrays, one entry per fold in the splitter's order:
      ``fit_time``, ``score_time``, ``test_score``, ``train_score`` (if requested),
      ``status`` (strings, above), ``params``, ``history``, ``indices`` (if requested),
      and ``cv`` (the folds used, e.g. ``"stratified_kfold(y, 5)"``),
      ``total_fit_time``, ``total_score_time``, ``compile_time``,
      ``leakage_check_time`` and ``n_devices`` (the devices the folds ran on).

    Example:
      Softmax regression on iris, 5 stratified folds:

      >>> import jax, jax.numpy as jnp
      >>> from fnn import cv, datasets, losses, metrics, mlp, optim, train
      >>> X, y = datasets.load("iris")
      >>> net = mlp.MLP([4, 3])  # softmax regression: one dense layer, logits out
      >>> def fit_fn(key, X, y, w):  # w: 1 on the fold's training rows, 0 elsewhere
      ...     loss = lambda p, X, y: losses.cross_entropy(net.apply(p, X), y, reduction="none")
      ...     return train.fit(loss, net.init(key), optim.adam(0.1), X, y, epochs=100, weights=w)[0]
      >>> def score_fn(p, X, y, w):  # w: 1 on the rows to score
      ...     return metrics.accuracy(y, jnp.argmax(net.apply(p, X), axis=1), weights=w)
      >>> folds = cv.stratified_kfold(y, 5, shuffle=True, key=jax.random.key(1))
      >>> out = cv.cross_validate(fit_fn, score_fn, X, y, folds, key=jax.random.key(0))
      >>> out["test_score"].round(3)
      array([0.967, 1.   , 0.9  , 1.   , 0.967], dtype=float32)
      >>> out["status"].tolist()
      ['finished', 'finished', 'finished', 'finished', 'finished']
      >>> cv.cross_validate(fit_fn, score_fn, X, y, 5, key=jax.random.key(0))["cv"]  # an int: stratified
      'stratified_kfold(y, 5)'
    """
    where = "cross_validate"
    chunk_size = _check_fns(fit_fn, score_fn, chunk_size, check_leakage, where)
    X, y = guards.check_data(X, y, where)
    check_key(key, where)
    engine.check_compiler_options(compiler_options, where)
    mesh = engine.device_mesh(devices, where=where)
    split, description = check_cv(cv, X, y, X.shape[0], where)
    args = program.arguments(
        fit_fn, score_fn, X, y, split, key, None, return_train_score=return_train_score or check_leakage
    )
    result = _run(
        program.fit_and_score_chunk, args, chunk_size=chunk_size, mesh=mesh, options=compiler_options, where=where
    )
    params, history, test_score, train_score, health = result.outputs
    check_time = _check_leakage(result, args, split, mesh, fit_fn, score_fn, where) if check_leakage else 0.0
    scores = {"test score": test_score}
    if return_train_score:
        scores["train score"] = train_score
    status = guards.statuses(health, scores)
    _warn_unhealthy(where, status, _labels(split), _test_sizes(split) < 2, 'out["status"]')
    K, fit_time = split.n_folds, result.run_time
    out: dict[str, Any] = {
        "fit_time": np.full(K, fit_time / K),
        "score_time": np.zeros(K),
        "test_score": np.asarray(test_score),
    }
    if return_train_score:
        out["train_score"] = np.asarray(train_score)
    out["status"] = status
    if return_params:
        out["params"] = jax.tree.map(np.asarray, params)
    if return_history:
        if history is None:
            raise ValueError(f"{where}: return_history=True needs fit_fn to return (params, fnn.train.History)")
        out["history"] = jax.tree.map(np.asarray, history)
    if return_indices:
        pairs = list(split.split())
        out["indices"] = {"train": [p[0] for p in pairs], "test": [p[1] for p in pairs]}
    out.update(
        cv=description,
        total_fit_time=fit_time,
        total_score_time=0.0,
        compile_time=result.compile_time,
        leakage_check_time=check_time,
        n_devices=mesh.size,
    )
    return out


def cross_val_score(
    fit_fn: Callable[..., Any],
    score_fn: Callable[[Params, Array, Array, Array], Array],
    X: ArrayLike,
    y: ArrayLike,
    cv: Any = 5,
    *,
    key: PRNGKey,
    check_leakage: bool = True,
    chunk_size: int | str | None = "auto",
    devices: Any = None,
    compiler_options: Any = "auto",
) -> np.ndarray:
    """The ``(K,)`` test scores of :func:`cross_validate` (as scikit-learn's ``cross_val_score``)."""
    return cross_validate(
        fit_fn,
        score_fn,
        X,
        y,
        cv,
        key=key,
        return_train_score=False,
        check_leakage=check_leakage,
        chunk_size=chunk_size,
        devices=devices,
        compiler_options=compiler_options,
    )["test_score"]


def cross_val_predict(
    fit_fn: Callable[..., Any],
    predict_fn: Callable[[Params, Array], Array],
    X: ArrayLike,
    y: ArrayLike,
    cv: Any = 5,
    *,
    key: PRNGKey,
    check_leakage: bool = True,
    chunk_size: int | str | None = "auto",
    devices: Any = None,
    compiler_options: Any = "auto",
) -> np.ndarray:
    r"""Every row's out-of-fold prediction, from one compiled program (scikit-learn's ``cross_val_predict``).

    Each fold is trained as in :func:`cross_validate` (same ``fit_fn``, same fold keys;
    another program, so equal parameters up to float rounding) and predicts its own test
    rows only; row ``i``'s prediction comes from the one fold that held it out. This is
    how to compute a metric that is undefined on a fold of one row (R² under
    leave-one-out) or that pools every row (a confusion matrix): predict out of fold,
    then score once, ``metrics.r2_score(y, cross_val_predict(...))``.

    The folds must partition the rows: every row in exactly one test fold (``cv=K``,
    ``"loo"``, K-fold splitters), as scikit-learn requires; anything else raises
    ``ValueError``. ``cv=K`` chooses the folds as :func:`cross_validate` does. Memory:
    each fold predicts its test rows gathered to the largest test-fold size ``m``
    (``K * m`` rows in all, O(n) for a partition), scattered back on the host.

    The leakage check compares the probed fold's parameters (as :func:`cross_validate`).
    A fold with non-finite parameters predicts NaN for its rows (the result is then a
    float array), and any unhealthy fold raises one ``RuntimeWarning``.

    Args:
      fit_fn: ``fit_fn(key, X, y, weights) -> params`` or ``(params, History)``, as
        :func:`cross_validate`'s.
      predict_fn: ``predict_fn(params, X_rows) -> (m, ...)``: one prediction per row of
        ``X_rows`` (``(m, ...)`` rows of ``X``).
      X, y, cv, key, check_leakage, chunk_size, devices, compiler_options: as
        :func:`cross_validate`.

    Returns:
      ``(n, ...)`` numpy predictions in the rows' order.

    Example:
      Least squares under leave-one-out, then R² of the out-of-fold predictions:

      >>> import jax, jax.numpy as jnp
      >>> from fnn import cv, metrics
      >>> X = jnp.linspace(0.0, 1.0, 8)[:, None]
      >>> y = 2.0 * X[:, 0] + jnp.array([0.1, -0.1, 0.0, 0.2, -0.2, 0.1, 0.0, -0.1])
      >>> def fit_fn(key, X, y, w):  # weighted least squares, closed form
      ...     xm, ym = jnp.sum(w * X[:, 0]) / jnp.sum(w), jnp.sum(w * y) / jnp.sum(w)
      ...     slope = jnp.sum(w * (X[:, 0] - xm) * (y - ym)) / jnp.sum(w * (X[:, 0] - xm) ** 2)
      ...     return {"a": slope, "b": ym - slope * xm}
      >>> predict_fn = lambda p, X: p["a"] * X[:, 0] + p["b"]
      >>> pred = cv.cross_val_predict(fit_fn, predict_fn, X, y, "loo", key=jax.random.key(0))
      >>> pred.shape, round(float(metrics.r2_score(y, pred)), 3)
      ((8,), 0.947)
    """
    where = "cross_val_predict"
    chunk_size = _check_fns(fit_fn, predict_fn, chunk_size, check_leakage, where, score_name="predict_fn")
    X, y = guards.check_data(X, y, where)
    check_key(key, where)
    engine.check_compiler_options(compiler_options, where)
    mesh = engine.device_mesh(devices, where=where)
    split, _ = check_cv(cv, X, y, X.shape[0], where)
    tested, sizes = _test_counts(split), _test_sizes(split)
    if np.any(sizes == 0):
        raise ValueError(
            f"{where}: fold {int(np.argmax(sizes == 0))} of the split has no test rows; "
            "every fold must test at least one row"
        )
    if not np.all(tested == 1):
        raise ValueError(
            f"{where}: cross_val_predict only works for partitions: every row must be in exactly one test "
            f"fold, but {int(np.sum(tested != 1))} of {tested.size} rows are tested {sorted(set(tested.tolist()))} "
            "times; use cv=K, 'loo' or a K-fold splitter (not repeated or shuffle-split folds)"
        )
    args = program.predict_arguments(fit_fn, predict_fn, X, y, split, key)
    result = _run(
        program.fit_and_predict_chunk, args, chunk_size=chunk_size, mesh=mesh, options=compiler_options, where=where
    )
    _, predictions, health = result.outputs
    if check_leakage:
        _check_leakage(result, args, split, mesh, fit_fn, None, where)
    status = guards.statuses(health, {"predictions": [p[: sizes[k]] for k, p in enumerate(np.asarray(predictions))]})
    _warn_unhealthy(where, status, _labels(split), np.zeros(split.n_folds, bool), None)
    predictions = np.asarray(predictions)
    finite = np.asarray(health.finite_params)
    if not np.all(finite) and not np.issubdtype(predictions.dtype, np.inexact):
        predictions = predictions.astype(jnp.result_type(float))
    out = np.empty((X.shape[0],) + predictions.shape[2:], predictions.dtype)
    for k, (_, test) in enumerate(split.split()):
        out[test] = predictions[k, : test.shape[0]] if finite[k] else np.nan
    return out


def _test_counts(split: Split | MaskSplit) -> np.ndarray:
    """``(n,)``: how many test folds each row is in."""
    if isinstance(split, Split):
        return (split.test_fold >= 0).astype(np.int64)
    return split.test.sum(axis=0)


def _grid_settings(grid, where: str) -> tuple[list[dict], dict[str, np.ndarray]]:
    if not isinstance(grid, dict) or not grid:
        raise TypeError(f"{where}: grid must be a non-empty dict name -> list of values, got {type(grid).__name__}")
    names = sorted(grid)  # scikit-learn's ParameterGrid order: sorted names, last one fastest
    columns = []
    for name in names:
        values = np.asarray(grid[name])
        if values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iuf":
            raise TypeError(
                f"{where}: grid[{name!r}] must be a non-empty list of numbers (a static "
                f"hyperparameter such as a layer width changes shapes: loop over it), got {grid[name]!r}"
            )
        columns.append(values)
    combos = list(itertools.product(*[range(c.size) for c in columns]))
    settings = [
        {n: columns[j][i].item() for j, (n, i) in enumerate(zip(names, combo, strict=True))} for combo in combos
    ]
    arrays = {n: np.array([columns[j][c[j]] for c in combos]) for j, n in enumerate(names)}
    return settings, {n: a.astype(jax.dtypes.canonicalize_dtype(a.dtype)) for n, a in arrays.items()}


def grid_search(
    fit_fn: Callable[..., Any],
    score_fn: Callable[[Params, Array, Array, Array], Array],
    X: ArrayLike,
    y: ArrayLike,
    cv: Any,
    grid: dict[str, Iterable[float]],
    *,
    key: PRNGKey,
    greater_is_better: bool = True,
    check_leakage: bool = True,
    chunk_size: int | str | None = "auto",
    devices: Any = None,
    compiler_options: Any = "auto",
) -> dict[str, Any]:
    """Cross-validates every hyperparameter setting of a grid in one compiled program.

    The settings are the Cartesian product of ``grid`` (names sorted, the last name
    varying fastest, as scikit-learn's ``ParameterGrid``). ``fit_fn(key, X, y, weights,
    hyperparams)`` receives ``hyperparams`` as a dict of traced scalars, so it must
    build its optimizer from them (``optax.adam(hyperparams["lr"])``); settings ×
    folds are mapped in one ``vmap`` and compiled once. Every setting uses the same
    fold keys (common random numbers, so settings differ only by their
    hyperparameters); to vary seeds put a ``"seed"`` in the grid and
    ``jax.random.fold_in(key, hyperparams["seed"])`` in ``fit_fn``. Hyperparameters
    that change shapes (hidden widths, batch size, epochs) cannot share one program:
    call ``grid_search`` once per value.

    ``cv=K`` is stratified K-fold for integer class labels and K-fold otherwise, the
    leakage check probes the first healthy entry (setting x fold) of the first chunk,
    and every entry reports its health, all as in :func:`cross_validate`.

    Args:
      fit_fn: ``fit_fn(key, X, y, weights, hyperparams) -> params`` (or ``(params, History)``).
      score_fn: ``score_fn(params, X, y, weights) -> ()``.
      X, y, cv, key, check_leakage, chunk_size, devices, compiler_options: as
        :func:`cross_validate` (settings x folds are spread over the devices together).
      grid: ``{name: [values, ...]}``, numbers only.
      greater_is_better: False when the score is a loss.

    Returns:
      a dict: ``params`` (list of S setting dicts), ``test_score`` ``(S, K)``,
      ``mean_test_score`` and ``std_test_score`` ``(S,)`` (numpy ``std``, ``ddof=0``,
      as scikit-learn), ``rank_test_score`` ``(S,)`` (1 = best; NaN means last),
      ``status`` ``(S, K)`` (as :func:`cross_validate`'s), ``best_index``,
      ``best_params``, ``best_score``, ``cv`` (the folds used), ``total_fit_time``,
      ``compile_time``, ``leakage_check_time``.

    Example:
      Two learning rates of plain gradient descent for least squares, 3 folds:

      >>> import jax, jax.numpy as jnp, optax
      >>> from fnn import cv, train
      >>> X = jnp.linspace(-1, 1, 30)[:, None]
      >>> y = 2 * X[:, 0]
      >>> def fit_fn(key, X, y, w, hyperparams):
      ...     loss = lambda p, X, y: (X @ p - y) ** 2
      ...     return train.fit(loss, jnp.zeros(1), optax.sgd(hyperparams["lr"]), X, y, epochs=50, weights=w)[0]
      >>> def score_fn(p, X, y, w):  # minus the mean squared error of the rows w selects
      ...     return -jnp.sum(w * (X @ p - y) ** 2) / jnp.sum(w)
      >>> out = cv.grid_search(fit_fn, score_fn, X, y, 3, {"lr": [0.01, 0.5]}, key=jax.random.key(0))
      >>> out["best_params"]
      {'lr': 0.5}
    """
    where = "grid_search"
    chunk_size = _check_fns(fit_fn, score_fn, chunk_size, check_leakage, where)
    X, y = guards.check_data(X, y, where)
    check_key(key, where)
    if not isinstance(greater_is_better, bool):
        raise TypeError(f"{where}: greater_is_better must be True or False, got {greater_is_better!r}")
    engine.check_compiler_options(compiler_options, where)
    settings, arrays = _grid_settings(grid, where)
    mesh = engine.device_mesh(devices, where=where)
    split, description = check_cv(cv, X, y, X.shape[0], where)
    args = program.arguments(fit_fn, score_fn, X, y, split, key, arrays, return_train_score=check_leakage)
    result = _run(
        program.fit_and_score_chunk, args, chunk_size=chunk_size, mesh=mesh, options=compiler_options, where=where
    )
    _, _, test_score, _, health = result.outputs
    check_time = _check_leakage(result, args, split, mesh, fit_fn, score_fn, where) if check_leakage else 0.0
    S, K = len(settings), split.n_folds
    status = guards.statuses(health, {"test score": test_score})
    labels = [f"setting {s} {settings[s]} fold {k}" for s in range(S) for k in range(K)]
    _warn_unhealthy(where, status, labels, np.tile(_test_sizes(split) < 2, S), 'out["status"]')
    scores = np.asarray(test_score).reshape(S, K)
    with np.errstate(invalid="ignore"):  # a setting with an infinite score: mean inf, std NaN
        mean, std = scores.mean(axis=1), scores.std(axis=1)
    signed = np.where(np.isnan(mean), -np.inf, mean if greater_is_better else -mean)
    rank = 1 + np.sum(signed[None, :] > signed[:, None], axis=1)
    best = int(np.argmax(signed))
    return {
        "params": settings,
        "test_score": scores,
        "mean_test_score": mean,
        "std_test_score": std,
        "rank_test_score": rank.astype(np.int32),
        "status": status.reshape(S, K),
        "best_index": best,
        "best_params": settings[best],
        "best_score": float(mean[best]),
        "cv": description,
        "total_fit_time": result.run_time,
        "total_score_time": 0.0,
        "compile_time": result.compile_time,
        "leakage_check_time": check_time,
    }
