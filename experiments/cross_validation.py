"""Cross-validation of an MLP: hold-out, K-fold and leave-one-out, every fold trained at once in one program.

By itself the command cross-validates one MLP on one of scikit-learn's bundled data
sets with :func:`fnn.cv.cross_validate` and prints the per-fold test scores: for
classification, stratified folds cut after shuffling the rows (``--no-shuffle``,
``--no-stratify`` for the data order); for regression (diabetes), shuffled K-fold and
R². Each fold standardises the inputs with the statistics of its own training rows,
so no test row leaks into them. ``--json PATH`` writes ``test_score``, ``mean``,
``std`` (over the folds), ``n_folds``, ``score``, the pooled accuracy and its 95 %
Wilson interval (classification), ``wall_seconds`` (since the process started) and
``compile_seconds``.

The course's studies run when asked (the report runs the first two):

* ``--spread``: hold-out, K-fold and leave-one-out estimates over repeated draws of
  the splits and the initial weights: which estimate varies least;
* ``--fold-scores``: per-fold scores of K-fold on the class-sorted rows, without and
  with shuffling;
* ``--grid``: a learning rate x fold grid in one program (model selection);
* ``--timing``: the same folds as one vmapped program and as a Python loop.

Example::

  python -m experiments.cross_validation --dataset iris --cv 5
  python -m experiments.cross_validation --dataset wine --cv loo --json wine.json
  python -m experiments.cross_validation --spread --fold-scores
"""

from __future__ import annotations

import time

_PROCESS_START = time.perf_counter()  # before the heavy imports: wall_seconds covers them

import dataclasses  # noqa: E402
import math  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from experiments import _common  # noqa: E402
from experiments._common import Lesson, option  # noqa: E402
from fnn import activations, cv, datasets, losses, metrics, mlp, optim, train  # noqa: E402
from fnn.optim import alias as _optimizers  # noqa: E402

NAME = "cross_validation"
TITLE = "Cross-validation: hold-out, K-fold and leave-one-out"

#: rows and the smallest class's members of each data set (None: regression); a test checks them
DATA = {
    "iris": (150, 50),
    "breast_cancer": (569, 212),
    "wine": (178, 48),
    "digits": (1797, 174),
    "diabetes": (442, None),
}
CLASSIFICATION = tuple(name for name, (_, smallest) in DATA.items() if smallest is not None)
#: the named optimizers of fnn.optim (not its modules, primitives or the torch mapping)
OPTIMIZERS = tuple(name for name in _optimizers.__all__ if name not in ("TORCH_OPTIMIZERS", "from_torch"))
HOLDOUT_TEST_FRACTION = 0.25
#: the z of a two-sided 95 % interval
_Z95 = 1.959963984540054


def parse_folds(text: str) -> str:
    """``--cv``: an int K >= 2 or ``loo``."""
    text = str(text).strip().lower()
    if text == "loo":
        return text
    try:
        k = int(text)
    except ValueError:
        raise ValueError(f"must be an int K >= 2 or 'loo', got {text!r}") from None
    if k < 2:
        raise ValueError(f"must be an int K >= 2 or 'loo', got {text!r}")
    return str(k)


def parse_hidden(text: str) -> str:
    """``--hidden``: widths >= 1, comma-separated (``"32,16"``)."""
    try:
        widths = [int(w) for w in str(text).split(",") if w.strip()]
    except ValueError:
        raise ValueError(f"must be comma-separated ints like '32,16', got {text!r}") from None
    if not widths or any(w < 1 for w in widths):
        raise ValueError(f"must be hidden widths >= 1, comma-separated like '32,16', got {text!r}")
    return ",".join(map(str, widths))


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "root seed: the folds' shuffles and the networks' initial weights")
    dataset: str = option("iris", "data set", choices=DATA)
    cv: str = option("5", "number of folds K, or 'loo' for leave-one-out", parse=parse_folds)
    shuffle: bool = option(True, "shuffle the rows before cutting the folds (data sets are often ordered)")
    stratify: bool = option(True, "classification: keep the class proportions in every fold")
    hidden: str = option("16", "hidden layer widths, comma-separated (e.g. '32,16')", parse=parse_hidden)
    activation: str = option("relu", "hidden activation", choices=activations.ACTIVATIONS)
    epochs: int = option(300, "training epochs per fold", at_least=1)
    optimizer: str = option("adam", "optimizer from fnn.optim", choices=OPTIMIZERS)
    lr: float = option(0.05, "learning rate", greater_than=0)
    batch_size: int = option(0, "mini-batch size; 0 = full batch (batch gradient descent)", at_least=0)
    # The studies: each on a classification data set, with the model above.
    spread: bool = option(True, "study: spread of hold-out, K-fold and LOOCV estimates over repetitions")
    fold_scores: bool = option(True, "study: per-fold scores of unshuffled vs shuffled K-fold")
    grid: bool = option(True, "study: learning rate x fold grid in one program")
    timing: bool = option(True, "study: time of vmapped vs sequential folds")
    study_dataset: str = option("iris", "data set of the studies", choices=CLASSIFICATION)
    repeats: int = option(20, "spread: repetitions, each with new splits and new initial weights", at_least=2)
    spread_ks: tuple[int, ...] = option((5, 10), "spread: K of the K-fold estimates", at_least=2)
    loo: bool = option(True, "spread: include leave-one-out (n folds per repetition)")
    fold_scores_ks: tuple[int, ...] = option((3, 5), "fold scores: K values shown", at_least=2)
    grid_lrs: tuple[float, ...] = option((1e-3, 1e-2, 1e-1), "grid: learning rates", greater_than=0)
    grid_folds: int = option(5, "grid: number of stratified shuffled folds", at_least=2)
    timing_folds: int = option(10, "timing: number of folds K", at_least=2)

    def __post_init__(self):
        n, smallest = DATA[self.dataset]
        if self.cv != "loo":
            k = int(parse_folds(self.cv))
            limit = smallest if (smallest is not None and self.stratify) else n
            if k > n:
                raise ValueError(f"cv={k} folds are more than the {n} rows of {self.dataset}; lower K")
            if k > limit:
                raise ValueError(
                    f"cv={k}: stratified folds need {k} members of every class, and the smallest class of "
                    f"{self.dataset} has {smallest}; lower K, or turn stratify off (--no-stratify)"
                )
        if self.batch_size > n:
            raise ValueError(f"batch_size={self.batch_size} is more than the {n} rows of {self.dataset}")
        n_study, smallest_study = DATA[self.study_dataset]
        studied = {
            "spread_ks": self.spread_ks if self.spread else (),
            "fold_scores_ks": self.fold_scores_ks if self.fold_scores else (),
            "grid_folds": (self.grid_folds,) if self.grid else (),
        }
        for name, ks in studied.items():
            for k in ks:
                if k > smallest_study:
                    raise ValueError(
                        f"{name}: K={k} is more than the {smallest_study} members of the smallest class of "
                        f"{self.study_dataset}; lower K"
                    )
        if self.timing and self.timing_folds > n_study:
            raise ValueError(
                f"timing_folds={self.timing_folds} is more than the {n_study} rows of {self.study_dataset}"
            )
        if self.fold_scores and not self.fold_scores_ks:
            raise ValueError("fold_scores_ks is empty; give K values or --no-fold-scores")


