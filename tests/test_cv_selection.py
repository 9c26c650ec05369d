"""fnn.cv.compare and fnn.cv.nested_cross_validate against their references.

* ``compare``: each configuration's scores against ``cross_validate`` of that configuration
  alone with the same key (bitwise: the same per-fold computation in another program), its
  p-values against :mod:`fnn.stats` on those scores (exactly: the same function on the same
  numbers), Holm's adjustment against the closed test of Bonferroni's local tests, one
  compilation for every configuration, the verdicts, the guards, and bad input refused
  before anything compiles.
* ``nested_cross_validate``: scikit-learn's ``cross_val_score(GridSearchCV(Ridge(), ...))``
  to 1e-8 in float64 (the scores and every outer fold's chosen setting), ties to the
  first setting, one compilation.

Budget: ~40 s on one loaded core.
"""

from __future__ import annotations

import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from sklearn import model_selection as ms
from sklearn.linear_model import Ridge

from fnn import cv, datasets, losses, metrics, mlp, optim, stats, train
from fnn.cv import selection

_EVENT = "/jax/core/compile/backend_compile_duration"
_compiles: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, _secs, **_kw: _compiles.append(name) if name == _EVENT else None
)

# --------------------------------------------------------------------------- a small task

N, D = 80, 4
_NET = mlp.MLP([D, 2])  # softmax regression: logits out


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)).astype(np.float32)
    y = (X @ np.array([1.5, -1.0, 0.5, 0.0]) + 0.5 * rng.normal(size=N) > 0).astype(np.int32)
    return X, y


def _loss(p, X, y):
    return losses.cross_entropy(_NET.apply(p, X), y, reduction="none")


def _fitter(optimizer, epochs=30):
    def fit_fn(key, X, y, w):
        return train.fit(_loss, _NET.init(key), optimizer, X, y, epochs=epochs, weights=w)

    return fit_fn


def _accuracy(p, X, y, w):
    return metrics.accuracy(y, jnp.argmax(_NET.apply(p, X), axis=1), weights=w)


# module-level fit functions: JAX caches each program by them, so tests share compilations
FNN_ADAM = _fitter(optim.adam(0.05))
OPTAX_ADAM = _fitter(optax.adam(0.05))
SLOW_SGD = _fitter(optim.sgd(1e-4))
CONFIGS = {"fnn adam": FNN_ADAM, "optax adam": OPTAX_ADAM, "sgd": SLOW_SGD}
X, Y = _data()
FOLDS = cv.stratified_kfold(Y, 5, shuffle=True, key=jax.random.key(3))
FIVE_BY_TWO = cv.repeated_kfold(N, 2, 5, key=jax.random.key(4))


@pytest.fixture(scope="module")
def kfold_run():
    before = len(_compiles)
    out = cv.compare(CONFIGS, _accuracy, X, Y, FOLDS, key=jax.random.key(0), return_train_score=True)
    return out, len(_compiles) - before


# --------------------------------------------------------------------------- compare: against references


def test_each_configuration_scores_as_cross_validate_alone(kfold_run):
    # Bitwise: fold k of every configuration draws the same key as cross_validate's fold k,
    # and runs the same per-fold function (program.fit_and_score_fold) on the same data; the
    # other configurations in the program are independent computations.
    out, _ = kfold_run
    for name, fit_fn in CONFIGS.items():
        alone = cv.cross_validate(fit_fn, _accuracy, X, Y, FOLDS, key=jax.random.key(0))
        np.testing.assert_array_equal(out["test_score"][name], alone["test_score"])
        np.testing.assert_array_equal(out["train_score"][name], alone["train_score"])
        assert out["status"][name].tolist() == alone["status"].tolist()
        scores = alone["test_score"].astype(np.float64)  # the summaries are float64, as fnn.stats computes
        assert (out["mean"][name], out["std"][name]) == (np.mean(scores), np.std(scores))


