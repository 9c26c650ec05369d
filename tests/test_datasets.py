"""Tests for fnn.datasets: hand-written truth tables, scikit-learn's arrays and StandardScaler."""

from __future__ import annotations

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fnn import datasets

sklearn_datasets = pytest.importorskip("sklearn.datasets")
from sklearn.preprocessing import StandardScaler  # noqa: E402

_CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
# Written out by hand from the gates' definitions, independent of the module's table.
_TABLES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "xor": [0, 1, 1, 0],
}


# ---------------------------------------------------------------------------- gates


@pytest.mark.parametrize("name", sorted(_TABLES))
def test_logic_gate_binary_truth_table(name):
    X, y = datasets.logic_gate(name)
    assert X.shape == (4, 2) and y.shape == (4,)
    assert X.dtype == jnp.float32 and y.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(X), _CORNERS)
    np.testing.assert_array_equal(np.asarray(y), np.array(_TABLES[name], dtype=np.float32))


@pytest.mark.parametrize("name", sorted(_TABLES))
def test_logic_gate_bipolar_maps_zero_to_minus_one(name):
    X, y = datasets.logic_gate(name.upper(), encoding="bipolar")
    np.testing.assert_array_equal(np.asarray(X), np.where(_CORNERS == 0, -1.0, 1.0))
    np.testing.assert_array_equal(np.asarray(y), np.where(np.array(_TABLES[name]) == 0, -1.0, 1.0))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"name": "xnor"}, ValueError, "unknown gate"),
        ({"name": 3}, TypeError, "string"),
        ({"name": "and", "encoding": "signed"}, ValueError, "encoding"),
        ({"name": "and", "encoding": "Binary"}, ValueError, "encoding"),
    ],
)
def test_logic_gate_bad_input(kwargs, error, match):
    name = kwargs.pop("name")
    with pytest.raises(error, match=match):
        datasets.logic_gate(name, **kwargs)


# ---------------------------------------------------------------------------- xor cloud


@pytest.mark.parametrize("encoding", ["binary", "bipolar"])
def test_xor_cloud_labels_are_xor_of_the_nearest_corner(key, encoding):
    X, y = datasets.xor_cloud(key, 400, noise=0.1, encoding=encoding)
    assert X.shape == (400, 2) and y.shape == (400,) and X.dtype == jnp.float32
    X, y = np.asarray(X), np.asarray(y)
    low = 0.0 if encoding == "binary" else -1.0
    # Noise 0.1 against a half-distance of 0.5 (binary) or 1: every point stays in its corner's quadrant.
    bits = X > (low + 1.0) / 2 if encoding == "binary" else X > 0
    expected = np.logical_xor(bits[:, 0], bits[:, 1]).astype(np.float32)
    np.testing.assert_array_equal(y, np.where(expected == 1, 1.0, low))
    assert np.sum(y == 1.0) == 200  # balanced: 100 points per corner


def test_xor_cloud_without_noise_is_the_corners_repeated(key):
    X, y = datasets.xor_cloud(key, 8, noise=0.0)
    rows = sorted(map(tuple, np.asarray(jnp.concatenate([X, y[:, None]], axis=1)).tolist()))
    expected = sorted(map(tuple, np.concatenate([_CORNERS, np.array(_TABLES["xor"])[:, None]], axis=1).tolist())) * 2
    assert rows == sorted(expected)


def test_xor_cloud_is_a_pure_function_of_the_key(key):
    a = datasets.xor_cloud(key, 50)
    b = datasets.xor_cloud(key, 50)
    c = datasets.xor_cloud(jax.random.key(1), 50)
    np.testing.assert_array_equal(np.asarray(a[0]), np.asarray(b[0]))
    assert not np.array_equal(np.asarray(a[0]), np.asarray(c[0]))


@pytest.mark.parametrize(
    "n, noise, error, match",
    [
        (0, 0.1, ValueError, "at least 1"),
        (-3, 0.1, ValueError, "at least 1"),
        (2.5, 0.1, TypeError, "int"),
        (10, -0.1, ValueError, "non-negative"),
        (10, float("nan"), ValueError, "non-negative"),
        (10, "big", TypeError, "number"),
    ],
)
def test_xor_cloud_bad_input(key, n, noise, error, match):
    with pytest.raises(error, match=match):
        datasets.xor_cloud(key, n, noise=noise)


