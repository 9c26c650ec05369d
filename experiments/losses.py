"""Losses: MAE vs MSE on data with outliers; the output-activation + loss table, one data set per task.

1. A line fitted to data with outliers by minimising MAE (robust: the outliers pull
   it little) and MSE (squared errors let the outliers dominate), with each point's
   share of the loss's gradient.
2. The material's table, each row demonstrated: regression (linear output + MSE,
   diabetes), binary classification (sigmoid + binary cross-entropy, breast cancer),
   multi-class (softmax + cross-entropy, wine) and multi-label (sigmoid per label +
   binary cross-entropy, digits with the labels "even" and "at least 5"), each against
   the constant guess a model without inputs would make.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import Lesson, option
from fnn import activations, datasets, losses, metrics, optim, train

NAME = "losses"
TITLE = "Losses: MAE vs MSE, and which output and loss for which task"
TEST_FRACTION = 0.3
#: the line the points scatter around, and how far the outliers sit above it
TRUE_SLOPE, TRUE_INTERCEPT, OUTLIER_SHIFT = 2.0, 1.0, 12.0


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed")
    n_points: int = option(40, "points on the line", at_least=4)
    n_outliers: int = option(4, "points (in the right half) replaced by outliers", at_least=0)
    line_epochs: int = option(600, "full-batch Adam steps fitting the line", at_least=1)
    hidden: int = option(networks.TASK_HIDDEN, "hidden units of the task networks", at_least=1)
    task_epochs: int = option(150, "full-batch Adam steps per task network", at_least=1)
    learning_rate: float = option(0.05, "Adam learning rate", greater_than=0)

    def __post_init__(self):
        if self.n_outliers > self.n_points // 2:
            raise ValueError(
                f"n_outliers={self.n_outliers} must be at most half of n_points={self.n_points}: "
                "the outliers are drawn from the right half"
            )


QUICK = Config(task_epochs=100, line_epochs=400)


# --------------------------------------------------------------------------- compute: the line


def _line(config: Config) -> dict:
    n, half = config.n_points, config.n_points // 2

    def program(key):
        noise_key, outlier_key = jax.random.split(key)
        x = jnp.linspace(-2.0, 2.0, n)
        y = TRUE_SLOPE * x + TRUE_INTERCEPT + 0.3 * jax.random.normal(noise_key, x.shape)
        chosen = jax.random.choice(outlier_key, n - half, (config.n_outliers,), replace=False) + half
        outlier = jnp.zeros(n, bool).at[chosen].set(True)
        y = jnp.where(outlier, y + OUTLIER_SHIFT, y)  # a few large errors in the right half
        X = x[:, None]
        zeros = {"w": jnp.zeros((1,)), "b": jnp.zeros(())}
        true_line = TRUE_SLOPE * x + TRUE_INTERCEPT
        out = {"x": x, "y": y, "outlier": outlier}
        for name, loss in (("MAE", losses.mae), ("MSE", losses.mse)):

            def per_example(p, X, y, loss=loss):
                return loss(X @ p["w"] + p["b"], y, reduction="none")

            params, _ = train.fit(per_example, zeros, optim.adam(config.learning_rate), X, y, epochs=config.line_epochs)
            # Each point's pull on the line: the size of the loss's gradient with respect to its
            # prediction, at the true line (where only the outliers have large errors).
            pull = jnp.abs(jax.grad(lambda pred, loss=loss: loss(pred, y, reduction="sum"))(true_line))
            out[name] = {"w": params["w"][0], "b": params["b"], "outlier_pull": jnp.sum(pull * outlier) / jnp.sum(pull)}
        return out

    out = jax.tree.map(np.asarray, _common.run_once(program, jax.random.key(config.seed)))
    for name in ("MAE", "MSE"):
        fit = out[name]
        fit["w"], fit["b"], fit["outlier_pull"] = float(fit["w"]), float(fit["b"]), float(fit["outlier_pull"])
        # how far the fitted line is from the true one, on average over the points' x
        fit["distance"] = float(np.mean(np.abs((fit["w"] - TRUE_SLOPE) * out["x"] + fit["b"] - TRUE_INTERCEPT)))
    return out


# --------------------------------------------------------------------------- compute: the tasks


def _majority(counts):
    return jnp.argmax(counts)


def _tasks_data() -> list[dict]:
    """The four rows of the material's table: data, output activation, loss, metric."""
    Xd, yd = datasets.load("diabetes")
    Xb, yb = datasets.load("breast_cancer")
    Xw, yw = datasets.load("wine")
    Xg, yg = datasets.load("digits")
    two_labels = jnp.stack([(yg % 2 == 0), (yg >= 5)], axis=1).astype(jnp.float32)
    return [
        {
            "task": "regression",
            "data": "diabetes",
            "output": "linear (identity)",
            "loss": "MSE",
            "metric": "R²",
            "X": Xd,
            "y": yd[:, None],
            "d_out": 1,
        },
        {
            "task": "binary classification",
            "data": "breast_cancer",
            "output": "sigmoid",
            "loss": "binary cross-entropy",
            "metric": "accuracy",
            "X": Xb,
            "y": yb.astype(jnp.float32)[:, None],
            "d_out": 1,
        },
        {
            "task": "multi-class classification",
            "data": "wine",
            "output": "softmax",
            "loss": "cross-entropy",
            "metric": "accuracy",
            "X": Xw,
            "y": yw,
            "d_out": 3,
        },
        {
            "task": "multi-label classification",
            "data": "digits: even? and >= 5?",
            "output": "sigmoid per label",
            "loss": "binary cross-entropy",
            "metric": "exact-match accuracy",
            "X": Xg,
            "y": two_labels,
            "d_out": 2,
        },
    ]


