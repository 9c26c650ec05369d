r"""Statistical tests that compare two learners from their cross-validation scores.

"Is my optimizer better than Adam on this task?" is not answered by two means
± standard deviations over folds. Run both learners on the *same* folds (the
same split and the same per-fold keys), keep the per-fold scores, and test the
paired differences with one of these:

* :func:`paired_ttest_5x2cv` (Dietterich, 1998) and :func:`combined_ftest_5x2cv`
  (Alpaydin, 1999): five repetitions of 2-fold cross-validation, 10 fits per
  learner. Use them to compare two learners when 10 fits are affordable; they
  keep the type I error near its nominal level, and the F-test (which uses all 10
  differences, not only the first) has more power. Scores of shape ``(5, 2)``:
  ``fnn.cv.repeated_kfold(n, 2, 5, key=key)`` yields its 10 folds repeat by repeat,
  so its ``test_score.reshape(5, 2)`` is the layout.
* :func:`corrected_resampled_ttest` (Nadeau & Bengio, 2003): for the K-fold or
  repeated K-fold (or repeated hold-out) scores you already have. It inflates the
  variance by the training-set overlap.
* :func:`mcnemar`: one train/test split, when refitting is too costly; it tests
  the two learners' disagreements on the same test examples.
* :func:`bootstrap_ci`: "how sure is this mean?", a percentile bootstrap interval
  of a mean score (or, given ``scores_a - scores_b``, of a mean difference).

:func:`verdict` turns a result into a sentence.

**Why not a plain paired t-test over K-fold scores.** It treats the K scores as
independent, but any two training sets of K-fold share a fraction (K − 2)/(K − 1)
of their rows, so the fold scores are positively correlated and their sample
variance underestimates the variance of their mean. The test is then
overconfident: Dietterich (1998) measured type I errors above the nominal 5 %
for the 10-fold cross-validated t-test and far above it for the repeated
hold-out one, and more repetitions make it worse, not better (every extra score
shrinks the 1/J in :math:`\hat\sigma^2/J`, while the correlation stays).
Nadeau & Bengio's correction replaces 1/J by :math:`1/J + n_\text{test}/n_\text{train}`;
the 5×2cv tests avoid overlap within a repetition (the two halves are disjoint).

**Conventions.** Each test returns a small immutable result that unpacks as
``statistic, p_value = test(...)`` (as scipy's results do) and carries the effect
size, degrees of freedom and counts as attributes (``result.df``); values are
Python floats and ints. Tests are two-sided, and differences are
``scores_a - scores_b``: a positive statistic means A scored higher, whether
higher is better (accuracy) or worse (a loss). Scores are checked before anything
is computed: NaN or infinite scores (a fold that diverged) are refused with the
fold named, never turned into a p-value.

**Degenerate scores.** When the differences have zero spread the formulas divide
by zero. fnn decides: if the numerator is also zero (for instance two learners
with identical scores on every fold) there is no observed difference, and the
result is statistic 0 with p = 1; otherwise (every fold differs by exactly the
same amount) the statistic is ±inf with p = 0, its limit. scipy's ``ttest_rel``
gives NaN, NaN in the first case and the same ±inf, 0 in the second; mlxtend
divides by zero (NaN, or ±inf and 0). Exactly tied or constant differences
usually mean coarse scores (accuracy on a small test set): :func:`mcnemar` on the
predictions is then the better test.

The tests run on the host, in float64, on concrete arrays (numpy or JAX; call
them outside ``jit``). Their distributions come from ``scipy.special``, imported
on first use: scipy is installed with JAX (a requirement of ``jax``), so this
adds no dependency, and importing it lazily keeps it out of ``import fnn``.
"""

from __future__ import annotations

import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np

from fnn._types import ArrayLike, PRNGKey
from fnn._validate import check_int, check_key, is_concrete

__all__ = [
    "BootstrapResult",
    "CorrectedTTestResult",
    "FTest5x2Result",
    "McNemarResult",
    "TTest5x2Result",
    "bootstrap_ci",
    "combined_ftest_5x2cv",
    "corrected_resampled_ttest",
    "mcnemar",
    "paired_ttest_5x2cv",
    "verdict",
]


def __dir__() -> list[str]:
    # The namespace shows the public API, not the imports it is built from.
    return sorted(__all__)


