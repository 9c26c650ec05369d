"""Activations: every activation and its derivative; vanishing gradients; dying ReLUs.

1. Each activation of :mod:`fnn.activations` with its derivative (from
   :func:`fnn.activations.derivative`, i.e. what backpropagation uses).
2. Vanishing gradients: the norm of the loss gradient for each layer of deep (10
   hidden layers) sigmoid, tanh, relu, leaky relu and elu networks on the digits
   data, at initialisation and after training; each activation trained at its own
   best learning rate of a sweep (rates x seeds vmapped, one program per activation).
3. Dying ReLUs: the fraction of hidden ReLU units that output 0 on every training
   example, epoch by epoch, at ReLU's best learning rate and at the largest of the
   sweep; whether a dead unit ever comes back.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, _plotting, networks
from experiments._common import Lesson, option
from experiments._numbers import sig
from fnn import activations, backprop, datasets, losses, optim, train

NAME = "activations"
TITLE = "Activations, vanishing gradients and dying ReLUs"

#: The activations that keep a gradient of about 1 for x > 0 (the "ReLU family").
RELU_FAMILY = ("relu", "leaky_relu", "elu")
CHANCE = 0.1  # ten digits


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed for initialisation, shuffling and the train/held-out split")
    depth: int = option(networks.DEEP_DEPTH, "number of hidden layers of the deep networks", at_least=2)
    width: int = option(networks.DEEP_WIDTH, "units per hidden layer", at_least=1)
    deep_activations: tuple[str, ...] = option(
        networks.DEEP_ACTIVATIONS,
        "hidden activations compared for vanishing gradients",
        choices=networks.DEEP_ACTIVATIONS,
    )
    learning_rates: tuple[float, ...] = option(
        (0.01, 0.03, 0.1, 0.3, 1.0),
        "SGD learning rates swept for every activation, increasing (the largest also shows dying ReLUs)",
        greater_than=0,
    )
    seeds: int = option(3, "seeds per learning rate (initialisation and shuffles)", at_least=1)
    epochs: int = option(30, "training epochs of each deep network", at_least=1)
    batch_size: int = option(64, "mini-batch size", at_least=1)
    n_train: int = option(1200, "digits examples used for training", at_least=20, at_most=1700)
    n_held_out: int = option(597, "digits examples held out (after the training ones)", at_least=10)


QUICK = Config(learning_rates=(0.03, 0.1, 0.3, 1.0), seeds=2, epochs=8, n_train=600, n_held_out=400)


# The element-wise activations drawn, with the keyword arguments used for the figure.
_PANELS = (
    ("step", activations.step, "step"),
    ("sigmoid", activations.sigmoid, r"sigmoid $\sigma(x)$"),
    ("tanh", activations.tanh, "tanh"),
    ("relu", activations.relu, "ReLU"),
    # The default slope 0.01 is invisible at this scale; 0.1 (as one note uses) shows the leak.
    ("leaky_relu", lambda x: activations.leaky_relu(x, 0.1), "leaky ReLU (a = 0.1)"),
    ("elu", activations.elu, r"ELU ($\alpha$ = 1)"),
    ("identity", activations.identity, "identity (linear)"),
)


def _maxout_unit(x):
    # One maxout unit over a scalar input with two linear pieces, max(x, -0.5 x - 1):
    # a learned piecewise-linear (here convex) activation.
    pieces = jnp.stack([x, -0.5 * x - 1.0], axis=-1)
    return activations.maxout(pieces, 2)[..., 0]


_ALL_PANELS = _PANELS + (("maxout", _maxout_unit, "maxout max(x, -0.5x - 1)"),)
TABLE_HEADER = ["activation", "f(0)", "f'(0)", "max f' on [-5, 5]", "min f on [-5, 5]", "max f on [-5, 5]"]


# --------------------------------------------------------------------------- compute


def _activation_curves() -> dict:
    """Every activation and its derivative on [-5, 5], and at 0, in one compiled program."""
    x = np.linspace(-5.0, 5.0, 1001, dtype=np.float32)
    values = jax.jit(lambda x: [(fn(x), activations.derivative(fn)(x)) for _, fn, _ in _ALL_PANELS])(
        np.append(x, np.float32(0.0))
    )
    curves, rows = {}, []
    for (name, _, _), (y, dy) in zip(_ALL_PANELS, values, strict=True):
        y, dy = np.asarray(y), np.asarray(dy)
        curves[name] = (y[:-1], dy[:-1])
        rows.append([name, float(y[-1]), float(dy[-1]), float(dy[:-1].max()), float(y[:-1].min()), float(y[:-1].max())])
    return {"x": x, "curves": curves, "table": rows}


def _digits(config: Config):
    """Standardised digits split into training and held-out rows (statistics from training rows)."""
    X, y = datasets.load("digits")
    order = np.asarray(jax.random.permutation(jax.random.key(config.seed + 1), X.shape[0]))
    X, y = np.asarray(X)[order], np.asarray(y)[order]
    n_train = min(config.n_train, X.shape[0] - 1)
    end = min(n_train + config.n_held_out, X.shape[0])
    mean, std = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
    X = (X - mean) / np.where(std > 0, std, 1.0)  # constant pixels (always 0) stay 0
    return X[:n_train], y[:n_train], X[n_train:end], y[n_train:end]


def _layers(params, X, fn) -> tuple[list, jax.Array]:
    """The outputs of every hidden layer (first layer first) and the logits, for the rows of X."""
    hidden, h = [], X
    for layer in params[:-1]:
        h = fn(h @ layer["w"] + layer["b"][None, :])
        hidden.append(h)
    return hidden, h @ params[-1]["w"] + params[-1]["b"][None, :]


def _initial_params(config: Config) -> dict:
    """Each activation's initial parameters for every seed (He for the ReLU family, Glorot otherwise), stacked.

    One program for all, outside the training programs: random draws inside those would make
    them several times slower to compile, and the draws are the same at every learning rate.
    """
    keys = jax.random.split(jax.random.key(config.seed), config.seeds)

    def init_all(keys):
        return {
            a: jax.vmap(networks.deep_network(a, depth=config.depth, width=config.width).init)(keys)
            for a in config.deep_activations
        }

    return _common.run_once(init_all, keys)


def _program(config: Config):
    """Trains every (activation, learning rate, seed) network in one program, measuring it before every epoch.

    The activation is chosen by an index (``lax.switch``), so that networks differing only in
    their activation share one compiled program: under ``vmap`` every branch is evaluated, which
    costs less run time than compiling a program per activation costs compile time.

    Entry ``e`` of each record is the network after ``e`` epochs (0: at initialisation): the
    scan runs ``epochs + 1`` times, measuring and then training, the last time with rate 0.
    """
    fns = [activations.get(a) for a in config.deep_activations]

    def one(X, y, Xv, yv, index, lr, params, shuffle_key):
        def fn(z):
            return jax.lax.switch(index, fns, z)

        net = networks.deep_network(fn, depth=config.depth, width=config.width)
        n = X.shape[0]
        both = jnp.concatenate([X, Xv])

        def per_example(p, X, y):
            return losses.cross_entropy(net.apply(p, X), y, reduction="none")

        def measure(p):
            # One pass over training and held-out rows: the training loss's gradient per layer, the dead
            # units on the training rows, the score on the held-out rows.
            def training_loss(p):
                hidden, logits = _layers(p, both, fn)
                return jnp.mean(losses.cross_entropy(logits[:n], y, reduction="none")), (hidden, logits[n:])

            (_, (hidden, held_out)), grads = jax.value_and_grad(training_loss, has_aux=True)(p)
            return {
                "grad_norm": backprop.layer_gradient_norms(grads),
                # dead: 0 on every training example, hence a zero gradient on every batch
                "dead": jnp.stack([jnp.all(h[:n] == 0, axis=0) for h in hidden]),
                "validation_loss": jnp.mean(losses.cross_entropy(held_out, yv, reduction="none")),
                "validation_accuracy": jnp.mean(jnp.argmax(held_out, axis=-1) == yv),
            }

        def epoch(carry, xs):
            params, diverged = carry
            key, rate = xs
            record = measure(params)
            record["validation_loss"] = jnp.where(diverged, jnp.nan, record["validation_loss"])
            trained, history = train.fit(
                per_example, params, optim.sgd(rate), X, y, key=key, epochs=1, batch_size=config.batch_size
            )
            # fit keeps the last finite parameters of a diverging epoch; no later epoch trains them
            params = jax.tree.map(lambda new, old: jnp.where(diverged, old, new), trained, params)
            return (params, diverged | (history.diverged_epoch >= 0)), record

        rates = jnp.where(jnp.arange(config.epochs + 1) < config.epochs, lr, 0.0)
        (_, diverged), records = jax.lax.scan(
            epoch, (params, jnp.asarray(False)), (jax.random.split(shuffle_key, config.epochs + 1), rates)
        )
        return {**records, "diverged": diverged}

    return jax.vmap(one, (None, None, None, None, 0, 0, 0, 0))


def _deep_networks(config: Config, data) -> dict:
    """Every activation at every learning rate and seed, in one compiled program."""
    X, y, Xv, yv = data
    names = config.deep_activations
    rates = np.asarray(config.learning_rates, np.float32)
    n_act, n_lr, n_seed = len(names), len(rates), config.seeds
    initial = _initial_params(config)
    # entries in (activation, rate, seed) order; the same seeds at every rate
    params = jax.tree.map(
        lambda *leaves: jnp.repeat(jnp.stack(leaves)[:, None], n_lr, axis=1).reshape(-1, *leaves[0].shape[1:]),
        *[initial[a] for a in names],
    )
    index = np.repeat(np.arange(n_act, dtype=np.int32), n_lr * n_seed)
    lrs = np.tile(np.repeat(rates, n_seed), n_act)
    keys = jnp.tile(jax.random.split(jax.random.key(config.seed + 2), n_seed), n_act * n_lr)
    args = (X, y, Xv, yv, index, lrs, params, keys)
    result = _common.run_once(_program(config), *args)
    return {
        a: {k: np.asarray(v).reshape(n_act, n_lr, n_seed, *v.shape[1:])[i] for k, v in result.items()}
        for i, a in enumerate(names)
    }


def compute(config: Config) -> dict:
    """The activation curves and every deep network's record (plain numbers and arrays; no files)."""
    _common.check_config(config)
    if len(config.learning_rates) < 2 or sorted(config.learning_rates) != list(config.learning_rates):
        raise ValueError(
            f"activations: learning_rates must be at least two increasing rates, got {config.learning_rates}"
        )
    with _common.progress(NAME, total=2) as step:
        step("activations and their derivatives")
        curves = _activation_curves()
        step("deep networks, every activation x learning rate x seed")
        deep = _deep_networks(config, _digits(config))
    best = {}
    for a, r in deep.items():
        final = np.nan_to_num(r["validation_loss"][:, :, -1].astype(np.float64), nan=np.inf).mean(axis=1)
        best[a] = int(np.argmin(final))
    return {"config": config, **curves, "deep": deep, "best": best}


