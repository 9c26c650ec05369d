r"""Loss functions of the course, weighted and reduced over examples.

Every loss has the signature ``loss(predictions, targets, *, weights=None,
reduction="mean")``. The leading axis of ``predictions`` indexes the :math:`n`
examples; each loss first computes one value :math:`\ell_i` per example (shape
``(n,)``) and then reduces:

=================  ==========================================================
``reduction``      result
=================  ==========================================================
``"mean"``         :math:`\frac{1}{n}\sum_i \ell_i`, or with ``weights``
                   :math:`\sum_i w_i \ell_i / \sum_i w_i` (a scalar)
``"sum"``          :math:`\sum_i w_i \ell_i` (:math:`w_i = 1` without weights)
``"none"``         the per-example losses :math:`w_i \ell_i`, shape ``(n,)``
=================  ==========================================================

When an example has several outputs (``predictions`` of shape ``(n, d)`` or
``(n, d1, d2, ...)``, e.g. multi-output regression or multi-label
classification), :math:`\ell_i` is the *mean* over that example's outputs. The
unweighted ``"mean"`` is then the mean over all elements, which is what
``optax`` (``jnp.mean`` of the element-wise loss) and ``torch``
(``reduction="mean"``) return.

Weights are one non-negative number per example, shape ``(n,)``. A weight of 0
removes the example completely, value and gradient, even where its predictions or
targets are ``inf`` or ``NaN``: ``loss(p, t, weights=w)`` with ``w[i] = 0`` equals
the loss with row ``i`` deleted, and its ``"none"`` entry is 0. So a
cross-validation fold is just a 0/1 weight vector over the whole data set, and the
weighted mean over the fold's rows is ``loss(..., weights=fold_mask)``. Weights may
be traced (``jit``/``vmap`` over a ``(K, n)`` matrix of fold masks compiles once).
Their values are checked only when they are concrete: negative, non-finite or
all-zero weights raise. Under tracing a row whose weight is not positive
(negative or NaN included) is dropped, and all-zero weights give a ``"mean"`` of
NaN with a zero gradient (a ``"sum"`` of 0): the mean of no rows is undefined, and
an empty fold must never look like a perfect score of 0. The rule is written once,
in ``fnn._masked``, and shared by :mod:`fnn.metrics`, :mod:`fnn.train`,
:mod:`fnn.linear` and :func:`fnn.datasets.standardize`.

Shapes, dtypes and the reduction are always checked before any arithmetic:
``(n,)`` against ``(n, 1)`` raises instead of broadcasting to ``(n, n)``. Empty
inputs (no example, or examples with no value) raise a ``ValueError`` in every loss
and every reduction, as in :mod:`fnn.metrics`: a mean over no examples is undefined.

Values that no example of a loss can hold are refused when concrete, on the rows of
positive weight: probabilities outside :math:`[0, 1]` (:func:`binary_cross_entropy`),
binary targets outside :math:`[0, 1]` (both binary cross-entropies; :math:`\{-1, 1\}`
labels map to :math:`\{0, 1\}` with ``(y + 1) / 2``), class labels outside
``[0, C)`` (:func:`cross_entropy`). Under ``jit`` they cannot be checked before
running; such an example's loss is then NaN (so the mean is NaN), never a plausible
number.

Reference: the course's table — regression: linear output + MSE (or MAE, robust
to outliers); binary: sigmoid + binary cross-entropy; multi-class: softmax +
cross-entropy; multi-label: sigmoid + binary cross-entropy.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from fnn._masked import checked_rows, kept, weighted, weighted_mean, weighted_sum, where_kept
from fnn._numerics import clamped_log, softplus
from fnn._types import Array, ArrayLike
from fnn._validate import as_float_array, check_not_empty, check_sample_weights, is_concrete
from fnn.activations import log_softmax

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "mae",
    "mse",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


_REDUCTIONS = ("mean", "sum", "none")

# --------------------------------------------------------------------------- checks


def _check_reduction(reduction, where: str) -> None:
    if not isinstance(reduction, str):
        raise TypeError(f"{where}: reduction must be one of {list(_REDUCTIONS)}, got {type(reduction).__name__}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {list(_REDUCTIONS)}, got {reduction!r}")


def _check_batched(predictions: Array, where: str) -> None:
    if predictions.ndim == 0:
        raise ValueError(
            f"{where}: predictions must have a leading axis of examples, shape (n,) or (n, ...), "
            f"got a scalar; wrap a single example as x[None]"
        )


def _check_same_shape(predictions: Array, targets: Array, where: str) -> None:
    # Checked before any subtraction: (n,) against (n, 1) would silently broadcast to (n, n).
    if predictions.shape != targets.shape:
        hint = ""
        if predictions.size == targets.size:
            hint = f"; reshape one of them, e.g. targets.reshape({predictions.shape})"
        raise ValueError(
            f"{where}: predictions and targets must have the same shape, "
            f"got {predictions.shape} and {targets.shape}{hint}"
        )


def _reduce(per_example: Array, weights: Array | None, reduction: str) -> Array:
    if weights is None:
        if reduction == "mean":
            return jnp.mean(per_example)
        if reduction == "sum":
            return jnp.sum(per_example)
        return per_example
    if reduction == "none":
        return weighted(per_example, weights)
    if reduction == "sum":
        return weighted_sum(per_example, weights)
    return weighted_mean(per_example, weights)


def _reduce_elementwise(elementwise: Array, weights: Array | None, reduction: str) -> Array:
    """Per-example mean over the output axes, then :func:`_reduce` over examples."""
    if weights is None and reduction == "mean":
        # Every example has the same number of outputs, so the mean of per-example means
        # is the mean over all elements: one reduction instead of two.
        return jnp.mean(elementwise)
    return _reduce(_mean_per_example(elementwise), weights, reduction)


def _drop_rows(weights: Array | None, *arrays_and_fills: tuple[Array, float]) -> tuple[Array, ...]:
    """Each array with the rows of weight 0 replaced by its harmless fill (unchanged without weights).

    Selecting the loss of a dropped row after computing it keeps it out of the value,
    but not out of the gradient (0 times an infinite derivative is NaN); a dropped row
    computed from the fill has a finite loss and derivative.
    """
    if weights is None:
        return tuple(a for a, _ in arrays_and_fills)
    keep = kept(weights)
    return tuple(where_kept(a, keep, fill) for a, fill in arrays_and_fills)


def _mean_per_example(elementwise: Array) -> Array:
    if elementwise.ndim == 1:
        return elementwise
    return jnp.mean(elementwise, axis=tuple(range(1, elementwise.ndim)))


def _prepare(where: str, predictions, targets, weights, reduction) -> tuple[Array, Array, Array | None]:
    _check_reduction(reduction, where)
    predictions = as_float_array("predictions", predictions, where)
    targets = as_float_array("targets", targets, where)
    _check_batched(predictions, where)
    _check_same_shape(predictions, targets, where)
    check_not_empty(predictions.shape, where)
    weights = check_sample_weights(weights, predictions.shape[0], where)
    return predictions, targets, weights


def _check_unit_interval(where: str, name: str, values: Array, weights: Array | None, fix: str) -> None:
    """Concrete ``values`` on the rows of positive weight must lie in [0, 1] (NaN passes: it shows in the loss)."""
    if not is_concrete(values):
        return
    # Only the rows that count: a dropped row may hold anything, inf or NaN included.
    rows = np.asarray(values)[checked_rows(weights, values.shape[0])]
    outside = (rows < 0) | (rows > 1)
    if np.any(outside):
        raise ValueError(f"{where}: {name} must lie in [0, 1], got values such as {rows[outside][:3]}; {fix}")


_TARGETS_FIX = "binary targets are labels 0 and 1 (or soft labels in between); map labels in {-1, 1} with (y + 1) / 2"


def _nan_outside_unit_interval(elementwise: Array, *arrays: Array) -> Array:
    """``elementwise`` with NaN wherever one of ``arrays`` lies outside [0, 1].

    What the host check refuses when the values are concrete, flagged when they are
    traced. Dropped rows were replaced by in-range fills before, so only kept rows can be
    flagged; the NaN is selected, so the flagged elements pass no gradient.
    """
    outside = functools.reduce(jnp.logical_or, [(a < 0) | (a > 1) for a in arrays])
    return jnp.where(outside, jnp.full_like(elementwise, jnp.nan), elementwise)


# --------------------------------------------------------------------------- regression


def mae(
    predictions: ArrayLike, targets: ArrayLike, *, weights: ArrayLike | None = None, reduction: str = "mean"
) -> Array:
    r"""Mean absolute error :math:`\frac{1}{n}\sum_i |\hat y_i - y_i|`, robust to outliers.

    For outputs of shape ``(n, d)`` the per-example loss is
    :math:`\ell_i = \frac{1}{d}\sum_j |\hat y_{ij} - y_{ij}|`.

    Args:
      predictions: model outputs, shape ``(n,)`` or ``(n, ...)``.
      targets: true values, the same shape as ``predictions``.
      weights: optional non-negative weights, shape ``(n,)``.
      reduction: ``"mean"`` (weighted mean over examples), ``"sum"`` or ``"none"``.

    Returns:
      A scalar, or shape ``(n,)`` for ``reduction="none"``.

    Example:
      >>> mae(jnp.array([1.0, 2.0, 10.0]), jnp.array([1.0, 3.0, 4.0]))
      Array(2.3333335, dtype=float32)
    """
    predictions, targets, weights = _prepare("mae", predictions, targets, weights, reduction)
    predictions, targets = _drop_rows(weights, (predictions, 0.0), (targets, 0.0))
    return _reduce_elementwise(jnp.abs(predictions - targets), weights, reduction)


def mse(
    predictions: ArrayLike, targets: ArrayLike, *, weights: ArrayLike | None = None, reduction: str = "mean"
) -> Array:
    r"""Mean squared error :math:`\frac{1}{n}\sum_i (\hat y_i - y_i)^2`, sensitive to outliers.

    For outputs of shape ``(n, d)`` the per-example loss is
    :math:`\ell_i = \frac{1}{d}\sum_j (\hat y_{ij} - y_{ij})^2`. Its gradient
    :math:`-\frac{2}{n}\sum_i (y_i - \hat y_i)\,\partial \hat y_i/\partial w` is the
    course's linear-regression gradient.

    Args:
      predictions: model outputs, shape ``(n,)`` or ``(n, ...)``.
      targets: true values, the same shape as ``predictions``.
      weights: optional non-negative weights, shape ``(n,)``.
      reduction: ``"mean"`` (weighted mean over examples), ``"sum"`` or ``"none"``.

    Returns:
      A scalar, or shape ``(n,)`` for ``reduction="none"``.

    Example:
      >>> mse(jnp.array([1.0, 2.0, 10.0]), jnp.array([1.0, 3.0, 4.0]))
      Array(12.333334, dtype=float32)
    """
    predictions, targets, weights = _prepare("mse", predictions, targets, weights, reduction)
    predictions, targets = _drop_rows(weights, (predictions, 0.0), (targets, 0.0))
    return _reduce_elementwise(jnp.square(predictions - targets), weights, reduction)


# --------------------------------------------------------------------------- binary


def binary_cross_entropy(
    predictions: ArrayLike, targets: ArrayLike, *, weights: ArrayLike | None = None, reduction: str = "mean"
) -> Array:
    r"""Binary cross-entropy (log loss) from probabilities.

    .. math::
       \ell_i = -\big[y_i \log p_i + (1 - y_i)\log(1 - p_i)\big]

    averaged over an example's outputs for ``(n, d)`` (multi-label) inputs. Each
    logarithm is clamped at ``-100`` (as ``torch.nn.functional.binary_cross_entropy``
    does), so ``p = 0`` or ``1`` gives a finite loss (0 when it is right, at most
    100 per element when it is wrong) and no NaN. Where the clamp is active (a
    certain, wrong prediction) the gradient is 0, as the clamped function is flat
    there (torch instead returns about :math:`(p - y) / 10^{-12}`). For a sigmoid output prefer
    :func:`binary_cross_entropy_with_logits`, which needs no clamp.

    Args:
      predictions: probabilities in :math:`[0, 1]`, shape ``(n,)`` or ``(n, ...)``
        (checked on the rows of positive weight when concrete: logits here are a
        common mistake; under ``jit`` an example outside gets a NaN loss).
      targets: labels in :math:`\{0, 1\}` (or soft labels in :math:`[0, 1]`), same shape;
        checked as ``predictions`` are. Map :math:`\{-1, 1\}` labels with ``(y + 1) / 2``.
      weights: optional non-negative weights, shape ``(n,)``.
      reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
      A scalar, or shape ``(n,)`` for ``reduction="none"``.

    Example:
      >>> binary_cross_entropy(jnp.array([0.9, 0.2]), jnp.array([1.0, 0.0]))
      Array(0.16425204, dtype=float32)
    """
    where = "binary_cross_entropy"
    predictions, targets, weights = _prepare(where, predictions, targets, weights, reduction)
    _check_unit_interval(
        where,
        "predictions (probabilities)",
        predictions,
        weights,
        "for raw scores (logits) use binary_cross_entropy_with_logits",
    )
    _check_unit_interval(where, "targets", targets, weights, _TARGETS_FIX)
    predictions, targets = _drop_rows(weights, (predictions, 0.5), (targets, 0.0))
    elementwise = -(targets * clamped_log(predictions) + (1.0 - targets) * clamped_log(1.0 - predictions))
    elementwise = _nan_outside_unit_interval(elementwise, predictions, targets)
    return _reduce_elementwise(elementwise, weights, reduction)


def binary_cross_entropy_with_logits(
    predictions: ArrayLike, targets: ArrayLike, *, weights: ArrayLike | None = None, reduction: str = "mean"
) -> Array:
    r"""Binary cross-entropy of ``sigmoid(predictions)``, computed from the logits stably.

    .. math::
       \ell_i = -\big[y_i \log\sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\big]
              = \max(z_i, 0) - y_i z_i + \log\big(1 + e^{-|z_i|}\big)

    The right-hand form never exponentiates a positive number, so logits of
    :math:`\pm 10^4` give exact, finite losses; the gradient is
    :math:`\sigma(z_i) - y_i`.

    Args:
      predictions: logits (real scores), shape ``(n,)`` or ``(n, ...)``.
      targets: labels in :math:`\{0, 1\}` (or soft labels in :math:`[0, 1]`), same shape;
        checked on the rows of positive weight when concrete (under ``jit`` an example
        outside gets a NaN loss). Map :math:`\{-1, 1\}` labels with ``(y + 1) / 2``.
      weights: optional non-negative weights, shape ``(n,)``.
      reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
      A scalar, or shape ``(n,)`` for ``reduction="none"``.

    Example:
      >>> binary_cross_entropy_with_logits(jnp.array([1e4, -1e4]), jnp.array([1.0, 1.0]))
      Array(5000., dtype=float32)
    """
    where = "binary_cross_entropy_with_logits"
    predictions, targets, weights = _prepare(where, predictions, targets, weights, reduction)
    _check_unit_interval(where, "targets", targets, weights, _TARGETS_FIX)
    predictions, targets = _drop_rows(weights, (predictions, 0.0), (targets, 0.0))
    elementwise = softplus(predictions) - targets * predictions
    elementwise = _nan_outside_unit_interval(elementwise, targets)
    return _reduce_elementwise(elementwise, weights, reduction)


# --------------------------------------------------------------------------- multi-class


def cross_entropy(
    predictions: ArrayLike, targets: ArrayLike, *, weights: ArrayLike | None = None, reduction: str = "mean"
) -> Array:
    r"""Softmax cross-entropy from logits: :math:`\ell_i = -\log \mathrm{softmax}(z_i)_{y_i}`.

    With probability (or one-hot) targets :math:`t_i` it is
    :math:`\ell_i = -\sum_c t_{ic} \log \mathrm{softmax}(z_i)_c`; classes with
    :math:`t_{ic} = 0` contribute nothing even where their logit is ``-inf``.
    Uses :func:`fnn.activations.log_softmax`, so logits of :math:`\pm 10^4` are fine.

    Args:
      predictions: logits (scores), shape ``(n, C)``.
      targets: integer class labels in ``[0, C)``, shape ``(n,)``; or one-hot /
        probability targets of shape ``(n, C)``. Labels are range-checked when
        concrete (on the rows of positive weight); under ``jit`` an out-of-range
        label gives a NaN loss for its example (never a silently wrong class),
        unless its weight is 0.
      weights: optional non-negative weights, shape ``(n,)``.
      reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Returns:
      A scalar, or shape ``(n,)`` for ``reduction="none"``.

    Example:
      >>> cross_entropy(jnp.array([[2.0, 0.0, -1.0]]), jnp.array([0]))
      Array(0.16984604, dtype=float32)
    """
    where = "cross_entropy"
    _check_reduction(reduction, where)
    logits = as_float_array("predictions", predictions, where)
    if logits.ndim != 2:
        raise ValueError(
            f"{where}: predictions must be logits of shape (n, C), got shape {logits.shape}"
            + ("; wrap a single example as logits[None]" if logits.ndim == 1 else "")
        )
    check_not_empty(logits.shape, where)
    n, num_classes = logits.shape
    if isinstance(targets, (str, bytes)) or targets is None:
        raise TypeError(f"{where}: targets must be an array, got {type(targets).__name__}")
    targets = jnp.asarray(targets)
    one_hot_form = targets.shape == logits.shape
    if not one_hot_form:
        if targets.shape != (n,):
            raise ValueError(
                f"{where}: targets must be integer labels of shape (n,) = ({n},) or one-hot / "
                f"probability targets of the logits' shape {logits.shape}, got shape {targets.shape}"
            )
        if targets.dtype == jnp.bool_ or not jnp.issubdtype(targets.dtype, jnp.integer):
            raise TypeError(
                f"{where}: targets of shape (n,) = ({n},) must be integer class labels, got dtype "
                f"{targets.dtype}; convert with targets.astype(int), or pass one-hot targets of "
                f"shape {logits.shape}"
            )
    weights = check_sample_weights(weights, n, where)
    if not one_hot_form and is_concrete(targets):
        labels = np.asarray(targets)[checked_rows(weights, n)]
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"{where}: labels must lie in [0, {num_classes}) for logits with {num_classes} "
                f"classes, got labels from {labels.min()} to {labels.max()}"
            )

    if one_hot_form:
        targets = as_float_array("targets", targets, where)
    # A dropped row becomes logits 0 and label 0 (or an all-zero target row): finite.
    logits, targets = _drop_rows(weights, (logits, 0.0), (targets, 0))
    log_probs = log_softmax(logits, axis=-1)
    if one_hot_form:
        terms = jnp.where(targets != 0, targets * log_probs, jnp.zeros_like(log_probs))
        per_example = -jnp.sum(terms, axis=-1)
    else:
        # Out-of-range labels can only reach here traced: mark them NaN rather than
        # letting the gather clamp or wrap them to some other class.
        valid = (targets >= 0) & (targets < num_classes)
        safe_labels = jnp.where(valid, targets, jnp.zeros_like(targets))
        picked = jnp.take_along_axis(log_probs, safe_labels[:, None], axis=-1)[:, 0]
        per_example = jnp.where(valid, -picked, jnp.full_like(picked, jnp.nan))
    return _reduce(per_example, weights, reduction)
