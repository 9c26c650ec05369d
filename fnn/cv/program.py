r"""The per-fold program: a fold's weights, one fold trained and scored, a chunk of folds at once.

A fold is a weight vector over the whole data set, not a copy of it. ``X`` and ``y``
are shared by every fold; what differs per fold is a PRNG key and the fold's id (or,
for overlapping folds, its row masks). Inside the program a fold's training weights
are 1 on its training rows and 0 elsewhere:

.. math::

    \text{train}_k = \{ i : \text{test\_fold}_i \ne k \}, \qquad
    \text{test}_k = \{ i : \text{test\_fold}_i = k \}.

:func:`fit_and_score_chunk` maps :func:`fit_and_score_fold` over a chunk of entries
(folds, or settings x folds for a grid) with ``vmap``; :func:`arguments` builds what it
shares and what it maps over. :func:`fit_and_predict_chunk` (with
:func:`predict_arguments`) predicts each fold's test rows instead, for
:func:`fnn.cv.cross_val_predict`. Running them, on one device or many, is
:mod:`fnn.cv.engine`'s job.

Every fold also reports its health (:class:`FoldHealth`): whether its parameters are
finite and the epoch at which training diverged (from the ``History`` when ``fit_fn``
returns one). A fold whose parameters are not finite scores NaN, never a number (the
argmax of NaN logits is class 0, which would score like a guess).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from fnn._types import Array, Params, PRNGKey
from fnn.cv.splits import MaskSplit, Split
from fnn.train import History

__all__ = [
    "Arguments",
    "FoldHealth",
    "all_finite",
    "arguments",
    "fit_and_predict_chunk",
    "fit_and_predict_fold",
    "fit_and_score_chunk",
    "fit_and_score_fold",
    "fold_weights",
    "n_settings",
    "predict_arguments",
    "unpack_fit",
]


def __dir__() -> list[str]:
    return list(__all__)


def fold_weights(test_fold: Array | None, fold: Any, dtype) -> tuple[Array, Array]:
    """A fold's ``(train, test)`` weights, each ``(n,)``: 1 on its rows, 0 elsewhere.

    Args:
      test_fold: ``(n,)`` fold id per sample (a :class:`~fnn.cv.Split`), or ``None`` for masks.
      fold: the fold's id (with ``test_fold``), else its ``(train, test)`` ``(n,)`` bool masks.
      dtype: the weights' dtype.

    Example:
      >>> train, test = fold_weights(np.array([0, 0, 1, -1]), 1, np.float32)
      >>> train, test
      (Array([1., 1., 0., 1.], dtype=float32), Array([0., 0., 1., 0.], dtype=float32))
    """
    if test_fold is None:
        train, test = fold
    else:
        train = jnp.not_equal(test_fold, fold)
        test = jnp.equal(test_fold, fold)
    return train.astype(dtype), test.astype(dtype)


def unpack_fit(out: Any) -> tuple[Params, History | None]:
    """``fit_fn``'s result as ``(params, history)``: ``history`` is ``None`` unless it returned
    a ``(params, fnn.train.History)`` pair."""
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], History):
        return out
    return out, None


class FoldHealth(NamedTuple):
    """How one fold's training ended, computed inside the program (a few ops per fold)."""

    #: ``()`` bool: every inexact leaf of the fold's parameters is finite.
    finite_params: Array
    #: ``()`` int32: the first epoch with a non-finite step (``History.diverged_epoch``),
    #: -1 if none or if ``fit_fn`` returns no ``History``.
    diverged_epoch: Array