QUICK = Config(epochs=100, grid=False, timing=False, repeats=5)

#: The studies: what the standalone command runs unless asked (the report runs QUICK's).
STUDIES = ("spread", "fold_scores", "grid", "timing")


# --------------------------------------------------------------------------- the model


def make_task(config: Config, X, y, *, grid: bool = False):
    """The ``fit_fn`` and ``score_fn`` of one fold (a pipeline: standardise, then the MLP),
    and the score's name.

    With ``grid=True`` the ``fit_fn`` is ``fit_fn(key, X, y, weights, hyperparams)`` for
    :func:`fnn.cv.grid_search`, its learning rate the traced ``hyperparams["lr"]``.
    """
    regression = DATA[config.dataset][1] is None
    n_out = 1 if regression else int(np.max(np.asarray(y))) + 1
    widths = [int(w) for w in parse_hidden(config.hidden).split(",")]
    # An unknown activation or optimizer name fails here, before any tracing.
    net = mlp.MLP([X.shape[1], *widths, n_out], activation=config.activation)
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(
            f"cross_validation: unknown optimizer {config.optimizer!r}; use one of {', '.join(OPTIMIZERS)}"
        )
    factory = getattr(optim, config.optimizer)
    batch_size = config.batch_size or None

    def forward(weights, X):
        out = net.apply(weights, X)
        return out[:, 0] if regression else out

    def loss_fn(weights, X, y):
        if regression:
            return losses.mse(forward(weights, X), y, reduction="none")
        return losses.cross_entropy(forward(weights, X), y, reduction="none")

    def fit_at(key, X, y, weights, lr):
        init_key, shuffle_key = jax.random.split(key)
        Xs, mean, std = datasets.standardize(X, weights=weights)  # the training rows' statistics only
        scaler = {"mean": mean, "std": std}
        target = y
        if regression:
            y_mean = jnp.sum(weights * y) / jnp.sum(weights)
            y_std = jnp.sqrt(jnp.sum(weights * (y - y_mean) ** 2) / jnp.sum(weights))
            scaler.update(y_mean=y_mean, y_std=y_std)
            target = (y - y_mean) / y_std
        trained, history = train.fit(
            loss_fn,
            net.init(init_key),
            factory(learning_rate=lr),
            Xs,
            target,
            key=shuffle_key,
            epochs=config.epochs,
            batch_size=batch_size,
            weights=weights,
        )
        return {"scaler": scaler, "net": trained}, history

    def fit_fn(key, X, y, weights):
        return fit_at(key, X, y, weights, config.lr)

    def fit_grid(key, X, y, weights, hyperparams):
        return fit_at(key, X, y, weights, hyperparams["lr"])

    def predict(params, X):
        s = params["scaler"]
        out = forward(params["net"], (X - s["mean"][None, :]) / s["std"][None, :])
        return out * s["y_std"] + s["y_mean"] if regression else jnp.argmax(out, axis=1)

    def score_fn(params, X, y, weights):
        if regression:
            return metrics.r2_score(y, predict(params, X), weights=weights)
        return metrics.accuracy(y, predict(params, X), weights=weights)

    return (fit_grid if grid else fit_fn), score_fn, ("R²" if regression else "accuracy")


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    r"""Wilson's score interval for a proportion: ``successes`` of ``n`` (95 % by default).

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    Unlike mean ± std of 0/1 scores it stays inside [0, 1] and is honest for small n
    and for proportions near 0 or 1 (Wilson, 1927; Brown, Cai and DasGupta, 2001).
    """
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"wilson_interval: need 0 <= successes <= n and n >= 1, got {successes} of {n}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------- folds


def _keys(seed: int) -> dict[str, jax.Array]:
    """One key per use, from the root seed."""
    names = ("headline_split", "headline_init", "spread", "fold_scores", "study_init", "grid", "timing")
    return dict(zip(names, jax.random.split(jax.random.key(seed), len(names)), strict=True))


def headline_split(config: Config, y, key) -> tuple[cv.Split, str]:
    """The folds of the headline cross-validation, and their description."""
    n = int(np.asarray(y).shape[0])
    if config.cv == "loo":
        return cv.leave_one_out(n), f"leave-one-out ({n} folds)"
    k = int(config.cv)
    shuffled = "shuffled" if config.shuffle else "in data order"
    if DATA[config.dataset][1] is not None and config.stratify:
        split = cv.stratified_kfold(y, k, shuffle=config.shuffle, key=key if config.shuffle else None)
        return split, f"{k}-fold, stratified, {shuffled}"
    return cv.kfold(n, k, shuffle=config.shuffle, key=key if config.shuffle else None), f"{k}-fold, {shuffled}"