def test_p_values_are_fnn_stats_on_the_scores(kfold_run):
    out, _ = kfold_run
    assert out["test"] == "corrected_resampled_ttest"
    assert out["n_folds"] == 5 and out["n_test"] == N / 5 and out["n_train"] == N - N / 5
    assert [(p["a"], p["b"]) for p in out["pairs"]] == list(itertools.combinations(CONFIGS, 2))
    s = out["test_score"]
    raw = []
    for pair in out["pairs"]:
        want = stats.corrected_resampled_ttest(s[pair["a"]], s[pair["b"]], n_train=64, n_test=16)
        assert pair["result"] == want  # every field, exactly
        assert (pair["statistic"], pair["p_value"]) == tuple(want)
        assert pair["mean_difference"] == pytest.approx(want.mean_difference, abs=1e-12)
        raw.append(want.p_value)
    np.testing.assert_array_equal([p["p_adjusted"] for p in out["pairs"]], selection.holm(raw))


def test_verdicts_find_the_real_difference_and_not_the_rounding(kfold_run):
    out, _ = kfold_run
    by_pair = {(p["a"], p["b"]): p for p in out["pairs"]}
    same = by_pair[("fnn adam", "optax adam")]
    # fnn's adam equals optax's to float32 rounding: at most a test row flips, never a difference
    assert np.max(np.abs(out["test_score"]["fnn adam"] - out["test_score"]["optax adam"])) <= 1 / 16 + 1e-6
    assert not same["significant"] and same["verdict"].startswith("no detectable difference between fnn adam and")
    for adam in ("fnn adam", "optax adam"):
        slow = by_pair[(adam, "sgd")]
        assert slow["significant"] and slow["mean_difference"] > 0.2
        assert slow["verdict"] == stats.verdict(
            adam, "sgd", out["mean"][adam], out["mean"]["sgd"], slow["p_adjusted"], 0.05
        )
        assert slow["verdict"].startswith(f"{adam} is better than sgd at p")
    assert out["verdicts"] == [p["verdict"] for p in out["pairs"]]


def test_identical_configurations_give_statistic_zero_and_p_one():
    out = cv.compare({"a": FNN_ADAM, "b": FNN_ADAM}, _accuracy, X, Y, FOLDS, key=jax.random.key(0))
    (pair,) = out["pairs"]
    assert (pair["statistic"], pair["p_value"], pair["p_adjusted"]) == (0.0, 1.0, 1.0)
    assert out["verdicts"] == ["no detectable difference between a and b (p = 1)"]


def test_all_configurations_compile_once_and_trace_once(kfold_run):
    _, compiles = kfold_run
    assert compiles == 1  # 3 configurations x 5 folds, the leakage check's reruns included
    traces = []

    def counted(key, X, y, w):
        traces.append(None)
        return SLOW_SGD(key, X, y, w)

    before = len(_compiles)
    cv.compare({"fnn adam": FNN_ADAM, "counted": counted}, _accuracy, X, Y, FOLDS, key=jax.random.key(1))
    assert len(_compiles) - before == 1 and len(traces) == 1


def test_chunks_give_the_same_scores(kfold_run):
    out, _ = kfold_run
    chunked = cv.compare(CONFIGS, _accuracy, X, Y, FOLDS, key=jax.random.key(0), chunk_size=2)
    for name in CONFIGS:
        np.testing.assert_array_equal(chunked["test_score"][name], out["test_score"][name])
    assert chunked["verdicts"] == out["verdicts"]


