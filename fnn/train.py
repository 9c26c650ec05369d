r"""One training loop for batch, stochastic and mini-batch gradient descent.

:func:`fit` trains any model given as a per-example loss with any optax-compatible
optimizer (``fnn.optim`` or optax). Epochs and steps are a ``lax.scan``, so the loop
compiles once whatever the number of epochs, and the whole of ``fit`` can be
``jit``-ed and ``vmap``-ed (over folds, seeds or learning rates).

Per-sample weights make a fold of cross-validation a weight vector over the whole
data set: each step minimises the weighted mean

.. math::

    L_B(\theta) = \frac{\sum_{i \in B} w_i\, \ell(\theta; x_i, y_i)}{\sum_{i \in B} w_i},

so rows of weight 0 take no part: training with a row's weight set to 0 is training
with that row deleted (fnn's one rule for rows of weight 0, ``fnn._masked``, shared
with :mod:`fnn.losses` and :mod:`fnn.metrics`). The mean of a batch with no row of
positive weight is NaN (with a zero gradient), and such a step changes nothing.

With mini-batches, every epoch draws a fresh order from the key in which the rows of
weight > 0 come first, in random order, and the rows of weight 0 last (see
:func:`batch_order`); the number of steps per epoch is fixed,
``ceil(max_rows / batch_size)``, so shapes never depend on the weights. A step whose
batch holds only zero-weight rows leaves the parameters *and* the optimizer state
unchanged (Adam's step count does not drift).

Non-finite data: rows of weight 0 may hold ``inf`` or ``NaN`` in ``X`` or ``y`` when
``X``, ``y`` and the weights are concrete: :func:`fit` replaces those values by 0 before
training, so the rows stay out of every value and gradient, exactly as if deleted. A
non-finite value in a row of positive weight (for training or validation) raises, and
so does one in a concrete ``X`` or ``y`` whose weights are traced (which rows count is
then unknown). Fully traced data (inside :func:`fnn.cv.cross_validate`'s program) is
not inspected here; ``cross_validate`` checks ``X`` and ``y`` finite before tracing.

Divergence: a step whose loss, gradient or updated parameters are not finite is
discarded, and no later step updates anything; the parameters stay at their last
finite values and ``History.diverged_epoch`` records the epoch. ``history=False``
drops this guard and the per-epoch record from the program (for code that uses only
the parameters).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fnn._masked import checked_rows, kept, total_weight, weighted_mean
from fnn._types import Array, ArrayLike, Params, PRNGKey
from fnn._validate import as_float_array, check_epochs, check_int, check_key, check_sample_weights, is_concrete

__all__ = [
    "History",
    "LossFn",
    "MetricFn",
    "batch_order",
    "epoch_keys",
    "fit",
    "weighted_mean_loss",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


#: ``loss_fn(params, X, y) -> (n,)``: one loss per example (``reduction="none"``).
LossFn = Callable[[Params, Array, Array], Array]
#: ``metric_fn(params, X, y, weights) -> ()``: a score of the rows where ``weights`` > 0.
MetricFn = Callable[[Params, Array, Array, Array], Array]


class History(NamedTuple):
    """Per-epoch record of a :func:`fit` run (every field is an array, so it vmaps).

    From ``diverged_epoch`` on, the per-epoch entries are NaN.
    """

    #: ``(epochs,)``: the weighted mean over the epoch's training rows of each row's
    #: loss when its batch was used (as Keras reports it: during the epoch, so it lags
    #: the end-of-epoch parameters by about half an epoch; for full batch it is the
    #: loss *before* that epoch's update).
    train_loss: Array
    #: ``(epochs,)`` or None: the weighted mean validation loss after each epoch.
    validation_loss: Array | None
    #: ``(epochs,)`` or None: ``metric_fn`` on the validation rows after each epoch.
    validation_metric: Array | None
    #: ``()`` int32: the first epoch with a non-finite step, -1 if none.
    diverged_epoch: Array


def _where_tree(pred: Array, new: Any, old: Any) -> Any:
    return jax.tree.map(lambda a, b: jnp.where(pred, a, b), new, old)


def _all_finite(*trees: Any) -> Array:
    """True iff every inexact leaf of ``trees`` is finite: one ``sum(x * 0)`` per leaf.

    ``x * 0`` is 0 for finite ``x`` and NaN for inf or NaN (IEEE), so the sum is NaN
    exactly when some element is not finite, and it never overflows. Fewer and
    smaller ops than ``all(isfinite(x))`` per leaf, so the guard compiles faster
    inside a cross-validation program.
    """
    leaves = [x for x in jax.tree.leaves(trees) if jnp.issubdtype(jnp.asarray(x).dtype, jnp.inexact)]
    if not leaves:
        return jnp.asarray(True)
    zeros = [jnp.sum((jnp.abs(x) if jnp.iscomplexobj(x) else x) * 0).astype(jnp.float32) for x in leaves]
    return jnp.isfinite(sum(zeros))


def _per_example(loss_fn: LossFn, params: Params, X: Array, y: Array, where: str) -> Array:
    losses = loss_fn(params, X, y)
    if getattr(losses, "shape", None) != (X.shape[0],):
        raise ValueError(
            f"{where}: loss_fn(params, X, y) must return one loss per example, shape "
            f"({X.shape[0]},), got {getattr(losses, 'shape', type(losses).__name__)}; "
            "use the loss with reduction='none'"
        )
    return losses


def weighted_mean_loss(loss_fn: LossFn, params: Params, X: Array, y: Array, weights: Array) -> tuple[Array, Array]:
    r"""The weighted mean loss :math:`\sum_i w_i \ell_i / \sum_i w_i` and its denominator.

    Rows of weight 0 contribute exactly 0, to the value and to the gradient with
    respect to their losses, even when their loss is inf or NaN. The mean of rows that
    all have weight 0 is NaN, with a zero gradient (there is nothing to average).

    Args:
      loss_fn: ``loss_fn(params, X, y) -> (n,)`` per-example losses.
      params: the model's parameters.
      X: ``(n, ...)`` inputs.
      y: ``(n, ...)`` targets.
      weights: ``(n,)`` non-negative weights.

    Returns:
      ``(mean, total_weight)``, both scalars; ``total_weight`` sums the kept rows' weights.
    """
    losses = _per_example(loss_fn, params, X, y, "weighted_mean_loss")
    return weighted_mean(losses, weights), total_weight(weights)


def epoch_keys(key: PRNGKey, epochs: int) -> Array:
    """The shuffling key of each epoch: ``jax.random.split(key, epochs)``, shape ``(epochs,)``.

    :func:`fit` shuffles epoch ``e`` with ``batch_order(epoch_keys(key, epochs)[e], ...)``;
    a reference loop reuses both to reproduce its batches.
    """
    return jax.random.split(key, epochs)


def batch_order(key: PRNGKey, weights: ArrayLike, *, batch_size: int, n_steps: int) -> tuple[Array, Array]:
    """One epoch's mini-batches: rows of weight > 0 first in random order, zero-weight rows last.

    The order is ``argsort`` of uniform draws in which zero-weight rows are given the
    key 2 (above every draw), cut to ``n_steps * batch_size`` slots; slots beyond the
    ``n`` rows point at row 0 with weight 0. With all weights equal it is a uniform
    random permutation.

    Args:
      key: the epoch's PRNG key.
      weights: ``(n,)`` per-row weights.
      batch_size: rows per step (static).
      n_steps: steps per epoch (static).

    Returns:
      ``(indices, slot_weights)``, each ``(n_steps, batch_size)``: the rows of each
      step and their weights (0 for padding).

    Example:
      >>> idx, w = batch_order(jax.random.key(0), jnp.array([1., 0., 1., 1.]), batch_size=2, n_steps=2)
      >>> sorted(idx[w > 0].tolist())
      [0, 2, 3]
    """
    weights = jnp.asarray(weights)
    n = weights.shape[0]
    draws = jax.random.uniform(key, (n,))
    order = jnp.argsort(jnp.where(kept(weights), draws, 2.0), stable=True)
    slots = n_steps * batch_size
    if slots > n:
        order = jnp.concatenate([order, jnp.zeros((slots - n,), order.dtype)])
        slot_weights = jnp.concatenate([weights[order[:n]], jnp.zeros((slots - n,), weights.dtype)])
    else:
        order = order[:slots]
        slot_weights = weights[order]
    return order.reshape(n_steps, batch_size), slot_weights.reshape(n_steps, batch_size)


def _check_rows(name: str, a: Array, n: int, where: str) -> None:
    if a.ndim == 0 or a.shape[0] != n:
        raise ValueError(f"{where}: {name} must have {n} rows (one per example of X), got shape {a.shape}")


def _non_finite_rows(a: Array) -> np.ndarray | None:
    """``(n,)`` bool of the rows holding inf or NaN, for a concrete inexact array; else None."""
    # numpy, not jnp: inside an outer jit even a concrete array's jnp ops are staged.
    if not (is_concrete(a) and jnp.issubdtype(a.dtype, jnp.inexact)):
        return None
    finite = np.isfinite(np.asarray(a)).reshape(a.shape[0], -1).all(axis=1)
    return None if finite.all() else ~finite


def _check_finite(name: str, a: Array, where: str) -> None:
    if _non_finite_rows(a) is not None:
        raise ValueError(f"{where}: {name} contains NaN or inf; remove or impute those rows first")


def _drop_non_finite(
    X: Array, y: Array, weights: Array | None, validation_weights: Array | None, where: str
) -> tuple[Array, Array]:
    """``X`` and ``y`` with the inf and NaN of rows that count nowhere replaced by 0, or a ValueError.

    A row counts when its training weight (1 without weights) or its validation weight
    is positive. The replaced rows are dropped by the weights anyway; replacing them on
    the host keeps their non-finite values out of every gradient (0 times inf is NaN).
    """
    n = X.shape[0]
    bad = {name: rows for name, rows in (("X", _non_finite_rows(X)), ("y", _non_finite_rows(y))) if rows is not None}
    if not bad:
        return X, y
    named = " and ".join(bad) + (" contains" if len(bad) == 1 else " contain")
    traced = [
        name
        for name, m in (("weights", weights), ("validation_weights", validation_weights))
        if m is not None and not is_concrete(m)
    ]
    if traced:
        raise ValueError(
            f"{where}: {named} NaN or inf while {' and '.join(traced)} are traced, so which rows "
            f"count cannot be checked; replace the non-finite values before tracing (e.g. with "
            f"jnp.nan_to_num) or pass concrete weights"
        )
    counted = checked_rows(weights, n)
    if validation_weights is not None:
        counted = counted | checked_rows(validation_weights, n)
    for name, rows in bad.items():
        hit = np.flatnonzero(rows & counted)
        if hit.size:
            raise ValueError(
                f"{where}: {name} contains NaN or inf in rows of positive weight (rows {hit[:5].tolist()}"
                f"{', ...' if hit.size > 5 else ''}); remove or impute those rows first, or give them weight 0"
            )

    def zeroed(a):
        a = np.asarray(a)
        return jnp.asarray(np.where(np.isfinite(a), a, np.zeros((), a.dtype)))

    return (zeroed(X) if "X" in bad else X), (zeroed(y) if "y" in bad else y)


def fit(
    loss_fn: LossFn,
    params: Params,
    optimizer: optax.GradientTransformation,
    X: ArrayLike,
    y: ArrayLike,
    *,
    key: PRNGKey | None = None,
    epochs: int,
    batch_size: int | None = None,
    weights: ArrayLike | None = None,
    validation_data: tuple[ArrayLike, ArrayLike] | None = None,
    validation_weights: ArrayLike | None = None,
    metric_fn: MetricFn | None = None,
    max_rows: int | None = None,
    history: bool = True,
) -> tuple[Params, History | None]:
    r"""Trains ``params`` by gradient descent on the weighted mean of a per-example loss.

    Each step: :math:`g = \nabla_\theta L_B(\theta)`, ``updates, state =
    optimizer.update(g, state, params)``, :math:`\theta \leftarrow \theta + \text{updates}`,
    where :math:`L_B` is the weighted mean loss of the step's batch ``B``.

    * ``batch_size=None``: batch gradient descent, one step per epoch on every row;
    * ``batch_size=1``: stochastic gradient descent;
    * otherwise mini-batch, ``ceil(max_rows / batch_size)`` steps per epoch, reshuffled
      every epoch from ``key`` (epoch ``e`` uses ``epoch_keys(key, epochs)[e]`` and
      :func:`batch_order`); the last batch of an epoch may be partial.

    Pure and traceable: wrap it in ``jax.jit`` (or call it inside a jitted/vmapped
    function). The optimizer may be built from traced hyperparameters, e.g.
    ``jax.vmap(lambda lr: fit(loss, p, optax.sgd(lr), X, y, epochs=10))(lrs)``
    compiles once for every learning rate.

    Args:
      loss_fn: ``loss_fn(params, X, y) -> (n,)`` per-example losses.
      params: initial parameters (any pytree).
      optimizer: any ``optax.GradientTransformation`` (``fnn.optim`` or optax).
      X: ``(n, ...)`` inputs (integers become floats).
      y: ``(n, ...)`` targets.
      key: PRNG key for the shuffles; required when ``batch_size`` is set.
      epochs: number of passes over the data (static, >= 1).
      batch_size: rows per step (static, 1 <= batch_size <= n), or None for full batch.
      weights: ``(n,)`` non-negative per-example weights (a fold's training mask);
        default all 1.
      validation_data: ``(X_val, y_val)`` evaluated after every epoch.
      validation_weights: alternatively, ``(n,)`` weights over ``X`` selecting the
        validation rows (a fold's test mask).
      metric_fn: ``metric_fn(params, X, y, weights) -> ()`` recorded on the
        validation rows after every epoch; needs validation rows.
      max_rows: an upper bound (static) on the number of rows with weight > 0, used
        for the steps per epoch; default ``n``. Cross-validation passes the largest
        training fold so that no step is spent on padding.
      history: record a :class:`History` and guard against divergence (static; the
        default). ``False`` compiles neither: no per-epoch losses and no check for
        non-finite steps, so a diverging run carries NaN or inf into the parameters,
        as a plain training loop would; it needs no validation rows and returns
        ``(params, None)``. Where no step diverges the parameters are bitwise those of
        ``history=True``. For code that uses only the parameters (a cross-validation
        ``fit_fn`` that returns them alone): a smaller program, faster to compile and
        to run.

    Returns:
      ``(params, history)``: the trained parameters (the last finite ones if
      training diverged) and a :class:`History` (``None`` with ``history=False``).

    Example:
      >>> loss = lambda p, X, y: (X @ p - y) ** 2
      >>> X = jnp.array([[1.0], [2.0]]); y = jnp.array([2.0, 4.0])
      >>> p, h = fit(loss, jnp.zeros(1), optax.sgd(0.1), X, y, epochs=50)
      >>> round(float(p[0]), 3)
      2.0
    """
    where = "fit"
    if not callable(loss_fn):
        raise TypeError(
            f"{where}: loss_fn must be callable loss_fn(params, X, y) -> (n,), got {type(loss_fn).__name__}"
        )
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError(
            f"{where}: optimizer must be an optax.GradientTransformation "
            f"(e.g. fnn.optim.sgd(0.1) or optax.adam(1e-3)), got {type(optimizer).__name__}"
        )
    epochs = check_epochs(epochs, where)
    X = as_float_array("X", X, where)
    y = jnp.asarray(y)
    if X.ndim == 0:
        raise ValueError(f"{where}: X must have a leading axis of examples, got a scalar")
    n = X.shape[0]
    if n == 0:
        raise ValueError(f"{where}: X has no rows")
    _check_rows("y", y, n, where)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", where, 1, n)
        if key is None:
            raise ValueError(
                f"{where}: mini-batch training (batch_size={batch_size}) shuffles "
                "every epoch and needs key=jax.random.key(seed)"
            )
    if key is not None:
        check_key(key, where)
    max_rows = n if max_rows is None else check_int(max_rows, "max_rows", where, 1, n)
    dtype = X.dtype
    weights = check_sample_weights(weights, n, where)
    validation_weights = check_sample_weights(validation_weights, n, where, name="validation_weights")
    X, y = _drop_non_finite(X, y, weights, validation_weights, where)
    w = jnp.ones((n,), dtype) if weights is None else weights.astype(dtype)
    if is_concrete(w) and int(np.sum(checked_rows(w, n))) > max_rows:
        raise ValueError(
            f"{where}: {int(np.sum(checked_rows(w, n)))} rows have weight > 0 but "
            f"max_rows={max_rows}; raise max_rows or leave it at its default (n)"
        )

    if validation_data is not None and validation_weights is not None:
        raise ValueError(f"{where}: give validation_data or validation_weights, not both")
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError(f"{where}: validation_data must be a pair (X_val, y_val)")
        Xv = as_float_array("validation X", validation_data[0], where)
        yv = jnp.asarray(validation_data[1])
        if Xv.shape[1:] != X.shape[1:] or Xv.ndim == 0:
            raise ValueError(f"{where}: validation X must have rows shaped like X's {X.shape[1:]}, got {Xv.shape}")
        _check_rows("validation y", yv, Xv.shape[0], where)
        if yv.shape[1:] != y.shape[1:]:
            raise ValueError(f"{where}: validation y must have rows shaped like y's {y.shape[1:]}, got {yv.shape}")
        _check_finite("validation X", Xv, where)
        _check_finite("validation y", yv, where)
        wv = jnp.ones((Xv.shape[0],), dtype)
    elif validation_weights is not None:
        Xv, yv = X, y
        wv = validation_weights.astype(dtype)
    else:
        Xv = yv = wv = None  # type: ignore[assignment]  # no validation rows
    if metric_fn is not None and Xv is None:
        raise ValueError(
            f"{where}: metric_fn is recorded on validation rows; give validation_data or validation_weights"
        )
    if not isinstance(history, bool):
        raise TypeError(f"{where}: history must be True or False, got {history!r}")
    if not history and Xv is not None:
        raise ValueError(
            f"{where}: history=False records nothing, so validation rows have no use; drop "
            "validation_data, validation_weights and metric_fn, or keep history=True"
        )

    n_steps = 1 if batch_size is None else math.ceil(max_rows / batch_size)
    shuffle_keys = epoch_keys(key, epochs) if key is not None and batch_size is not None else jnp.zeros((epochs,))
    return _fit(
        loss_fn, params, optimizer, X, y, w, Xv, yv, wv, metric_fn, shuffle_keys, epochs, batch_size, n_steps, history
    )


def _fit(
    loss_fn, params, optimizer, X, y, w, Xv, yv, wv, metric_fn, shuffle_keys, epochs, batch_size, n_steps, history
):
    def step(carry, batch):
        params, opt_state, diverged = carry
        if batch_size is None:
            xb, yb, wb = X, y, w
        else:
            # Gather one batch per step: never a (n_steps, batch, ...) copy of X (per fold under vmap).
            idx, wb = batch
            xb, yb = X[idx], y[idx]
        (loss, batch_weight), grads = jax.value_and_grad(
            lambda p: weighted_mean_loss(loss_fn, p, xb, yb, wb), has_aux=True
        )(params)
        updates, new_state = optimizer.update(grads, opt_state, params)
        new_params = optax.apply_updates(params, updates)
        active = batch_weight > 0
        if not history:  # no divergence guard: only a batch of padding changes nothing
            params, opt_state = _where_tree(active, (new_params, new_state), (params, opt_state))
            return (params, opt_state, diverged), None
        finite = _all_finite(loss, grads, new_params)
        take = active & finite & ~diverged
        params = _where_tree(take, new_params, params)
        opt_state = _where_tree(take, new_state, opt_state)
        diverged = diverged | (active & ~finite)
        return (params, opt_state, diverged), (loss, batch_weight)

    def epoch(carry, xs):
        params, opt_state, diverged, diverged_epoch = carry
        e, shuffle_key = xs
        if batch_size is None:
            (params, opt_state, diverged), losses = step((params, opt_state, diverged), None)
        else:
            idx, slot_w = batch_order(shuffle_key, w, batch_size=batch_size, n_steps=n_steps)
            (params, opt_state, diverged), losses = jax.lax.scan(step, (params, opt_state, diverged), (idx, slot_w))
        if not history:
            return (params, opt_state, diverged, diverged_epoch), None
        batch_losses, batch_weights = (losses[0][None], losses[1][None]) if batch_size is None else losses
        diverged_epoch = jnp.where(diverged & (diverged_epoch < 0), e, diverged_epoch)
        nan = jnp.asarray(jnp.nan, batch_losses.dtype)
        ok = diverged_epoch < 0
        # The epoch's mean over its rows: batch means weighted by their batches' weights,
        # all-padding batches (weight 0, mean NaN) dropped by the shared rule.
        train_loss = jnp.where(ok, weighted_mean(batch_losses, batch_weights), nan)
        record = [train_loss, None, None]
        if Xv is not None:
            record[1] = jnp.where(ok, weighted_mean_loss(loss_fn, params, Xv, yv, wv)[0], nan)
        if metric_fn is not None:
            record[2] = jnp.where(ok, jnp.asarray(metric_fn(params, Xv, yv, wv)), nan)
        return (params, opt_state, diverged, diverged_epoch), tuple(record)

    init = (params, optimizer.init(params), jnp.asarray(False), jnp.asarray(-1, jnp.int32))
    (params, _, _, diverged_epoch), records = jax.lax.scan(
        epoch, init, (jnp.arange(epochs, dtype=jnp.int32), shuffle_keys)
    )
    if not history:
        return params, None
    return params, History(*records, diverged_epoch)