# --------------------------------------------------------------------------- results


class _Result(tuple):
    """A result that unpacks as its first two fields and carries the others as attributes.

    ``t, p = paired_ttest_5x2cv(a, b)`` then works while ``.df`` and the effect
    size stay at hand, as with scipy's test results. It is immutable, compares
    equal to the plain pair ``(t, p)``, and to another result only if every field
    is equal. ``_fields`` names every field, the two unpacked ones first.
    """

    _fields: tuple[str, ...] = ()

    def __new__(cls, **values):
        if set(values) != set(cls._fields):
            raise TypeError(f"{cls.__name__} takes the fields {cls._fields}, got {tuple(values)}")
        self = super().__new__(cls, (values[cls._fields[0]], values[cls._fields[1]]))
        self.__dict__.update(values)
        return self

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __getnewargs_ex__(self):
        return (), self._asdict()

    def _asdict(self) -> dict:
        """Every field by name, in order."""
        return {name: self.__dict__[name] for name in self._fields}

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self._asdict().items())
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other):
        if isinstance(other, _Result):
            return type(self) is type(other) and self._asdict() == other._asdict()
        return tuple.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(tuple(self._asdict().values()))


class TTest5x2Result(_Result):
    r"""Result of :func:`paired_ttest_5x2cv`; unpacks as ``t, p``.

    Attributes:
      statistic: Dietterich's :math:`\tilde t`, positive when A scored higher on the first fold.
      p_value: two-sided p-value from Student's t with ``df`` degrees of freedom.
      mean_difference: mean of the 10 differences ``scores_a - scores_b`` (the effect size).
      standard_error: the denominator :math:`\sqrt{\frac15\sum_i s_i^2}`, the estimated standard
        deviation of one difference.
      df: degrees of freedom, 5.
    """

    _fields = ("statistic", "p_value", "mean_difference", "standard_error", "df")
    statistic: float
    p_value: float
    mean_difference: float
    standard_error: float
    df: int


class FTest5x2Result(_Result):
    r"""Result of :func:`combined_ftest_5x2cv`; unpacks as ``f, p``.

    Attributes:
      statistic: Alpaydin's :math:`f` (non-negative: the test has no direction).
      p_value: the upper tail of F(``df_numerator``, ``df_denominator``) at ``statistic``.
      mean_difference: mean of the 10 differences ``scores_a - scores_b``, whose sign says which
        learner scored higher.
      df_numerator: degrees of freedom of the numerator, 10.
      df_denominator: degrees of freedom of the denominator, 5.
    """

    _fields = ("statistic", "p_value", "mean_difference", "df_numerator", "df_denominator")
    statistic: float
    p_value: float
    mean_difference: float
    df_numerator: int
    df_denominator: int


class CorrectedTTestResult(_Result):
    r"""Result of :func:`corrected_resampled_ttest`; unpacks as ``t, p``.

    Attributes:
      statistic: the corrected t, positive when A scored higher on average.
      p_value: two-sided p-value from Student's t with ``df`` degrees of freedom.
      mean_difference: mean of the ``J`` differences ``scores_a - scores_b``.
      standard_error: corrected standard error of the mean difference,
        :math:`\sqrt{(1/J + n_\text{test}/n_\text{train})\hat\sigma^2}`.
      df: degrees of freedom, ``J - 1``.
      confidence_interval: ``(low, high)``, the t interval of the mean difference.
    """

    _fields = ("statistic", "p_value", "mean_difference", "standard_error", "df", "confidence_interval")
    statistic: float
    p_value: float
    mean_difference: float
    standard_error: float
    df: int
    confidence_interval: tuple[float, float]


class McNemarResult(_Result):
    r"""Result of :func:`mcnemar`; unpacks as ``statistic, p``.

    Attributes:
      statistic: the chi-square statistic (1 d.f.), or with ``exact=True`` the binomial count ``min(b, c)``.
      p_value: two-sided p-value.
      b: number of examples A got right and B got wrong.
      c: number of examples A got wrong and B got right.
    """

    _fields = ("statistic", "p_value", "b", "c")
    statistic: float
    p_value: float
    b: int
    c: int


