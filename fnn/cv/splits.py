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
class counts are the same). :func:`check_cv` turns the ``cv=`` argument of
:func:`fnn.cv.cross_validate` (an int, ``"loo"``, a split, a scikit-learn splitter or
``(train_idx, test_idx)`` pairs) into a split as scikit-learn's ``check_cv`` does for a
classifier: an int K is stratified K-fold when ``y`` holds integer (or bool) class
labels, plain K-fold otherwise.

A count that is not an integer (``kfold(10, 2.0)``) raises :class:`ArgumentTypeError`,
both a ``ValueError`` (what scikit-learn raises for ``KFold(2.0)``) and a ``TypeError``
(what fnn raises elsewhere for an argument of the wrong type), so code written for
either catches it.
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
    "ArgumentTypeError",
    "MaskSplit",
    "Split",
    "as_split",
    "check_count",
    "check_cv",
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


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type where scikit-learn raises a ``ValueError`` (``KFold(2.0)``).

    A subclass of both, as scikit-learn's own ``InvalidParameterError`` is: ``except
    ValueError`` (code written for scikit-learn) and ``except TypeError`` (fnn's
    convention for a wrong type) both catch it.
    """


def check_count(value, name: str, where: str, low: int, high: int | None = None) -> int:
    """``value`` as a Python int in ``[low, high]``: a number of folds, samples, repeats or rows.

    Raises :class:`ArgumentTypeError` for a value that is not an integer (a float
    ``2.0`` too, as scikit-learn) and ``ValueError`` for one out of range.

    Example:
      >>> check_count(3, "k", "kfold", 2)
      3
    """
    try:
        return check_int(value, name, where, low, high)
    except TypeError as err:
        raise ArgumentTypeError(str(err)) from None


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
    if y.ndim == 2 and y.shape[1] == 1:  # a column of labels, as scikit-learn accepts
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{where}: y must be class labels of shape (n,) or (n, 1), got shape {y.shape}")
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
    n = check_count(n, "n", where, 2)
    k = check_count(k, "k", where, 2)
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
      y: ``(n,)`` (or ``(n, 1)``) integer class labels.
      k: number of folds, ``2 <= k <= n``.
      shuffle: shuffle each class's fold assignment.
      key: PRNG key, required with ``shuffle=True`` (and only then).

    Returns:
      a :class:`Split`.
    """
    where = "stratified_kfold"
    encoded, counts = _class_labels(y, where)
    k = check_count(k, "k", where, 2)
    _shuffle_key(shuffle, key, where)
    too_few = f"{where}: k={k} is greater than the number of members of every class (largest {{largest}}); lower k"
    return _stratified(encoded, counts, k, shuffle, key, where, too_few, f"k={k}")


