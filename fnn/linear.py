r"""Linear and logistic regression: the normal equation and gradient descent with hand-derived gradients.

Both models share one parameter pytree, ``{"w": (d,), "b": ()}``, and the net input
:math:`z = X w + b`:

* linear regression predicts :math:`\hat y = z` and minimises the mean squared error
  :math:`L = \frac{1}{N}\sum_i (y_i - \hat y_i)^2`, in closed form
  (:func:`normal_equation`, :math:`w^* = (X^\top X)^{-1} X^\top y`) or by gradient
  descent (:func:`fit_linear_gd`) with the material's gradients

  .. math::
      \frac{\partial L}{\partial w} = -\frac{2}{N}\sum_i (y_i - \hat y_i)\,x_i, \qquad
      \frac{\partial L}{\partial b} = -\frac{2}{N}\sum_i (y_i - \hat y_i);

* logistic regression predicts :math:`\hat y = \sigma(z)`, the probability of class 1,
  and minimises the log loss
  :math:`L = -\frac{1}{N}\sum_i [y_i \log \hat y_i + (1 - y_i)\log(1 - \hat y_i)]`
  by gradient descent (:func:`fit_logistic_gd`) with

  .. math::
      \frac{\partial L}{\partial w} = \frac{1}{N}\sum_i (\hat y_i - y_i)\,x_i, \qquad
      \frac{\partial L}{\partial b} = \frac{1}{N}\sum_i (\hat y_i - y_i).

Losses, gradients and fits take optional row ``weights`` (shape ``(n,)``): every
:math:`\frac{1}{N}\sum_i` becomes :math:`\frac{\sum_i w_i \cdot}{\sum_i w_i}`, so a
0/1 mask trains on a cross-validation fold's rows without copying the data. A row of
weight 0 is as if deleted (fnn's one rule, ``fnn._masked``, shared with
:mod:`fnn.losses`): it changes no loss, gradient or fit even where its ``X`` or ``y``
is inf or NaN. Under tracing, all-zero weights give a NaN loss and a zero gradient
(hand-derived and ``jax.grad`` alike), so a fit on them leaves the parameters where
they started.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from fnn._masked import checked_rows, kept, normalized_weights, weighted_mean, where_kept
from fnn._numerics import softplus
from fnn._types import Array, ArrayLike, Params
from fnn._validate import (
    as_float_array,
    check_design_matrix,
    check_epochs,
    check_learning_rate_scalar,
    check_linear_params,
    check_sample_weights,
    is_concrete,
)
from fnn.activations import sigmoid

__all__ = [
    "fit_linear_gd",
    "fit_logistic_gd",
    "least_squares",
    "log_loss",
    "log_loss_gradients",
    "mse_gradients",
    "mse_loss",
    "normal_equation",
    "predict_linear",
    "predict_logistic",
    "predict_proba",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


# ---------------------------------------------------------------------------- validation


def _check_Xy(X: ArrayLike, y: ArrayLike, where: str) -> tuple[Array, Array]:
    X = check_design_matrix(X, where)
    y = as_float_array("y", y, where)
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"{where}: y must have shape (n,) = ({X.shape[0]},) to match X's rows, got {y.shape}; "
            f"pass a 1-D target (y.ravel() for a column vector)"
        )
    return X, y.astype(X.dtype)


def _check_weights(weights: ArrayLike | None, n: int, dtype, where: str) -> Array:
    w = check_sample_weights(weights, n, where)
    return jnp.ones((n,), dtype) if w is None else w.astype(dtype)


def _check_binary_labels(y: Array, weights: Array, where: str) -> None:
    if is_concrete(y):
        values = np.unique(np.asarray(y)[checked_rows(weights, y.shape[0])])
        if not set(values.tolist()) <= {0.0, 1.0}:
            raise ValueError(
                f"{where}: logistic regression needs labels in {{0, 1}}, got values {values[:5].tolist()}; "
                f"map {{-1, 1}} labels with (y + 1) / 2, and use softmax regression for more classes"
            )


def _init_params(init: Params | None, d: int, dtype, where: str) -> Params:
    if init is None:
        return {"w": jnp.zeros((d,), dtype), "b": jnp.zeros((), dtype)}
    w, b = check_linear_params(init, d, where)
    return {"w": w.astype(dtype), "b": b.astype(dtype)}


# ---------------------------------------------------------------------------- closed form


def _centre(X: Array, y: Array, fit_intercept: bool) -> tuple[Array, Array, Array, Array]:
    if not fit_intercept:
        return X, y, jnp.zeros(X.shape[1], X.dtype), jnp.zeros((), X.dtype)
    x_mean, y_mean = jnp.mean(X, axis=0), jnp.mean(y)
    return X - x_mean[None, :], y - y_mean, x_mean, y_mean


def least_squares(X: ArrayLike, y: ArrayLike, *, fit_intercept: bool = True, rcond: float | None = None) -> Params:
    r"""The minimum-norm least-squares fit, :math:`w = X^{+} y` (pseudo-inverse); never fails.

    With ``fit_intercept`` the data are centred first and :math:`b = \bar y - \bar x \cdot w`,
    so the intercept is not part of the norm being minimised (as in scikit-learn's
    ``LinearRegression``). When :math:`X^\top X` is invertible this is the normal
    equation's answer; when it is not (more features than samples, duplicate
    columns) it is the least-squares solution of smallest :math:`\|w\|_2`. Singular
    values below ``rcond`` times the largest are treated as 0. Jit-able.

    Args:
      X: features, shape ``(n, d)``.
      y: targets, shape ``(n,)``.
      fit_intercept: fit the bias :math:`b` (else ``b = 0``).
      rcond: relative cut-off for small singular values (default
        ``max(n, d) * eps``, as ``numpy.linalg.lstsq``).

    Returns:
      ``{"w": (d,), "b": ()}``.

    Example:
      >>> X = jnp.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # duplicate columns
      >>> least_squares(X, jnp.array([2.0, 4.0, 6.0]))["w"].round(4)  # y = 2x, split evenly
      Array([1., 1.], dtype=float32)
    """
    X, y = _check_Xy(X, y, "least_squares")
    return _least_squares(X, y, fit_intercept=bool(fit_intercept), rcond=rcond)


@functools.partial(jax.jit, static_argnames=("fit_intercept", "rcond"))
def _least_squares(X: Array, y: Array, *, fit_intercept: bool, rcond: float | None) -> Params:
    Xc, yc, x_mean, y_mean = _centre(X, y, fit_intercept)
    w = jnp.linalg.lstsq(Xc, yc, rcond=rcond)[0]
    return {"w": w, "b": y_mean - x_mean @ w}


@functools.partial(jax.jit, static_argnames=("fit_intercept",))
def _scaled_solve(X: Array, y: Array, scale: Array, *, fit_intercept: bool) -> Params:
    Xc, yc, x_mean, y_mean = _centre(X, y, fit_intercept)
    # Only called once every singular value has passed the rank check: no cut-off needed.
    w = jnp.linalg.lstsq(Xc / scale[None, :], yc)[0] / scale
    return {"w": w, "b": y_mean - x_mean @ w}


def normal_equation(
    X: ArrayLike, y: ArrayLike, *, fit_intercept: bool = True, rcond: float | None = None, allow_singular: bool = False
) -> Params:
    r"""Linear regression in closed form, :math:`w^* = (X^\top X)^{-1} X^\top y`, computed stably.

    The material's normal equation, solved without forming an inverse: the columns
    are centred (for the intercept) and scaled to unit norm, and the least-squares
    problem is solved by SVD (``jnp.linalg.lstsq``), whose error grows with the
    condition number of :math:`X`, not of :math:`X^\top X` (its square).

    The formula needs :math:`X^\top X` to be invertible in the working precision.
    Before solving, the singular values of the centred, column-scaled design are
    measured on the concrete data: if the smallest is at most ``rcond`` times the
    largest (default :math:`\sqrt{\epsilon}`, i.e. :math:`\operatorname{cond}(X^\top X) \ge
    1/\epsilon`: more features than samples, duplicate or constant columns, or
    columns so nearly dependent that the answer would be rounding noise), a
    ``ValueError`` says so, unless ``allow_singular=True``, which returns
    :func:`least_squares`' minimum-norm (pseudo-inverse) answer instead. Column
    scaling makes the decision independent of the features' units.

    Runs on concrete arrays (the rank decision uses NumPy): call it outside ``jit``.

    Args:
      X: features, shape ``(n, d)``.
      y: targets, shape ``(n,)``.
      fit_intercept: fit the bias (an implicit column of ones); else ``b = 0``.
      rcond: refuse when the scaled design's smallest singular value is at most
        ``rcond`` times its largest; default ``sqrt(eps)`` of X's dtype (about 3.5e-4 in
        float32, 1.5e-8 in float64). With ``allow_singular``, also the cut-off passed to
        :func:`least_squares` when given.
      allow_singular: return the minimum-norm solution instead of raising.

    Returns:
      ``{"w": (d,), "b": ()}`` minimising :math:`\frac{1}{N}\|y - Xw - b\|^2`.

    Raises:
      ValueError: if :math:`X^\top X` is singular or ill-conditioned and
        ``allow_singular`` is False.

    Example:
      >>> X = jnp.array([[1.0], [2.0], [3.0]])
      >>> params = normal_equation(X, jnp.array([3.0, 5.0, 7.0]))  # y = 2x + 1
      >>> params["w"].round(4), params["b"].round(4)
      (Array([2.], dtype=float32), Array(1., dtype=float32))
    """
    for name, value in (("X", X), ("y", y)):
        if not is_concrete(value):
            raise TypeError(
                f"normal_equation: {name} is a traced value; the rank check needs concrete data, so call it "
                f"outside jit, or use least_squares (jit-able, minimum-norm) inside"
            )
    X, y = _check_Xy(X, y, "normal_equation")
    n, d = X.shape
    cutoff = float(np.sqrt(jnp.finfo(X.dtype).eps)) if rcond is None else float(rcond)
    X64 = np.asarray(X, dtype=np.float64)
    Xc = X64 - X64.mean(axis=0) if fit_intercept else X64
    norms = np.linalg.norm(Xc, axis=0)
    safe = np.where(norms > 0, norms, 1.0)
    singular_values = np.linalg.svd(Xc / safe[None, :], compute_uv=False)
    columns = d + int(fit_intercept)
    rank = int(np.sum(singular_values > cutoff * singular_values[0])) if singular_values[0] > 0 else 0
    if rank < d:
        if allow_singular:
            return least_squares(X, y, fit_intercept=fit_intercept, rcond=rcond)
        if n < columns:
            why = f"there are more parameters ({columns}, counting the bias) than samples ({n})"
        else:
            why = (
                "columns are linearly dependent or nearly so (duplicate columns, a constant column "
                "alongside the bias, or one column a combination of others)"
            )
        condition = singular_values[0] / singular_values[-1] if singular_values[-1] > 0 else np.inf
        raise ValueError(
            f"normal_equation: X^T X is singular or ill-conditioned: {why}; numerical rank "
            f"{rank + int(fit_intercept)} < {columns} columns (condition number of the scaled design "
            f"{condition:.3g}, rcond {cutoff:.3g}). Pass allow_singular=True or use least_squares(X, y) "
            f"for the minimum-norm (pseudo-inverse) solution, or remove the dependent columns"
        )
    return _scaled_solve(X, y, jnp.asarray(safe, dtype=X.dtype), fit_intercept=bool(fit_intercept))


# ---------------------------------------------------------------------------- predictions and losses


def _net_input(params: Params, X: ArrayLike, where: str) -> Array:
    """The net input :math:`z = X w + b`, ``(n,)``, of a linear unit, checked, with errors naming ``where``.

    Linear regression's prediction, logistic regression's logit and the perceptron's
    net input (:func:`fnn.perceptron.net_input`) are this one computation.
    """
    X = check_design_matrix(X, where)
    w, b = check_linear_params(params, X.shape[1], where)
    return X @ w + b


def predict_linear(params: Params, X: ArrayLike) -> Array:
    r"""Linear regression's prediction :math:`\hat y = X w + b`, shape ``(n,)``.

    The same net input as the perceptron's, :func:`fnn.perceptron.net_input`.

    Example:
      >>> predict_linear({"w": jnp.array([2.0]), "b": jnp.array(1.0)}, jnp.array([[1.0], [2.0]]))
      Array([3., 5.], dtype=float32)
    """
    return _net_input(params, X, "predict_linear")


def predict_proba(params: Params, X: ArrayLike) -> Array:
    r"""Logistic regression's probability of class 1, :math:`\sigma(X w + b)`, shape ``(n,)``.

    Example:
      >>> predict_proba({"w": jnp.array([1.0]), "b": jnp.array(0.0)}, jnp.array([[0.0]]))
      Array([0.5], dtype=float32)
    """
    return sigmoid(_net_input(params, X, "predict_proba"))


def predict_logistic(params: Params, X: ArrayLike, *, threshold: float = 0.5) -> Array:
    r"""Logistic regression's class: 1 where :math:`\sigma(X w + b) \ge` ``threshold``, else 0 (int32, ``(n,)``).

    Example:
      >>> params = {"w": jnp.array([1.0]), "b": jnp.array(0.0)}
      >>> predict_logistic(params, jnp.array([[-2.0], [3.0]]))
      Array([0, 1], dtype=int32)
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"predict_logistic: threshold must be strictly between 0 and 1, got {threshold}")
    return (predict_proba(params, X) >= threshold).astype(jnp.int32)


