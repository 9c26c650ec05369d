"""Optimizers: every fnn optimizer on 2-D test functions, on an MLP for digits, and against its optax twin.

1. Trajectories of each optimizer on Rosenbrock, Beale and a saddle, drawn on contour plots.
2. Training-loss curves of an MLP on the digits data, one per optimizer.
3. For each optimizer, the largest deviation of its parameters from optax's optimizer of
   the same name over a run, and the ratio of their step times (measured side by side).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments import _common
from experiments._common import option
from fnn import datasets, losses, mlp, optim, train

NAME = "optimizers"
TITLE = "Optimizers on test functions and on an MLP, against optax"

# name -> (learning rate on the 2-D functions, learning rate on the MLP). optax's alias of the
# same name is the twin ("momentum"/"nesterov" are optax.sgd with momentum 0.9).
OPTIMIZERS = {
    "sgd": (2e-3, 0.1), "momentum": (1e-3, 0.05), "nesterov": (1e-3, 0.05), "adagrad": (0.3, 0.05),
    "adadelta": (10.0, 1.0), "rmsprop": (0.01, 1e-3), "adam": (0.05, 1e-3), "amsgrad": (0.05, 1e-3),
    "adamax": (0.05, 2e-3), "nadam": (0.05, 1e-3), "adamw": (0.05, 1e-3), "lion": (0.01, 1e-4),
}


def _make(name: str, lr, library: str):
    if library == "fnn":
        return getattr(optim, name)(lr)
    if name == "momentum":
        return optax.sgd(lr, momentum=0.9)
    if name == "nesterov":
        return optax.sgd(lr, momentum=0.9, nesterov=True)
    return getattr(optax, name)(lr)


def _rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def _beale(p):
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def _saddle(p):
    return p[0] ** 2 - p[1] ** 2


# name -> (function, start, plot box, minimum or None)
FUNCTIONS = {
    "Rosenbrock": (_rosenbrock, (-1.5, 2.0), (-2.0, 2.0, -1.0, 3.0), (1.0, 1.0)),
    "Beale": (_beale, (1.0, 1.4), (-0.5, 4.0, -1.0, 2.0), (3.0, 0.5)),
    "saddle x^2 - y^2": (_saddle, (-1.0, 1e-3), (-1.5, 1.5, -1.5, 1.5), None),
}


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed (MLP initialisation and shuffles)")
    optimizers: tuple[str, ...] = option(tuple(OPTIMIZERS), "optimizers compared")
    steps: int = option(500, "steps on each 2-D test function")
    mlp_optimizers: tuple[str, ...] = option(tuple(OPTIMIZERS), "optimizers trained on the digits MLP")
    hidden: int = option(32, "hidden units of the digits MLP")
    epochs: int = option(20, "epochs on digits")
    batch_size: int = option(64, "mini-batch size on digits")
    timing_repeats: int = option(20, "timed repetitions of one MLP optimizer step")


QUICK = Config(steps=300, mlp_optimizers=("sgd", "momentum", "rmsprop", "adam"), epochs=8, timing_repeats=10)


def _trajectories(name: str, lr: float, library: str, steps: int):
    """Paths of one optimizer on every test function, shape (functions, steps + 1, 2), in one program."""
    fns = [f for f, _, _, _ in FUNCTIONS.values()]
    starts = jnp.array([s for _, s, _, _ in FUNCTIONS.values()], jnp.float32)
    opt = _make(name, lr, library)

    def path(index, start):
        def step(carry, _):
            p, state = carry
            g = jax.grad(lambda q: jax.lax.switch(index, fns, q))(p)
            updates, state = opt.update(g, state, p)
            p = optax.apply_updates(p, updates)
            return (p, state), p
        _, ps = jax.lax.scan(step, (start, opt.init(start)), None, length=steps)
        return jnp.concatenate([start[None], ps])

    return np.asarray(jax.jit(jax.vmap(path))(jnp.arange(len(fns)), starts))


def _test_functions(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    paths = {n: _trajectories(n, OPTIMIZERS[n][0], "fnn", config.steps) for n in config.optimizers}
    twins = {n: _trajectories(n, OPTIMIZERS[n][0], "optax", config.steps) for n in config.optimizers}
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    cmap = plt.get_cmap("tab20")
    finals = {}
    for f, (ax, (fname, (fn, start, box, minimum))) in enumerate(zip(axes, FUNCTIONS.items())):
        xs, ys = np.linspace(box[0], box[1], 300), np.linspace(box[2], box[3], 300)
        gx, gy = np.meshgrid(xs, ys)
        z = np.asarray(fn(np.stack([gx, gy])))
        levels = np.geomspace(max(z.min(), 1e-3), z.max(), 25) if z.min() >= 0 else 25
        ax.contour(gx, gy, z, levels=levels, cmap="Greys", linewidths=0.6)
        for i, (name, p) in enumerate(paths.items()):
            q = p[f]
            q = q[np.all(np.isfinite(q), axis=1)]
            ax.plot(q[:, 0], q[:, 1], "-", color=cmap(i), lw=1.3, label=name)
            ax.plot(q[-1, 0], q[-1, 1], "o", color=cmap(i), ms=4)
            finals.setdefault(name, {})[fname] = float(fn(p[f, -1])) if np.all(np.isfinite(p[f, -1])) else float("nan")
        ax.plot(*start, "k^", ms=9, label="start")
        if minimum:
            ax.plot(*minimum, "r*", ms=14, label="minimum")
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"{fname}: {config.steps} steps")
    axes[0].legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "trajectories.png")
    deviation = {n: float(np.nanmax(np.abs(paths[n] - twins[n]))) for n in config.optimizers}
    header = ["optimizer", "learning rate", *[f"final f, {f}" for f in FUNCTIONS]]
    rows = [[n, OPTIMIZERS[n][0], *finals[n].values()] for n in config.optimizers]
    _common.write_csv(workdir / "test_functions.csv", header, rows)
    summary.figure(
        "trajectories.png",
        "Paths of every optimizer from the same start (one learning rate per optimizer for all three "
        "functions). Plain SGD's step is proportional to the gradient, so it zigzags across Rosenbrock's "
        "steep walls; momentum and Nesterov accumulate velocity along the valley; the adaptive methods "
        "(Adagrad, RMSprop, Adam and its variants) rescale each coordinate by its gradient history, so "
        "their steps keep about the learning rate's size whatever the gradient's scale. On the saddle, "
        "started almost on the ridge, the direction of descent is tiny at first: adaptive and "
        "sign-based (Lion) methods amplify it and escape, plain SGD barely moves.")
    summary.table(header, rows, "Function value at the end of each path.", csv_name="test_functions.csv", digits=3)
    return {"final_values": finals, "max_deviation_from_optax_2d": deviation}


def _mlp(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    X, y = datasets.load("digits")
    X, _, _ = datasets.standardize(X)
    init_key, shuffle_key = jax.random.split(jax.random.key(config.seed))
    params = mlp.init(init_key, [64, config.hidden, 10])

    def per_example(p, X, y):
        return losses.cross_entropy(mlp.apply(p, X), y, reduction="none")

    curves, deviations, ratios = {}, {}, {}
    grads = jax.grad(lambda p: jnp.mean(per_example(p, X[:config.batch_size], y[:config.batch_size])))(params)
    for name in config.mlp_optimizers:
        lr = OPTIMIZERS[name][1]
        results = {}
        for library in ("fnn", "optax"):
            opt = _make(name, lr, library)
            results[library] = jax.jit(lambda p, k, opt=opt: train.fit(
                per_example, p, opt, X, y, key=k, epochs=config.epochs, batch_size=config.batch_size))(
                    params, shuffle_key)
        curves[name] = np.asarray(results["fnn"][1].train_loss)
        deviations[name] = max(float(jnp.max(jnp.abs(a - b)))
                               for a, b in zip(jax.tree.leaves(results["fnn"][0]), jax.tree.leaves(results["optax"][0])))
        times = {}
        for library in ("fnn", "optax"):
            opt = _make(name, lr, library)
            state = opt.init(params)
            update = jax.jit(opt.update)
            times[library] = _common.time_call(lambda: update(grads, state, params), repeats=config.timing_repeats)
        ratios[name] = times["fnn"] / times["optax"]

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    cmap = plt.get_cmap("tab20")
    order = list(OPTIMIZERS)
    for name, curve in curves.items():
        ax.semilogy(np.arange(1, config.epochs + 1), curve, color=cmap(order.index(name)), lw=1.6,
                    label=f"{name} (lr {OPTIMIZERS[name][1]:g})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training cross-entropy")
    ax.set_title(f"64-{config.hidden}-10 ReLU MLP on digits, mini-batch {config.batch_size}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "mlp_loss_curves.png")
    summary.figure(
        "mlp_loss_curves.png",
        "Training loss of the same MLP, initialisation and batches under each optimizer (Keras-style "
        "default learning rates for the adaptive ones). Momentum speeds SGD up; the adaptive methods "
        "reach a low loss in the fewest epochs at their small default rates.")
    return {"final_loss": {n: float(c[-1]) for n, c in curves.items()}, "max_deviation_from_optax_mlp": deviations,
            "step_time_ratio_fnn_over_optax": ratios}


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Optimizer trajectories, MLP loss curves and the comparison with optax."""
    workdir = Path(workdir)
    unknown = [n for n in config.optimizers + config.mlp_optimizers if n not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"optimizers: unknown optimizer(s) {unknown}; choose from {list(OPTIMIZERS)}")
    summary = _common.Summary(TITLE)
    two_d = _test_functions(config, workdir, summary)
    net = _mlp(config, workdir, summary)
    header = ["optimizer", "max |fnn - optax|, 2-D paths", "max |fnn - optax|, MLP params", "step time fnn / optax"]
    rows = [[n, two_d["max_deviation_from_optax_2d"][n], net["max_deviation_from_optax_mlp"].get(n, ""),
             net["step_time_ratio_fnn_over_optax"].get(n, "")] for n in config.optimizers]
    _common.write_csv(workdir / "optax_comparison.csv", header, rows)
    summary.table(
        header, rows,
        f"Each fnn optimizer against its optax twin: the largest parameter difference over the whole run "
        f"({config.steps} steps on the three test functions; {config.epochs} epochs of the MLP, where "
        "measured), and the ratio of their jitted step times measured side by side in this process (1 = "
        "as fast). Differences are float32 rounding (different but equivalent operation orders).",
        csv_name="optax_comparison.csv", digits=3)
    summary.write(workdir)
    return {**two_d, **net}


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
