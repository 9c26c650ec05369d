"""Activations: every activation and its derivative; vanishing gradients; dying ReLUs.

1. Each activation of :mod:`fnn.activations` with its derivative (from
   :func:`fnn.activations.derivative`, i.e. what backpropagation uses).
2. Vanishing gradients: the norm of the loss gradient with respect to each layer's
   weights in deep (10-layer) sigmoid, tanh, relu, leaky relu and elu networks on the
   digits data, at initialisation and after training.
3. Dying ReLUs: the fraction of hidden ReLU units that output 0 on every training
   example, at initialisation and after training with a small and a too-large
   learning rate.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import option
from fnn import activations, datasets, losses, mlp, optim, train

NAME = "activations"
TITLE = "Activations, vanishing gradients and dying ReLUs"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed for initialisation and shuffling")
    depth: int = option(networks.DEEP_DEPTH, "number of hidden layers of the deep networks")
    width: int = option(networks.DEEP_WIDTH, "units per hidden layer")
    deep_activations: tuple[str, ...] = option(
        networks.DEEP_ACTIVATIONS, "hidden activations compared for vanishing gradients"
    )
    epochs: int = option(30, "training epochs of each deep network")
    batch_size: int = option(64, "mini-batch size")
    learning_rate: float = option(0.05, "SGD learning rate of the deep networks")
    dead_learning_rates: tuple[float, ...] = option((0.05, 0.5), "SGD learning rates for the dying-ReLU comparison")
    n_train: int = option(1200, "digits examples used for training (the rest is held out)")


QUICK = Config(epochs=8, n_train=600)


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


def _activation_figure(workdir: Path) -> list[list]:
    import matplotlib.pyplot as plt

    x = jnp.linspace(-5.0, 5.0, 1001)
    panels = _PANELS + (("maxout", _maxout_unit, "maxout max(x, -0.5x - 1)"),)
    fig, axes = plt.subplots(2, 4, figsize=(13, 6), sharex=True)
    rows = []
    # Everything in one compiled program: cheaper than compiling each small eager operation.
    values = jax.jit(lambda x: [(fn(x), activations.derivative(fn)(x)) for _, fn, _ in panels])(
        jnp.concatenate([x, jnp.zeros(1)])
    )
    for ax, (name, _, label), (y, dy) in zip(axes.ravel(), panels, values, strict=True):
        y, dy = np.asarray(y), np.asarray(dy)
        f0, d0, y, dy = float(y[-1]), float(dy[-1]), y[:-1], dy[:-1]
        ax.plot(x, y, color="C0", lw=2, label="f(x)")
        ax.plot(x, dy, color="C3", lw=1.5, ls="--", label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(label)
        ax.set_ylim(-2.2, 2.2)
        ax.grid(alpha=0.3)
        rows.append([name, f0, d0, float(dy.max()), float(y.min()), float(y.max())])
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("value")
    axes[0, 0].legend(loc="upper left")
    fig.suptitle("Activations f(x) (solid) and their derivatives f'(x) (dashed), from fnn.activations")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "activations.png")
    return rows


def _digits(config: Config):
    """Standardised digits split into training and held-out rows (statistics from training rows)."""
    X, y = datasets.load("digits")
    order = jax.random.permutation(jax.random.key(config.seed + 1), X.shape[0])
    X, y = X[order], y[order]
    n_train = min(config.n_train, X.shape[0] - 1)
    train_mask = (jnp.arange(X.shape[0]) < n_train).astype(X.dtype)
    X, _, _ = datasets.standardize(X, weights=train_mask)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _selectable(names: tuple[str, ...]):
    """An activation chosen by an integer index, so networks that differ only in their
    activation share one compiled program (the index is vmapped; ``lax.switch`` under
    ``vmap`` evaluates every branch, a negligible cost for these small networks)."""
    fns = [activations.get(n) for n in names]

    def make(index):
        return lambda z: jax.lax.switch(index, fns, z)

    return make


def _loss_fn(net: mlp.MLP):
    def per_example(params, X, y):
        return losses.cross_entropy(net.apply(params, X), y, reduction="none")

    return per_example


def _layer_gradient_norms(net: mlp.MLP, params, X, y) -> jax.Array:
    """Frobenius norm of dL/dW for each layer, shape (layers,) (index 0 = next to the input)."""
    grads = jax.grad(lambda p: jnp.mean(_loss_fn(net)(p, X, y)))(params)
    return jnp.stack([jnp.linalg.norm(g["w"]) for g in grads])


def _dead_fraction(net: mlp.MLP, params, X) -> jax.Array:
    """Per hidden layer, the fraction of units that output exactly 0 on every example, shape (layers,)."""
    fractions = []
    for depth in range(1, len(params)):
        # The first `depth` layers alone, activated throughout: the outputs of hidden layer `depth`.
        first = mlp.MLP(net.layer_sizes[: depth + 1], activation=net.activation, output_activation=net.activation)
        hidden = first.apply(params[:depth], X)
        fractions.append(jnp.mean(jnp.all(hidden == 0, axis=0)))
    return jnp.stack(fractions)


def _deep_networks(config: Config, data) -> list[dict]:
    """Trains every (activation, learning rate) network of the experiment in one compiled program.

    The runs are the deep networks of ``config.deep_activations`` at ``config.learning_rate``
    plus ReLU networks at each of ``config.dead_learning_rates``; all share the data, the
    initialisation key and the shuffling key.
    """
    X, y, Xv, yv = data
    names = tuple(dict.fromkeys(config.deep_activations + ("relu",)))
    runs = [(a, config.learning_rate, "vanishing") for a in config.deep_activations]
    runs += [("relu", lr, "dead") for lr in config.dead_learning_rates]
    init_key, shuffle_key = jax.random.split(jax.random.key(config.seed))
    select = _selectable(names)

    def deep(activation):
        return networks.deep_network(activation, depth=config.depth, width=config.width)

    @jax.jit
    def train_all(index, rate):
        # Each named spec's "auto" initializer: He for the ReLU family, Glorot otherwise.
        inits = [deep(a).init(init_key) for a in names]
        init_params = jax.tree.map(lambda *leaves: jnp.stack(leaves), *inits)

        def one(i, lr):
            params = jax.tree.map(lambda leaf: leaf[i], init_params)
            net = deep(select(i))
            trained, history = train.fit(
                _loss_fn(net),
                params,
                optim.sgd(lr),
                X,
                y,
                key=shuffle_key,
                epochs=config.epochs,
                batch_size=config.batch_size,
                validation_data=(Xv, yv),
            )
            accuracy = jnp.mean(jnp.argmax(net.apply(trained, Xv), axis=-1) == yv)
            return {
                "grad_norm_init": _layer_gradient_norms(net, params, X, y),
                "grad_norm_trained": _layer_gradient_norms(net, trained, X, y),
                "dead_init": _dead_fraction(net, params, X),
                "dead_trained": _dead_fraction(net, trained, X),
                "train_loss": history.train_loss,
                "validation_loss": history.validation_loss,
                "validation_accuracy": accuracy,
                "diverged_epoch": history.diverged_epoch,
            }

        return jax.vmap(one)(index, rate)

    index = jnp.array([names.index(a) for a, _, _ in runs])
    rate = jnp.array([lr for _, lr, _ in runs], dtype=X.dtype)
    out = jax.tree.map(np.asarray, train_all(index, rate))
    return [
        {"activation": a, "learning_rate": lr, "part": part, **jax.tree.map(lambda v, i=i: v[i], out)}
        for i, (a, lr, part) in enumerate(runs)
    ]


def _vanishing_gradients(config: Config, workdir: Path, runs: list[dict], summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    results = {r["activation"]: r for r in runs if r["part"] == "vanishing"}
    layers = np.arange(1, config.depth + 2)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    for i, (name, r) in enumerate(results.items()):
        axes[0].semilogy(layers, r["grad_norm_init"], "o-", color=f"C{i}", label=name)
        axes[1].semilogy(layers, r["grad_norm_trained"], "o-", color=f"C{i}", label=name)
        axes[2].plot(np.arange(1, config.epochs + 1), r["validation_loss"], "-", color=f"C{i}", label=name)
    for ax, title in zip(axes[:2], ("at initialisation", f"after {config.epochs} epochs of SGD"), strict=True):
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel(r"$\|\partial L / \partial W^{(l)}\|_F$")
        ax.set_title(f"Per-layer gradient norm {title}")
        ax.set_xticks(layers)
        ax.grid(alpha=0.3, which="both")
    axes[2].axhline(np.log(10), color="grey", ls=":", label="chance (log 10)")
    axes[2].set_xlabel("epoch")
    axes[2].set_ylabel("validation cross-entropy")
    axes[2].set_title("Learning curves (digits)")
    axes[2].grid(alpha=0.3)
    axes[0].legend(title=f"{config.depth} hidden layers x {config.width}")
    axes[2].legend()
    fig.tight_layout()
    _common.save_figure(fig, workdir / "vanishing_gradients.png")

    header = [
        "activation",
        "first/last layer gradient ratio (init)",
        "first/last (trained)",
        "final validation loss",
        "validation accuracy",
    ]
    rows = [
        [
            name,
            r["grad_norm_init"][0] / r["grad_norm_init"][-1],
            r["grad_norm_trained"][0] / r["grad_norm_trained"][-1],
            float(r["validation_loss"][-1]),
            r["validation_accuracy"],
        ]
        for name, r in results.items()
    ]
    _common.write_csv(workdir / "vanishing_gradients.csv", header, rows)
    per_layer = [
        [name, stage, layer, float(norm)]
        for name, r in results.items()
        for stage in ("init", "trained")
        for layer, norm in zip(layers, r[f"grad_norm_{stage}"], strict=True)
    ]
    _common.write_csv(workdir / "gradient_norms.csv", ["activation", "stage", "layer", "gradient_norm"], per_layer)
    summary.figure(
        "vanishing_gradients.png",
        f"Norm of the loss gradient for each layer's weights in {config.depth}-hidden-layer networks "
        "on the digits data (left: at initialisation; middle: after training; right: validation loss). "
        "With sigmoid every layer multiplies the backpropagated signal by sigma' <= 0.25, so the "
        "gradient reaching the first layers is orders of magnitude smaller than at the output and the "
        "network barely learns: the vanishing-gradient problem. ReLU-family activations (derivative 1 "
        "for x > 0) keep the gradient's size through the depth and train.",
    )
    summary.table(
        header,
        rows,
        "Ratio of the first to the last layer's gradient norm (1 = no vanishing) and the result of training.",
        csv_name="vanishing_gradients.csv",
        digits=3,
    )
    return {
        name: {
            "grad_ratio_init": row[1],
            "grad_ratio_trained": row[2],
            "validation_loss": row[3],
            "validation_accuracy": row[4],
        }
        for name, row in zip(results, rows, strict=True)
    }


def _dead_relus(config: Config, workdir: Path, runs: list[dict], summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    dead = [r for r in runs if r["part"] == "dead"]
    at_init = dead[0]["dead_init"]
    after = [r["dead_trained"] for r in dead]
    diverged = [int(r["diverged_epoch"]) for r in dead]

    layers = np.arange(1, config.depth + 1)
    fig, ax = plt.subplots(figsize=(7, 4.3))
    ax.plot(layers, 100 * at_init, "o-", color="black", label="at initialisation")
    for i, (lr, frac) in enumerate(zip(config.dead_learning_rates, after, strict=True)):
        ax.plot(layers, 100 * frac, "o-", color=f"C{i}", label=f"after SGD, learning rate {lr:g}")
    ax.set_xlabel("hidden layer (1 = next to the input)")
    ax.set_ylabel("dead ReLU units (%)")
    ax.set_title("Dying ReLUs: units that output 0 on every training example")
    ax.set_xticks(layers)
    ax.set_ylim(-3, 103)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _common.save_figure(fig, workdir / "dead_relus.png")

    header = ["stage", "dead units (% of all hidden)", "worst layer (%)", "diverged epoch"]
    rows = [["initialisation", 100 * at_init.mean(), 100 * at_init.max(), ""]]
    rows += [
        [f"learning rate {lr:g}", 100 * frac.mean(), 100 * frac.max(), int(d) if d >= 0 else "no"]
        for lr, frac, d in zip(config.dead_learning_rates, after, diverged, strict=True)
    ]
    _common.write_csv(workdir / "dead_relus.csv", header, rows)
    summary.figure(
        "dead_relus.png",
        "Fraction of hidden ReLU units that are dead (output 0, hence gradient 0, on every training "
        f"example) per layer: {100 * at_init.mean():.0f}% at initialisation, "
        + ", ".join(
            f"{100 * f.mean():.0f}% after training with learning rate {lr:g}"
            for lr, f in zip(config.dead_learning_rates, after, strict=True)
        )
        + ". A dead unit passes no gradient, so it never recovers; large steps push more "
        "pre-activations below 0 for good, deeper layers most: the dying-ReLU problem that leaky ReLU "
        "and ELU (non-zero slope for x < 0) avoid.",
    )
    summary.table(
        header, rows, "Dead ReLU units after training with each learning rate.", csv_name="dead_relus.csv", digits=3
    )
    return {
        "dead_fraction_init": float(at_init.mean()),
        "dead_fraction_trained": {
            f"{lr:g}": float(f.mean()) for lr, f in zip(config.dead_learning_rates, after, strict=True)
        },
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Draws every activation with its derivative; measures vanishing gradients and dead ReLUs."""
    workdir = Path(workdir)
    summary = _common.Summary(TITLE)
    rows = _activation_figure(workdir)
    header = ["activation", "f(0)", "f'(0)", "max f' on [-5, 5]", "min f on [-5, 5]", "max f on [-5, 5]"]
    _common.write_csv(workdir / "activations.csv", header, rows)
    summary.figure(
        "activations.png",
        "Every element-wise activation (solid) with its derivative as backpropagation computes it "
        "(dashed). The sigmoid's derivative never exceeds 0.25 and tanh's peaks at 1, both vanishing "
        "for large |x| (saturation); ReLU's derivative is 1 for x > 0 and 0 for x <= 0 (a unit stuck "
        "at x <= 0 gets no gradient: a dead ReLU); leaky ReLU and ELU keep a gradient for x < 0.",
    )
    summary.table(
        header, rows, "Values at 0 and the largest derivative on the plotted range.", csv_name="activations.csv"
    )
    metrics = {"activation_table": {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in rows}}
    runs = _deep_networks(config, _digits(config))
    metrics["vanishing_gradients"] = _vanishing_gradients(config, workdir, runs, summary)
    metrics["dead_relus"] = _dead_relus(config, workdir, runs, summary)
    summary.write(workdir)
    return metrics


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
