"""fnn.stats against mlxtend, scipy.stats, closed-form distributions and hand-computed cases.

Exact formulas are compared at ``rtol=1e-12`` (float64, a few operations apart);
Monte-Carlo comparisons of the bootstrap carry their own tolerance, derived from
the number of resamples.
"""

from __future__ import annotations

import doctest
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fnn import stats

RTOL = 1e-12  # exact float64 formulas evaluated in a different order

rng = np.random.default_rng(0)
A52 = 0.8 + 0.1 * rng.random((5, 2))
B52 = 0.8 + 0.1 * rng.random((5, 2))
A10 = 0.8 + 0.1 * rng.random(10)
B10 = 0.8 + 0.1 * rng.random(10)


# --------------------------------------------------------------------------- mlxtend


def _mlxtend_scores(test, estimator_a, estimator_b, X, y, seed):
    """Runs mlxtend's estimator-level 5x2cv ``test`` and records the 20 scores it computed.

    mlxtend only offers ``test(estimator1, estimator2, X, y, scoring=...)``; a scoring
    callable that records ``(estimator, score)`` yields the per-fold scores that
    mlxtend's statistic was computed from, in its order: repetition by repetition,
    the half trained on the first part (tested on the second) first.
    """
    record = []

    def scorer(estimator, X_test, y_test):
        score = estimator.score(X_test, y_test)
        record.append((estimator is estimator_a, score))
        return score

    statistic, p_value = test(estimator_a, estimator_b, X, y, scoring=scorer, random_seed=seed)
    scores_a = np.array([s for is_a, s in record if is_a]).reshape(5, 2)
    scores_b = np.array([s for is_a, s in record if not is_a]).reshape(5, 2)
    return statistic, p_value, scores_a, scores_b


def _learners(task):
    from sklearn import datasets
    from sklearn.linear_model import Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    # Deterministic estimators (fixed random_state), so the same split gives the same score.
    if task == "classification":
        X, y = datasets.load_breast_cancer(return_X_y=True)
        return GaussianNB(), DecisionTreeClassifier(max_depth=2, random_state=0), X, y
    X, y = datasets.load_diabetes(return_X_y=True)
    return Ridge(alpha=1.0), DecisionTreeRegressor(max_depth=3, random_state=0), X, y


CASES = [(task, seed) for task in ("classification", "regression") for seed in (0, 1, 7)]


@pytest.mark.parametrize("task,seed", CASES)
def test_paired_ttest_5x2cv_matches_mlxtend(task, seed):
    evaluate = pytest.importorskip("mlxtend.evaluate")
    t, p, scores_a, scores_b = _mlxtend_scores(evaluate.paired_ttest_5x2cv, *_learners(task), seed)
    result = stats.paired_ttest_5x2cv(scores_a, scores_b)
    np.testing.assert_allclose(result.statistic, t, rtol=RTOL)
    np.testing.assert_allclose(result.p_value, p, rtol=RTOL)
    assert result.df == 5


@pytest.mark.parametrize("task,seed", CASES)
def test_combined_ftest_5x2cv_matches_mlxtend(task, seed):
    evaluate = pytest.importorskip("mlxtend.evaluate")
    f, p, scores_a, scores_b = _mlxtend_scores(evaluate.combined_ftest_5x2cv, *_learners(task), seed)
    result = stats.combined_ftest_5x2cv(scores_a, scores_b)
    np.testing.assert_allclose(result.statistic, f, rtol=RTOL)
    np.testing.assert_allclose(result.p_value, p, rtol=RTOL)
    assert (result.df_numerator, result.df_denominator) == (10, 5)


def test_recorded_scores_are_the_5x2cv_splits():
    """The recorded scores are the fits on mlxtend's splits, rebuilt here with scikit-learn.

    This checks the recording's reading of mlxtend's call order (repetition, then
    half), so the comparisons above feed fnn the scores that mlxtend tested.
    """
    evaluate = pytest.importorskip("mlxtend.evaluate")
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    estimator_a, estimator_b, X, y = _learners("classification")
    seed = 1
    _, _, scores_a, scores_b = _mlxtend_scores(evaluate.paired_ttest_5x2cv, estimator_a, estimator_b, X, y, seed)
    # mlxtend draws each repetition's split seed from RandomState(random_seed).randint(0, 32767).
    split_seeds = np.random.RandomState(seed)
    expected = np.zeros((2, 5, 2))
    for i in range(5):
        X1, X2, y1, y2 = train_test_split(X, y, test_size=0.5, random_state=split_seeds.randint(low=0, high=32767))
        for k, estimator in enumerate((estimator_a, estimator_b)):
            expected[k, i, 0] = clone(estimator).fit(X1, y1).score(X2, y2)
            expected[k, i, 1] = clone(estimator).fit(X2, y2).score(X1, y1)
    # The same deterministic fits on the same rows: equal to the last bit.
    np.testing.assert_allclose(scores_a, expected[0], rtol=0)
    np.testing.assert_allclose(scores_b, expected[1], rtol=0)