def _masks(split) -> tuple[np.ndarray, np.ndarray]:
    return split.train_weights(bool), split.test_weights(bool)


def _concat(splits) -> cv.MaskSplit:
    """Several splits as one MaskSplit, so all their folds train in one program."""
    masks = [_masks(s) for s in splits]
    return cv.MaskSplit(np.concatenate([m[0] for m in masks]), np.concatenate([m[1] for m in masks]))


def _spread_splits(config: Config, y, key) -> dict[tuple[str, int], object]:
    """(estimator, repetition) -> split: repetition r draws new splits (and the folds new keys)."""
    n = int(np.asarray(y).shape[0])
    splits = {}
    for r, rkey in enumerate(jax.random.split(key, config.repeats)):
        splits[("hold-out", r)] = cv.holdout(n, test_size=HOLDOUT_TEST_FRACTION, stratify=y, key=rkey)
        for k in config.spread_ks:
            splits[(f"{k}-fold", r)] = cv.stratified_kfold(y, k, shuffle=True, key=jax.random.fold_in(rkey, k))
        if config.loo:
            splits[("LOOCV", r)] = cv.leave_one_out(n)
    return splits


def _fold_score_splits(config: Config, n: int, key) -> dict[tuple[str, int], cv.Split]:
    """(order, K) -> plain K-fold in data order and shuffled: the course's lesson is the shuffle."""
    splits = {}
    for k in config.fold_scores_ks:
        splits[("unshuffled", k)] = cv.kfold(n, k)
        splits[("shuffled", k)] = cv.kfold(n, k, shuffle=True, key=jax.random.fold_in(key, k))
    return splits


def _pooled(scores: np.ndarray, sizes: np.ndarray) -> float:
    """The score over all test rows of several folds (folds weighted by their size)."""
    return float(np.sum(scores * sizes) / np.sum(sizes))


def _cross_validate(fit_fn, score_fn, X, y, split, key, **kwargs) -> tuple[dict, list[str]]:
    """``cv.cross_validate`` with the RuntimeWarnings it gives about its folds kept as results.

    The fold-scores study trains folds that lack a class on purpose; what fnn.cv says
    about such folds is part of the lesson, not an error of the run.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        out = cv.cross_validate(fit_fn, score_fn, X, y, split, key=key, **kwargs)
    said = []
    for w in caught:
        if issubclass(w.category, RuntimeWarning):
            said.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out, sorted(set(said))


# --------------------------------------------------------------------------- compute


def compute(config: Config) -> dict:
    """Every number of the experiment: the headline cross-validation and the studies asked for."""
    _common.check_config(config)
    keys = _keys(config.seed)
    study = dataclasses.replace(config, dataset=config.study_dataset)  # the same model on the studies' data
    X, y = datasets.load(config.dataset)
    split, described = headline_split(config, y, keys["headline_split"])
    fit_fn, score_fn, score_name = make_task(config, X, y)
    results: dict = {
        "dataset": config.dataset,
        "study_dataset": config.study_dataset,
        "score": score_name,
        "regression": DATA[config.dataset][1] is None,
        "n": int(X.shape[0]),
        "folds": described,
        "warnings": [],
    }
    Xs, ys = (X, y) if config.study_dataset == config.dataset else datasets.load(config.study_dataset)
    study_splits: dict = {}
    if config.spread:
        study_splits.update({("spread", *k): v for k, v in _spread_splits(config, ys, keys["spread"]).items()})
    if config.fold_scores:
        folds = _fold_score_splits(config, int(Xs.shape[0]), keys["fold_scores"])
        study_splits.update({("fold_scores", *k): v for k, v in folds.items()})
    # The studies train the same model: on the same data set their folds join the headline's
    # program, so the whole experiment compiles once.
    share = bool(study_splits) and config.study_dataset == config.dataset
    parts = 1 + (bool(study_splits) and not share) + config.grid + config.timing
    with _common.progress(NAME, total=parts) as step:
        extra = f" and the studies' {_n_folds(study_splits)} folds" if share else ""
        step(f"{described} on {config.dataset}{extra}")
        every = {("headline",): split, **(study_splits if share else {})}
        by_part, out, said = _run_parts(fit_fn, score_fn, X, y, every, keys["headline_init"], history=True)
        results["warnings"] += said
        results["headline"] = _headline(by_part[("headline",)], score_name)
        results["compile_seconds"] = float(out["compile_time"])
        results["fit_seconds"] = float(out["total_fit_time"])
        results["folds_in_program"] = int(out["test_score"].shape[0])
        if study_splits and not share:
            step(f"the studies' {_n_folds(study_splits)} folds on {config.study_dataset}")
            fit_s, score_s, _ = make_task(study, Xs, ys)
            by_part, out, said = _run_parts(fit_s, score_s, Xs, ys, study_splits, keys["study_init"])
            results["warnings"] += said
            results["study_compile_seconds"] = float(out["compile_time"])
            results["study_fit_seconds"] = float(out["total_fit_time"])
            results["study_folds"] = int(out["test_score"].shape[0])
        if config.spread:
            results["spread"] = _spread_results(config, by_part)
        if config.fold_scores:
            results["fold_scores"] = {
                f"{k}-fold {order}": by_part[("fold_scores", order, k)]["test_score"]
                for k in config.fold_scores_ks
                for order in ("unshuffled", "shuffled")
            }
            results["fold_scores_class_sorted"] = bool(np.all(np.diff(np.asarray(ys)) >= 0))
            results["fold_scores_unseen"] = {
                f"{k}-fold {order}": _unseen_share(study_splits[("fold_scores", order, k)], ys)
                for k in config.fold_scores_ks
                for order in ("unshuffled", "shuffled")
            }
        if config.grid:
            step(f"grid: {len(config.grid_lrs)} learning rates x {config.grid_folds} folds")
            results["grid"] = _grid(study, config, Xs, ys, keys["grid"])
        if config.timing:
            step(f"timing: {config.timing_folds} folds, vmapped and in a loop")
            results["timing"] = _timing(study, config, Xs, ys, keys["timing"])
    return results


def _unseen_share(split, y) -> float:
    """The share of all test rows whose class none of their fold's training rows has."""
    y = np.asarray(y)
    unseen = tested = 0
    for train_rows, test_rows in split.split():
        unseen += int(np.sum(~np.isin(y[test_rows], y[train_rows])))
        tested += len(test_rows)
    return unseen / tested