class BootstrapResult(_Result):
    r"""Result of :func:`bootstrap_ci`; unpacks as ``low, high``.

    Attributes:
      low: lower end of the percentile interval.
      high: upper end of the percentile interval.
      mean: mean of the scores (the statistic whose interval this is).
      standard_error: standard deviation of the bootstrap means (the bootstrap standard error).
    """

    _fields = ("low", "high", "mean", "standard_error")
    low: float
    high: float
    mean: float
    standard_error: float


# --------------------------------------------------------------------------- checks


def _special():
    # Imported on first use: importing scipy.special costs ~0.25 s, which every
    # `import fnn` would pay. jax.scipy.stats cannot replace it: it has no t or F
    # survival function nor a t quantile, and computes in float32 unless x64 is on.
    from scipy import special

    return special


def _host_scores(name: str, x, where: str) -> np.ndarray:
    """Scores as a float64 numpy array, or a TypeError saying what was given."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{where}: {name} must be an array of scores, got {type(x).__name__}")
    if not is_concrete(x):
        raise TypeError(
            f"{where}: {name} is a traced array; statistical tests run on the host on concrete "
            f"scores; call {where} outside jit/vmap (e.g. on cross_validate's test_score)"
        )
    try:
        a = np.asarray(x)
    except ValueError as error:  # a ragged nested list
        raise TypeError(f"{where}: {name} must be a rectangular array of scores: {error}") from None
    if not (a.dtype == np.bool_ or jnp.issubdtype(a.dtype, jnp.integer) or jnp.issubdtype(a.dtype, jnp.floating)):
        raise TypeError(f"{where}: {name} must hold real numbers, got dtype {a.dtype}")
    return a.astype(np.float64)


def _fold_name(index: tuple[int, ...], layout: str) -> str:
    if layout == "5x2":
        return f"repetition {index[0]}, half {index[1]}"
    if len(index) == 2:
        return f"repeat {index[0]}, fold {index[1]}"
    return f"fold {index[0]}"


def _check_finite(name: str, a: np.ndarray, where: str, layout: str) -> None:
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        index = tuple(int(i) for i in bad[0])
        more = f" ({len(bad)} non-finite scores in all)" if len(bad) > 1 else ""
        raise ValueError(
            f"{where}: {name}{list(index)} is {a[index]} ({_fold_name(index, layout)}){more}; a fold "
            f"whose score is not finite (a diverged or failed fit) cannot enter a test: fix or rerun "
            f"that fold rather than testing around it"
        )


def _paired_scores(where: str, scores_a, scores_b, layout: str) -> tuple[np.ndarray, np.ndarray]:
    """Both learners' scores, checked: same shape, the layout's shape, at least 2, finite."""
    a = _host_scores("scores_a", scores_a, where)
    b = _host_scores("scores_b", scores_b, where)
    if a.shape != b.shape:
        raise ValueError(
            f"{where}: scores_a and scores_b must have the same shape (one score per fold, on the "
            f"same folds for both learners), got {a.shape} and {b.shape}"
        )
    if layout == "5x2":
        if a.shape != (5, 2):
            fix = (
                "reshape the 10 fold scores in fold order with scores.reshape(5, 2)"
                if a.size == 10
                else "use corrected_resampled_ttest for K-fold or repeated K-fold scores"
            )
            raise ValueError(
                f"{where}: scores must have shape (5, 2), 5 repetitions of 2-fold cross-validation, "
                f"got {a.shape}; {fix}"
            )
    else:
        if a.ndim not in (1, 2):
            raise ValueError(f"{where}: scores must have shape (J,) (one per fold) or (n_repeats, K), got {a.shape}")
        if a.size < 2:
            raise ValueError(f"{where}: needs at least 2 fold scores per learner to estimate a variance, got {a.size}")
    _check_finite("scores_a", a, where, layout)
    _check_finite("scores_b", b, where, layout)
    with np.errstate(over="ignore"):
        _check_overflow(where, a - b)
    return a, b


def _check_positive(value, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{where}: {name} must be a positive, finite number of examples, got {value}")
    return value


def _check_probability(value, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number in (0, 1), got {type(value).__name__} {value!r}")
    value = float(value)
    if not 0 < value < 1:
        raise ValueError(f"{where}: {name} must lie strictly between 0 and 1, got {value}")
    return value


def _check_bool(value, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` with the module's rule for a zero spread (see "Degenerate scores")."""
    if numerator == 0:
        return 0.0
    if denominator == 0:
        return math.copysign(math.inf, numerator)
    return float(numerator / denominator)


