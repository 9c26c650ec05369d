"""fnn's one rule for rows of weight 0 (``fnn._masked``), property-tested across the package.

For every loss, every metric, ``train.fit``, the linear models and
``datasets.standardize``: giving a row weight 0 equals deleting that row, in value and
in gradient, also when the row holds inf, -inf or NaN; and all-zero (traced) weights
give NaN for every mean-type function (0 for a sum), with a zero gradient.

The reference is always the same computation on the data with the row deleted (the
other rows keep their weights). Float64 throughout (a module fixture): deleting a row
only changes the order of a few short summations, so values and gradients agree to
rtol 1e-12, with atol 1e-12 for entries that cancel to about 0.

Budget: compilation dominates (each function's program compiles once per data size,
and the deleted data is one row shorter), so the sizes are few, the programs compile
fast (``_FAST_COMPILE``) and the empty-fold checks reuse the property tests' programs;
``train.fit`` on concrete data compiles on every call and runs twice. About 16 s on a
shared, loaded 2-core machine.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fnn import datasets, linear, losses, metrics, train

RTOL = ATOL = 1e-12
C = 3  # classes
N = 5  # rows of the all-zero checks, one of the sizes the property tests draw
BAD = st.sampled_from([np.inf, -np.inf, np.nan])
PROPERTY = settings(max_examples=10, deadline=None, database=None, derandomize=True)


@pytest.fixture(autouse=True, scope="module")
def _float64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


@dataclasses.dataclass
class Case:
    """``n`` rows; row ``drop`` has weight 0 and may hold ``bad``; the rest keep ``weights``."""

    n: int
    drop: int
    weights: np.ndarray
    bad: float
    rng: np.random.Generator

    @property
    def others(self) -> np.ndarray:
        return np.delete(np.arange(self.n), self.drop)


@st.composite
def cases(draw, sizes=(N,)):
    # Few sizes: each size, and size - 1 for the deleted data, compiles every program again.
    n = draw(st.sampled_from(sizes))
    drop = draw(st.integers(0, n - 1))
    # Other rows may have weight 0 too: they stay in both the weighted and the deleted data.
    weight = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.125, 4.0))
    weights = np.array(draw(st.lists(weight, min_size=n, max_size=n)))
    weights[drop] = 0.0
    if not np.any(weights > 0):  # concrete weights may not be all 0
        weights[(drop + 1) % n] = 1.0
    return Case(n, drop, weights, draw(BAD), np.random.default_rng(draw(st.integers(0, 2**32 - 1))))


#: Each program runs a few times on a few rows, so compiling it is nearly all its cost:
#: LLVM at -O0 and XLA's classic emitters (as fnn.cv compiles its programs on CPU)
#: halve that. The HLO passes, where selection and NaN semantics live, are the same,
#: and the arithmetic stays IEEE (no fast math); other backends ignore the options.
_FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}


def _on_host(fn):
    """``fn`` compiled once per shape, returning numpy arrays (so that indexing them compiles nothing)."""
    compiled = jax.jit(fn, compiler_options=_FAST_COMPILE if jax.default_backend() == "cpu" else None)
    return lambda *args: jax.tree.map(np.asarray, compiled(*args))


def _close(got, want):
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=RTOL, atol=ATOL)


def _dropped_gradient_is_zero(grad, drop):
    np.testing.assert_array_equal(np.asarray(grad)[drop], 0.0)
    assert np.all(np.isfinite(np.asarray(grad)))


def _zero_and_finite(tree, what):
    for leaf in jax.tree.leaves(tree):
        np.testing.assert_array_equal(np.asarray(leaf), 0.0, err_msg=what)


def _empty_fold(seed=0):
    """A Case of N rows that all have weight 0 (only traced weights may be), row 0 holding inf."""
    return Case(N, 0, np.zeros(N), np.inf, np.random.default_rng(seed))


# ---------------------------------------------------------------------------- losses

LOSS_CASES = [
    "mae",
    "mse",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "cross_entropy_probs",
]
REDUCTIONS = ("mean", "sum", "none")


def _loss_fn(name):
    return losses.cross_entropy if name == "cross_entropy_probs" else getattr(losses, name)


def _loss_inputs(name, case, multi):
    rng, n = case.rng, case.n
    shape = (n, 3) if multi else (n,)
    if name in ("mae", "mse"):
        return rng.normal(size=shape), rng.normal(size=shape)
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, shape), rng.integers(0, 2, shape).astype(float)
    if name == "binary_cross_entropy_with_logits":
        return 3 * rng.normal(size=shape), rng.integers(0, 2, shape).astype(float)
    logits = 2 * rng.normal(size=(n, C))
    if name == "cross_entropy":
        return logits, rng.integers(0, C, n)
    return logits, rng.dirichlet(np.ones(C), n)


@functools.cache
def _loss_program(name):
    """Every reduction's value and its gradient w.r.t. predictions (``"none"`` projected on ``c``)."""
    fn = _loss_fn(name)

    def run(p, t, w, c):
        out = {}
        for reduction in REDUCTIONS:
            value, vjp = jax.vjp(functools.partial(fn, targets=t, weights=w, reduction=reduction), p)
            out[reduction] = (value, vjp(c if reduction == "none" else jnp.ones_like(value))[0])
        return out

    return _on_host(run)


