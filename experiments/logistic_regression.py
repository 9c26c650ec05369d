"""Logistic regression on breast cancer: log-loss curves, metrics and the confusion matrix, next to scikit-learn.

The model :math:`\\hat p = \\sigma(w \\cdot x + b)` is trained by full-batch gradient
descent on the log loss, once with the hand-derived gradient
(:func:`fnn.linear.fit_logistic_gd`) and once with the training loop and ``jax.grad``
(:func:`fnn.train.fit`), and scored with :mod:`fnn.metrics` on a stratified hold-out
split next to scikit-learn's ``LogisticRegression`` on the same split.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common
from experiments._common import Lesson, option
from fnn import cv, datasets, linear, losses, metrics, optim, train

NAME = "logistic_regression"
TITLE = "Logistic regression on breast cancer"
METRICS = ("accuracy", "precision", "recall", "specificity", "f1")
#: the hand-written and jax.grad routes compute the same steps in another order: float32 rounding only
_SAME_WEIGHTS_RTOL = 1e-4
#: two metric implementations on the same predictions: the same fractions up to float32 rounding
_SAME_METRIC_ATOL = 1e-6


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed of the train/test split")
    test_fraction: float = option(0.3, "fraction of the rows held out for testing", greater_than=0, at_most=0.9)
    epochs: int = option(500, "full-batch gradient-descent epochs", at_least=1)
    learning_rate: float = option(0.5, "gradient-descent learning rate", greater_than=0)


QUICK = Config(epochs=300)


# --------------------------------------------------------------------------- compute


def _fnn_scores(y_true, y_pred, weights) -> dict:
    return {
        "accuracy": metrics.accuracy(y_true, y_pred, weights=weights),
        "precision": metrics.precision(y_true, y_pred, weights=weights),
        "recall": metrics.recall(y_true, y_pred, weights=weights),
        "specificity": metrics.specificity(y_true, y_pred, weights=weights),
        "f1": metrics.f1_score(y_true, y_pred, weights=weights),
    }


def _sklearn_scores(y_true, y_pred) -> tuple[dict, np.ndarray]:
    from sklearn import metrics as skm

    cm = skm.confusion_matrix(y_true, y_pred, labels=[0, 1])
    tn, fp = cm[0]
    scores = {
        "accuracy": skm.accuracy_score(y_true, y_pred),
        "precision": skm.precision_score(y_true, y_pred),
        "recall": skm.recall_score(y_true, y_pred),
        "specificity": tn / (tn + fp),
        "f1": skm.f1_score(y_true, y_pred),
    }
    return {k: float(v) for k, v in scores.items()}, cm


def compute(config: Config) -> dict:
    """Both gradient-descent routes, their test metrics, and scikit-learn's model and metrics."""
    from sklearn.linear_model import LogisticRegression

    _common.check_config(config)
    with _common.progress(NAME, total=2) as step:
        step("gradient descent, hand-written and jax.grad")
        X, y = datasets.load("breast_cancer")
        split = cv.holdout(X.shape[0], test_size=config.test_fraction, stratify=y, key=jax.random.key(config.seed))
        train_w, test_w = split.train_weights(np.float32)[0], split.test_weights(np.float32)[0]

        def program(X, labels, train_w, test_w):
            # One compiled program: scaling, both routes, predictions and metrics.
            Xs, _, _ = datasets.standardize(X, weights=train_w)  # the training rows' statistics only
            y = labels.astype(Xs.dtype)
            hand, hand_history = linear.fit_logistic_gd(
                Xs, y, learning_rate=config.learning_rate, epochs=config.epochs, weights=train_w
            )

            def per_example(p, X, y):
                return losses.binary_cross_entropy_with_logits(X @ p["w"] + p["b"], y, reduction="none")

            zeros = {"w": jnp.zeros(Xs.shape[1], Xs.dtype), "b": jnp.zeros((), Xs.dtype)}
            params, history = train.fit(
                per_example,
                zeros,
                optim.sgd(config.learning_rate),
                Xs,
                y,
                epochs=config.epochs,
                weights=train_w,
                validation_weights=test_w,
            )
            predicted = linear.predict_logistic(params, Xs).astype(labels.dtype)
            return {
                "Xs": Xs,
                "hand": hand,
                "hand_history": hand_history,
                "params": params,
                "train_loss": history.train_loss,
                "test_loss": history.validation_loss,
                "predicted": predicted,
                "scores": _fnn_scores(labels, predicted, test_w),
                "confusion": metrics.confusion_matrix(labels, predicted, weights=test_w, num_classes=2),
            }

        out = jax.tree.map(np.asarray, _common.run_once(program, X, y, jnp.asarray(train_w), jnp.asarray(test_w)))
        step("scikit-learn on the same split")
        tr, te = train_w > 0, test_w > 0
        y_np = np.asarray(y)
        sk = LogisticRegression(max_iter=5000).fit(out["Xs"][tr], y_np[tr])
        theirs, sk_cm = _sklearn_scores(y_np[te], sk.predict(out["Xs"][te]))
        # The same metrics recomputed by scikit-learn on fnn's predictions: must match fnn.metrics.
        check, _ = _sklearn_scores(y_np[te], out["predicted"][te])
    ours = {k: float(v) for k, v in out["scores"].items()}
    return {
        "n_train": int(tr.sum()),
        "n_test": int(te.sum()),
        "epochs": config.epochs,
        "learning_rate": config.learning_rate,
        "train_loss": out["train_loss"],
        "test_loss": out["test_loss"],
        "hand_loss": out["hand_history"],
        "weights_gap": float(np.max(np.abs(out["hand"]["w"] - out["params"]["w"]))),
        "weights_scale": float(np.max(np.abs(out["params"]["w"]))),
        "fnn": ours,
        "sklearn": theirs,
        "fnn_confusion": np.rint(out["confusion"]).astype(int),
        "sklearn_confusion": sk_cm,
        "metric_gap": max(abs(check[k] - ours[k]) for k in ours),
    }