def _predictions(n, flip_a, flip_b, seed):
    r = np.random.default_rng(seed)
    y = r.integers(0, 3, n)
    pred_a = np.where(r.random(n) < flip_a, (y + 1) % 3, y)
    pred_b = np.where(r.random(n) < flip_b, (y + 2) % 3, y)
    return y, pred_a, pred_b


MCNEMAR_CASES = [
    (n, fa, fb, seed)
    for n, fa, fb in [(500, 0.1, 0.15), (60, 0.1, 0.2), (30, 0.05, 0.05), (2000, 0.2, 0.2)]
    for seed in (0, 1)
]


@pytest.mark.parametrize("n,flip_a,flip_b,seed", MCNEMAR_CASES)
@pytest.mark.parametrize("exact,corrected", [(False, True), (False, False), (True, True)])
def test_mcnemar_matches_mlxtend(n, flip_a, flip_b, seed, exact, corrected):
    evaluate = pytest.importorskip("mlxtend.evaluate")
    y, pred_a, pred_b = _predictions(n, flip_a, flip_b, seed)
    table = evaluate.mcnemar_table(y_target=y, y_model1=pred_a, y_model2=pred_b)
    result = stats.mcnemar(y, pred_a, pred_b, exact=exact, corrected=corrected)
    assert (result.b, result.c) == (table[0, 1], table[1, 0])
    assert table[0, 1] + table[1, 0] > 0  # mlxtend divides by zero without disagreements; fnn's rule is below
    chi2, p = evaluate.mcnemar(table, corrected=corrected, exact=exact)
    np.testing.assert_allclose(result.p_value, p, rtol=RTOL)
    if not exact:  # mlxtend gives no statistic for the exact test
        np.testing.assert_allclose(result.statistic, chi2, rtol=RTOL)


# --------------------------------------------------------------------------- scipy.stats


def test_5x2cv_p_values_match_scipy_distributions():
    t = stats.paired_ttest_5x2cv(A52, B52)
    np.testing.assert_allclose(t.p_value, 2 * scipy.stats.t.sf(abs(t.statistic), 5), rtol=RTOL)
    f = stats.combined_ftest_5x2cv(A52, B52)
    np.testing.assert_allclose(f.p_value, scipy.stats.f.sf(f.statistic, 10, 5), rtol=RTOL)


@pytest.mark.parametrize("shape", [(10,), (3, 5)])
def test_corrected_ttest_without_correction_is_ttest_rel(shape):
    """Removing n_test/n_train from the variance leaves scipy's paired t-test."""
    a, b = 0.8 + 0.1 * np.random.default_rng(5).random((2, *shape))
    J = a.size
    reference = scipy.stats.ttest_rel(a.ravel(), b.ravel())
    result = stats.corrected_resampled_ttest(a, b, n_train=90, n_test=10)
    # Exact identity: the corrected t is the paired t shrunk by sqrt((1/J) / (1/J + n_test/n_train)).
    np.testing.assert_allclose(result.statistic * math.sqrt((1 / J + 10 / 90) * J), reference.statistic, rtol=RTOL)
    assert result.df == reference.df == J - 1
    # The limit: a correction of 1e-15 moves t by about J * 1e-15 / 2, below the tolerance.
    limit = stats.corrected_resampled_ttest(a, b, n_train=10**15, n_test=1)
    np.testing.assert_allclose(limit.statistic, reference.statistic, rtol=RTOL)
    np.testing.assert_allclose(limit.p_value, reference.pvalue, rtol=RTOL)


def test_corrected_ttest_p_value_and_interval_match_scipy():
    result = stats.corrected_resampled_ttest(A10, B10, n_train=90, n_test=10, confidence=0.9)
    np.testing.assert_allclose(result.p_value, 2 * scipy.stats.t.sf(abs(result.statistic), 9), rtol=RTOL)
    d = A10 - B10
    np.testing.assert_allclose(result.mean_difference, d.mean(), rtol=RTOL)
    np.testing.assert_allclose(result.standard_error, math.sqrt((1 / 10 + 10 / 90) * d.var(ddof=1)), rtol=RTOL)
    low, high = scipy.stats.t.interval(0.9, 9, loc=d.mean(), scale=result.standard_error)
    np.testing.assert_allclose(result.confidence_interval, (low, high), rtol=RTOL)