def test_every_loss_is_covered():
    assert set(losses.__all__) == {_loss_fn(name).__name__ for name in LOSS_CASES}


@pytest.mark.parametrize("name", LOSS_CASES)
@PROPERTY
@given(case=cases(), where=st.sampled_from(["predictions", "targets", "both"]), multi=st.booleans())
def test_loss_with_a_zero_weight_row_equals_the_loss_without_it(name, case, where, multi):
    p, t = _loss_inputs(name, case, multi)
    if where in ("predictions", "both"):
        p[case.drop] = case.bad
    if where in ("targets", "both"):
        # Integer labels cannot be inf or NaN: an out-of-range label instead.
        t[case.drop] = (C + 2 if case.bad > 0 else -1) if name == "cross_entropy" else case.bad
    w, keep = case.weights, case.others
    projection = case.rng.normal(size=case.n)
    got = _loss_program(name)(p, t, w, projection)
    want = _loss_program(name)(p[keep], t[keep], w[keep], projection[keep])
    for reduction in REDUCTIONS:
        (value, grad), (value_deleted, grad_deleted) = got[reduction], want[reduction]
        if reduction == "none":
            _close(value[keep], value_deleted)
            assert value[case.drop] == 0.0
        else:
            _close(value, value_deleted)
        _close(grad[keep], grad_deleted)
        _dropped_gradient_is_zero(grad, case.drop)


@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("name", LOSS_CASES)
def test_loss_of_an_empty_fold_is_nan_its_sum_0_and_its_gradient_0(name, multi):
    case = _empty_fold()
    p, t = _loss_inputs(name, case, multi)
    p[0] = np.inf  # nothing is kept: not even an inf may leak
    out = _loss_program(name)(p, t, case.weights, np.ones(N))
    assert np.isnan(out["mean"][0])
    _zero_and_finite((out["sum"][0], out["none"][0]), "sum and none")
    _zero_and_finite([grad for _, grad in out.values()], "gradients")


# ---------------------------------------------------------------------------- metrics

SCORES = ["precision", "recall", "specificity", "f1_score"]
REGRESSION = ["mse", "mae", "mape", "r2_score"]


def _classification(y, w):
    """Every classification metric and option: ``{"metric option": value}``.

    ``y`` holds ``(y_true, y_pred)`` pairs: "binary" float labels in {0, 1}, "float" and
    "int" labels of C classes. Float labels may hold inf or NaN, integer labels a class
    outside [0, C).
    """
    out = {
        "accuracy": metrics.accuracy(*y["float"], weights=w),
        "confusion_matrix": metrics.confusion_matrix(*y["int"], weights=w, num_classes=C),
    }
    for name in SCORES:
        fn = getattr(metrics, name)
        for zero_division in (0.0, 1.0):
            out[f"{name} binary {zero_division}"] = fn(*y["binary"], weights=w, zero_division=zero_division)
        for average in ("macro", "micro", "weighted", None):
            out[f"{name} {average}"] = fn(*y["int"], weights=w, average=average, num_classes=C)
    return out