def _one_task(task: str, net, params, X, y, train_w, test_w, config: Config) -> dict:
    """Trains one row of the table on the training rows and scores it and the constant guess on the test rows."""
    Xs, _, _ = datasets.standardize(X, weights=train_w)
    if task == "regression":
        mean = jnp.sum(train_w * y[:, 0]) / jnp.sum(train_w)
        std = jnp.sqrt(jnp.sum(train_w * (y[:, 0] - mean) ** 2) / jnp.sum(train_w))
        y = (y - mean) / std  # a standardised target (R² does not depend on its scale)

    def loss_fn(z, t):
        if task == "regression":
            return losses.mse(activations.identity(z), t, reduction="none")
        if task == "multi-class classification":
            return losses.cross_entropy(z, t, reduction="none")  # the softmax is inside, from logits
        return losses.binary_cross_entropy(activations.sigmoid(z), t, reduction="none")

    def per_example(p, X, y):
        return loss_fn(net.apply(p, X), y)

    trained, history = train.fit(
        per_example, params, optim.adam(config.learning_rate), Xs, y, epochs=config.task_epochs, weights=train_w
    )
    z = net.apply(trained, Xs)
    out = {"final_training_loss": history.train_loss[-1]}
    if task == "regression":
        constant = jnp.full_like(y[:, 0], jnp.sum(train_w * y[:, 0]) / jnp.sum(train_w))
        out["value"] = metrics.r2_score(y[:, 0], z[:, 0], weights=test_w)
        out["baseline"] = metrics.r2_score(y[:, 0], constant, weights=test_w)
    elif task == "binary classification":
        labels = y[:, 0].astype(jnp.int32)
        majority = _majority(jnp.stack([jnp.sum(train_w * (labels == c)) for c in (0, 1)]))
        out["value"] = metrics.accuracy(labels, (z[:, 0] >= 0).astype(jnp.int32), weights=test_w)
        out["baseline"] = metrics.accuracy(labels, jnp.full_like(labels, majority), weights=test_w)
    elif task == "multi-class classification":
        counts = jnp.sum(train_w[:, None] * jax.nn.one_hot(y, z.shape[1]), axis=0)
        out["value"] = metrics.accuracy(y, jnp.argmax(z, axis=-1), weights=test_w)
        out["baseline"] = metrics.accuracy(y, jnp.full_like(y, _majority(counts)), weights=test_w)
        sums = jnp.sum(activations.softmax(z), axis=1)
        out["probability_sums"] = (jnp.min(jnp.where(test_w > 0, sums, 1.0)), jnp.max(jnp.where(test_w > 0, sums, 1.0)))
    else:
        right = jnp.all((z >= 0) == (y == 1), axis=1)
        code = (y[:, 0] * 2 + y[:, 1]).astype(jnp.int32)  # the label combination as one of 4 classes
        majority = _majority(jnp.stack([jnp.sum(train_w * (code == c)) for c in range(4)]))
        out["value"] = jnp.sum(test_w * right) / jnp.sum(test_w)
        out["baseline"] = jnp.sum(test_w * (code == majority)) / jnp.sum(test_w)
        sums = jnp.sum(activations.sigmoid(z), axis=1)
        kept = test_w > 0
        out["probability_sums"] = (jnp.min(jnp.where(kept, sums, jnp.inf)), jnp.max(jnp.where(kept, sums, -jnp.inf)))
    return out


