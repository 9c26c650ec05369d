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
  therefore NaN, never a plausible number, and an empty batch changes no parameter.

Gradients: selecting after computing a row's value keeps that value out of the
result, but the gradient of a dropped row's value is still *multiplied* by 0 on
the way back, which gives NaN if the row's value (or its derivative) is not
finite. Functions whose inputs may hold such rows first replace the dropped rows
of their *inputs* with a harmless constant (:func:`where_kept`), then compute.
"""

from __future__ import annotations

import jax.numpy as jnp

from fnn._types import Array

__all__ = ["kept", "weighted_mean", "weighted_sum", "where_kept"]


def kept(weights: Array) -> Array:
    """``(n,)`` bool: the rows that count, those of positive weight."""
    return weights > 0


def where_kept(a: Array, keep: Array, fill: float | Array = 0.0) -> Array:
    """``a`` with every row where ``keep`` is False replaced by ``fill`` (selected, not multiplied).

    Args:
      a: ``(n, ...)`` values, one row per example.
      keep: ``(n,)`` bool, from :func:`kept`.
      fill: the value dropped rows take; it must give a finite value and gradient
        in whatever is computed from ``a`` next.
    """
    k = keep.reshape(keep.shape + (1,) * (a.ndim - 1))
    return jnp.where(k, a, jnp.asarray(fill, a.dtype))


def weighted_sum(values: Array, weights: Array | None) -> Array:
    r""":math:`\sum_i w_i v_i` over the kept rows (the leading axis); ``(...)`` for ``(n, ...)`` values.

    ``weights=None`` is the plain sum. A dropped row contributes exactly 0, and its
    ``values`` row receives a zero gradient, even where it is inf or NaN.
    """
    if weights is None:
        return jnp.sum(values, axis=0)
    keep = kept(weights)
    w = where_kept(weights, keep).astype(jnp.result_type(values.dtype, weights.dtype))
    v = where_kept(values, keep)
    return jnp.sum(w.reshape(w.shape + (1,) * (v.ndim - 1)) * v, axis=0)


def weighted_mean(values: Array, weights: Array | None) -> Array:
    r""":math:`\sum_i w_i v_i / \sum_i w_i` over the kept rows (the leading axis).

    ``weights=None`` is the plain mean. NaN (with a zero gradient) when no row is
    kept; see the module docstring for the rule.

    Args:
      values: ``(n, ...)`` one value (or row of values) per example.
      weights: ``(n,)`` non-negative weights, or None.

    Returns:
      ``values.shape[1:]``: the weighted mean of each column.
    """
    if weights is None:
        return jnp.mean(values, axis=0)
    total = jnp.sum(where_kept(weights, kept(weights)))
    dtype = jnp.result_type(values.dtype, weights.dtype)
    total = total.astype(dtype)
    some = total > 0
    mean = weighted_sum(values, weights) / jnp.where(some, total, jnp.ones_like(total))
    return jnp.where(some, mean, jnp.full_like(mean, jnp.nan))