def _check_overflow(where: str, d: np.ndarray) -> None:
    # Finite scores can still overflow float64 in a difference or a square, and a NaN
    # statistic must never become a p-value.
    with np.errstate(over="ignore"):
        overflow = not (np.all(np.isfinite(d)) and np.isfinite(np.sum(d**2)))
    if overflow:
        raise ValueError(
            f"{where}: the score differences overflow float64 (largest |difference| "
            f"{np.max(np.abs(d))}); rescale the scores, e.g. to [0, 1]"
        )


def _two_sided_t(t: float, df: int) -> float:
    # stdtr is Student's t CDF; its lower tail at -|t| avoids the cancellation of 1 - cdf.
    return float(min(1.0, 2.0 * _special().stdtr(df, -abs(t))))


def _per_repetition(d: np.ndarray) -> np.ndarray:
    r""":math:`s_i^2 = \sum_j (p_i^{(j)} - \bar p_i)^2` for each of the 5 repetitions."""
    return np.sum((d - np.mean(d, axis=1, keepdims=True)) ** 2, axis=1)


# --------------------------------------------------------------------------- 5x2cv


def paired_ttest_5x2cv(scores_a: ArrayLike, scores_b: ArrayLike) -> TTest5x2Result:
    r"""Dietterich's 5×2cv paired t-test: do two learners differ, from 5 repetitions of 2-fold CV?

    With :math:`p_i^{(j)}` the difference ``scores_a - scores_b`` on half
    :math:`j` of repetition :math:`i`, :math:`\bar p_i = (p_i^{(1)} + p_i^{(2)})/2`
    and :math:`s_i^2 = (p_i^{(1)} - \bar p_i)^2 + (p_i^{(2)} - \bar p_i)^2`:

    .. math:: \tilde t = \frac{p_1^{(1)}}{\sqrt{\frac15 \sum_{i=1}^{5} s_i^2}} \sim t_5

    The numerator is the first difference only (``scores[0, 0]``), as Dietterich
    defines it; :func:`combined_ftest_5x2cv` uses all ten.

    Args:
      scores_a: scores of learner A, shape ``(5, 2)``: ``scores_a[i, j]`` is the
        score on the test half ``j`` of repetition ``i`` (trained on the other half).
      scores_b: scores of learner B on the same splits, shape ``(5, 2)``.

    Returns:
      A :class:`TTest5x2Result`: unpacks as ``(statistic, p_value)`` (two-sided),
      with ``mean_difference``, ``standard_error`` and ``df`` as attributes.

    Example:
      >>> a = [[0.91, 0.89], [0.90, 0.92], [0.88, 0.90], [0.93, 0.91], [0.90, 0.89]]
      >>> b = [[0.87, 0.88], [0.89, 0.86], [0.86, 0.88], [0.90, 0.87], [0.88, 0.85]]
      >>> t, p = paired_ttest_5x2cv(a, b)
      >>> print(f"t = {t:.3f}, p = {p:.4f}")
      t = 2.025, p = 0.0987

    Reference:
      T. G. Dietterich (1998). Approximate statistical tests for comparing
      supervised classification learning algorithms. *Neural Computation*,
      10(7), 1895–1923.
    """
    where = "paired_ttest_5x2cv"
    a, b = _paired_scores(where, scores_a, scores_b, "5x2")
    d = a - b
    denominator = math.sqrt(float(np.mean(_per_repetition(d))))
    t = _ratio(float(d[0, 0]), denominator)
    return TTest5x2Result(
        statistic=t, p_value=_two_sided_t(t, 5), mean_difference=float(np.mean(d)), standard_error=denominator, df=5
    )