def test_xor_cloud_bad_key_and_encoding(key):
    with pytest.raises(TypeError, match="key"):
        datasets.xor_cloud(0, 10)
    with pytest.raises(ValueError, match="encoding"):
        datasets.xor_cloud(key, 10, encoding="onehot")


# ---------------------------------------------------------------------------- housing


@pytest.mark.parametrize("features, d", [("size", 1), ("all", 4)])
def test_housing_without_noise_follows_the_documented_formula(key, features, d):
    X, y, coef = datasets.housing(key, 300, features=features, noise=0.0)
    assert X.shape == (300, d) and y.shape == (300,) and coef["w"].shape == (d,) and coef["b"].shape == ()
    X64 = np.asarray(X, dtype=np.float64)
    # The documented coefficients, typed in from the docstring.
    w = [2.0] if features == "size" else [1.5, 10.0, 8.0, 3.0]
    np.testing.assert_array_equal(np.asarray(coef["w"]), np.array(w, dtype=np.float32))
    assert float(coef["b"]) == 50.0
    # float32 matmul of values up to ~1000: relative rounding ~1e-7 of the largest term.
    np.testing.assert_allclose(np.asarray(y), X64 @ np.array(w) + 50.0, rtol=1e-6)
    assert np.all((X64[:, 0] >= 50.0) & (X64[:, 0] <= 250.0))
    if features == "all":
        bedrooms, zip_code, wealth = X64[:, 1], X64[:, 2], X64[:, 3]
        assert set(np.unique(bedrooms)) <= set(range(1, 7))
        assert set(np.unique(zip_code)) == set(range(5))
        assert np.all(wealth > 0)


@pytest.mark.parametrize("features", ["size", "all"])
def test_housing_least_squares_recovers_the_true_coefficients(key, features):
    noise = 20.0
    X, y, coef = datasets.housing(key, 4000, features=features, noise=noise)
    X64 = np.asarray(X, dtype=np.float64)
    design = np.concatenate([X64, np.ones((X64.shape[0], 1))], axis=1)
    beta, *_ = np.linalg.lstsq(design, np.asarray(y, dtype=np.float64), rcond=None)
    # Each estimate must lie within 5 of its standard errors, sigma * sqrt(diag((A^T A)^-1)).
    stderr = noise * np.sqrt(np.diag(np.linalg.inv(design.T @ design)))
    truth = np.concatenate([np.asarray(coef["w"]), [float(coef["b"])]])
    assert np.all(np.abs(beta - truth) < 5 * stderr), (beta, truth, stderr)
    residual = np.asarray(y) - design @ truth
    np.testing.assert_allclose(residual.std(), noise, rtol=0.05)  # 4000 draws: sd of the sd ~1.1%


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n": 0}, ValueError, "at least 1"),
        ({"n": 10, "features": "rooms"}, ValueError, "features"),
        ({"n": 10, "noise": -1.0}, ValueError, "non-negative"),
        ({"n": True}, TypeError, "int"),
    ],
)
def test_housing_bad_input(key, kwargs, error, match):
    with pytest.raises(error, match=match):
        datasets.housing(key, **kwargs)


# ---------------------------------------------------------------------------- load


@pytest.mark.parametrize(
    "name, target_dtype",
    [
        ("iris", jnp.int32),
        ("breast_cancer", jnp.int32),
        ("wine", jnp.int32),
        ("digits", jnp.int32),
        ("diabetes", jnp.float32),
    ],
)
def test_load_equals_scikit_learn(name, target_dtype):
    X, y = datasets.load(name)
    X_ref, y_ref = getattr(sklearn_datasets, f"load_{name}")(return_X_y=True)
    assert X.dtype == jnp.float32 and y.dtype == target_dtype
    np.testing.assert_array_equal(np.asarray(X), X_ref.astype(np.float32))
    np.testing.assert_array_equal(np.asarray(y), y_ref.astype(target_dtype))


@pytest.mark.parametrize("name, error", [("mnist", ValueError), ("Iris", ValueError), (None, TypeError)])
def test_load_unknown_name(name, error):
    with pytest.raises(error, match="load:"):
        datasets.load(name)


# ---------------------------------------------------------------------------- standardize


