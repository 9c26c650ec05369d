"""The catalogue of plausible wrong numbers: each case fnn refuses or flags, one test each.

A result that looks fine but is wrong is worse than an error. Every test here reproduces
one route that once gave a plausible wrong number without a word, and asserts that fnn
now refuses it (a ``ValueError`` / ``TypeError`` that says how to fix it) or flags it.

The first part covers optimizers, losses, metrics and activations; the second, the
guards of :mod:`fnn.cv`, one test (or table) per case:

* ``cv=K`` follows scikit-learn's ``check_cv`` for a classifier (stratified K-fold for
  class labels), says which folds it used, warns or refuses as scikit-learn does;
* the leakage check: honest functions pass silently (warnings are errors here), each
  kind of leak (fit ignores weights, standardises with all rows, reads held-out labels;
  score ignores weights) raises, with no second compilation, and can be turned off;
* fold health: divergence, out-of-range labels under jit, non-finite parameters (NaN,
  never a number), non-finite scores (R² of one row under LOOCV), padding never counted;
* ``cross_val_predict``: equal to scikit-learn's under LOOCV (float64, 1e-8), refuses
  folds that are not a partition;
* hold-out sizes as ``train_test_split`` validates them; stratified ties broken at random;
* ``stratified_kfold`` takes y of shape (n, 1); a non-integer count is a ValueError.

Budget: ~60 s on one core (small linear and softmax models, a few epochs; the programs
are shared between tests where shapes allow).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from _folds import assert_same_pairs, pairs
from sklearn import metrics as skm
from sklearn import model_selection as ms
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score as sklearn_r2

import fnn.optim as fo
from fnn import activations, cv, datasets, losses, metrics, mlp, train
from fnn.cv import engine, splits

# ----------------------------------------------------------------------------- optimizers

ALIASES = [
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "adadelta",
    "rmsprop",
    "adam",
    "amsgrad",
    "adamax",
    "nadam",
    "adamw",
    "lion",
]


@pytest.mark.parametrize("rate", [-0.01, 0.0, np.float32(-1.0), jnp.asarray(-0.1)])
@pytest.mark.parametrize("name", ALIASES)
def test_optimizers_refuse_a_negative_or_zero_learning_rate(name, rate):
    # optim.adam(-0.01) once trained "fine": the loss climbed from 8.7 to 3.4e8.
    with pytest.raises(ValueError, match=r"learning_rate must be positive.*flip_sign=False"):
        getattr(fo, name)(rate)


@pytest.mark.parametrize("name", ALIASES)
def test_traced_and_scheduled_learning_rates_are_still_accepted(name):
    # Under vmap the value cannot be checked; a schedule's values are known only at run time.
    params = {"w": jnp.ones(3)}
    grads = {"w": jnp.full(3, 0.5)}

    def first_update(lr):
        opt = getattr(fo, name)(lr)
        return opt.update(grads, opt.init(params), params)[0]["w"]

    swept = jax.vmap(first_update)(jnp.array([1e-3, 1e-2]))
    assert swept.shape == (2, 3) and bool(jnp.all(swept < 0))
    opt = getattr(fo, name)(optax.linear_schedule(1e-2, 0.0, 10))
    assert bool(jnp.all(opt.update(grads, opt.init(params), params)[0]["w"] < 0))


def test_scale_by_learning_rate_ascends_only_when_asked():
    grads = {"w": jnp.array([1.0, -2.0])}
    ascend = fo.scale_by_learning_rate(0.5, flip_sign=False)
    np.testing.assert_array_equal(ascend.update(grads, ascend.init(grads))[0]["w"], [0.5, -1.0])
    with pytest.raises(ValueError, match="must be positive"):
        fo.scale_by_learning_rate(-0.5)


@pytest.mark.parametrize("name", ALIASES)
def test_integer_gradients_are_refused_not_rounded_to_a_zero_update(name):
    # sgd(0.1) on int32 gradients once returned an update of exactly 0.
    params = {"w": jnp.array([1, 2], jnp.int32)}
    opt = getattr(fo, name)(0.1)
    with pytest.raises(TypeError, match="gradients must be floating-point"):
        opt.update({"w": jnp.array([3, -4], jnp.int32)}, opt.init(params), params)


def test_lion_smooth_mode_defaults_to_optax_smooth_beta():
    params = {"w": jnp.array([0.3, -0.2, 0.05])}
    grads = {"w": jnp.array([0.4, -1.5, 0.02])}
    ours, theirs = fo.scale_by_lion(mode="smooth"), optax.scale_by_lion(mode="smooth")
    u_ours = ours.update(grads, ours.init(params))[0]["w"]
    u_theirs = theirs.update(grads, theirs.init(params))[0]["w"]
    np.testing.assert_allclose(u_ours, u_theirs, rtol=1e-6)
    # and the value is tanh(1 * c) with c = (1 - b1) g on the first step
    np.testing.assert_allclose(u_ours, np.tanh(0.1 * np.asarray(grads["w"])), rtol=1e-6)


STATE_CASES = {
    **{
        name: (lambda name=name: getattr(fo, name)(1e-2), lambda name=name: getattr(optax, name)(1e-2))
        for name in ["sgd", "adagrad", "adadelta", "adam", "amsgrad", "adamax", "nadam", "adamw", "lion"]
    },
    "sgd_momentum": (lambda: fo.sgd(1e-2, momentum=0.9), lambda: optax.sgd(1e-2, momentum=0.9)),
    "rmsprop": (lambda: fo.rmsprop(1e-2, bias_correction=True), lambda: optax.rmsprop(1e-2, bias_correction=True)),
    "rmsprop_centered": (
        lambda: fo.rmsprop(1e-2, centered=True, bias_correction=True),
        lambda: optax.rmsprop(1e-2, centered=True, bias_correction=True),
    ),
    "adamw_scheduled_decay": (
        lambda: fo.adamw(1e-2, weight_decay=lambda c: 1e-3),
        lambda: optax.adamw(1e-2, weight_decay=lambda c: 1e-3),
    ),
}


@pytest.mark.parametrize("name", sorted(STATE_CASES))
def test_optimizer_states_are_optax_state_classes(name):
    # Comparing one's optimizer with optax's maps over both states at once: that needs the
    # same container types, not look-alikes with the same field names.
    ours, theirs = (make() for make in STATE_CASES[name])
    params = {"w": jnp.ones((2, 3)), "b": jnp.zeros(3)}
    grads = jax.tree.map(lambda p: jnp.full_like(p, 0.25), params)
    s_ours, s_theirs = ours.init(params), theirs.init(params)
    for _ in range(3):
        u_ours, s_ours = ours.update(grads, s_ours, params)
        u_theirs, s_theirs = theirs.update(grads, s_theirs, params)
    assert jax.tree.structure(s_ours) == jax.tree.structure(s_theirs)
    for a, b in zip(
        jax.tree.leaves(s_ours, is_leaf=lambda x: isinstance(x, tuple) and hasattr(x, "_fields")),
        jax.tree.leaves(s_theirs, is_leaf=lambda x: isinstance(x, tuple) and hasattr(x, "_fields")),
        strict=True,
    ):
        assert type(a) is type(b)
    gap = jax.tree.map(lambda a, b: jnp.max(jnp.abs(a - b)), s_ours, s_theirs)
    assert max((float(g) for g in jax.tree.leaves(gap)), default=0.0) <= 1e-6


def test_isinstance_of_the_optax_state():
    state = fo.adam(1e-3).init({"w": jnp.ones(2)})
    assert isinstance(state[0], optax.ScaleByAdamState)
    assert isinstance(fo.amsgrad(1e-3).init({"w": jnp.ones(2)})[0], optax.ScaleByAmsgradState)
    assert isinstance(fo.lion(1e-3).init({"w": jnp.ones(2)})[0], optax.ScaleByLionState)


# ----------------------------------------------------------------------------- losses, metrics, activations

LABELS = np.array([0, 1, 1, 0, 1, 0])
PROBABILITIES = np.array([0.2, 0.9, 0.6, 0.4, 0.7, 0.1])
CLASSIFICATION = ["accuracy", "precision", "recall", "specificity", "f1_score", "confusion_matrix"]
SKLEARN_CLASSIFICATION = {
    "accuracy": skm.accuracy_score,
    "precision": skm.precision_score,
    "recall": skm.recall_score,
    "f1_score": skm.f1_score,
    "confusion_matrix": skm.confusion_matrix,
}
CONTINUOUS = r"must hold class labels \(whole numbers\), got continuous values.*\(p >= 0\.5\)\.astype\(int\).*argmax"


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_metrics_refuse_probabilities(name):
    # accuracy(y, probabilities) once returned 0.0: no probability equals a label.
    fn = getattr(metrics, name)
    with pytest.raises(ValueError, match=f"{name}: y_pred {CONTINUOUS}"):
        fn(LABELS, PROBABILITIES)
    with pytest.raises(ValueError, match=f"{name}: y_true {CONTINUOUS}"):
        fn(PROBABILITIES, LABELS)
    with pytest.raises(ValueError, match=f"{name}: y_pred must hold class labels, got non-finite"):
        fn(LABELS, np.where(LABELS == 1, np.nan, 0.0))
    # Only the rows that count are checked: a continuous value in a row of weight 0 is not there.
    kept = np.ones(LABELS.size)
    kept[2] = 0.0
    y_pred = np.where(np.arange(LABELS.size) == 2, 0.6, LABELS.astype(float))
    if name == "confusion_matrix":  # integer labels only (a dtype rule), once the values are class labels
        with pytest.raises(TypeError, match=r"need integer labels.*y_pred\.astype\(int\)"):
            fn(LABELS, y_pred, weights=kept)
    else:
        np.testing.assert_allclose(fn(LABELS, y_pred, weights=kept), fn(LABELS[kept > 0], LABELS[kept > 0]), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(SKLEARN_CLASSIFICATION))
def test_the_continuous_refusal_is_scikit_learns(name):
    # scikit-learn refuses the same input ("a mix of binary and continuous targets"), and both
    # accept whole-number float labels (a perceptron's output) with the same result.
    ours, theirs = getattr(metrics, name), SKLEARN_CLASSIFICATION[name]
    with pytest.raises(ValueError, match="mix of binary and continuous targets"):
        theirs(LABELS, PROBABILITIES)
    with pytest.raises(ValueError, match="continuous values"):
        ours(LABELS, PROBABILITIES)
    thresholded = (PROBABILITIES >= 0.5).astype(int)
    np.testing.assert_allclose(ours(LABELS, thresholded), theirs(LABELS, thresholded), rtol=1e-6)
    if name != "confusion_matrix":  # which takes integer labels only, also under jit
        floats = LABELS.astype(np.float32), thresholded.astype(np.float32)
        np.testing.assert_allclose(ours(*floats), theirs(*floats), rtol=1e-6)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_traced_probabilities_score_nan_not_a_plausible_number(name):
    # Under jit the values cannot be checked before running: the score is NaN instead.
    fn = getattr(metrics, name)
    if name == "confusion_matrix":  # a dtype rule: refused before tracing
        with pytest.raises(TypeError, match="need integer labels"):
            jax.jit(lambda t, p: fn(t, p, num_classes=2))(LABELS, PROBABILITIES)
        return
    assert np.isnan(jax.jit(fn)(LABELS, PROBABILITIES))
    assert np.isnan(jax.jit(fn)(LABELS, np.where(LABELS == 1, np.inf, 0.0)))
    # A fold whose counted rows hold labels scores normally, even with a probability elsewhere.
    y_pred = np.where(np.arange(LABELS.size) == 2, 0.6, LABELS.astype(float))
    folds = np.array([[1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 1, 0]], np.float32)
    scores = jax.jit(jax.vmap(lambda w: fn(LABELS, y_pred, weights=w)))(folds)
    np.testing.assert_allclose(scores[0], fn(LABELS[folds[0] > 0], LABELS[folds[0] > 0]), rtol=1e-6)
    assert np.isnan(scores[1])
    # Integer labels are never flagged.
    np.testing.assert_allclose(jax.jit(fn)(LABELS, LABELS), fn(LABELS, LABELS), rtol=1e-6)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_binary_cross_entropy_refuses_minus_one_one_targets(name):
    # binary_cross_entropy with {-1, 1} targets once returned -0.40, a loss below 0.
    fn = getattr(losses, name)
    p = np.array([0.3, 0.8, 0.6, 0.9], np.float32)
    t = np.array([-1.0, 1.0, -1.0, 1.0], np.float32)
    with pytest.raises(ValueError, match=rf"{name}: targets must lie in \[0, 1\], got .*-1.*\(y \+ 1\) / 2"):
        fn(p, t)
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        fn(p, np.array([0.0, 1.0, 1.5, 0.0], np.float32))
    # The documented fix gives the loss of the {0, 1} labels.
    np.testing.assert_allclose(fn(p, (t + 1) / 2), fn(p, np.array([0.0, 1.0, 0.0, 1.0], np.float32)), rtol=1e-6)
    # Only rows of positive weight count.
    w = np.array([0.0, 1.0, 0.0, 2.0], np.float32)
    np.testing.assert_allclose(fn(p, t, weights=w), fn(p[1::2], t[1::2], weights=w[1::2]), rtol=1e-6)
    # Under jit: the examples with such a target lose NaN, and so does their mean.
    per_example = np.asarray(jax.jit(lambda t: fn(p, t, reduction="none"))(t))
    assert np.all(np.isnan(per_example[[0, 2]])) and np.all(np.isfinite(per_example[[1, 3]]))
    assert np.isnan(jax.jit(fn)(p, t))


def test_traced_probabilities_outside_zero_one_give_nan():
    # Logits passed to binary_cross_entropy under jit: refused eagerly, NaN when traced (the clamped
    # logarithms would otherwise give a plausible loss and a zero gradient).
    z, t = np.array([2.5, 0.5, -1.5], np.float32), np.array([1.0, 1.0, 0.0], np.float32)
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        losses.binary_cross_entropy(z, t)
    per_example = np.asarray(jax.jit(lambda z: losses.binary_cross_entropy(z, t, reduction="none"))(z))
    assert np.isnan(per_example[0]) and np.isnan(per_example[2]) and np.isfinite(per_example[1])


EMPTY = {
    **{
        f"losses.{name} {reduction}": (
            lambda name=name, reduction=reduction: getattr(losses, name)(np.zeros(0), np.zeros(0), reduction=reduction)
        )
        for name in ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits"]
        for reduction in ("mean", "sum")
    },
    "losses.cross_entropy": lambda: losses.cross_entropy(np.zeros((0, 3)), np.zeros(0, int)),
    "losses.cross_entropy sum": lambda: losses.cross_entropy(np.zeros((0, 3)), np.zeros(0, int), reduction="sum"),
    "losses.cross_entropy probabilities": lambda: losses.cross_entropy(np.zeros((0, 3)), np.zeros((0, 3))),
    **{
        f"metrics.{name}": (lambda name=name: getattr(metrics, name)(np.zeros(0, int), np.zeros(0, int)))
        for name in CLASSIFICATION + ["mse", "mae", "mape", "r2_score"]
    },
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_input_is_refused_alike_by_losses_and_metrics(name):
    # losses.mse of empty arrays once returned NaN while metrics.accuracy raised.
    function = name.split(".")[1].split()[0]
    with pytest.raises(ValueError, match=rf"^{function}: needs at least one example, got empty inputs of shape \(0"):
        EMPTY[name]()


@pytest.mark.parametrize("fn", [losses.mse, losses.binary_cross_entropy_with_logits, metrics.mse, metrics.r2_score])
def test_examples_without_values_are_refused(fn):
    with pytest.raises(ValueError, match=r"every example needs at least one value, got inputs of shape \(4, 0\)"):
        fn(np.zeros((4, 0)), np.zeros((4, 0)))
    with pytest.raises(ValueError, match="needs at least one example"):  # shapes are static: under jit too
        jax.jit(fn)(np.zeros(0), np.zeros(0))


SOFTMAX_AXES = [
    ((2, 3), None),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, 0, 1)),
    ((2, 3), ()),
    ((), None),
    ((0,), -1),
    ((2, 0), -1),
    ((0, 3), None),
    ((0, 3), (0,)),
]


@pytest.mark.parametrize("shape,axis", SOFTMAX_AXES, ids=[f"{s}-{a}" for s, a in SOFTMAX_AXES])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_the_axes_and_empty_inputs_jax_nn_takes(name, shape, axis):
    # axis=None, tuples of axes and empty arrays were refused; jax.nn accepts them.
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    got = jax.jit(lambda x: getattr(activations, name)(x, axis=axis))(x)
    expected = jax.jit(lambda x: getattr(jax.nn, name)(x, axis=axis))(x)
    assert got.shape == expected.shape == x.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "axis,error,match",
    [
        ((1, 1), ValueError, "names an axis twice"),
        ((0, 2), ValueError, "out of range"),
        (1.0, TypeError, "a tuple of ints or None"),
        ([0, 1], TypeError, "a tuple of ints or None"),
        (True, TypeError, "a tuple of ints or None"),
    ],
)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_still_refuses_axes_that_do_not_exist(name, axis, error, match):
    with pytest.raises(error, match=f"{name}: axis"):
        getattr(activations, name)(np.zeros((2, 3)), axis=axis)
    with pytest.raises(error, match=match):
        getattr(activations, name)(np.zeros((2, 3)), axis=axis)


def test_maxout_keeps_its_single_axis():
    with pytest.raises(TypeError, match="axis must be an int"):
        activations.maxout(np.zeros((2, 4)), 2, axis=None)
    with pytest.raises(ValueError, match="scalar"):
        activations.maxout(np.float32(1.0), 1)


def test_confusion_matrix_counts_large_weights_exactly(enable_x64):
    # 4294967296 for 4294967295 once: the weights were summed in float32.
    y_true, y_pred = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])
    integers = np.array([4294967295, 1, 1, 0])
    got = metrics.confusion_matrix(y_true, y_pred, weights=integers)
    expected = skm.confusion_matrix(y_true, y_pred, sample_weight=integers)
    assert got.dtype == expected.dtype == np.int64  # integer weights count in integers, as scikit-learn
    np.testing.assert_array_equal(got, expected)
    assert int(got[0, 0]) == 4294967295
    # float32 weights, each exact in float32, whose sum is not: summed in float64.
    floats = np.array([4294967040.0, 1.0, 1.0, 255.0], np.float32)
    got = jax.jit(lambda w: metrics.confusion_matrix(y_true, y_pred, weights=w, num_classes=2))(floats)
    expected = skm.confusion_matrix(y_true, y_pred, sample_weight=floats.astype(np.float64))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    assert float(got[0, 0]) == 4294967295.0


def test_confusion_matrix_refuses_counts_that_32_bits_cannot_hold():
    assert not jax.config.jax_enable_x64
    y_true, y_pred = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])
    for weights, dtype, limit in [
        (np.array([4294967295.0, 1.0, 1.0, 0.0]), "float32", 2**24),
        (np.array([2.0**24, 1.0, 0.0, 0.0], np.float32), "float32", 2**24),
        ([4294967295, 1, 1, 0], "int32", 2**31 - 1),
        (np.array([2**31 - 1, 1, 0, 0]), "int32", 2**31 - 1),
    ]:
        with pytest.raises(ValueError, match=rf"more than {dtype} counts exactly \({limit}\).*jax_enable_x64', True\)"):
            metrics.confusion_matrix(y_true, y_pred, weights=weights)
    # Within the exact range the counts are scikit-learn's, in integers for integer weights.
    for weights in (np.array([2**31 - 4, 1, 1, 1]), np.array([2.0**24 - 3, 1.0, 1.0, 1.0])):
        got = metrics.confusion_matrix(y_true, y_pred, weights=weights)
        expected = skm.confusion_matrix(y_true, y_pred, sample_weight=weights)
        assert got.dtype.kind == expected.dtype.kind
        np.testing.assert_array_equal(got, expected)


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def float_dtype(request):
    if request.param == np.float64:
        request.getfixturevalue("enable_x64")
    return request.param


def test_leaky_relu_keeps_a_positive_subnormal(float_dtype):
    # leaky_relu(1e-40) once gave 0: XLA compares subnormals as 0, so x > 0 was False.
    info = np.finfo(float_dtype)
    x = np.array([info.smallest_subnormal, info.tiny / 3, info.tiny, 0.0, -0.0, -1.0, 2.0], float_dtype)
    slope = float_dtype(0.01)
    got = jax.jit(activations.leaky_relu)(x)
    positive = x > 0  # numpy does not flush subnormals
    # Bit for bit where x >= 0: the input itself, as numpy and jax.nn.leaky_relu return it.
    np.testing.assert_array_equal(got[positive], x[positive])
    np.testing.assert_array_equal(got, np.where(x > 0, x, slope * x))
    np.testing.assert_array_equal(got[positive], jax.jit(jax.nn.leaky_relu)(x)[positive])
    assert np.signbit(got[4]) and not np.signbit(got[3])  # -0.0 stays -0.0, as numpy's slope * x
    # Derivatives: 1 at a positive subnormal, the slope at 0 and below (as documented).
    grads = jax.jit(jax.vmap(jax.grad(activations.leaky_relu)))(x)
    np.testing.assert_array_equal(grads, np.where(x > 0, 1.0, slope).astype(float_dtype))


def test_r2_of_one_counted_row_is_nan_under_jit_and_refused_eagerly():
    # R^2 of leave-one-out folds once scored 0.0 for every fold: force_finite turned the zero
    # variance of one row into a plausible 0 (or 1).
    y_true = np.array([1.0, 2.0, 4.0, 4.0], np.float32)
    y_pred = np.array([1.5, 2.0, 3.0, 4.5], np.float32)
    loo = jax.jit(jax.vmap(lambda w: metrics.r2_score(y_true, y_pred, weights=w)))(np.eye(4, dtype=np.float32))
    assert np.all(np.isnan(loo))
    grad = jax.jit(jax.grad(lambda p: metrics.r2_score(y_true, p, weights=np.eye(4, dtype=np.float32)[0])))(y_pred)
    np.testing.assert_array_equal(grad, 0.0)  # NaN is selected: no NaN flows back
    with pytest.raises(ValueError, match="r2_score: R\\^2 needs at least two examples, got 1"):
        metrics.r2_score(y_true[:1], y_pred[:1])
    with pytest.raises(ValueError, match="at least two examples of positive weight, got 1"):
        metrics.r2_score(y_true, y_pred, weights=np.array([0.0, 3.0, 0.0, 0.0]))
    # Two counted rows: defined, scikit-learn's value, force_finite included (a constant y_true).
    for keep in ([0, 1], [2, 3]):
        w = np.zeros(4, np.float32)
        w[keep] = 1.0
        got = jax.jit(lambda w: metrics.r2_score(y_true, y_pred, weights=w))(w)
        np.testing.assert_allclose(got, skm.r2_score(y_true[keep], y_pred[keep]), rtol=1e-6)
    perfect = jax.jit(lambda w: metrics.r2_score(y_true, y_true, weights=w))(np.array([0, 0, 1, 1], np.float32))
    assert perfect == 1.0


ONE_ROW = {
    "mse": skm.mean_squared_error,
    "mae": skm.mean_absolute_error,
    "mape": skm.mean_absolute_percentage_error,
    "accuracy": skm.accuracy_score,
    "precision": skm.precision_score,
    "recall": skm.recall_score,
    "f1_score": skm.f1_score,
}


@pytest.mark.parametrize("name", sorted(ONE_ROW))
def test_other_metrics_are_defined_on_one_counted_row(name):
    # Unlike R^2, these have a value on one row; a leave-one-out fold keeps it (scikit-learn's).
    regression = name in ("mse", "mae", "mape")
    y_true = np.array([2.0, 4.0, 1.0]) if regression else np.array([1, 0, 1])
    y_pred = np.array([2.5, 3.0, 1.0]) if regression else np.array([1, 1, 0])
    fn = getattr(metrics, name)
    loo = jax.jit(jax.vmap(lambda w: fn(y_true, y_pred, weights=w)))(np.eye(3, dtype=np.float32))
    kwargs = {"zero_division": 0.0} if name in ("precision", "recall", "f1_score") else {}
    expected = [ONE_ROW[name](y_true[i : i + 1], y_pred[i : i + 1], **kwargs) for i in range(3)]
    np.testing.assert_allclose(loo, expected, rtol=1e-6)


def test_large_integer_weights_are_not_wrapped_to_32_bits():
    # jnp.asarray of an int64 array without 64-bit mode wraps 2**32 + 5 to 5: the weighted
    # mean below would then be 5/6 instead of ~1.
    from fnn import losses, metrics

    weights = np.array([2**32 + 5, 1], np.int64)
    np.testing.assert_allclose(losses.mse(np.array([1.0, 0.0]), np.zeros(2), weights=weights), 1.0, rtol=1e-6)
    np.testing.assert_allclose(metrics.mae(np.zeros(2), np.array([1.0, 0.0]), weights=weights), 1.0, rtol=1e-6)


# ============================================================================= cross-validation (fnn.cv)

# --------------------------------------------------------------------------- data and models

N, D, C = 40, 3, 3


def _classes():
    """Class-sorted data (as iris is stored): unshuffled K-fold would test one class at a time."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(C), [14, 13, 13]).astype(np.int32)
    X = (rng.normal(size=(N, D)) + 1.5 * np.eye(C, D)[y]).astype(np.float32)
    return X, y


