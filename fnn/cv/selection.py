r"""Model selection: configurations compared on the same folds, and nested cross-validation.

:func:`compare` answers "is my optimizer better than optax's Adam on this task?". A mean
± std over folds cannot: the folds' training sets overlap, so their scores are
correlated and their spread understates the uncertainty of a mean. ``compare`` trains
every configuration (a ``fit_fn`` each: another optimizer, another architecture) on the
same folds with the same per-fold keys, all of them in one compiled program, and tests
each pair's per-fold differences with a test of :mod:`fnn.stats` that allows for the
overlap. Every configuration of fold ``k`` draws ``jax.random.split(key, K)[k]``, as
:func:`~fnn.cv.cross_validate` does: the same initial weights for the same
architecture, so the configurations differ by what they are, not by their luck (common
random numbers).

Which test (``test="auto"``):

+---------------------------------------------------+-------------------------------------------------+
| folds                                             | test                                            |
+===================================================+=================================================+
| 5 repetitions of 2-fold, repetition by repetition | :func:`~fnn.stats.combined_ftest_5x2cv`         |
| (``repeated_kfold(n, 2, 5, key=...)``, 5×2cv)     | (Alpaydin: all ten differences, more power than |
|                                                   | :func:`~fnn.stats.paired_ttest_5x2cv`)          |
+---------------------------------------------------+-------------------------------------------------+
| anything else with at least 2 folds: K-fold,      | :func:`~fnn.stats.corrected_resampled_ttest`    |
| repeated K-fold, leave-one-out, repeated hold-out | with the folds' mean training and test sizes    |
+---------------------------------------------------+-------------------------------------------------+

When to use which: 5×2cv (10 fits per configuration) when each fit is affordable and
the question is a decision, since its halves do not overlap within a repetition and its
type I error stays near the nominal level; the corrected t-test on the K-fold (better:
10 × 10 repeated K-fold, Bouckaert and Frank) scores you would compute anyway. ``test=``
names any of the three. A single hold-out split has no fold-to-fold variance: refit
nothing and compare the two models' predictions on it with :func:`fnn.stats.mcnemar`.

With more than two configurations every pair is tested, and the p-values are adjusted
for the number of pairs by Holm's step-down method (``correction="holm"``; ``None``
keeps them as they are): otherwise, with four configurations (six pairs) that do not
differ at all, the chance of at least one "significant" pair at α = 0.05 would be up to
1 − 0.95⁶ ≈ 26 %.

:func:`nested_cross_validate` estimates how well a *tuned* model generalises: the grid
search runs inside each outer fold on its training rows only, the chosen setting is
refit there and scored on the outer fold's test rows. Outer folds × inner folds × grid
settings are trained in one compiled program (:func:`~fnn.cv.grid_search` on one split
that holds every inner fold and every outer fold as weight vectors over the data).

The guards of :func:`~fnn.cv.cross_validate` come with both: the leakage check (a
``fit_fn`` that reads rows of weight 0 raises ``ValueError``, naming the configuration),
fold health (every fold's ``status``; a RuntimeWarning names unhealthy folds), and a
fold whose score is NaN or inf never becomes a p-value (``compare`` refuses it, naming the
configuration and the fold). ``nested_cross_validate`` gets them from ``grid_search``;
``compare`` runs its own program, so it applies the same checks (the same probe, the same
status words) to each configuration's outputs itself.
"""

from __future__ import annotations

import functools
import itertools
import numbers
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jax
import numpy as np

from fnn import stats
from fnn._types import Array, ArrayLike, Params, PRNGKey
from fnn._validate import check_key
from fnn.cv import engine, guards, program
from fnn.cv.api import grid_search
from fnn.cv.splits import MaskSplit, Split, check_cv

__all__ = ["TESTS", "compare", "holm", "is_five_by_two", "nested_cross_validate"]


def __dir__() -> list[str]:
    return list(__all__)


#: The tests :func:`compare` runs (``test=``): ``"auto"`` chooses by the folds (module docstring).
TESTS = ("auto", "corrected_resampled_ttest", "combined_ftest_5x2cv", "paired_ttest_5x2cv")
_FIVE_BY_TWO = ("combined_ftest_5x2cv", "paired_ttest_5x2cv")
_CORRECTIONS = (None, "holm")


# --------------------------------------------------------------------------- argument checks


def _check_bool(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}")
    return value