def all_finite(tree: Any) -> Array:
    """``()`` bool: every inexact leaf of ``tree`` is finite; one ``sum(x * 0)`` per leaf.

    ``x * 0`` is 0 for finite ``x`` and NaN for inf or NaN, so the sum is NaN exactly
    when some element is not finite, and it never overflows (the check
    :func:`fnn.train.fit` uses for divergence).

    Example:
      >>> all_finite({"w": jnp.array([1.0, jnp.inf]), "n": jnp.array(3)})
      Array(False, dtype=bool)
    """
    leaves = [jnp.asarray(x) for x in jax.tree.leaves(tree)]
    zeros = [jnp.sum(x * 0).astype(jnp.float32) for x in leaves if jnp.issubdtype(x.dtype, jnp.inexact)]
    return jnp.isfinite(sum(zeros)) if zeros else jnp.asarray(True)


def _health(params: Params, history: History | None) -> FoldHealth:
    diverged = jnp.asarray(-1, jnp.int32) if history is None else jnp.asarray(history.diverged_epoch, jnp.int32)
    return FoldHealth(all_finite(params), diverged)


def _nan_unless(finite: Array, value: Array) -> Array:
    """``value`` where ``finite``, NaN (float) where not: a number from non-finite parameters is no score."""
    if not jnp.issubdtype(value.dtype, jnp.inexact):
        value = value.astype(jnp.result_type(float))
    return jnp.where(finite, value, jnp.full_like(value, jnp.nan))


def _score(score_fn, params, X, y, w, name):
    s = jnp.asarray(score_fn(params, X, y, w))
    if s.shape != ():
        raise ValueError(
            f"cross_validate: score_fn(params, X, y, weights) must return a scalar, "
            f"got shape {s.shape} for the {name} rows"
        )
    return s


def fit_and_score_fold(
    fit_fn: Callable[..., Any],
    score_fn: Callable[..., Array],
    return_train_score: bool,
    X: Array,
    y: Array,
    test_fold: Array | None,
    key: PRNGKey,
    fold: Any,
    hyperparams: dict[str, Array] | None,
) -> tuple[Params, History | None, Array, Array | None, FoldHealth]:
    """One fold, trained and scored: the pure function the program maps over folds (and settings).

    Returns:
      ``(params, history, test_score, train_score, health)``; ``history`` is ``None``
      unless ``fit_fn`` returns one, ``train_score`` is ``None`` unless
      ``return_train_score``. Both scores are NaN when the parameters are not finite.
    """
    train_w, test_w = fold_weights(test_fold, fold, X.dtype)
    if hyperparams is None:
        params, history = unpack_fit(fit_fn(key, X, y, train_w))
    else:
        params, history = unpack_fit(fit_fn(key, X, y, train_w, hyperparams))
    health = _health(params, history)
    test = _nan_unless(health.finite_params, _score(score_fn, params, X, y, test_w, "test"))
    train = None
    if return_train_score:
        train = _nan_unless(health.finite_params, _score(score_fn, params, X, y, train_w, "train"))
    return params, history, test, train, health


def fit_and_score_chunk(
    X: Array,
    y: Array,
    test_fold: Array | None,
    key: PRNGKey,
    folds: Any,
    fold_index: Array,
    hyperparams: dict[str, Array] | None,
    *,
    fit_fn: Callable[..., Any],
    score_fn: Callable[..., Array],
    return_train_score: bool,
    n_folds: int,
) -> Any:
    """A chunk of folds (x settings) trained and scored at once: the body of every program.

    Entry ``j`` of the chunk is fold ``fold_index[j]`` and draws
    ``jax.random.split(key, n_folds)[fold_index[j]]``, so a fold's key does not depend
    on the chunk or device it lands in.

    Args:
      X, y, test_fold, key: shared by every entry (:attr:`Arguments.shared`).
      folds, fold_index, hyperparams: one row per entry (:attr:`Arguments.entries`).
      fit_fn, score_fn, return_train_score, n_folds: static (:attr:`Arguments.static`).

    Returns:
      :func:`fit_and_score_fold`'s outputs with a leading axis of entries.
    """
    keys = jax.random.split(key, n_folds)[fold_index]
    one = functools.partial(fit_and_score_fold, fit_fn, score_fn, return_train_score, X, y, test_fold)
    return jax.vmap(one)(keys, folds, hyperparams)


