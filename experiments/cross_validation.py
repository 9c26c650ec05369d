"""Cross-validation of an MLP: every fold trained at once in one compiled program.

Trains an MLP on one of scikit-learn's bundled data sets under K-fold (or
leave-one-out) cross-validation with :func:`fnn.cv.cross_validate`. Each fold
standardises the inputs with statistics of its own training rows (so test rows never
leak into them); classification uses softmax cross-entropy and accuracy, regression
(diabetes) MSE on a standardised target and R². Prints a table of per-fold test
scores, their mean ± std and the times; ``--json PATH`` also writes ``test_score``,
``mean``, ``std``, ``wall_seconds`` (since the process started) and
``compile_seconds``.

Example::

  python -m experiments.cross_validation --dataset iris --cv 5 --hidden 16 --epochs 100
  python -m experiments.cross_validation --dataset wine --cv loo --optimizer adam --lr 0.01
"""

from __future__ import annotations

import time

_PROCESS_START = time.perf_counter()  # before the heavy imports: wall_seconds covers them

import dataclasses  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from experiments import _common  # noqa: E402
from experiments._common import option  # noqa: E402
from fnn import cv, datasets, losses, metrics, mlp, optim, train  # noqa: E402

NAME = "cross_validation"
TITLE = "Cross-validation: K-fold and leave-one-out in one compiled program"
_REGRESSION = {"diabetes"}


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "root PRNG seed (split into one key per fold)")
    dataset: str = option("iris", "iris, breast_cancer, wine, digits or diabetes")
    cv: str = option("5", "number of folds K, or 'loo' for leave-one-out")
    hidden: str = option("16", "hidden layer widths, comma-separated (e.g. '32,16')")
    activation: str = option("relu", "hidden activation (a fnn.activations name)")
    epochs: int = option(200, "training epochs per fold")
    optimizer: str = option("adam", "optimizer: a fnn.optim name (sgd, momentum, adam, ...) or an optax one")
    lr: float = option(0.01, "learning rate")
    batch_size: int = option(0, "mini-batch size; 0 = full batch (batch gradient descent)")
    json: str = option("", "also write test_score, mean, std, wall_seconds, compile_seconds to this JSON file")


QUICK = Config(epochs=30)


def _optimizer(name: str, lr: float) -> optax.GradientTransformation:
    factory = getattr(optim, name, None) if name in optim.__all__ else getattr(optax, name, None)
    if not callable(factory):
        raise ValueError(f"cross_validation: unknown optimizer {name!r}; use a fnn.optim name "
                         f"({', '.join(n for n in optim.__all__ if n.islower())}) or an optax one")
    return factory(learning_rate=lr)


def _hidden(text: str) -> list[int]:
    try:
        widths = [int(w) for w in text.split(",") if w.strip()]
    except ValueError:
        raise ValueError(f"cross_validation: --hidden must be comma-separated ints like '32,16', got {text!r}") from None
    if any(w < 1 for w in widths):
        raise ValueError(f"cross_validation: hidden widths must be >= 1, got {text!r}")
    return widths