def mse_loss(params: Params, X: ArrayLike, y: ArrayLike, *, weights: ArrayLike | None = None) -> Array:
    r"""Mean squared error of linear regression, :math:`\frac{1}{N}\sum_i (y_i - x_i \cdot w - b)^2` (weighted mean)."""
    X, y = _check_Xy(X, y, "mse_loss")
    weights = _check_weights(weights, X.shape[0], X.dtype, "mse_loss")
    w, b = check_linear_params(params, X.shape[1], "mse_loss")
    return _mse_value_jit(w, b, X, y, weights)


def log_loss(params: Params, X: ArrayLike, y: ArrayLike, *, weights: ArrayLike | None = None) -> Array:
    r"""Log loss (binary cross-entropy) of logistic regression, from the net input for stability.

    :math:`-[y \log\sigma(z) + (1-y)\log(1-\sigma(z))] = \operatorname{softplus}(z) - y z`,
    finite even when :math:`\sigma(z)` rounds to 0 or 1. Labels must be in {0, 1}.
    """
    X, y = _check_Xy(X, y, "log_loss")
    weights = _check_weights(weights, X.shape[0], X.dtype, "log_loss")
    _check_binary_labels(y, weights, "log_loss")
    w, b = check_linear_params(params, X.shape[1], "log_loss")
    return _log_loss_value_jit(w, b, X, y, weights)