@pytest.mark.parametrize("n,flip_a,flip_b,seed", MCNEMAR_CASES)
def test_mcnemar_matches_scipy(n, flip_a, flip_b, seed):
    y, pred_a, pred_b = _predictions(n, flip_a, flip_b, seed)
    exact = stats.mcnemar(y, pred_a, pred_b, exact=True)
    chi2 = stats.mcnemar(y, pred_a, pred_b, corrected=False)
    b, c = exact.b, exact.c
    assert b + c > 0
    # scipy's binomtest (two-sided: the outcomes no more likely than the one observed).
    np.testing.assert_allclose(exact.p_value, scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue, rtol=RTOL)
    np.testing.assert_allclose(chi2.p_value, scipy.stats.chi2.sf((b - c) ** 2 / (b + c), 1), rtol=RTOL)


def test_bootstrap_matches_scipy_percentile_interval():
    n_resamples = 100_000
    result = stats.bootstrap_ci(A10, key=jax.random.key(1), n_resamples=n_resamples)
    reference = scipy.stats.bootstrap(
        (A10,), np.mean, n_resamples=n_resamples, method="percentile", rng=np.random.default_rng(1)
    )
    sd = reference.standard_error
    # Monte-Carlo error of a 2.5 % quantile of ~normal means from 1e5 resamples:
    # sqrt(q(1-q)/n) / phi(1.96) = 0.0085 sd each, 0.012 sd for the difference of two
    # independent runs; 0.06 sd is 5 of those.
    np.testing.assert_allclose(result.low, reference.confidence_interval.low, atol=0.06 * sd)
    np.testing.assert_allclose(result.high, reference.confidence_interval.high, atol=0.06 * sd)
    # Relative Monte-Carlo error of a standard deviation: 1/sqrt(2n) = 0.22 % each (0.32 % for a
    # difference); 1.5 % is about 5 of those.
    np.testing.assert_allclose(result.standard_error, sd, rtol=0.015)
    # And the exact bootstrap standard error of a mean: the population sd over sqrt(J).
    np.testing.assert_allclose(result.standard_error, A10.std(ddof=0) / math.sqrt(10), rtol=0.015)
    np.testing.assert_allclose(result.mean, A10.mean(), rtol=RTOL)


# --------------------------------------------------------------------------- hand-computed cases


def _t_two_sided_p_df5(t):
    """P(|T| > t) for 5 degrees of freedom in closed form (Abramowitz & Stegun 26.7.3, odd df).

    A(t|5) = (2/pi) [theta + sin(theta) (cos(theta) + (2/3) cos^3(theta))], theta = atan(t/sqrt(5)).
    """
    theta = math.atan(t / math.sqrt(5))
    return 1 - 2 / math.pi * (theta + math.sin(theta) * (math.cos(theta) + 2 / 3 * math.cos(theta) ** 3))


def _f_upper_tail_10_5(f):
    """P(F > f) for F(10, 5) in closed form: I_y(5/2, 5) with y = 5/(5 + 10 f), and for an integer
    second argument I_y(a, n) = y^a sum_{k<n} (a)_k / k! (1-y)^k (a terminating series)."""
    y = 5 / (5 + 10 * f)
    rising = [1, 2.5, 2.5 * 3.5, 2.5 * 3.5 * 4.5, 2.5 * 3.5 * 4.5 * 5.5]  # (5/2)_k
    return y**2.5 * sum(rising[k] / math.factorial(k) * (1 - y) ** k for k in range(5))


# Test examples correct out of 100 per half (integers: exact in float64).
HAND_B = np.array([[80, 82], [79, 81], [78, 80], [83, 79], [80, 80]])
HAND_D = np.array([[2, 0], [1, 1], [3, 1], [0, 2], [2, 2]])


def test_paired_ttest_5x2cv_by_hand():
    # Dietterich (1998), the 5x2cv paired t test: t = p_1^(1) / sqrt(sum_i s_i^2 / 5).
    # Per repetition, mean and s_i^2 = sum_j (p_i^(j) - mean)^2:
    #   [2, 0] -> 1, 2;  [1, 1] -> 1, 0;  [3, 1] -> 2, 2;  [0, 2] -> 1, 2;  [2, 2] -> 2, 0.
    # sum s_i^2 = 6, so t = 2 / sqrt(6/5) = 2 sqrt(5/6) = 1.8257.
    result = stats.paired_ttest_5x2cv(HAND_B + HAND_D, HAND_B)
    expected_t = 2 * math.sqrt(5 / 6)
    np.testing.assert_allclose(result.statistic, expected_t, rtol=RTOL)
    np.testing.assert_allclose(result.p_value, _t_two_sided_p_df5(expected_t), rtol=1e-10)  # closed form's trig
    np.testing.assert_allclose(result.standard_error, math.sqrt(6 / 5), rtol=RTOL)
    np.testing.assert_allclose(result.mean_difference, 14 / 10, rtol=RTOL)