def _n_folds(splits: dict) -> int:
    return sum(s.n_folds for s in splits.values())


def _run_parts(fit_fn, score_fn, X, y, splits: dict, key, *, history: bool = False):
    """All the folds of several splits in one ``cross_validate`` call; each split's results back."""
    names = list(splits)
    joint = splits[names[0]] if len(names) == 1 else _concat(splits.values())
    out, said = _cross_validate(fit_fn, score_fn, X, y, joint, key, return_train_score=history, return_history=history)
    by_part, start = {}, 0
    for name in names:
        s = splits[name]
        sl = slice(start, start + s.n_folds)
        part = {"test_score": out["test_score"][sl], "test_size": s.test_weights(np.float32).sum(axis=1)}
        if history:
            part["train_score"] = out["train_score"][sl]
            part["diverged"] = int(np.sum(out["history"].diverged_epoch[sl] >= 0))
        by_part[name] = part
        start += s.n_folds
    return by_part, out, said


def _headline(part: dict, score_name: str) -> dict:
    test, sizes = part["test_score"], part["test_size"]
    head = {
        "test_score": test,
        "train_score": part["train_score"],
        "test_size": sizes.astype(int),
        "mean": float(np.mean(test)),
        "std": float(np.std(test)),
        "train_mean": float(np.mean(part["train_score"])),
        "diverged_folds": part["diverged"],
    }
    if score_name == "accuracy":
        correct = int(round(float(np.sum(test * sizes))))
        total = int(np.sum(sizes))
        low, high = wilson_interval(correct, total)
        head.update(correct=correct, tested=total, pooled=correct / total, interval=(low, high))
    return head


def _spread_results(config: Config, by_part: dict) -> dict:
    n = DATA[config.study_dataset][0]
    names = ["hold-out", *[f"{k}-fold" for k in config.spread_ks]] + (["LOOCV"] if config.loo else [])
    fraction = {"hold-out": 1 - math.ceil(HOLDOUT_TEST_FRACTION * n) / n, "LOOCV": (n - 1) / n}
    fraction.update({f"{k}-fold": (k - 1) / k for k in config.spread_ks})
    estimates = {
        name: np.array(
            [
                _pooled(by_part[("spread", name, r)]["test_score"], by_part[("spread", name, r)]["test_size"])
                for r in range(config.repeats)
            ]
        )
        for name in names
    }
    folds = {name: by_part[("spread", name, 0)]["test_score"].shape[0] for name in names}
    return {"estimators": names, "estimates": estimates, "training_fraction": fraction, "folds": folds, "n": n}


def _grid(study: Config, config: Config, X, y, key) -> dict:
    split = cv.stratified_kfold(y, config.grid_folds, shuffle=True, key=key)
    fit_fn, score_fn, _ = make_task(study, X, y, grid=True)
    out = cv.grid_search(fit_fn, score_fn, X, y, split, {"lr": list(config.grid_lrs)}, key=jax.random.fold_in(key, 1))
    return {
        "lrs": np.array([p["lr"] for p in out["params"]]),
        "mean": out["mean_test_score"],
        "std": out["std_test_score"],
        "rank": out["rank_test_score"],
        "best_lr": float(out["best_params"]["lr"]),
        "best_score": float(out["best_score"]),
        "folds": config.grid_folds,
        "compile_seconds": float(out["compile_time"]),
        "fit_seconds": float(out["total_fit_time"]),
    }


def _timing(study: Config, config: Config, X, y, key) -> dict:
    """The same K folds: one vmapped ``cross_validate`` vs a Python loop of a jitted one-fold fit."""
    K = config.timing_folds
    split = cv.stratified_kfold(y, K, shuffle=True, key=key)
    fold_key = jax.random.fold_in(key, 1)
    # Fresh closures for each route, so neither finds the other's traces in memory.
    fit_fn, score_fn, _ = make_task(study, X, y)
    t0 = time.perf_counter()
    out = cv.cross_validate(fit_fn, score_fn, X, y, split, key=fold_key, return_train_score=False)
    vmapped = {"included": time.perf_counter() - t0, "excluded": float(out["total_fit_time"])}

    fit_fn, score_fn, _ = make_task(study, X, y)
    fit_one, score_one = jax.jit(fit_fn), jax.jit(score_fn)
    fold_keys = jax.random.split(fold_key, K)
    subsets = [
        (jnp.asarray(X[tr]), jnp.asarray(y[tr]), jnp.asarray(X[te]), jnp.asarray(y[te])) for tr, te in split.split()
    ]

    def loop():
        scores = []
        for k, (Xt, yt, Xs, ys) in enumerate(subsets):
            params, _ = fit_one(fold_keys[k], Xt, yt, jnp.ones(Xt.shape[0], Xt.dtype))
            scores.append(score_one(params, Xs, ys, jnp.ones(Xs.shape[0], Xs.dtype)))
        return jax.block_until_ready(scores)

    t0 = time.perf_counter()
    loop()  # first pass: traces and compiles once per distinct fold size
    sequential = {"included": time.perf_counter() - t0}
    t0 = time.perf_counter()
    seq_scores = np.asarray(loop())
    sequential["excluded"] = time.perf_counter() - t0
    return {
        "vmapped": vmapped,
        "sequential": sequential,
        "folds": K,
        "fold_sizes": len({s[0].shape[0] for s in subsets}),
        "max_score_difference": float(np.max(np.abs(seq_scores - out["test_score"]))),
        "smallest_test_fold": int(min(s[2].shape[0] for s in subsets)),
        "n": int(X.shape[0]),
        "backend": jax.default_backend(),
    }