def test_five_by_two_folds_choose_the_combined_f_test():
    configs = {"fnn adam": FNN_ADAM, "sgd": SLOW_SGD}
    out = cv.compare(configs, _accuracy, X, Y, FIVE_BY_TWO, key=jax.random.key(0))
    assert out["test"] == "combined_ftest_5x2cv" and out["n_folds"] == 10
    a, b = (out["test_score"][n].reshape(5, 2) for n in configs)
    assert out["pairs"][0]["result"] == stats.combined_ftest_5x2cv(a, b)
    assert out["pairs"][0]["p_adjusted"] == out["pairs"][0]["p_value"]  # one pair: nothing to adjust
    t = cv.compare(configs, _accuracy, X, Y, FIVE_BY_TWO, key=jax.random.key(0), test="paired_ttest_5x2cv")
    assert t["pairs"][0]["result"] == stats.paired_ttest_5x2cv(a, b)
    corrected = cv.compare(
        configs, _accuracy, X, Y, FIVE_BY_TWO, key=jax.random.key(0), test="corrected_resampled_ttest"
    )
    assert corrected["n_train"] == corrected["n_test"] == N / 2
    assert corrected["pairs"][0]["result"] == stats.corrected_resampled_ttest(
        a.ravel(), b.ravel(), n_train=N / 2, n_test=N / 2
    )


def test_five_by_two_is_recognised_from_scikit_learn_and_not_from_other_folds():
    assert selection.is_five_by_two(cv.from_indices(ms.RepeatedKFold(n_splits=2, n_repeats=5).split(X), N))
    assert not selection.is_five_by_two(cv.kfold(N, 10))
    assert not selection.is_five_by_two(cv.repeated_kfold(N, 2, 4, key=jax.random.key(0)))  # 8 folds
    assert not selection.is_five_by_two(cv.repeated_kfold(N, 5, 2, key=jax.random.key(0)))  # 10 folds of 5-fold


def test_a_loss_and_a_score_per_configuration_for_two_architectures():
    # different parameter shapes in one program; score_fn given per configuration; lower is better
    wide = mlp.MLP([D, 8, 2], activation="tanh")

    def fit_wide(key, X, y, w):
        loss = lambda p, X, y: losses.cross_entropy(wide.apply(p, X), y, reduction="none")  # noqa: E731
        return train.fit(loss, wide.init(key), optim.adam(0.05), X, y, epochs=30, weights=w)

    def error_narrow(p, X, y, w):
        return 1.0 - _accuracy(p, X, y, w)

    def error_wide(p, X, y, w):
        return 1.0 - metrics.accuracy(y, jnp.argmax(wide.apply(p, X), axis=1), weights=w)

    configs = {"narrow": FNN_ADAM, "wide": fit_wide}
    scores = {"narrow": error_narrow, "wide": error_wide}
    out = cv.compare(configs, scores, X, Y, FOLDS, key=jax.random.key(0), greater_is_better=False)
    for name in configs:
        alone = cv.cross_validate(configs[name], scores[name], X, Y, FOLDS, key=jax.random.key(0))
        np.testing.assert_array_equal(out["test_score"][name], alone["test_score"])
    pair = out["pairs"][0]
    assert pair["verdict"] == stats.verdict(
        "narrow", "wide", out["mean"]["narrow"], out["mean"]["wide"], pair["p_value"], higher_is_better=False
    )


# --------------------------------------------------------------------------- Holm


def _closed_test_of_bonferroni(p):
    """Holm's adjusted p-values by their definition: the closed test whose local test of an
    intersection S is Bonferroni's, min(1, |S| min_{j in S} p_j); hypothesis i's adjusted p is
    the largest local p over every S that contains i."""
    m = len(p)
    out = np.zeros(m)
    for size in range(1, m + 1):
        for S in itertools.combinations(range(m), size):
            local = min(1.0, size * min(p[j] for j in S))
            for i in S:
                out[i] = max(out[i], local)
    return out


@pytest.mark.parametrize(
    "p",
    [[0.01, 0.04, 0.03], [0.2, 0.001, 0.5, 0.04, 0.04, 0.9], [1.0, 1.0], [0.0, 0.3, 0.01, 0.02], [0.5]],
)
def test_holm_equals_the_closed_test_of_bonferroni(p):
    np.testing.assert_allclose(selection.holm(p), _closed_test_of_bonferroni(p), rtol=1e-15)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 3 * 0.01, max(0.03, 2 * 0.03), max(0.06, 1 * 0.04)
    np.testing.assert_allclose(selection.holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06], rtol=1e-15)


