"""Comparing optimizers: is fnn's Adam better than optax's? A test on the same folds, not mean ± std.

"Is my optimizer better than optax's Adam on this task?" is not answered by two means ±
standard deviations over folds: the folds' training sets overlap, so their scores are
correlated and their spread understates the uncertainty. This experiment trains an MLP
on digits (``--dataset`` for another) with fnn's Adam, optax's Adam, torch's Adam
settings (``fnn.optim.from_torch("Adam", lr=...)``) and plain SGD, all at the same
learning rate, with :func:`fnn.cv.compare`: every optimizer on the same folds with the
same initial weights, all of them in one compiled program, and every pair tested with a
test made for cross-validation (Alpaydin's combined 5×2cv F-test, or Nadeau and Bengio's
corrected resampled t-test for repeated 10-fold), the p-values Holm-adjusted over the
six pairs.

The three Adams compute the same update (to float rounding), so a sound test finds no
difference among them; SGD at Adam's learning rate has barely started in the same number
of epochs, a difference the test must find. Each fold standardises the inputs with the
statistics of its own training rows.

Example::

  python -m experiments.comparison                       # 5x2cv on digits
  python -m experiments.comparison --full                # 10 x 10-fold, corrected t-test, 200 epochs
  python -m experiments.comparison --dataset breast_cancer   # a smaller gap: can 10 folds find it?
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments import _common
from experiments._common import Lesson, option
from fnn import cv, datasets, losses, metrics, mlp, optim, train

NAME = "comparison"
TITLE = "Comparing optimizers: a test on the same folds, not mean ± std"

#: the classification data sets and their rows (digits by default: 8x8 images, ten classes)
DATA = {"breast_cancer": 569, "digits": 1797, "wine": 178, "iris": 150}
#: the fold designs: 5x2cv (combined F-test) and 10 x 10-fold (corrected resampled t-test)
FOLDS = ("5x2", "10x10")
#: the optimizers compared, in the order of the pairs
OPTIMIZERS = ("fnn adam", "optax adam", "torch Adam", "sgd")
ADAMS = OPTIMIZERS[:3]


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "root seed: the folds' shuffles and the networks' initial weights")
    dataset: str = option("digits", "data set (classification)", choices=DATA)
    folds: str = option("10x10", "fold design: 5x2 (combined F-test) or 10x10 (corrected t-test)", choices=FOLDS)
    hidden: int = option(16, "hidden units of the one-hidden-layer ReLU MLP", at_least=1)
    epochs: int = option(200, "full-batch training epochs per fold", at_least=1)
    lr: float = option(0.01, "learning rate of every optimizer", greater_than=0)
    alpha: float = option(0.05, "significance level of the verdicts", greater_than=0, at_most=0.5)


QUICK = Config(folds="5x2", epochs=100)


# --------------------------------------------------------------------------- the task


def optimizers(lr: float) -> dict[str, optax.GradientTransformation]:
    """The optimizers compared, each at learning rate ``lr``."""
    return {
        "fnn adam": optim.adam(lr),
        "optax adam": optax.adam(lr),
        "torch Adam": optim.from_torch("Adam", lr=lr),  # torch.optim.Adam(params, lr=lr)
        "sgd": optim.sgd(lr),
    }


def make_task(config: Config, n_features: int, n_classes: int):
    """One ``fit_fn`` per optimizer (standardise on the fold's training rows, then train the MLP)
    and the ``score_fn`` they share (test accuracy)."""
    net = mlp.MLP([n_features, config.hidden, n_classes], activation="relu")

    def loss_fn(params, X, y):
        return losses.cross_entropy(net.apply(params, X), y, reduction="none")

    def fit_with(optimizer):
        def fit_fn(key, X, y, weights):
            Xs, mean, std = datasets.standardize(X, weights=weights)  # the training rows' statistics only
            params, history = train.fit(loss_fn, net.init(key), optimizer, Xs, y, epochs=config.epochs, weights=weights)
            return {"net": params, "mean": mean, "std": std}, history

        return fit_fn

    def score_fn(params, X, y, weights):
        logits = net.apply(params["net"], (X - params["mean"][None, :]) / params["std"][None, :])
        return metrics.accuracy(y, jnp.argmax(logits, axis=1), weights=weights)

    return {name: fit_with(o) for name, o in optimizers(config.lr).items()}, score_fn


def folds_of(config: Config, n: int, key) -> cv.MaskSplit:
    """5 repetitions of 2-fold, or 10 repetitions of 10-fold, each shuffled (repetition by repetition)."""
    return cv.repeated_kfold(n, 2, 5, key=key) if config.folds == "5x2" else cv.repeated_kfold(n, 10, 10, key=key)


# --------------------------------------------------------------------------- compute


def compute(config: Config) -> dict:
    """Every optimizer on the same folds in one program, and every pair tested."""
    _common.check_config(config)
    split_key, init_key = jax.random.split(jax.random.key(config.seed))
    X, y = datasets.load(config.dataset)
    n_classes = int(np.max(np.asarray(y))) + 1
    configurations, score_fn = make_task(config, int(X.shape[1]), n_classes)
    split = folds_of(config, int(X.shape[0]), split_key)
    programs: list[str] = []  # XLA programs built: compiled, or loaded from the persistent cache
    cache_hits: list[str] = []

    def on_program(event: str, _seconds: float, **_: object) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            programs.append(event)

    def on_event(event: str, **_: object) -> None:
        if event == "/jax/compilation_cache/cache_hits":
            cache_hits.append(event)

    jax.monitoring.register_event_duration_secs_listener(on_program)
    jax.monitoring.register_event_listener(on_event)
    try:
        with _common.progress(NAME, total=1) as step:
            step(f"{len(configurations)} optimizers x {split.n_folds} folds on {config.dataset}")
            out = cv.compare(configurations, score_fn, X, y, split, key=init_key, alpha=config.alpha)
    finally:
        jax.monitoring.unregister_event_duration_listener(on_program)
        jax.monitoring.unregister_event_listener(on_event)
    return {
        "dataset": config.dataset,
        "n": int(X.shape[0]),
        "names": out["names"],
        "test_score": out["test_score"],
        "mean": out["mean"],
        "std": out["std"],
        "status": {name: s.tolist() for name, s in out["status"].items()},
        "pairs": [{k: v for k, v in p.items() if k != "result"} for p in out["pairs"]],
        "verdicts": out["verdicts"],
        "test": out["test"],
        "alpha": out["alpha"],
        "n_folds": out["n_folds"],
        "n_train": out["n_train"],
        "n_test": out["n_test"],
        "compile_seconds": float(out["compile_time"]),
        "fit_seconds": float(out["total_fit_time"]),
        "programs": len(programs),
        "cache_hits": len(cache_hits),
    }


# --------------------------------------------------------------------------- lessons


def _pair(results: dict, a: str, b: str) -> dict:
    return next(p for p in results["pairs"] if {p["a"], p["b"]} == {a, b})


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3g}"


TESTS = {
    "combined_ftest_5x2cv": "5×2cv combined F-test",
    "paired_ttest_5x2cv": "5×2cv paired t-test",
    "corrected_resampled_ttest": "corrected resampled t-test",
}


def lessons(results: dict) -> list[Lesson]:
    """The experiment's claims, checked against this run."""
    test, mean, scores = TESTS[results["test"]], results["mean"], results["test_score"]
    out = []
    against_sgd = [_pair(results, adam, "sgd") for adam in ADAMS]
    found = all(p["significant"] and mean[p["a"] if p["b"] == "sgd" else p["b"]] > mean["sgd"] for p in against_sgd)
    worst = max(p["p_adjusted"] for p in against_sgd)
    low, high = min(mean[a] for a in ADAMS), max(mean[a] for a in ADAMS)
    adams = f"{low:.3f}" if f"{low:.3f}" == f"{high:.3f}" else f"{low:.3f} to {high:.3f}"
    if found:
        text = (
            f"SGD at Adam's learning rate scores {mean['sgd']:.3f} in mean test accuracy against the Adams' "
            f"{adams}, and the {test} finds the difference against every Adam (Holm-adjusted {_p(worst)} at "
            f"most, α = {results['alpha']:g})."
        )
    else:
        text = (
            f"SGD scores {mean['sgd']:.3f} against the Adams' {adams}, but the {test} does not find the "
            f"difference against every Adam (largest Holm-adjusted p = {worst:.3g} > α = {results['alpha']:g}): "
            "with these folds the gap is within the spread of the per-fold differences."
        )
    out.append(Lesson("finds_the_real_difference", found, text))

    within = [_pair(results, a, b) for i, a in enumerate(ADAMS) for b in ADAMS[i + 1 :]]
    none_found = not any(p["significant"] for p in within)
    largest = max(float(np.max(np.abs(np.asarray(scores[p["a"]]) - np.asarray(scores[p["b"]])))) for p in within)
    identical = sum(int(np.sum(np.asarray(scores[p["a"]]) == np.asarray(scores[p["b"]]))) for p in within)
    total = sum(len(scores[p["a"]]) for p in within)
    smallest_p = min(p["p_adjusted"] for p in within)
    agree = (
        f"fnn's Adam, optax's and torch's settings (fnn.optim.from_torch) compute the same update to float "
        f"rounding: their per-fold test accuracies are identical on {identical} of {total} fold-pairs "
        + ("" if largest == 0 else f"and differ by at most {largest:.3g} elsewhere ")
    )
    if none_found:
        text = agree + f"and the test finds no difference between any two of them (smallest {_p(smallest_p)})."
    else:
        text = agree + (
            f"yet the test calls a pair of them different ({_p(smallest_p)}): a false positive at α = "
            f"{results['alpha']:g}."
        )
    out.append(Lesson("no_false_difference", none_found, text))

    n_fits = len(results["names"]) * results["n_folds"]
    programs, hits = results["programs"], results["cache_hits"]
    once = programs <= 1
    if programs == 1:
        how = "loaded from the persistent compilation cache" if hits else "compiled once"
    else:
        how = f"built {programs} times"
    text = (
        f"All {n_fits} trainings ({len(results['names'])} optimizers x {results['n_folds']} folds, "
        f"the same folds and initial weights for each) ran as one program, {how} "
        f"({results['compile_seconds']:.1f} s to trace and build, {results['fit_seconds']:.2f} s to train and score)."
    )
    out.append(Lesson("one_program", once, text))
    return out


# --------------------------------------------------------------------------- render


def _folds_name(results: dict) -> str:
    return (
        "5×2cv (5 repetitions of 2-fold)"
        if results["test"] != "corrected_resampled_ttest"
        else (f"{results['n_folds'] // 10} repetitions of 10-fold")
    )


def render(results: dict, config: Config, workdir: str | Path) -> dict:
    """The figure, the tables and the summary; returns the metrics."""
    workdir = Path(workdir)
    found = lessons(results)
    by_name = {lesson.name: lesson for lesson in found}
    names, mean, std = results["names"], results["mean"], results["std"]
    summary = _common.Summary(
        TITLE,
        f"{results['dataset']} ({results['n']} rows), MLP {config.hidden} ReLU, {config.epochs} full-batch epochs, "
        f"learning rate {config.lr:g} for every optimizer; {_folds_name(results)}, every fold standardised on its "
        f"training rows; {TESTS[results['test']]}, p-values Holm-adjusted over the {len(results['pairs'])} pairs. "
        "The answer, in words: " + "; ".join(results["verdicts"]) + ".",
    )
    _figure(results, config, workdir)
    summary.figure(
        "comparison.png",
        "Left: each optimizer's test accuracy on every fold (one grey line per fold joins its scores: the "
        "comparison is paired) and its mean (black diamond). Right: the Holm-adjusted p-value of each pair, "
        f"shaded where it is at most α = {results['alpha']:g}. "
        + by_name["finds_the_real_difference"].text
        + " "
        + by_name["no_false_difference"].text,
    )
    rows = [[name, mean[name], std[name], float(np.min(results["test_score"][name])),
             float(np.max(results["test_score"][name]))] for name in names]  # fmt: skip
    header = ["optimizer", "mean test accuracy", "std over folds", "min", "max"]
    _common.write_csv(workdir / "scores.csv", header, rows)
    summary.table(
        header,
        rows,
        "Mean ± std over the folds. They describe the folds; they do not answer which optimizer is better, "
        "because the folds share training rows (see the tests below).",
        csv_name="scores.csv",
    )
    pair_header = ["A", "B", "mean A − B", "statistic", "p", "p (Holm)", "verdict"]
    pair_rows = [
        [p["a"], p["b"], p["mean_difference"], p["statistic"], p["p_value"], p["p_adjusted"], p["verdict"]]
        for p in results["pairs"]
    ]
    _common.write_csv(workdir / "pairs.csv", pair_header, pair_rows)
    summary.table(
        pair_header,
        pair_rows,
        f"Every pair, {TESTS[results['test']]} on the per-fold differences. " + by_name["one_program"].text,
        csv_name="pairs.csv",
        digits=3,
    )
    fold_rows = [[k + 1, *[results["test_score"][name][k] for name in names]] for k in range(results["n_folds"])]
    _common.write_csv(workdir / "folds.csv", ["fold", *names], fold_rows)
    summary.write(workdir)
    return {
        "dataset": results["dataset"],
        "test": results["test"],
        "n_folds": results["n_folds"],
        "test_score": results["test_score"],
        "mean": mean,
        "std": std,
        "pairs": results["pairs"],
        "verdicts": results["verdicts"],
        "compile_seconds": results["compile_seconds"],
        "fit_seconds": results["fit_seconds"],
        "programs": results["programs"],
        "cache_hits": results["cache_hits"],
        "lessons": _common.lesson_metrics(found),
    }


def _figure(results: dict, config: Config, workdir: Path) -> None:
    import matplotlib.pyplot as plt

    names = results["names"]
    scores = np.stack([np.asarray(results["test_score"][name]) for name in names])  # (optimizers, folds)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.4), gridspec_kw={"width_ratios": [1.25, 1]})
    positions = np.arange(len(names))
    alpha_line = max(0.08, min(0.5, 4.0 / scores.shape[1]))
    for k in range(scores.shape[1]):
        left.plot(positions, scores[:, k], "-", color="0.5", alpha=alpha_line, lw=1)
    for c in range(len(names)):
        left.plot(np.full(scores.shape[1], c), scores[c], "o", ms=4, alpha=0.6, color=f"C{c}")
        left.plot(c, np.mean(scores[c]), "D", ms=8, color="k")
    left.plot([], [], "-", color="0.5", label="one fold")
    left.plot([], [], "D", color="k", label="mean over the folds")
    left.set_xticks(positions, names)
    left.set_ylabel("test accuracy")
    left.set_title(f"{results['n_folds']} folds of {results['dataset']}, {config.epochs} epochs")
    left.grid(alpha=0.3, axis="y")
    left.legend(fontsize=8, loc="lower left", frameon=False)

    p = np.full((len(names), len(names)), np.nan)
    for pair in results["pairs"]:
        i, j = names.index(pair["a"]), names.index(pair["b"])
        p[i, j] = p[j, i] = pair["p_adjusted"]
    shade = np.where(np.isnan(p), np.nan, np.where(p <= results["alpha"], 1.0, 0.25))
    right.imshow(shade, cmap="Blues", vmin=0, vmax=1.2)
    for i in range(len(names)):
        for j in range(len(names)):
            text = "" if i == j else ("p < 0.001" if p[i, j] < 0.001 else f"p = {p[i, j]:.2g}")
            dark = not np.isnan(p[i, j]) and p[i, j] <= results["alpha"]
            right.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    right.set_xticks(positions, names, rotation=20)
    right.set_yticks(positions, names)
    right.set_title(f"{TESTS[results['test']]}, Holm-adjusted")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "comparison.png")


# --------------------------------------------------------------------------- run and the command line


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Every optimizer on the same folds, every pair tested."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    config, args = _common.parse_cli(Config, QUICK, argv, __doc__, prog=f"python -m experiments.{NAME}")
    metrics_ = _common.execute(run, config, args)
    rows = [[name, f"{metrics_['mean'][name]:.4f} ± {metrics_['std'][name]:.4f}"] for name in metrics_["mean"]]
    print(_common.markdown_table(["optimizer", "test accuracy, mean ± std over folds"], rows))
    print("\n".join(metrics_["verdicts"]))
    return metrics_


if __name__ == "__main__":
    main()
