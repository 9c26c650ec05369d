r"""Splitters: which rows train and which rows test each fold, stored compactly.

A :class:`Split` stores disjoint test folds as one fold id per sample (n ints
whatever the number of folds); a :class:`MaskSplit` stores ``(K, n)`` boolean
row masks for folds that overlap or leave rows out. Both are scikit-learn
splitters themselves (``split``, ``get_n_splits``).

Fold sizes, order and, unshuffled, indices are scikit-learn's:

=======================  ===============================  ======================
fnn                      scikit-learn                     stored as
=======================  ===============================  ======================
``kfold``                ``KFold``                        :class:`Split` (n ints)
``stratified_kfold``     ``StratifiedKFold``              :class:`Split`
``leave_one_out``        ``LeaveOneOut``                  :class:`Split`
``repeated_kfold``       ``RepeatedKFold``                :class:`MaskSplit` (K n bools)
``holdout``              ``train_test_split``             :class:`MaskSplit`
=======================  ===============================  ======================

Shuffles draw from a JAX key, so they are not scikit-learn's permutations (sizes and
class counts are the same). :func:`as_split` turns the ``cv=`` argument of
:func:`fnn.cv.cross_validate` (an int, ``"loo"``, a split, a scikit-learn splitter or
``(train_idx, test_idx)`` pairs) into a split.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import jax
import numpy as np

from fnn._types import Array, ArrayLike, PRNGKey
from fnn._validate import check_int, check_key

__all__ = [
    "MaskSplit",
    "Split",
    "as_split",
    "from_indices",
    "holdout",
    "kfold",
    "leave_one_out",
    "repeated_kfold",
    "stratified_kfold",
]


def __dir__() -> list[str]:
    return list(__all__)


# --------------------------------------------------------------------------- split containers


class Split(NamedTuple):
    """Disjoint test folds stored as one fold id per sample (scikit-learn's ``PredefinedSplit``).

    Sample ``i`` is a test row of fold ``test_fold[i]`` and a training row of every
    other fold; ``test_fold[i] == -1`` keeps it in every training set. O(n) memory
    whatever the number of folds (LOOCV of n rows is n ints).

    Also a scikit-learn splitter: ``sklearn.model_selection.cross_validate(..., cv=split)``.
    """

    #: ``(n,)`` int32: the test fold of each sample, -1 for never.
    test_fold: np.ndarray
    #: the number of folds K.
    n_folds: int

    @property
    def n_samples(self) -> int:
        return int(self.test_fold.shape[0])

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        del X, y, groups
        return self.n_folds

    def test_weights(self, dtype=np.float32) -> np.ndarray:
        """``(K, n)``: 1 on each fold's test rows, 0 elsewhere."""
        return (self.test_fold[None, :] == np.arange(self.n_folds)[:, None]).astype(dtype)

    def train_weights(self, dtype=np.float32) -> np.ndarray:
        """``(K, n)``: 1 on each fold's training rows, 0 elsewhere."""
        return (self.test_fold[None, :] != np.arange(self.n_folds)[:, None]).astype(dtype)

    def split(self, X=None, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yields scikit-learn's ``(train_idx, test_idx)`` per fold, both sorted ascending."""
        del X, y, groups
        for k in range(self.n_folds):
            yield np.flatnonzero(self.test_fold != k), np.flatnonzero(self.test_fold == k)


class MaskSplit(NamedTuple):
    """Folds as ``(K, n)`` boolean row masks: for folds that overlap or leave rows out
    (repeated K-fold, hold-out with unused rows, arbitrary scikit-learn splitters)."""

    #: ``(K, n)`` bool: the training rows of each fold.
    train: np.ndarray
    #: ``(K, n)`` bool: the test rows of each fold.
    test: np.ndarray

    @property
    def n_folds(self) -> int:
        return int(self.train.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.train.shape[1])

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        del X, y, groups
        return self.n_folds

    def test_weights(self, dtype=np.float32) -> np.ndarray:
        return self.test.astype(dtype)

    def train_weights(self, dtype=np.float32) -> np.ndarray:
        return self.train.astype(dtype)

    def split(self, X=None, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        del X, y, groups
        for train, test in zip(self.train, self.test, strict=True):
            yield np.flatnonzero(train), np.flatnonzero(test)


# --------------------------------------------------------------------------- argument checks


def _shuffle_key(shuffle, key, where: str) -> None:
    if not isinstance(shuffle, bool):
        raise TypeError(f"{where}: shuffle must be True or False, got {shuffle!r}")
    if shuffle and key is None:
        raise ValueError(f"{where}: shuffle=True draws from a key; pass key=jax.random.key(seed)")
    if not shuffle and key is not None:
        # As scikit-learn: a seed without shuffling is a mistake, not a no-op.
        raise ValueError(f"{where}: key is only used with shuffle=True; drop key or set shuffle=True")
    if key is not None:
        check_key(key, where)


def _given(key: PRNGKey | None) -> PRNGKey:
    """A key already checked to be present (shuffling without one raised before)."""
    if key is None:
        raise ValueError("a shuffle needs key=jax.random.key(seed)")
    return key


def _fold_sizes(n: int, k: int) -> np.ndarray:
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _class_labels(y, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Classes encoded by order of first appearance (as scikit-learn) and their counts."""
    if isinstance(y, jax.core.Tracer):
        raise TypeError(f"{where}: y must be concrete (a splitter runs outside jit)")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{where}: y must be 1-D class labels, got shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{where}: y contains NaN or inf")
        if not np.all(y == np.round(y)):
            raise ValueError(
                f"{where}: class labels must be integers, got non-integer floats; "
                "stratify by class (encode labels as 0..C-1), not by a continuous target"
            )
    elif y.dtype.kind not in "iub":
        raise TypeError(f"{where}: class labels must be integers or bools, got dtype {y.dtype}")
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    _, rank = np.unique(first, return_inverse=True)
    encoded = rank[inverse.ravel()]
    return encoded, np.bincount(encoded)


# --------------------------------------------------------------------------- splitters


def kfold(n: int, k: int, *, shuffle: bool = False, key: PRNGKey | None = None) -> Split:
    """K-fold cross-validation: each of ``k`` consecutive blocks is the test fold once.

    Fold sizes as scikit-learn's ``KFold``: the first ``n % k`` folds have ``n // k + 1``
    rows, the others ``n // k``. Unshuffled, the folds are exactly ``KFold(k)``'s; with
    ``shuffle=True`` the blocks are cut from a permutation drawn from ``key``.

    Args:
      n: number of samples.
      k: number of folds, ``2 <= k <= n``.
      shuffle: permute the rows before cutting the blocks (ordered data needs it).
      key: PRNG key, required with ``shuffle=True`` (and only then).

    Returns:
      a :class:`Split` with ``test_fold`` of shape ``(n,)``.

    Example:
      >>> kfold(10, 3).test_fold
      array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], dtype=int32)
    """
    where = "kfold"
    n = check_int(n, "n", where, 2)
    k = check_int(k, "k", where, 2)
    if k > n:
        raise ValueError(f"{where}: k={k} folds need at least {k} samples, got n={n}; lower k")
    _shuffle_key(shuffle, key, where)
    blocks = np.repeat(np.arange(k, dtype=np.int32), _fold_sizes(n, k))
    if not shuffle:
        return Split(blocks, k)
    order = np.asarray(jax.random.permutation(_given(key), n))
    test_fold = np.empty(n, np.int32)
    test_fold[order] = blocks
    return Split(test_fold, k)


def stratified_kfold(y: ArrayLike, k: int, *, shuffle: bool = False, key: PRNGKey | None = None) -> Split:
    """Stratified K-fold: every fold keeps the class proportions of ``y``.

    scikit-learn's ``StratifiedKFold`` algorithm: classes are numbered by first
    appearance, the sorted labels are dealt round-robin to the ``k`` folds (so each
    fold's class counts are the same as scikit-learn's), and each class's members are
    given to the folds in contiguous blocks in data order (unshuffled: the same
    indices as scikit-learn) or in an order drawn from ``key``.

    Raises ``ValueError`` if every class has fewer than ``k`` members, and warns
    (``UserWarning``, as scikit-learn) if the smallest one does.

    Args:
      y: ``(n,)`` integer class labels.
      k: number of folds, ``2 <= k <= n``.
      shuffle: shuffle each class's fold assignment.
      key: PRNG key, required with ``shuffle=True`` (and only then).

    Returns:
      a :class:`Split`.
    """
    where = "stratified_kfold"
    encoded, counts = _class_labels(y, where)
    n = encoded.shape[0]
    k = check_int(k, "k", where, 2)
    if k > n:
        raise ValueError(f"{where}: k={k} folds need at least {k} samples, got n={n}; lower k")
    _shuffle_key(shuffle, key, where)
    if np.all(counts < k):
        raise ValueError(
            f"{where}: k={k} is greater than the number of members of every class (largest {counts.max()}); lower k"
        )
    if counts.min() < k:
        warnings.warn(
            f"{where}: the least populated class has only {counts.min()} members, "
            f"fewer than k={k}; some test folds will miss that class",
            UserWarning,
            stacklevel=2,
        )
    n_classes = counts.shape[0]
    ordered = np.sort(encoded)
    allocation = np.stack([np.bincount(ordered[i::k], minlength=n_classes) for i in range(k)])
    class_keys = jax.random.split(_given(key), n_classes) if shuffle else None
    test_fold = np.empty(n, np.int32)
    for c in range(n_classes):
        folds = np.repeat(np.arange(k, dtype=np.int32), allocation[:, c])
        if shuffle:
            folds = folds[np.asarray(jax.random.permutation(_given(class_keys)[c], folds.shape[0]))]
        test_fold[encoded == c] = folds
    return Split(test_fold, k)


def leave_one_out(n: int) -> Split:
    """Leave-one-out: ``n`` folds, fold ``i`` tests sample ``i`` (``KFold`` with ``k = n``).

    Example:
      >>> leave_one_out(3).test_fold
      array([0, 1, 2], dtype=int32)
    """
    n = check_int(n, "n", "leave_one_out", 2)
    return Split(np.arange(n, dtype=np.int32), n)


def repeated_kfold(n: int, k: int, n_repeats: int, *, key: PRNGKey) -> MaskSplit:
    """Shuffled K-fold repeated ``n_repeats`` times (``RepeatedKFold``): ``k * n_repeats`` folds.

    Repeat ``r`` is ``kfold(n, k, shuffle=True, key=jax.random.split(key, n_repeats)[r])``;
    the folds are ordered repeat by repeat, as scikit-learn's.

    Returns:
      a :class:`MaskSplit` with masks of shape ``(k * n_repeats, n)``.
    """
    where = "repeated_kfold"
    n_repeats = check_int(n_repeats, "n_repeats", where, 1)
    check_key(key, where)
    repeats = [kfold(n, k, shuffle=True, key=r) for r in jax.random.split(key, n_repeats)]
    test = np.concatenate([s.test_weights(bool) for s in repeats])
    return MaskSplit(~test, test)


def _split_size(value, n: int, name: str, rounding, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a float in (0, 1) or an int count, got {value!r}")
    if isinstance(value, numbers.Integral):
        return check_int(value, name, where, 1, n - 1)
    fraction = float(value)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"{where}: a float {name} is a fraction in (0, 1), got {value}")
    return int(rounding(fraction * n))


def _approximate_mode(counts: np.ndarray, n_draws: int) -> np.ndarray:
    """Per-class draws closest to ``n_draws * counts / sum(counts)`` (largest remainders get the rest).

    scikit-learn breaks ties between equal remainders at random; this takes the first
    classes, so counts agree with scikit-learn's whenever no remainders tie.
    """
    continuous = counts * n_draws / counts.sum()
    floored = np.floor(continuous).astype(np.int64)
    need = n_draws - floored.sum()
    if need > 0:
        remainder = continuous - floored
        floored[np.argsort(-remainder, kind="stable")[:need]] += 1
    return floored


def holdout(
    n: int,
    *,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    shuffle: bool = True,
    stratify: ArrayLike | None = None,
    key: PRNGKey | None = None,
) -> MaskSplit:
    """The hold-out method: one training set and one test set, as ``train_test_split``.

    Sizes follow scikit-learn: with neither size given the test set is 25 %; a float
    ``test_size`` rounds up (ceil), a float ``train_size`` rounds down (floor), an int
    is a count, and the missing side is the complement. With ``shuffle=False`` the
    training rows are the first ``n_train`` and the test rows the next ``n_test``;
    with ``shuffle=True`` both are drawn from a permutation from ``key``. ``stratify``
    (class labels) keeps the class proportions in both sets (scikit-learn's
    ``StratifiedShuffleSplit`` counts).

    Returns:
      a one-fold :class:`MaskSplit` (masks ``(1, n)``).

    Example:
      >>> split = holdout(10, test_size=0.25, key=jax.random.key(0))
      >>> int(split.test.sum()), int(split.train.sum())
      (3, 7)
    """
    where = "holdout"
    n = check_int(n, "n", where, 2)
    if not isinstance(shuffle, bool):
        raise TypeError(f"{where}: shuffle must be True or False, got {shuffle!r}")
    if shuffle:
        if key is None:
            raise ValueError(f"{where}: shuffle=True draws from a key; pass key=jax.random.key(seed) or shuffle=False")
        check_key(key, where)
    if stratify is not None and not shuffle:
        raise ValueError(f"{where}: stratify needs shuffle=True (as in scikit-learn)")
    if test_size is None and train_size is None:
        test_size = 0.25
    n_test = _split_size(test_size, n, "test_size", math.ceil, where)
    n_train = _split_size(train_size, n, "train_size", math.floor, where)
    if n_test is None:
        n_test = n - (n_train or 0)
    if n_train is None:
        n_train = n - n_test
    if n_train < 1 or n_test < 1 or n_train + n_test > n:
        raise ValueError(
            f"{where}: with n={n}, test_size={test_size} and train_size={train_size} the "
            f"sets would have {n_train} training and {n_test} test rows; both need >= 1 "
            f"and together <= {n}"
        )
    train = np.zeros((1, n), bool)
    test = np.zeros((1, n), bool)
    if stratify is not None:
        encoded, counts = _class_labels(stratify, where)
        if encoded.shape[0] != n:
            raise ValueError(f"{where}: stratify must have n={n} labels, got {encoded.shape[0]}")
        if counts.min() < 2:
            raise ValueError(
                f"{where}: the least populated class in stratify has only 1 member; "
                "each class needs >= 2 to appear in both sets"
            )
        n_classes = counts.shape[0]
        if n_train < n_classes or n_test < n_classes:
            raise ValueError(
                f"{where}: both sets need at least one row per class ({n_classes}), got "
                f"{n_train} training and {n_test} test rows"
            )
        train_counts = _approximate_mode(counts, n_train)
        test_counts = _approximate_mode(counts - train_counts, n_test)
        for c, class_key in zip(range(n_classes), jax.random.split(_given(key), n_classes), strict=True):
            members = np.flatnonzero(encoded == c)
            members = members[np.asarray(jax.random.permutation(class_key, members.shape[0]))]
            train[0, members[: train_counts[c]]] = True
            test[0, members[train_counts[c] : train_counts[c] + test_counts[c]]] = True
        return MaskSplit(train, test)
    order = np.asarray(jax.random.permutation(_given(key), n)) if shuffle else np.arange(n)
    if shuffle:  # ShuffleSplit: test rows first, then training rows
        test[0, order[:n_test]] = True
        train[0, order[n_test : n_test + n_train]] = True
    else:  # train_test_split(shuffle=False): training rows first
        train[0, order[:n_train]] = True
        test[0, order[n_train : n_train + n_test]] = True
    return MaskSplit(train, test)


def from_indices(pairs: Iterable[tuple[ArrayLike, ArrayLike]], n: int) -> Split | MaskSplit:
    """Converts scikit-learn-style ``(train_idx, test_idx)`` pairs into a split.

    Disjoint test sets whose training sets are the complements become a compact
    :class:`Split`; anything else a :class:`MaskSplit`.

    Args:
      pairs: an iterable of ``(train_idx, test_idx)`` integer index arrays (e.g.
        ``KFold(5).split(X)``).
      n: number of samples.
    """
    where = "from_indices"
    n = check_int(n, "n", where, 2)
    train_rows, test_rows = [], []
    for f, pair in enumerate(pairs):
        try:
            train_idx, test_idx = pair
        except (TypeError, ValueError):
            raise TypeError(
                f"{where}: fold {f} must be a pair (train_idx, test_idx), got {type(pair).__name__}"
            ) from None
        masks = []
        for name, idx in (("train", train_idx), ("test", test_idx)):
            idx = np.asarray(idx)
            if idx.dtype == bool and idx.shape == (n,):  # boolean masks work too
                idx = np.flatnonzero(idx)
            if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
                raise TypeError(
                    f"{where}: fold {f}'s {name} indices must be a 1-D integer array, "
                    f"got shape {idx.shape} dtype {idx.dtype}"
                )
            if idx.size == 0:
                raise ValueError(f"{where}: fold {f} has no {name} rows")
            if idx.min() < 0 or idx.max() >= n:
                raise ValueError(
                    f"{where}: fold {f}'s {name} indices must lie in [0, {n}), got {idx.min()}..{idx.max()}"
                )
            mask = np.zeros(n, bool)
            mask[idx] = True
            masks.append(mask)
        if np.any(masks[0] & masks[1]):
            raise ValueError(
                f"{where}: fold {f} uses rows {np.flatnonzero(masks[0] & masks[1])[:5]} for both training and testing"
            )
        train_rows.append(masks[0])
        test_rows.append(masks[1])
    if len(train_rows) < 1:
        raise ValueError(f"{where}: the splitter produced no folds")
    train, test = np.stack(train_rows), np.stack(test_rows)
    if np.all(test.sum(axis=0) <= 1) and np.array_equal(train, ~test):
        test_fold = np.where(test.any(axis=0), np.argmax(test, axis=0), -1).astype(np.int32)
        return Split(test_fold, test.shape[0])
    return MaskSplit(train, test)


def as_split(cv: Any, X: np.ndarray | Array, y: Any, n: int, where: str) -> Split | MaskSplit:
    """The ``cv=`` argument of the public API as a split of ``n`` samples, or a clear error.

    An int K is unshuffled :func:`kfold` (scikit-learn's ``KFold``), ``"loo"`` is
    :func:`leave_one_out`, a split is checked against ``n``, a scikit-learn splitter is
    asked for ``split(X, y)`` and an iterable of ``(train_idx, test_idx)`` goes through
    :func:`from_indices`. ``where`` names the caller in error messages.
    """
    if isinstance(cv, (Split, MaskSplit)):
        if cv.n_samples != n:
            raise ValueError(f"{where}: the split is for {cv.n_samples} samples but X has {n} rows")
        return cv
    if isinstance(cv, str):
        if cv != "loo":
            raise ValueError(f"{where}: cv must be an int K, 'loo', a split or a splitter, got {cv!r}")
        return leave_one_out(n)
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        return kfold(n, int(cv))
    if hasattr(cv, "split"):
        return from_indices(cv.split(np.asarray(X), np.asarray(y)), n)
    if isinstance(cv, Iterable):
        return from_indices(cv, n)
    raise TypeError(
        f"{where}: cv must be an int K, 'loo', an fnn split, a scikit-learn splitter "
        f"or an iterable of (train_idx, test_idx), got {type(cv).__name__}"
    )
