r"""The one rule for rows of weight 0, used by every weighted computation in fnn.

Cross-validation rests on it: a fold is a weight vector over the whole data set, 1 on
the fold's rows and 0 elsewhere, so everything that takes ``weights`` (losses,
metrics, :func:`fnn.train.fit`, :func:`fnn.backprop.gradients`, the linear models,
:func:`fnn.datasets.standardize`) must treat a row of weight 0 exactly as if it were
not there.

The rule:

* A row whose weight is not positive (0, or, under tracing where values cannot be
  checked, negative or NaN) is *dropped*: it never changes a value or a gradient,
  even when it holds ``inf`` or ``NaN``. Rows are dropped by selection
  (``jnp.where``), never by multiplying with 0, because ``0 * inf`` and ``0 * nan``
  are NaN, in the value and in the gradient.
* The weighted mean is :math:`\sum_i w_i v_i / \sum_i w_i` over the kept rows.
* With no kept row at all (all-zero weights, which concrete weights may not be
  but a traced fold mask may), the weighted mean is NaN (there is nothing to
  average) and its gradient is 0; a weighted sum is 0. A score of an empty fold is
  therefore NaN, never a plausible (or perfect) number, and an empty batch changes
  no parameter.
* Checks of values on the host (finite inputs, probabilities in [0, 1], labels in
  range) look only at the kept rows when the weights are concrete
  (:func:`checked_rows`): a dropped row is not there, so it cannot be wrong.

Gradients: selecting after computing a row's value keeps that value out of the
result, but the gradient of a dropped row's value is still *multiplied* by 0 on
the way back, which gives NaN if the row's value (or its derivative) is not
finite. Functions whose inputs may hold such rows first replace the dropped rows
of their *inputs* with a harmless constant (:func:`where_kept`), then compute.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from fnn._types import Array
from fnn._validate import is_concrete

__all__ = [
    "checked_rows",
    "kept",
    "kept_weights",
    "nan_if_none_kept",
    "normalized_weights",
    "total_weight",
    "weighted",
    "weighted_mean",
    "weighted_sum",
    "weighted_variance",
    "where_kept",
]


def kept(weights: Array) -> Array:
    """``(n,)`` bool: the rows that count, those of positive weight."""
    return weights > 0


def where_kept(a: Array, keep: Array, fill: float | Array = 0.0) -> Array:
    """``a`` with every row where ``keep`` is False replaced by ``fill`` (selected, not multiplied).

    The dropped rows of ``a`` receive a zero gradient.

    Args:
      a: ``(n, ...)`` values, one row per example.
      keep: ``(n,)`` bool, from :func:`kept`.
      fill: the value dropped rows take; it must give a finite value and gradient
        in whatever is computed from ``a`` next.
    """
    k = keep.reshape(keep.shape + (1,) * (a.ndim - 1))
    return jnp.where(k, a, jnp.asarray(fill, a.dtype))


def kept_weights(weights: Array) -> Array:
    """``weights`` with every dropped row (not positive, NaN included) exactly 0."""
    return where_kept(weights, kept(weights))


def total_weight(weights: Array) -> Array:
    r""":math:`\sum_i w_i` over the kept rows: 0 when none is kept, never negative or NaN."""
    return jnp.sum(kept_weights(weights))


def _broadcast_rows(w: Array, ndim: int) -> Array:
    return w.reshape(w.shape + (1,) * (ndim - 1))


def weighted(values: Array, weights: Array | None) -> Array:
    r"""Per row :math:`w_i v_i` on the kept rows and exactly 0 on the dropped ones; ``values.shape``.

    ``weights=None`` returns ``values``. A dropped row's ``values`` receive a zero
    gradient, even where they are inf or NaN.
    """
    if weights is None:
        return values
    keep = kept(weights)
    w = where_kept(weights, keep).astype(jnp.result_type(values.dtype, weights.dtype))
    return _broadcast_rows(w, values.ndim) * where_kept(values, keep)


def weighted_sum(values: Array, weights: Array | None) -> Array:
    r""":math:`\sum_i w_i v_i` over the kept rows (the leading axis); ``(...)`` for ``(n, ...)`` values.

    ``weights=None`` is the plain sum. A dropped row contributes exactly 0, and its
    ``values`` row receives a zero gradient, even where it is inf or NaN. The sum of
    no kept row is 0.
    """
    return jnp.sum(weighted(values, weights), axis=0)


def nan_if_none_kept(value: Array, weights: Array | None) -> Array:
    """``value`` where some row is kept, NaN (with a zero gradient into ``value``) where none is.

    For a statistic that is not a plain weighted mean (a ratio of weighted counts, a
    score): an empty fold must score NaN whatever the formula would give on no rows.
    """
    if weights is None:
        return value
    return jnp.where(total_weight(weights) > 0, value, jnp.full_like(value, jnp.nan))


def weighted_mean(values: Array, weights: Array | None) -> Array:
    r""":math:`\sum_i w_i v_i / \sum_i w_i` over the kept rows (the leading axis).

    ``weights=None`` is the plain mean. NaN (with a zero gradient) when no row is
    kept; see the module docstring for the rule.

    Args:
      values: ``(n, ...)`` one value (or row of values) per example.
      weights: ``(n,)`` non-negative weights, or None.

    Returns:
      ``values.shape[1:]``: the weighted mean of each column.

    Example:
      >>> weighted_mean(jnp.array([1.0, jnp.inf, 3.0]), jnp.array([1.0, 0.0, 3.0]))
      Array(2.5, dtype=float32)
      >>> weighted_mean(jnp.array([1.0, 2.0]), jnp.zeros(2))
      Array(nan, dtype=float32)
    """
    if weights is None:
        return jnp.mean(values, axis=0)
    total = total_weight(weights).astype(jnp.result_type(values.dtype, weights.dtype))
    some = total > 0
    mean = weighted_sum(values, weights) / jnp.where(some, total, jnp.ones_like(total))
    return jnp.where(some, mean, jnp.full_like(mean, jnp.nan))


def normalized_weights(weights: Array) -> Array:
    r"""``(n,)``: :math:`w_i / \sum_j w_j` on the kept rows, 0 on the dropped ones, all 0 when none is kept.

    The derivative of :func:`weighted_mean` with respect to each row's value, for
    hand-derived gradients (:math:`\nabla \bar v = \sum_i a_i \nabla v_i`): with no
    kept row the mean is NaN and its gradient 0, and so is every :math:`a_i`.
    """
    w = kept_weights(weights)
    total = jnp.sum(w)
    return w / jnp.where(total > 0, total, jnp.ones_like(total))


def weighted_variance(values: Array, weights: Array | None) -> tuple[Array, Array]:
    r"""``(mean, variance)`` of each column over the kept rows; the population variance.

    .. math:: \bar v = \frac{\sum_i w_i v_i}{\sum_i w_i}, \qquad
              s^2 = \frac{\sum_i w_i (v_i - \bar v)^2}{\sum_i w_i}

    Both are NaN (with a zero gradient) when no row is kept. The dropped rows are
    replaced by 0 before centring, and an empty mean by 0, so neither an inf in a
    dropped row nor the NaN mean of an empty fold reaches a gradient through the
    square.

    Returns:
      ``(mean, variance)``, each ``values.shape[1:]``.
    """
    if weights is None:
        mean = jnp.mean(values, axis=0)
        return mean, jnp.mean(jnp.square(values - mean[None]), axis=0)
    keep = kept(weights)
    values = where_kept(values, keep)
    mean = weighted_mean(values, weights)
    centre = jnp.where(jnp.any(keep), mean, jnp.zeros_like(mean))
    return mean, weighted_mean(jnp.square(values - centre[None]), weights)


def checked_rows(weights, n: int) -> np.ndarray:
    """Host side: ``(n,)`` bool, the rows whose values a boundary check must look at.

    The kept rows when ``weights`` are concrete; every row when they are None
    (all rows count) or traced (which rows count is unknown before running).
    """
    if weights is None or not is_concrete(weights):
        return np.ones((n,), bool)
    return np.asarray(weights) > 0