# --------------------------------------------------------------------------- lessons


def _revivals(dead: np.ndarray) -> np.ndarray:
    """Per layer, the units dead at some epoch and alive at a later one, from masks (epochs + 1, layers, width)."""
    dead = dead.astype(bool)
    later_alive = np.flip(np.logical_or.accumulate(np.flip(~dead, axis=0), axis=0), axis=0)  # alive at t or after
    return np.any(dead[:-1] & later_alive[1:], axis=0).sum(axis=-1)


def _relu_runs(results: dict, config: Config) -> dict:
    """ReLU's dead-unit record at its best rate and at the largest rate of the sweep (all seeds)."""
    r = results["deep"]["relu"]
    runs = {}
    for label, i in (("best", results["best"]["relu"]), ("largest", len(config.learning_rates) - 1)):
        masks = r["dead"][i]  # (seeds, epochs + 1, layers, width)
        revived = np.stack([_revivals(m) for m in masks])  # (seeds, layers)
        died_first = masks[:, :, 0].any(axis=1).sum()  # first-layer units dead at some epoch
        runs[label] = {
            "rate": float(config.learning_rates[i]),
            "dead_init": float(masks[:, 0].mean()),
            "dead_final": float(masks[:, -1].mean()),
            "dead_per_epoch": masks.mean(axis=(2, 3)).mean(axis=0),  # (epochs + 1,)
            "dead_per_layer_final": masks[:, -1].mean(axis=(0, 2)),
            "revived_first_layer": int(revived[:, 0].sum()),
            "revived_deeper": int(revived[:, 1:].sum()),
            "ever_dead_first_layer": int(died_first),
            "diverged": int(r["diverged"][i].sum()),
        }
    return runs