def test_combined_ftest_5x2cv_by_hand():
    # Alpaydin (1999), the combined 5x2cv F test: f = sum_ij (p_i^(j))^2 / (2 sum_i s_i^2).
    # sum of squares = 4+0 + 1+1 + 9+1 + 0+4 + 4+4 = 28; sum s_i^2 = 6 (above); f = 28/12 = 7/3.
    result = stats.combined_ftest_5x2cv(HAND_B + HAND_D, HAND_B)
    np.testing.assert_allclose(result.statistic, 7 / 3, rtol=RTOL)
    np.testing.assert_allclose(result.p_value, _f_upper_tail_10_5(7 / 3), rtol=1e-10)  # series in floats
    np.testing.assert_allclose(result.mean_difference, 1.4, rtol=RTOL)


def test_corrected_resampled_ttest_by_hand():
    # Nadeau & Bengio (2003), the corrected resampled t: 5-fold CV of 50 examples,
    # n_train = 40, n_test = 10, differences 1..5 (examples correct, out of 10).
    # mean 3, sample variance 2.5, correction 1/5 + 10/40 = 0.45;
    # t = 3 / sqrt(0.45 * 2.5) = 3 / sqrt(9/8) = 2 sqrt(2), with 4 degrees of freedom.
    # P(|T| > t) for df = 4 (Abramowitz & Stegun 26.7.3, even df): 1 - sin(theta) (1 + cos^2(theta)/2),
    # theta = atan(t/2) = atan(sqrt 2): cos^2 = 1/3, sin = sqrt(2/3), so p = 1 - (7/6) sqrt(2/3) = 0.0474.
    b = np.array([6, 7, 5, 6, 7])
    result = stats.corrected_resampled_ttest(b + np.arange(1, 6), b, n_train=40, n_test=10)
    np.testing.assert_allclose(result.statistic, 2 * math.sqrt(2), rtol=RTOL)
    np.testing.assert_allclose(result.p_value, 1 - 7 / 6 * math.sqrt(2 / 3), rtol=1e-10)
    np.testing.assert_allclose(result.standard_error, math.sqrt(9 / 8), rtol=RTOL)
    assert result.df == 4
    # The naive paired t-test on the same folds: t = 3 / sqrt(2.5 / 5) = 4.24 and p = 0.013, more than
    # three times smaller.
    naive = scipy.stats.ttest_rel(b + np.arange(1, 6), b)
    np.testing.assert_allclose(naive.statistic, 3 / math.sqrt(0.5), rtol=RTOL)
    assert naive.pvalue < result.p_value / 3


def _table(both_right, only_a, only_b, both_wrong):
    """Labels with a given 2x2 McNemar table (every true label is 1; 0 is an error)."""
    n = both_right + only_a + only_b + both_wrong
    pred_a = np.repeat([1, 1, 0, 0], [both_right, only_a, only_b, both_wrong])
    pred_b = np.repeat([1, 0, 1, 0], [both_right, only_a, only_b, both_wrong])
    return np.ones(n, int), pred_a, pred_b


def test_mcnemar_agresti_approval_ratings():
    # Agresti, Categorical Data Analysis (2nd ed., 2002), the matched-pairs chapter: 1600 people rate
    # the Prime Minister's performance in two surveys; 794 approve both times, 150 approve then
    # disapprove, 86 disapprove then approve, 570 disapprove both times. McNemar's
    # z = (86 - 150) / sqrt(86 + 150) = -4.17, so z^2 = 4096 / 236 = 17.36 (uncorrected), P < 0.0001.
    # With the continuity correction: 63^2 / 236 = 16.82.
    y, pred_a, pred_b = _table(794, 150, 86, 570)
    plain = stats.mcnemar(y, pred_a, pred_b, corrected=False)
    assert (plain.b, plain.c) == (150, 86)
    np.testing.assert_allclose(plain.statistic, 4096 / 236, rtol=RTOL)
    assert round(math.sqrt(plain.statistic), 2) == 4.17  # the book's |z|
    # chi-square with 1 d.f.: P(X > x) = P(|Z| > sqrt(x)) = erfc(sqrt(x / 2)).
    np.testing.assert_allclose(plain.p_value, math.erfc(math.sqrt(4096 / 236 / 2)), rtol=1e-10)
    assert plain.p_value < 1e-4
    corrected = stats.mcnemar(y, pred_a, pred_b)
    np.testing.assert_allclose(corrected.statistic, 63**2 / 236, rtol=RTOL)
    np.testing.assert_allclose(corrected.p_value, math.erfc(math.sqrt(63**2 / 236 / 2)), rtol=1e-10)