# The cores below take X and y whose dropped rows (weight 0) already hold 0
# (_on_kept_rows): a row of weight 0 then has a finite residual, so the selection in
# weighted_mean, and the 0 coefficient in the hand gradients, leave it out of value and
# gradient alike, even where the caller's row held inf or NaN.


def _on_kept_rows(core):
    """``core(w, b, X, y, weights)`` on X and y with the rows of weight 0 replaced by 0."""

    def on_kept_rows(w, b, X, y, weights):
        keep = kept(weights)
        return core(w, b, where_kept(X, keep), where_kept(y, keep), weights)

    return on_kept_rows


def _mse_gradients(w: Array, b: Array, X: Array, y: Array, weights: Array) -> dict[str, Array]:
    # a_i = w_i / sum(w): the derivative of the weighted mean (all 0 for an empty fold,
    # whose NaN mean has a zero gradient).
    error = normalized_weights(weights) * (y - (X @ w + b))
    return {"w": -2.0 * (error @ X), "b": -2.0 * jnp.sum(error)}


def _log_loss_gradients(w: Array, b: Array, X: Array, y: Array, weights: Array) -> dict[str, Array]:
    error = normalized_weights(weights) * (sigmoid(X @ w + b) - y)
    return {"w": error @ X, "b": jnp.sum(error)}