# --------------------------------------------------------------------------- compare: guards


def _leaky(key, X, y, w):
    Xs, _, _ = datasets.standardize(X)  # the statistics of every row, test rows included
    return FNN_ADAM(key, Xs, y, w)


def _leaky_score(p, X, y, w):
    return metrics.accuracy(y, jnp.argmax(_NET.apply(p, X), axis=1))  # ignores w: scores every row


def test_a_leaking_configuration_is_named():
    with pytest.raises(ValueError, match=r"the fit_fn of configuration 'leaky' \(_leaky\) reads rows"):
        cv.compare({"fnn adam": FNN_ADAM, "leaky": _leaky}, _accuracy, X, Y, FOLDS, key=jax.random.key(0))
    scores = {"fnn adam": _accuracy, "leaky score": _leaky_score}
    with pytest.raises(ValueError, match=r"the score_fn of configuration 'leaky score' \(_leaky_score\) reads"):
        cv.compare({"fnn adam": FNN_ADAM, "leaky score": FNN_ADAM}, scores, X, Y, FOLDS, key=jax.random.key(0))
    out = cv.compare(
        {"fnn adam": FNN_ADAM, "leaky": _leaky}, _accuracy, X, Y, FOLDS, key=jax.random.key(0), check_leakage=False
    )
    assert out["leakage_check_time"] == 0.0


def test_a_nan_score_is_refused_naming_the_configuration_and_fold():
    def broken(key, X, y, w):  # non-finite parameters on fold 2 only (the fold whose training weights skip row 40)
        p, h = FNN_ADAM(key, X, y, w)
        bad = jnp.where(w[FOLDS.test_fold.tolist().index(2)] == 0, jnp.nan, 0.0)
        return jax.tree.map(lambda a: a + bad, p), h

    with pytest.raises(
        ValueError, match=r"1 test score\(s\) are NaN or inf: 'broken' fold 2 \(non-finite parameters\)"
    ):
        cv.compare({"fnn adam": FNN_ADAM, "broken": broken}, _accuracy, X, Y, FOLDS, key=jax.random.key(0))


def _diverging(key, X, y, w):
    # squared error of the logits at a step 100 times too large: the parameters grow about
    # 80-fold an epoch until a step overflows, where fnn.train.fit stops (finite parameters)
    def loss(p, X, y):
        return jnp.sum((_NET.apply(p, X) - jax.nn.one_hot(y, 2)) ** 2, axis=1)

    return train.fit(loss, _NET.init(key), optim.sgd(10.0), X, y, epochs=60, weights=w)


def test_a_diverged_fold_warns_and_is_tested_as_it_scored():
    with pytest.warns(RuntimeWarning, match=r"'sgd 10' fold 0: diverged at epoch \d+"):
        out = cv.compare({"fnn adam": FNN_ADAM, "sgd 10": _diverging}, _accuracy, X, Y, FOLDS, key=jax.random.key(0))
    assert all(s.startswith("diverged at epoch") for s in out["status"]["sgd 10"])
    assert np.all(np.isfinite(out["test_score"]["sgd 10"])) and np.isfinite(out["pairs"][0]["p_value"])