def test_mcnemar_exact_by_hand():
    # b = 8, c = 2: p = 2 P(X <= 2), X ~ Binomial(10, 1/2) = 2 (1 + 10 + 45) / 1024 = 0.109375.
    y, pred_a, pred_b = _table(20, 8, 2, 5)
    result = stats.mcnemar(y, pred_a, pred_b, exact=True)
    assert (result.b, result.c, result.statistic) == (8, 2, 2.0)
    np.testing.assert_allclose(result.p_value, 112 / 1024, rtol=RTOL)
    # Dietterich (1998), McNemar's test: reject at 0.05 when (|b - c| - 1)^2 / (b + c) > 3.841459.
    # Here (6 - 1)^2 / 10 = 2.5: not rejected.
    np.testing.assert_allclose(stats.mcnemar(y, pred_a, pred_b).statistic, 2.5, rtol=RTOL)
    assert stats.mcnemar(y, pred_a, pred_b).p_value > 0.05


def test_mcnemar_no_disagreement_and_ties():
    y, pred_a, pred_b = _table(10, 0, 0, 3)
    for kwargs in ({}, {"corrected": False}, {"exact": True}):
        assert stats.mcnemar(y, pred_a, pred_b, **kwargs) == (0.0, 1.0)
    # b = c: the exact test gives p = 1; the uncorrected chi-square is 0; the corrected one
    # (not clipped, as R, statsmodels and mlxtend) is 1/(b + c).
    y, pred_a, pred_b = _table(10, 4, 4, 3)
    assert stats.mcnemar(y, pred_a, pred_b, exact=True).p_value == 1.0
    assert stats.mcnemar(y, pred_a, pred_b, corrected=False) == (0.0, 1.0)
    np.testing.assert_allclose(stats.mcnemar(y, pred_a, pred_b).statistic, 1 / 8, rtol=RTOL)


def test_bootstrap_by_hand():
    # Equal scores: every resample has the same mean, so the interval is that point.
    result = stats.bootstrap_ci(np.full(6, 0.9), key=jax.random.key(0), n_resamples=100)
    np.testing.assert_allclose([result.low, result.high, result.mean], 0.9, rtol=RTOL)
    assert result.standard_error < 1e-15  # rounding of a mean of equal values
    # Two scores {0, 1}: resample means are 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4,
    # so a 40 % interval (quantiles 0.3 and 0.7) is [1/2, 1/2] and a 98 % one is [0, 1].
    narrow = stats.bootstrap_ci([0.0, 1.0], key=jax.random.key(0), n_resamples=20_000, confidence=0.4)
    assert (narrow.low, narrow.high) == (0.5, 0.5)
    wide = stats.bootstrap_ci([0.0, 1.0], key=jax.random.key(0), n_resamples=20_000, confidence=0.98)
    assert (wide.low, wide.high) == (0.0, 1.0)
    # Exact standard error: sd of {0, 1/2, 1} with those weights = sqrt(1/8); 20k resamples
    # leave a relative error of 1/sqrt(2 * 20000) = 0.5 %.
    np.testing.assert_allclose(wide.standard_error, math.sqrt(1 / 8), rtol=0.03)


# --------------------------------------------------------------------------- rules and routes


def test_zero_spread_rule():
    # Identical scores: no observed difference, statistic 0 and p = 1 (scipy and mlxtend give NaN).
    assert stats.paired_ttest_5x2cv(A52, A52) == (0.0, 1.0)
    assert stats.combined_ftest_5x2cv(A52, A52) == (0.0, 1.0)
    assert stats.corrected_resampled_ttest(A10, A10, n_train=9, n_test=1) == (0.0, 1.0)
    # Every fold differs by exactly 2 (integer scores): +-inf and p = 0, as scipy's ttest_rel.
    scores = np.arange(10).reshape(5, 2)
    assert stats.paired_ttest_5x2cv(scores + 2, scores) == (math.inf, 0.0)
    assert stats.paired_ttest_5x2cv(scores, scores + 2) == (-math.inf, 0.0)
    assert stats.combined_ftest_5x2cv(scores + 2, scores) == (math.inf, 0.0)
    assert stats.corrected_resampled_ttest(scores, scores + 2, n_train=9, n_test=1) == (-math.inf, 0.0)
    # 5x2cv t: a first difference of 0 gives t = 0 whatever the spread of the others.
    d = np.array([[0, 0], [1, 1], [2, 2], [3, 3], [1, 1]])
    assert stats.paired_ttest_5x2cv(scores + d, scores) == (0.0, 1.0)


def test_jax_and_numpy_inputs_agree():
    a32, b32 = jnp.asarray(A52, jnp.float32), jnp.asarray(B52, jnp.float32)
    as_numpy = stats.paired_ttest_5x2cv(np.asarray(a32), np.asarray(b32))
    assert stats.paired_ttest_5x2cv(a32, b32) == as_numpy
    assert stats.paired_ttest_5x2cv(A52.tolist(), B52.tolist()) == stats.paired_ttest_5x2cv(A52, B52)
    y, pred_a, pred_b = _predictions(100, 0.1, 0.2, 0)
    assert stats.mcnemar(jnp.asarray(y), jnp.asarray(pred_a), jnp.asarray(pred_b)) == stats.mcnemar(y, pred_a, pred_b)


