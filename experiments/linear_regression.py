"""Linear regression on housing prices: normal equation vs batch, stochastic and mini-batch GD; a learning-rate sweep.

1. Price from size (one feature): the data and the fitted line.
2. Price from size, bedrooms, zip code and wealth: the closed-form normal equation
   (:func:`fnn.linear.normal_equation`) against gradient descent with the hand-derived
   gradients (:func:`fnn.linear.fit_linear_gd`) and the training loop
   (:func:`fnn.train.fit`) in full-batch, stochastic (batch 1) and mini-batch mode.
3. A learning-rate sweep, from too small to divergent, as one ``vmap``-ed program.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common
from experiments._common import option
from fnn import datasets, linear, optim, train

NAME = "linear_regression"
TITLE = "Linear regression: normal equation and gradient descent"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed for the housing data and the shuffles")
    n_houses: int = option(200, "houses in the toy market")
    noise: float = option(20.0, "price noise (thousands)")
    epochs: int = option(60, "epochs of each gradient-descent variant")
    batch_learning_rate: float = option(0.1, "learning rate of full-batch gradient descent")
    stochastic_learning_rate: float = option(0.005, "learning rate of stochastic gradient descent (batch 1)")
    minibatch_learning_rate: float = option(0.05, "learning rate of mini-batch gradient descent")
    batch_size: int = option(16, "mini-batch size")
    sweep_min: float = option(1e-3, "smallest learning rate of the sweep")
    sweep_max: float = option(1.5, "largest learning rate of the sweep")
    sweep_points: int = option(16, "learning rates in the sweep (log-spaced)")
    sweep_epochs: int = option(100, "full-batch epochs per learning rate in the sweep")


QUICK = Config(epochs=40, sweep_points=12)


def _mse_per_example(params, X, y):
    return (linear.predict_linear(params, X) - y) ** 2


def _size_only(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    X, y, coef = datasets.housing(jax.random.key(config.seed), config.n_houses, features="size", noise=config.noise)
    exact = linear.normal_equation(X, y)
    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    ax.scatter(np.asarray(X[:, 0]), np.asarray(y), s=10, alpha=0.6, label="houses")
    xs = jnp.linspace(50.0, 250.0, 2)[:, None]
    ax.plot(
        xs[:, 0],
        linear.predict_linear(exact, xs),
        "C3",
        lw=2,
        label=f"normal equation: y = {float(exact['w'][0]):.2f} x + {float(exact['b']):.1f}",
    )
    ax.plot(
        xs[:, 0],
        xs[:, 0] * coef["w"][0] + coef["b"],
        "k--",
        lw=1,
        label=f"true: y = {float(coef['w'][0]):g} x + {float(coef['b']):g}",
    )
    ax.set_xlabel("size (square metres)")
    ax.set_ylabel("price (thousands)")
    ax.set_title("Housing price from size: y_hat = w x + b")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _common.save_figure(fig, workdir / "price_vs_size.png")
    summary.figure(
        "price_vs_size.png",
        "One feature: the normal equation's line through the noisy prices recovers the slope "
        "and intercept that generated them (dashed).",
    )
    return {
        "w": float(exact["w"][0]),
        "b": float(exact["b"]),
        "true_w": float(coef["w"][0]),
        "true_b": float(coef["b"]),
    }


def _all_features(config: Config):
    X, y, coef = datasets.housing(jax.random.key(config.seed), config.n_houses, features="all", noise=config.noise)
    # Standardised features make one learning rate suit every weight (sizes ~100, zip codes ~2).
    Xs, _, _ = datasets.standardize(X)
    return Xs, y


def _descent_variants(config: Config, workdir: Path, data, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    X, y = data
    exact = linear.normal_equation(X, y)
    best = float(jnp.mean(_mse_per_example(exact, X, y)))
    zeros = {"w": jnp.zeros(X.shape[1], X.dtype), "b": jnp.zeros((), X.dtype)}
    key = jax.random.key(config.seed + 1)
    hand_params, hand_history = linear.fit_linear_gd(
        X, y, learning_rate=config.batch_learning_rate, epochs=config.epochs
    )
    variants = {
        "batch": (None, config.batch_learning_rate),
        "stochastic (batch 1)": (1, config.stochastic_learning_rate),
        f"mini-batch ({config.batch_size})": (config.batch_size, config.minibatch_learning_rate),
    }
    curves, finals = {}, {}
    for name, (batch_size, lr) in variants.items():
        params, history = jax.jit(
            lambda p, k, b=batch_size, lr=lr: train.fit(
                _mse_per_example, p, optim.sgd(lr), X, y, key=k, epochs=config.epochs, batch_size=b
            )
        )(zeros, key)
        curves[name] = np.asarray(history.train_loss)
        finals[name] = params
    # train.fit reports the loss before each full-batch step; the hand-gradient route reports
    # it after, so its curve is shifted by one epoch.
    epochs = np.arange(1, config.epochs + 1)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for i, (name, curve) in enumerate(curves.items()):
        ax.semilogy(epochs, curve, color=f"C{i}", lw=1.8, label=f"{name}, eta = {variants[name][1]:g}")
    ax.semilogy(epochs + 1, np.asarray(hand_history), "k:", lw=1.5, label="batch, hand-written gradients")
    ax.axhline(best, color="C3", ls="--", label=f"normal equation (MSE {best:.0f})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE (thousands$^2$)")
    ax.set_title("Price from size, bedrooms, zip code, wealth: gradient descent vs normal equation")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "loss_curves.png")

    header = ["method", "learning rate", "final training MSE", "max |w - w_normal_equation|"]
    rows = [["normal equation", "", best, 0.0]]
    rows.append(
        [
            "batch GD, hand gradients",
            config.batch_learning_rate,
            float(hand_history[-1]),
            float(jnp.max(jnp.abs(hand_params["w"] - exact["w"]))),
        ]
    )
    for name, params in finals.items():
        rows.append(
            [
                f"{name} GD",
                variants[name][1],
                float(jnp.mean(_mse_per_example(params, X, y))),
                float(jnp.max(jnp.abs(params["w"] - exact["w"]))),
            ]
        )
    _common.write_csv(workdir / "methods.csv", header, rows)
    summary.figure(
        "loss_curves.png",
        "Training MSE per epoch for the three kinds of gradient descent, against the normal equation's "
        "exact minimum (dashed). Full-batch descent takes one smooth step per epoch; stochastic descent "
        "takes one noisy step per example, so it gets near the minimum in fewer epochs but keeps "
        "jittering around it; mini-batch descent is in between. All approach the closed form, which "
        "needs no learning rate but a solve with X^T X (costly with many features, impossible when "
        "X^T X is singular).",
    )
    summary.table(
        header, rows, "Final training error and distance of the weights from the closed form.", csv_name="methods.csv"
    )
    return {"normal_equation_mse": best, **{f"{r[0]} mse": r[2] for r in rows[1:]}, "hand_gd_weight_error": rows[1][3]}


def _sweep(config: Config, workdir: Path, data, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    X, y = data
    best = float(jnp.mean(_mse_per_example(linear.normal_equation(X, y), X, y)))
    rates = jnp.geomspace(config.sweep_min, config.sweep_max, config.sweep_points).astype(X.dtype)
    # One compiled program for all learning rates: the rate is a vmapped array, not a constant.
    params, histories = jax.jit(
        jax.vmap(lambda lr: linear.fit_linear_gd(X, y, learning_rate=lr, epochs=config.sweep_epochs))
    )(rates)
    histories = np.asarray(histories)
    final = histories[:, -1]
    diverged = ~np.isfinite(final) | (final > histories[:, 0])
    rates = np.asarray(rates)

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    cmap = plt.get_cmap("viridis")
    epochs = np.arange(1, config.sweep_epochs + 1)
    for i, (lr, h) in enumerate(zip(rates, histories, strict=True)):
        axes[0].semilogy(
            epochs,
            np.where(np.isfinite(h), h, np.nan),
            color=cmap(i / max(len(rates) - 1, 1)),
            lw=1.3,
            label=f"{lr:.3g}" + (" (diverges)" if diverged[i] else ""),
        )
    axes[0].axhline(best, color="C3", ls="--", lw=1)
    axes[0].set_ylim(best * 0.7, float(np.nanmax(histories[:, 0])) * 100)  # divergent curves leave the top
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("training MSE")
    axes[0].set_title("Loss curves per learning rate (full-batch GD)")
    axes[0].legend(title="learning rate", fontsize=7, ncol=2)
    axes[0].grid(alpha=0.3, which="both")
    shown = np.where(np.isfinite(final), final, np.nan)
    axes[1].loglog(rates[~diverged], shown[~diverged], "o-", color="C0", label="converging / slow")
    if diverged.any():
        top = np.nanmax(shown) if np.isfinite(shown).any() else best
        axes[1].scatter(
            rates[diverged],
            np.where(np.isfinite(shown[diverged]), shown[diverged], top * 10),
            marker="x",
            s=60,
            color="C3",
            label="diverged (loss grows; inf shown at top)",
        )
    axes[1].axhline(best, color="C3", ls="--", lw=1, label="normal equation")
    axes[1].set_xlabel("learning rate")
    axes[1].set_ylabel(f"training MSE after {config.sweep_epochs} epochs")
    axes[1].set_title("Final loss vs learning rate: too small is slow, too large overshoots")
    axes[1].grid(alpha=0.3, which="both")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "learning_rate_sweep.png")

    header = ["learning rate", "final training MSE", "diverged"]
    rows = [[float(lr), float(f), bool(d)] for lr, f, d in zip(rates, final, diverged, strict=True)]
    _common.write_csv(workdir / "learning_rate_sweep.csv", header, rows)
    good = rates[~diverged]
    summary.figure(
        "learning_rate_sweep.png",
        f"{len(rates)} learning rates from {config.sweep_min:g} to {config.sweep_max:g}, trained as one "
        "vmapped program. Too small a rate barely moves in the epochs given; the loss falls fastest just "
        "below the stability limit; beyond it each step overshoots the minimum by more than it corrects "
        f"and the loss grows without bound (first divergent rate here: "
        f"{rates[diverged].min():.3g})."
        if diverged.any()
        else f"{len(rates)} learning rates, trained as one vmapped program; none diverged in this range.",
    )
    summary.table(header, rows, "Final loss per learning rate.", csv_name="learning_rate_sweep.csv", digits=3)
    return {
        "best_rate": float(good[np.argmin(final[~diverged])]) if good.size else None,
        "first_divergent_rate": float(rates[diverged].min()) if diverged.any() else None,
        "smallest_rate_final_mse": float(final[0]),
        "normal_equation_mse": best,
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Normal equation vs gradient descent on housing prices, and a learning-rate sweep."""
    workdir = Path(workdir)
    summary = _common.Summary(TITLE)
    metrics = {"size_only": _size_only(config, workdir, summary)}
    data = _all_features(config)
    metrics["methods"] = _descent_variants(config, workdir, data, summary)
    metrics["sweep"] = _sweep(config, workdir, data, summary)
    summary.write(workdir)
    return metrics


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
