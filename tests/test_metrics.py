"""Tests for fnn.metrics against scikit-learn (and numpy formulas where it has no function).

Budget: ~10 s on one core. Every comparison runs in float64 (``enable_x64``) at
rtol 1e-12, except the float32 smoke checks.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn import metrics as skm

from fnn import metrics

N, C, K = 40, 4, 5
SCORES = ["precision", "recall", "f1_score", "specificity"]


def _sk_specificity(
    y_true, y_pred, *, sample_weight=None, average="binary", pos_label=1, labels=None, zero_division=0.0
):
    """Specificity TN / (TN + FP) from scikit-learn's per-class confusion matrices."""
    if average == "binary":
        # The recall of the negative class, with the two labels of a binary problem.
        return skm.recall_score(
            y_true != pos_label, y_pred != pos_label, sample_weight=sample_weight, zero_division=zero_division
        )
    mcm = skm.multilabel_confusion_matrix(y_true, y_pred, sample_weight=sample_weight, labels=labels)
    tn, fp = mcm[:, 0, 0].astype(float), mcm[:, 0, 1].astype(float)
    if average == "micro":
        tn, fp = tn.sum(keepdims=True), fp.sum(keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(tn + fp == 0, zero_division, tn / np.where(tn + fp == 0, 1, tn + fp))
    if average is None:
        return per_class
    if average == "micro":
        return per_class[0]
    support = mcm[:, 1, 1] + mcm[:, 1, 0]
    valid = ~np.isnan(per_class)
    if not valid.any():
        return np.nan
    if average == "weighted" and support[valid].sum() > 0:
        return np.average(per_class[valid], weights=support[valid])
    return per_class[valid].mean()


def _sk(name):
    fn = {
        "precision": skm.precision_score,
        "recall": skm.recall_score,
        "f1_score": skm.f1_score,
        "specificity": _sk_specificity,
    }[name]

    def reference(*args, zero_division=0.0, **kwargs):
        # Explicit, so scikit-learn does not warn (our default 0.0 is its "warn" without the warning).
        return fn(*args, zero_division=zero_division, **kwargs)

    return reference


def _labels(rng, num_classes=C, n=N):
    y_true = rng.integers(0, num_classes, n)
    # Predictions right 60 % of the time, so no score is degenerate.
    y_pred = np.where(rng.uniform(size=n) < 0.6, y_true, rng.integers(0, num_classes, n))
    return y_true, y_pred


# ---------------------------------------------------------------------------- classification vs sklearn


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_scores_match_sklearn(enable_x64, weighted):
    rng = np.random.default_rng(0)
    y_true, y_pred = _labels(rng, num_classes=2)
    w = rng.uniform(0, 3, N) if weighted else None
    for name in SCORES:
        got = jax.jit(lambda t, p, w, name=name: getattr(metrics, name)(t, p, weights=w))(y_true, y_pred, w)
        np.testing.assert_allclose(got, _sk(name)(y_true, y_pred, sample_weight=w), rtol=1e-12)
    np.testing.assert_allclose(
        metrics.accuracy(y_true, y_pred, weights=w), skm.accuracy_score(y_true, y_pred, sample_weight=w), rtol=1e-12
    )


@pytest.mark.parametrize("pos_label", [1, -1])
def test_perceptron_labels_minus_one_and_one(enable_x64, pos_label):
    rng = np.random.default_rng(1)
    y_true, y_pred = (2 * labels - 1 for labels in _labels(rng, num_classes=2))
    for name in SCORES:
        np.testing.assert_allclose(
            getattr(metrics, name)(y_true, y_pred, pos_label=pos_label),
            _sk(name)(y_true, y_pred, pos_label=pos_label),
            rtol=1e-12,
        )


def test_specificity_is_recall_of_the_negative_class_and_matches_confusion_matrix(enable_x64):
    rng = np.random.default_rng(2)
    y_true, y_pred = _labels(rng, num_classes=2)
    w = rng.uniform(0, 3, N)
    (tn, fp), _ = skm.confusion_matrix(y_true, y_pred, sample_weight=w)
    np.testing.assert_allclose(metrics.specificity(y_true, y_pred, weights=w), tn / (tn + fp), rtol=1e-12)
    np.testing.assert_allclose(
        metrics.specificity(y_true, y_pred, weights=w),
        metrics.recall(y_true, y_pred, weights=w, pos_label=0),
        rtol=1e-12,
    )


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", None])
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_scores_match_sklearn(enable_x64, average, weighted):
    rng = np.random.default_rng(3)
    y_true, y_pred = _labels(rng)
    w = rng.uniform(0.1, 3, N) if weighted else None

    @jax.jit
    def ours(t, p, w):
        return [getattr(metrics, name)(t, p, weights=w, average=average, num_classes=C) for name in SCORES]

    for name, got in zip(SCORES, ours(y_true, y_pred, w), strict=True):
        expected = _sk(name)(y_true, y_pred, sample_weight=w, average=average, labels=np.arange(C))
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=name)