def _regression(y, w):
    """``{"metric layout": (value, gradient w.r.t. y_pred)}`` for (n,) and (n, 2) values."""
    out = {}
    for name in REGRESSION:
        for layout, (y_true, y_pred) in y.items():
            value, vjp = jax.vjp(functools.partial(getattr(metrics, name), y_true, weights=w), y_pred)
            out[f"{name} {layout}"] = (value, vjp(jnp.ones_like(value))[0])
    return out


METRIC_PROGRAMS = {"classification": _on_host(_classification), "regression": _on_host(_regression)}


def test_every_metric_is_covered():
    rng = np.random.default_rng(0)
    labels = {kind: [rng.integers(0, 2, N).astype(float)] * 2 for kind in ("binary", "float")}
    labels["int"] = [rng.integers(0, C, N)] * 2
    values = {layout: [rng.normal(size=shape)] * 2 for layout, shape in (("1-D", (N,)), ("2-D", (N, 2)))}
    names = [*METRIC_PROGRAMS["classification"](labels, np.ones(N)), *METRIC_PROGRAMS["regression"](values, np.ones(N))]
    assert {name.split()[0] for name in names} == set(metrics.__all__)


def _metric_inputs(family, case):
    rng, n = case.rng, case.n
    if family == "regression":
        out = {}
        for layout, shape in (("1-D", (n,)), ("2-D", (n, 2))):
            y_true = rng.normal(size=shape) + 2.0
            out[layout] = [y_true, y_true + 0.5 * rng.normal(size=shape)]
        return out

    def labels(num_classes, dtype):
        y_true = rng.integers(0, num_classes, n)
        y_pred = np.where(rng.uniform(size=n) < 0.6, y_true, rng.integers(0, num_classes, n))
        return [y_true.astype(dtype), y_pred.astype(dtype)]

    return {"binary": labels(2, float), "float": labels(C, float), "int": labels(C, int)}


@pytest.mark.parametrize("family", sorted(METRIC_PROGRAMS))
@PROPERTY
@given(case=cases(), where=st.sampled_from([(0,), (1,), (0, 1)]))
def test_metric_with_a_zero_weight_row_equals_the_metric_without_it(family, case, where):
    # ``where``: the dropped row is poisoned in y_true (0), y_pred (1) or both.
    y = _metric_inputs(family, case)
    for kind, pair in y.items():
        for i in where:  # float labels and values take inf or NaN; integer labels a class outside [0, C)
            pair[i][case.drop] = (C + 2 if case.bad > 0 else -1) if kind == "int" else case.bad
    w, keep = case.weights, case.others
    got = METRIC_PROGRAMS[family](y, w)
    want = METRIC_PROGRAMS[family](jax.tree.map(lambda a: a[keep], y), w[keep])
    for option in got:
        if family == "classification":
            np.testing.assert_allclose(got[option], want[option], rtol=RTOL, atol=ATOL, err_msg=option)
        else:
            (value, grad), (value_deleted, grad_deleted) = got[option], want[option]
            np.testing.assert_allclose(value, value_deleted, rtol=RTOL, atol=ATOL, err_msg=option)
            np.testing.assert_allclose(grad[keep], grad_deleted, rtol=RTOL, atol=ATOL, err_msg=option)
            _dropped_gradient_is_zero(grad, case.drop)


@pytest.mark.parametrize("family", sorted(METRIC_PROGRAMS))
def test_metric_of_an_empty_fold_is_nan_with_a_zero_gradient(family):
    # NaN whatever zero_division says: an empty fold must never score like a perfect one.
    case = _empty_fold()
    y = _metric_inputs(family, case)
    if family == "regression":
        for pair in y.values():
            pair[1][0] = np.inf
    for option, out in METRIC_PROGRAMS[family](y, case.weights).items():
        if option == "confusion_matrix":  # a table of weighted counts: all 0
            _zero_and_finite(out, option)
        elif family == "classification":
            assert np.all(np.isnan(out)), option
        else:
            value, grad = out
            assert np.isnan(value), option
            _zero_and_finite(grad, option)