def _tasks(config: Config) -> list[dict]:
    rows = _tasks_data()
    out = []
    for i, row in enumerate(rows):
        net = networks.task_network(row["X"].shape[1], row["d_out"], config.hidden)

        # One compiled program per row (split, scaling, training, scores): XLA compiles four
        # programs faster than one program holding all four.
        def program(key, X, y, task=row["task"], net=net):
            split_key, init_key = jax.random.split(key)
            n = X.shape[0]
            test_rows = jax.random.permutation(split_key, n)[: int(round(TEST_FRACTION * n))]
            test_w = jnp.zeros(n, X.dtype).at[test_rows].set(1.0)
            return _one_task(task, net, net.init(init_key), X, y, 1.0 - test_w, test_w, config)

        key = jax.random.fold_in(jax.random.key(config.seed), i)
        scores = jax.tree.map(np.asarray, _common.run_once(program, key, row["X"], row["y"]))
        out.append(
            {k: v for k, v in row.items() if k not in ("X", "y")}
            | {k: (tuple(map(float, v)) if isinstance(v, tuple) else float(v)) for k, v in scores.items()}
        )
    return out


def compute(config: Config) -> dict:
    """The two line fits and the four task networks."""
    _common.check_config(config)
    with _common.progress(NAME, total=2) as step:
        step("a line fitted by MAE and by MSE")
        line = _line(config)
        step("one network per task")
        tasks = _tasks(config)
    return {"line": line, "tasks": tasks, "n_points": config.n_points, "n_outliers": config.n_outliers}


# --------------------------------------------------------------------------- lessons


def lessons(results: dict) -> list[Lesson]:
    out = []
    mae, mse = results["line"]["MAE"], results["line"]["MSE"]
    k, n = results["n_outliers"], results["n_points"]
    robust = mae["distance"] < mse["distance"]
    out.append(
        Lesson(
            "mae_robust_mse_pulled",
            robust,
            f"With {k} outliers among {n} points, the MAE line stays {mae['distance']:.2f} from the true line on "
            f"average over the points, the MSE line {mse['distance']:.2f}: MAE is robust to outliers, MSE is "
            "pulled towards them."
            if robust
            else f"The MAE line ended {mae['distance']:.2f} from the true line and the MSE line "
            f"{mse['distance']:.2f}: MAE was not the more robust here (too few epochs for its constant-size steps?).",
        )
    )
    share = k / n
    dominate = mse["outlier_pull"] > mae["outlier_pull"]
    out.append(
        Lesson(
            "outliers_dominate_mse_gradient",
            dominate,
            f"Why: at the true line the {k} outliers ({share:.0%} of the points) carry "
            f"{mse['outlier_pull']:.0%} of MSE's gradient (its gradient 2e grows with the error) but "
            f"{mae['outlier_pull']:.0%} of MAE's (the gradient of |e| has the same size for every error)."
            if dominate
            else f"At the true line the outliers carry {mse['outlier_pull']:.0%} of MSE's gradient and "
            f"{mae['outlier_pull']:.0%} of MAE's: they do not dominate MSE here.",
        )
    )
    tasks = results["tasks"]
    beaten = [t for t in tasks if t["value"] > t["baseline"]]
    listed = "; ".join(f"{t['task']} {t['metric']} {t['value']:.3f} against {t['baseline']:.3f}" for t in tasks)
    out.append(
        Lesson(
            "every_pairing_learns",
            len(beaten) == len(tasks),
            f"Each output activation and loss trains a network that beats the constant guess of the training rows "
            f"(the mean target, the majority class or label combination) on the test rows: {listed}."
            if len(beaten) == len(tasks)
            else f"Not every network beat the constant guess ({listed}): more epochs are needed.",
        )
    )
    by_task = {t["task"]: t for t in tasks}
    softmax = by_task["multi-class classification"]["probability_sums"]
    sigmoids = by_task["multi-label classification"]["probability_sums"]
    one = max(abs(softmax[0] - 1), abs(softmax[1] - 1))
    different = one < 1e-5 and (sigmoids[1] - sigmoids[0]) > 0.1
    out.append(
        Lesson(
            "softmax_one_choice_sigmoids_independent",
            different,
            f"A softmax output picks one class: its probabilities sum to 1 on every wine test row (to {one:.0e}). "
            f"The multi-label output is one sigmoid per label, each its own yes/no: on the digits test rows the two "
            f"probabilities sum to anything from {sigmoids[0]:.2f} to {sigmoids[1]:.2f}.",
        )
    )
    return out


