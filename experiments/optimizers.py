"""Optimizers: every fnn optimizer on 2-D test functions, on an MLP for digits, and against its optax twin.

1. Trajectories of each optimizer on Rosenbrock, Beale and a saddle, drawn on contour plots.
2. Training-loss curves of an MLP on the digits data, one per optimizer.
3. For each optimizer, the largest deviation of its parameters from optax's optimizer of
   the same name over a run, and the ratio of their step times (measured side by side);
   likewise against torch.optim where torch is installed and has an equivalent (float64).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments import _common, networks
from experiments._common import option
from fnn import datasets, losses, optim, train

NAME = "optimizers"
TITLE = "Optimizers on test functions and on an MLP, against optax"

# name -> (learning rate on the 2-D functions, learning rate on the MLP). optax's alias of the
# same name is the twin ("momentum"/"nesterov" are optax.sgd with momentum 0.9).
OPTIMIZERS = {
    "sgd": (2e-3, 0.1),
    "momentum": (1e-3, 0.05),
    "nesterov": (1e-3, 0.05),
    "adagrad": (0.3, 0.05),
    "adadelta": (10.0, 1.0),
    "rmsprop": (0.01, 1e-3),
    "adam": (0.05, 1e-3),
    "amsgrad": (0.05, 1e-3),
    "adamax": (0.05, 2e-3),
    "nadam": (0.05, 1e-3),
    "adamw": (0.05, 1e-3),
    "lion": (0.01, 1e-4),
}


def _make(name: str, lr, library: str):
    if library == "fnn":
        return getattr(optim, name)(lr)
    if name == "momentum":
        return optax.sgd(lr, momentum=0.9)
    if name == "nesterov":
        return optax.sgd(lr, momentum=0.9, nesterov=True)
    return getattr(optax, name)(lr)


# name -> (torch.optim class and its keyword arguments, the fnn setting documented to reproduce it
# (fnn/optim/alias.py)); lion has no torch equivalent. torch's defaults are spelled out on both sides.
TORCH_TWINS = {
    "sgd": (lambda lr: ("SGD", dict(lr=lr)), lambda lr: optim.sgd(lr)),
    "momentum": (lambda lr: ("SGD", dict(lr=lr, momentum=0.9)), lambda lr: optim.sgd(lr, momentum=0.9)),
    "nesterov": (
        lambda lr: ("SGD", dict(lr=lr, momentum=0.9, nesterov=True)),
        lambda lr: optim.nesterov(lr, momentum=0.9),
    ),
    "adagrad": (
        lambda lr: ("Adagrad", dict(lr=lr, eps=1e-10)),
        lambda lr: optim.adagrad(lr, initial_accumulator_value=0.0, eps=1e-10, eps_in_sqrt=False),
    ),
    "adadelta": (
        lambda lr: ("Adadelta", dict(lr=lr, rho=0.9, eps=1e-6)),
        lambda lr: optim.adadelta(lr, rho=0.9, eps=1e-6),
    ),
    "rmsprop": (
        lambda lr: ("RMSprop", dict(lr=lr, alpha=0.99, eps=1e-8)),
        lambda lr: optim.rmsprop(lr, decay=0.99, eps=1e-8, eps_in_sqrt=False),
    ),
    "adam": (lambda lr: ("Adam", dict(lr=lr)), lambda lr: optim.adam(lr)),
    "amsgrad": (
        lambda lr: ("Adam", dict(lr=lr, amsgrad=True)),
        lambda lr: optim.amsgrad(lr, max_before_bias_correction=True),
    ),
    "adamax": (lambda lr: ("Adamax", dict(lr=lr)), lambda lr: optim.adamax(lr)),
    "nadam": (lambda lr: ("NAdam", dict(lr=lr, momentum_decay=4e-3)), lambda lr: optim.nadam(lr, momentum_decay=4e-3)),
    "adamw": (lambda lr: ("AdamW", dict(lr=lr, weight_decay=1e-4)), lambda lr: optim.adamw(lr, weight_decay=1e-4)),
}
NO_TORCH = "n/a (torch not installed)"
NO_TWIN = "n/a (no torch equivalent)"


def _torch():
    """The torch module, or None when it is not installed (the torch column then says so)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def _rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def _beale(p):
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


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
    hidden: int = option(networks.DIGITS_HIDDEN, "hidden units of the digits MLP")
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
    for f, (ax, (fname, (fn, start, box, minimum))) in enumerate(zip(axes, FUNCTIONS.items(), strict=True)):
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
        "sign-based (Lion) methods amplify it and escape, plain SGD barely moves.",
    )
    summary.table(header, rows, "Function value at the end of each path.", csv_name="test_functions.csv", digits=3)
    return {"final_values": finals, "max_deviation_from_optax_2d": deviation}


