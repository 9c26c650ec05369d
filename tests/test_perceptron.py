"""Tests for fnn.perceptron: truth tables, a NumPy reference loop, and an exact separability LP."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fnn import datasets, linear, perceptron

pytest.importorskip("scipy")

_CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)


def _numpy_perceptron(X, y, eta, epochs, low, w0, b0):
    """Rosenblatt's rule written out with NumPy, example by example, same order and expression."""
    w, b = np.array(w0, dtype=X.dtype), X.dtype.type(b0)
    eta = X.dtype.type(eta)
    mistakes = []
    for _ in range(epochs):
        wrong = 0
        for x_i, y_i in zip(X, y, strict=True):
            output = X.dtype.type(1.0 if x_i @ w + b >= 0 else low)
            update = eta * (y_i - output)
            w = w + update * x_i
            b = b + update
            wrong += int(output != y_i)
        mistakes.append(wrong)
    return w, b, np.array(mistakes)


def _separable_data(seed, n=60, d=3, margin=0.2):
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=d)
    X = rng.normal(size=(4 * n, d))
    score = X @ w_true / np.linalg.norm(w_true) + 0.3
    keep = np.abs(score) > margin
    X, score = X[keep][:n], score[keep][:n]
    return X, np.where(score > 0, 1.0, -1.0)


# ---------------------------------------------------------------------------- net input and predict