def test_bootstrap_key_and_chunking(monkeypatch):
    first = stats.bootstrap_ci(A10, key=jax.random.key(3), n_resamples=1000)
    assert stats.bootstrap_ci(A10, key=jax.random.key(3), n_resamples=1000) == first
    assert stats.bootstrap_ci(A10, key=jax.random.PRNGKey(3), n_resamples=1000) == first  # raw key, same bits
    assert stats.bootstrap_ci(A10, key=jax.random.key(4), n_resamples=1000) != first
    # The means gathered in chunks of a few rows equal the one-chunk route (up to summation order).
    monkeypatch.setattr(stats, "_BOOTSTRAP_CHUNK", 37)
    chunked = stats.bootstrap_ci(A10, key=jax.random.key(3), n_resamples=1000)
    np.testing.assert_allclose(list(chunked._asdict().values()), list(first._asdict().values()), rtol=RTOL)
    assert first.low <= first.mean <= first.high


def test_bootstrap_of_paired_differences_contains_the_mean_difference():
    result = stats.bootstrap_ci(A10 - B10, key=jax.random.key(0), n_resamples=2000, confidence=0.9)
    assert result.low < (A10 - B10).mean() < result.high


# --------------------------------------------------------------------------- properties

scores_52 = hnp.arrays(np.float64, (5, 2), elements=st.floats(0, 1))
scores_j = st.integers(2, 12).flatmap(
    lambda j: st.tuples(
        hnp.arrays(np.float64, (j,), elements=st.floats(0, 1)), hnp.arrays(np.float64, (j,), elements=st.floats(0, 1))
    )
)


def _two_sided_tests(a, b):
    if a.shape == (5, 2):
        return [stats.paired_ttest_5x2cv(a, b), stats.combined_ftest_5x2cv(a, b)]
    return [stats.corrected_resampled_ttest(a, b, n_train=40, n_test=10)]


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.tuples(scores_52, scores_52), scores_j))
def test_swapping_learners_flips_the_sign_and_keeps_p(pair):
    a, b = pair
    for forward, backward in zip(_two_sided_tests(a, b), _two_sided_tests(b, a), strict=True):
        assert 0.0 <= forward.p_value <= 1.0
        # Exact: fl(b - a) = -fl(a - b), so every later step is negated or unchanged.
        assert backward.p_value == forward.p_value
        if isinstance(forward, stats.FTest5x2Result):
            assert backward.statistic == forward.statistic
        else:
            assert backward.statistic == -forward.statistic
        assert backward.mean_difference == -forward.mean_difference


@settings(max_examples=40, deadline=None)
@given(st.one_of(scores_52, hnp.arrays(np.float64, st.integers(2, 12), elements=st.floats(0, 1))), st.floats(0.01, 0.5))
def test_shifted_scores_give_a_tiny_p(a, shift):
    # b = a + shift differs from a by shift up to rounding, so the spread is ~1e-17 and t is huge.
    for result in _two_sided_tests(a + shift, a):
        assert result.p_value < 1e-6
        assert result.statistic > 0
        assert result.mean_difference == pytest.approx(shift, rel=1e-12)


# --------------------------------------------------------------------------- bad input


def _nan_at(a, index):
    a = np.array(a, dtype=float)
    a[index] = np.nan
    return a


y_ok, pa_ok, pb_ok = _predictions(20, 0.1, 0.2, 0)
KEY = jax.random.key(0)