def _ratios(results: dict, stage: str) -> dict[str, float]:
    """Per activation: the first to the last layer's gradient norm (median over seeds, at the best rate)."""
    out = {}
    for a, r in results["deep"].items():
        norms = r["grad_norm"][results["best"][a], :, 0 if stage == "init" else -1]  # (seeds, layers)
        out[a] = float(np.median(norms[:, 0] / norms[:, -1]))
    return out


def _accuracy(results: dict) -> dict[str, tuple[float, float]]:
    """Per activation at its best rate: the final held-out accuracy, mean and std over seeds."""
    out = {}
    for a, r in results["deep"].items():
        acc = r["validation_accuracy"][results["best"][a], :, -1]
        out[a] = (float(acc.mean()), float(acc.std()))
    return out


def lessons(results: dict) -> list[Lesson]:
    """The material's claims about activations, checked against this run's numbers."""
    config = results["config"]
    table = {row[0]: dict(zip(TABLE_HEADER[1:], row[1:], strict=True)) for row in results["table"]}
    out = []
    top = TABLE_HEADER[3]  # the largest derivative on the plotted range
    peak = table["sigmoid"][top]
    out.append(
        Lesson(
            "sigmoid_derivative_at_most_a_quarter",
            abs(peak - 0.25) < 1e-6,
            f"The sigmoid's derivative peaks at {peak:.4g} (at 0), so every sigmoid layer multiplies the "
            "backpropagated gradient by at most a quarter; tanh's derivative peaks at "
            f"{table['tanh'][top]:.4g} and ReLU's is {table['relu'][top]:.4g} for x > 0.",
        )
    )
    init = _ratios(results, "init")
    names = list(results["deep"])
    if "sigmoid" in init and len(init) > 1:
        others = {a: v for a, v in init.items() if a != "sigmoid"}
        holds = init["sigmoid"] < 1e-3 and min(others.values()) > 1e-2
        out.append(
            Lesson(
                "sigmoid_gradients_vanish",
                holds,
                f"At initialisation the first layer's gradient is {sig(init['sigmoid'])} of the last layer's "
                f"with sigmoid, through {config.depth} hidden layers, against "
                + ", ".join(f"{sig(v)} with {a}" for a, v in others.items())
                + " (median over seeds)"
                + ("." if holds else ": the sigmoid's gradient does not vanish by three orders of magnitude here."),
            )
        )
    accuracy = _accuracy(results)
    family = [a for a in RELU_FAMILY if a in accuracy]
    if "sigmoid" in accuracy and family:
        worst = min(family, key=lambda a: accuracy[a][0])
        holds = accuracy[worst][0] - accuracy["sigmoid"][0] >= 0.3
        rates = {a: config.learning_rates[results["best"][a]] for a in accuracy}
        out.append(
            Lesson(
                "relu_family_trains_where_sigmoid_does_not",
                holds,
                f"Each at its best learning rate of the sweep, after {config.epochs} epochs the held-out accuracy is "
                + ", ".join(f"{a} {accuracy[a][0]:.2f} ± {accuracy[a][1]:.2f} (rate {rates[a]:g})" for a in names)
                + f"; chance is {CHANCE:g}. "
                + (
                    f"The sigmoid network {'stays near chance' if accuracy['sigmoid'][0] < 2 * CHANCE else 'lags'}"
                    f" while every ReLU-family network trains."
                    if holds
                    else f"The ReLU family is not 0.3 ahead of sigmoid here (worst of the family: {worst})."
                )
                + (
                    " tanh, whose derivative peaks at 1 rather than 0.25, trains too."
                    if "tanh" in accuracy and accuracy["tanh"][0] - accuracy["sigmoid"][0] >= 0.3
                    else ""
                ),
            )
        )
    if "relu" in results["deep"]:
        runs = _relu_runs(results, config)
        best, large = runs["best"], runs["largest"]
        holds = large["dead_final"] > max(large["dead_init"], best["dead_final"])
        out.append(
            Lesson(
                "large_steps_kill_relus",
                holds,
                f"Dead ReLU units (output 0 on every training example), mean over {config.seeds} seeds: "
                f"{100 * best['dead_init']:.1f}% at initialisation; {100 * best['dead_final']:.1f}% after training at "
                f"ReLU's best rate {best['rate']:g}; {100 * large['dead_final']:.1f}% at the largest rate "
                f"{large['rate']:g}"
                + (f" (which diverged in {large['diverged']} of {config.seeds} seeds)" if large["diverged"] else "")
                + (
                    ": too large a step leaves many more units below 0 on every example."
                    if holds
                    else ": here the largest rate does not leave more dead units than the others."
                ),
            )
        )
        first = best["revived_first_layer"] + large["revived_first_layer"]
        ever = best["ever_dead_first_layer"] + large["ever_dead_first_layer"]
        deeper = best["revived_deeper"] + large["revived_deeper"]
        first_layer = (
            f"In the first hidden layer, whose inputs are the fixed data, a unit dead on every training example gets a "
            f"zero gradient on every batch and cannot come back ({ever} first-layer units were dead at some epoch "
            f"at the two rates, all seeds; {first} came back). "
        )
        if deeper + first:
            text = (
                f"The material says a dead ReLU never recovers. {first_layer}Deeper it does not hold here: {deeper} "
                f"units dead at some epoch were alive again later ({best['revived_deeper']} at rate {best['rate']:g}, "
                f"{large['revived_deeper']} at {large['rate']:g}). A dead unit's own weights get no gradient, but its "
                "inputs are the outputs of the layers below, which keep learning and can lift its pre-activation "
                "above 0 again"
                + (
                    f"; at the best rate the dead fraction even falls, from {100 * best['dead_init']:.1f}% to "
                    f"{100 * best['dead_final']:.1f}%."
                    if best["dead_final"] < best["dead_init"]
                    else "."
                )
            )
        else:
            text = f"The material says a dead ReLU never recovers. {first_layer}Deeper, no unit came back either."
        out.append(Lesson("dead_units_never_recover", deeper + first == 0, text))
    return out