@pytest.mark.parametrize(
    "gate, w, b, table",
    [
        ("and", (0.5, 0.5), -0.7, (0, 0, 0, 1)),  # the material's hand-set AND
        ("or", (0.6, 0.6), -0.5, (0, 1, 1, 1)),  # the material's hand-set OR
    ],
)
def test_hand_set_gates_reproduce_their_truth_tables(gate, w, b, table):
    params = {"w": jnp.array(w), "b": jnp.array(b)}
    X, y = datasets.logic_gate(gate)
    out = jax.jit(lambda p, x: perceptron.predict(p, x, encoding="binary"))(params, X)
    np.testing.assert_array_equal(np.asarray(out), np.array(table, dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(out), np.asarray(y))
    # Net inputs by hand: b, w2 + b, w1 + b, w1 + w2 + b (float32 sums: a few ulps).
    expected = np.array([b, w[1] + b, w[0] + b, w[0] + w[1] + b], dtype=np.float32)
    np.testing.assert_allclose(np.asarray(perceptron.net_input(params, _CORNERS)), expected, rtol=1e-6, atol=1e-7)
    bipolar = perceptron.predict(params, _CORNERS)
    np.testing.assert_array_equal(np.asarray(bipolar), 2 * np.array(table, dtype=np.float32) - 1)


def test_predict_fires_at_exactly_zero_and_keeps_nan_rows_low():
    params = {"w": jnp.array([1.0, -1.0]), "b": jnp.array(0.0)}
    X = jnp.array([[2.0, 2.0], [1e4, -1e4], [-1e4, 1e4], [jnp.inf, 0.0], [jnp.nan, 0.0]])
    out = perceptron.predict(params, X)
    # z = 0 fires (step(0) = 1, as fnn.activations.step); NaN >= 0 is False.
    np.testing.assert_array_equal(np.asarray(out), np.array([1.0, 1.0, -1.0, 1.0, -1.0], dtype=np.float32))


# ---------------------------------------------------------------------------- fit


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
@pytest.mark.parametrize("encoding", ["bipolar", "binary"])
def test_fit_learns_separable_gates_exactly(gate, encoding):
    X, y = datasets.logic_gate(gate, encoding=encoding)
    params, mistakes = perceptron.fit(X, y, learning_rate=0.1, epochs=20, encoding=encoding)
    assert mistakes.shape == (20,) and mistakes.dtype == jnp.int32
    assert int(mistakes[-1]) == 0
    np.testing.assert_array_equal(np.asarray(perceptron.predict(params, X, encoding=encoding)), np.asarray(y))
    # Once an epoch is mistake-free nothing changes, so every later epoch is mistake-free too.
    first_clean = int(np.argmax(np.asarray(mistakes) == 0))
    assert np.all(np.asarray(mistakes)[first_clean:] == 0)


@pytest.mark.parametrize("encoding", ["bipolar", "binary"])
def test_fit_never_learns_xor(encoding):
    X, y = datasets.logic_gate("xor", encoding=encoding)
    params, mistakes = perceptron.fit(X, y, learning_rate=0.1, epochs=100, encoding=encoding)
    assert np.all(np.asarray(mistakes) > 0)
    out = np.asarray(perceptron.predict(params, X, encoding=encoding))
    assert np.any(out != np.asarray(y))


@pytest.mark.parametrize(
    "gate, encoding, eta",
    [
        ("and", "bipolar", 0.25),
        ("nand", "binary", 0.5),
        ("xor", "bipolar", 0.125),
        ("or", "binary", 1.0),
    ],
)
def test_fit_equals_numpy_loop_bit_for_bit_with_exact_arithmetic(gate, encoding, eta):
    # Power-of-two learning rates on 0/±1 data: every operation is exact, so weights must be identical.
    X, y = datasets.logic_gate(gate, encoding=encoding)
    low = -1.0 if encoding == "bipolar" else 0.0
    init = {"w": jnp.array([0.5, -0.25]), "b": jnp.array(0.125)}
    params, mistakes = perceptron.fit(X, y, learning_rate=eta, epochs=7, init=init, encoding=encoding)
    w, b, ref_mistakes = _numpy_perceptron(np.asarray(X), np.asarray(y), eta, 7, low, [0.5, -0.25], 0.125)
    np.testing.assert_array_equal(np.asarray(params["w"]), w)
    assert float(params["b"]) == float(b)
    np.testing.assert_array_equal(np.asarray(mistakes), ref_mistakes)


@pytest.mark.parametrize("seed", [0, 1])
def test_fit_equals_numpy_loop_on_random_data_float64(enable_x64, key, seed):
    X, y = _separable_data(seed)
    w0 = np.asarray(0.01 * jax.random.normal(key, (X.shape[1],), dtype=jnp.float64))
    params, mistakes = perceptron.fit(X, y, learning_rate=0.1, epochs=15, key=key)
    w, b, ref_mistakes = _numpy_perceptron(X, y, 0.1, 15, -1.0, w0, 0.0)
    # Same operations in the same order; only dot-product summation order may differ.
    np.testing.assert_allclose(np.asarray(params["w"]), w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(float(params["b"]), b, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(np.asarray(mistakes), ref_mistakes)
    assert ref_mistakes[-1] == 0  # Novikoff: separable with margin, so it converges


def test_fit_vmaps_over_learning_rates_and_jits():
    X, y = datasets.logic_gate("nand", encoding="bipolar")
    rates = jnp.array([0.125, 0.25, 1.0])
    batched = jax.jit(jax.vmap(lambda lr: perceptron.fit(X, y, learning_rate=lr, epochs=10)))(rates)
    for i, lr in enumerate([0.125, 0.25, 1.0]):
        params, mistakes = perceptron.fit(X, y, learning_rate=lr, epochs=10)
        np.testing.assert_array_equal(np.asarray(batched[0]["w"][i]), np.asarray(params["w"]))
        np.testing.assert_array_equal(np.asarray(batched[1][i]), np.asarray(mistakes))


def test_fit_with_zero_init_is_scale_free():
    # From zero weights, eta only rescales the weights: predictions and mistakes do not change.
    X, y = _separable_data(3)
    X = X.astype(np.float32)
    p1, m1 = perceptron.fit(X, y, learning_rate=1.0, epochs=10)
    p2, m2 = perceptron.fit(X, y, learning_rate=0.25, epochs=10)
    np.testing.assert_array_equal(np.asarray(m1), np.asarray(m2))
    np.testing.assert_array_equal(np.asarray(p1["w"]) * 0.25, np.asarray(p2["w"]))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y": [1.0, 0.0, 0.0, 1.0]}, ValueError, "labels must be in"),
        ({"y": [1.0, -1.0, 1.0, -1.0], "encoding": "binary"}, ValueError, "labels must be in"),
        ({"y": [1.0, 2.0, 1.0, 1.0]}, ValueError, "labels must be in"),
        ({"y": [1.0, -1.0, 1.0]}, ValueError, "shape"),
        ({"y": [[1.0], [-1.0], [1.0], [1.0]]}, ValueError, "shape"),
        ({"X": np.ones(4)}, ValueError, "2-D"),
        ({"X": np.ones((0, 2)), "y": np.ones(0)}, ValueError, "at least one"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2.0}, TypeError, "epochs must be an int"),
        ({"learning_rate": 0.0}, ValueError, "positive"),
        ({"learning_rate": jnp.ones(2)}, ValueError, "scalar"),
        ({"learning_rate": np.inf}, ValueError, "positive and finite"),
        ({"learning_rate": "0.1"}, TypeError, "learning_rate must be an array of numbers"),
        ({"encoding": "signed"}, ValueError, "encoding"),
        ({"key": jax.random.key(0), "init": {"w": jnp.zeros(2), "b": jnp.zeros(())}}, ValueError, "not both"),
        ({"init": {"w": jnp.zeros(3), "b": jnp.zeros(())}}, ValueError, "shape"),
        ({"init": {"weights": jnp.zeros(2)}}, TypeError, "dict"),
        ({"key": 0}, TypeError, "key"),
    ],
)
def test_fit_bad_input(kwargs, error, match):
    args = {"X": _CORNERS, "y": np.array([-1.0, -1.0, -1.0, 1.0])}
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(error, match=match):
        perceptron.fit(X, y, **args)