_NET = mlp.MLP([D, C])  # softmax regression: small and fast to compile


def _loss(params, X, y):
    return losses.cross_entropy(_NET.apply(params, X), y, reduction="none")


def fit_honest(key, X, y, w):
    init_key, shuffle_key = jax.random.split(key)
    Xs, mu, sd = datasets.standardize(X, weights=w)
    params, history = train.fit(
        _loss, _NET.init(init_key), optax.adam(0.1), Xs, y, key=shuffle_key, epochs=3, batch_size=8, weights=w
    )
    return {"net": params, "mu": mu, "sd": sd}, history


def _predict(p, X):
    return jnp.argmax(_NET.apply(p["net"], (X - p["mu"][None, :]) / p["sd"][None, :]), axis=1)


def score_honest(p, X, y, w):
    return metrics.accuracy(y, _predict(p, X), weights=w)


def fit_ignores_weights(key, X, y, w):
    return fit_honest(key, X, y, jnp.ones_like(w))


def fit_standardizes_all_rows(key, X, y, w):
    init_key, shuffle_key = jax.random.split(key)
    Xs, mu, sd = datasets.standardize(X)  # statistics of every row, held-out ones included
    params, history = train.fit(
        _loss, _NET.init(init_key), optax.adam(0.1), Xs, y, key=shuffle_key, epochs=3, batch_size=8, weights=w
    )
    return {"net": params, "mu": mu, "sd": sd}, history