def _check_configurations(
    configurations: Any, score_fn: Any, where: str
) -> tuple[tuple[str, ...], tuple[Callable, ...], tuple[Callable, ...]]:
    """The names, fit functions and score functions, in the order of ``configurations``."""
    if not isinstance(configurations, Mapping):
        raise TypeError(
            f"{where}: configurations must be a dict name -> fit_fn, e.g. "
            f"{{'fnn adam': fit_a, 'optax adam': fit_b}}, got {type(configurations).__name__}"
        )
    if len(configurations) < 2:
        raise ValueError(
            f"{where}: needs at least 2 configurations to compare, got {len(configurations)}; "
            "for one configuration use cv.cross_validate"
        )
    names = tuple(configurations)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"{where}: configuration names must be non-empty strings, got {name!r}")
        if not callable(configurations[name]):
            raise TypeError(
                f"{where}: configuration {name!r} must be a callable fit_fn(key, X, y, weights) -> params, "
                f"got {type(configurations[name]).__name__}"
            )
    if isinstance(score_fn, Mapping):
        if set(score_fn) != set(names):
            raise ValueError(
                f"{where}: score_fn as a dict needs one score function per configuration, the same names: "
                f"configurations {sorted(names)}, score_fn {sorted(map(str, score_fn))}"
            )
        scores = tuple(score_fn[name] for name in names)
    else:
        scores = (score_fn,) * len(names)
    for name, fn in zip(names, scores, strict=True):
        if not callable(fn):
            raise TypeError(
                f"{where}: score_fn must be callable score_fn(params, X, y, weights) -> scalar (or a dict of them, "
                f"one per configuration), got {type(fn).__name__} for {name!r}"
            )
    return names, tuple(configurations[name] for name in names), scores