def combined_ftest_5x2cv(scores_a: ArrayLike, scores_b: ArrayLike) -> FTest5x2Result:
    r"""Alpaydin's combined 5×2cv F-test: do two learners differ, from all ten 5×2cv differences?

    With :math:`p_i^{(j)}` and :math:`s_i^2` as in :func:`paired_ttest_5x2cv`:

    .. math:: f = \frac{\sum_{i=1}^{5}\sum_{j=1}^{2} \bigl(p_i^{(j)}\bigr)^2}{2\sum_{i=1}^{5} s_i^2} \sim F(10, 5)

    It does not depend on which difference comes first, and Alpaydin found it
    to have a lower type I error and a higher power than the 5×2cv t-test. ``f`` has no
    sign: ``mean_difference`` says which learner scored higher.

    Args:
      scores_a: scores of learner A, shape ``(5, 2)`` (repetition, half).
      scores_b: scores of learner B on the same splits, shape ``(5, 2)``.

    Returns:
      A :class:`FTest5x2Result`: unpacks as ``(statistic, p_value)``, with
      ``mean_difference``, ``df_numerator`` and ``df_denominator`` as attributes.

    Example:
      >>> a = [[0.91, 0.89], [0.90, 0.92], [0.88, 0.90], [0.93, 0.91], [0.90, 0.89]]
      >>> b = [[0.87, 0.88], [0.89, 0.86], [0.86, 0.88], [0.90, 0.87], [0.88, 0.85]]
      >>> f, p = combined_ftest_5x2cv(a, b)
      >>> print(f"f = {f:.3f}, p = {p:.4f}")
      f = 2.744, p = 0.1384

    Reference:
      E. Alpaydin (1999). Combined 5×2 cv F test for comparing supervised
      classification learning algorithms. *Neural Computation*, 11(8), 1885–1892.
    """
    where = "combined_ftest_5x2cv"
    a, b = _paired_scores(where, scores_a, scores_b, "5x2")
    d = a - b
    f = _ratio(float(np.sum(d**2)), 2.0 * float(np.sum(_per_repetition(d))))
    p = float(_special().fdtrc(10, 5, f))
    return FTest5x2Result(statistic=f, p_value=p, mean_difference=float(np.mean(d)), df_numerator=10, df_denominator=5)


# --------------------------------------------------------------------------- K-fold


def corrected_resampled_ttest(
    scores_a: ArrayLike, scores_b: ArrayLike, *, n_train: float, n_test: float, confidence: float = 0.95
) -> CorrectedTTestResult:
    r"""Nadeau and Bengio's corrected resampled t-test, for K-fold, repeated K-fold or repeated hold-out scores.

    With the :math:`J` differences :math:`d_j` = ``scores_a - scores_b``, their
    mean :math:`\bar d` and sample variance :math:`\hat\sigma^2` (divisor
    :math:`J - 1`):

    .. math::
       t = \frac{\bar d}{\sqrt{\left(\frac1J + \frac{n_\text{test}}{n_\text{train}}\right)\hat\sigma^2}}
       \sim t_{J-1}

    Without the term :math:`n_\text{test}/n_\text{train}` this is the ordinary
    paired t-test (``scipy.stats.ttest_rel``), which is overconfident here because
    the folds' training sets overlap. For K-fold :math:`n_\text{test}/n_\text{train}
    = 1/(K-1)`; when n is not a multiple of K, pass the mean fold sizes. For
    repeated K-fold (Bouckaert & Frank, 2004) pass all :math:`J = rK` scores.

    Args:
      scores_a: scores of learner A, one per fold: shape ``(J,)``, or
        ``(n_repeats, K)`` for repeated K-fold; ``J >= 2``.
      scores_b: scores of learner B on the same folds, the same shape.
      n_train: number of training examples per fold (> 0).
      n_test: number of test examples per fold (> 0).
      confidence: level of the confidence interval of the mean difference.

    Returns:
      A :class:`CorrectedTTestResult`: unpacks as ``(statistic, p_value)``
      (two-sided), with ``mean_difference``, ``standard_error``, ``df`` and
      ``confidence_interval`` :math:`\bar d \pm t_{J-1,(1+c)/2}` × ``standard_error``
      as attributes.

    Example:
      >>> a = [0.91, 0.89, 0.93, 0.90, 0.92]  # 5-fold CV of 500 examples
      >>> b = [0.89, 0.88, 0.90, 0.90, 0.89]
      >>> result = corrected_resampled_ttest(a, b, n_train=400, n_test=100)
      >>> print(f"t = {result.statistic:.3f}, p = {result.p_value:.4f}, df = {result.df}")
      t = 2.058, p = 0.1087, df = 4

    References:
      C. Nadeau and Y. Bengio (2003). Inference for the generalization error.
      *Machine Learning*, 52(3), 239–281.
      R. R. Bouckaert and E. Frank (2004). Evaluating the replicability of
      significance tests for comparing learning algorithms. *Advances in
      Knowledge Discovery and Data Mining (PAKDD)*, LNCS 3056, 3–12.
    """
    where = "corrected_resampled_ttest"
    a, b = _paired_scores(where, scores_a, scores_b, "folds")
    n_train = _check_positive(n_train, "n_train", where)
    n_test = _check_positive(n_test, "n_test", where)
    confidence = _check_probability(confidence, "confidence", where)
    d = (a - b).ravel()
    J = d.size
    mean = float(np.mean(d))
    standard_error = math.sqrt((1.0 / J + n_test / n_train) * float(np.var(d, ddof=1)))
    t = _ratio(mean, standard_error)
    half_width = float(_special().stdtrit(J - 1, 0.5 + confidence / 2)) * standard_error
    return CorrectedTTestResult(
        statistic=t,
        p_value=_two_sided_t(t, J - 1),
        mean_difference=mean,
        standard_error=standard_error,
        df=J - 1,
        confidence_interval=(mean - half_width, mean + half_width),
    )