def fit_reads_held_out_labels(key, X, y, w):
    params, history = fit_honest(key, X, y, w)
    prior = jnp.mean(jax.nn.one_hot(y, C), axis=0)  # class frequencies of every row's label
    params["net"][-1]["b"] = params["net"][-1]["b"] + jnp.log(prior)
    return params, history


def score_ignores_weights(p, X, y, w):
    return metrics.accuracy(y, _predict(p, X))


def _fit_grid(key, X, y, w, hyperparams):
    params = _NET.init(key)
    return train.fit(_loss, params, optax.sgd(hyperparams["lr"]), X, y, epochs=3, weights=w)


def _fit_grid_leaky(key, X, y, w, hyperparams):
    return _fit_grid(key, X, y, jnp.ones_like(w), hyperparams)


def _score_grid(p, X, y, w):
    return metrics.accuracy(y, jnp.argmax(_NET.apply(p, X), axis=1), weights=w)


def _regression(n=30, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ np.array([1.5, -2.0][:d]) + 0.3 + 0.2 * rng.normal(size=n)
    return X, y


def fit_least_squares(key, X, y, w):
    """Weighted least squares with an intercept, closed form (weights 0 drop a row)."""
    total = jnp.sum(w)
    x_mean, y_mean = (w @ X) / total, (w @ y) / total
    Xc, yc = X - x_mean[None, :], y - y_mean
    coef = jnp.linalg.solve(Xc.T @ (w[:, None] * Xc), Xc.T @ (w * yc))
    return {"w": coef, "b": y_mean - x_mean @ coef}


def predict_linear(p, X):
    return X @ p["w"] + p["b"]


def neg_mse(p, X, y, w):
    return -losses.mse(predict_linear(p, X), y, weights=w)


# --------------------------------------------------------------------------- cv=K: check_cv's choice


_Y_SORTED = np.repeat(np.arange(3), [7, 6, 7])


@pytest.mark.parametrize(
    "y, want",
    [
        (_Y_SORTED.astype(np.int32), "stratified_kfold(y, 5)"),  # class labels: stratified
        (_Y_SORTED.astype(np.int64)[:, None], "stratified_kfold(y, 5)"),  # a column of labels too
        ((_Y_SORTED == 1), "stratified_kfold(y, 5)"),  # bool: binary
        (np.linspace(0.0, 3.0, 20) ** 2, "kfold(20, 5)"),  # float targets: a regression
        (np.stack([_Y_SORTED, _Y_SORTED], 1), "kfold(20, 5)"),  # several outputs: multioutput
    ],
)
def test_cv_int_chooses_the_folds_check_cv_chooses_for_a_classifier(y, want):
    X = np.zeros((20, 2))
    split, description = splits.check_cv(5, X, y, 20, "test")
    assert description == want
    theirs = ms.check_cv(5, y, classifier=True).split(X, y)
    assert_same_pairs(pairs(split.split()), pairs(theirs))


def test_cross_validate_with_cv_int_uses_stratified_folds_and_says_so():
    # Class-sorted data: unshuffled K-fold tested one class per fold (iris: 0.72 +- 0.26).
    X, y = _classes()
    out = cv.cross_validate(fit_honest, score_honest, X, y, 5, key=jax.random.key(0), return_indices=True)
    assert out["cv"] == "stratified_kfold(y, 5)"
    theirs = ms.cross_validate(DummyClassifier(), X, y, cv=5, return_indices=True)["indices"]
    for part in ("train", "test"):
        for a, b in zip(out["indices"][part], theirs[part], strict=True):
            np.testing.assert_array_equal(a, b)
    for test in out["indices"]["test"]:
        assert len(np.unique(y[test])) == C  # every fold tests every class
    Xr, yr = _regression()
    assert cv.cross_validate(fit_least_squares, neg_mse, Xr, yr, 3, key=jax.random.key(0))["cv"] == "kfold(30, 3)"


def test_cv_int_warns_when_a_class_is_smaller_than_k():
    y = np.array([0] * 10 + [1] * 2, np.int32)
    with pytest.warns(UserWarning, match="least populated class has only 2 members, fewer than cv=3"):
        split, _ = splits.check_cv(3, np.zeros((12, 1)), y, 12, "cross_validate")
    with pytest.warns(UserWarning, match="The least populated class in y has only 2 members"):
        theirs = list(ms.check_cv(3, y, classifier=True).split(np.zeros((12, 1)), y))
    assert_same_pairs(pairs(split.split()), pairs(theirs))


@pytest.mark.parametrize("call", ["cross_validate", "grid_search", "cross_val_predict"])
def test_cv_int_refuses_an_integer_regression_target(call):
    X = np.zeros((20, 2), np.float32)
    y = np.arange(20, dtype=np.int32)  # a count, say: every "class" has one member
    calls = {
        "cross_validate": lambda: cv.cross_validate(fit_honest, score_honest, X, y, 5, key=jax.random.key(0)),
        "grid_search": lambda: cv.grid_search(_fit_grid, _score_grid, X, y, 5, {"lr": [0.1]}, key=jax.random.key(0)),
        "cross_val_predict": lambda: cv.cross_val_predict(fit_honest, _predict, X, y, 5, key=jax.random.key(0)),
    }
    with pytest.raises(ValueError, match=r"pass cv=fnn\.cv\.kfold\(20, 5\)"):
        calls[call]()
    with pytest.raises(ValueError):  # scikit-learn refuses it too
        list(ms.check_cv(5, y, classifier=True).split(X, y))


# --------------------------------------------------------------------------- the leakage check

_EVENT = "/jax/core/compile/backend_compile_duration"
_compiles: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, _secs, **_kw: _compiles.append(name) if name == _EVENT else None
)