def _check_probability(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number in (0, 1), got {type(value).__name__} {value!r}")
    if not 0 < float(value) < 1:
        raise ValueError(f"{where}: {name} must lie strictly between 0 and 1, got {value}")
    return float(value)


def _fold_sizes(split: Split | MaskSplit) -> tuple[np.ndarray, np.ndarray]:
    """``(K,)`` training and ``(K,)`` test rows per fold."""
    if isinstance(split, Split):
        test = np.bincount(split.test_fold[split.test_fold >= 0], minlength=split.n_folds)[: split.n_folds]
        return split.n_samples - test, test
    return split.train.sum(axis=1), split.test.sum(axis=1)


def _check_fold_sizes(split: Split | MaskSplit, where: str) -> tuple[np.ndarray, np.ndarray]:
    train, test = _fold_sizes(split)
    for what, sizes in (("test", test), ("training", train)):
        if np.any(sizes <= 0):
            raise ValueError(
                f"{where}: fold {int(np.argmax(sizes <= 0))} of the split has no {what} rows "
                f"(n_{'train' if what == 'training' else 'test'} = 0); every fold needs at least one of each"
            )
    return train, test


def is_five_by_two(split: Split | MaskSplit) -> bool:
    """Whether ``split`` is 5×2cv: 10 folds, folds ``2r`` and ``2r + 1`` the two halves of repetition ``r``.

    The halves of a repetition are disjoint and each trains on exactly the other's test
    rows, as ``repeated_kfold(n, 2, 5, key=...)`` and scikit-learn's ``RepeatedKFold(n_splits=2,
    n_repeats=5)`` give them.

    Example:
      >>> from fnn.cv import kfold, repeated_kfold
      >>> is_five_by_two(repeated_kfold(20, 2, 5, key=jax.random.key(0))), is_five_by_two(kfold(20, 10))
      (True, False)
    """
    if not isinstance(split, MaskSplit) or split.n_folds != 10:
        return False
    train, test = split.train, split.test
    for r in range(5):
        a, b = 2 * r, 2 * r + 1
        halves = np.array_equal(train[a], test[b]) and np.array_equal(train[b], test[a])
        if not halves or np.any(test[a] & test[b]) or not test[a].any() or not test[b].any():
            return False
    return True


def _choose_test(test: Any, five_by_two: bool, description: str, where: str) -> str:
    if not isinstance(test, str) or test not in TESTS:
        raise ValueError(f"{where}: test must be one of {TESTS}, got {test!r}")
    if test == "auto":
        return "combined_ftest_5x2cv" if five_by_two else "corrected_resampled_ttest"
    if test in _FIVE_BY_TWO and not five_by_two:
        raise ValueError(
            f"{where}: test={test!r} needs 5x2cv folds (5 repetitions of 2-fold, repetition by repetition: "
            f"cv=fnn.cv.repeated_kfold(n, 2, 5, key=key)), got {description}; use "
            "test='corrected_resampled_ttest' (or 'auto') for these folds"
        )
    return test


# --------------------------------------------------------------------------- the program


def _configurations_chunk(
    X: Array,
    y: Array,
    test_fold: Array | None,
    key: PRNGKey,
    folds: Any,
    fold_index: Array,
    hyperparams: None,
    *,
    fit_fns: tuple[Callable, ...],
    score_fns: tuple[Callable, ...],
    names: tuple[str, ...],
    return_train_score: bool,
    n_folds: int,
) -> tuple:
    """A chunk of folds, every configuration trained and scored on each: one program for all.

    Fold ``fold_index[j]`` draws ``jax.random.split(key, n_folds)[fold_index[j]]`` and every
    configuration trains on it with that key, through
    :func:`fnn.cv.program.fit_and_score_fold` as :func:`fnn.cv.cross_validate` does.

    Returns:
      one ``(params, history, test_score, train_score, health)`` per configuration, in the
      order of ``names``, each with a leading axis of entries.
    """
    del hyperparams  # compare has no grid; the entries keep program.arguments' layout

    def one(fold_key, fold):
        out = []
        for name, fit_fn, score_fn in zip(names, fit_fns, score_fns, strict=True):
            try:
                out.append(
                    program.fit_and_score_fold(
                        fit_fn, score_fn, return_train_score, X, y, test_fold, fold_key, fold, None
                    )
                )
            except ValueError as error:  # raised while tracing: say which configuration
                message = str(error).removeprefix("cross_validate: ")  # program.py's words for its caller
                raise ValueError(f"compare: configuration {name!r}: {message}") from error
        return tuple(out)

    keys = jax.random.split(key, n_folds)[fold_index]
    return jax.vmap(one)(keys, folds)


# --------------------------------------------------------------------------- fold health


def _listing(items: list[str], most: int = 8) -> str:
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return "; ".join(items[:most]) + more


def _refuse_non_finite(where: str, names: tuple[str, ...], scores: dict, status: dict) -> None:
    """Raises ``ValueError`` naming each configuration and fold whose test score is NaN or inf."""
    bad = [
        f"{name!r} fold {k} ({status[name][k]})" for name in names for k in np.flatnonzero(~np.isfinite(scores[name]))
    ]
    if bad:
        raise ValueError(
            f"{where}: {len(bad)} test score(s) are NaN or inf: {_listing(bad)}. A fold whose score is not "
            "finite cannot enter a test: the comparison would rest on the folds that happened to work. Fix the "
            "configuration (a smaller learning rate; labels within the model's outputs; inputs standardised on "
            "each fold's training rows) and compare again; cv.cross_validate on that configuration alone shows "
            "every fold's status and the likely causes."
        )


def _warn_unhealthy(where: str, names: tuple[str, ...], status: dict) -> None:
    bad = [
        f"{name!r} fold {k}: {status[name][k]}" for name in names for k in np.flatnonzero(status[name] != "finished")
    ]
    if bad:
        total = sum(s.size for s in status.values())
        warnings.warn(
            f"{where}: {len(bad)} of {total} folds are unhealthy ({_listing(bad)}). fnn.train.fit stops "
            "updating a fold at its first non-finite step, so a diverged fold is scored with its parameters "
            "at that point, and the tests include it as it is: divergence is part of how that configuration "
            'performs. Each fold\'s status is in out["status"].',
            RuntimeWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------- the leakage check


def _output(configuration: int, i: int, outputs: Any) -> Any:
    """Output ``i`` (0 parameters, 3 training score) of one configuration."""
    return outputs[configuration][i]


def _check_leakage(
    result: engine.Run,
    args: program.Arguments,
    split: Split | MaskSplit,
    mesh: Any,
    names: tuple[str, ...],
    fit_fns: tuple[Callable, ...],
    score_fns: tuple[Callable, ...],
    where: str,
) -> float:
    """Raises ``ValueError`` naming the configuration whose ``fit_fn`` depends on, or whose
    ``score_fn`` reads, rows of weight 0; returns the seconds the check took.

    As :func:`fnn.cv.cross_validate`'s check: the compiled program runs its first chunk
    once more (no compilation) with the held-out rows of one fold replaced
    (:func:`fnn.cv.guards.probe_data`); an honest configuration returns bitwise the same parameters and
    training score for that fold. The fold is the first of the chunk where the most
    configurations trained healthily. A difference counts as a leak when a control run on
    the original data reproduces the run bitwise, or differs 10 times less than the probe
    (non-deterministic reductions); otherwise a ``RuntimeWarning`` says the check was
    inconclusive.
    """
    t0 = time.perf_counter()
    outputs, first = result.outputs, result.plan.chunk_size
    healthy = np.stack(
        [np.asarray(o[4].finite_params)[:first] & (np.asarray(o[4].diverged_epoch)[:first] < 0) for o in outputs]
    )
    if not healthy.any():  # nothing trained well enough to compare; fold health says why
        return time.perf_counter() - t0
    e = int(np.argmax(healthy.sum(axis=0)))
    subjects: list[list[guards.Check]] = []
    for c in range(len(names)):
        checks: list[guards.Check] = []
        if healthy[c, e]:
            checks.append((functools.partial(_output, c, 0), guards.FIT_LEAKS))  # output 0: the parameters
            if outputs[c][3] is not None and np.isfinite(outputs[c][3][e]):
                checks.append((functools.partial(_output, c, 3), guards.SCORE_LEAKS))  # 3: the training score
        subjects.append(checks)
    verdicts, fold = guards.leak_verdicts(result, args, split, mesh, e, subjects)
    for c, verdict in enumerate(verdicts):
        if verdict == guards.FIT_LEAKS:
            raise ValueError(
                f"{where}: the fit_fn of configuration {names[c]!r} ({guards.function_name(fit_fns[c])}) reads rows "
                f"it must not: the parameters of fold {fold} changed when only its held-out rows (weight 0) were "
                "replaced, so test rows leak into training and that configuration's scores are optimistic. Pass "
                "the weights wherever fit_fn reads X or y (fnn.datasets.standardize(X, weights=w), "
                "fnn.train.fit(..., weights=w)); if it is meant to see every row, pass check_leakage=False."
            )
        if verdict == guards.SCORE_LEAKS:
            raise ValueError(
                f"{where}: the score_fn of configuration {names[c]!r} ({guards.function_name(score_fns[c])}) reads "
                f"rows of weight 0: fold {fold}'s training score changed when only its held-out rows were replaced, "
                "with the same parameters. score_fn(params, X, y, weights) must score the rows where weights is 1 "
                "only, e.g. metrics.accuracy(y, pred, weights=w); pass check_leakage=False to skip this check."
            )
    if np.any(verdicts == guards.INCONCLUSIVE):
        warnings.warn(
            f"{where}: the leakage check is inconclusive for "
            + ", ".join(repr(names[c]) for c in np.flatnonzero(verdicts == guards.INCONCLUSIVE))
            + ": the compiled program gives different results when run twice on the same data on this platform "
            "and the probe differed by no more than that. Pass check_leakage=False to skip it, or run it on CPU",
            RuntimeWarning,
            stacklevel=3,
        )
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- the tests


def holm(p_values: ArrayLike) -> np.ndarray:
    r"""Holm's step-down adjustment of ``m`` p-values for testing them together.

    With the p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`, the adjusted ones are

    .. math:: \tilde p_{(i)} = \max_{j \le i} \min\bigl(1, (m - j + 1)\, p_{(j)}\bigr),

    returned in the input's order. Rejecting every hypothesis with :math:`\tilde p \le
    \alpha` keeps the probability of any false rejection at most :math:`\alpha`, whatever
    the dependence between the tests (pairwise comparisons on the same folds are
    dependent); it rejects everything Bonferroni's :math:`m p` rejects, and more.

    Example:
      >>> holm([0.01, 0.04, 0.03]).round(4).tolist()
      [0.03, 0.06, 0.06]

    Reference:
      S. Holm (1979). A simple sequentially rejective multiple test procedure.
      *Scandinavian Journal of Statistics*, 6(2), 65–70.
    """
    p = np.asarray(p_values, np.float64).reshape(-1)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def _pair_test(test: str, a: np.ndarray, b: np.ndarray, n_train: float, n_test: float) -> Any:
    if test == "corrected_resampled_ttest":
        return stats.corrected_resampled_ttest(a, b, n_train=n_train, n_test=n_test)
    if test == "combined_ftest_5x2cv":
        return stats.combined_ftest_5x2cv(a.reshape(5, 2), b.reshape(5, 2))
    return stats.paired_ttest_5x2cv(a.reshape(5, 2), b.reshape(5, 2))


# --------------------------------------------------------------------------- compare


def compare(
    configurations: Mapping[str, Callable[..., Any]],
    score_fn: Callable[[Params, Array, Array, Array], Array] | Mapping[str, Callable[..., Array]],
    X: ArrayLike,
    y: ArrayLike,
    cv: Any = 5,
    *,
    key: PRNGKey,
    test: str = "auto",
    alpha: float = 0.05,
    correction: str | None = "holm",
    greater_is_better: bool = True,
    return_train_score: bool = False,
    check_leakage: bool = True,
    chunk_size: int | str | None = "auto",
    devices: Any = None,
    compiler_options: Any = "auto",
) -> dict[str, Any]:
    r"""Trains several configurations on the same folds in one program and tests every pair.

    Each configuration is a ``fit_fn(key, X, y, weights) -> params`` (or ``(params,
    fnn.train.History)``), exactly as :func:`~fnn.cv.cross_validate` takes it: one per
    optimizer, architecture or anything else that changes. All of them, on every fold,
    are traced into one program (one per fold: the configurations one after the other,
    each with its own parameters, so their shapes may differ) and compiled once.
    Configuration ``c`` of fold ``k`` draws ``jax.random.split(key, K)[k]``, as
    ``cross_validate(configurations[c], ...)`` with the same key does: it computes the
    same scores (bitwise in the tests, on CPU), and every configuration of a fold shares
    its key (the same initial weights for the same architecture).

    Then every pair ``(a, b)`` (``a`` before ``b`` in ``configurations``) is tested on
    the per-fold differences ``scores[a] - scores[b]`` with the test ``test`` names
    (module docstring: ``"auto"`` is Alpaydin's combined F-test for 5×2cv folds and Nadeau
    and Bengio's corrected resampled t-test otherwise, with the folds' mean training and
    test sizes). With more than one pair the p-values are also Holm-adjusted
    (:func:`holm`), and the verdicts are decided on the adjusted ones.

    Checked before anything compiles: at least 2 configurations with distinct names,
    at least 2 folds, every fold with at least one training and one test row
    (``n_test > 0``), 5×2cv folds for the 5×2cv tests. A ``score_fn`` that returns more
    than a scalar is refused while tracing, naming the configuration. After the run: the
    leakage check (a configuration whose ``fit_fn`` or ``score_fn`` reads rows of weight
    0 raises ``ValueError`` naming it), each fold's status, and a NaN or infinite test
    score is refused with a ``ValueError`` naming the configuration and the fold (never
    turned into a p-value); folds that diverged with finite parameters raise one
    ``RuntimeWarning`` and are tested as they scored.

    Args:
      configurations: ``{name: fit_fn}``, at least 2, in the order the pairs are tested.
      score_fn: ``score_fn(params, X, y, weights) -> ()`` (the same for every configuration,
        e.g. an accuracy), or ``{name: score_fn}`` with the same names (architectures whose
        parameters are applied differently).
      X, y, cv, key: as :func:`~fnn.cv.cross_validate` (``cv=K``: stratified K-fold for
        class labels, K-fold otherwise, both unshuffled; pass shuffled folds for ordered
        data, or ``fnn.cv.repeated_kfold(n, 2, 5, key=...)`` for 5×2cv).
      test: one of :data:`TESTS`.
      alpha: the significance level of the verdicts.
      correction: ``"holm"`` (adjust for the number of pairs) or ``None``.
      greater_is_better: False when the score is a loss (the verdict says the lower is better).
      return_train_score: also return each configuration's training scores.
      check_leakage, chunk_size, devices, compiler_options: as :func:`~fnn.cv.cross_validate`
        (the leakage check probes one fold of the first chunk for every configuration).

    Returns:
      a dict: ``names`` (the configurations, in order); ``test_score``, ``mean`` and
      ``std`` (``ddof=0``), ``status``, ``train_score`` (if asked), each ``{name: ...}``
      with numpy ``(K,)`` per-fold values (``mean`` and ``std`` floats); ``pairs``, one dict
      per pair with ``a``, ``b``, ``statistic``, ``p_value`` (the test's, as :mod:`fnn.stats`
      computes it from these scores), ``p_adjusted`` (Holm's, or ``p_value`` without a
      correction), ``mean_difference`` (``mean[a] - mean[b]``), ``significant`` (``p_adjusted
      <= alpha``), ``verdict`` (:func:`fnn.stats.verdict`'s sentence, at ``p_adjusted``) and
      ``result`` (the full :mod:`fnn.stats` result); ``verdicts`` (the sentences, in
      order); ``test``, ``alpha``, ``correction``, ``cv`` (the folds used), ``n_folds``,
      ``n_train`` and ``n_test`` (mean rows per fold), ``total_fit_time``,
      ``compile_time``, ``leakage_check_time``.

    Example:
      Least squares by plain gradient descent at two learning rates, 5×2cv:

      >>> import jax, jax.numpy as jnp, optax
      >>> from fnn import cv, train
      >>> X = jnp.linspace(-1, 1, 40)[:, None]
      >>> y = 2 * X[:, 0] + 0.1 * jnp.sin(9 * X[:, 0])
      >>> def gd(lr):
      ...     def fit_fn(key, X, y, w):
      ...         loss = lambda p, X, y: (X @ p - y) ** 2
      ...         return train.fit(loss, jnp.zeros(1), optax.sgd(lr), X, y, epochs=20, weights=w)[0]
      ...     return fit_fn
      >>> def score_fn(p, X, y, w):  # minus the mean squared error of the rows w selects
      ...     return -jnp.sum(w * (X @ p - y) ** 2) / jnp.sum(w)
      >>> folds = cv.repeated_kfold(40, 2, 5, key=jax.random.key(1))
      >>> out = cv.compare({"lr 0.5": gd(0.5), "lr 0.01": gd(0.01)}, score_fn, X, y, folds,
      ...                  key=jax.random.key(0))
      >>> out["test"], out["verdicts"]
      ('combined_ftest_5x2cv', ['lr 0.5 is better than lr 0.01 at p = 0.00535'])

    References:
      T. G. Dietterich (1998), *Neural Computation* 10(7); E. Alpaydin (1999), *Neural
      Computation* 11(8); C. Nadeau and Y. Bengio (2003), *Machine Learning* 52(3);
      R. R. Bouckaert and E. Frank (2004), *PAKDD*, LNCS 3056.
    """
    where = "compare"
    names, fit_fns, score_fns = _check_configurations(configurations, score_fn, where)
    for name, value in (
        ("greater_is_better", greater_is_better),
        ("return_train_score", return_train_score),
        ("check_leakage", check_leakage),
    ):
        _check_bool(value, name, where)
    alpha = _check_probability(alpha, "alpha", where)
    if correction not in _CORRECTIONS:
        raise ValueError(f"{where}: correction must be 'holm' or None, got {correction!r}")
    chunk_size = engine.check_chunk_size(chunk_size, where)
    X, y = guards.check_data(X, y, where)
    check_key(key, where)
    engine.check_compiler_options(compiler_options, where)
    mesh = engine.device_mesh(devices, where=where)
    split, description = check_cv(cv, X, y, X.shape[0], where)
    K = split.n_folds
    if K < 2:
        raise ValueError(
            f"{where}: needs at least 2 folds to estimate the variance of a difference, got {K} ({description}); "
            "use cv=K, a repeated_kfold or 5x2cv folds, or, for one hold-out split, fnn.stats.mcnemar on the "
            "two models' predictions"
        )
    train_sizes, test_sizes = _check_fold_sizes(split, where)
    test = _choose_test(test, is_five_by_two(split), description, where)

    with_train = return_train_score or check_leakage
    # program.arguments lays out the shared data and the folds; its static part is cross_validate's, not ours
    args = program.arguments(fit_fns[0], score_fns[0], X, y, split, key, None, return_train_score=with_train)
    static = dict(fit_fns=fit_fns, score_fns=score_fns, names=names, return_train_score=with_train, n_folds=K)
    result = engine.run(
        _configurations_chunk,
        args.shared,
        args.entries,
        static=static,
        mesh=mesh,
        chunk_size=chunk_size,
        compiler_options=compiler_options,
        where=where,
    )
    check_time = _check_leakage(result, args, split, mesh, names, fit_fns, score_fns, where) if check_leakage else 0.0

    outputs = dict(zip(names, result.outputs, strict=True))  # name -> (params, history, test, train, health)
    scores = {name: np.asarray(outputs[name][2]) for name in names}
    train = {name: np.asarray(outputs[name][3]) for name in names} if with_train else {}
    status = {}
    for name in names:
        shown = {"test score": scores[name], **({"train score": train[name]} if return_train_score else {})}
        status[name] = guards.statuses(outputs[name][4], shown)
    _refuse_non_finite(where, names, scores, status)
    _warn_unhealthy(where, names, status)

    n_train, n_test = float(np.mean(train_sizes)), float(np.mean(test_sizes))
    means = {name: float(np.mean(scores[name].astype(np.float64))) for name in names}
    names_of_pairs = list(itertools.combinations(names, 2))
    results = [_pair_test(test, scores[a], scores[b], n_train, n_test) for a, b in names_of_pairs]
    raw = np.array([float(r[1]) for r in results])
    adjusted = holm(raw) if correction == "holm" else raw
    pairs = []
    for (a, b), r, p in zip(names_of_pairs, results, adjusted, strict=True):
        pairs.append(
            {
                "a": a,
                "b": b,
                "statistic": float(r[0]),
                "p_value": float(r[1]),
                "p_adjusted": float(p),
                "mean_difference": means[a] - means[b],
                "significant": bool(p <= alpha),
                "verdict": stats.verdict(a, b, means[a], means[b], float(p), alpha, higher_is_better=greater_is_better),
                "result": r,
            }
        )
    out: dict[str, Any] = {
        "names": list(names),
        "test_score": scores,
        "mean": means,
        "std": {name: float(np.std(scores[name].astype(np.float64))) for name in names},
        "status": status,
    }
    if return_train_score:
        out["train_score"] = train
    out.update(
        pairs=pairs,
        verdicts=[p["verdict"] for p in pairs],
        test=test,
        alpha=alpha,
        correction=correction,
        cv=description,
        n_folds=K,
        n_train=n_train,
        n_test=n_test,
        total_fit_time=result.run_time,
        compile_time=result.compile_time,
        leakage_check_time=check_time,
    )
    return out


# --------------------------------------------------------------------------- nested cross-validation


def _check_grid(grid: Any, where: str) -> None:
    if not isinstance(grid, Mapping) or not grid:
        raise TypeError(f"{where}: grid must be a non-empty dict name -> list of values, got {type(grid).__name__}")
    for name, values in grid.items():
        a = np.asarray(values)
        if a.ndim != 1 or a.size == 0 or a.dtype.kind not in "iuf":
            raise TypeError(
                f"{where}: grid[{name!r}] must be a non-empty list of numbers (a static hyperparameter such as "
                f"a layer width changes shapes: loop over it), got {values!r}"
            )


def _check_inner_cv(inner_cv: Any, where: str) -> None:
    usable = (
        (isinstance(inner_cv, numbers.Integral) and not isinstance(inner_cv, bool))
        or (isinstance(inner_cv, str) and inner_cv == "loo")
        or (hasattr(inner_cv, "split") and not isinstance(inner_cv, (Split, MaskSplit)))
    )
    if not usable:
        raise TypeError(
            f"{where}: inner_cv must be an int K, 'loo' or a scikit-learn splitter (an object with split()), "
            "applied to each outer fold's training rows in their order; a fixed split or list of index pairs "
            f"cannot be, since each outer fold trains on other rows; got {type(inner_cv).__name__} {inner_cv!r}"
        )


def _nested_split(outer: Split | MaskSplit, inner_cv: Any, X: Any, y: Any, where: str) -> tuple[MaskSplit, int, str]:
    """Every inner fold of every outer fold, then every outer fold, as masks over all rows.

    Inner fold ``i`` of outer fold ``o`` (entry ``o * K_inner + i``) tests the rows that
    ``inner_cv`` puts in its test set when it splits the outer fold's training rows, in
    ascending order (scikit-learn's ``GridSearchCV`` on ``X[train]``), and trains on the
    rest of the outer fold's training rows; entry ``K_outer * K_inner + o`` is outer fold
    ``o`` itself.
    """
    X_host, y_host = np.asarray(X), np.asarray(y)
    n = X_host.shape[0]
    inner_train, inner_test, outer_train, outer_test = [], [], [], []
    k_inner, inner_description = None, ""
    for o, (train_rows, test_rows) in enumerate(outer.split()):
        if train_rows.size == 0 or test_rows.size == 0:
            raise ValueError(f"{where}: outer fold {o} has {train_rows.size} training and {test_rows.size} test rows")
        inner, inner_description = check_cv(
            inner_cv, X_host[train_rows], y_host[train_rows], train_rows.size, f"{where} (outer fold {o})"
        )
        if k_inner is None:
            k_inner = inner.n_folds
        elif inner.n_folds != k_inner:
            raise ValueError(
                f"{where}: inner_cv gave {k_inner} folds in outer fold 0 but {inner.n_folds} in outer fold {o}; "
                "every outer fold needs the same number of inner folds"
            )
        for i, (inner_train_rows, inner_test_rows) in enumerate(inner.split()):
            if inner_train_rows.size == 0 or inner_test_rows.size == 0:
                raise ValueError(f"{where}: inner fold {i} of outer fold {o} has no training or no test rows")
            train_mask, test_mask = np.zeros(n, bool), np.zeros(n, bool)
            train_mask[train_rows[inner_train_rows]] = True
            test_mask[train_rows[inner_test_rows]] = True
            inner_train.append(train_mask)
            inner_test.append(test_mask)
        train_mask, test_mask = np.zeros(n, bool), np.zeros(n, bool)
        train_mask[train_rows], test_mask[test_rows] = True, True
        outer_train.append(train_mask)
        outer_test.append(test_mask)
    split = MaskSplit(np.stack(inner_train + outer_train), np.stack(inner_test + outer_test))
    return split, int(k_inner or 0), inner_description


def nested_cross_validate(
    fit_fn: Callable[..., Any],
    score_fn: Callable[[Params, Array, Array, Array], Array],
    X: ArrayLike,
    y: ArrayLike,
    grid: Mapping[str, Iterable[float]],
    *,
    outer_cv: Any = 5,
    inner_cv: Any = 5,
    key: PRNGKey,
    greater_is_better: bool = True,
    check_leakage: bool = True,
    chunk_size: int | str | None = "auto",
    devices: Any = None,
    compiler_options: Any = "auto",
) -> dict[str, Any]:
    r"""Nested cross-validation of a grid search: outer folds × inner folds × settings, in one program.

    For each outer fold: the grid search cross-validates every setting on the inner
    folds, which split the outer fold's *training* rows only; the setting with the best
    mean inner score is chosen (ties go to the first setting in grid order), refit on the
    outer fold's training rows and scored on its test rows. The outer test scores then
    estimate how well the whole procedure, tuning included, generalises, which the best
    score of a plain grid search overstates (it chose the setting on those very folds).
    It equals scikit-learn's ``cross_val_score(GridSearchCV(estimator, {name: values},
    cv=inner_cv, scoring=s), X, y, cv=outer_cv)`` (tested with ridge regression, to 1e-8 in
    float64).

    The inner folds split each outer fold's training rows by position, in ascending row
    order, as scikit-learn's ``GridSearchCV`` splits ``X[train]``: ``inner_cv=K`` is K-fold
    (stratified K-fold for integer class labels, as ``cv=K`` everywhere in fnn.cv),
    ``"loo"`` is leave-one-out, a scikit-learn splitter is asked for ``split(X[train],
    y[train])``. Every inner fold and every outer fold is a weight vector over the whole
    data set, so all of them, for every setting, train in one :func:`~fnn.cv.grid_search`
    program, compiled once. That program fits every setting on every outer fold (not only
    the chosen one) and the choice is made afterwards on the host: ``S * K_outer`` fits
    instead of ``K_outer`` for the refits, at most ``1 / (K_inner + 1)`` more fits in all,
    for one compilation instead of two. The fits of the settings not chosen are never
    reported: their outer test scores must not inform the choice.

    Keys: entry ``e`` of that program (below) draws ``jax.random.split(key, K_outer *
    K_inner + K_outer)[e]``, the same for every setting. The guards of
    :func:`~fnn.cv.grid_search` apply (leakage check, fold health). Its warnings number
    the folds of the joint split: fold ``o * K_inner + i`` is inner fold ``i`` of outer fold
    ``o``, fold ``K_outer * K_inner + o`` is outer fold ``o``.

    Args:
      fit_fn: ``fit_fn(key, X, y, weights, hyperparams) -> params`` (or ``(params,
        History)``), with ``hyperparams`` a dict of traced scalars, as :func:`~fnn.cv.grid_search`'s.
      score_fn: ``score_fn(params, X, y, weights) -> ()``, used for the choice and the outer score.
      X, y: as :func:`~fnn.cv.cross_validate`.
      grid: ``{name: [values, ...]}``, numbers only; settings in scikit-learn's
        ``ParameterGrid`` order (names sorted, the last varying fastest).
      outer_cv: the outer folds: anything ``cv=`` of :func:`~fnn.cv.cross_validate` takes.
      inner_cv: an int K, ``"loo"`` or a scikit-learn splitter, applied to each outer fold's
        training rows; it must give every outer fold the same number of folds.
      key: root PRNG key.
      greater_is_better: False when the score is a loss (the lowest mean inner score wins).
      check_leakage, chunk_size, devices, compiler_options: as :func:`~fnn.cv.grid_search`.

    Returns:
      a dict: ``test_score`` ``(K_outer,)`` (the chosen setting's score on each outer
      fold's test rows), ``best_index`` ``(K_outer,)`` and ``best_params`` (a list of
      ``K_outer`` setting dicts), ``params`` (the ``S`` settings), ``inner_test_score``
      ``(K_outer, S, K_inner)``, ``mean_inner_score`` ``(K_outer, S)``, ``status``
      ``(K_outer,)`` (the chosen refits'), ``inner_status`` ``(K_outer, S, K_inner)``,
      ``outer_cv`` and ``inner_cv`` (the folds used), ``total_fit_time``, ``compile_time``,
      ``leakage_check_time``.

    Example:
      Ridge regression's penalty chosen inside each of 3 outer folds:

      >>> import jax, jax.numpy as jnp
      >>> from fnn import cv
      >>> X = jnp.linspace(-1, 1, 30)[:, None]
      >>> y = 2 * X[:, 0] + 0.3 * jnp.cos(7 * X[:, 0])
      >>> def fit_fn(key, X, y, w, hyperparams):  # weighted ridge through the origin
      ...     return jnp.sum(w * X[:, 0] * y) / (jnp.sum(w * X[:, 0] ** 2) + hyperparams["alpha"])
      >>> def score_fn(slope, X, y, w):
      ...     return -jnp.sum(w * (slope * X[:, 0] - y) ** 2) / jnp.sum(w)
      >>> out = cv.nested_cross_validate(fit_fn, score_fn, X, y, {"alpha": [0.0, 100.0]},
      ...                                outer_cv=3, inner_cv=2, key=jax.random.key(0))
      >>> out["best_params"]
      [{'alpha': 0.0}, {'alpha': 0.0}, {'alpha': 0.0}]
      >>> out["test_score"].shape, out["inner_test_score"].shape
      ((3,), (3, 2, 2))
    """
    where = "nested_cross_validate"
    if not callable(fit_fn):
        raise TypeError(f"{where}: fit_fn must be callable fit_fn(key, X, y, weights, hyperparams) -> params")
    if not callable(score_fn):
        raise TypeError(f"{where}: score_fn must be callable score_fn(params, X, y, weights) -> scalar")
    _check_grid(grid, where)
    _check_bool(greater_is_better, "greater_is_better", where)
    _check_bool(check_leakage, "check_leakage", where)
    engine.check_chunk_size(chunk_size, where)
    engine.check_compiler_options(compiler_options, where)
    engine.device_mesh(devices, where=where)  # checked here, built again by grid_search
    X, y = guards.check_data(X, y, where)
    check_key(key, where)
    _check_inner_cv(inner_cv, where)
    outer, outer_description = check_cv(outer_cv, X, y, X.shape[0], where)
    split, k_inner, inner_description = _nested_split(outer, inner_cv, X, y, where)
    k_outer = outer.n_folds
    out = grid_search(
        fit_fn,
        score_fn,
        X,
        y,
        split,
        dict(grid),
        key=key,
        greater_is_better=greater_is_better,
        check_leakage=check_leakage,
        chunk_size=chunk_size,
        devices=devices,
        compiler_options=compiler_options,
    )
    n_inner = k_outer * k_inner
    scores, status = np.asarray(out["test_score"]), np.asarray(out["status"])
    S = scores.shape[0]
    inner = scores[:, :n_inner].reshape(S, k_outer, k_inner).transpose(1, 0, 2)
    refits = scores[:, n_inner:].T  # (K_outer, S): every setting refit on every outer fold
    with np.errstate(invalid="ignore"):  # an infinite inner score: a NaN mean, never chosen
        mean = inner.astype(np.float64).mean(axis=2)
    signed = np.where(np.isfinite(mean), mean if greater_is_better else -mean, -np.inf)
    for o in np.flatnonzero(np.all(~np.isfinite(mean), axis=1)):
        raise ValueError(
            f"{where}: no setting has a finite mean inner score in outer fold {o}, so none can be chosen; "
            "the grid search's warning names the unhealthy folds"
        )
    best = np.argmax(signed, axis=1)  # the first of equal means: ties go to the first setting
    rows = np.arange(k_outer)
    return {
        "test_score": refits[rows, best],
        "best_index": best,
        "best_params": [out["params"][int(s)] for s in best],
        "params": out["params"],
        "inner_test_score": inner,
        "mean_inner_score": mean,
        "status": status[:, n_inner:].T[rows, best],
        "inner_status": status[:, :n_inner].reshape(S, k_outer, k_inner).transpose(1, 0, 2),
        "outer_cv": outer_description,
        "inner_cv": inner_description,
        "total_fit_time": out["total_fit_time"],
        "compile_time": out["compile_time"],
        "leakage_check_time": out["leakage_check_time"],
    }