def _mlp(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    X, y = datasets.load("digits")
    X, _, _ = datasets.standardize(X)
    init_key, shuffle_key = jax.random.split(jax.random.key(config.seed))
    net = networks.digits_network(config.hidden)
    params = net.init(init_key)

    def per_example(p, X, y):
        return losses.cross_entropy(net.apply(p, X), y, reduction="none")

    curves, deviations, ratios, torch_ratios = {}, {}, {}, {}
    torch = _torch()
    grads = jax.grad(lambda p: jnp.mean(per_example(p, X[: config.batch_size], y[: config.batch_size])))(params)
    for name in config.mlp_optimizers:
        lr = OPTIMIZERS[name][1]
        results = {}
        for library in ("fnn", "optax"):
            opt = _make(name, lr, library)
            results[library] = jax.jit(
                lambda p, k, opt=opt: train.fit(
                    per_example, p, opt, X, y, key=k, epochs=config.epochs, batch_size=config.batch_size
                )
            )(params, shuffle_key)
        curves[name] = np.asarray(results["fnn"][1].train_loss)
        deviations[name] = max(
            float(jnp.max(jnp.abs(a - b)))
            for a, b in zip(jax.tree.leaves(results["fnn"][0]), jax.tree.leaves(results["optax"][0]), strict=True)
        )
        times = {}
        for library in ("fnn", "optax"):
            opt = _make(name, lr, library)
            state = opt.init(params)
            update = jax.jit(opt.update)
            times[library] = _common.time_call(
                lambda update=update, state=state: update(grads, state, params), repeats=config.timing_repeats
            )
        ratios[name] = times["fnn"] / times["optax"]
        if torch is not None and name in TORCH_TWINS:
            torch_ratios[name] = times["fnn"] / _torch_step_time(name, lr, params, grads, config.timing_repeats, torch)

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    cmap = plt.get_cmap("tab20")
    order = list(OPTIMIZERS)
    for name, curve in curves.items():
        ax.semilogy(
            np.arange(1, config.epochs + 1),
            curve,
            color=cmap(order.index(name)),
            lw=1.6,
            label=f"{name} (lr {OPTIMIZERS[name][1]:g})",
        )
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
        "reach a low loss in the fewest epochs at their small default rates.",
    )
    return {
        "final_loss": {n: float(c[-1]) for n, c in curves.items()},
        "max_deviation_from_optax_mlp": deviations,
        "step_time_ratio_fnn_over_optax": ratios,
        "torch_step_time_ratio": torch_ratios,
    }


def _torch_deviation(name: str, lr: float, steps: int, torch) -> float:
    """Largest |fnn - torch| over the paths on every test function, in float64.

    torch runs its optimizer on its own gradients; fnn's documented twin is fed the same
    gradient sequence (feeding each its own would let roundoff grow through the feedback,
    as in ``tests/test_optim_torch.py``), so the deviation measures the update rules alone.
    """
    (torch_name, kwargs), make = TORCH_TWINS[name][0](lr), TORCH_TWINS[name][1]
    previous_dtype = torch.get_default_dtype()
    previous_x64 = jax.config.jax_enable_x64
    # torch keeps step counts and NAdam's mu_product in its default dtype
    torch.set_default_dtype(torch.float64)
    jax.config.update("jax_enable_x64", True)
    try:
        paths, grads = [], []
        for fn, start, _, _ in FUNCTIONS.values():
            p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            opt = getattr(torch.optim, torch_name)([p], **kwargs)
            for _ in range(steps):
                opt.zero_grad()
                fn(p).backward()
                grads.append(p.grad.numpy().copy())
                opt.step()
                paths.append(p.detach().numpy().copy())
        fnn_opt = make(lr)

        def path(start, g):
            def step(carry, g):
                q, state = carry
                updates, state = fnn_opt.update(g, state, q)
                q = optax.apply_updates(q, updates)
                return (q, state), q

            return jax.lax.scan(step, (start, fnn_opt.init(start)), g)[1]

        shape = (len(FUNCTIONS), steps, 2)
        starts = jnp.array([s for _, s, _, _ in FUNCTIONS.values()], jnp.float64)
        ours = jax.jit(jax.vmap(path))(starts, jnp.asarray(np.reshape(grads, shape)))  # all functions, one program
        difference = np.abs(np.asarray(ours) - np.reshape(paths, shape))
        return float(np.nanmax(difference)) if np.any(np.isfinite(difference)) else float("nan")
    finally:
        jax.config.update("jax_enable_x64", previous_x64)
        torch.set_default_dtype(previous_dtype)