@pytest.mark.parametrize(
    "splitter, chunk_size",
    [
        (5, None),  # one chunk: the probe reruns the whole program
        (5, 2),  # chunks of 2 (the last padded): the probe reruns the first
        (ms.ShuffleSplit(3, test_size=8, train_size=24, random_state=0), None),  # MaskSplit, unused rows
    ],
)
def test_honest_functions_pass_silently(splitter, chunk_size):
    X, y = _classes()
    out = cv.cross_validate(fit_honest, score_honest, X, y, splitter, key=jax.random.key(1), chunk_size=chunk_size)
    assert out["leakage_check_time"] > 0
    assert set(out["status"]) == {"finished"}


def test_honest_grid_and_predict_pass_silently():
    X, y = _classes()
    cv.grid_search(_fit_grid, _score_grid, X, y, 4, {"lr": [0.1, 0.5]}, key=jax.random.key(0), chunk_size=3)
    pred = cv.cross_val_predict(fit_honest, _predict, X, y, 5, key=jax.random.key(0))
    assert pred.shape == (N,) and pred.dtype == np.int32


@pytest.mark.parametrize(
    "fit_fn, score_fn, match",
    [
        (fit_ignores_weights, score_honest, "fit_fn \\(fit_ignores_weights\\) reads rows it must not"),
        (fit_standardizes_all_rows, score_honest, "standardize\\(X, weights=w\\)"),
        (fit_reads_held_out_labels, score_honest, "fit_fn \\(fit_reads_held_out_labels\\)"),
        (fit_honest, score_ignores_weights, "score_fn \\(score_ignores_weights\\) reads rows"),
    ],
    ids=["fit ignores weights", "fit standardises with all rows", "fit reads held-out labels", "score ignores weights"],
)
def test_each_kind_of_leak_raises(fit_fn, score_fn, match):
    X, y = _classes()
    with pytest.raises(ValueError, match=match) as info:
        cv.cross_validate(fit_fn, score_fn, X, y, 5, key=jax.random.key(0), return_train_score=False)
    assert "check_leakage=False" in str(info.value)