# --------------------------------------------------------------------------- one test set


def _host_labels(name: str, y, where: str) -> np.ndarray:
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{where}: {name} must be an array of labels, got {type(y).__name__}")
    if not is_concrete(y):
        raise TypeError(f"{where}: {name} is a traced array; call {where} outside jit/vmap")
    y = np.asarray(y)
    if y.dtype == object or jnp.issubdtype(y.dtype, jnp.complexfloating):
        raise TypeError(f"{where}: {name} must hold real labels, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(
            f"{where}: {name} must be a label vector of shape (n,), got {y.shape}; flatten an (n, 1) "
            f"column with y.reshape(-1), or take the argmax of (n, C) scores"
        )
    if jnp.issubdtype(y.dtype, jnp.floating) and not np.all(np.isfinite(y)):
        first = int(np.argmax(~np.isfinite(y)))
        raise ValueError(f"{where}: {name}[{first}] is {y[first]}; labels must be finite")
    return y


def mcnemar(
    y_true: ArrayLike, pred_a: ArrayLike, pred_b: ArrayLike, *, exact: bool = False, corrected: bool = True
) -> McNemarResult:
    r"""McNemar's test: do two classifiers have the same error rate on one test set?

    Of the examples exactly one classifier gets right, :math:`b` are A's and
    :math:`c` are B's. Under the null hypothesis each is A's with probability
    1/2:

    .. math:: \chi^2 = \frac{(|b - c| - 1)^2}{b + c} \sim \chi^2_1

    with Edwards's continuity correction (the ``- 1``; ``corrected=False`` drops
    it). With ``exact=True`` the p-value is the two-sided binomial tail
    :math:`\min\bigl(1, 2\sum_{k \le \min(b,c)} \binom{b+c}{k} 2^{-(b+c)}\bigr)`,
    advised when :math:`b + c` is small (a common rule: below 25), and the
    statistic is :math:`\min(b, c)`.
    When :math:`b = c = 0` the classifiers never disagree: statistic 0, p = 1.
    As in R's ``mcnemar.test``, statsmodels and mlxtend, the correction is not
    clipped: when :math:`b = c > 0` it gives :math:`\chi^2 = 1/(b+c)`, not 0.

    Args:
      y_true: true labels, shape ``(n,)`` (any values compared for equality).
      pred_a: labels predicted by A, shape ``(n,)``.
      pred_b: labels predicted by B, shape ``(n,)``.
      exact: use the exact binomial test instead of the chi-square approximation.
      corrected: apply the continuity correction (ignored when ``exact``).

    Returns:
      A :class:`McNemarResult`: unpacks as ``(statistic, p_value)``, with the
      disagreement counts ``b`` and ``c`` as attributes.

    Example:
      >>> y = [0, 1, 1, 0, 1, 0, 1, 1, 0, 1]
      >>> a = [0, 1, 1, 0, 1, 0, 1, 1, 1, 1]  # one error
      >>> b = [1, 1, 0, 0, 0, 0, 1, 0, 1, 1]  # five errors, four where A is right
      >>> mcnemar(y, a, b, exact=True)
      McNemarResult(statistic=0.0, p_value=0.125, b=4, c=0)

    References:
      Q. McNemar (1947). Note on the sampling error of the difference between
      correlated proportions or percentages. *Psychometrika*, 12(2), 153–157.
      A. L. Edwards (1948). Note on the "correction for continuity" in testing
      the significance of the difference between correlated proportions.
      *Psychometrika*, 13(3), 185–187.
    """
    where = "mcnemar"
    exact = _check_bool(exact, "exact", where)
    corrected = _check_bool(corrected, "corrected", where)
    y = _host_labels("y_true", y_true, where)
    pa = _host_labels("pred_a", pred_a, where)
    pb = _host_labels("pred_b", pred_b, where)
    if not y.shape == pa.shape == pb.shape:
        raise ValueError(
            f"{where}: y_true, pred_a and pred_b must have the same length (the same test examples), "
            f"got {y.shape[0]}, {pa.shape[0]} and {pb.shape[0]}"
        )
    if y.shape[0] == 0:
        raise ValueError(f"{where}: needs at least one test example, got empty inputs")
    right_a, right_b = y == pa, y == pb
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    n = b + c
    if exact:
        statistic = float(min(b, c))
        p = 1.0 if n == 0 else float(min(1.0, 2.0 * _special().bdtr(min(b, c), n, 0.5)))
    elif n == 0:
        statistic, p = 0.0, 1.0
    else:
        statistic = (abs(b - c) - (1.0 if corrected else 0.0)) ** 2 / n
        p = float(_special().chdtrc(1, statistic))
    return McNemarResult(statistic=statistic, p_value=p, b=b, c=c)