def _stratified(encoded, counts, k: int, shuffle: bool, key, where: str, too_few: str, what: str) -> Split:
    """:func:`stratified_kfold` of labels already encoded; ``too_few`` is the message (with a
    ``{largest}`` field) for a ``k`` above every class count, ``what`` names ``k`` in the warning."""
    n = encoded.shape[0]
    if k > n:
        raise ValueError(f"{where}: {what} folds need at least {k} samples, got n={n}; lower k")
    if np.all(counts < k):
        raise ValueError(too_few.format(largest=counts.max()))
    if counts.min() < k:
        warnings.warn(
            f"{where}: the least populated class has only {counts.min()} members, "
            f"fewer than {what}; some test folds will miss that class",
            UserWarning,
            stacklevel=3,
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
    n = check_count(n, "n", "leave_one_out", 2)
    return Split(np.arange(n, dtype=np.int32), n)


def repeated_kfold(n: int, k: int, n_repeats: int, *, key: PRNGKey) -> MaskSplit:
    """Shuffled K-fold repeated ``n_repeats`` times (``RepeatedKFold``): ``k * n_repeats`` folds.

    Repeat ``r`` is ``kfold(n, k, shuffle=True, key=jax.random.split(key, n_repeats)[r])``;
    the folds are ordered repeat by repeat, as scikit-learn's.

    Returns:
      a :class:`MaskSplit` with masks of shape ``(k * n_repeats, n)``.
    """
    where = "repeated_kfold"
    n_repeats = check_count(n_repeats, "n_repeats", where, 1)
    check_key(key, where)
    repeats = [kfold(n, k, shuffle=True, key=r) for r in jax.random.split(key, n_repeats)]
    test = np.concatenate([s.test_weights(bool) for s in repeats])
    return MaskSplit(~test, test)


def _size_kind(value, name: str, n: int, where: str) -> str | None:
    """``"int"``, ``"float"`` or ``None`` for a hold-out size, checked as scikit-learn checks it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(
            f"{where}: {name} must be a float fraction in (0, 1), an int number of rows in [1, {n - 1}] "
            f"or None, got {value!r}"
        )
    if isinstance(value, numbers.Integral):
        if not 0 < int(value) < n:
            raise ValueError(
                f"{where}: an int {name} is a number of rows, at least 1 and fewer than the n={n} "
                f"samples, got {value}; give a count in [1, {n - 1}] or a fraction in (0, 1)"
            )
        return "int"
    if not 0.0 < float(value) < 1.0:
        raise ValueError(
            f"{where}: a float {name} is a fraction in (0, 1), got {value}; give a fraction or an int count of rows"
        )
    return "float"


def _shuffle_split_sizes(n: int, test_size, train_size, where: str) -> tuple[int, int]:
    """``(n_train, n_test)`` as scikit-learn's ``train_test_split`` computes and validates them.

    Neither size given: the test set is 25 %. A float test size rounds up, a float
    train size down, an int is a count, and a size not given is the complement. Refused
    (``ValueError``), as scikit-learn refuses them: a size out of range, two fractions
    that add up to more than 1, counts that add up to more than ``n``, and an empty
    training set.
    """
    if test_size is None and train_size is None:
        test_size = 0.25
    test_kind = _size_kind(test_size, "test_size", n, where)
    train_kind = _size_kind(train_size, "train_size", n, where)
    if test_kind == "float" and train_kind == "float" and train_size + test_size > 1:
        raise ValueError(
            f"{where}: test_size + train_size = {train_size + test_size:g} is more than 1 (the whole data set); "
            "reduce test_size and/or train_size"
        )
    n_test = math.ceil(float(test_size) * n) if test_kind == "float" else test_size
    n_train = math.floor(float(train_size) * n) if train_kind == "float" else train_size
    if train_kind is None:
        n_train = n - n_test
    elif test_kind is None:
        n_test = n - n_train
    n_train, n_test = int(n_train), int(n_test)
    if n_train + n_test > n:
        raise ValueError(
            f"{where}: with n={n}, test_size={test_size} and train_size={train_size} the sets would need "
            f"{n_train} training + {n_test} test = {n_train + n_test} rows, more than the {n} samples; "
            "reduce test_size and/or train_size"
        )
    if n_train == 0:
        raise ValueError(
            f"{where}: with n={n}, test_size={test_size} and train_size={train_size} the training set "
            "would be empty; raise train_size or lower test_size"
        )
    return n_train, n_test


def _approximate_mode(counts: np.ndarray, n_draws: int, key: PRNGKey) -> np.ndarray:
    """Per-class draws closest to ``n_draws * counts / sum(counts)``: scikit-learn's ``_approximate_mode``.

    Each class gets the floor of its share; the rows still needed go to the largest
    remainders, and among equal remainders to classes drawn at random from ``key``
    (as scikit-learn draws them from its random state), so that no class is favoured
    over repeated splits.
    """
    continuous = counts / counts.sum() * n_draws  # scikit-learn's order of operations: the same ties
    floored = np.floor(continuous).astype(np.int64)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        tie_break = np.asarray(jax.random.permutation(key, counts.shape[0]))
        floored[np.lexsort((tie_break, -remainder))[:need]] += 1
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
    is a count, and the missing side is the complement. Sizes scikit-learn refuses are
    refused with a ``ValueError``: a fraction outside (0, 1), a count outside
    ``[1, n - 1]``, two fractions adding up to more than 1, sets adding up to more than
    ``n`` rows, and an empty training set. With ``shuffle=False`` the training rows are
    the first ``n_train`` and the test rows the next ``n_test``; with ``shuffle=True``
    both are drawn from a permutation from ``key``. ``stratify`` (class labels) keeps
    the class proportions in both sets (scikit-learn's ``StratifiedShuffleSplit``
    counts); a class whose share of a set has a remainder tied with another's gets the
    extra row at random (from ``key``), as in scikit-learn, so repeated stratified
    hold-outs favour no class.

    Returns:
      a one-fold :class:`MaskSplit` (masks ``(1, n)``).

    Example:
      >>> split = holdout(10, test_size=0.25, key=jax.random.key(0))
      >>> int(split.test.sum()), int(split.train.sum())
      (3, 7)
    """
    where = "holdout"
    n = check_count(n, "n", where, 2)
    if not isinstance(shuffle, bool):
        raise TypeError(f"{where}: shuffle must be True or False, got {shuffle!r}")
    if shuffle:
        if key is None:
            raise ValueError(f"{where}: shuffle=True draws from a key; pass key=jax.random.key(seed) or shuffle=False")
        check_key(key, where)
    if stratify is not None and not shuffle:
        raise ValueError(f"{where}: stratify needs shuffle=True (as in scikit-learn)")
    n_train, n_test = _shuffle_split_sizes(n, test_size, train_size, where)
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
        train_key, test_key, classes_key = jax.random.split(_given(key), 3)
        train_counts = _approximate_mode(counts, n_train, train_key)
        test_counts = _approximate_mode(counts - train_counts, n_test, test_key)
        for c, class_key in zip(range(n_classes), jax.random.split(classes_key, n_classes), strict=True):
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
    n = check_count(n, "n", where, 2)
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


def _class_target(y: Any) -> bool:
    """Whether ``y`` holds class labels for ``cv=int``: integer or bool values of shape ``(n,)`` or ``(n, 1)``.

    scikit-learn's ``check_cv`` stratifies a classifier's binary or multiclass
    target; fnn has no estimator to ask, so the dtype decides: float targets are a
    regression's.
    """
    dtype = getattr(y, "dtype", None)
    shape = np.shape(y)
    column = len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)
    return dtype is not None and np.dtype(dtype).kind in "iub" and column