# --------------------------------------------------------------------------- render


def _activation_figure(results: dict, workdir: Path) -> None:
    fig, axes = _plotting.figure(2, 4, width=13, height=6, sharex=True)
    x = results["x"]
    for ax, (name, _, label) in zip(axes.ravel(), _ALL_PANELS, strict=True):
        y, dy = results["curves"][name]
        ax.plot(x, y, color="C0", lw=2, label="f(x)")
        ax.plot(x, dy, color="C3", lw=1.5, ls="--", label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(label)
        ax.set_ylim(-2.2, 2.2)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("value")
    axes[0, 0].legend(loc="upper left")
    fig.suptitle("Activations f(x) (solid) and their derivatives f'(x) (dashed), from fnn.activations")
    _common.save_figure(fig, workdir / "activations.png", dpi=100)


def _vanishing_figure(results: dict, config: Config, workdir: Path) -> None:
    names = list(results["deep"])
    style = _plotting.styles(names)
    layers = np.arange(1, config.depth + 2)
    epochs = np.arange(0, config.epochs + 1)
    fig, axes = _plotting.figure(1, 3, width=16, height=4.4)
    for name in names:
        r, b = results["deep"][name], results["best"][name]
        kw = {**style[name], "markevery": None}
        axes[0, 0].plot(layers, np.median(r["grad_norm"][b, :, 0], axis=0), label=name, **kw)
        axes[0, 1].plot(layers, np.median(r["grad_norm"][b, :, -1], axis=0), label=name, **kw)
        axes[0, 2].plot(epochs, r["validation_accuracy"][b].mean(axis=0), label=name, **style[name])
    for ax, title in zip(axes[0, :2], ("at initialisation", "after training"), strict=True):
        ax.set_yscale("log")
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel(r"$\|\partial L / \partial W^{(l)}\|$ (median over seeds)")
        ax.set_title(f"Gradient norm per layer, {title}")
        ax.set_xticks(layers)
        ax.grid(alpha=0.3, which="both")
    axes[0, 2].axhline(CHANCE, color="grey", ls=":", label="chance")
    axes[0, 2].set_ylim(0, 1)
    axes[0, 2].set_xlabel("epoch (0 = initialisation)")
    axes[0, 2].set_ylabel("held-out accuracy (mean over seeds)")
    axes[0, 2].set_title("Learning curves on digits")
    axes[0, 2].grid(alpha=0.3)
    fig.suptitle(
        f"{config.depth} hidden layers of {config.width} units, each activation at its best SGD rate of the sweep"
    )
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "vanishing_gradients.png", dpi=100)