def _data(n=40, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(3.0, 2.0, size=(n, d)) * np.arange(1, d + 1)


def test_standardize_on_training_rows_equals_standard_scaler(enable_x64):
    X = _data()
    mask = np.zeros(len(X))
    mask[::3] = 1.0
    X_std, mean, std = datasets.standardize(X, weights=mask)
    scaler = StandardScaler().fit(X[mask == 1])
    np.testing.assert_allclose(np.asarray(mean), scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(std), scaler.scale_, rtol=1e-12)
    # Every row, including the held-out ones, is transformed with the training statistics.
    np.testing.assert_allclose(np.asarray(X_std), scaler.transform(X), rtol=1e-12, atol=1e-12)


def test_standardize_general_weights_equal_standard_scaler_sample_weight(enable_x64):
    X = _data(seed=1)
    weights = np.random.default_rng(2).uniform(0.0, 3.0, size=len(X))
    X_std, mean, std = datasets.standardize(X, weights=weights)
    scaler = StandardScaler().fit(X, sample_weight=weights)
    np.testing.assert_allclose(np.asarray(mean), scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(std), scaler.scale_, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(X_std), scaler.transform(X), rtol=1e-12, atol=1e-12)


def test_standardize_without_weights_in_float32():
    X = _data(seed=3).astype(np.float32)
    X_std, mean, std = datasets.standardize(X)
    scaler = StandardScaler().fit(X.astype(np.float64))
    assert X_std.dtype == jnp.float32
    # float32 sums over 40 rows: a few ulps of rounding.
    np.testing.assert_allclose(np.asarray(mean), scaler.mean_, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(std), scaler.scale_, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(X_std), scaler.transform(X.astype(np.float64)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("constant", [0.0, 7.3, -1e4])
def test_standardize_constant_column_is_centred_not_divided_by_zero(constant):
    X = _data(n=12, d=3).astype(np.float32)
    X[:, 1] = constant
    mask = np.ones(12, dtype=np.float32)
    mask[-2:] = 0.0
    X[-1, 1] = constant + 5.0  # differs only on a held-out row
    X_std, mean, std = datasets.standardize(X, weights=mask)
    assert float(std[1]) == 1.0
    np.testing.assert_array_equal(np.asarray(X_std[:10, 1]), np.zeros(10, dtype=np.float32))
    np.testing.assert_allclose(float(X_std[-1, 1]), 5.0, rtol=1e-6)
    scaler = StandardScaler().fit(X[:10].astype(np.float64))
    assert scaler.scale_[1] == 1.0  # scikit-learn makes the same choice
    assert np.all(np.isfinite(np.asarray(X_std)))


def test_standardize_vmapped_over_fold_masks_equals_a_loop():
    X = jnp.asarray(_data(n=30, d=4, seed=4), dtype=jnp.float32)
    folds = np.arange(30) % 3
    masks = jnp.asarray(np.stack([(folds != k) for k in range(3)]), dtype=jnp.float32)
    batched = jax.jit(jax.vmap(lambda m: datasets.standardize(X, weights=m)))(masks)
    for k in range(3):
        single = datasets.standardize(X, weights=masks[k])
        for got, want in zip(batched, single, strict=True):
            np.testing.assert_allclose(np.asarray(got[k]), np.asarray(want), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "X, weights, error, match",
    [
        (np.ones(5), None, ValueError, "2-D"),
        (np.ones((2, 3, 4)), None, ValueError, "2-D"),
        (np.ones((0, 3)), None, ValueError, "no rows"),
        (np.ones((4, 2)), np.ones(3), ValueError, "shape"),
        (np.ones((4, 2)), np.ones((4, 1)), ValueError, "shape"),
        (np.ones((4, 2)), np.array([1.0, -1.0, 1.0, 1.0]), ValueError, "non-negative"),
        (np.ones((4, 2)), np.array([1.0, np.nan, 1.0, 1.0]), ValueError, "must be finite"),
        (np.ones((4, 2)), np.zeros(4), ValueError, "all zero"),
        ("abc", None, TypeError, "array"),
    ],
)
def test_standardize_bad_input(X, weights, error, match):
    with pytest.raises(error, match=match):
        datasets.standardize(X, weights=weights)


def test_load_reads_fnn_files_without_scikit_learn():
    # the files ship with fnn: a core install (no scikit-learn) loads them, and a script
    # does not pay scikit-learn's import
    code = (
        "import sys; from fnn import datasets; X, y = datasets.load('breast_cancer'); "
        "assert X.shape == (569, 30) and 'sklearn' not in sys.modules, sorted(sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, JAX_PLATFORMS="cpu"),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