# ---------------------------------------------------------------------------- train.fit

OPTIMIZER = optax.adam(0.05)  # its moments and step count must agree too
MODES = {
    # mode: (batch_size, max_rows) with the row, then without it. One batch per epoch
    # holds every kept row in both, so only the summation order differs; with smaller
    # batches the shuffle (drawn over every row) would group different rows.
    "full batch": ((None, None), (None, None)),
    "one mini-batch": ((N, None), (N - 1, None)),
    "mini-batch cut to max_rows": ((N - 1, N - 1), (N - 1, None)),
}


def _squared_error(params, X, y):
    return (X @ params["w"] + params["b"] - y) ** 2


@functools.cache
def _traced_fit(batch_size, max_rows):
    def run(params, X, y, weights, validation_weights, key):
        return train.fit(
            _squared_error,
            params,
            OPTIMIZER,
            X,
            y,
            key=key,
            epochs=3,
            batch_size=batch_size,
            weights=weights,
            validation_weights=validation_weights,
            max_rows=max_rows,
        )

    return _on_host(run)


def _fit_problem(case):
    X = case.rng.normal(size=(case.n, 2))
    y = X @ np.array([1.5, -2.0]) + 0.5 + 0.1 * case.rng.normal(size=case.n)
    # Validation rows: any rows but the dropped one, which is left out of both.
    validation = np.where(np.arange(case.n) == case.drop, 0.0, case.rng.uniform(0.5, 2.0, case.n))
    params = {"w": case.rng.normal(size=2), "b": np.asarray(case.rng.normal())}
    return X, y, validation, params


def _fit_without_the_row(mode, params, X, y, case, validation):
    keep = case.others
    batch_size, max_rows = MODES[mode][1]
    return _traced_fit(batch_size, max_rows)(
        params, X[keep], y[keep], case.weights[keep], validation[keep], jax.random.key(1)
    )


@pytest.mark.parametrize("mode", sorted(MODES))
@settings(PROPERTY, max_examples=6)
@given(case=cases(), scale=st.sampled_from([0.0, 1.0, 1e3]), where=st.sampled_from(["X", "y", "both"]))
def test_fit_with_a_zero_weight_row_equals_fit_without_it(mode, case, scale, where):
    # Traced data, as inside cross-validation, where cv has checked it finite: the dropped
    # row holds arbitrary finite values. Parameters, optimizer-dependent trajectory and
    # history (training and validation losses, divergence) must all agree.
    X, y, validation, params = _fit_problem(case)
    junk = scale * case.rng.normal()
    if where in ("X", "both"):
        X[case.drop] = junk
    if where in ("y", "both"):
        y[case.drop] = -junk
    batch_size, max_rows = MODES[mode][0]
    got = _traced_fit(batch_size, max_rows)(params, X, y, case.weights, validation, jax.random.key(1))
    _close(got, _fit_without_the_row(mode, params, X, y, case, validation))


@settings(PROPERTY, max_examples=2)
@given(case=cases(), where=st.sampled_from(["X", "y", "both"]), mode=st.sampled_from(["full batch", "one mini-batch"]))
def test_fit_on_concrete_data_drops_non_finite_rows_of_weight_zero(case, where, mode):
    # Concrete X, y and weights: fit replaces the dropped row's non-finite values on the
    # host, so the row is exactly as if deleted. (Every such call compiles: few examples.)
    X, y, validation, params = _fit_problem(case)
    if where in ("X", "both"):
        X[case.drop, case.rng.integers(0, 2)] = case.bad
    if where in ("y", "both"):
        y[case.drop] = case.bad
    batch_size, _ = MODES[mode][0]
    got = train.fit(
        _squared_error,
        params,
        OPTIMIZER,
        X,
        y,
        key=jax.random.key(1),
        epochs=3,
        batch_size=batch_size,
        weights=case.weights,
        validation_weights=validation,
    )
    got = jax.tree.map(np.asarray, got)
    _close(got, _fit_without_the_row(mode, params, X, y, case, validation))