def test_leaks_raise_in_grid_search_and_cross_val_predict():
    X, y = _classes()
    with pytest.raises(ValueError, match="grid_search: fit_fn \\(_fit_grid_leaky\\)"):
        cv.grid_search(_fit_grid_leaky, _score_grid, X, y, 4, {"lr": [0.1, 0.5]}, key=jax.random.key(0))
    with pytest.raises(ValueError, match="cross_val_predict: fit_fn \\(fit_ignores_weights\\)"):
        cv.cross_val_predict(fit_ignores_weights, _predict, X, y, 5, key=jax.random.key(0))


def test_check_leakage_false_turns_it_off():
    X, y = _classes()
    out = cv.cross_validate(
        fit_ignores_weights, score_ignores_weights, X, y, 5, key=jax.random.key(0), check_leakage=False
    )
    assert out["leakage_check_time"] == 0.0 and out["test_score"].shape == (5,)
    with pytest.raises(TypeError, match="check_leakage must be True or False"):
        cv.cross_validate(fit_honest, score_honest, X, y, 5, key=jax.random.key(0), check_leakage=1)


def test_the_leakage_check_compiles_nothing_more():
    X, y = _regression(n=37, d=2)  # a shape no other test compiles
    before = len(_compiles)
    out = cv.cross_validate(fit_least_squares, neg_mse, X, y, 4, key=jax.random.key(0), return_train_score=False)
    assert len(_compiles) - before == 1
    assert out["leakage_check_time"] > 0