def _not_scalar(p, X, y, w):
    return jnp.stack([_accuracy(p, X, y, w)] * 2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(configurations=[FNN_ADAM, SLOW_SGD]), TypeError, "configurations must be a dict name -> fit_fn"),
        (dict(configurations={"only": FNN_ADAM}), ValueError, "at least 2 configurations"),
        (dict(configurations={"a": FNN_ADAM, 3: SLOW_SGD}), TypeError, "names must be non-empty strings"),
        (dict(configurations={"a": FNN_ADAM, "b": "sgd"}), TypeError, "configuration 'b' must be a callable"),
        (dict(score_fn={"fnn adam": _accuracy}), ValueError, "one score function per configuration"),
        (dict(score_fn=None), TypeError, "score_fn must be callable"),
        (dict(cv=cv.holdout(N, key=jax.random.key(0))), ValueError, "needs at least 2 folds"),
        (dict(cv=cv.Split(np.repeat(np.array([0, 1, 3], np.int32), [30, 30, 20]), 4)), ValueError, "n_test = 0"),
        (dict(test="paired_ttest_5x2cv"), ValueError, "needs 5x2cv folds"),
        (dict(test="t"), ValueError, "test must be one of"),
        (dict(alpha=1.5), ValueError, "alpha must lie strictly between 0 and 1"),
        (dict(alpha="0.05"), TypeError, "alpha must be a number"),
        (dict(correction="bonferroni"), ValueError, "correction must be 'holm' or None"),
        (dict(greater_is_better=1), TypeError, "greater_is_better must be True or False"),
        (dict(y=Y[:-1]), ValueError, "same number of samples"),
        (dict(X=np.where(np.arange(N)[:, None] == 3, np.nan, X)), ValueError, "X contains NaN or inf"),
        (dict(key=1), TypeError, "key must be a JAX PRNG key"),
        (dict(chunk_size=0), ValueError, "chunk_size must be at least 1"),
        (dict(score_fn=_not_scalar), ValueError, "configuration 'fnn adam': .*must return a scalar, got shape"),
    ],
)
def test_compare_bad_input_raises_before_compiling(kwargs, error, match):
    args = dict(configurations=CONFIGS, score_fn=_accuracy, X=X, y=Y, cv=FOLDS, key=jax.random.key(0))
    args.update(kwargs)
    before = len(_compiles)
    with pytest.raises(error, match=match):
        cv.compare(
            args.pop("configurations"), args.pop("score_fn"), args.pop("X"), args.pop("y"), args.pop("cv"), **args
        )
    assert len(_compiles) == before


# --------------------------------------------------------------------------- nested: against scikit-learn


def _ridge(key, X, y, w, hyperparams):
    """Ridge regression by its normal equation on the rows of weight 1, intercept unpenalised."""
    total = jnp.sum(w)
    x_mean, y_mean = (w @ X) / total, jnp.sum(w * y) / total
    Xc = X - x_mean[None, :]
    A = (Xc * w[:, None]).T @ Xc + hyperparams["alpha"] * jnp.eye(X.shape[1], dtype=X.dtype)
    coef = jnp.linalg.solve(A, (Xc * w[:, None]).T @ (y - y_mean))
    return {"coef": coef, "intercept": y_mean - x_mean @ coef}


def _neg_mse(p, X, y, w):
    return -jnp.sum(w * (X @ p["coef"] + p["intercept"] - y) ** 2) / jnp.sum(w)


def _diabetes():
    X, y = datasets.load("diabetes")
    return np.asarray(X, np.float64), np.asarray(y, np.float64)


ALPHAS = [1e-3, 1e-2, 1e-1, 1.0, 10.0]


def _sklearn_nested(X, y, grid, inner, outer):
    search = ms.GridSearchCV(Ridge(), grid, cv=inner, scoring="neg_mean_squared_error")
    out = ms.cross_validate(search, X, y, cv=outer, return_estimator=True)
    return out["test_score"], [e.best_params_ for e in out["estimator"]]