def test_num_classes_is_inferred_from_concrete_labels(enable_x64):
    rng = np.random.default_rng(4)
    y_true, y_pred = _labels(rng)
    for name in SCORES:
        np.testing.assert_allclose(
            getattr(metrics, name)(y_true, y_pred, average="macro"),
            _sk(name)(y_true, y_pred, average="macro"),
            rtol=1e-12,
        )
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred))


def test_macro_averages_over_labels_present_like_sklearn(enable_x64):
    # Class 2 never occurs: scikit-learn averages over {0, 1, 3}; so do we, even with num_classes=6.
    y_true = np.array([0, 1, 3, 3, 1, 0, 0])
    y_pred = np.array([0, 3, 3, 1, 1, 0, 3])
    for name in SCORES:
        for average in ("macro", "weighted", "micro"):
            expected = _sk(name)(y_true, y_pred, average=average)
            np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred, average=average), expected, rtol=1e-12)
            np.testing.assert_allclose(
                getattr(metrics, name)(y_true, y_pred, average=average, num_classes=6), expected, rtol=1e-12
            )


@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
def test_zero_division_matches_sklearn(enable_x64, zero_division):
    # Binary: nothing predicted positive (precision 0/0), no positive examples (recall 0/0).
    cases = [
        ("binary", np.array([0, 1, 1, 0]), np.array([0, 0, 0, 0])),
        ("binary", np.array([0, 0, 0, 0]), np.array([0, 1, 0, 0])),
        ("binary", np.array([1, 1, 1]), np.array([1, 1, 1])),  # specificity 0/0
        # Multi-class: class 3 occurs only in y_true (precision 0/0), class 1 only in y_pred.
        ("macro", np.array([0, 3, 2, 3, 0]), np.array([0, 1, 2, 2, 0])),
        ("weighted", np.array([0, 3, 2, 3, 0]), np.array([0, 1, 2, 2, 0])),
        ("micro", np.array([0, 3, 2, 3, 0]), np.array([0, 1, 2, 2, 0])),
        (None, np.array([0, 3, 2, 3, 0]), np.array([0, 1, 2, 2, 0])),
    ]
    for average, y_true, y_pred in cases:
        for name in SCORES:
            kwargs = {"labels": np.arange(4)} if average is None else {}
            expected = _sk(name)(y_true, y_pred, average=average, zero_division=zero_division, **kwargs)
            got = getattr(metrics, name)(y_true, y_pred, average=average, zero_division=zero_division)
            np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=f"{name} {average}")


@pytest.mark.parametrize("weights", [None, "float64", "float32", "int64", "bool"])
def test_confusion_matrix_matches_sklearn(enable_x64, weights):
    rng = np.random.default_rng(5)
    y_true, y_pred = _labels(rng)
    w = {
        None: None,
        "float64": rng.uniform(0, 3, N),
        "float32": rng.uniform(0, 3, N).astype(np.float32),
        "int64": rng.integers(0, 2**40, N),
        "bool": rng.uniform(size=N) > 0.3,
    }[weights]
    got = jax.jit(lambda t, p, w: metrics.confusion_matrix(t, p, weights=w, num_classes=C + 1))(y_true, y_pred, w)
    # scikit-learn counts in int64 for integer (and bool) weights, in float64 otherwise; so do we
    # with x64, also for float32 weights (each exact in float64, so the sums are float64's).
    expected = skm.confusion_matrix(y_true, y_pred, sample_weight=None if w is None else w, labels=np.arange(C + 1))
    assert got.shape == (C + 1, C + 1)
    assert got.dtype == (np.int64 if weights in (None, "int64", "bool") else np.float64)
    if weights in ("float64", "float32"):
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    else:
        np.testing.assert_array_equal(got, expected)