def _torch_step_time(name: str, lr: float, params, grads, repeats: int, torch) -> float:
    """Median time of one ``torch.optim`` step (float32, CPU) on tensors shaped as the MLP's parameters."""
    torch_name, kwargs = TORCH_TWINS[name][0](lr)
    tensors = [torch.tensor(np.asarray(a), requires_grad=True) for a in jax.tree.leaves(params)]
    for t, g in zip(tensors, jax.tree.leaves(grads), strict=True):
        t.grad = torch.tensor(np.asarray(g))
    opt = getattr(torch.optim, torch_name)(tensors, **kwargs)
    return _common.time_call(opt.step, repeats=repeats)


def torch_column(config: Config, net: dict) -> dict:
    """Deviation from torch (2-D paths, float64) and the step-time ratio fnn / torch, per optimizer."""
    torch = _torch()
    deviation, ratio = {}, {}
    for name in config.optimizers:
        if torch is None or name not in TORCH_TWINS:
            deviation[name] = ratio[name] = NO_TORCH if torch is None else NO_TWIN
            continue
        deviation[name] = _torch_deviation(name, OPTIMIZERS[name][0], config.steps, torch)
        ratio[name] = net["torch_step_time_ratio"].get(name, "")
    return {"max_deviation_from_torch_2d": deviation, "step_time_ratio_fnn_over_torch": ratio}


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
    versus_torch = torch_column(config, net)
    net.pop("torch_step_time_ratio")
    # no "|" in the names: it would split a markdown table's cells
    header = [
        "optimizer",
        "max abs(fnn - optax), 2-D paths",
        "max abs(fnn - optax), MLP params",
        "step time fnn / optax",
        "max abs(fnn - torch), 2-D paths (float64)",
        "step time fnn / torch",
    ]
    rows = [
        [
            n,
            two_d["max_deviation_from_optax_2d"][n],
            net["max_deviation_from_optax_mlp"].get(n, ""),
            net["step_time_ratio_fnn_over_optax"].get(n, ""),
            versus_torch["max_deviation_from_torch_2d"][n],
            versus_torch["step_time_ratio_fnn_over_torch"][n],
        ]
        for n in config.optimizers
    ]
    _common.write_csv(workdir / "optax_comparison.csv", header, rows)
    summary.table(
        header,
        rows,
        f"Each fnn optimizer against its optax twin: the largest parameter difference over the whole run "
        f"({config.steps} steps on the three test functions; {config.epochs} epochs of the MLP, where "
        "measured), and the ratio of their jitted step times measured side by side in this process (1 = "
        "as fast). Differences are float32 rounding (different but equivalent operation orders). Against "
        f"torch.optim, each fnn optimizer in the setting documented to reproduce torch's (fnn/optim/alias.py) is fed "
        f"torch's gradient sequence on the three test functions, in float64, and the step time is fnn's jitted "
        "update over one eager torch `step()` on tensors shaped as the MLP's parameters (where the MLP was trained); "
        "differences near 1e-16 say the update rules are the same.",
        csv_name="optax_comparison.csv",
        digits=3,
    )
    summary.write(workdir)
    return {**two_d, **net, **versus_torch}


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