# --------------------------------------------------------------------------- bootstrap

_BOOTSTRAP_CHUNK = 1 << 20  # resampled scores gathered at a time (8 MiB of float64)


def bootstrap_ci(
    scores: ArrayLike, *, key: PRNGKey, n_resamples: int = 10_000, confidence: float = 0.95
) -> BootstrapResult:
    r"""Percentile bootstrap confidence interval of a mean cross-validation score.

    Draws ``n_resamples`` samples of the :math:`J` scores with replacement, takes
    each one's mean :math:`\bar x^*_r`, and returns the empirical quantiles

    .. math:: \left[\,Q_{\bar x^*}\bigl(\tfrac{1-c}{2}\bigr),\; Q_{\bar x^*}\bigl(\tfrac{1+c}{2}\bigr)\right]

    (linear interpolation, as ``numpy.quantile`` and ``scipy.stats.bootstrap(...,
    method="percentile")``). For paired learners pass ``scores_a - scores_b``.

    The bootstrap treats the fold scores as independent draws, so it describes
    the spread of the mean over these folds, not over new training sets; with
    K-fold scores (overlapping training sets) it is too narrow for the reasons
    given in the module docstring. With few folds (J < 10) the interval is also
    coarse. To ask whether two learners differ, use a test above.

    Args:
      scores: one score per fold, shape ``(J,)`` with ``J >= 2``, finite.
      key: a JAX PRNG key; the same key gives the same interval.
      n_resamples: number of bootstrap samples (at least 2).
      confidence: the interval's level, in (0, 1).

    Returns:
      A :class:`BootstrapResult`: unpacks as ``(low, high)``, with ``mean`` and
      ``standard_error`` as attributes.

    Example:
      >>> import jax
      >>> scores = [0.91, 0.89, 0.93, 0.90, 0.92, 0.88, 0.91, 0.90, 0.94, 0.89]
      >>> result = bootstrap_ci(scores, key=jax.random.key(0))
      >>> low, high = result
      >>> round(result.mean, 3), bool(0.89 < low < result.mean < high < 0.92)
      (0.907, True)

    Reference:
      B. Efron and R. J. Tibshirani (1993). *An Introduction to the Bootstrap*,
      chapter 13 (the percentile interval). Chapman & Hall.
    """
    where = "bootstrap_ci"
    x = _host_scores("scores", scores, where)
    if x.ndim != 1:
        raise ValueError(
            f"{where}: scores must have shape (J,), one score per fold, got {x.shape}; "
            f"flatten repeated folds with scores.reshape(-1)"
        )
    if x.size < 2:
        raise ValueError(f"{where}: needs at least 2 fold scores to resample, got {x.size}")
    _check_finite("scores", x, where, "folds")
    with np.errstate(over="ignore"):
        _check_overflow(where, x - np.mean(x))
    check_key(key, where)
    n_resamples = check_int(n_resamples, "n_resamples", where, 2)
    confidence = _check_probability(confidence, "confidence", where)
    J = x.size
    resamples = np.asarray(jax.random.randint(key, (n_resamples, J), 0, J))
    rows = max(1, _BOOTSTRAP_CHUNK // J)
    means = np.concatenate([np.mean(x[resamples[i : i + rows]], axis=1) for i in range(0, n_resamples, rows)])
    low, high = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
    return BootstrapResult(
        low=float(low), high=float(high), mean=float(np.mean(x)), standard_error=float(np.std(means, ddof=1))
    )


# --------------------------------------------------------------------------- words


def _format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3g}"