# --------------------------------------------------------------------------- lessons


def lessons(results: dict) -> list[Lesson]:
    out = []
    gap, scale = results["weights_gap"], results["weights_scale"]
    same = gap <= _SAME_WEIGHTS_RTOL * max(1.0, scale)
    out.append(
        Lesson(
            "hand_gradient_equals_autodiff",
            same,
            f"The hand-derived gradient 1/N sum (p_hat - y) x and jax.grad train the same weights: they differ by at "
            f"most {gap:.1e} (largest weight {scale:.2f}), float32 rounding."
            if same
            else f"The hand-derived gradient and jax.grad end {gap:.2e} apart (largest weight {scale:.2f}): more than "
            "rounding, so they are not the same gradient.",
        )
    )
    loss = np.asarray(results["train_loss"], np.float64)
    rises = np.diff(loss)
    worst = float(np.max(rises)) if len(rises) else 0.0
    falls = worst <= 1e-6 * float(loss[0])  # float32 noise on a flat tail is not a rise
    out.append(
        Lesson(
            "log_loss_falls_every_step",
            falls,
            f"The training log loss falls at every one of the {results['epochs']} steps (from {loss[0]:.3f} to "
            f"{loss[-1]:.3f}): the log loss is convex in (w, b), and this learning rate "
            f"({results['learning_rate']:g}) is small enough for gradient descent to settle without overshooting."
            if falls
            else f"The training log loss rose by up to {worst:.2e} in one step: the learning rate "
            f"({results['learning_rate']:g}) overshoots the convex minimum; a smaller one descends steadily.",
        )
    )
    metric_gap = results["metric_gap"]
    out.append(
        Lesson(
            "metrics_match_sklearn",
            metric_gap <= _SAME_METRIC_ATOL,
            f"fnn.metrics and scikit-learn's metrics agree on the same predictions to {metric_gap:.1e}.",
        )
    )
    (tn, fp), (fn, tp) = results["fnn_confusion"]
    ours = results["fnn"]
    out.append(
        Lesson(
            "accuracy_hides_which_errors",
            fp + fn > 0,
            f"Accuracy {ours['accuracy']:.3f} counts every error alike; the confusion matrix tells them apart: {fp} "
            f"malignant tumour(s) called benign (false positives, benign being the positive class) and {fn} benign "
            f"called malignant (false negatives). Precision {ours['precision']:.3f} and specificity "
            f"{ours['specificity']:.3f} see the first kind, recall {ours['recall']:.3f} the second: which matters "
            "depends on what each error costs."
            if fp + fn > 0
            else "The model makes no error on the test rows, so this split cannot show what accuracy hides.",
        )
    )
    theirs, n = results["sklearn"], results["n_test"]
    p = (ours["accuracy"] + theirs["accuracy"]) / 2
    noise = 2 * math.sqrt(p * (1 - p) / n)  # twice the standard error of an accuracy on n rows
    diff = ours["accuracy"] - theirs["accuracy"]
    close = abs(diff) <= noise
    out.append(
        Lesson(
            "as_good_as_sklearn",
            close,
            f"Plain gradient descent reaches test accuracy {ours['accuracy']:.3f}, scikit-learn's L2-penalised "
            f"LogisticRegression {theirs['accuracy']:.3f}: a difference of {diff:+.3f}, "
            + (
                f"within the noise of {n} test rows (±{noise:.3f})."
                if close
                else f"more than the noise of {n} test rows (±{noise:.3f})."
            ),
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
    epochs = np.arange(1, results["epochs"] + 1)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), gridspec_kw={"width_ratios": [1.5, 1, 1]})
    ax = axes[0]
    ax.semilogy(epochs, results["train_loss"], color="C0", lw=2.5, label="training, jax.grad (before each step)")
    ax.semilogy(epochs, results["hand_loss"], "k:", lw=1.5, label="training, hand-written gradient (after each step)")
    ax.semilogy(epochs, results["test_loss"], color="C1", label="test, jax.grad (after each step)")
    ax.set_xlabel("epoch (one full-batch step)")
    ax.set_ylabel("log loss (log scale)")
    ax.set_title(f"Log loss, gradient descent eta = {results['learning_rate']:g}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper right")
    for ax, matrix, name in (
        (axes[1], results["fnn_confusion"], "fnn (gradient descent)"),
        (axes[2], results["sklearn_confusion"], "scikit-learn"),
    ):
        ax.imshow(matrix, cmap="Blues")
        for (i, j), v in np.ndenumerate(matrix):
            color = "white" if v > matrix.max() / 2 else "black"
            ax.text(j, i, f"{int(v)}", ha="center", va="center", fontsize=14, color=color)
        ax.set_xticks([0, 1], ["malignant (0)", "benign (1)"])
        ax.set_yticks([0, 1], ["malignant (0)", "benign (1)"])
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"Test confusion matrix:\n{name}")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "logistic_regression.png")

    header = ["model", "accuracy", "precision", "recall", "specificity", "F1"]
    rows = [
        ["fnn logistic regression (GD)", *(results["fnn"][k] for k in METRICS)],
        ["scikit-learn LogisticRegression (L2, C = 1)", *(results["sklearn"][k] for k in METRICS)],
    ]
    _common.write_csv(workdir / "test_metrics.csv", header, rows)
    summary.figure(
        "logistic_regression.png",
        f"Left: training and test log loss over {results['epochs']} full-batch steps on {results['n_train']} "
        f"training tumours, by jax.grad and by the hand-written gradient (dotted). Middle and right: confusion "
        f"matrices on the {results['n_test']} held-out tumours (a stratified hold-out; positive class: benign). "
        + by_name["hand_gradient_equals_autodiff"].text
        + " "
        + by_name["log_loss_falls_every_step"].text,
    )
    summary.table(
        header,
        rows,
        "Test metrics. "
        + by_name["accuracy_hides_which_errors"].text
        + " "
        + by_name["as_good_as_sklearn"].text
        + " "
        + by_name["metrics_match_sklearn"].text,
        csv_name="test_metrics.csv",
    )
    summary.write(workdir)
    return {
        "fnn": results["fnn"],
        "sklearn": results["sklearn"],
        "confusion_matrix": results["fnn_confusion"],
        "metric_gap_vs_sklearn": results["metric_gap"],
        "hand_vs_grad_max_weight_gap": results["weights_gap"],
        "final_train_loss": float(results["train_loss"][-1]),
        "final_test_loss": float(results["test_loss"][-1]),
        "lessons": _common.lesson_metrics(found),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Trains logistic regression by gradient descent and compares its test metrics with scikit-learn's."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