BAD_INPUT = [
    # 5x2cv: shapes
    (lambda: stats.paired_ttest_5x2cv(A52, B52[:4]), ValueError, r"same shape.*\(5, 2\) and \(4, 2\)"),
    (lambda: stats.paired_ttest_5x2cv(A10, B10), ValueError, r"shape \(5, 2\).*got \(10,\).*reshape\(5, 2\)"),
    (
        lambda: stats.combined_ftest_5x2cv(A52[:3], B52[:3]),
        ValueError,
        r"shape \(5, 2\).*got \(3, 2\).*corrected_resampled_ttest",
    ),
    (lambda: stats.paired_ttest_5x2cv(A52, None), TypeError, "scores_b must be an array of scores"),
    (lambda: stats.paired_ttest_5x2cv(A52.astype(complex), B52), TypeError, "real numbers.*complex"),
    (lambda: stats.paired_ttest_5x2cv([["a", "b"]] * 5, B52), TypeError, "real numbers"),
    (lambda: stats.paired_ttest_5x2cv([[0.9, 0.8]] * 4 + [[0.9]], B52), TypeError, "rectangular array"),
    # non-finite scores: the fold is named
    (
        lambda: stats.paired_ttest_5x2cv(_nan_at(A52, (2, 1)), B52),
        ValueError,
        r"scores_a\[2, 1\] is nan \(repetition 2, half 1\)",
    ),
    (
        lambda: stats.combined_ftest_5x2cv(A52, np.where(np.eye(5, 2) > 0, np.inf, B52)),
        ValueError,
        r"scores_b\[0, 0\] is inf \(repetition 0, half 0\) \(2 non-finite scores in all\)",
    ),
    (
        lambda: stats.corrected_resampled_ttest(_nan_at(A10, 7), B10, n_train=9, n_test=1),
        ValueError,
        r"scores_a\[7\] is nan \(fold 7\).*rerun",
    ),
    (
        lambda: stats.corrected_resampled_ttest(
            _nan_at(A10.reshape(2, 5), (1, 3)), B10.reshape(2, 5), n_train=9, n_test=1
        ),
        ValueError,
        r"\(repeat 1, fold 3\)",
    ),
    (lambda: stats.bootstrap_ci(_nan_at(A10, 0), key=KEY), ValueError, r"scores\[0\] is nan \(fold 0\)"),
    # corrected t: folds and sizes
    (
        lambda: stats.corrected_resampled_ttest(A10[:1], B10[:1], n_train=9, n_test=1),
        ValueError,
        "at least 2 fold scores.*got 1",
    ),
    (
        lambda: stats.corrected_resampled_ttest(A10, B10[:9], n_train=9, n_test=1),
        ValueError,
        r"same shape.*\(10,\) and \(9,\)",
    ),
    (lambda: stats.corrected_resampled_ttest(0.9, 0.8, n_train=9, n_test=1), ValueError, r"shape \(J,\).*got \(\)"),
    (
        lambda: stats.corrected_resampled_ttest(A10, B10, n_train=0, n_test=1),
        ValueError,
        "n_train must be a positive.*got 0",
    ),
    (
        lambda: stats.corrected_resampled_ttest(A10, B10, n_train=9, n_test=-1),
        ValueError,
        "n_test must be a positive.*got -1",
    ),
    (lambda: stats.corrected_resampled_ttest(A10, B10, n_train=math.inf, n_test=1), ValueError, "n_train.*inf"),
    (lambda: stats.corrected_resampled_ttest(A10, B10, n_train="90", n_test=10), TypeError, "n_train must be a number"),
    (lambda: stats.corrected_resampled_ttest(A10, B10, n_train=True, n_test=10), TypeError, "n_train must be a number"),
    (
        lambda: stats.corrected_resampled_ttest(A10, B10, n_train=9, n_test=1, confidence=95),
        ValueError,
        "confidence must lie strictly between 0 and 1, got 95",
    ),
    # McNemar
    (lambda: stats.mcnemar(y_ok, pa_ok[:-1], pb_ok), ValueError, "same length.*got 20, 19 and 20"),
    (lambda: stats.mcnemar(y_ok[:, None], pa_ok[:, None], pb_ok[:, None]), ValueError, r"shape \(n,\).*reshape"),
    (lambda: stats.mcnemar([], [], []), ValueError, "at least one test example"),
    (lambda: stats.mcnemar(_nan_at(y_ok, 3), pa_ok, pb_ok), ValueError, r"y_true\[3\] is nan"),
    (lambda: stats.mcnemar(y_ok, pa_ok, pb_ok, exact="yes"), TypeError, "exact must be True or False"),
    (lambda: stats.mcnemar(y_ok, pa_ok, None), TypeError, "pred_b must be an array of labels"),
    # bootstrap
    (lambda: stats.bootstrap_ci(A52, key=KEY), ValueError, r"shape \(J,\).*got \(5, 2\).*reshape\(-1\)"),
    (lambda: stats.bootstrap_ci(A10[:1], key=KEY), ValueError, "at least 2 fold scores"),
    (lambda: stats.bootstrap_ci(A10, key=0), TypeError, "key must be a JAX PRNG key"),
    (lambda: stats.bootstrap_ci(A10, key=KEY, n_resamples=1), ValueError, "n_resamples must be at least 2"),
    (lambda: stats.bootstrap_ci(A10, key=KEY, n_resamples=1e4), TypeError, "n_resamples must be an int"),
    (lambda: stats.bootstrap_ci(A10, key=KEY, confidence=1.0), ValueError, "confidence must lie strictly"),
    # verdict
    (lambda: stats.verdict("a", "b", 0.9, 0.8, math.nan), ValueError, r"p_value must lie in \[0, 1\], got nan"),
    (lambda: stats.verdict("a", "b", 0.9, 0.8, 1.5), ValueError, r"p_value must lie in \[0, 1\]"),
    (lambda: stats.verdict("a", "b", 0.9, math.nan, 0.01), ValueError, "mean_b must be finite"),
    (lambda: stats.verdict("a", 2, 0.9, 0.8, 0.01), TypeError, "name_b must be a str"),
    (lambda: stats.verdict("a", "b", [0.9], 0.8, 0.01), TypeError, "mean_a must be a number"),
    (lambda: stats.verdict("a", "b", 0.9, 0.8, 0.01, alpha=0), ValueError, "alpha must lie strictly"),
    # finite scores whose differences overflow float64
    (
        lambda: stats.paired_ttest_5x2cv(np.full((5, 2), 1e308), np.full((5, 2), -1e308)),
        ValueError,
        "overflow float64.*rescale",
    ),
    (lambda: stats.combined_ftest_5x2cv(A52 * 1e160, B52), ValueError, "overflow float64"),
    (lambda: stats.bootstrap_ci([1e308, -1e308], key=KEY), ValueError, "overflow float64"),
]