def n_settings(hyperparams: dict[str, Any] | None) -> int:
    """Grid settings in ``hyperparams`` (a dict of ``(S,)`` arrays), 1 without a grid."""
    return 1 if hyperparams is None else int(np.shape(jax.tree.leaves(hyperparams)[0])[0])


class Arguments(NamedTuple):
    """What :func:`fit_and_score_chunk` (or :func:`fit_and_predict_chunk`) needs, in the engine's terms
    (``fnn.cv.engine.run(fit_and_score_chunk, *arguments)``)."""

    #: ``(X, y, test_fold, key)``: the same for every entry (``test_fold`` is ``None`` for masks).
    shared: tuple
    #: ``(folds, fold_index, hyperparams)``, one row per entry, settings-major: fold ids
    #: ``(E,)`` or ``(train, test)`` masks ``(E, n)``, ``(E,)`` fold numbers, ``{name: (E,)}`` or ``None``
    #: (for :func:`fit_and_predict_chunk`, ``rows`` ``(E, m)`` in place of ``hyperparams``).
    entries: tuple
    #: ``fit_fn``, ``score_fn``, ``return_train_score``, ``n_folds`` (``fit_fn``, ``predict_fn``,
    #: ``n_folds`` for :func:`fit_and_predict_chunk`): compile-time constants.
    static: dict


def arguments(
    fit_fn: Callable[..., Any],
    score_fn: Callable[..., Array],
    X: Any,
    y: Any,
    split: Split | MaskSplit,
    key: PRNGKey,
    hyperparams: dict[str, Any] | None = None,
    *,
    return_train_score: bool = True,
) -> Arguments:
    """The shared inputs, the per-entry inputs and the static arguments of a cross-validation.

    The entries are settings x folds, settings-major: entry ``s * K + k`` is fold ``k``
    with setting ``s`` (one setting without a grid).

    Args:
      fit_fn, score_fn: as :func:`fnn.cv.cross_validate` (``fit_fn`` takes ``hyperparams``
        when a grid is given).
      X, y: the whole data set, shared by every fold.
      split: a :class:`~fnn.cv.Split` or :class:`~fnn.cv.MaskSplit` of ``X``'s rows.
      key: the root key; fold ``k`` draws ``jax.random.split(key, K)[k]``.
      hyperparams: ``{name: (S,) array}`` for ``S`` grid settings, or ``None``.
      return_train_score: also score each fold's training rows.

    Example:
      >>> from fnn.cv import kfold
      >>> args = arguments(None, None, np.zeros((5, 2)), np.zeros(5), kfold(5, 2), jax.random.key(0),
      ...                  {"lr": np.array([0.1, 0.2, 0.3])})
      >>> folds, fold_index, hyperparams = args.entries
      >>> folds, hyperparams["lr"]
      (array([0, 1, 0, 1, 0, 1], dtype=int32), array([0.1, 0.1, 0.2, 0.2, 0.3, 0.3]))
    """
    S = n_settings(hyperparams)
    folds: Any
    if isinstance(split, Split):
        test_fold, folds = split.test_fold, np.arange(split.n_folds, dtype=np.int32)
    else:
        test_fold, folds = None, (split.train, split.test)
    folds = jax.tree.map(lambda a: np.tile(a, (S,) + (1,) * (a.ndim - 1)), folds)
    fold_index = np.tile(np.arange(split.n_folds, dtype=np.int32), S)
    if hyperparams is not None:
        hyperparams = jax.tree.map(lambda a: np.repeat(np.asarray(a), split.n_folds), hyperparams)
    static = dict(fit_fn=fit_fn, score_fn=score_fn, return_train_score=return_train_score, n_folds=split.n_folds)
    return Arguments((X, y, test_fold, key), (folds, fold_index, hyperparams), static)


# --------------------------------------------------------------------------- out-of-fold predictions