def _counted(monkeypatch, noise: float):
    """Counts the reruns of the compiled program; each one's float outputs scaled by ``1 + noise * call``,
    as a platform with non-deterministic reductions would give (a GPU's atomics, say)."""
    calls = []
    rerun = engine.run_first_chunk

    def run_first_chunk(result, shared, entries, *, mesh):
        out = rerun(result, shared, entries, mesh=mesh)
        calls.append(None)
        scale = 1 + noise * len(calls)
        return jax.tree.map(lambda a: a * a.dtype.type(scale) if np.issubdtype(a.dtype, np.floating) else a, out)

    monkeypatch.setattr(engine, "run_first_chunk", run_first_chunk)
    return calls


def test_an_honest_fit_costs_one_rerun_and_a_leak_is_confirmed_by_a_control(monkeypatch):
    X, y = _classes()
    calls = _counted(monkeypatch, 0.0)
    cv.cross_validate(fit_honest, score_honest, X, y, 5, key=jax.random.key(0))
    assert len(calls) == 1  # the probe only
    with pytest.raises(ValueError, match="fit_ignores_weights"):
        cv.cross_validate(fit_ignores_weights, score_honest, X, y, 5, key=jax.random.key(0))
    assert len(calls) == 3  # the probe differed: a control on the original data, bitwise the run's