def test_float32_and_bool_labels():
    y_true = np.array([True, False, True, True])
    y_pred = np.array([True, True, False, True])
    got = metrics.precision(y_true, y_pred)
    assert got.dtype == jnp.float32
    np.testing.assert_allclose(got, 2 / 3, rtol=1e-6)
    # Float labels (a perceptron's step output) work for the binary scores and accuracy.
    np.testing.assert_allclose(
        metrics.f1_score(y_true.astype(np.float32), y_pred.astype(np.float32)), skm.f1_score(y_true, y_pred), rtol=1e-6
    )
    np.testing.assert_allclose(metrics.accuracy(y_true.astype(np.float32), y_pred), 0.5, rtol=1e-6)


# ---------------------------------------------------------------------------- folds as weights


@pytest.mark.parametrize("average", ["binary", "macro", "weighted", "micro"])
def test_vmap_over_fold_weights_equals_sklearn_per_fold(enable_x64, average):
    rng = np.random.default_rng(6)
    y_true, y_pred = _labels(rng, num_classes=2 if average == "binary" else C)
    fold_of_row = np.arange(N) % K
    masks = (fold_of_row[None, :] == np.arange(K)[:, None]).astype(np.float64)  # (K, n)

    @jax.jit
    def all_folds(masks):
        def one(w):
            scores = {
                name: getattr(metrics, name)(
                    y_true, y_pred, weights=w, average=average, num_classes=None if average == "binary" else C
                )
                for name in SCORES
            }
            scores["accuracy"] = metrics.accuracy(y_true, y_pred, weights=w)
            return scores

        return jax.vmap(one)(masks)

    got = all_folds(masks)
    for name in SCORES + ["accuracy"]:
        assert got[name].shape == (K,)
        for k in range(K):
            rows = masks[k] > 0
            if name == "accuracy":
                expected = skm.accuracy_score(y_true[rows], y_pred[rows])
            else:
                expected = _sk(name)(y_true[rows], y_pred[rows], average=average)
            np.testing.assert_allclose(got[name][k], expected, rtol=1e-12, err_msg=f"{name} fold {k}")


def test_vmap_over_random_weights_equals_sklearn_sample_weight(enable_x64):
    rng = np.random.default_rng(7)
    y_true, y_pred = _labels(rng)
    weights = rng.uniform(0.1, 2, (K, N))
    got = jax.vmap(lambda w: metrics.f1_score(y_true, y_pred, weights=w, average="weighted"))(weights)
    expected = [skm.f1_score(y_true, y_pred, sample_weight=w, average="weighted") for w in weights]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_traced_all_zero_fold_scores_nan():
    y = np.array([0, 1, 1, 0])
    got = jax.jit(lambda w: metrics.accuracy(y, y, weights=w))(np.zeros(4, np.float32))
    assert np.isnan(got)


# ---------------------------------------------------------------------------- regression vs sklearn

REGRESSION = [
    ("mse", skm.mean_squared_error),
    ("mae", skm.mean_absolute_error),
    ("mape", skm.mean_absolute_percentage_error),
    ("r2_score", skm.r2_score),
]