def test_predict_bad_input():
    params = {"w": jnp.zeros(2), "b": jnp.zeros(())}
    with pytest.raises(ValueError, match="shape"):
        perceptron.predict(params, np.ones((3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        perceptron.predict(params, np.ones(2))
    with pytest.raises(ValueError, match="encoding"):
        perceptron.predict(params, np.ones((3, 2)), encoding="onehot")


# ---------------------------------------------------------------------------- separability


@pytest.mark.parametrize("gate, separable", [("and", True), ("or", True), ("nand", True), ("xor", False)])
@pytest.mark.parametrize("encoding", ["binary", "bipolar"])
def test_is_linearly_separable_on_gates(gate, separable, encoding):
    assert perceptron.is_linearly_separable(*datasets.logic_gate(gate, encoding=encoding)) is separable


def test_is_linearly_separable_agrees_with_perceptron_on_clouds(key):
    X, y = _separable_data(5)
    assert perceptron.is_linearly_separable(X, y) is True
    X, y = datasets.xor_cloud(key, 40, noise=0.05)
    assert perceptron.is_linearly_separable(X, y) is False
    _, mistakes = perceptron.fit(X, y, learning_rate=0.1, epochs=30, encoding="binary")
    assert np.all(np.asarray(mistakes) > 0)


@pytest.mark.parametrize(
    "X, y, expected",
    [
        ([[0.0], [1.0]], [0, 1], True),
        ([[0.0], [1.0], [2.0]], [0, 1, 0], False),  # 1-D "XOR": the middle point cannot be cut off
        ([[1.0, 1.0], [1.0, 1.0]], [0, 1], False),  # the same point in both classes
        ([[3.0, 4.0], [5.0, 6.0]], [1, 1], True),  # one class
        ([[0.0, 0.0], [1e-3, 0.0]], [-1, 1], True),  # tiny margin is still a margin
    ],
)
def test_is_linearly_separable_hand_cases(X, y, expected):
    assert perceptron.is_linearly_separable(np.array(X), np.array(y)) is expected


def test_is_linearly_separable_bad_input():
    with pytest.raises(ValueError, match="two classes"):
        perceptron.is_linearly_separable(np.zeros((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="shape"):
        perceptron.is_linearly_separable(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="finite"):
        perceptron.is_linearly_separable(np.array([[0.0], [np.nan]]), np.array([0, 1]))
    with pytest.raises(TypeError, match="outside jit"):
        jax.jit(perceptron.is_linearly_separable)(jnp.zeros((2, 1)), jnp.array([0.0, 1.0]))


def test_fit_equals_sklearn_perceptron_from_the_same_start(enable_x64):
    # scikit-learn updates by eta0 * y when y * z <= 0; fnn by eta * (y - y_hat) = 2 * eta * y when
    # y_hat != y. They differ only at z == 0 exactly, which random float64 data never hits.
    linear_model = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(11)
    X = rng.normal(size=(40, 3))
    y = np.where(X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 2.0 * rng.normal(size=40) > 0, 1.0, -1.0)
    w0, b0 = rng.normal(size=3), 0.2
    ref = linear_model.Perceptron(eta0=0.1, shuffle=False, tol=None, max_iter=7, penalty=None, alpha=0.0)
    ref.fit(X, y, coef_init=w0[None, :].copy(), intercept_init=np.array([b0]))
    params, mistakes = perceptron.fit(X, y, learning_rate=0.05, epochs=7, init={"w": w0, "b": b0})
    np.testing.assert_allclose(np.asarray(params["w"]), ref.coef_[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(float(params["b"]), ref.intercept_[0], rtol=1e-12, atol=1e-14)
    assert perceptron.is_linearly_separable(X, y) is False  # label noise makes the classes overlap
    assert np.all(np.asarray(mistakes) > 0)


def test_net_input_is_linear_regressions_prediction_with_its_own_name_in_errors():
    # One computation under two names of the course: equal to the last bit.
    params = {"w": jnp.array([0.3, -1.2]), "b": jnp.array(0.4)}
    X = jnp.asarray(np.random.default_rng(0).normal(size=(6, 2)), jnp.float32)
    np.testing.assert_array_equal(
        np.asarray(perceptron.net_input(params, X)), np.asarray(linear.predict_linear(params, X))
    )
    with pytest.raises(ValueError, match="^net_input: "):
        perceptron.net_input(params, np.ones((3, 3)))
    with pytest.raises(ValueError, match="^predict_linear: "):
        linear.predict_linear(params, np.ones((3, 3)))