def test_on_a_non_deterministic_platform_the_check_needs_a_clear_difference(monkeypatch):
    X, y = _classes()
    _counted(monkeypatch, 1e-6)  # every rerun differs a little, whatever the data
    with pytest.warns(RuntimeWarning, match="leakage check is inconclusive"):
        cv.cross_validate(fit_honest, score_honest, X, y, 5, key=jax.random.key(0))
    with pytest.raises(ValueError, match="fit_ignores_weights"):  # a leak differs far more than the noise
        cv.cross_validate(fit_ignores_weights, score_honest, X, y, 5, key=jax.random.key(0))


# --------------------------------------------------------------------------- fold health


def _fit_sgd(key, X, y, w, hyperparams):
    p0 = 0.1 * jax.random.normal(key, (X.shape[1],))
    return train.fit(lambda p, X, y: (X @ p - y) ** 2, p0, optax.sgd(hyperparams["lr"]), X, y, epochs=30, weights=w)


def _score_sgd(p, X, y, w):
    return -losses.mse(X @ p, y, weights=w)


def test_a_diverging_fold_is_flagged_with_its_epoch():
    X, y = _regression(n=24)
    X, y = X.astype(np.float32), y.astype(np.float32)
    with pytest.warns(RuntimeWarning, match=r"3 of 6 folds are unhealthy .*diverged at epoch .*learning rate") as rec:
        out = cv.grid_search(_fit_sgd, _score_sgd, X, y, 3, {"lr": [0.01, 50.0]}, key=jax.random.key(0))
    assert len(rec) == 1
    assert (out["status"][0] == "finished").all()
    assert all(s.startswith("diverged at epoch ") for s in out["status"][1])
    assert 'out["status"]' in str(rec[0].message) and "setting 1 {'lr': 50.0} fold 0" in str(rec[0].message)
    # the epoch is the History's
    with pytest.warns(RuntimeWarning):
        one = cv.cross_validate(
            lambda k, X, y, w: _fit_sgd(k, X, y, w, {"lr": 50.0}), _score_sgd, X, y, 3, key=jax.random.key(0),
            return_history=True,
        )  # fmt: skip
    for status, epoch in zip(one["status"], one["history"].diverged_epoch, strict=True):
        # parameters frozen just before the overflow can still score inf: both are said
        assert status.split("; ")[0] == f"diverged at epoch {epoch}"


def test_an_out_of_range_label_under_jit_is_flagged():
    X, y = _classes()
    y = y.copy()
    y[0] = C  # a label the 3-class model cannot output: NaN under jit, not an error
    with pytest.warns(RuntimeWarning, match=r"diverged at epoch 0.*0 <= y < C"):
        out = cv.cross_validate(fit_honest, score_honest, X, y, cv.kfold(N, 4), key=jax.random.key(0))
    # every fold that trains on row 0 diverges at once; the fold that tests it trains fine
    np.testing.assert_array_equal(out["status"], ["finished"] + ["diverged at epoch 0"] * 3)


def _fit_nan_for_fold_0(key, X, y, w):
    """An honest fit whose parameters are NaN in the fold that holds row 0 out."""
    params, _ = fit_honest(key, X, y, w)
    return jax.tree.map(lambda a: jnp.where(w[0] == 0, jnp.nan, a), params)


def test_non_finite_parameters_score_nan_never_a_number():
    # argmax of NaN logits is class 0: accuracy would be 1/3, a plausible score
    X, y = _classes()
    with pytest.warns(RuntimeWarning, match=r"1 of 5 folds are unhealthy \(non-finite parameters: fold 0\)"):
        out = cv.cross_validate(_fit_nan_for_fold_0, score_honest, X, y, 5, key=jax.random.key(0), chunk_size=2)
    # 5 folds in chunks of 2: the padding entry is a copy of fold 0, and is not counted
    assert np.isnan(out["test_score"][0]) and np.isnan(out["train_score"][0])
    assert np.all(np.isfinite(out["test_score"][1:]))
    assert list(out["status"]) == ["non-finite parameters"] + ["finished"] * 4
    with pytest.warns(RuntimeWarning, match="non-finite parameters: fold 0"):
        pred = cv.cross_val_predict(_fit_nan_for_fold_0, _predict, X, y, 5, key=jax.random.key(0))
    test_0 = next(iter(cv.stratified_kfold(y, 5).split()))[1]
    assert np.isnan(pred[test_0]).all() and np.isfinite(np.delete(pred, test_0)).all()


def _r2_one_row_is_nan(p, X, y, w):
    """R², NaN where it is undefined (fewer than two kept rows): the documented rule for a score under jit."""
    r2 = 1 - jnp.sum(w * (y - predict_linear(p, X)) ** 2) / jnp.sum(w * (y - jnp.sum(w * y) / jnp.sum(w)) ** 2)
    return jnp.where(jnp.sum(w > 0) >= 2, r2, jnp.nan)


def test_loocv_r2_is_nan_and_the_warning_points_to_cross_val_predict():
    X, y = _regression(n=12)
    with pytest.warns(RuntimeWarning, match=r"12 of 12 folds .*non-finite test score.*fnn\.cv\.cross_val_predict"):
        out = cv.cross_validate(fit_least_squares, _r2_one_row_is_nan, X, y, "loo", key=jax.random.key(0))
    assert np.isnan(out["test_score"]).all() and np.isfinite(out["train_score"]).all()


def test_loocv_with_metrics_r2_score_is_nan():
    X, y = _regression(n=12)

    def r2(p, X, y, w):
        return metrics.r2_score(y, predict_linear(p, X), weights=w)

    with pytest.warns(RuntimeWarning, match="cross_val_predict"):
        out = cv.cross_validate(fit_least_squares, r2, X, y, "loo", key=jax.random.key(0))
    assert np.isnan(out["test_score"]).all()


# --------------------------------------------------------------------------- cross_val_predict