def check_cv(cv: Any, X: np.ndarray | Array, y: Any, n: int, where: str) -> tuple[Split | MaskSplit, str]:
    """The ``cv=`` argument of the public API as a split of ``n`` samples and a description of it.

    As scikit-learn's ``check_cv(cv, y, classifier=True)``: an int K is unshuffled
    :func:`stratified_kfold` when ``y`` holds integer or bool class labels (shape
    ``(n,)`` or ``(n, 1)``) and unshuffled :func:`kfold` otherwise (float targets,
    several target columns). Stratified K-fold warns (``UserWarning``) when a class
    has fewer than K members, and raises when every class has, which is what an
    integer regression target gives (pass ``cv=fnn.cv.kfold(n, K)`` for it).
    ``"loo"`` is :func:`leave_one_out`, a split is checked against ``n``, a
    scikit-learn splitter is asked for ``split(X, y)`` and an iterable of
    ``(train_idx, test_idx)`` goes through :func:`from_indices`.

    Args:
      cv: the ``cv=`` argument.
      X, y: the data (``y`` decides what an int means; a splitter sees both).
      n: the number of samples.
      where: the caller's name, for error messages.

    Returns:
      ``(split, description)``; the description (``"stratified_kfold(y, 5)"``,
      ``"kfold(150, 5)"``, ``"leave_one_out(150)"``, a splitter's ``repr``, ...) says
      which folds were used.

    Example:
      >>> check_cv(3, None, np.array([0, 1, 0, 1, 0, 1]), 6, "example")[1]
      'stratified_kfold(y, 3)'
      >>> check_cv(3, None, np.array([0.5, 1.0, 0.0, 1.5, 2.0, 1.0]), 6, "example")[1]
      'kfold(6, 3)'
    """
    if isinstance(cv, (Split, MaskSplit)):
        if cv.n_samples != n:
            raise ValueError(f"{where}: the split is for {cv.n_samples} samples but X has {n} rows")
        return cv, f"{type(cv).__name__} of {cv.n_folds} folds"
    if isinstance(cv, str):
        if cv != "loo":
            raise ValueError(f"{where}: cv must be an int K, 'loo', a split or a splitter, got {cv!r}")
        return leave_one_out(n), f"leave_one_out({n})"
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        k = check_count(cv, "cv (the number of folds K)", where, 2)
        if not _class_target(y):
            return kfold(n, k), f"kfold({n}, {k})"
        encoded, counts = _class_labels(y, where)
        too_few = (
            f"{where}: cv={k} is stratified K-fold because y holds integer class labels (as scikit-learn's "
            f"check_cv for a classifier), but every class has fewer than {k} members (the largest "
            "{largest}). If y is an integer regression target, pass cv=fnn.cv.kfold("
            f"{n}, {k}) for plain K-fold (or y as floats); if it holds classes, lower K"
        )
        return _stratified(encoded, counts, k, False, None, where, too_few, f"cv={k}"), f"stratified_kfold(y, {k})"
    if hasattr(cv, "split"):
        split = from_indices(cv.split(np.asarray(X), np.asarray(y)), n)
        return split, repr(cv)
    if isinstance(cv, Iterable) and not isinstance(cv, bytes):
        split = from_indices(cv, n)
        return split, f"{split.n_folds} (train_idx, test_idx) pairs"
    raise ArgumentTypeError(
        f"{where}: cv must be an int K, 'loo', an fnn split, a scikit-learn splitter "
        f"or an iterable of (train_idx, test_idx), got {type(cv).__name__} {cv!r}"
    )


def as_split(cv: Any, X: np.ndarray | Array, y: Any, n: int, where: str) -> Split | MaskSplit:
    """The split of :func:`check_cv` without its description."""
    return check_cv(cv, X, y, n, where)[0]