# --------------------------------------------------------------------------- lessons


def _std(x) -> float:
    """The spread of repeated estimates: the sample standard deviation (ddof=1)."""
    return float(np.std(x, ddof=1)) if len(x) > 1 else 0.0


def lessons(results: dict) -> list[Lesson]:
    """The course's claims about cross-validation, checked against this run."""
    out = []
    spread = results.get("spread")
    if spread is not None:
        e, repeats = spread["estimates"], len(spread["estimates"]["hold-out"])
        hold = _std(e["hold-out"])
        kfolds = [name for name in spread["estimators"] if name.endswith("-fold")]
        steadier = [name for name in kfolds if _std(e[name]) < hold]
        listed = ", ".join(f"{name} {_std(e[name]):.3f}" for name in kfolds)
        text = (
            f"Over {repeats} repetitions the hold-out estimate, from one test set of "
            f"{HOLDOUT_TEST_FRACTION:.0%} of the rows, varies with std {hold:.3f}; K-fold scores K test folds that "
            f"together cover every row, so it varies less: std {listed}."
        )
        if len(steadier) < len(kfolds):
            worse = ", ".join(name for name in kfolds if name not in steadier)
            text = (
                f"Over {repeats} repetitions {worse} varied as much as the hold-out estimate or more (std "
                f"{listed} against {hold:.3f}), so this run does not show K-fold to be steadier; with so few "
                "repetitions the spread itself is uncertain."
            )
        out.append(Lesson("kfold_steadier_than_holdout", len(steadier) == len(kfolds), text))
        if "LOOCV" in e:
            loo = _std(e["LOOCV"])
            holds = loo < hold
            text = (
                f"LOOCV tests every row once with the same n folds each time, so only the initial weights change "
                f"between repetitions: its estimate varies {'less' if holds else 'no less'} than the hold-out's "
                f"(std {loo:.3f} against {hold:.3f})."
            )
            out.append(Lesson("loocv_steadier_than_holdout", holds, text))
        means = {name: float(np.mean(e[name])) for name in spread["estimators"]}
        order = sorted(spread["estimators"], key=lambda name: spread["training_fraction"][name])
        low, high = order[0], order[-1]
        gap = means[high] - means[low]
        # the standard error of the difference of two means over the repetitions
        noise = math.sqrt((_std(e[low]) ** 2 + _std(e[high]) ** 2) / repeats)
        rising = gap > 2 * noise
        listed = ", ".join(f"{name} {means[name]:.3f} ({spread['training_fraction'][name]:.0%})" for name in order)
        share = spread["training_fraction"]
        if rising:
            text = (
                f"Mean estimates by the share of rows each fold trains on: {listed}. {high} ({share[high]:.0%}) "
                f"scores {gap:.3f} above {low} ({share[low]:.0%}), more than twice the noise ({noise:.3f}): a fold "
                "that trains on more of the data is closer to the final model trained on all of it, so its "
                "estimate is less pessimistic."
            )
        else:
            monotone = all(means[a] <= means[b] for a, b in zip(order, order[1:], strict=False))
            text = (
                f"Mean estimates by the share of rows each fold trains on: {listed}. "
                + ("They rise with the share, but " if monotone else "")
                + f"{high} ({share[high]:.0%}) scores {gap:+.3f} against {low} ({share[low]:.0%}), within twice "
                f"the noise of that difference "
                f"({noise:.3f}): this run cannot tell the course's point (more training rows per fold, as K grows, "
                f"give a less pessimistic estimate) from chance: on {results['study_dataset']} this network scores "
                f"about the same whether it trains on {share[low]:.0%} or {share[high]:.0%} of the rows."
            )
        out.append(Lesson("more_training_data", rising, text))
    folds = results.get("fold_scores")
    if folds is not None:
        ks = sorted({int(name.split("-")[0]) for name in folds})
        means = {name: float(np.mean(scores)) for name, scores in folds.items()}
        worse = {k: means[f"{k}-fold unshuffled"] < means[f"{k}-fold shuffled"] for k in ks}
        listed = "; ".join(
            f"{k}-fold {np.mean(folds[f'{k}-fold unshuffled']):.3f} unshuffled and "
            f"{np.mean(folds[f'{k}-fold shuffled']):.3f} shuffled"
            for k in ks
        )
        zeros = sum(int(np.sum(np.asarray(folds[f"{k}-fold unshuffled"]) == 0)) for k in ks)
        unseen = results["fold_scores_unseen"]
        dataset = results["study_dataset"]
        order = "are sorted by class" if results.get("fold_scores_class_sorted") else "come in a fixed order"
        why = (
            f"{dataset}'s rows {order}, so a fold cut in data order can hold a class its training rows lack: so are "
            + " and ".join(
                f"{unseen[f'{k}-fold unshuffled']:.0%} of the test rows of unshuffled {k}-fold "
                f"({unseen[f'{k}-fold shuffled']:.0%} shuffled)"
                for k in ks
            )
        )
        zero_text = f"; {zeros} unshuffled test fold(s) score 0" if zeros else ""
        if all(worse.values()):
            text = (
                f"Mean test score: {listed}. {why}{zero_text}. A model cannot predict a class it never saw: "
                "shuffle (or stratify) ordered data before cutting it into folds."
            )
        else:
            text = (
                f"Mean test score: {listed}. {why}{zero_text}. Here the unshuffled folds did not score lower "
                f"for every K ({', '.join(str(k) for k, w in worse.items() if not w)}): this order hurts little."
            )
        out.append(Lesson("shuffle_ordered_data", all(worse.values()), text))
    grid = results.get("grid")
    if grid is not None:
        lrs, mean = np.asarray(grid["lrs"]), np.asarray(grid["mean"])
        smallest = int(np.argmin(lrs))
        holds = mean[smallest] < grid["best_score"]
        text = (
            f"The best learning rate by cross-validation is {grid['best_lr']:g} (mean test score "
            f"{grid['best_score']:.3f}); the smallest, {lrs[smallest]:g}, scores {mean[smallest]:.3f}"
            + (": too small a step has not converged in the epochs given." if holds else ", as well as the best.")
            + " Choosing by cross-validation uses only training data; a separate test set then measures the choice."
        )
        out.append(Lesson("grid_small_rate_slow", bool(holds), text))
    timing = results.get("timing")
    if timing is not None:
        v, s = timing["vmapped"], timing["sequential"]
        faster = v["included"] < s["included"]
        text = (
            f"With compilation, the vmapped program took {v['included']:.2f} s and the loop {s['included']:.2f} s "
            f"({timing['fold_sizes']} compilation(s), one per distinct fold size); without it "
            f"{v['excluded']:.3f} s and {s['excluded']:.3f} s. The loop's second pass trains each fold on its own "
            "rows, while every vmapped fold computes on all n rows (held-out rows weighted 0)"
            + (
                "; one compilation for all folds was faster overall here."
                if faster
                else f"; the loop was faster here, at this size ({timing['folds']} folds of {timing['n']} rows)."
            )
        )
        out.append(Lesson("vmapped_faster_with_compilation", faster, text))
        agree = timing["max_score_difference"] <= 1.0 / timing["smallest_test_fold"] + 1e-6
        difference = timing["max_score_difference"]
        text = (
            (
                "Both routes give identical test scores."
                if difference == 0
                else f"Both routes give the same test scores up to float32 rounding (largest difference "
                f"{difference:.3g}: at most one test row of a fold flips)."
            )
            if agree
            else f"The routes' test scores differ by {timing['max_score_difference']:.3g}, more than one test row "
            "of a fold: they do not train the same model."
        )
        out.append(Lesson("routes_agree", agree, text))
    return out