@pytest.mark.parametrize("shape", [(N,), (N, 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_match_sklearn(enable_x64, shape, weighted):
    rng = np.random.default_rng(8)
    y_true = rng.normal(size=shape)
    y_true[0] = 0.0  # mape's epsilon branch
    y_pred = y_true + 0.3 * rng.normal(size=shape)
    w = rng.uniform(0, 2, N) if weighted else None
    got = jax.jit(lambda t, p, w: [getattr(metrics, name)(t, p, weights=w) for name, _ in REGRESSION])(
        y_true, y_pred, w
    )
    for (name, reference), value in zip(REGRESSION, got, strict=True):
        np.testing.assert_allclose(value, reference(y_true, y_pred, sample_weight=w), rtol=1e-12, err_msg=name)


def test_regression_edge_cases_match_sklearn(enable_x64):
    y = np.array([[2.0, 1.0], [2.0, 2.0], [2.0, 3.0]])
    perfect_constant, wrong_constant = y.copy(), y + np.array([[0.5, 0.0]])
    for y_pred in (perfect_constant, wrong_constant):
        # A constant column: R^2 is 1 when predicted exactly, else 0 (force_finite).
        np.testing.assert_allclose(metrics.r2_score(y, y_pred), skm.r2_score(y, y_pred), rtol=1e-12)
    zeros = np.zeros(3)
    np.testing.assert_allclose(
        metrics.mape(zeros, np.array([1.0, 0.0, -1.0])),
        skm.mean_absolute_percentage_error(zeros, np.array([1.0, 0.0, -1.0])),
        rtol=1e-12,
    )


def test_regression_float32():
    y_true, y_pred = np.array([100.0, 200.0], np.float32), np.array([110.0, 180.0], np.float32)
    got = metrics.mape(y_true, y_pred)
    assert got.dtype == jnp.float32
    np.testing.assert_allclose(got, 0.1, rtol=1e-6)
    np.testing.assert_allclose(metrics.mse(y_true, y_pred), 250.0, rtol=1e-6)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", SCORES + ["accuracy", "confusion_matrix"])
@pytest.mark.parametrize("t_shape,p_shape", [((5,), (5, 1)), ((5,), (4,)), ((5, 1), (5, 1)), ((0,), (0,))])
def test_classification_shape_errors(name, t_shape, p_shape):
    with pytest.raises(ValueError, match=name):
        getattr(metrics, name)(np.zeros(t_shape, int), np.zeros(p_shape, int))


@pytest.mark.parametrize("name", [n for n, _ in REGRESSION])
@pytest.mark.parametrize("t_shape,p_shape", [((5,), (5, 1)), ((5, 2), (5, 3)), ((5, 2, 1), (5, 2, 1)), ((), ())])
def test_regression_shape_errors(name, t_shape, p_shape):
    with pytest.raises(ValueError, match=name):
        getattr(metrics, name)(np.ones(t_shape), np.ones(p_shape))


@pytest.mark.parametrize("name", SCORES)
def test_binary_average_with_three_labels_raises(name):
    with pytest.raises(ValueError, match="average='binary' needs at most two labels"):
        getattr(metrics, name)(np.array([0, 1, 2]), np.array([0, 1, 1]))


def test_pos_label_not_among_labels_raises():
    with pytest.raises(ValueError, match="pos_label=1 is not one of the labels"):
        metrics.precision(np.array([-1, 2, 2]), np.array([-1, -1, 2]))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"average": "samples"}, ValueError, "average must be one of"),
        ({"zero_division": "warn"}, ValueError, "zero_division must be"),
        ({"zero_division": 0.5}, ValueError, "zero_division must be"),
        ({"average": "macro", "num_classes": 0}, ValueError, "num_classes must be a positive int"),
        ({"average": "macro", "num_classes": 2}, ValueError, r"labels must lie in \[0, 2\)"),
    ],
)
def test_bad_options_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        metrics.recall(np.array([0, 1, 2]), np.array([0, 1, 1]), **kwargs)


def test_multiclass_needs_integer_non_negative_labels():
    with pytest.raises(TypeError, match="integer labels"):
        metrics.f1_score(np.array([0.0, 1.0, 2.0]), np.array([0, 1, 2]), average="macro")
    with pytest.raises(ValueError, match="non-negative"):
        metrics.confusion_matrix(np.array([0, -1, 2]), np.array([0, 1, 2]))


def test_num_classes_needed_under_jit():
    with pytest.raises(ValueError, match="num_classes is needed"):
        jax.jit(lambda t, p: metrics.f1_score(t, p, average="macro"))(np.array([0, 1]), np.array([1, 1]))
    with pytest.raises(ValueError, match="num_classes is needed"):
        jax.jit(lambda t, p: metrics.confusion_matrix(t, p))(np.array([0, 1]), np.array([1, 1]))


@pytest.mark.parametrize("name", SCORES + ["accuracy", "mse", "r2_score"])
@pytest.mark.parametrize(
    "weights,match",
    [
        (np.ones(3), r"weights must have shape \(n,\)"),
        (np.zeros(4), "all zero"),
        (np.array([1.0, -1.0, 1.0, 1.0]), "non-negative"),
        (np.array([1.0, np.inf, 1.0, 1.0]), "finite"),
    ],
)
def test_bad_weights_raise(name, weights, match):
    with pytest.raises(ValueError, match=match):
        getattr(metrics, name)(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), weights=weights)


def test_r2_needs_two_examples():
    with pytest.raises(ValueError, match="at least two examples"):
        metrics.r2_score(np.array([1.0]), np.array([2.0]))


@pytest.mark.parametrize("bad", ["abc", None])
def test_non_array_input_raises_type_error(bad):
    with pytest.raises(TypeError):
        metrics.accuracy(bad, np.zeros(3))
    with pytest.raises(TypeError):
        metrics.mse(np.zeros(3), bad)


def test_public_names():
    assert sorted(metrics.__all__) == sorted(
        [
            "accuracy",
            "precision",
            "recall",
            "specificity",
            "f1_score",
            "confusion_matrix",
            "mse",
            "mae",
            "mape",
            "r2_score",
        ]
    )