@pytest.mark.parametrize(
    "outer, inner",
    [
        (5, 4),  # KFold by position, as the issue asks
        (ms.KFold(4, shuffle=True, random_state=0), ms.KFold(3, shuffle=True, random_state=1)),
    ],
)
def test_nested_equals_scikit_learn(enable_x64, outer, inner):
    X, y = _diabetes()
    key = jax.random.key(0)
    before = len(_compiles)
    out = cv.nested_cross_validate(_ridge, _neg_mse, X, y, {"alpha": ALPHAS}, outer_cv=outer, inner_cv=inner, key=key)
    assert len(_compiles) - before == 1  # outer x inner x grid, one program
    theirs, best = _sklearn_nested(
        X, y, {"alpha": ALPHAS}, ms.KFold(inner) if isinstance(inner, int) else inner,
        ms.KFold(outer) if isinstance(outer, int) else outer,
    )  # fmt: skip
    # float64, the same normal equation solved by LAPACK (scikit-learn) and XLA (fnn): 1e-8 (seen: 2e-15)
    np.testing.assert_allclose(out["test_score"], theirs, rtol=1e-8)
    assert out["best_params"] == best
    assert len({b["alpha"] for b in best}) > 1  # the outer folds choose differently: the choice is tested
    k_outer = 5 if isinstance(outer, int) else outer.get_n_splits()
    k_inner = 4 if isinstance(inner, int) else inner.get_n_splits()
    assert out["inner_test_score"].shape == (k_outer, len(ALPHAS), k_inner)
    np.testing.assert_allclose(out["mean_inner_score"], out["inner_test_score"].mean(axis=2), rtol=1e-15)
    assert out["status"].tolist() == ["finished"] * k_outer


def test_nested_inner_scores_equal_scikit_learns_grid_search_on_the_outer_training_rows(enable_x64):
    X, y = _diabetes()
    out = cv.nested_cross_validate(
        _ridge, _neg_mse, X, y, {"alpha": ALPHAS}, outer_cv=3, inner_cv=4, key=jax.random.key(0)
    )
    for o, (train_rows, _) in enumerate(ms.KFold(3).split(X)):
        search = ms.GridSearchCV(Ridge(), {"alpha": ALPHAS}, cv=ms.KFold(4), scoring="neg_mean_squared_error")
        search.fit(X[train_rows], y[train_rows])
        theirs = np.stack([search.cv_results_[f"split{i}_test_score"] for i in range(4)], axis=1)
        np.testing.assert_allclose(out["inner_test_score"][o], theirs, rtol=1e-8)
        assert out["best_index"][o] == search.best_index_


def _no_fit(key, X, y, w, hyperparams):
    return 0.0 * hyperparams["a"]


def _fingerprint(p, X, y, w):
    """The rows of weight 1, exactly: 1e6 * (sum of their indices) + (sum of their squares), in float64."""
    r = X[:, 0]
    return 1e6 * jnp.sum(w * r) + jnp.sum(w * r**2) + p


@pytest.mark.parametrize("labels", [True, False], ids=["class labels: stratified", "float targets: K-fold"])
def test_inner_folds_split_each_outer_training_set_by_position_as_scikit_learn(enable_x64, labels):
    n = 40
    rows = np.arange(n, dtype=np.float64)
    y = (np.arange(n) % 3 == 0).astype(np.int32) if labels else np.linspace(0.0, 1.0, n)
    out = cv.nested_cross_validate(
        _no_fit, _fingerprint, rows[:, None], y, {"a": [0.0]}, outer_cv=4, inner_cv=3, key=jax.random.key(0)
    )
    splitter = ms.StratifiedKFold if labels else ms.KFold  # what GridSearchCV and cross_val_score use

    def fingerprint(index):
        return 1e6 * np.sum(index) + np.sum(index.astype(np.float64) ** 2)

    for o, (train_rows, test_rows) in enumerate(splitter(4).split(rows, y)):
        assert out["test_score"][o] == fingerprint(test_rows)
        for i, (_, inner_test) in enumerate(splitter(3).split(rows[train_rows], y[train_rows])):
            assert out["inner_test_score"][o, 0, i] == fingerprint(train_rows[inner_test])
    assert out["outer_cv"] == ("stratified_kfold(y, 4)" if labels else "kfold(40, 4)")