def fit_and_predict_fold(
    fit_fn: Callable[..., Any],
    predict_fn: Callable[[Params, Array], Array],
    X: Array,
    y: Array,
    test_fold: Array | None,
    key: PRNGKey,
    fold: Any,
    rows: Array,
) -> tuple[Params, Array, FoldHealth]:
    """One fold trained on its training rows, then asked to predict the rows ``rows`` (its test rows).

    Args:
      fit_fn: as :func:`fit_and_score_fold`.
      predict_fn: ``predict_fn(params, X_rows) -> (m, ...)``, one prediction per row.
      X, y, test_fold, key, fold: as :func:`fit_and_score_fold`.
      rows: ``(m,)`` int32: the fold's test rows, padded to the largest test fold with
        copies of its first test row (their predictions are dropped on the host).

    Returns:
      ``(params, predictions, health)``, ``predictions`` of shape ``(m, ...)``.
    """
    train_w, _ = fold_weights(test_fold, fold, X.dtype)
    params, history = unpack_fit(fit_fn(key, X, y, train_w))
    predictions = jnp.asarray(predict_fn(params, X[rows]))
    if predictions.shape[:1] != rows.shape:
        raise ValueError(
            f"cross_val_predict: predict_fn(params, X) must return one prediction per row of X, "
            f"got shape {predictions.shape} for {rows.shape[0]} rows"
        )
    return params, predictions, _health(params, history)


def fit_and_predict_chunk(
    X: Array,
    y: Array,
    test_fold: Array | None,
    key: PRNGKey,
    folds: Any,
    fold_index: Array,
    rows: Array,
    *,
    fit_fn: Callable[..., Any],
    predict_fn: Callable[[Params, Array], Array],
    n_folds: int,
) -> Any:
    """A chunk of folds trained and asked for their test rows' predictions at once.

    Fold ``k`` draws ``jax.random.split(key, n_folds)[k]``, as in :func:`fit_and_score_chunk`,
    so it trains as :func:`fnn.cv.cross_validate` does with the same key.

    Returns:
      :func:`fit_and_predict_fold`'s outputs with a leading axis of entries.
    """
    keys = jax.random.split(key, n_folds)[fold_index]
    one = functools.partial(fit_and_predict_fold, fit_fn, predict_fn, X, y, test_fold)
    return jax.vmap(one)(keys, folds, rows)


def predict_arguments(
    fit_fn: Callable[..., Any],
    predict_fn: Callable[[Params, Array], Array],
    X: Any,
    y: Any,
    split: Split | MaskSplit,
    key: PRNGKey,
) -> Arguments:
    """The arguments of :func:`fit_and_predict_chunk`: the test rows of each fold, padded to the largest.

    ``split``'s test sets must partition the rows (checked by the caller). Each fold's
    rows are its test rows in ascending order, padded to the largest test-fold size
    ``m`` (static) with copies of its first one: ``K * m`` ints, O(n) for a partition.

    Example:
      >>> from fnn.cv import kfold
      >>> args = predict_arguments(None, None, np.zeros((5, 2)), np.zeros(5), kfold(5, 2), jax.random.key(0))
      >>> args.entries[2]
      array([[0, 1, 2],
             [3, 4, 3]], dtype=int32)
    """
    tests = [test for _, test in split.split()]
    width = max(t.shape[0] for t in tests)
    rows = np.stack([np.concatenate([t, np.full(width - t.shape[0], t[0])]) for t in tests]).astype(np.int32)
    folds: Any
    if isinstance(split, Split):
        test_fold, folds = split.test_fold, np.arange(split.n_folds, dtype=np.int32)
    else:
        test_fold, folds = None, (split.train, split.test)
    fold_index = np.arange(split.n_folds, dtype=np.int32)
    static = dict(fit_fn=fit_fn, predict_fn=predict_fn, n_folds=split.n_folds)
    return Arguments((X, y, test_fold, key), (folds, fold_index, rows), static)
