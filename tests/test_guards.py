"""The catalogue of plausible wrong numbers: each case fnn refuses or flags, one test each.

A result that looks fine but is wrong is worse than an error. Every test here reproduces
one route that once gave a plausible wrong number without a word, and asserts that fnn
now refuses it (a ``ValueError`` / ``TypeError`` that says how to fix it) or flags it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from sklearn import metrics as skm

import fnn.optim as fo
from fnn import activations, losses, metrics

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