def _dead_figure(runs: dict, config: Config, workdir: Path) -> None:
    fig, axes = _plotting.figure(1, 2, width=13, height=4.4)
    epochs = np.arange(0, config.epochs + 1)
    layers = np.arange(1, config.depth + 1)
    for i, (label, run) in enumerate(runs.items()):
        name = f"rate {run['rate']:g} ({'ReLU best' if label == 'best' else 'largest of the sweep'})"
        axes[0, 0].plot(epochs, 100 * run["dead_per_epoch"], "o-", color=f"C{i}", ms=4, label=name)
        axes[0, 1].plot(layers, 100 * run["dead_per_layer_final"], "o-", color=f"C{i}", ms=4, label=name)
    axes[0, 0].set_xlabel("epoch (0 = initialisation)")
    axes[0, 0].set_ylabel("dead units, % of all hidden units")
    axes[0, 0].set_title("Dead ReLUs during training (mean over seeds)")
    axes[0, 1].set_xlabel("hidden layer (1 = next to the input)")
    axes[0, 1].set_ylabel("dead units (%)")
    axes[0, 1].set_title("Per layer, after training")
    axes[0, 1].set_xticks(layers)
    for ax in axes[0]:
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "dead_relus.png", dpi=100)


def render(results: dict, config: Config, workdir: Path) -> dict:
    """Figures, tables and ``summary.md`` from ``compute``'s results; returns the metrics."""
    workdir = Path(workdir)
    summary = _common.Summary(
        TITLE,
        f"Deep networks: {config.depth} hidden layers of {config.width} units on {config.n_train} digits "
        f"({config.n_held_out} others held out), plain SGD with mini-batches of {config.batch_size} for "
        f"{config.epochs} epochs, every activation "
        f"at each of the learning rates {', '.join(f'{r:g}' for r in config.learning_rates)} with {config.seeds} "
        "seeds; an activation's best rate is the one with the lowest mean held-out loss at the end. Initialisation "
        "follows the activation (He for the ReLU family, Glorot otherwise).",
    )
    found = lessons(results)
    said = {lesson.name: lesson.text for lesson in found}

    _activation_figure(results, workdir)
    _common.write_csv(workdir / "activations.csv", TABLE_HEADER, results["table"])
    summary.figure(
        "activations.png",
        "Every element-wise activation (solid) with its derivative as backpropagation computes it (dashed). "
        "The sigmoid's and tanh's derivatives vanish for large |x| (saturation); ReLU's is 1 for x > 0 and 0 for "
        "x <= 0 (a unit stuck at x <= 0 gets no gradient); leaky ReLU and ELU keep a gradient for x < 0. "
        + said["sigmoid_derivative_at_most_a_quarter"],
    )
    summary.table(
        TABLE_HEADER, results["table"], "Values at 0 and the extremes on the plotted range.", csv_name="activations.csv"
    )

    _vanishing_figure(results, config, workdir)
    init, trained, accuracy = _ratios(results, "init"), _ratios(results, "trained"), _accuracy(results)
    header = [
        "activation",
        "best rate",
        "first/last layer gradient (init)",
        "first/last (trained)",
        "held-out loss",
        "held-out accuracy",
    ]
    rows = []
    for a, r in results["deep"].items():
        b = results["best"][a]
        loss = r["validation_loss"][b, :, -1].astype(np.float64)
        rows.append(
            [
                a,
                config.learning_rates[b],
                init[a],
                trained[a],
                f"{sig(np.mean(loss), 3)} ± {sig(np.std(loss))}",
                f"{accuracy[a][0]:.3f} ± {accuracy[a][1]:.3f}",
            ]
        )
    _common.write_csv(workdir / "vanishing_gradients.csv", header, rows)
    sweep = []
    for a, r in results["deep"].items():
        for i, rate in enumerate(config.learning_rates):
            loss = r["validation_loss"][i, :, -1].astype(np.float64)  # NaN where a seed diverged
            diverged = int(r["diverged"][i].sum())
            sweep.append(
                [
                    a,
                    rate,
                    f"{loss.mean():.3f}" if not diverged else f"diverged in {diverged} of {config.seeds} seeds",
                    f"{r['validation_accuracy'][i, :, -1].mean():.3f}",
                ]
            )
    _common.write_csv(
        workdir / "learning_rate_sweep.csv",
        ["activation", "learning rate", "held-out loss", "held-out accuracy"],
        sweep,
    )
    per_layer = [
        [a, stage, layer + 1, float(norm)]
        for a, r in results["deep"].items()
        for stage in ("init", "trained")
        for layer, norm in enumerate(
            np.median(r["grad_norm"][results["best"][a], :, 0 if stage == "init" else -1], axis=0)
        )
    ]
    _common.write_csv(workdir / "gradient_norms.csv", ["activation", "stage", "layer", "gradient_norm"], per_layer)
    summary.figure(
        "vanishing_gradients.png",
        "Norm of the loss gradient for each layer (left: at initialisation; middle: after training) and the "
        "held-out accuracy per epoch (right), each activation at its best rate. Backpropagation multiplies the "
        "gradient by the activation's derivative once per layer. "
        + " ".join(
            said[name]
            for name in ("sigmoid_gradients_vanish", "relu_family_trains_where_sigmoid_does_not")
            if name in said
        ),
    )
    summary.table(
        header,
        rows,
        "Ratio of the first to the last layer's gradient norm (1 = no vanishing; median over seeds) and the result "
        "of training (mean ± std over seeds), at each activation's best rate. Every rate of the sweep is in "
        "[learning_rate_sweep.csv](learning_rate_sweep.csv).",
        csv_name="vanishing_gradients.csv",
        digits=3,
    )

    metrics = {
        "lessons": _common.lesson_metrics(found),
        "activation_table": {r[0]: dict(zip(TABLE_HEADER[1:], r[1:], strict=True)) for r in results["table"]},
        "vanishing_gradients": {
            a: {
                "best_rate": config.learning_rates[results["best"][a]],
                "grad_ratio_init": init[a],
                "grad_ratio_trained": trained[a],
                "validation_accuracy": accuracy[a][0],
            }
            for a in results["deep"]
        },
    }
    if "relu" in results["deep"]:
        runs = _relu_runs(results, config)
        _dead_figure(runs, config, workdir)
        header = [
            "ReLU learning rate",
            "dead at initialisation (%)",
            "dead after training (%)",
            "worst layer after (%)",
            "units back from dead (first layer / deeper)",
            "seeds diverged",
        ]
        rows = [
            [
                run["rate"],
                100 * run["dead_init"],
                100 * run["dead_final"],
                100 * run["dead_per_layer_final"].max(),
                f"{run['revived_first_layer']} / {run['revived_deeper']}",
                run["diverged"],
            ]
            for run in runs.values()
        ]
        _common.write_csv(workdir / "dead_relus.csv", header, rows)
        best, large = runs["best"], runs["largest"]
        summary.figure(
            "dead_relus.png",
            f"Dead ReLU units (output 0, hence gradient 0, on every training example), epoch by epoch (left) and per "
            f"layer at the end (right), at ReLU's best rate {best['rate']:g} and at the sweep's largest "
            f"{large['rate']:g}. Leaky ReLU and ELU (non-zero slope for x < 0) cannot die this way. "
            + said["large_steps_kill_relus"],
        )
        summary.table(
            header,
            rows,
            "Dead ReLU units (mean over seeds) and how many units dead at some epoch were alive again later. "
            + said["dead_units_never_recover"],
            csv_name="dead_relus.csv",
            digits=3,
        )
        metrics["dead_relus"] = {
            label: {k: v for k, v in run.items() if not isinstance(v, np.ndarray)} for label, run in runs.items()
        }
    summary.write(workdir)
    return metrics


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Draws every activation with its derivative; measures vanishing gradients and dead ReLUs."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