# --------------------------------------------------------------------------- render


def _model(config: Config) -> str:
    return f"MLP {config.hidden} {config.activation}, {config.optimizer} lr {config.lr:g}, {config.epochs} epochs" + (
        f", mini-batch {config.batch_size}" if config.batch_size else ", full batch"
    )


def headline_text(results: dict, config: Config) -> str:
    """The headline result in one or two sentences: mean ± std over folds for K-fold, the pooled
    accuracy with its interval for classification (LOOCV: only that, its per-fold 0/1 scores have no useful std)."""
    head, score = results["headline"], results["score"]
    loo = config.cv == "loo"
    text = f"{results['dataset']}, {results['folds']}, {_model(config)}: "
    if not loo:
        text += f"test {score} {head['mean']:.3f} ± {head['std']:.3f} (mean ± std over the folds)"
    if "interval" in head:
        low, high = head["interval"]
        text += ("" if loo else "; ") + (
            f"{head['correct']} of {head['tested']} test rows right, accuracy {head['pooled']:.3f} "
            f"(95 % Wilson interval {low:.3f}-{high:.3f})"
        )
    elif loo:
        text += f"test {score} {head['mean']:.3f} (mean over the {len(head['test_score'])} folds)"
    return text + f"; training {score} {head['train_mean']:.3f}."


def render(results: dict, config: Config, workdir: str | Path) -> dict:
    """Figures, tables and the summary of :func:`compute`'s results; returns the metrics."""
    workdir = Path(workdir)
    found = lessons(results)
    by_name = {lesson.name: lesson for lesson in found}
    head = results["headline"]
    summary = _common.Summary(
        TITLE,
        headline_text(results, config)
        + f" All {results['folds_in_program']} folds of this run"
        + (" (the headline's and the studies')" if results["folds_in_program"] > len(head["test_score"]) else "")
        + f" trained in one compiled program: {results['compile_seconds']:.1f} s to compile, "
        f"{results['fit_seconds']:.2f} s to train and score."
        + (f" {head['diverged_folds']} fold(s) diverged." if head["diverged_folds"] else ""),
    )
    rows = [
        [k + 1, s, t, int(m)]
        for k, (s, t, m) in enumerate(zip(head["test_score"], head["train_score"], head["test_size"], strict=True))
    ]
    _common.write_csv(workdir / "folds.csv", ["fold", "test_score", "train_score", "test_rows"], rows)
    shown = rows if len(rows) <= 12 else rows[:5] + [["...", "", "", ""]] + rows[-3:]
    summary.table(
        ["fold", f"test {results['score']}", f"training {results['score']}", "test rows"],
        shown,
        "Per-fold scores (each fold standardised with its own training rows' statistics).",
        csv_name="folds.csv",
    )
    if "spread" in results:
        _render_spread(results, config, workdir, summary, by_name)
    if "fold_scores" in results:
        _render_fold_scores(results, config, workdir, summary, by_name)
    if "grid" in results:
        _render_grid(results, config, workdir, summary, by_name)
    if "timing" in results:
        _render_timing(results, config, workdir, summary, by_name)
    summary.write(workdir)
    return _metrics(results, found)


