"""Generalisation: universal approximation with one hidden layer; overfitting seen in train vs validation loss.

1. One hidden layer of growing width fitted to sin(x) and to a step function: wider
   layers fit the training data ever more closely (universal approximation).
2. A too-large network trained on a small noisy sample: the training loss keeps
   falling while the validation loss turns up; the epoch of lowest validation loss is
   where to stop.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import option
from fnn import losses, mlp, optim, train

NAME = "generalisation"
TITLE = "Generalisation: universal approximation and overfitting"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed")
    widths: tuple[int, ...] = option(networks.UNIVERSAL_WIDTHS, "hidden-layer widths for universal approximation")
    n_grid: int = option(200, "training points on [-pi, pi]")
    approx_epochs: int = option(3000, "full-batch Adam steps per width")
    n_small: int = option(20, "training points of the small noisy set")
    n_validation: int = option(200, "validation points")
    noise: float = option(0.3, "noise standard deviation of the small set")
    big_hidden: tuple[int, ...] = option(networks.OVERFITTING_HIDDEN, "hidden layers of the too-large network")
    overfit_epochs: int = option(3000, "full-batch Adam steps of the too-large network")
    learning_rate: float = option(0.01, "Adam learning rate")


QUICK = Config(approx_epochs=1500, overfit_epochs=1500)


def _mse_loss(net: mlp.MLP):
    def per_example(p, X, y):
        return losses.mse(net.apply(p, X), y, reduction="none")

    return per_example


def _approximation(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    x = jnp.linspace(-jnp.pi, jnp.pi, config.n_grid)[:, None]
    targets = {"sin(x)": jnp.sin(x), "step": (x >= 0).astype(x.dtype)}
    Y = jnp.stack(list(targets.values()))  # (targets, n, 1)
    fits, errors = {}, {}
    for width in config.widths:
        net = networks.approximator(width)
        params = net.init(jax.random.key(config.seed))
        loss = _mse_loss(net)

        # Both targets in one program: vmap over the target, the data X shared.
        @jax.jit
        def fit_both(Y, params=params, loss=loss):
            return jax.vmap(
                lambda y: train.fit(loss, params, optim.adam(config.learning_rate), x, y, epochs=config.approx_epochs)
            )(Y)

        trained, history = fit_both(Y)
        fits[width] = np.asarray(jax.vmap(lambda p, net=net: net.apply(p, x))(trained))
        errors[width] = np.asarray(jax.vmap(lambda p, y, loss=loss: jnp.mean(loss(p, x, y)))(trained, Y))

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.3))
    xn = np.asarray(x[:, 0])
    for t, (name, y) in enumerate(targets.items()):
        ax = axes[t]
        ax.plot(xn, np.asarray(y[:, 0]), "k", lw=3, alpha=0.3, label="target")
        for i, width in enumerate(config.widths):
            ax.plot(xn, fits[width][t, :, 0], color=f"C{i}", lw=1.5, label=f"{width} hidden units")
        ax.set_title(f"One hidden tanh layer fitting {name}")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    ax = axes[2]
    for t, name in enumerate(targets):
        ax.loglog(config.widths, [errors[w][t] for w in config.widths], "o-", label=name)
    ax.set_xlabel("hidden units")
    ax.set_ylabel("training MSE")
    ax.set_title(f"Training error vs width ({config.approx_epochs} Adam steps)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    _common.save_figure(fig, workdir / "universal_approximation.png")
    header = ["hidden units", *[f"training MSE, {n}" for n in targets]]
    rows = [[w, *map(float, errors[w])] for w in config.widths]
    _common.write_csv(workdir / "universal_approximation.csv", header, rows)
    summary.figure(
        "universal_approximation.png",
        "One hidden layer of growing width fitted to a smooth and a discontinuous target. One unit gives "
        "a single tanh-shaped bend; with more units the sum of bends follows the target ever more "
        "closely, and the training error falls with width: a single hidden layer can approximate any "
        "continuous function on a bounded interval (universal approximation), even the step up to a "
        "narrow band around the jump. It says nothing about data outside the training set.",
    )
    summary.table(header, rows, "Training error per width.", csv_name="universal_approximation.csv")
    return {str(w): dict(zip(targets, map(float, errors[w]), strict=True)) for w in config.widths}


def _overfitting(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    k_train, k_val, k_noise, k_vnoise, k_init = jax.random.split(jax.random.key(config.seed + 1), 5)
    X = jax.random.uniform(k_train, (config.n_small, 1), minval=-3.0, maxval=3.0)
    y = jnp.sin(X) + config.noise * jax.random.normal(k_noise, X.shape)
    Xv = jax.random.uniform(k_val, (config.n_validation, 1), minval=-3.0, maxval=3.0)
    yv = jnp.sin(Xv) + config.noise * jax.random.normal(k_vnoise, Xv.shape)
    net = networks.overfitting_network(config.big_hidden)
    sizes = net.layer_sizes
    params = net.init(k_init)
    trained, history = jax.jit(
        lambda p: train.fit(
            _mse_loss(net),
            p,
            optim.adam(config.learning_rate),
            X,
            y,
            epochs=config.overfit_epochs,
            validation_data=(Xv, yv),
        )
    )(params)
    tr, va = np.asarray(history.train_loss), np.asarray(history.validation_loss)
    best = int(np.argmin(va))
    epochs = np.arange(1, config.overfit_epochs + 1)
    grid = jnp.linspace(-3.0, 3.0, 400)[:, None]

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.3))
    ax = axes[0]
    ax.semilogy(epochs, tr, color="C0", label="training loss")
    ax.semilogy(epochs, va, color="C1", label="validation loss")
    ax.axvline(best + 1, color="k", ls="--", lw=1, label=f"lowest validation loss (epoch {best + 1})")
    ax.axhline(config.noise**2, color="grey", ls=":", lw=1, label="noise variance (best possible)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title(f"{'-'.join(map(str, sizes))} tanh network on {config.n_small} noisy points")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.scatter(np.asarray(Xv[:, 0]), np.asarray(yv[:, 0]), s=6, color="C1", alpha=0.4, label="validation data")
    ax.scatter(np.asarray(X[:, 0]), np.asarray(y[:, 0]), s=30, color="C0", edgecolor="k", label="training data")
    ax.plot(np.asarray(grid[:, 0]), np.sin(np.asarray(grid[:, 0])), "k--", lw=1, label="sin(x)")
    ax.plot(
        np.asarray(grid[:, 0]),
        np.asarray(net.apply(trained, grid)[:, 0]),
        "C3",
        lw=1.5,
        label=f"network after {config.overfit_epochs} epochs",
    )
    ax.set_ylim(-2.5, 2.5)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("The overfitted function chases the noise")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "overfitting.png")
    _common.write_csv(
        workdir / "overfitting_curves.csv",
        ["epoch", "training loss", "validation loss"],
        [[int(e), float(a), float(b)] for e, a, b in zip(epochs, tr, va, strict=True)],
    )
    summary.figure(
        "overfitting.png",
        f"A network far larger than {config.n_small} points need: the training loss keeps falling towards "
        f"0 (below the noise variance: it memorises the noise) while the validation loss reaches its "
        f"minimum {va[best]:.3f} at epoch {best + 1} and then rises to {va[-1]:.3f}. The validation set, "
        "never trained on, is what reveals overfitting and picks the stopping point; a separate test set "
        "then measures the chosen model.",
    )
    return {
        "best_epoch": best + 1,
        "best_validation_loss": float(va[best]),
        "final_validation_loss": float(va[-1]),
        "final_training_loss": float(tr[-1]),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Universal approximation with one hidden layer, and overfitting on a small noisy set."""
    workdir = Path(workdir)
    summary = _common.Summary(TITLE)
    result = {
        "universal_approximation": _approximation(config, workdir, summary),
        "overfitting": _overfitting(config, workdir, summary),
    }
    summary.write(workdir)
    return result


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