def verdict(
    name_a: str,
    name_b: str,
    mean_a: float,
    mean_b: float,
    p_value: float,
    alpha: float = 0.05,
    *,
    higher_is_better: bool = True,
) -> str:
    r"""One sentence that states a test's outcome, for reports and ``cv.compare``.

    The difference is significant when :math:`p \le \alpha`; the better learner
    is the one with the higher mean (the lower with ``higher_is_better=False``,
    for a loss). p is shown to 3 significant digits, or as "p < 0.001".

    Args:
      name_a: name of learner A.
      name_b: name of learner B.
      mean_a: A's mean score.
      mean_b: B's mean score.
      p_value: the test's p-value, in [0, 1].
      alpha: the significance level, in (0, 1).
      higher_is_better: whether a higher score is better (accuracy) or worse (a loss).

    Returns:
      ``"A is better than B at p = 0.012"``, or ``"no detectable difference
      between A and B (p = 0.41)"``; if p is significant but the means are equal,
      ``"A and B differ at p = 0.012, but their mean scores are equal"``.

    Example:
      >>> verdict("fnn.adam", "optax.adam", 0.912, 0.897, 0.0123)
      'fnn.adam is better than optax.adam at p = 0.0123'
      >>> verdict("fnn.adam", "optax.adam", 0.912, 0.907, 0.41)
      'no detectable difference between fnn.adam and optax.adam (p = 0.41)'
    """
    where = "verdict"
    for name, value in (("name_a", name_a), ("name_b", name_b)):
        if not isinstance(value, str):
            raise TypeError(f"{where}: {name} must be a str, got {type(value).__name__} {value!r}")
    means: list[float] = []
    for name, mean in (("mean_a", mean_a), ("mean_b", mean_b)):
        if isinstance(mean, bool) or not isinstance(mean, (numbers.Real, np.ndarray, jax.Array)) or np.ndim(mean) != 0:
            raise TypeError(f"{where}: {name} must be a number, got {type(mean).__name__} {mean!r}")
        if not math.isfinite(float(mean)):
            raise ValueError(f"{where}: {name} must be finite, got {float(mean)}")
        means.append(float(mean))
    if (
        isinstance(p_value, bool)
        or not isinstance(p_value, (numbers.Real, np.ndarray, jax.Array))
        or np.ndim(p_value) != 0
    ):
        raise TypeError(f"{where}: p_value must be a number, got {type(p_value).__name__} {p_value!r}")
    p = float(p_value)
    if not 0 <= p <= 1:
        raise ValueError(f"{where}: p_value must lie in [0, 1], got {p}")
    alpha = _check_probability(alpha, "alpha", where)
    higher_is_better = _check_bool(higher_is_better, "higher_is_better", where)
    if p > alpha:
        return f"no detectable difference between {name_a} and {name_b} ({_format_p(p)})"
    if means[0] == means[1]:
        return f"{name_a} and {name_b} differ at {_format_p(p)}, but their mean scores are equal"
    a_better = (means[0] > means[1]) == higher_is_better
    better, worse = (name_a, name_b) if a_better else (name_b, name_a)
    return f"{better} is better than {worse} at {_format_p(p)}"