def _metrics(results: dict, found: list[Lesson]) -> dict:
    head = results["headline"]
    metrics_ = {
        "dataset": results["dataset"],
        "score": results["score"],
        "folds": results["folds"],
        "n_folds": len(head["test_score"]),
        "test_score": head["test_score"],
        "train_score": head["train_score"],
        "mean": head["mean"],
        "std": head["std"],
        "train_mean": head["train_mean"],
        "diverged_folds": head["diverged_folds"],
        "compile_seconds": results["compile_seconds"],
        "fit_seconds": results["fit_seconds"],
        "folds_in_program": results["folds_in_program"],
        "lessons": _common.lesson_metrics(found),
        "warnings": results["warnings"],
    }
    for key in ("correct", "tested", "pooled", "interval"):
        if key in head:
            metrics_[key] = head[key]
    if "spread" in results:
        s = results["spread"]
        metrics_["spread"] = {
            name: {
                "mean": float(np.mean(s["estimates"][name])),
                "std": _std(s["estimates"][name]),
                "estimates": s["estimates"][name],
                "training_fraction": s["training_fraction"][name],
            }
            for name in s["estimators"]
        }
    if "fold_scores" in results:
        metrics_["fold_scores"] = results["fold_scores"]
    if "grid" in results:
        metrics_["grid"] = {k: v for k, v in results["grid"].items()}
    if "timing" in results:
        metrics_["timing"] = results["timing"]
    return metrics_


def _render_spread(results, config, workdir, summary, by_name) -> None:
    import matplotlib.pyplot as plt

    s = results["spread"]
    names, e = s["estimators"], s["estimates"]
    repeats = len(e[names[0]])
    header = ["estimator", "training share", "folds per estimate", "estimates", "mean", "std", "min", "max"]
    rows = [
        [
            name,
            s["training_fraction"][name],
            s["folds"][name],
            repeats,
            float(np.mean(e[name])),
            _std(e[name]),
            float(np.min(e[name])),
            float(np.max(e[name])),
        ]
        for name in names
    ]
    _common.write_csv(workdir / "spread.csv", header, rows)

    fig, ax = plt.subplots(figsize=(8.5, 4.6))
    positions = np.arange(len(names))
    ax.boxplot(
        [e[m] for m in names],
        positions=positions,
        widths=0.5,
        whis=(0, 100),  # whiskers at the smallest and largest estimate
        showfliers=False,
        medianprops={"color": "C1", "lw": 2},
    )
    jitter = np.random.default_rng(0)  # spreads the points sideways only, so they do not hide each other
    for i, m in enumerate(names):
        ax.plot(i + jitter.uniform(-0.12, 0.12, repeats), e[m], "o", ms=5, alpha=0.6, color="C0")
        ax.plot(i, np.mean(e[m]), "D", ms=7, color="k")
    ax.plot([], [], "o", color="C0", alpha=0.6, label="one estimate (one repetition)")
    ax.plot([], [], "D", color="k", label="mean of the estimates")
    ax.plot([], [], color="C1", lw=2, label="median; box: middle half, whiskers: range")
    labels = [
        f"{m}\n{s['folds'][m]} fold{'s' if s['folds'][m] > 1 else ''}\ntrains on {s['training_fraction'][m]:.0%}"
        for m in names
    ]
    ax.set_xticks(positions, labels, fontsize=8)
    ax.set_ylabel(f"estimated test {results['score']}")
    ax.set_title(f"The estimate over {repeats} repetitions, {config.study_dataset}")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "spread.png")
    texts = [by_name[n].text for n in ("kfold_steadier_than_holdout", "loocv_steadier_than_holdout") if n in by_name]
    summary.figure(
        "spread.png",
        f"The spread of the generalisation estimate over {repeats} repetitions on {config.study_dataset}: each "
        f"point is one estimate, from a stratified {1 - HOLDOUT_TEST_FRACTION:.0%}/{HOLDOUT_TEST_FRACTION:.0%} "
        "hold-out, from stratified shuffled K-fold (the score over all its test rows) or from LOOCV (K = n); "
        "each repetition draws new splits and new initial weights. " + " ".join(texts),
    )
    summary.table(
        header,
        rows,
        "The estimates by estimator (std: the sample standard deviation over the repetitions). "
        + by_name["more_training_data"].text,
        csv_name="spread.csv",
        digits=3,
    )


def _render_fold_scores(results, config, workdir, summary, by_name) -> None:
    import matplotlib.pyplot as plt

    folds = results["fold_scores"]
    rows = [[name, i + 1, s] for name, scores in folds.items() for i, s in enumerate(scores)]
    _common.write_csv(workdir / "fold_scores.csv", ["splitter", "fold", f"test_{results['score']}"], rows)
    ks = list(config.fold_scores_ks)
    fig, axes = plt.subplots(1, len(ks), figsize=(4.6 * len(ks), 4.2), squeeze=False, sharey=True)
    for ax, k in zip(axes[0], ks, strict=True):
        for j, order in enumerate(("unshuffled", "shuffled")):
            scores = np.asarray(folds[f"{k}-fold {order}"])
            x = np.arange(k) + (j - 0.5) * 0.4
            bars = ax.bar(x, scores, width=0.4, color=f"C{j}", label=f"{order}: mean {np.mean(scores):.2f}")
            # a bar of height 0 is invisible: its label says it is there
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in scores], fontsize=7, padding=2)
        ax.set_xticks(np.arange(k), [str(i + 1) for i in range(k)])
        ax.set_xlabel("test fold")
        ax.set_ylim(0, 1.32)  # room above the bars for the legend
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_title(f"{k}-fold")
        ax.legend(fontsize=8, loc="upper center", ncol=2, frameon=False)
        ax.grid(alpha=0.3, axis="y")
    axes[0][0].set_ylabel(f"test {results['score']}")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "fold_scores.png")
    said = results["warnings"]
    summary.figure(
        "fold_scores.png",
        f"Per-fold test {results['score']} of K-fold on {config.study_dataset} with the folds cut in data order "
        "(unshuffled) and after shuffling the rows; each bar is labelled with its score. "
        + by_name["shuffle_ordered_data"].text
        + (f" fnn.cv warned about these folds: {' '.join(said)}" if said else ""),
    )


