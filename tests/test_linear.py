"""Tests for fnn.linear against scikit-learn, NumPy's lstsq, optax's losses and jax.grad."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from fnn import datasets, linear

pytest.importorskip("sklearn")
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import log_loss as sk_log_loss  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def _regression(seed=0, n=50, d=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 20.0, size=d) + rng.normal(size=d) * 5
    y = X @ rng.normal(size=d) + 3.0 + rng.normal(size=n)
    return X, y


def _params(w, b):
    return {"w": jnp.asarray(w), "b": jnp.asarray(b)}


def _breast_cancer_subset():
    # Mean radius, mean texture, mean smoothness: the classes overlap, so the MLE exists.
    X, y = datasets.load("breast_cancer")
    X = StandardScaler().fit_transform(np.asarray(X, dtype=np.float64)[:, [0, 1, 4]])
    return X, np.asarray(y, dtype=np.float64)


# ---------------------------------------------------------------------------- normal equation


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_normal_equation_equals_sklearn_and_numpy_lstsq(enable_x64, fit_intercept, seed):
    X, y = _regression(seed)
    params = linear.normal_equation(X, y, fit_intercept=fit_intercept)
    ref = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(np.asarray(params["w"]), ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(float(params["b"]), ref.intercept_, rtol=1e-10, atol=1e-12)
    design = np.concatenate([X, np.ones((len(X), 1))], axis=1) if fit_intercept else X
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(np.asarray(params["w"]), beta[: X.shape[1]], rtol=1e-10)


def test_normal_equation_recovers_housing_coefficients_in_float32():
    X, y, coef = datasets.housing(jax.random.key(3), 2000, features="all", noise=20.0)
    params = linear.normal_equation(X, y)
    X64, y64 = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ref = LinearRegression().fit(X64, y64)
    # Raw columns of very different scales (size ~150, zip 0-4): column scaling keeps float32
    # accurate to ~1e-4 relative; an explicit (X^T X)^-1 in float32 would lose about cond(X)^2 * eps.
    np.testing.assert_allclose(np.asarray(params["w"]), ref.coef_, rtol=2e-4)
    np.testing.assert_allclose(float(params["b"]), ref.intercept_, rtol=2e-4)
    np.testing.assert_allclose(np.asarray(params["w"]), np.asarray(coef["w"]), rtol=0.1)


def _singular_cases():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(20, 3))
    return {
        "duplicate columns": np.concatenate([base, base[:, :1]], axis=1),
        "more features than samples": rng.normal(size=(4, 6)),
        "constant column with bias": np.concatenate([base, np.full((20, 1), 2.5)], axis=1),
        "zero column": np.concatenate([base, np.zeros((20, 1))], axis=1),
        "combination of columns": np.concatenate([base, base[:, :1] - 3 * base[:, 1:2]], axis=1),
        "nearly dependent": np.concatenate([base, base[:, :1] + 1e-13 * rng.normal(size=(20, 1))], axis=1),
    }


@pytest.mark.parametrize("case", sorted(_singular_cases()))
def test_normal_equation_refuses_singular_systems(enable_x64, case):
    X = _singular_cases()[case]
    y = np.random.default_rng(8).normal(size=len(X))
    with pytest.raises(ValueError, match="singular or ill-conditioned.*allow_singular=True"):
        linear.normal_equation(X, y)


@pytest.mark.parametrize("case", sorted(set(_singular_cases()) - {"nearly dependent"}))
def test_allow_singular_gives_the_minimum_norm_solution(enable_x64, case):
    X = _singular_cases()[case]
    y = np.random.default_rng(8).normal(size=len(X))
    params = linear.normal_equation(X, y, allow_singular=True)
    also = linear.least_squares(X, y)
    # scikit-learn centres and takes the minimum-norm lstsq solution; so does fnn.
    ref = LinearRegression().fit(X, y)
    np.testing.assert_allclose(np.asarray(params["w"]), ref.coef_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(float(params["b"]), ref.intercept_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(np.asarray(also["w"]), np.asarray(params["w"]), rtol=1e-12, atol=1e-13)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(np.asarray(params["w"]), np.linalg.pinv(Xc) @ (y - y.mean()), rtol=1e-9, atol=1e-10)


def test_least_squares_without_intercept_equals_pinv_and_jits(enable_x64):
    X = _singular_cases()["duplicate columns"]
    y = np.random.default_rng(9).normal(size=len(X))
    params = jax.jit(lambda a, b: linear.least_squares(a, b, fit_intercept=False))(X, y)
    np.testing.assert_allclose(np.asarray(params["w"]), np.linalg.pinv(X) @ y, rtol=1e-10, atol=1e-12)
    assert float(params["b"]) == 0.0


def test_normal_equation_refuses_traced_input():
    X, y = _regression()
    with pytest.raises(TypeError, match="outside jit"):
        jax.jit(linear.normal_equation)(X, y)


# ---------------------------------------------------------------------------- losses and hand gradients


def _mse_by_hand(params, X, y, weights):
    residual = y - X @ params["w"] - params["b"]
    return jnp.sum(weights * residual**2) / jnp.sum(weights)


def _log_loss_by_optax(params, X, y, weights):
    per_example = optax.sigmoid_binary_cross_entropy(X @ params["w"] + params["b"], y)
    return jnp.sum(weights * per_example) / jnp.sum(weights)


@pytest.mark.parametrize("weighted", [False, True])
def test_mse_gradients_equal_jax_grad(enable_x64, weighted):
    X, y = _regression(2, n=30, d=3)
    rng = np.random.default_rng(3)
    weights = rng.uniform(0, 2, size=30) if weighted else None
    params = _params(rng.normal(size=3), 0.7)
    w_arr = jnp.ones(30) if weights is None else jnp.asarray(weights)
    hand = jax.jit(lambda p: linear.mse_gradients(p, X, y, weights=weights))(params)
    auto = jax.grad(_mse_by_hand)(params, X, y, w_arr)
    own = jax.grad(lambda p: linear.mse_loss(p, X, y, weights=weights))(params)
    for g in (auto, own):
        np.testing.assert_allclose(np.asarray(hand["w"]), np.asarray(g["w"]), rtol=1e-12)
        np.testing.assert_allclose(float(hand["b"]), float(g["b"]), rtol=1e-12)
    np.testing.assert_allclose(
        float(linear.mse_loss(params, X, y, weights=weights)), float(_mse_by_hand(params, X, y, w_arr)), rtol=1e-12
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_gradients_equal_jax_grad_of_optax_loss(enable_x64, weighted):
    X, y = _breast_cancer_subset()
    rng = np.random.default_rng(4)
    weights = rng.uniform(0, 2, size=len(y)) if weighted else None
    params = _params(rng.normal(size=3), -0.3)
    w_arr = jnp.ones(len(y)) if weights is None else jnp.asarray(weights)
    hand = jax.jit(lambda p: linear.log_loss_gradients(p, X, y, weights=weights))(params)
    auto = jax.grad(_log_loss_by_optax)(params, X, y, w_arr)
    own = jax.grad(lambda p: linear.log_loss(p, X, y, weights=weights))(params)
    for g in (auto, own):
        np.testing.assert_allclose(np.asarray(hand["w"]), np.asarray(g["w"]), rtol=1e-12)
        np.testing.assert_allclose(float(hand["b"]), float(g["b"]), rtol=1e-12)
    proba = np.asarray(linear.predict_proba(params, X))
    np.testing.assert_allclose(
        float(linear.log_loss(params, X, y, weights=weights)), sk_log_loss(y, proba, sample_weight=weights), rtol=1e-12
    )


def test_log_loss_and_its_gradient_stay_finite_at_extreme_net_inputs():
    X = jnp.array([[1e4], [-1e4], [1e4], [-1e4], [0.0]])
    y = jnp.array([1.0, 0.0, 0.0, 1.0, 1.0])
    params = _params([1.0], 0.0)
    # Two confident mistakes cost z = 1e4 each; one example at z = 0 costs log 2.
    np.testing.assert_allclose(float(linear.log_loss(params, X, y)), (2e4 + np.log(2.0)) / 5, rtol=1e-6)
    grads = linear.log_loss_gradients(params, X, y)
    # (sigma(z) - y) x: 0, 0, 1e4, 1e4, -0.5 * 0 -> mean 4e3; for b: (0 + 0 + 1 - 1 - 0.5) / 5.
    np.testing.assert_allclose(np.asarray(grads["w"]), [4e3], rtol=1e-6)
    np.testing.assert_allclose(float(grads["b"]), -0.1, rtol=1e-6)
    proba = linear.predict_proba(params, X)
    np.testing.assert_array_equal(np.asarray(proba), np.array([1.0, 0.0, 1.0, 0.0, 0.5], dtype=np.float32))


def test_predictions_match_numpy_formulas():
    X, _ = _regression(5, n=10, d=2)
    X = X.astype(np.float32)
    params = _params(np.array([0.3, -0.2], dtype=np.float32), np.float32(0.5))
    z = X.astype(np.float64) @ np.array([0.3, -0.2]) + 0.5
    np.testing.assert_allclose(np.asarray(linear.predict_linear(params, X)), z, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(linear.predict_proba(params, X)), 1 / (1 + np.exp(-z)), rtol=1e-6)
    labels = linear.predict_logistic(params, X, threshold=0.3)
    assert labels.dtype == jnp.int32
    np.testing.assert_array_equal(np.asarray(labels), (1 / (1 + np.exp(-z)) >= 0.3).astype(np.int32))


# ---------------------------------------------------------------------------- gradient descent


def test_fit_linear_gd_converges_to_the_normal_equation(enable_x64):
    X, y, _ = datasets.housing(jax.random.key(1), 500, features="all")
    X_std, _, _ = datasets.standardize(X)
    params, history = linear.fit_linear_gd(X_std, y, learning_rate=0.1, epochs=1500)
    exact = linear.normal_equation(X_std, y)
    np.testing.assert_allclose(np.asarray(params["w"]), np.asarray(exact["w"]), rtol=1e-9)
    np.testing.assert_allclose(float(params["b"]), float(exact["b"]), rtol=1e-9)
    assert history.shape == (1500,)
    # Step below 1/L: the loss never increases, and the history's last entry is the final loss.
    assert np.all(np.diff(np.asarray(history)) <= 1e-9 * np.asarray(history)[1:])
    np.testing.assert_allclose(float(history[-1]), float(linear.mse_loss(params, X_std, y)), rtol=1e-12)


def test_fit_logistic_gd_converges_to_sklearn_unregularised(enable_x64):
    X, y = _breast_cancer_subset()
    params, history = linear.fit_logistic_gd(X, y, learning_rate=2.0, epochs=4000)
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    # Both are iterative: GD's residual error after 4000 steps and lbfgs's stopping rule ~1e-8.
    np.testing.assert_allclose(np.asarray(params["w"]), ref.coef_[0], rtol=1e-6)
    np.testing.assert_allclose(float(params["b"]), ref.intercept_[0], rtol=1e-6)
    np.testing.assert_allclose(float(history[-1]), sk_log_loss(y, ref.predict_proba(X)[:, 1]), rtol=1e-10)
    accuracy = np.mean(np.asarray(linear.predict_logistic(params, X)) == ref.predict(X))
    assert accuracy == 1.0


def test_fit_with_a_zero_one_mask_equals_fit_on_the_subset(enable_x64):
    X, y = _breast_cancer_subset()
    mask = (np.arange(len(y)) % 4 != 0).astype(np.float64)
    masked, h1 = linear.fit_logistic_gd(X, y, learning_rate=0.5, epochs=200, weights=mask)
    subset, h2 = linear.fit_logistic_gd(X[mask == 1], y[mask == 1], learning_rate=0.5, epochs=200)
    np.testing.assert_allclose(np.asarray(masked["w"]), np.asarray(subset["w"]), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(h1), np.asarray(h2), rtol=1e-12)
    Xr, yr = _regression(6)
    m = (np.arange(len(yr)) % 3 != 0).astype(np.float64)
    a, _ = linear.fit_linear_gd(Xr, yr, learning_rate=1e-4, epochs=50, weights=m)
    b, _ = linear.fit_linear_gd(Xr[m == 1], yr[m == 1], learning_rate=1e-4, epochs=50)
    np.testing.assert_allclose(np.asarray(a["w"]), np.asarray(b["w"]), rtol=1e-12)


def test_learning_rate_sweep_vmaps_and_shows_slow_and_overshooting_steps():
    X, y, _ = datasets.housing(jax.random.key(2), 200, features="size")
    X_std, _, _ = datasets.standardize(X)
    rates = jnp.array([0.001, 0.1, 1.05])  # 2/N X^T X has eigenvalues 2 (centred) -> diverges above 1
    batched = jax.jit(jax.vmap(lambda lr: linear.fit_linear_gd(X_std, y, learning_rate=lr, epochs=100)))(rates)
    for i, lr in enumerate([0.001, 0.1, 1.05]):
        params, history = linear.fit_linear_gd(X_std, y, learning_rate=lr, epochs=100)
        # vmapped and looped runs are the same float32 computation, up to reassociation.
        np.testing.assert_allclose(np.asarray(batched[1][i]), np.asarray(history), rtol=1e-5)
    slow, good, overshoot = (np.asarray(batched[1][i]) for i in range(3))
    assert good[-1] < slow[-1] and slow[-1] < slow[0]
    assert overshoot[-1] > overshoot[0]


# ---------------------------------------------------------------------------- bad input


_X = np.ones((4, 2))
_Y = np.array([0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize(
    "fn", [linear.normal_equation, linear.least_squares, linear.fit_linear_gd, linear.fit_logistic_gd]
)
@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones(4), _Y, "2-D"),
        (np.ones((0, 2)), np.ones(0), "at least one"),
        (np.ones((4, 0)), _Y, "at least one"),
        (_X, _Y[:3], "shape"),
        (_X, _Y[:, None], "shape"),
        ("abc", _Y, "array"),
    ],
)
def test_fits_reject_bad_shapes(fn, X, y, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fn(X, y)


@pytest.mark.parametrize("fn", [linear.fit_logistic_gd, linear.log_loss_gradients, linear.log_loss])
@pytest.mark.parametrize("labels", [[-1.0, 1.0, 1.0, -1.0], [0.0, 1.0, 2.0, 1.0], [0.0, 0.5, 1.0, 1.0]])
def test_logistic_rejects_non_binary_labels(fn, labels):
    args = (np.eye(4, 2), np.array(labels))
    with pytest.raises(ValueError, match=r"labels in \{0, 1\}"):
        fn(*args) if fn is linear.fit_logistic_gd else fn(_params(np.zeros(2), 0.0), *args)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"learning_rate": 0.0}, ValueError, "positive"),
        ({"learning_rate": -0.1}, ValueError, "positive"),
        ({"learning_rate": jnp.ones(3)}, ValueError, "scalar"),
        ({"learning_rate": np.nan}, ValueError, "positive and finite"),
        ({"learning_rate": np.inf}, ValueError, "positive and finite"),
        ({"learning_rate": "0.1"}, TypeError, "learning_rate must be an array of numbers"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 10.0}, TypeError, "epochs must be an int"),
        ({"init": {"w": jnp.zeros(3), "b": jnp.zeros(())}}, ValueError, "shape"),
        ({"init": {"w": jnp.zeros(2), "b": jnp.zeros(1)}}, ValueError, "scalar b"),
        ({"init": [jnp.zeros(2), 0.0]}, TypeError, "dict"),
        ({"weights": np.ones(3)}, ValueError, "shape"),
        ({"weights": -np.ones(4)}, ValueError, "non-negative"),
        ({"weights": np.zeros(4)}, ValueError, "weights are all zero"),
    ],
)
@pytest.mark.parametrize("fn", [linear.fit_linear_gd, linear.fit_logistic_gd])
def test_gd_rejects_bad_options(fn, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(np.eye(4, 2), _Y, **kwargs)


def test_predictions_reject_bad_params_and_threshold():
    with pytest.raises(ValueError, match="shape"):
        linear.predict_linear(_params(np.zeros(3), 0.0), _X)
    with pytest.raises(ValueError, match="2-D"):
        linear.predict_proba(_params(np.zeros(2), 0.0), np.ones(2))
    with pytest.raises(ValueError, match="threshold"):
        linear.predict_logistic(_params(np.zeros(2), 0.0), _X, threshold=1.0)


def test_refusal_depends_on_the_working_precision(key):
    # cond(scaled design) ~ 1e5: X^T X (cond ~ 1e10) is singular in float32, fine in float64.
    rng = np.random.default_rng(10)
    base = rng.normal(size=(100, 2))
    X = np.concatenate([base, base[:, :1] + 1e-5 * rng.normal(size=(100, 1))], axis=1)
    y = X @ np.array([1.0, 2.0, 3.0]) + rng.normal(size=100)
    with pytest.raises(ValueError, match="ill-conditioned"):
        linear.normal_equation(X.astype(np.float32), y.astype(np.float32))
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        params = linear.normal_equation(X, y)
        ref = LinearRegression().fit(X, y)
        # cond ~1e5 amplifies float64 rounding to ~1e-11 relative.
        np.testing.assert_allclose(np.asarray(params["w"]), ref.coef_, rtol=1e-8)
    finally:
        jax.config.update("jax_enable_x64", previous)


def test_correlated_real_features_pass_in_float32():
    # Breast cancer: radius, perimeter and area are nearly collinear (scaled cond ~316 < 2896).
    X, y = datasets.load("breast_cancer")
    params = linear.normal_equation(X, y)
    ref = LinearRegression().fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
    pred = np.asarray(linear.predict_linear(params, X))
    # Compare predictions (well determined) rather than the collinear coefficients: float32 with cond ~316.
    np.testing.assert_allclose(pred, ref.predict(np.asarray(X, dtype=np.float64)), atol=1e-3)