# --------------------------------------------------------------------------- render


def render(results: dict, config: Config, workdir: str | Path) -> dict:
    import matplotlib.pyplot as plt

    workdir = Path(workdir)
    found = lessons(results)
    by_name = {lesson.name: lesson for lesson in found}
    summary = _common.Summary(TITLE)
    line = results["line"]
    x, y, outlier = line["x"], line["y"], line["outlier"].astype(bool)
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    ax.scatter(x[~outlier], y[~outlier], s=16, color="C7", label="data")
    ax.scatter(x[outlier], y[outlier], s=40, marker="x", color="k", label="outliers")
    ax.plot(
        x, TRUE_SLOPE * x + TRUE_INTERCEPT, "k--", lw=1, label=f"true line y = {TRUE_SLOPE:g}x + {TRUE_INTERCEPT:g}"
    )
    for i, name in enumerate(("MAE", "MSE")):
        w, b = line[name]["w"], line[name]["b"]
        ax.plot(x, w * x + b, color=f"C{i}", lw=2, label=f"{name} fit: y = {w:.2f}x + {b:.2f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("A line fitted to data with outliers")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "mae_vs_mse.png")
    summary.figure(
        "mae_vs_mse.png",
        f"{results['n_outliers']} outliers among {results['n_points']} points, a line fitted by minimising each "
        "loss with Adam. "
        + by_name["mae_robust_mse_pulled"].text
        + " "
        + by_name["outliers_dominate_mse_gradient"].text,
    )

    header = [
        "task",
        "data",
        "output activation",
        "loss",
        "final training loss",
        "test metric",
        "value",
        "constant guess",
    ]
    rows = [
        [t["task"], t["data"], t["output"], t["loss"], t["final_training_loss"], t["metric"], t["value"], t["baseline"]]
        for t in results["tasks"]
    ]
    _common.write_csv(workdir / "tasks.csv", header, rows)
    summary.table(
        header,
        rows,
        f"The material's table, each row trained ({config.hidden}-unit ReLU hidden layer, Adam, "
        f"{config.task_epochs} full-batch epochs, {1 - TEST_FRACTION:.0%}/{TEST_FRACTION:.0%} split): a regression "
        "output is linear and trained with MSE; a binary output is one sigmoid with binary cross-entropy; a "
        "multi-class output is a softmax over the classes with cross-entropy; a multi-label output is one sigmoid "
        "per label, each with binary cross-entropy. "
        + by_name["every_pairing_learns"].text
        + " "
        + by_name["softmax_one_choice_sigmoids_independent"].text,
        csv_name="tasks.csv",
    )
    summary.write(workdir)
    return {
        "line": {name: {k: line[name][k] for k in ("w", "b", "distance", "outlier_pull")} for name in ("MAE", "MSE")},
        "tasks": {
            t["task"]: {"metric": t["metric"], "test_value": t["value"], "constant_guess": t["baseline"]}
            for t in results["tasks"]
        },
        "lessons": _common.lesson_metrics(found),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """MAE vs MSE under outliers; output activation and loss per task."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
