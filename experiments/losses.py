"""Losses: MAE vs MSE on data with outliers; the output-activation + loss table, one data set per task.

1. A line fitted to data with outliers by minimising MAE (robust: the outliers pull
   it little) and MSE (squared errors let the outliers dominate).
2. The material's table, each row demonstrated: regression (linear output + MSE,
   diabetes), binary classification (sigmoid + binary cross-entropy, breast cancer),
   multi-class (softmax + cross-entropy, wine) and multi-label (sigmoid per label +
   binary cross-entropy, digits with the labels "even" and "at least 5").
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import option
from fnn import activations, datasets, losses, metrics, optim, train

NAME = "losses"
TITLE = "Losses: MAE vs MSE, and which output and loss for which task"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed")
    n_points: int = option(40, "points on the line")
    n_outliers: int = option(4, "points replaced by outliers")
    line_epochs: int = option(600, "full-batch Adam steps fitting the line")
    hidden: int = option(networks.TASK_HIDDEN, "hidden units of the task networks")
    task_epochs: int = option(150, "full-batch Adam steps per task network")
    learning_rate: float = option(0.05, "Adam learning rate")


QUICK = Config(task_epochs=100, line_epochs=400)


def _line(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    k1, k2 = jax.random.split(jax.random.key(config.seed))
    x = jnp.linspace(-2.0, 2.0, config.n_points)
    y = 2.0 * x + 1.0 + 0.3 * jax.random.normal(k1, x.shape)
    outliers = jax.random.choice(k2, config.n_points // 2, (config.n_outliers,), replace=False) + config.n_points // 2
    y = y.at[outliers].add(12.0)  # a few large errors in the right half
    X = x[:, None]
    zeros = {"w": jnp.zeros((1,)), "b": jnp.zeros(())}
    fits = {}
    for name, loss in (("MAE", losses.mae), ("MSE", losses.mse)):

        def per_example(p, X, y, loss=loss):
            return loss(X @ p["w"] + p["b"], y, reduction="none")

        params, _ = jax.jit(
            lambda p, f=per_example: train.fit(f, p, optim.adam(config.learning_rate), X, y, epochs=config.line_epochs)
        )(zeros)
        fits[name] = (float(params["w"][0]), float(params["b"]))

    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    mask = np.zeros(config.n_points, bool)
    mask[np.asarray(outliers)] = True
    xn, yn = np.asarray(x), np.asarray(y)
    ax.scatter(xn[~mask], yn[~mask], s=16, color="C7", label="data")
    ax.scatter(xn[mask], yn[mask], s=40, marker="x", color="k", label="outliers")
    ax.plot(xn, 2 * xn + 1, "k--", lw=1, label="true line y = 2x + 1")
    for i, (name, (w, b)) in enumerate(fits.items()):
        ax.plot(xn, w * xn + b, color=f"C{i}", lw=2, label=f"{name} fit: y = {w:.2f}x + {b:.2f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Fitting a line with outliers: MAE is robust, MSE is pulled")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "mae_vs_mse.png")
    summary.figure(
        "mae_vs_mse.png",
        f"{config.n_outliers} outliers among {config.n_points} points. Minimising MAE (the gradient of |e| "
        "has the same size for every error) keeps the line near the true one; minimising MSE (gradient "
        "2e, proportional to the error) lets the large errors dominate and pulls the line towards the "
        "outliers: MAE is robust to outliers, MSE sensitive to them.",
    )
    return {name: {"w": w, "b": b} for name, (w, b) in fits.items()}


def _split(n: int, seed: int):
    order = np.asarray(jax.random.permutation(jax.random.key(seed), n))
    n_test = n * 3 // 10
    mask = np.zeros(n, np.float32)
    mask[order[n_test:]] = 1.0
    return order[n_test:], order[:n_test], jnp.asarray(mask)


def _tasks(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    tasks = []
    # (task, data set, output activation, loss, per-example loss from logits, targets, metric)
    Xd, yd = datasets.load("diabetes")
    yd = (yd - yd.mean()) / yd.std()
    tasks.append(
        (
            "regression",
            "diabetes",
            "linear (identity)",
            "MSE",
            Xd,
            yd[:, None],
            1,
            lambda z, t: losses.mse(activations.identity(z), t, reduction="none"),
            lambda z, t: ("R^2", float(metrics.r2_score(t[:, 0], z[:, 0]))),
        )
    )
    Xb, yb = datasets.load("breast_cancer")
    tasks.append(
        (
            "binary classification",
            "breast_cancer",
            "sigmoid",
            "binary cross-entropy",
            Xb,
            yb.astype(jnp.float32)[:, None],
            1,
            lambda z, t: losses.binary_cross_entropy(activations.sigmoid(z), t, reduction="none"),
            lambda z, t: ("accuracy", float(metrics.accuracy(t[:, 0].astype(int), (z[:, 0] >= 0).astype(int)))),
        )
    )
    Xw, yw = datasets.load("wine")
    tasks.append(
        (
            "multi-class classification",
            "wine",
            "softmax",
            "cross-entropy",
            Xw,
            yw,
            3,
            lambda z, t: losses.cross_entropy(z, t, reduction="none"),  # softmax inside, from logits
            lambda z, t: ("accuracy", float(metrics.accuracy(t, jnp.argmax(z, axis=-1)))),
        )
    )
    Xg, yg = datasets.load("digits")
    multi = jnp.stack([(yg % 2 == 0), (yg >= 5)], axis=1).astype(jnp.float32)
    tasks.append(
        (
            "multi-label classification",
            "digits: even? and >= 5?",
            "sigmoid per label",
            "binary cross-entropy",
            Xg,
            multi,
            2,
            lambda z, t: losses.binary_cross_entropy(activations.sigmoid(z), t, reduction="none"),
            lambda z, t: ("exact-match accuracy", float(jnp.mean(jnp.all((z >= 0) == (t == 1), axis=1)))),
        )
    )

    rows, out = [], {}
    for i, (task, data, act, loss_name, X, y, d_out, loss_fn, score) in enumerate(tasks):
        tr, te, mask = _split(X.shape[0], config.seed + i)
        Xs, _, _ = datasets.standardize(X, weights=mask)
        net = networks.task_network(X.shape[1], d_out, config.hidden)
        params = net.init(jax.random.key(config.seed))

        def per_example(p, X, y, loss_fn=loss_fn, net=net):
            return loss_fn(net.apply(p, X), y)

        trained, history = jax.jit(
            lambda p, f=per_example, X=Xs[tr], y=y[tr]: train.fit(
                f, p, optim.adam(config.learning_rate), X, y, epochs=config.task_epochs
            )
        )(params)
        metric_name, value = score(net.apply(trained, Xs[te]), y[te])
        rows.append([task, data, act, loss_name, float(history.train_loss[-1]), metric_name, value])
        out[task] = {"metric": metric_name, "test_value": value}
    header = ["task", "data", "output activation", "loss", "final training loss", "test metric", "value"]
    _common.write_csv(workdir / "tasks.csv", header, rows)
    summary.table(
        header,
        rows,
        f"The material's table, each row trained (a {config.hidden}-unit ReLU hidden layer, Adam, 70/30 "
        "split): a regression output is linear and trained with MSE; a binary output is one sigmoid "
        "with binary cross-entropy; a multi-class output is a softmax over classes with cross-entropy; "
        "a multi-label output is one independent sigmoid per label, each with binary cross-entropy.",
        csv_name="tasks.csv",
    )
    return out


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """MAE vs MSE under outliers; output activation and loss per task."""
    workdir = Path(workdir)
    summary = _common.Summary(TITLE)
    result = {"line": _line(config, workdir, summary), "tasks": _tasks(config, workdir, summary)}
    summary.write(workdir)
    return result


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