_mse_gradients_jit = jax.jit(_on_kept_rows(_mse_gradients))
_log_loss_gradients_jit = jax.jit(_on_kept_rows(_log_loss_gradients))


def mse_gradients(params: Params, X: ArrayLike, y: ArrayLike, *, weights: ArrayLike | None = None) -> dict[str, Array]:
    r"""The material's hand-derived gradient of the MSE of linear regression.

    .. math::
        \frac{\partial L}{\partial w} = -\frac{2}{N}\sum_i (y_i - \hat y_i)\,x_i, \qquad
        \frac{\partial L}{\partial b} = -\frac{2}{N}\sum_i (y_i - \hat y_i)

    (with weights, :math:`N = \sum_i w_i` and each term is weighted). Equals
    ``jax.grad(mse_loss)``.

    Args:
      params: ``{"w": (d,), "b": ()}``.
      X: features ``(n, d)``; y: targets ``(n,)``; weights: optional ``(n,)``.

    Returns:
      ``{"w": (d,), "b": ()}``, the gradient.

    Example:
      >>> params = {"w": jnp.array([0.0]), "b": jnp.array(0.0)}
      >>> grads = mse_gradients(params, jnp.array([[1.0], [2.0]]), jnp.array([1.0, 2.0]))
      >>> grads["w"], grads["b"]
      (Array([-5.], dtype=float32), Array(-3., dtype=float32))
    """
    X, y = _check_Xy(X, y, "mse_gradients")
    weights = _check_weights(weights, X.shape[0], X.dtype, "mse_gradients")
    w, b = check_linear_params(params, X.shape[1], "mse_gradients")
    return _mse_gradients_jit(w, b, X, y, weights)


