"""The guards every cross-validation entry point shares: data checks, the leakage probe, fold health.

:func:`fnn.cv.cross_validate`, :func:`~fnn.cv.grid_search`, :func:`~fnn.cv.cross_val_predict`,
:func:`~fnn.cv.compare` and :func:`~fnn.cv.nested_cross_validate` all

* check ``X`` and ``y`` on the host before anything is traced (:func:`check_data`);
* run the leakage check (:func:`leak_verdicts`): the already compiled program runs its
  first chunk once more with one fold's held-out rows (weight 0) replaced by values of
  other rows (:func:`probe_data`). An honest ``fit_fn`` never reads those rows, so that
  fold's parameters come out bitwise the same (the same executable at the same lane
  position: lanes of a vmapped batch do not see each other's data); with the same
  parameters, an honest ``score_fn`` gives the same score of the fold's training rows.
  No compilation; one chunk of run time;
* report each fold's health (:func:`statuses`) in the same words.

Each caller raises its own message (it knows the names of the functions involved).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils

from fnn._types import Array
from fnn._validate import as_float_array
from fnn.cv import engine, program
from fnn.cv.splits import MaskSplit, Split

__all__ = [
    "FIT_LEAKS",
    "HONEST",
    "INCONCLUSIVE",
    "SCORE_LEAKS",
    "check_data",
    "entry",
    "function_name",
    "held_rows",
    "leak_verdicts",
    "probe_data",
    "relative_difference",
    "same",
    "statuses",
]


def __dir__() -> list[str]:
    return list(__all__)


# --------------------------------------------------------------------------- data


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


def check_data(X: Any, y: Any, where: str) -> tuple[np.ndarray | Array, np.ndarray | Array]:
    """``X`` (floats) and ``y`` with one row per sample, finite, in dtypes JAX uses; else a clear error."""
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


def function_name(fn: Any) -> str:
    """A function's qualified name for a message (its repr when it has none)."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return name if isinstance(name, str) else repr(fn)


# --------------------------------------------------------------------------- the leakage probe


def held_rows(split: Split | MaskSplit, fold: int) -> np.ndarray:
    """``(n,)`` bool: the rows of weight 0 in fold ``fold``'s training weights."""
    if isinstance(split, Split):
        return split.test_fold == fold
    return ~split.train[fold]