@pytest.mark.parametrize(
    "ours, theirs", [("loo", ms.LeaveOneOut()), (5, ms.KFold(5)), (ms.KFold(4, shuffle=True, random_state=0), None)]
)
def test_cross_val_predict_equals_sklearn(ours, theirs, enable_x64):
    X, y = _regression(n=25)
    pred = cv.cross_val_predict(fit_least_squares, predict_linear, X, y, ours, key=jax.random.key(0))
    reference = ms.cross_val_predict(LinearRegression(), X, y, cv=theirs if theirs is not None else ours)
    assert pred.dtype == np.float64
    np.testing.assert_allclose(pred, reference, rtol=1e-8, atol=1e-8)
    # the way to R² under LOOCV: one score over every out-of-fold prediction
    assert float(metrics.r2_score(y, pred)) == pytest.approx(sklearn_r2(y, reference), abs=1e-8)


@pytest.mark.parametrize(
    "splitter",
    [
        ms.ShuffleSplit(3, test_size=5, random_state=0),
        cv.repeated_kfold(20, 4, 2, key=jax.random.key(0)),
        cv.holdout(20, test_size=5, key=jax.random.key(0)),
    ],
    ids=["ShuffleSplit", "repeated_kfold", "holdout"],
)
def test_cross_val_predict_refuses_folds_that_are_not_a_partition(splitter):
    X, y = _regression(n=20)
    with pytest.raises(ValueError, match="only works for partitions"):
        cv.cross_val_predict(fit_least_squares, predict_linear, X, y, splitter, key=jax.random.key(0))
    with pytest.raises(ValueError, match="partitions"):  # scikit-learn refuses them too
        ms.cross_val_predict(LinearRegression(), X, y, cv=splitter)


def test_cross_val_predict_checks_predict_fn():
    X, y = _regression(n=20)
    with pytest.raises(TypeError, match="predict_fn must be callable"):
        cv.cross_val_predict(fit_least_squares, None, X, y, 4, key=jax.random.key(0))
    with pytest.raises(ValueError, match="one prediction per row"):
        cv.cross_val_predict(fit_least_squares, lambda p, X: p["w"], X, y, 4, key=jax.random.key(0))


# --------------------------------------------------------------------------- hold-out


@pytest.mark.parametrize(
    "n, test_size, train_size",
    [
        (3, 0.6, 0.6),  # two fractions > 1: scikit-learn refuses (fnn once gave 1 + 2 rows)
        (10, 0.5, 0.5),
        (10, 0.7, 0.3),
        (10, 0.05, None),
        (10, None, 0.05),  # an empty training set
        (10, 0.95, None),  # ceil(9.5) = 10 test rows: an empty training set
        (10, 5, 6),
        (10, 5, 5),
        (10, 0.5, 6),
        (10, 0, None),
        (10, 10, None),
        (10, None, 10),
        (10, 1.0, None),
        (10, 0.0, None),
        (10, -0.2, None),
        (10, True, None),
        (10, "0.2", None),
        (10, 0.25, np.int64(3)),
        (10, np.int64(3), None),
    ],
)
def test_holdout_sizes_are_validated_as_train_test_split(n, test_size, train_size):
    try:
        a, b = ms.train_test_split(np.arange(n), test_size=test_size, train_size=train_size, random_state=0)
    except ValueError:  # InvalidParameterError too (a ValueError)
        with pytest.raises(ValueError):
            cv.holdout(n, test_size=test_size, train_size=train_size, key=jax.random.key(0))
        return
    split = cv.holdout(n, test_size=test_size, train_size=train_size, key=jax.random.key(0))
    assert (int(split.train.sum()), int(split.test.sum())) == (len(a), len(b))


def test_stratified_holdout_breaks_ties_at_random():
    # 11 + 11 rows, 5 test rows: the training share is 8.5 + 8.5, a tie. Breaking it for the
    # first class always put 2 of class 0 and 3 of class 1 in the test set (400:600 over 200 keys).
    y = np.repeat([0, 1], 11)
    ours = sum(
        int(np.sum(y[cv.holdout(22, test_size=5, stratify=y, key=k).test[0]] == 0))
        for k in jax.random.split(jax.random.key(0), 200)
    )
    theirs = sum(
        int(np.sum(ms.train_test_split(y, test_size=5, stratify=y, random_state=s)[1] == 0)) for s in range(200)
    )
    # each split holds 2 or 3 of class 0: 400 + Binomial(200, 1/2), sd 7.1; 4 sd either side
    for total in (ours, theirs):
        assert abs(total - 500) <= 28, total


# --------------------------------------------------------------------------- smaller deviations


def test_stratified_kfold_takes_a_column_of_labels():
    y = np.array([0, 1, 1, 0, 2, 2, 1, 0, 2, 1, 0, 2])
    ours = cv.stratified_kfold(y[:, None], 3)
    np.testing.assert_array_equal(ours.test_fold, cv.stratified_kfold(y, 3).test_fold)
    assert_same_pairs(pairs(ours.split()), pairs(ms.StratifiedKFold(3).split(np.zeros(12), y[:, None])))
    split = cv.holdout(12, test_size=3, stratify=y[:, None], key=jax.random.key(0))
    np.testing.assert_array_equal(np.bincount(y[split.test[0]]), [1, 1, 1])


_LABELS = np.array([0, 1] * 6)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda: cv.kfold(10, 2.0), lambda: ms.KFold(2.0)),
        (lambda: cv.stratified_kfold(_LABELS, 2.5), lambda: ms.StratifiedKFold(2.5)),
        (lambda: cv.repeated_kfold(12, 3, 2.0, key=jax.random.key(0)), lambda: ms.RepeatedKFold(n_repeats=2.0)),
        (
            lambda: cv.cross_validate(fit_honest, score_honest, *_classes(), 2.5, key=jax.random.key(0)),
            lambda: ms.check_cv(2.5),
        ),
        (
            lambda: cv.holdout(10, test_size="a", key=jax.random.key(0)),
            lambda: ms.train_test_split(np.arange(10), test_size="a"),
        ),
    ],
    ids=["kfold k", "stratified_kfold k", "repeated_kfold n_repeats", "cross_validate cv", "holdout test_size"],
)
def test_a_non_integer_count_is_a_value_error_as_in_sklearn(ours, theirs):
    with pytest.raises(ValueError):  # scikit-learn: when built, or when asked for folds
        list(theirs().split(np.zeros((12, 1))))
    with pytest.raises(ValueError) as info:
        ours()
    assert isinstance(info.value, TypeError)  # and still the TypeError fnn raises for a wrong type
    assert isinstance(info.value, splits.ArgumentTypeError)
