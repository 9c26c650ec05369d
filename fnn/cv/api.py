"""The public API: cross-validation, its test scores, and a grid search, each one compiled program.

:func:`cross_validate` checks its arguments (before anything is traced or compiled),
turns ``cv=`` into a split (:mod:`fnn.cv.splits`), builds the per-fold program's
arguments (:mod:`fnn.cv.program`) and runs them on the devices
(:mod:`fnn.cv.engine`); :func:`grid_search` does the same for settings x folds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fnn._types import Array, ArrayLike, Params, PRNGKey
from fnn._validate import as_float_array, check_key
from fnn.cv import engine, program
from fnn.cv.splits import as_split

__all__ = ["cross_val_score", "cross_validate", "grid_search"]


def __dir__() -> list[str]:
    return list(__all__)


def _host_array(name: str, a: Any, where: str, *, to_float: bool) -> np.ndarray | Array:
    """A jax array as it is, anything else as a numpy array of a dtype JAX uses (no device op)."""
    if isinstance(a, jax.Array):
        return as_float_array(name, a, where) if to_float else a
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{where}: {name} must be an array of numbers, got {type(a).__name__}")
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must be an array of real numbers, got dtype {a.dtype}")
    if to_float and a.dtype.kind != "f":
        a = a.astype(jnp.result_type(float))
    return a.astype(jax.dtypes.canonicalize_dtype(a.dtype), copy=False)


def _check_data(X, y, where: str) -> tuple[np.ndarray | Array, np.ndarray | Array]:
    X = _host_array("X", X, where, to_float=True)
    y = _host_array("y", y, where, to_float=False)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{where}: X and y need a leading axis of samples, got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{where}: X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}")
    for name, a in (("X", X), ("y", y)):
        if jnp.issubdtype(a.dtype, jnp.inexact) and not np.all(np.isfinite(np.asarray(a))):
            raise ValueError(f"{where}: {name} contains NaN or inf; remove or impute those rows first")
    return X, y


def _check_fns(fit_fn, score_fn, chunk_size, where: str) -> int | str | None:
    if not callable(fit_fn):
        raise TypeError(f"{where}: fit_fn must be callable fit_fn(key, X, y, weights) -> params")
    if not callable(score_fn):
        raise TypeError(f"{where}: score_fn must be callable score_fn(params, X, y, weights) -> scalar")
    return engine.check_chunk_size(chunk_size, where)


def _run(
    fit_fn, score_fn, X, y, split, key, hyperparams, *, return_train_score, chunk_size, mesh, compiler_options, where
) -> tuple[tuple, engine.Run]:
    """The cross-validation compiled and run: ``(params, history, test_score, train_score)``
    of every entry (numpy), and the engine's :class:`~fnn.cv.engine.Run`."""
    args = program.arguments(fit_fn, score_fn, X, y, split, key, hyperparams, return_train_score=return_train_score)
    result = engine.run(
        program.fit_and_score_chunk,
        args.shared,
        args.entries,
        static=args.static,
        mesh=mesh,
        chunk_size=chunk_size,
        compiler_options=compiler_options,
        where=where,
    )
    return result.outputs, result


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
    ``compile_time`` the tracing and compilation, which it does not include.

    Args:
      fit_fn: ``fit_fn(key, X, y, weights) -> params`` or ``(params, History)``.
      score_fn: ``score_fn(params, X, y, weights) -> ()``; higher is better by convention.
      X: ``(n, ...)`` inputs, finite.
      y: ``(n, ...)`` targets, finite.
      cv: an int K (unshuffled :func:`~fnn.cv.kfold`, as scikit-learn's ``KFold``), ``"loo"``,
        a :class:`~fnn.cv.Split` / :class:`~fnn.cv.MaskSplit`, any scikit-learn splitter (an
        object with ``.split(X, y)``) or an iterable of ``(train_idx, test_idx)``.
      key: root PRNG key.
      return_train_score: also score each fold's training rows.
      return_params: return the trained parameters, stacked with a leading K axis.
      return_history: return the :class:`~fnn.train.History` (leading K axis) when
        ``fit_fn`` returns one.
      return_indices: return ``{"train": [...], "test": [...]}`` index arrays per fold.
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
      ``params``, ``history``, ``indices`` (if requested), and the scalars
      ``total_fit_time``, ``total_score_time``, ``compile_time`` and ``n_devices``
      (the devices the folds ran on).

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
    """
    where = "cross_validate"
    chunk_size = _check_fns(fit_fn, score_fn, chunk_size, where)
    X, y = _check_data(X, y, where)
    check_key(key, where)
    engine.check_compiler_options(compiler_options, where)
    mesh = engine.device_mesh(devices, where=where)
    split = as_split(cv, X, y, X.shape[0], where)
    (params, history, test_score, train_score), result = _run(
        fit_fn,
        score_fn,
        X,
        y,
        split,
        key,
        None,
        return_train_score=return_train_score,
        chunk_size=chunk_size,
        mesh=mesh,
        compiler_options=compiler_options,
        where=where,
    )
    K, fit_time = split.n_folds, result.run_time
    out: dict[str, Any] = {
        "fit_time": np.full(K, fit_time / K),
        "score_time": np.zeros(K),
        "test_score": np.asarray(test_score),
    }
    if return_train_score:
        out["train_score"] = np.asarray(train_score)
    if return_params:
        out["params"] = jax.tree.map(np.asarray, params)
    if return_history:
        if history is None:
            raise ValueError(f"{where}: return_history=True needs fit_fn to return (params, fnn.train.History)")
        out["history"] = jax.tree.map(np.asarray, history)
    if return_indices:
        pairs = list(split.split())
        out["indices"] = {"train": [p[0] for p in pairs], "test": [p[1] for p in pairs]}
    out.update(total_fit_time=fit_time, total_score_time=0.0, compile_time=result.compile_time, n_devices=mesh.size)
    return out


def cross_val_score(
    fit_fn: Callable[..., Any],
    score_fn: Callable[[Params, Array, Array, Array], Array],
    X: ArrayLike,
    y: ArrayLike,
    cv: Any = 5,
    *,
    key: PRNGKey,
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
        chunk_size=chunk_size,
        devices=devices,
        compiler_options=compiler_options,
    )["test_score"]


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

    Args:
      fit_fn: ``fit_fn(key, X, y, weights, hyperparams) -> params`` (or ``(params, History)``).
      score_fn: ``score_fn(params, X, y, weights) -> ()``.
      X, y, cv, key, chunk_size, devices, compiler_options: as :func:`cross_validate`
        (settings x folds are spread over the devices together).
      grid: ``{name: [values, ...]}``, numbers only.
      greater_is_better: False when the score is a loss.

    Returns:
      a dict: ``params`` (list of S setting dicts), ``test_score`` ``(S, K)``,
      ``mean_test_score`` and ``std_test_score`` ``(S,)`` (numpy ``std``, ``ddof=0``,
      as scikit-learn), ``rank_test_score`` ``(S,)`` (1 = best; NaN means last),
      ``best_index``, ``best_params``, ``best_score``, ``total_fit_time``,
      ``compile_time``.

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
    chunk_size = _check_fns(fit_fn, score_fn, chunk_size, where)
    X, y = _check_data(X, y, where)
    check_key(key, where)
    if not isinstance(greater_is_better, bool):
        raise TypeError(f"{where}: greater_is_better must be True or False, got {greater_is_better!r}")
    engine.check_compiler_options(compiler_options, where)
    settings, arrays = _grid_settings(grid, where)
    mesh = engine.device_mesh(devices, where=where)
    split = as_split(cv, X, y, X.shape[0], where)
    (_, _, test_score, _), result = _run(
        fit_fn,
        score_fn,
        X,
        y,
        split,
        key,
        arrays,
        return_train_score=False,
        chunk_size=chunk_size,
        mesh=mesh,
        compiler_options=compiler_options,
        where=where,
    )
    scores = np.asarray(test_score).reshape(len(settings), split.n_folds)
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
        "best_index": best,
        "best_params": settings[best],
        "best_score": float(mean[best]),
        "total_fit_time": result.run_time,
        "total_score_time": 0.0,
        "compile_time": result.compile_time,
    }