@pytest.mark.parametrize("mode", sorted(MODES))
def test_fit_on_an_empty_fold_changes_nothing_and_records_nan(mode):
    case = _empty_fold()
    X, y, _, params = _fit_problem(case)
    batch_size, max_rows = MODES[mode][0]
    fitted, history = _traced_fit(batch_size, max_rows)(params, X, y, case.weights, case.weights, jax.random.key(1))
    _close(fitted, params)
    assert np.all(np.isnan(history.train_loss)) and np.all(np.isnan(history.validation_loss))
    assert int(history.diverged_epoch) == -1  # nothing was trained, so nothing diverged


def test_weighted_mean_loss_of_an_empty_batch_is_nan_with_a_zero_gradient():
    X, y, _, params = _fit_problem(_empty_fold())
    mean, grad = jax.jit(jax.value_and_grad(lambda p, w: train.weighted_mean_loss(_squared_error, p, X, y, w)[0]))(
        params, np.zeros(N)
    )
    assert np.isnan(mean)
    _zero_and_finite(grad, "weighted_mean_loss")


# ---------------------------------------------------------------------------- linear models

LINEAR_MODELS = {
    "linear regression": (linear.mse_loss, linear.mse_gradients, linear.fit_linear_gd),
    "logistic regression": (linear.log_loss, linear.log_loss_gradients, linear.fit_logistic_gd),
}


@functools.cache
def _linear_program(model):
    loss, hand_gradients, fit = LINEAR_MODELS[model]

    def run(params, X, y, w):
        value, auto = jax.value_and_grad(loss)(params, X, y, weights=w)
        hand = hand_gradients(params, X, y, weights=w)
        return value, auto, hand, fit(X, y, learning_rate=0.1, epochs=3, init=params, weights=w)

    return _on_host(run)


@pytest.mark.parametrize("model", sorted(LINEAR_MODELS))
@PROPERTY
@given(case=cases(), where=st.sampled_from(["X", "y", "both"]))
def test_linear_model_with_a_zero_weight_row_equals_it_without_the_row(model, case, where):
    rng, w, keep = case.rng, case.weights, case.others
    X = rng.normal(size=(case.n, 2))
    y = X @ rng.normal(size=2) + 1.0 if model == "linear regression" else rng.integers(0, 2, case.n).astype(float)
    params = {"w": rng.normal(size=2), "b": np.asarray(rng.normal())}
    if where in ("X", "both"):
        X[case.drop, rng.integers(0, 2)] = case.bad
    if where in ("y", "both"):
        y[case.drop] = case.bad
    value, auto, hand, fitted = _linear_program(model)(params, X, y, w)
    want = _linear_program(model)(params, X[keep], y[keep], w[keep])
    _close((value, auto, hand, fitted), want)  # loss, jax.grad, hand gradient, (params, history)
    _close(hand, auto)  # the hand-derived gradient is jax.grad's, with the dropped row too


@pytest.mark.parametrize("model", sorted(LINEAR_MODELS))
def test_linear_model_of_an_empty_fold_is_nan_with_zero_gradients_and_does_not_move(model):
    case = _empty_fold()
    X = case.rng.normal(size=(N, 2))
    X[0, 1] = np.inf
    y = case.rng.integers(0, 2, N).astype(float)
    params = {"w": np.array([0.5, -1.0]), "b": np.asarray(0.2)}
    value, auto, hand, (fitted, history) = _linear_program(model)(params, X, y, case.weights)
    assert np.isnan(value) and np.all(np.isnan(history))
    _zero_and_finite((auto, hand), "jax.grad and the hand gradient")
    _close(fitted, params)


# ---------------------------------------------------------------------------- standardize


@functools.cache
def _standardize_program():
    def run(X, w, coefficients):
        def statistics(X):
            _, mean, std = datasets.standardize(X, weights=w)
            return jnp.sum(coefficients[0] * mean) + jnp.sum(coefficients[1] * std)

        return datasets.standardize(X, weights=w), jax.grad(statistics)(X)

    return _on_host(run)