def log_loss_gradients(
    params: Params, X: ArrayLike, y: ArrayLike, *, weights: ArrayLike | None = None
) -> dict[str, Array]:
    r"""The material's hand-derived gradient of logistic regression's log loss.

    .. math::
        \frac{\partial L}{\partial w} = \frac{1}{N}\sum_i (\hat y_i - y_i)\,x_i, \qquad
        \frac{\partial L}{\partial b} = \frac{1}{N}\sum_i (\hat y_i - y_i), \qquad
        \hat y_i = \sigma(x_i \cdot w + b)

    (weighted as in :func:`mse_gradients`). Equals ``jax.grad(log_loss)``.

    Args:
      params: ``{"w": (d,), "b": ()}``.
      X: features ``(n, d)``; y: labels in {0, 1}, ``(n,)``; weights: optional ``(n,)``.

    Returns:
      ``{"w": (d,), "b": ()}``, the gradient.

    Example:
      >>> params = {"w": jnp.array([0.0]), "b": jnp.array(0.0)}
      >>> grads = log_loss_gradients(params, jnp.array([[2.0], [4.0]]), jnp.array([1.0, 1.0]))
      >>> grads["w"], grads["b"]
      (Array([-1.5], dtype=float32), Array(-0.5, dtype=float32))
    """
    X, y = _check_Xy(X, y, "log_loss_gradients")
    weights = _check_weights(weights, X.shape[0], X.dtype, "log_loss_gradients")
    _check_binary_labels(y, weights, "log_loss_gradients")
    w, b = check_linear_params(params, X.shape[1], "log_loss_gradients")
    return _log_loss_gradients_jit(w, b, X, y, weights)


# ---------------------------------------------------------------------------- gradient descent


def _mse_value(w, b, X, y, weights):
    residual = y - (X @ w + b)
    return weighted_mean(residual * residual, weights)


def _log_loss_value(w, b, X, y, weights):
    z = X @ w + b
    return weighted_mean(softplus(z) - y * z, weights)


_mse_value_jit = jax.jit(_on_kept_rows(_mse_value))
_log_loss_value_jit = jax.jit(_on_kept_rows(_log_loss_value))


def _descend(gradients, loss, params, X, y, weights, learning_rate, epochs):
    # The dropped rows are zeroed once, not in every epoch.
    keep = kept(weights)
    X, y = where_kept(X, keep), where_kept(y, keep)

    def one_epoch(p, _):
        g = gradients(p["w"], p["b"], X, y, weights)
        p = {"w": p["w"] - learning_rate * g["w"], "b": p["b"] - learning_rate * g["b"]}
        return p, loss(p["w"], p["b"], X, y, weights)

    return lax.scan(one_epoch, params, None, length=epochs)


_descend_jit = jax.jit(_descend, static_argnames=("gradients", "loss", "epochs"))


