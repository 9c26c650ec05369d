r"""Evaluation metrics of the course, in scikit-learn's argument order, weighted and vmappable.

Every metric is ``metric(y_true, y_pred, *, weights=None, ...)`` and returns a
scalar ``jax.Array`` (``average=None`` and :func:`confusion_matrix` return
arrays). ``weights`` are non-negative per-example weights of shape ``(n,)`` —
scikit-learn's ``sample_weight`` — and may be traced, so the score of every
cross-validation fold is one call of ``jax.vmap`` over a ``(K, n)`` matrix of
0/1 fold masks. Values are checked when concrete (as in :mod:`fnn.losses`).

Rows of weight 0 follow fnn's one rule (``fnn._masked``, shared with
:mod:`fnn.losses`): a row of weight 0 is as if deleted, whatever it holds (labels
outside the classes, ``inf`` or ``NaN`` predictions), and boundary checks on
concrete labels look only at the rows of positive weight. Under tracing, a row whose
weight is not positive is dropped, and a fold whose weights are all zero scores NaN
in every metric (whatever ``zero_division`` says; an empty fold must never look like
a perfect score), with a zero gradient; :func:`confusion_matrix`, a table of
weighted counts, is then all 0.

Classification (labels, shape ``(n,)``):

* :func:`accuracy` — weighted fraction of correct predictions.
* :func:`precision` :math:`TP/(TP+FP)`, :func:`recall` :math:`TP/(TP+FN)`,
  :func:`specificity` :math:`TN/(TN+FP)`, :func:`f1_score`
  :math:`2TP/(2TP+FP+FN)`, with ``average=`` as in scikit-learn:

  - ``"binary"`` (default): the class ``pos_label`` (default 1) against the
    rest. Labels may be any two values (0/1, or -1/1 as a perceptron outputs).
  - ``"macro"``: the unweighted mean over classes; ``"weighted"``: the mean
    weighted by each class's (weighted) support; ``"micro"``: the ratio of the
    counts summed over classes; ``None``: one value per class, shape ``(C,)``.
    These need integer labels in ``[0, C)``.

  The classes averaged over are those that occur in ``y_true`` or ``y_pred``
  among the examples with a non-zero weight (scikit-learn's default, the union
  of the labels present; it also counts labels seen only in zero-weight rows, so
  the two differ only then). With 0/1 fold weights the result therefore equals
  scikit-learn on the fold's rows.
* :func:`confusion_matrix` — ``C[i, j]`` = (weighted) number of examples of
  true class ``i`` predicted as ``j``, as in scikit-learn, counted exactly where the
  dtypes allow (see its docstring).

Labels are class labels, never probabilities or scores. Integer and bool labels are
taken as they are; float labels are accepted by accuracy and the ``"binary"`` scores
when they hold whole numbers (a perceptron's :math:`\pm 1` output, 0./1. targets),
as scikit-learn accepts them. When the labels are concrete, a continuous value (0.73)
or a non-finite one in a row that counts raises a ``ValueError`` saying to threshold
(``(p >= 0.5).astype(int)``) or ``argmax`` first; scikit-learn raises too ("can't
handle a mix of binary and continuous targets"). Under ``jit``/``vmap`` traced float
labels cannot be checked before running: a metric whose counted rows hold such a value
is NaN (never a plausible score such as the 0.0 that comparing labels with
probabilities gives), so a score of NaN from a traced call means continuous labels or
an empty fold. Integer labels are never flagged. The multi-class averages and
:func:`confusion_matrix` take integer labels only, a dtype rule checked statically
(under ``jit`` too).

``num_classes`` (a static int) sets ``C``. If it is None, it is inferred as
``max(label) + 1`` over ``y_true`` and ``y_pred`` (on the rows of positive weight
when the weights are concrete), which needs concrete labels; under ``jit`` pass it
explicitly. Under tracing, labels outside ``[0, C)`` are not counted (they cannot be
checked there).

``zero_division`` is the value returned where a ratio is :math:`0/0` (for
example precision when nothing was predicted positive): 0.0 (default; this is
scikit-learn's ``"warn"`` without the warning), 1.0, or ``nan`` — with ``nan``
the averages skip the undefined classes, as scikit-learn does.

Regression (``(n,)`` or multi-output ``(n, d)`` values; with ``d`` outputs the
per-output scores are averaged uniformly, scikit-learn's default
``multioutput="uniform_average"``): :func:`mse`, :func:`mae`, :func:`mape`,
:func:`r2_score`. Every metric is defined on one row that counts, except
:func:`r2_score`, which needs two (NaN under tracing with fewer).

Empty inputs (no example, or examples with no value) raise a ``ValueError`` in every
metric, as in every loss.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from fnn._masked import (
    checked_rows,
    kept,
    kept_weights,
    nan_if_none_kept,
    weighted_mean,
    weighted_sum,
    weighted_variance,
    where_kept,
)
from fnn._types import Array, ArrayLike
from fnn._validate import as_float_array, check_not_empty, check_sample_weights, is_concrete

__all__ = [
    "accuracy",
    "confusion_matrix",
    "f1_score",
    "mae",
    "mape",
    "mse",
    "precision",
    "r2_score",
    "recall",
    "specificity",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


_AVERAGES = ("binary", "macro", "micro", "weighted", None)


# --------------------------------------------------------------------------- checks


def _as_labels(name: str, y, where: str) -> Array:
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{where}: {name} must be an array of labels, got {type(y).__name__}")
    y = jnp.asarray(y)
    if jnp.issubdtype(y.dtype, jnp.complexfloating):
        raise TypeError(f"{where}: {name} must be real, got dtype {y.dtype}")
    if y.dtype == jnp.bool_:
        y = y.astype(jnp.int32)
    return y


def _check_label_pair(y_true: Array, y_pred: Array, where: str) -> None:
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"{where}: y_true and y_pred must be label vectors of the same shape (n,), got "
            f"{y_true.shape} and {y_pred.shape}; flatten (n, 1) columns with y.reshape(-1)"
        )
    check_not_empty(y_true.shape, where)


_CLASS_LABELS_FIX = (
    "threshold probabilities, e.g. (p >= 0.5).astype(int), or take the highest-scoring class, "
    "jnp.argmax(scores, axis=-1), first; scikit-learn refuses continuous predictions too"
)


def _check_class_labels(y_true: Array, y_pred: Array, weights: Array | None, where: str) -> Array | None:
    """Float labels must be class labels: finite whole numbers, on the rows that count.

    Concrete float labels are checked on the host (the rows of positive weight) and a
    continuous or non-finite value raises a ``ValueError`` that says to threshold or
    ``argmax`` first, as scikit-learn's "can't handle a mix of binary and continuous
    targets". Traced float labels cannot be checked before running: for them this
    returns a traced bool scalar, True when some kept row holds a label that is not a
    finite whole number, which the caller turns into a NaN score. Integer labels need
    no check (None).
    """
    n = y_true.shape[0]
    traced = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not jnp.issubdtype(y.dtype, jnp.floating):
            continue
        if not is_concrete(y):
            traced.append(~(jnp.isfinite(y) & (y == jnp.round(y))))
            continue
        values = np.asarray(y)[checked_rows(weights, n)]
        not_finite = ~np.isfinite(values)
        if np.any(not_finite):
            raise ValueError(
                f"{where}: {name} must hold class labels, got non-finite values such as {values[not_finite][:3]}"
            )
        continuous = values != np.round(values)
        if np.any(continuous):
            raise ValueError(
                f"{where}: {name} must hold class labels (whole numbers), got continuous values such as "
                f"{values[continuous][:3]}; {_CLASS_LABELS_FIX}"
            )
    if not traced:
        return None
    invalid = functools.reduce(jnp.logical_or, traced)
    if weights is not None:
        invalid = invalid & kept(weights)
    return jnp.any(invalid)


def _nan_if(value: Array, invalid: Array | None) -> Array:
    """``value``, or NaN where ``invalid`` (a traced bool scalar from :func:`_check_class_labels`) is True."""
    if invalid is None:
        return value
    return jnp.where(invalid, jnp.full_like(value, jnp.nan), value)


def _check_integer_labels(y_true: Array, y_pred: Array, where: str) -> None:
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not jnp.issubdtype(y.dtype, jnp.integer):
            raise TypeError(
                f"{where}: multi-class metrics and confusion_matrix need integer labels in [0, C), got {name} "
                f"of dtype {y.dtype}; for float labels holding whole numbers use {name}.astype(int); for "
                f"probabilities or scores: {_CLASS_LABELS_FIX}"
            )


def _num_classes(y_true: Array, y_pred: Array, weights: Array | None, num_classes, where: str) -> int:
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"{where}: num_classes must be a positive int, got {num_classes!r}")
        num_classes = int(num_classes)
    elif not (is_concrete(y_true) and is_concrete(y_pred)):
        raise ValueError(
            f"{where}: num_classes is needed when the labels are traced (under jit/vmap); "
            f"pass num_classes=C as a static argument"
        )
    if is_concrete(y_true) and is_concrete(y_pred):
        rows = checked_rows(weights, y_true.shape[0])
        both = np.concatenate([np.asarray(y_true)[rows], np.asarray(y_pred)[rows]])
        low, high = int(both.min()), int(both.max())
        if low < 0:
            raise ValueError(f"{where}: labels must be non-negative class indices, got {low}")
        if num_classes is None:
            num_classes = high + 1
        elif high >= num_classes:
            raise ValueError(
                f"{where}: labels must lie in [0, {num_classes}) for num_classes={num_classes}, "
                f"got label {high}; raise num_classes or fix the labels"
            )
    return num_classes


def _check_zero_division(zero_division, where: str) -> float:
    if isinstance(zero_division, (int, float, np.floating)) and not isinstance(zero_division, bool):
        value = float(zero_division)
        if value in (0.0, 1.0) or math.isnan(value):
            return value
    raise ValueError(f"{where}: zero_division must be 0.0, 1.0 or nan, got {zero_division!r}")


def _float_dtype(weights: Array | None):
    return jnp.result_type(float) if weights is None else weights.dtype


# --------------------------------------------------------------------------- classification


def accuracy(y_true: ArrayLike, y_pred: ArrayLike, *, weights: ArrayLike | None = None) -> Array:
    r"""Accuracy: the (weighted) fraction of examples whose prediction equals the label.

    .. math:: \mathrm{acc} = \frac{\sum_i w_i [\hat y_i = y_i]}{\sum_i w_i}

    Args:
      y_true: true labels, shape ``(n,)``: integers, bools, or floats holding whole
        numbers (a perceptron's :math:`\pm 1`); compared for equality.
      y_pred: predicted labels, shape ``(n,)``; probabilities or scores are refused
        (threshold them or take their ``argmax`` first; see the module docstring).
      weights: optional non-negative weights, shape ``(n,)``.

    Returns:
      A scalar in :math:`[0, 1]` (``sklearn.metrics.accuracy_score``).

    Example:
      >>> accuracy(jnp.array([0, 1, 1, 0]), jnp.array([0, 1, 0, 0]))
      Array(0.75, dtype=float32)
    """
    where = "accuracy"
    y_true, y_pred = _as_labels("y_true", y_true, where), _as_labels("y_pred", y_pred, where)
    _check_label_pair(y_true, y_pred, where)
    weights = check_sample_weights(weights, y_true.shape[0], where)
    invalid = _check_class_labels(y_true, y_pred, weights, where)
    correct = (y_true == y_pred).astype(_float_dtype(weights))
    return _nan_if(weighted_mean(correct, weights), invalid)


def confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, *, weights: ArrayLike | None = None, num_classes: int | None = None
) -> Array:
    r"""Confusion matrix :math:`C_{ij} = \sum_k w_k [y_k = i][\hat y_k = j]` (rows: true, columns: predicted).

    For two classes ``[[TN, FP], [FN, TP]]``, as ``sklearn.metrics.confusion_matrix``.

    The counts are exact where the dtypes allow, as scikit-learn's (which counts in
    int64 or float64):

    * without weights, or with integer (or bool) weights: integer counts in the default
      integer dtype (int64 with ``jax_enable_x64``, else int32), as scikit-learn returns
      int64 for integer ``sample_weight``;
    * with float weights: sums in float64 with ``jax_enable_x64`` (whatever the weights'
      own float dtype), else in float32.

    Without ``jax_enable_x64`` nothing wider than 32 bits exists, so concrete weights
    that are whole numbers are refused when their total is more than the count dtype
    holds exactly (:math:`2^{24}` for float32 sums, :math:`2^{31} - 1` for int32
    counts): such counts would come out rounded (4294967296 for 4294967295) or wrapped.
    The message says to enable ``jax_enable_x64`` (or to pass integer weights). Traced
    weights cannot be checked: beyond those totals the 32-bit counts round (float) or
    wrap (int) there.

    Args:
      y_true: integer labels in ``[0, C)``, shape ``(n,)``.
      y_pred: integer labels in ``[0, C)``, shape ``(n,)``; float labels are refused
        (``.astype(int)`` for whole numbers; threshold or ``argmax`` probabilities).
      weights: optional non-negative weights, shape ``(n,)``.
      num_classes: ``C`` (static); inferred as ``max(label) + 1`` from concrete labels.

    Returns:
      Shape ``(C, C)``: integer counts without weights or with integer weights, float
      sums of weights with float weights.

    Example:
      >>> confusion_matrix(jnp.array([0, 1, 1]), jnp.array([0, 1, 0]))
      Array([[1, 0],
             [1, 1]], dtype=int32)
      >>> y_true, y_pred = jnp.array([0, 1, 1]), jnp.array([0, 1, 0])
      >>> confusion_matrix(y_true, y_pred, weights=jnp.array([2, 1, 5]))
      Array([[2, 0],
             [5, 1]], dtype=int32)
    """
    where = "confusion_matrix"
    y_true, y_pred = _as_labels("y_true", y_true, where), _as_labels("y_pred", y_pred, where)
    _check_label_pair(y_true, y_pred, where)
    n = y_true.shape[0]
    count_dtype = _count_dtype(weights, where)
    if weights is not None and is_concrete(weights):
        # Before check_sample_weights converts them: int64 weights would wrap to int32 there.
        _check_exact_counts(weights, n, count_dtype, where)
    checked = check_sample_weights(weights, n, where)
    _check_class_labels(y_true, y_pred, checked, where)
    _check_integer_labels(y_true, y_pred, where)
    num_classes = _num_classes(y_true, y_pred, checked, num_classes, where)
    if checked is None:
        return _confusion(y_true, y_pred, None, num_classes, count_dtype)
    if jnp.issubdtype(count_dtype, jnp.integer):
        # The weights themselves, not their float copy (2**31 - 1 is not a float32).
        counted = jnp.asarray(weights).astype(count_dtype)
    else:
        counted = checked.astype(count_dtype)
    return _confusion(y_true, y_pred, counted, num_classes, count_dtype)


def _count_dtype(weights, where: str):
    """The dtype :func:`confusion_matrix` counts in: the widest integer, or for float weights the widest float."""
    if weights is None:
        return jnp.dtype(jnp.result_type(int))
    dtype = getattr(weights, "dtype", None)
    if dtype is None:
        if isinstance(weights, (str, bytes)):
            raise TypeError(f"{where}: weights must be an array of numbers, got {type(weights).__name__}")
        dtype = np.asarray(weights).dtype
    if np.dtype(dtype).kind in "biu":
        return jnp.dtype(jnp.result_type(int))
    return jnp.dtype(jax.dtypes.canonicalize_dtype(jnp.float64))


def _check_exact_counts(weights, n: int, count_dtype, where: str) -> None:
    """Refuses concrete whole-number weights whose total ``count_dtype`` cannot hold exactly.

    Looks at the weights as given (int64 or float64 on the host), on the rows of positive
    weight; anything else wrong with them (shape, sign, inf) is left to
    :func:`fnn._validate.check_sample_weights`.
    """
    values = np.asarray(weights)
    if values.shape != (n,) or values.dtype.kind not in "biuf":
        return
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        return
    values = values[values > 0]
    if values.dtype.kind == "f" and not np.all(values == np.round(values)):
        return  # not counts: float sums round as float arithmetic does
    total: float | int = float(np.sum(values, dtype=np.float64))
    if total > 2.0**52:  # near or beyond float64's exact integers: sum them as Python ints
        total = sum(int(v) for v in values)
    if jnp.issubdtype(count_dtype, jnp.integer):
        limit, outcome = int(jnp.iinfo(count_dtype).max), "wrap around"
    else:
        limit, outcome = 2 ** (jnp.finfo(count_dtype).nmant + 1), "be rounded"
    if total <= limit:
        return
    if jax.dtypes.canonicalize_dtype(np.int64) != np.int64:  # 64-bit mode is off
        fix = "enable 64-bit mode with jax.config.update('jax_enable_x64', True) for exact counts"
    elif total <= np.iinfo(np.int64).max:
        fix = "pass them as integers (counted exactly in int64)"
    else:
        fix = "no dtype holds this total; scale the weights down by a common factor"
    raise ValueError(
        f"{where}: the weights are whole numbers summing to {int(total)}, more than {count_dtype} counts "
        f"exactly ({limit}), so the counts would {outcome}; {fix}"
    )


def _one_hot(y: Array, num_classes: int, dtype) -> Array:
    # Labels outside [0, C) give a zero row (never a wrapped index).
    return (y[:, None] == jnp.arange(num_classes, dtype=y.dtype)[None, :]).astype(dtype)


def _confusion(y_true: Array, y_pred: Array, weights: Array | None, num_classes: int, dtype=None) -> Array:
    dtype = _float_dtype(weights) if dtype is None else dtype
    true_hot = _one_hot(y_true, num_classes, dtype)
    pred_hot = _one_hot(y_pred, num_classes, dtype)
    if weights is not None:
        # One-hot rows are 0/1, so weighting them by the kept weights is exact.
        pred_hot = kept_weights(weights.astype(dtype))[:, None] * pred_hot
    # Sums of 0/1 products (or of weights), accumulated in `dtype`: exact for integers, and
    # for whole-number weights while the total stays within the float's integers.
    return jnp.matmul(true_hot.T, pred_hot, precision="highest")


def _counts(where, y_true, y_pred, weights, average, pos_label, num_classes):
    """Checked weights, the traced-label flag and per-class (TP, FP, FN, TN, present, support), each ``(k,)``.

    ``k`` is 1 for ``average="binary"``; the flag is :func:`_check_class_labels`'s.
    """
    if average not in _AVERAGES:
        raise ValueError(f"{where}: average must be one of {list(_AVERAGES)}, got {average!r}")
    y_true, y_pred = _as_labels("y_true", y_true, where), _as_labels("y_pred", y_pred, where)
    _check_label_pair(y_true, y_pred, where)
    n = y_true.shape[0]
    weights = check_sample_weights(weights, n, where)
    invalid = _check_class_labels(y_true, y_pred, weights, where)
    dtype = _float_dtype(weights)

    if average == "binary":
        if is_concrete(y_true) and is_concrete(y_pred):
            rows = checked_rows(weights, n)
            present = np.unique(np.concatenate([np.asarray(y_true)[rows], np.asarray(y_pred)[rows]]))
            if present.size > 2:
                raise ValueError(
                    f"{where}: average='binary' needs at most two labels, got {present.size} "
                    f"({present[:5]}); choose average='macro', 'micro' or 'weighted'"
                )
            if present.size == 2 and pos_label not in present:
                raise ValueError(f"{where}: pos_label={pos_label!r} is not one of the labels {present.tolist()}")
        true_pos = (y_true == pos_label).astype(dtype)
        pred_pos = (y_pred == pos_label).astype(dtype)
        tp = weighted_sum(true_pos * pred_pos, weights)
        fp = weighted_sum((1 - true_pos) * pred_pos, weights)
        fn = weighted_sum(true_pos * (1 - pred_pos), weights)
        tn = weighted_sum((1 - true_pos) * (1 - pred_pos), weights)
        one = jnp.ones((1,), bool)
        return weights, invalid, (tp[None], fp[None], fn[None], tn[None], one, (tp + fn)[None])

    _check_integer_labels(y_true, y_pred, where)
    num_classes = _num_classes(y_true, y_pred, weights, num_classes, where)
    matrix = _confusion(y_true, y_pred, weights, num_classes)
    tp = jnp.diagonal(matrix)
    predicted = jnp.sum(matrix, axis=0)
    support = jnp.sum(matrix, axis=1)
    fp, fn = predicted - tp, support - tp
    tn = jnp.sum(matrix) - tp - fp - fn
    # Classes present among the rows that count: scikit-learn's union of labels.
    seen = weighted_sum(_one_hot(y_true, num_classes, dtype) + _one_hot(y_pred, num_classes, dtype), weights)
    return weights, invalid, (tp, fp, fn, tn, seen > 0, support)


def _divide(numerator: Array, denominator: Array, zero_division: float) -> Array:
    undefined = denominator == 0
    safe = jnp.where(undefined, jnp.ones_like(denominator), denominator)
    return jnp.where(undefined, jnp.full_like(numerator, zero_division), numerator / safe)


def _score(where, y_true, y_pred, weights, average, pos_label, num_classes, zero_division, ratio):
    zero_division = _check_zero_division(zero_division, where)
    weights, invalid, (tp, fp, fn, tn, present, support) = _counts(
        where, y_true, y_pred, weights, average, pos_label, num_classes
    )
    # An empty fold's counts are all 0, which zero_division would turn into a plausible score.
    score = nan_if_none_kept(_average(tp, fp, fn, tn, present, support, average, zero_division, ratio), weights)
    return _nan_if(score, invalid)


def _average(tp, fp, fn, tn, present, support, average, zero_division, ratio):
    if average == "micro":
        mask = present.astype(tp.dtype)
        tp, fp, fn, tn = (jnp.sum(mask * c, keepdims=True) for c in (tp, fp, fn, tn))
    numerator, denominator = ratio(tp, fp, fn, tn)
    per_class = _divide(numerator, denominator, zero_division)
    if average is None:
        return per_class
    if average in ("binary", "micro"):
        return per_class[0]
    # A weighted mean over classes by the same rule as over rows: absent classes and
    # NaN (zero_division=nan) ones get weight 0 and are skipped, as scikit-learn's
    # _nanaverage does; no class left gives NaN.
    valid = present & ~jnp.isnan(per_class)
    uniform = valid.astype(per_class.dtype)
    if average == "macro":
        class_weights = uniform
    else:
        class_weights = jnp.where(valid, support, jnp.zeros_like(support))
        # All supports zero: scikit-learn falls back to the unweighted mean.
        class_weights = jnp.where(jnp.sum(class_weights) > 0, class_weights, uniform)
    return weighted_mean(per_class, class_weights)


def _classification_doc(name: str, formula: str, extra: str = "") -> str:
    return rf"""{name}.

    .. math:: {formula}

    {extra}See the module docstring for ``average``, ``num_classes`` and ``zero_division``.

    Args:
      y_true: true labels, shape ``(n,)``.
      y_pred: predicted labels, shape ``(n,)``.
      weights: optional non-negative weights, shape ``(n,)``.
      average: ``"binary"`` (default), ``"macro"``, ``"micro"``, ``"weighted"`` or None.
      pos_label: the positive class for ``average="binary"`` (ignored otherwise).
      num_classes: number of classes ``C`` (static) for the other averages.
      zero_division: value where the ratio is 0/0: 0.0 (default), 1.0 or nan.

    Returns:
      A scalar, or shape ``(C,)`` for ``average=None``.
    """


def precision(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    average: str | None = "binary",
    pos_label=1,
    num_classes: int | None = None,
    zero_division: float = 0.0,
) -> Array:
    return _score(
        "precision",
        y_true,
        y_pred,
        weights,
        average,
        pos_label,
        num_classes,
        zero_division,
        lambda tp, fp, fn, tn: (tp, tp + fp),
    )


def recall(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    average: str | None = "binary",
    pos_label=1,
    num_classes: int | None = None,
    zero_division: float = 0.0,
) -> Array:
    return _score(
        "recall",
        y_true,
        y_pred,
        weights,
        average,
        pos_label,
        num_classes,
        zero_division,
        lambda tp, fp, fn, tn: (tp, tp + fn),
    )


def specificity(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    average: str | None = "binary",
    pos_label=1,
    num_classes: int | None = None,
    zero_division: float = 0.0,
) -> Array:
    return _score(
        "specificity",
        y_true,
        y_pred,
        weights,
        average,
        pos_label,
        num_classes,
        zero_division,
        lambda tp, fp, fn, tn: (tn, tn + fp),
    )


def f1_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    average: str | None = "binary",
    pos_label=1,
    num_classes: int | None = None,
    zero_division: float = 0.0,
) -> Array:
    return _score(
        "f1_score",
        y_true,
        y_pred,
        weights,
        average,
        pos_label,
        num_classes,
        zero_division,
        lambda tp, fp, fn, tn: (2 * tp, 2 * tp + fp + fn),
    )


precision.__doc__ = _classification_doc(
    "Precision: of the examples predicted positive, the fraction that are",
    r"\mathrm{precision} = \frac{TP}{TP + FP}",
    "Example: ``precision(jnp.array([0, 1, 1]), jnp.array([1, 1, 0]))`` is 0.5.\n\n    ",
)
recall.__doc__ = _classification_doc(
    "Recall (sensitivity): of the positive examples, the fraction predicted positive",
    r"\mathrm{recall} = \frac{TP}{TP + FN}",
    "Example: ``recall(jnp.array([0, 1, 1]), jnp.array([1, 1, 0]))`` is 0.5.\n\n    ",
)
specificity.__doc__ = _classification_doc(
    "Specificity: of the negative examples, the fraction predicted negative",
    r"\mathrm{specificity} = \frac{TN}{TN + FP}",
    "The recall of the negative class; scikit-learn has no function for it.\n"
    "    Example: ``specificity(jnp.array([0, 0, 1]), jnp.array([1, 0, 1]))`` is 0.5.\n\n    ",
)
f1_score.__doc__ = _classification_doc(
    "F1 score: the harmonic mean of precision and recall, useful under class imbalance",
    r"F_1 = \frac{2\,\mathrm{precision}\cdot\mathrm{recall}}{\mathrm{precision} + \mathrm{recall}}"
    r" = \frac{2TP}{2TP + FP + FN}",
    "Example: ``f1_score(jnp.array([0, 1, 1]), jnp.array([1, 1, 0]))`` is 0.5.\n\n    ",
)


# --------------------------------------------------------------------------- regression


def _regression_inputs(where: str, y_true, y_pred, weights) -> tuple[Array, Array, Array | None]:
    y_true = as_float_array("y_true", y_true, where)
    y_pred = as_float_array("y_pred", y_pred, where)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{where}: y_true and y_pred must have the same shape, got {y_true.shape} and "
            f"{y_pred.shape}; reshape one of them (e.g. y.reshape(-1) for an (n, 1) column)"
        )
    if y_true.ndim not in (1, 2):
        raise ValueError(f"{where}: y_true and y_pred must have shape (n,) or (n, d), got {y_true.shape}")
    check_not_empty(y_true.shape, where)
    weights = check_sample_weights(weights, y_true.shape[0], where)
    if weights is not None:
        # Dropped rows become 0 before any arithmetic, so an inf or NaN there cannot
        # reach a gradient (0 times an infinite derivative is NaN).
        keep = kept(weights)
        y_true, y_pred = where_kept(y_true, keep), where_kept(y_pred, keep)
    return y_true, y_pred, weights


def mse(y_true: ArrayLike, y_pred: ArrayLike, *, weights: ArrayLike | None = None) -> Array:
    r"""Mean squared error :math:`\frac{\sum_i w_i (y_i - \hat y_i)^2}{\sum_i w_i}`.

    Averaged uniformly over outputs for ``(n, d)`` inputs (``sklearn.metrics.mean_squared_error``).

    Args:
      y_true: true values, shape ``(n,)`` or ``(n, d)``.
      y_pred: predictions, the same shape.
      weights: optional non-negative weights, shape ``(n,)``.

    Returns:
      A scalar.

    Example:
      >>> mse(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0]))
      Array(2., dtype=float32)
    """
    y_true, y_pred, weights = _regression_inputs("mse", y_true, y_pred, weights)
    return jnp.mean(weighted_mean(jnp.square(y_true - y_pred), weights))


def mae(y_true: ArrayLike, y_pred: ArrayLike, *, weights: ArrayLike | None = None) -> Array:
    r"""Mean absolute error :math:`\frac{\sum_i w_i |y_i - \hat y_i|}{\sum_i w_i}`.

    Averaged uniformly over outputs for ``(n, d)`` inputs (``sklearn.metrics.mean_absolute_error``).

    Args:
      y_true: true values, shape ``(n,)`` or ``(n, d)``.
      y_pred: predictions, the same shape.
      weights: optional non-negative weights, shape ``(n,)``.

    Returns:
      A scalar.

    Example:
      >>> mae(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0]))
      Array(1., dtype=float32)
    """
    y_true, y_pred, weights = _regression_inputs("mae", y_true, y_pred, weights)
    return jnp.mean(weighted_mean(jnp.abs(y_true - y_pred), weights))


def mape(y_true: ArrayLike, y_pred: ArrayLike, *, weights: ArrayLike | None = None) -> Array:
    r"""Mean absolute percentage error, as a fraction (not multiplied by 100).

    .. math:: \mathrm{MAPE} = \frac{\sum_i w_i\, |y_i - \hat y_i| / \max(|y_i|, \epsilon)}{\sum_i w_i}

    with :math:`\epsilon` the float64 machine epsilon (:math:`2.2\times10^{-16}`),
    exactly as ``sklearn.metrics.mean_absolute_percentage_error``: 0.1 means 10 %,
    and a true value of 0 gives a huge (not infinite) error. Averaged uniformly
    over outputs for ``(n, d)`` inputs.

    Args:
      y_true: true values, shape ``(n,)`` or ``(n, d)``.
      y_pred: predictions, the same shape.
      weights: optional non-negative weights, shape ``(n,)``.

    Returns:
      A scalar.

    Example:
      >>> mape(jnp.array([100.0, 200.0]), jnp.array([110.0, 180.0]))
      Array(0.1, dtype=float32)
    """
    y_true, y_pred, weights = _regression_inputs("mape", y_true, y_pred, weights)
    epsilon = jnp.asarray(np.finfo(np.float64).eps, y_true.dtype)
    relative = jnp.abs(y_pred - y_true) / jnp.maximum(jnp.abs(y_true), epsilon)
    return jnp.mean(weighted_mean(relative, weights))


def r2_score(y_true: ArrayLike, y_pred: ArrayLike, *, weights: ArrayLike | None = None) -> Array:
    r"""Coefficient of determination, :math:`R^2`.

    .. math:: R^2 = 1 - \frac{\sum_i w_i (y_i - \hat y_i)^2}{\sum_i w_i (y_i - \bar y)^2}

    :math:`\bar y` is the weighted mean of ``y_true``. As scikit-learn's
    ``r2_score`` (``force_finite=True``): 1 for a perfect prediction, and 0
    (instead of :math:`-\infty`) when ``y_true`` is constant over two or more rows
    but the prediction is not. Averaged uniformly over outputs for ``(n, d)`` inputs.

    :math:`R^2` of a single row is undefined (its variance is 0 whatever it holds, so
    force_finite would report a plausible 0 or 1). Fewer than two rows that count
    (rows of positive weight) raise a ``ValueError`` when the weights are concrete; under
    tracing (a leave-one-out fold's mask) the score is NaN, as scikit-learn's ``r2_score``
    of one sample, never 0. Score leave-one-out with a per-row metric (``mse``, ``mae``)
    or pool the held-out predictions of all folds and score them once.

    Args:
      y_true: true values, shape ``(n,)`` or ``(n, d)``, with at least two rows of positive weight.
      y_pred: predictions, the same shape.
      weights: optional non-negative weights, shape ``(n,)``.

    Returns:
      A scalar, at most 1.

    Example:
      >>> r2_score(jnp.array([1.0, 2.0, 3.0]), jnp.array([1.0, 2.0, 4.0]))
      Array(0.5, dtype=float32)
    """
    where = "r2_score"
    y_true, y_pred, weights = _regression_inputs(where, y_true, y_pred, weights)
    rows = int(np.sum(checked_rows(weights, y_true.shape[0])))
    if rows < 2:
        counted = "" if weights is None else " of positive weight"
        raise ValueError(
            f"{where}: R^2 needs at least two examples{counted}, got {rows}: the R^2 of one example is "
            f"undefined; score a single example with mse or mae, or pool held-out predictions before scoring"
        )
    # Both sums of squares divided by the total weight: their ratio, and whether either is 0,
    # are unchanged, and the mean and variance of no kept row are NaN by the shared rule.
    numerator = weighted_mean(jnp.square(y_true - y_pred), weights)
    _, denominator = weighted_variance(y_true, weights)
    safe = jnp.where(denominator != 0, denominator, jnp.ones_like(denominator))
    scores = jnp.where(
        numerator == 0,
        jnp.ones_like(numerator),
        jnp.where(denominator == 0, jnp.zeros_like(numerator), 1 - numerator / safe),
    )
    score = jnp.mean(scores)
    if weights is None or is_concrete(weights):
        return score  # at least two rows count: checked above
    # Traced weights: one kept row would score 0 or 1 through force_finite; it is undefined.
    two_or_more = jnp.sum(kept(weights)) >= 2
    return jnp.where(two_or_more, score, jnp.full_like(score, jnp.nan))