@PROPERTY
@given(case=cases(sizes=(4, N)), d=st.sampled_from([1, 3]), constant=st.booleans(), whole_row=st.booleans())
def test_standardize_with_a_zero_weight_row_equals_it_without_the_row(case, d, constant, whole_row):
    rng, w, keep = case.rng, case.weights, case.others
    X = rng.normal(size=(case.n, d)) * rng.uniform(0.5, 20.0, d) + rng.normal(size=d) * 5
    if constant:
        X[:, 0] = 2.5  # constant on the kept rows: centred, not divided by ~0
    if whole_row:
        X[case.drop] = case.bad
    else:
        X[case.drop, rng.integers(0, d)] = case.bad
    coefficients = rng.normal(size=(2, d))
    (X_std, mean, std), grad = _standardize_program()(X, w, coefficients)
    want, grad_deleted = _standardize_program()(X[keep], w[keep], coefficients)
    # Every row is standardised with the kept rows' statistics; only the dropped row's
    # own output depends on what it holds.
    _close((X_std[keep], mean, std), want)
    # The statistics' gradient: nothing reaches the dropped row.
    _close(grad[keep], grad_deleted)
    _dropped_gradient_is_zero(grad, case.drop)


def test_standardize_of_an_empty_fold_is_nan_with_a_zero_gradient():
    case = _empty_fold()
    X = case.rng.normal(size=(N, 3))
    X[0] = np.inf
    (X_std, mean, std), grad = _standardize_program()(X, case.weights, np.ones((2, 3)))
    assert np.all(np.isnan(mean)) and np.all(np.isnan(std)) and np.all(np.isnan(X_std))
    _zero_and_finite(grad, "standardize")


# ---------------------------------------------------------------------------- concrete inputs


def _concrete_calls():
    """``{name: call(rows)}``: functions that check concrete values on the host, on a dropped row that fails the check.

    Eager calls (under ``jit`` the values would be traced and not checked); the
    property tests above cover the traced computation of every function.
    """
    n = 4
    rng = np.random.default_rng(5)
    w = np.array([1.0, 0.0, 2.0, 0.5])  # row 1 is dropped and holds what no check would let pass
    probs, binary = rng.uniform(0.1, 0.9, n), np.array([1.0, 0.0, 0.0, 1.0])
    logits, labels = rng.normal(size=(n, C)), np.array([0, 1, 2, 1])
    X = rng.normal(size=(n, 2))
    params = {"w": np.array([0.5, -1.0]), "b": np.asarray(0.2)}
    y_true, y_pred = np.array([0, 2, 1, 1]), np.array([0, 1, 1, 2])
    bad_probs, bad_labels, bad_binary = probs.copy(), labels.copy(), binary.copy()
    bad_probs[1], bad_labels[1], bad_binary[1] = np.inf, C + 4, np.nan
    bad_true, bad_pred = y_true.copy(), y_pred.copy()
    bad_true[1], bad_pred[1] = 7, -3  # outside the classes; 7 would also raise the inferred C
    bad_X = X.copy()
    bad_X[1] = np.nan
    return {
        "binary_cross_entropy (probability inf)": lambda r: losses.binary_cross_entropy(
            bad_probs[r], binary[r], weights=w[r]
        ),
        "cross_entropy (label out of range)": lambda r: losses.cross_entropy(logits[r], bad_labels[r], weights=w[r]),
        "precision binary (label NaN: three labels)": lambda r: metrics.precision(
            binary[r], bad_binary[r], weights=w[r]
        ),
        "recall macro (labels out of range, C inferred)": lambda r: metrics.recall(
            bad_true[r], bad_pred[r], weights=w[r], average="macro"
        ),
        "confusion_matrix (labels out of range, C inferred)": lambda r: metrics.confusion_matrix(
            bad_true[r], bad_pred[r], weights=w[r]
        ),
        "log_loss_gradients (label NaN, X NaN)": lambda r: linear.log_loss_gradients(
            params, bad_X[r], bad_binary[r], weights=w[r]
        ),
    }


@pytest.mark.parametrize("name", sorted(_concrete_calls()))
def test_concrete_inputs_are_checked_only_on_rows_of_positive_weight(name):
    # A dropped row cannot be wrong: no check looks at it, and the result is the deleted row's.
    call = _concrete_calls()[name]
    _close(call(np.arange(4)), call(np.array([0, 2, 3])))