def fit_linear_gd(
    X: ArrayLike,
    y: ArrayLike,
    *,
    learning_rate: float | ArrayLike = 0.01,
    epochs: int = 1000,
    init: Params | None = None,
    weights: ArrayLike | None = None,
) -> tuple[Params, Array]:
    r"""Linear regression by full-batch gradient descent on the MSE with the hand-derived gradients.

    Each epoch is one step :math:`w \leftarrow w - \eta\,\partial L/\partial w`,
    :math:`b \leftarrow b - \eta\,\partial L/\partial b` (:func:`mse_gradients`), inside
    ``lax.scan``. It converges to :func:`normal_equation`'s answer when
    :math:`\eta < 1/\lambda_{\max}` of :math:`\frac{2}{N}[X, 1]^\top[X, 1]`;
    standardise the features (:func:`fnn.datasets.standardize`) so that a moderate
    :math:`\eta` works. ``learning_rate`` may be a traced scalar, so a sweep is one
    ``vmap``.

    Args:
      X: features ``(n, d)``; y: targets ``(n,)``.
      learning_rate: :math:`\eta > 0` (Python float or JAX scalar).
      epochs: number of steps (Python int, at least 1).
      init: initial ``{"w": (d,), "b": ()}``; zeros by default.
      weights: optional row weights ``(n,)`` (1 = training row, 0 = held out).

    Returns:
      ``(params, history)``: the final ``{"w": (d,), "b": ()}`` and the loss after each
      epoch, shape ``(epochs,)``.

    Example:
      >>> X = jnp.array([[0.0], [1.0], [2.0]])
      >>> params, history = fit_linear_gd(X, 2 * X[:, 0] + 1, learning_rate=0.1, epochs=500)
      >>> params["w"].round(3), params["b"].round(3)
      (Array([2.], dtype=float32), Array(1., dtype=float32))
    """
    X, y = _check_Xy(X, y, "fit_linear_gd")
    epochs = check_epochs(epochs, "fit_linear_gd")
    lr = check_learning_rate_scalar(learning_rate, X.dtype, "fit_linear_gd")
    params = _init_params(init, X.shape[1], X.dtype, "fit_linear_gd")
    weights = _check_weights(weights, X.shape[0], X.dtype, "fit_linear_gd")
    return _descend_jit(_mse_gradients, _mse_value, params, X, y, weights, lr, epochs)


def fit_logistic_gd(
    X: ArrayLike,
    y: ArrayLike,
    *,
    learning_rate: float | ArrayLike = 0.1,
    epochs: int = 1000,
    init: Params | None = None,
    weights: ArrayLike | None = None,
) -> tuple[Params, Array]:
    r"""Logistic regression by full-batch gradient descent on the log loss with the hand-derived gradients.

    Each epoch is one step with :func:`log_loss_gradients`, inside ``lax.scan``. The
    log loss is convex; gradient descent converges to the maximum-likelihood
    estimate when one exists (the classes overlap). On linearly separable data
    there is none: the weights grow without bound and the loss tends to 0.

    Args:
      X: features ``(n, d)``; y: labels in {0, 1} ``(n,)`` (checked when concrete).
      learning_rate: :math:`\eta > 0` (Python float or JAX scalar).
      epochs: number of steps (Python int, at least 1).
      init: initial ``{"w": (d,), "b": ()}``; zeros by default.
      weights: optional row weights ``(n,)``.

    Returns:
      ``(params, history)``: the final ``{"w": (d,), "b": ()}`` and the log loss after
      each epoch, shape ``(epochs,)``.

    Example:
      >>> X = jnp.array([[-2.0], [-1.0], [1.0], [2.0]])
      >>> params, history = fit_logistic_gd(X, jnp.array([0.0, 1.0, 0.0, 1.0]), epochs=100)
      >>> predict_proba(params, X).shape
      (4,)
    """
    X, y = _check_Xy(X, y, "fit_logistic_gd")
    epochs = check_epochs(epochs, "fit_logistic_gd")
    lr = check_learning_rate_scalar(learning_rate, X.dtype, "fit_logistic_gd")
    params = _init_params(init, X.shape[1], X.dtype, "fit_logistic_gd")
    weights = _check_weights(weights, X.shape[0], X.dtype, "fit_logistic_gd")
    _check_binary_labels(y, weights, "fit_logistic_gd")
    return _descend_jit(_log_loss_gradients, _log_loss_value, params, X, y, weights, lr, epochs)