def probe_data(X: Any, y: Any, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` with every ``held`` row replaced by real values of other rows.

    Every held row gets one target ``v``, a value of a training row chosen to differ
    from as many held targets as possible (so any statistic of the labels changes), and
    the features of a training row whose target is not ``v`` (so a model that fits the
    training rows gets the held rows wrong, and a score over every row changes). Real
    values only: never a huge or non-finite number, which an honest fit that multiplies
    rows by their weight 0 would turn into NaN.
    """
    X, y = np.array(X), np.array(y)
    rows = y.reshape(y.shape[0], -1)
    held_idx, train_idx = np.flatnonzero(held), np.flatnonzero(~held)
    candidates = np.unique(rows[train_idx], axis=0)[:8]  # a few training targets, the smallest included
    matches = [int(np.sum(np.all(rows[held_idx] == v, axis=1))) for v in candidates]
    v = candidates[int(np.argmin(matches))]
    others = train_idx[~np.all(rows[train_idx] == v, axis=1)]
    donors = others if others.size else train_idx
    donors = donors[np.random.default_rng(0).permutation(donors.shape[0])]
    X[held_idx] = X[donors[np.arange(held_idx.shape[0]) % donors.shape[0]]]
    y[held_idx] = v.reshape(y.shape[1:])
    return X, y


def same(a: Any, b: Any) -> bool:
    """Equal leaf by leaf (NaN equal to NaN, -0 to 0): bitwise but for those, which no fold's data decides."""

    def equal(u, v):
        u, v = np.asarray(u), np.asarray(v)
        nan_ok = np.issubdtype(u.dtype, np.inexact)
        return u.shape == v.shape and bool(np.array_equal(u, v, equal_nan=nan_ok))

    leaves_a, leaves_b = jax.tree.leaves(a), jax.tree.leaves(b)
    return len(leaves_a) == len(leaves_b) and all(equal(u, v) for u, v in zip(leaves_a, leaves_b, strict=True))


def relative_difference(a: Any, b: Any) -> float:
    """The largest difference between two trees of the same structure, relative to each leaf's scale."""
    worst = 0.0
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        u, v = np.asarray(u, np.float64), np.asarray(v, np.float64)
        if u.size:
            scale = max(float(np.max(np.abs(u))), np.finfo(np.float32).tiny)
            worst = max(worst, float(np.nanmax(np.abs(u - v))) / scale)
    return worst


def entry(tree: Any, e: int) -> Any:
    """Entry ``e`` of every leaf (the leading axis is the entries of the program)."""
    return jax.tree.map(lambda a: a[e], tree)


#: The verdicts of :func:`leak_verdicts`, ordered so the worst is the largest.
HONEST, INCONCLUSIVE, SCORE_LEAKS, FIT_LEAKS = 0, 1, 2, 3

#: ``outputs -> (entries, ...) tree`` of one compared quantity, and the verdict if it differs.
Check = tuple[Callable[[Any], Any], int]


def leak_verdicts(
    result: engine.Run,
    args: program.Arguments,
    split: Split | MaskSplit,
    mesh: Any,
    e: int,
    subjects: Sequence[Sequence[Check]],
) -> tuple[np.ndarray, int]:
    """The verdict on every subject (a fit/score pair) from one probe of entry ``e``.

    ``subjects[s]`` lists the quantities that must not change for subject ``s`` (its
    parameters, its training score), each with the verdict a change means. The probe
    reruns the first chunk with entry ``e``'s held-out rows replaced. A difference is a
    leak when the program is deterministic: the same chunk run once more on the original
    data (the control, run only when something differs, so honest functions cost one
    rerun) reproduces the run bitwise. Where it does not (non-deterministic reductions),
    the probe must differ 10 times more than the control, else the verdict is
    :data:`INCONCLUSIVE`. In a multi-process run every process reaches the same verdicts.

    Returns:
      ``(verdicts, fold)``: one of :data:`HONEST`, :data:`INCONCLUSIVE`,
      :data:`SCORE_LEAKS`, :data:`FIT_LEAKS` per subject, and the probed fold.
    """
    verdicts = np.full(len(subjects), HONEST, np.int32)
    fold = int(np.asarray(args.entries[1])[e])
    held = held_rows(split, fold)
    if held.any() and not held.all():
        X_probe, y_probe = probe_data(args.shared[0], args.shared[1], held)
        shared = tuple(args.shared)
        # None on a process none of whose devices ran a chunk: the other processes decide
        probe: Any = engine.run_first_chunk(result, (X_probe, y_probe) + shared[2:], args.entries, mesh=mesh)
        control: Any = None
        for s, checks in enumerate(subjects if probe is not None else ()):
            differs = [
                (pick, code) for pick, code in checks if not same(entry(pick(result.outputs), e), entry(pick(probe), e))
            ]
            if not differs:
                continue
            pick, code = differs[0]
            if control is None:
                control = engine.run_first_chunk(result, shared, args.entries, mesh=mesh)
            reference = entry(pick(result.outputs), e)
            if control is None or same(reference, entry(pick(control), e)):
                verdicts[s] = code
            else:
                noise = relative_difference(reference, entry(pick(control), e))
                leaks = relative_difference(reference, entry(pick(probe), e)) > 10 * noise
                verdicts[s] = code if leaks else INCONCLUSIVE
    if jax.process_count() > 1:  # every process decides alike (the worst any found)
        verdicts = np.max(multihost_utils.process_allgather(verdicts), axis=0)
    return verdicts, fold


# --------------------------------------------------------------------------- fold health


def statuses(health: program.FoldHealth, values: dict[str, Any]) -> np.ndarray:
    """Each entry's status: ``"finished"``, or what went wrong, joined by ``"; "``.

    ``values``: ``{what: (E, ...) array}`` of outputs that must be finite (scores,
    predictions), named as the status names them (``"test score"``).
    """
    finite_params = np.asarray(health.finite_params)
    diverged = np.asarray(health.diverged_epoch)
    result = []
    for e in range(finite_params.shape[0]):
        parts = []
        if diverged[e] >= 0:
            parts.append(f"diverged at epoch {int(diverged[e])}")
        if not finite_params[e]:
            parts.append("non-finite parameters")
        else:  # a NaN score of non-finite parameters is by design, not news
            for what, v in values.items():
                a = np.asarray(v[e])
                if np.issubdtype(a.dtype, np.inexact) and not np.all(np.isfinite(a)):
                    parts.append(f"non-finite {what}")
        result.append("; ".join(parts) or "finished")
    return np.array(result, dtype=object).astype(str)
