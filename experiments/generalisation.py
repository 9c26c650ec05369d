"""Generalisation: universal approximation with one hidden layer; overfitting seen in train vs validation loss.

1. One hidden layer of growing width fitted to sin(x) and to a step function, several
   seeds each, every (width, target, seed) in one compiled program: the training error
   falls with width (universal approximation).
2. A too-large network trained on a small noisy sample, several seeds in one program:
   the training loss keeps falling while the validation loss turns up; the epoch of
   lowest validation loss is where to stop.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments import _common, _plotting, networks
from experiments._common import Lesson, option
from experiments._numbers import sig
from fnn import losses, optim, train

NAME = "generalisation"
TITLE = "Generalisation: universal approximation and overfitting"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed")
    widths: tuple[int, ...] = option(
        networks.UNIVERSAL_WIDTHS, "hidden-layer widths for universal approximation (increasing)", at_least=1
    )
    seeds: int = option(5, "initialisations per width (and of the too-large network)", at_least=1)
    n_grid: int = option(200, "training points on [-pi, pi]", at_least=2)
    approx_epochs: int = option(4000, "full-batch Adam steps per width", at_least=1)
    n_small: int = option(20, "training points of the small noisy set", at_least=1)
    n_validation: int = option(200, "validation points", at_least=1)
    noise: float = option(0.3, "noise standard deviation of the small set", greater_than=0)
    big_hidden: tuple[int, ...] = option(
        networks.OVERFITTING_HIDDEN, "hidden layers of the too-large network", at_least=1
    )
    overfit_epochs: int = option(3000, "full-batch Adam steps of the too-large network", at_least=2)
    learning_rate: float = option(
        0.01, "Adam's learning rate (for the approximators, at the start of its decay)", greater_than=0
    )
    final_learning_rate: float = option(
        1e-4, "the approximators' learning rate at the end of its cosine decay", greater_than=0
    )


QUICK = Config(seeds=3, approx_epochs=1500, overfit_epochs=1000)

TARGETS = ("sin(x)", "step")


def _mse_loss(net):
    def per_example(p, X, y):
        return losses.mse(net.apply(p, X), y, reduction="none")

    return per_example


# --------------------------------------------------------------------------- compute


def _padded_inits(config: Config) -> dict:
    """Every width's initial parameters per seed, zero-padded to the widest layer, stacked (widths, seeds, ...).

    A padded unit has zero weights in and out, so it outputs tanh(0) = 0 and gets a zero
    gradient: under Adam (0 / (0 + eps)) it stays exactly zero, and the padded network is the
    narrow one. So every width trains in one program.
    """
    widest = max(config.widths)
    keys = jax.random.split(jax.random.key(config.seed), config.seeds)

    def init_all(keys):
        stacked = []
        for width in config.widths:
            params = jax.vmap(networks.approximator(width).init)(keys)
            pad = widest - width
            stacked.append(
                [
                    {
                        "w": jnp.pad(params[0]["w"], ((0, 0), (0, 0), (0, pad))),
                        "b": jnp.pad(params[0]["b"], ((0, 0), (0, pad))),
                    },
                    {"w": jnp.pad(params[1]["w"], ((0, 0), (0, pad), (0, 0))), "b": params[1]["b"]},
                ]
            )
        return jax.tree.map(lambda *leaves: jnp.stack(leaves), *stacked)

    return _common.run_once(init_all, keys)


def _approximation(config: Config) -> dict:
    x = np.linspace(-np.pi, np.pi, config.n_grid, dtype=np.float32)[:, None]
    Y = np.stack([np.sin(x), (x >= 0).astype(np.float32)])  # (targets, n, 1)
    net = networks.approximator(max(config.widths))
    loss = _mse_loss(net)
    schedule = optax.cosine_decay_schedule(
        config.learning_rate, config.approx_epochs, alpha=config.final_learning_rate / config.learning_rate
    )
    params = _padded_inits(config)  # (widths, seeds, ...)
    n_w, n_s, n_t = len(config.widths), config.seeds, len(TARGETS)
    # entries in (width, seed, target) order
    params = jax.tree.map(lambda a: jnp.repeat(a.reshape(n_w * n_s, *a.shape[2:]), n_t, axis=0), params)
    targets = np.tile(Y, (n_w * n_s, 1, 1))

    def one(x, p, y):
        trained, history = train.fit(loss, p, optim.adam(schedule), x, y, epochs=config.approx_epochs)
        return net.apply(trained, x), jnp.mean(loss(trained, x, y)), history.train_loss

    args = (x, params, targets)
    fits, errors, curves = _common.run_once(jax.vmap(one, (None, 0, 0)), *args)
    shape = (n_w, n_s, n_t)
    return {
        "x": x[:, 0],
        "targets": Y[:, :, 0],
        "fits": np.asarray(fits).reshape(*shape, -1),
        "errors": np.asarray(errors, np.float64).reshape(shape),
        "curves": np.asarray(curves, np.float64).reshape(*shape, -1),
    }


def _overfitting(config: Config) -> dict:
    k_train, k_val, k_noise, k_vnoise, k_init = jax.random.split(jax.random.key(config.seed + 1), 5)
    X = jax.random.uniform(k_train, (config.n_small, 1), minval=-3.0, maxval=3.0)
    y = jnp.sin(X) + config.noise * jax.random.normal(k_noise, X.shape)
    Xv = jax.random.uniform(k_val, (config.n_validation, 1), minval=-3.0, maxval=3.0)
    yv = jnp.sin(Xv) + config.noise * jax.random.normal(k_vnoise, Xv.shape)
    net = networks.overfitting_network(config.big_hidden)
    keys = jax.random.split(k_init, config.seeds)
    params = _common.run_once(jax.vmap(net.init), keys)
    grid = np.linspace(-3.0, 3.0, 400, dtype=np.float32)[:, None]

    def one(X, y, Xv, yv, p):
        trained, history = train.fit(
            _mse_loss(net),
            p,
            optim.adam(config.learning_rate),
            X,
            y,
            epochs=config.overfit_epochs,
            validation_data=(Xv, yv),
        )
        return history.train_loss, history.validation_loss, net.apply(trained, grid)[:, 0]

    args = (X, y, Xv, yv, params)
    train_loss, validation_loss, curve = _common.run_once(jax.vmap(one, (None, None, None, None, 0)), *args)
    return {
        "X": np.asarray(X[:, 0]),
        "y": np.asarray(y[:, 0]),
        "Xv": np.asarray(Xv[:, 0]),
        "yv": np.asarray(yv[:, 0]),
        "grid": grid[:, 0],
        "fit": np.asarray(curve),
        "train_loss": np.asarray(train_loss, np.float64),
        "validation_loss": np.asarray(validation_loss, np.float64),
        "layer_sizes": net.layer_sizes,
    }


def compute(config: Config) -> dict:
    """Both studies (plain numbers and arrays; no files)."""
    _common.check_config(config)
    if sorted(config.widths) != list(config.widths) or len(set(config.widths)) != len(config.widths):
        raise ValueError(f"generalisation: widths must increase, got {config.widths}")
    with _common.progress(NAME, total=2) as step:
        step("universal approximation")
        approximation = _approximation(config)
        step("overfitting")
        overfitting = _overfitting(config)
    return {"config": config, "approximation": approximation, "overfitting": overfitting}


# --------------------------------------------------------------------------- lessons


def _overfit_summary(o: dict) -> dict:
    """The seeds' mean curves, the epoch of lowest mean validation loss and the losses there and at the end."""
    train_mean, validation_mean = o["train_loss"].mean(axis=0), o["validation_loss"].mean(axis=0)
    best = int(np.argmin(validation_mean))
    return {
        "train": train_mean,
        "validation": validation_mean,
        "best_epoch": best + 1,
        "best_validation": float(validation_mean[best]),
        "final_validation": float(validation_mean[-1]),
        "final_train": float(train_mean[-1]),
    }