def _render_grid(results, config, workdir, summary, by_name) -> None:
    import matplotlib.pyplot as plt

    g = results["grid"]
    header = ["learning rate", f"mean test {results['score']}", "std over folds", "rank"]
    rows = [[lr, m, s, r] for lr, m, s, r in zip(g["lrs"], g["mean"], g["std"], g["rank"], strict=True)]
    _common.write_csv(workdir / "grid.csv", header, rows)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.errorbar(g["lrs"], g["mean"], yerr=g["std"], fmt="o-", capsize=4, label=f"mean ± std over {g['folds']} folds")
    ax.plot([g["best_lr"]], [g["best_score"]], "r*", ms=14, label=f"best: {g['best_lr']:g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"test {results['score']}")
    ax.set_title(f"{config.optimizer} on {config.study_dataset}: {len(g['lrs'])} rates x {g['folds']} folds")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="best")  # the corner with the fewest points
    fig.tight_layout()
    _common.save_figure(fig, workdir / "grid.png")
    summary.figure(
        "grid.png",
        f"Cross-validated test {results['score']} per learning rate: {len(g['lrs'])} rates x {g['folds']} folds "
        f"= {len(g['lrs']) * g['folds']} trainings in one compiled program ({g['compile_seconds']:.1f} s to compile, "
        f"{g['fit_seconds']:.2f} s to train). " + by_name["grid_small_rate_slow"].text,
    )
    summary.table(header, rows, "The learning-rate grid.", csv_name="grid.csv")


def _render_timing(results, config, workdir, summary, by_name) -> None:
    import matplotlib.pyplot as plt

    t = results["timing"]
    header = ["route", "compile included (s)", "compile excluded (s)"]
    rows = [
        [f"vmapped: one cross_validate ({t['folds']} folds)", t["vmapped"]["included"], t["vmapped"]["excluded"]],
        ["sequential: loop of jit(fit) on subsets", t["sequential"]["included"], t["sequential"]["excluded"]],
    ]
    _common.write_csv(workdir / "timing.csv", header, rows)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for j, part in enumerate(("included", "excluded")):
        values = [t["vmapped"][part], t["sequential"][part]]
        bars = ax.bar(np.arange(2) + (j - 0.5) * 0.38, values, width=0.38, label=f"compilation {part}")
        ax.bar_label(bars, labels=[f"{v:.3g} s" for v in values], fontsize=7, padding=2)
    ax.set_xticks(np.arange(2), ["vmapped folds", "sequential folds"])
    # a linear axis: bars on a log axis start at an arbitrary floor; the labels give the small values
    ax.set_ylabel("wall time (s)")
    ax.set_ylim(0, 1.15 * max(t["vmapped"]["included"], t["sequential"]["included"]))
    ax.set_title(f"{t['folds']} folds of {config.study_dataset}, {config.epochs} epochs each ({t['backend']})")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "timing.png")
    summary.figure(
        "timing.png",
        f"Wall time of the same {t['folds']} folds trained as one vmapped program and as a Python loop over "
        "folds calling one jitted single-fold fit on each fold's rows. "
        + by_name["vmapped_faster_with_compilation"].text
        + " "
        + by_name["routes_agree"].text,
    )
    summary.table(header, rows, "Time of the two routes.", csv_name="timing.csv")


# --------------------------------------------------------------------------- run and the command line


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """The headline cross-validation and the studies the config asks for."""
    return render(compute(config), config, workdir)


def _table(metrics_: dict, config: Config) -> str:
    rows = [[k + 1, s] for k, s in enumerate(metrics_["test_score"])]
    if len(rows) > 20:
        rows = rows[:10] + [["...", ""]] + rows[-5:]
    if config.cv != "loo":
        rows.append(["mean ± std", f"{metrics_['mean']:.4f} ± {metrics_['std']:.4f}"])
    if "interval" in metrics_:
        low, high = metrics_["interval"]
        rows.append(
            ["pooled", f"{metrics_['correct']}/{metrics_['tested']} = {metrics_['pooled']:.4f} [{low:.4f}, {high:.4f}]"]
        )
    text = _common.markdown_table(["fold", f"test {metrics_['score']}"], rows)
    return (
        f"{metrics_['dataset']}, {metrics_['folds']}\n{text}\n"
        + ("pooled: test rows right / tested, with the 95 % Wilson interval\n" if "interval" in metrics_ else "")
        + f"compile {metrics_['compile_seconds']:.2f} s, fit {metrics_['fit_seconds']:.3f} s "
        f"(all {metrics_['folds_in_program']} folds trained and scored at once)"
    )


def _add_arguments(parser) -> None:
    parser.add_argument("--json", metavar="PATH", default=None, help="also write test_score, mean, std, ... here")


def main(argv=None) -> dict:
    config, args = _common.parse_cli(
        Config,
        QUICK,
        argv,
        __doc__,
        prog=f"python -m experiments.{NAME}",
        defaults={name: False for name in STUDIES},
        add_arguments=_add_arguments,
    )
    metrics_ = _common.execute(run, config, args)
    print(_table(metrics_, config))
    if args.json:
        keys = ("test_score", "mean", "std", "n_folds", "score", "folds", "correct", "tested", "pooled", "interval")
        record = {key: metrics_[key] for key in keys if key in metrics_}
        record.update(wall_seconds=time.perf_counter() - _PROCESS_START, compile_seconds=metrics_["compile_seconds"])
        _common.write_json(args.json, record)
    return metrics_


if __name__ == "__main__":
    main()