def test_nested_ties_go_to_the_first_setting(enable_x64):
    # tol changes nothing in the normal equation (nor in scikit-learn's cholesky solver), so each
    # alpha's two settings tie exactly; the first of them, tol=1e-4, must win every time
    X, y = _diabetes()
    grid = {"alpha": [1e-2, 1.0], "tol": [1e-4, 1e-3]}
    out = cv.nested_cross_validate(_ridge, _neg_mse, X, y, grid, outer_cv=5, inner_cv=4, key=jax.random.key(0))
    tied = out["mean_inner_score"].reshape(5, 2, 2)
    np.testing.assert_array_equal(tied[:, :, 0], tied[:, :, 1])
    assert all(b["tol"] == 1e-4 for b in out["best_params"])
    assert np.all(out["best_index"] % 2 == 0)
    _, best = _sklearn_nested(X, y, grid, ms.KFold(4), ms.KFold(5))
    assert out["best_params"] == best


def test_nested_with_a_loss_chooses_the_lowest(enable_x64):
    X, y = _diabetes()

    def mse(p, X, y, w):
        return -_neg_mse(p, X, y, w)

    score = cv.nested_cross_validate(
        _ridge, _neg_mse, X, y, {"alpha": ALPHAS}, outer_cv=3, inner_cv=3, key=jax.random.key(0)
    )
    loss = cv.nested_cross_validate(
        _ridge, mse, X, y, {"alpha": ALPHAS}, outer_cv=3, inner_cv=3, key=jax.random.key(0), greater_is_better=False
    )
    np.testing.assert_array_equal(loss["best_index"], score["best_index"])
    np.testing.assert_array_equal(loss["test_score"], -score["test_score"])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(inner_cv=cv.kfold(N, 3)), TypeError, "inner_cv must be an int K, 'loo' or a scikit-learn splitter"),
        (dict(inner_cv=[(np.arange(5), np.arange(5, 10))]), TypeError, "inner_cv must be an int K"),
        (
            dict(inner_cv=70),
            ValueError,
            r"nested_cross_validate \(outer fold 0\): cv=70 folds need at least 70 samples",
        ),
        (dict(grid={}), TypeError, "nested_cross_validate: grid must be a non-empty dict"),
        (dict(grid={"alpha": ["a"]}), TypeError, r"nested_cross_validate: grid\['alpha'\] must be a non-empty list"),
        (dict(fit_fn=None), TypeError, "nested_cross_validate: fit_fn must be callable"),
        (dict(outer_cv="lo"), ValueError, "cv must be an int K, 'loo'"),
        (dict(y=Y[:-1]), ValueError, "same number of samples"),
        (dict(chunk_size=0), ValueError, "nested_cross_validate: chunk_size must be at least 1"),
        (dict(compiler_options="fast"), ValueError, "nested_cross_validate: compiler_options must be 'auto'"),
        (dict(greater_is_better="yes"), TypeError, "nested_cross_validate: greater_is_better must be True or False"),
    ],
)
def test_nested_bad_input_raises_before_compiling(kwargs, error, match):
    args = dict(fit_fn=_ridge, score_fn=_neg_mse, X=X, y=Y, grid={"alpha": ALPHAS}, outer_cv=5, inner_cv=3)
    args.update(kwargs)
    before = len(_compiles)
    with pytest.raises(error, match=match), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scikit-learn's own note on a tiny split, if any
        cv.nested_cross_validate(
            args.pop("fit_fn"), args.pop("score_fn"), args.pop("X"), args.pop("y"), args.pop("grid"),
            key=jax.random.key(0), **args,
        )  # fmt: skip
    assert len(_compiles) == before


# --------------------------------------------------------------------------- the names


def test_signatures_and_exports():
    import inspect

    assert cv.compare is selection.compare and cv.nested_cross_validate is selection.nested_cross_validate
    nested = inspect.signature(cv.nested_cross_validate).parameters
    assert list(nested)[:5] == ["fit_fn", "score_fn", "X", "y", "grid"]
    for name in ("outer_cv", "inner_cv", "key"):
        assert nested[name].kind is inspect.Parameter.KEYWORD_ONLY
    compared = inspect.signature(cv.compare).parameters
    assert list(compared)[:5] == ["configurations", "score_fn", "X", "y", "cv"]
    assert compared["key"].kind is inspect.Parameter.KEYWORD_ONLY