def _why_not_narrower(results: dict, t: int) -> str:
    """For each width whose mean training error is not below the narrower one's: what its seeds reach."""
    config, a = results["config"], results["approximation"]
    mean = a["errors"].mean(axis=1)
    parts = []
    for i in np.flatnonzero(np.diff(mean[:, t]) >= 0):
        narrow, wide = config.widths[i], config.widths[i + 1]
        errors = a["errors"][i + 1, :, t]
        curves = a["curves"][i + 1, :, t]
        tenth = curves[:, -(len(curves[0]) // 10 + 1)].mean()
        parts.append(
            f"At width {wide} the seeds end between {sig(errors.min())} and {sig(errors.max())}"
            + (
                f", the best below width {narrow}'s mean, so the wider layer can fit more closely: it is the training "
                "that falls short in some seeds"
                if errors.min() < mean[i, t]
                else f", none below width {narrow}'s mean"
            )
            + f" (over the last tenth of the {config.approx_epochs} steps its mean loss fell "
            f"{100 * (1 - curves[:, -1].mean() / tenth):.0f}%)."
        )
    return " ".join(parts)


def lessons(results: dict) -> list[Lesson]:
    """The material's claims about generalisation, checked against this run's numbers."""
    config = results["config"]
    out = []
    mean = results["approximation"]["errors"].mean(axis=1)  # (widths, targets)
    falls = np.all(np.diff(mean, axis=0) < 0, axis=0)
    for t, target in enumerate(TARGETS):
        steps = ", ".join(f"{w}: {sig(mean[i, t], 3)}" for i, w in enumerate(config.widths))
        exceptions = [f"{config.widths[i]} to {config.widths[i + 1]}" for i in np.flatnonzero(np.diff(mean[:, t]) >= 0)]
        flat = [
            f"{config.widths[i]} to {config.widths[i + 1]}" for i in np.flatnonzero(mean[1:, t] > 0.9 * mean[:-1, t])
        ]
        out.append(
            Lesson(
                f"training_error_falls_with_width_{'sin' if t == 0 else 'step'}",
                bool(falls[t]),
                f"Fitting {target} with one hidden tanh layer, the training MSE (mean over {config.seeds} seeds) by "
                f"width is {steps}"
                + (
                    ": it falls with every added width"
                    + (
                        f", though hardly from {', '.join(flat)} (less than 10%: about as close as "
                        f"{config.approx_epochs} Adam steps get)."
                        if flat
                        else "."
                    )
                    if falls[t]
                    else f": it does not fall from {', '.join(exceptions)} here. " + _why_not_narrower(results, t)
                ),
            )
        )
    o = _overfit_summary(results["overfitting"])
    noise = config.noise**2
    holds = o["final_train"] < noise and o["final_validation"] > 1.1 * o["best_validation"]
    out.append(
        Lesson(
            "overfitting_shows_in_validation_loss",
            holds,
            f"The {'-'.join(map(str, results['overfitting']['layer_sizes']))} network on {config.n_small} noisy "
            f"points (mean over {config.seeds} seeds): its training MSE falls to {sig(o['final_train'])}, "
            f"{'below' if o['final_train'] < noise else 'not below'} the noise variance {noise:g} (so it fits the "
            f"noise), while the validation MSE is lowest, {sig(o['best_validation'])}, at epoch "
            f"{o['best_epoch']} and ends at {sig(o['final_validation'])}"
            + (
                f", {100 * (o['final_validation'] / o['best_validation'] - 1):.0f}% higher: the validation set picks "
                "the stopping point."
                if holds
                else ": the validation loss does not turn up by 10% in this run."
            ),
        )
    )
    return out


# --------------------------------------------------------------------------- render


def render(results: dict, config: Config, workdir: Path) -> dict:
    """Figures, tables and ``summary.md`` from ``compute``'s results; returns the metrics."""
    workdir = Path(workdir)
    summary = _common.Summary(
        TITLE,
        f"The approximators train with full-batch Adam for {config.approx_epochs} steps, the learning rate decayed "
        f"from {config.learning_rate:g} to {config.final_learning_rate:g} (cosine) so that each width settles near "
        f"its best fit instead of jittering at a constant rate's noise floor; {config.seeds} seeds per width.",
    )
    found = lessons(results)
    said = {lesson.name: lesson.text for lesson in found}

    a = results["approximation"]
    style = _plotting.styles([f"{w} hidden units" for w in config.widths])
    fig, axes = _plotting.figure(1, 3, width=16, height=4.4)
    for t, target in enumerate(TARGETS):
        ax = axes[0, t]
        ax.plot(a["x"], a["targets"][t], "k", lw=4, alpha=0.25, label="target")
        for i, w in enumerate(config.widths):
            ax.plot(a["x"], a["fits"][i, 0, t], label=f"{w} hidden units", **style[f"{w} hidden units"])
        ax.set_title(f"One hidden tanh layer fitting {target} (seed 0)")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.grid(alpha=0.3)
    ax = axes[0, 2]
    mean = a["errors"].mean(axis=1)
    for t, target in enumerate(TARGETS):
        ax.plot(config.widths, mean[:, t], "o-", color=f"C{t}", label=f"{target}, mean")
        for s in range(config.seeds):
            ax.plot(config.widths, a["errors"][:, s, t], ".", color=f"C{t}", alpha=0.5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("hidden units")
    ax.set_ylabel("training MSE (dots: seeds)")
    ax.set_title(f"Training error vs width ({config.approx_epochs} Adam steps)")
    ax.grid(alpha=0.3, which="both")
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "universal_approximation.png")
    header = ["hidden units", *[f"training MSE, {t} (mean ± std)" for t in TARGETS]]
    std = a["errors"].std(axis=1)
    rows = [
        [w, *(f"{sig(mean[i, t], 3)} ± {sig(std[i, t])}" for t in range(len(TARGETS)))]
        for i, w in enumerate(config.widths)
    ]
    _common.write_csv(workdir / "universal_approximation.csv", header, rows)
    summary.figure(
        "universal_approximation.png",
        "One hidden layer of growing width fitted to a smooth and a discontinuous target. One unit gives a single "
        "tanh-shaped bend; more units add bends that follow the target more closely. The material's claim: a "
        "single hidden layer can approximate any continuous function on a bounded interval (universal "
        "approximation), which says nothing about data outside the training set. "
        + " ".join(said[f"training_error_falls_with_width_{t}"] for t in ("sin", "step")),
    )
    summary.table(
        header, rows, f"Training error per width over {config.seeds} seeds.", csv_name="universal_approximation.csv"
    )

    o, s = results["overfitting"], _overfit_summary(results["overfitting"])
    epochs = np.arange(1, config.overfit_epochs + 1)
    fig, axes = _plotting.figure(1, 2, width=13.5, height=4.4)
    ax = axes[0, 0]
    ax.plot(epochs, s["train"], color="C0", label="training loss (mean of seeds)")
    ax.plot(epochs, s["validation"], color="C1", label="validation loss (mean of seeds)")
    ax.axvline(s["best_epoch"], color="C2", ls="-.", lw=1.2, label=f"lowest validation loss (epoch {s['best_epoch']})")
    ax.axhline(config.noise**2, color="grey", ls=":", lw=1, label="noise variance (the best possible)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title(f"{'-'.join(map(str, o['layer_sizes']))} tanh network on {config.n_small} noisy points")
    ax.grid(alpha=0.3, which="both")
    ax = axes[0, 1]
    ax.scatter(o["Xv"], o["yv"], s=6, color="C1", alpha=0.4, label="validation data")
    ax.scatter(o["X"], o["y"], s=30, color="C0", edgecolor="k", label="training data")
    ax.plot(o["grid"], np.sin(o["grid"]), "k--", lw=1, label="sin(x)")
    ax.plot(o["grid"], o["fit"][0], "C3", lw=1.5, label=f"network after {config.overfit_epochs} epochs (seed 0)")
    ax.set_ylim(-2.5, 2.5)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("The overfitted function chases the noise")
    ax.grid(alpha=0.3)
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "overfitting.png")
    _common.write_csv(
        workdir / "overfitting_curves.csv",
        ["epoch", "training loss (mean of seeds)", "validation loss (mean of seeds)"],
        [[int(e), float(a), float(b)] for e, a, b in zip(epochs, s["train"], s["validation"], strict=True)],
    )
    summary.figure(
        "overfitting.png",
        f"A network far larger than {config.n_small} points need: its training and validation loss per epoch "
        "(left; the dotted line is the noise variance, the lowest MSE a model can expect on new data) and, for one "
        "seed, the function it ends with (right). "
        + said["overfitting_shows_in_validation_loss"]
        + " The validation set, never trained on, is what reveals overfitting; a separate test set then measures "
        "the chosen model.",
    )
    summary.write(workdir)
    return {
        "lessons": _common.lesson_metrics(found),
        "universal_approximation": {
            str(w): dict(zip(TARGETS, map(float, mean[i]), strict=True)) for i, w in enumerate(config.widths)
        },
        "overfitting": {k: v for k, v in s.items() if k not in ("train", "validation")},
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Universal approximation with one hidden layer, and overfitting on a small noisy set."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