@pytest.mark.parametrize("call,error,match", BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_traced_scores_are_refused():
    with pytest.raises(TypeError, match="traced array.*outside jit"):
        jax.jit(lambda a: stats.paired_ttest_5x2cv(a, a).statistic)(A52)


# --------------------------------------------------------------------------- verdict


@pytest.mark.parametrize(
    "args,kwargs,expected",
    [
        (("A", "B", 0.91, 0.88, 0.012), {}, "A is better than B at p = 0.012"),
        (("A", "B", 0.88, 0.91, 0.012), {}, "B is better than A at p = 0.012"),
        (("A", "B", 0.30, 0.25, 0.012), {"higher_is_better": False}, "B is better than A at p = 0.012"),
        (("A", "B", 0.91, 0.88, 0.41), {}, "no detectable difference between A and B (p = 0.41)"),
        (("A", "B", 0.91, 0.88, 0.05), {}, "A is better than B at p = 0.05"),  # p <= alpha rejects
        (("A", "B", 0.91, 0.88, 0.06), {"alpha": 0.1}, "A is better than B at p = 0.06"),
        (("A", "B", 0.91, 0.88, 0.0), {}, "A is better than B at p < 0.001"),
        (("A", "B", 0.91, 0.88, 0.0123456), {}, "A is better than B at p = 0.0123"),
        (("A", "B", 0.91, 0.91, 0.01), {}, "A and B differ at p = 0.01, but their mean scores are equal"),
        (
            ("A", "B", np.float32(0.9), jnp.asarray(0.8), np.float64(1.0)),
            {},
            "no detectable difference between A and B (p = 1)",
        ),
    ],
)
def test_verdict(args, kwargs, expected):
    assert stats.verdict(*args, **kwargs) == expected


def test_verdict_reads_a_test_result():
    result = stats.paired_ttest_5x2cv(HAND_B + HAND_D, HAND_B)
    sentence = stats.verdict("fnn.adam", "optax.adam", (HAND_B + HAND_D).mean(), HAND_B.mean(), result.p_value)
    assert sentence == "no detectable difference between fnn.adam and optax.adam (p = 0.127)"


# --------------------------------------------------------------------------- API


def test_public_names_and_result_fields():
    import fnn

    assert fnn.stats is stats and "stats" in fnn.__all__
    for name in stats.__all__:
        assert hasattr(stats, name)
    for result in (stats.TTest5x2Result, stats.FTest5x2Result, stats.CorrectedTTestResult, stats.McNemarResult):
        assert result._fields[:2] == ("statistic", "p_value")
    assert stats.McNemarResult._fields == ("statistic", "p_value", "b", "c")
    assert stats.BootstrapResult._fields[:2] == ("low", "high")
    t, p = stats.paired_ttest_5x2cv(A52, B52)
    assert isinstance(t, float) and isinstance(p, float)


def test_results_unpack_as_a_pair_and_keep_their_fields():
    import copy
    import pickle

    result = stats.corrected_resampled_ttest(A10, B10, n_train=90, n_test=10)
    t, p = result
    assert (t, p) == (result.statistic, result.p_value) == (result[0], result[1])
    assert len(result) == 2 and result == (t, p)
    assert result._asdict()["df"] == result.df == 9
    assert repr(result).startswith(f"CorrectedTTestResult(statistic={t!r}, p_value={p!r}, mean_difference=")
    for restored in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        assert type(restored) is stats.CorrectedTTestResult and restored == result
        assert restored.confidence_interval == result.confidence_interval
    with pytest.raises(AttributeError, match="immutable"):
        result.df = 3
    with pytest.raises(AttributeError, match="immutable"):
        del result.df
    # Equal pairs with different extra fields are different results.
    other = stats.CorrectedTTestResult(**{**result._asdict(), "df": 8})
    assert other != result and hash(other) != hash(result)
    with pytest.raises(TypeError, match="takes the fields"):
        stats.McNemarResult(statistic=1.0, p_value=0.5, b=1)


def test_docstring_examples_run():
    results = doctest.testmod(stats, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted > 0 and results.failed == 0