def make_task(config: Config, X, y):
    """The ``fit_fn`` and ``score_fn`` of one fold (a pipeline: standardise, then the MLP)."""
    regression = config.dataset in _REGRESSION
    n_out = 1 if regression else int(np.max(np.asarray(y))) + 1
    sizes = [X.shape[1], *_hidden(config.hidden), n_out]
    optimizer = _optimizer(config.optimizer, config.lr)
    batch_size = config.batch_size or None

    def forward(net, X):
        out = mlp.apply(net, X, activation=config.activation)
        return out[:, 0] if regression else out

    def loss_fn(net, X, y):
        if regression:
            return losses.mse(forward(net, X), y, reduction="none")
        return losses.cross_entropy(forward(net, X), y, reduction="none")

    def fit_fn(key, X, y, weights):
        init_key, shuffle_key = jax.random.split(key)
        Xs, mean, std = datasets.standardize(X, weights=weights)  # fitted on the training rows only
        scaler = {"mean": mean, "std": std}
        target = y
        if regression:
            y_mean = jnp.sum(weights * y) / jnp.sum(weights)
            y_std = jnp.sqrt(jnp.sum(weights * (y - y_mean) ** 2) / jnp.sum(weights))
            scaler.update(y_mean=y_mean, y_std=y_std)
            target = (y - y_mean) / y_std
        net = mlp.init(init_key, sizes, activation=config.activation)
        net, history = train.fit(loss_fn, net, optimizer, Xs, target, key=shuffle_key, epochs=config.epochs,
                                 batch_size=batch_size, weights=weights)
        return {"scaler": scaler, "net": net}, history

    def predict(params, X):
        s = params["scaler"]
        out = forward(params["net"], (X - s["mean"][None, :]) / s["std"][None, :])
        return out * s["y_std"] + s["y_mean"] if regression else jnp.argmax(out, axis=1)

    def score_fn(params, X, y, weights):
        if regression:
            return metrics.r2_score(y, predict(params, X), weights=weights)
        return metrics.accuracy(y, predict(params, X), weights=weights)

    return fit_fn, score_fn, ("R²" if regression else "accuracy")


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    X, y = datasets.load(config.dataset)
    splitter = "loo" if config.cv == "loo" else int(config.cv)
    fit_fn, score_fn, score_name = make_task(config, X, y)
    out = cv.cross_validate(fit_fn, score_fn, X, y, splitter, key=jax.random.key(config.seed),
                            return_history=True)
    test = out["test_score"]
    diverged = int(np.sum(out["history"].diverged_epoch >= 0))
    result = {
        "dataset": config.dataset, "score": score_name, "n_folds": int(test.shape[0]),
        "test_score": test.tolist(), "train_score": out["train_score"].tolist(),
        "mean": float(np.mean(test)), "std": float(np.std(test)),
        "train_mean": float(np.mean(out["train_score"])),
        "fit_seconds": float(out["total_fit_time"]), "score_seconds": float(out["total_score_time"]),
        "compile_seconds": float(out["compile_time"]), "diverged_folds": diverged,
    }
    rows = [[k, s, t] for k, (s, t) in enumerate(zip(test, out["train_score"]))]
    shown = rows if len(rows) <= 20 else rows[:10] + [["...", "", ""]] + rows[-5:]
    summary = _common.Summary(TITLE, (
        f"{config.dataset}, {result['n_folds']} folds ({config.cv}), MLP {config.hidden} "
        f"{config.activation}, {config.optimizer} lr {config.lr}, {config.epochs} epochs: test {score_name} "
        f"{result['mean']:.4f} ± {result['std']:.4f} (train {result['train_mean']:.4f}). All folds trained in "
        f"one program: compile {result['compile_seconds']:.2f} s, fit {result['fit_seconds']:.3f} s."))
    summary.table(["fold", f"test {score_name}", f"train {score_name}"], shown,
                  "Per-fold scores (each fold standardised on its own training rows).", csv_name="folds.csv")
    _common.write_csv(workdir / "folds.csv", ["fold", "test_score", "train_score"], rows)
    summary.write(workdir)
    return result


def _table(result: dict) -> str:
    rows = [[k, s] for k, s in enumerate(result["test_score"])]
    if len(rows) > 20:
        rows = rows[:10] + [["...", ""]] + rows[-5:]
    rows.append(["mean ± std", f"{result['mean']:.4f} ± {result['std']:.4f}"])
    text = _common.markdown_table(["fold", f"test {result['score']}"], rows)
    return (f"{text}\ncompile {result['compile_seconds']:.2f} s, fit {result['fit_seconds']:.3f} s "
            f"(all {result['n_folds']} folds at once), score {result['score_seconds']:.3f} s")


def main(argv=None) -> dict:
    result = _common.cli(run, Config, QUICK, argv, __doc__)
    print(_table(result))
    args = _common.build_parser(Config, QUICK, __doc__, prog=NAME).parse_args(argv)
    json_path = args.json if args.json is not None else (QUICK if args.quick else Config()).json
    if json_path:
        _common.write_json(json_path, {
            "test_score": result["test_score"], "mean": result["mean"], "std": result["std"],
            "wall_seconds": time.perf_counter() - _PROCESS_START, "compile_seconds": result["compile_seconds"]})
    return result


if __name__ == "__main__":
    main()
