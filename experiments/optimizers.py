"""Optimizers: each at its own best learning rate and at the material's default, on test functions and an MLP.

1. Test functions (Rosenbrock, Beale, a saddle): every optimizer's path at the best
   learning rate of a sweep (on the saddle, which has no minimum, at the material's
   Keras rate), and the final values at the material's rate too. The sweep is one
   compiled program per optimizer: the learning rate is a vmapped array.
2. An MLP on digits: training-loss curves at each optimizer's best rate and at its
   default, the mean and spread over seeds (rates x seeds vmapped in one program per
   optimizer), and which optimizer reaches the target loss first.
3. Against optax, and torch.optim where installed: the largest deviation of the
   parameters, and the step-time ratio (median and spread over repeated rounds).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments import _common, _plotting, networks
from experiments._common import Lesson, option
from experiments._numbers import sig, spread
from fnn import datasets, losses, optim, train

NAME = "optimizers"
TITLE = "Optimizers: each at its best learning rate and at the material's default"

# name -> (the fnn / optax alias, the material's learning rate, the alias's other settings).
# The rates and settings are the Keras ones the material quotes (SGD(lr=0.01, momentum=0.9),
# Adagrad(lr=0.01, epsilon=1e-6), Adadelta(lr=1.0, rho=0.95), RMSprop(lr=0.001, rho=0.9),
# Adam(lr=0.001), Adamax(lr=0.002), Nadam(lr=0.002)); the material lists no AdamW or Lion,
# so those take Keras 3's default rate, 0.001. fnn and optax take the same keywords.
MATERIAL = {
    "sgd": ("sgd", 0.01, {}),
    "momentum": ("sgd", 0.01, {"momentum": 0.9}),
    "nesterov": ("sgd", 0.01, {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("adagrad", 0.01, {"eps": 1e-6}),
    "adadelta": ("adadelta", 1.0, {"rho": 0.95}),
    "rmsprop": ("rmsprop", 1e-3, {"decay": 0.9}),
    "adam": ("adam", 1e-3, {}),
    "amsgrad": ("amsgrad", 1e-3, {}),
    "adamax": ("adamax", 2e-3, {}),
    "nadam": ("nadam", 2e-3, {}),
    "adamw": ("adamw", 1e-3, {}),
    "lion": ("lion", 1e-3, {}),
}
NAMES = tuple(MATERIAL)
#: The adaptive methods of the material (a step size per coordinate from the gradient's
#: history) and their variants; Lion (sign of a momentum) is counted apart.
ADAPTIVE = ("adagrad", "adadelta", "rmsprop", "adam", "amsgrad", "adamax", "nadam", "adamw")

# name -> the torch.optim class and its keyword arguments besides lr (torch's defaults otherwise);
# fnn.optim.from_torch gives the fnn optimizer that reproduces it. Lion has no torch.optim class.
TORCH = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "amsgrad": ("Adam", {"amsgrad": True}),
    "adamax": ("Adamax", {}),
    "nadam": ("NAdam", {}),
    "adamw": ("AdamW", {}),
}
NO_TWIN = "no torch equivalent"


def _rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def _beale(p):
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _saddle(p):
    return p[0] ** 2 - p[1] ** 2


# name -> (function, start, plot box (x0, x1, y0, y1), minimum or None). The saddle has no
# minimum, hence no best learning rate: every optimizer runs it at the material's rate.
FUNCTIONS = {
    "Rosenbrock": (_rosenbrock, (-1.5, 2.0), (-2.0, 2.0, -1.0, 3.0), (1.0, 1.0)),
    "Beale": (_beale, (1.0, 1.4), (-0.5, 4.0, -1.0, 2.0), (3.0, 0.5)),
    "saddle x^2 - y^2": (_saddle, (-1.0, 1e-3), (-1.5, 1.5, -1.5, 1.5), None),
}
SADDLE = "saddle x^2 - y^2"
#: The saddle is left when |y|, 0.001 at the start, reaches 1.
SADDLE_EXIT = 1.0


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed (MLP initialisations and shuffles)")
    optimizers: tuple[str, ...] = option(NAMES, "optimizers on the test functions", choices=NAMES)
    steps: int = option(500, "steps on each test function", at_least=3)
    decades_2d: tuple[float, ...] = option(
        (-3.0, 4.0), "log10 range (low <= 0 <= high) of the test-function sweep, in multiples of each default rate"
    )
    points_per_decade_2d: int = option(4, "learning rates per decade in the test-function sweep", at_least=1)
    mlp_optimizers: tuple[str, ...] = option(NAMES, "optimizers trained on the digits MLP", choices=NAMES)
    hidden: int = option(networks.DIGITS_HIDDEN, "hidden units of the digits MLP", at_least=1)
    epochs: int = option(30, "epochs on digits", at_least=1)
    batch_size: int = option(64, "mini-batch size on digits", at_least=1, at_most=1797)
    seeds: int = option(5, "seeds per learning rate on digits (initialisation and shuffles)", at_least=1)
    decades_mlp: tuple[float, ...] = option(
        (-1.0, 2.5), "log10 range (low <= 0 <= high) of the MLP sweep, in multiples of each default rate"
    )
    points_per_decade_mlp: int = option(4, "learning rates per decade in the MLP sweep", at_least=1)
    target_loss: float = option(0.1, "training cross-entropy that counts as reached", greater_than=0)
    compared: tuple[str, ...] = option(
        NAMES,
        "optimizers compared with optax (and torch) on MLP-shaped parameters and timed (among --optimizers)",
        choices=NAMES,
    )
    torch: bool = option(True, "compare with torch.optim too, where torch is installed")
    timing_rounds: int = option(15, "rounds of the step-time comparison (the ratio's median and spread)", at_least=1)
    timing_calls: int = option(50, "steps timed per library and round", at_least=1)


QUICK = Config(
    steps=300,
    # the material's optimizers less two of Adam's variants: the MLP sweep costs the most compile time
    mlp_optimizers=("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam"),
    epochs=15,
    seeds=3,
    points_per_decade_mlp=2,
    compared=("sgd", "momentum", "rmsprop", "adam"),
    timing_rounds=7,
    timing_calls=30,
)


# --------------------------------------------------------------------------- helpers


def _grid(decades: tuple[float, ...], per_decade: int) -> np.ndarray:
    """log10 multiples of the default rate, ``per_decade`` per decade, always including 0 (the default)."""
    if len(decades) != 2 or decades[0] > 0 or decades[1] < 0 or per_decade < 1:
        raise ValueError(
            f"optimizers: a sweep's decades must be (low <= 0, high >= 0) and points per decade >= 1, "
            f"got {decades} and {per_decade}"
        )
    k = np.arange(np.ceil(decades[0] * per_decade), np.floor(decades[1] * per_decade) + 1) / per_decade
    return np.unique(np.append(k, 0.0))


def _make(name: str, lr, library=optim):
    alias, _, kwargs = MATERIAL[name]
    return getattr(library, alias)(lr, **kwargs)


def _torch():
    """The torch module, or None when it is not installed (the report then says how to add it)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def _values(fn: Callable, paths: np.ndarray) -> np.ndarray:
    """f along paths shaped (..., 2); inf where a path is not finite."""
    with np.errstate(all="ignore"):
        v = fn(np.moveaxis(paths.astype(np.float64), -1, 0))
    return np.where(np.isfinite(v), v, np.inf)


def _epochs_to(curve: np.ndarray, target: float) -> float | None:
    """When a loss curve (one value per epoch) first reaches ``target``, in epochs; None if it does not.

    Between the last epoch above the target and the first at or below it the time is
    interpolated linearly in log(loss), so that optimizers reaching it in the same epoch
    are still told apart.
    """
    c = np.nan_to_num(np.asarray(curve, dtype=np.float64), nan=np.inf)
    hit = np.flatnonzero(c <= target)
    if not hit.size:
        return None
    e = int(hit[0])
    if e == 0:
        return 1.0
    above, below = np.log(c[e - 1]), np.log(max(c[e], 1e-30))
    return e + float((above - np.log(target)) / (above - below))


# --------------------------------------------------------------------------- compute


def _two_d(config: Config, step) -> dict:
    """Every optimizer's paths on every test function at every rate of its sweep, fnn and optax."""
    fns = [f for f, _, _, _ in FUNCTIONS.values()]
    starts = np.array([s for _, s, _, _ in FUNCTIONS.values()], np.float32)
    grid = _grid(config.decades_2d, config.points_per_decade_2d)
    n_fn, n_lr = len(FUNCTIONS), len(grid)
    index = np.tile(np.arange(n_fn), n_lr)

    def program(name):
        def path(make, lr, i, start):
            opt = make(lr)

            def step(carry, _):
                p, state = carry
                g = jax.grad(lambda q: jax.lax.switch(i, fns, q))(p)
                updates, state = opt.update(g, state, p)
                p = optax.apply_updates(p, updates)
                return (p, state), p

            _, ps = jax.lax.scan(step, (start, opt.init(start)), None, length=config.steps)
            return jnp.concatenate([start[None], ps])

        def run(lrs, i, start):  # one flat axis of (rate, function) pairs: cheaper to compile than two vmaps
            return tuple(
                jax.vmap(lambda lr, i, s, lib=lib: path(lambda r: _make(name, r, lib), lr, i, s))(lrs, i, start)
                for lib in (optim, optax)
            )

        return run

    out = {}
    for name in config.optimizers:
        step(f"test functions: {name}")
        lrs = (MATERIAL[name][1] * 10.0**grid).astype(np.float32)
        args = (np.repeat(lrs, n_fn), index, starts[index])
        ours, theirs = (
            np.asarray(a).reshape(n_lr, n_fn, config.steps + 1, 2) for a in _common.run_once(program(name), *args)
        )
        out[name] = {"rates": lrs, "fnn": ours, "optax": theirs}
    default = int(np.flatnonzero(grid == 0)[0])
    names = list(config.optimizers)
    paths = np.stack([out[n]["fnn"] for n in names])  # (optimizers, rates, functions, steps + 1, 2)
    values = np.stack([_values(fn, paths[:, :, f]) for f, (fn, _, _, _) in enumerate(FUNCTIONS.values())], axis=2)
    final = values[..., -1]  # (optimizers, rates, functions)
    # The best rate has the lowest mean log f over the last third of the steps: a rate whose path
    # bounces around chaotically and happens to end near the minimum does not count.
    tail = np.log10(np.maximum(values[..., -(config.steps // 3 + 1) :], 1e-30)).mean(axis=-1)
    chosen = np.full((len(names), n_fn), default)
    for f, fname in enumerate(FUNCTIONS):
        if fname != SADDLE:
            chosen[:, f] = np.argmin(tail[:, :, f], axis=1)
    pick = np.arange(len(names))[:, None], chosen, np.arange(n_fn)[None, :]
    twins = np.stack([out[n]["optax"] for n in names])
    # float32 paths of different but equivalent operation orders: compare relative to the coordinates' size
    deviation = np.max(np.abs(paths[pick] - twins[pick]) / (1.0 + np.abs(twins[pick])), axis=(1, 2, 3))
    return {
        "grid": grid,
        "default_index": default,
        "rates": np.stack([out[n]["rates"] for n in names]),
        "final": final,
        "tail": tail,
        "chosen": chosen,
        "paths": paths[pick],  # (optimizers, functions, steps + 1, 2) at the chosen rates
        "default_paths": paths[:, default],
        "values": values[pick],  # (optimizers, functions, steps + 1)
        "default_values": values[:, default],
        "deviation_optax": dict(zip(names, map(float, deviation), strict=True)),
    }


def _mlp(config: Config, step) -> dict:
    """Training-loss curves of the digits MLP for every optimizer x rate x seed, one program per optimizer."""
    X, y = datasets.load("digits")
    X, _, _ = datasets.standardize(X)
    net = networks.digits_network(config.hidden)
    grid = _grid(config.decades_mlp, config.points_per_decade_mlp)
    n_lr, n_seed = len(grid), config.seeds
    init_keys, shuffle_keys = jax.random.split(jax.random.key(config.seed), (2, n_seed))
    # the same initialisations and shuffles at every rate; drawn outside the training programs, where
    # random draws would cost compile time in every one of them
    initial = _common.run_once(jax.vmap(net.init), init_keys)
    params = jax.tree.map(lambda leaf: jnp.tile(leaf, (n_lr,) + (1,) * (leaf.ndim - 1)), initial)
    shuffle_keys = jnp.tile(shuffle_keys, n_lr)

    def per_example(p, X, y):
        return losses.cross_entropy(net.apply(p, X), y, reduction="none")

    def program(name):
        def one(X, y, lr, params, shuffle_key):
            _, history = train.fit(
                per_example,
                params,
                _make(name, lr),
                X,
                y,
                key=shuffle_key,
                epochs=config.epochs,
                batch_size=config.batch_size,
            )
            return history.train_loss

        return jax.vmap(one, (None, None, 0, 0, 0))

    curves = {}
    for name in config.mlp_optimizers:
        step(f"MLP: {name}")
        lrs = np.repeat((MATERIAL[name][1] * 10.0**grid).astype(np.float32), n_seed)
        args = (X, y, lrs, params, shuffle_keys)
        curves[name] = np.asarray(_common.run_once(program(name), *args)).reshape(n_lr, n_seed, -1)
    names = list(config.mlp_optimizers)
    # (optimizers, rates, seeds, epochs); NaN after a divergence; float64 so that means of huge losses stay finite
    loss = np.stack([curves[n] for n in names]).astype(np.float64)
    final = np.nan_to_num(loss[..., -1], nan=np.inf).mean(axis=2)  # a diverged seed makes its rate's mean inf
    default = int(np.flatnonzero(grid == 0)[0])
    return {
        "grid": grid,
        "default_index": default,
        "rates": np.stack([MATERIAL[n][1] * 10.0**grid for n in names]),
        "loss": loss,
        "best": np.argmin(final, axis=1),
        "final_mean": final,
    }


def _step(opt):
    """One jitted optimizer step (update and apply), as a training loop runs it."""

    def step(grads, state, params):
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return jax.jit(step)


def _time_rounds(calls: dict[str, Callable[[], object]], rounds: int, n: int) -> dict[str, np.ndarray]:
    """Wall time of ``n`` calls of each callable per round, the callables' order alternating between rounds."""
    names = list(calls)
    times = {k: [] for k in names}
    for r in range(rounds):
        for k in names if r % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            for _ in range(n):
                out = calls[k]()
            jax.block_until_ready(out)
            times[k].append(time.perf_counter() - start)
    return {k: np.array(v) for k, v in times.items()}


def _versus(config: Config, two_d: dict, step) -> dict:
    """fnn against optax (and torch): parameter deviation on MLP-shaped parameters and step-time ratios."""
    # Parameters and a 20-step gradient sequence shaped like the MLP's, drawn with numpy: eager JAX draws
    # would compile a program per shape, and any values serve to compare two update rules.
    rng = np.random.default_rng(config.seed)
    shapes = jax.eval_shape(networks.digits_network(config.hidden).init, jax.random.key(0))
    params = jax.tree.map(lambda a: jnp.asarray(rng.normal(0.0, 0.3, a.shape), a.dtype), shapes)
    sequence = [jax.tree.map(lambda a: jnp.asarray(rng.normal(0.0, 0.1, a.shape), a.dtype), shapes) for _ in range(20)]
    torch = _torch() if config.torch else None
    deviation, ratio_optax, ratio_torch, torch_deviation = {}, {}, {}, {}
    for name in config.compared:
        step(f"against optax{' and torch' if torch is not None else ''}: {name}")
        lr = MATERIAL[name][1]
        steps, finals = {}, {}
        for label, library in (("fnn", optim), ("optax", optax)):
            opt = _make(name, lr, library)
            steps[label] = _step(opt)
            p, s = params, opt.init(params)
            for g in sequence:
                p, s = steps[label](g, s, p)
            finals[label] = p
        deviation[name] = max(
            float(jnp.max(jnp.abs(a - b)))
            for a, b in zip(jax.tree.leaves(finals["fnn"]), jax.tree.leaves(finals["optax"]), strict=True)
        )
        fnn_state = _make(name, lr).init(params)
        optax_state = _make(name, lr, optax).init(params)
        grads = sequence[0]
        calls = {
            "fnn": lambda step=steps["fnn"], s=fnn_state, g=grads: step(g, s, params),
            "optax": lambda step=steps["optax"], s=optax_state, g=grads: step(g, s, params),
        }
        if torch is not None and name in TORCH:
            calls["torch"] = _torch_step(name, lr, params, grads, torch)
        times = _time_rounds(calls, config.timing_rounds, config.timing_calls)
        ratio_optax[name] = times["fnn"] / times["optax"]
        if "torch" in times:
            ratio_torch[name] = times["fnn"] / times["torch"]
            torch_deviation[name] = _torch_deviation(name, two_d, list(config.optimizers).index(name), config, torch)
    return {
        "deviation_optax_mlp": deviation,
        "ratio_optax": ratio_optax,
        "torch": None if torch is None else {"ratio": ratio_torch, "deviation": torch_deviation},
    }


def _torch_step(name: str, lr: float, params, grads, torch) -> Callable[[], None]:
    """One eager ``torch.optim`` step (float32, CPU) on tensors shaped as the MLP's parameters."""
    cls, kwargs = TORCH[name]
    tensors = [torch.tensor(np.asarray(a), requires_grad=True) for a in jax.tree.leaves(params)]
    for t, g in zip(tensors, jax.tree.leaves(grads), strict=True):
        t.grad = torch.tensor(np.asarray(g))
    return getattr(torch.optim, cls)(tensors, lr=lr, **kwargs).step


def _torch_deviation(name: str, two_d: dict, row: int, config: Config, torch) -> float:
    """Largest |fnn - torch| / (1 + |torch|) over the drawn paths (each function at its chosen rate), in float64.

    torch runs on its own gradients; ``optim.from_torch``'s optimizer is fed the same
    gradient sequence (feeding each its own would let roundoff grow through the feedback),
    so the deviation measures the update rules alone.
    """
    cls, kwargs = TORCH[name]
    rates = [float(two_d["rates"][row, c]) for c in two_d["chosen"][row]]
    previous_dtype, previous_x64 = torch.get_default_dtype(), jax.config.jax_enable_x64
    torch.set_default_dtype(torch.float64)  # torch keeps step counts and NAdam's mu_product in it
    jax.config.update("jax_enable_x64", True)
    try:
        paths, grads = [], []
        for (fn, start, _, _), lr in zip(FUNCTIONS.values(), rates, strict=True):
            p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            opt = getattr(torch.optim, cls)([p], lr=lr, **kwargs)
            for _ in range(config.steps):
                opt.zero_grad()
                fn(p).backward()
                grads.append(p.grad.numpy().copy())
                opt.step()
                paths.append(p.detach().numpy().copy())

        def path(lr, start, g):
            opt = optim.from_torch(cls, lr=lr, **kwargs)

            def step(carry, g):
                q, state = carry
                updates, state = opt.update(g, state, q)
                q = optax.apply_updates(q, updates)
                return (q, state), q

            return jax.lax.scan(step, (start, opt.init(start)), g)[1]

        shape = (len(FUNCTIONS), config.steps, 2)
        args = (
            np.array(rates, np.float64),
            np.array([s for _, s, _, _ in FUNCTIONS.values()], np.float64),
            np.reshape(grads, shape),
        )
        ours = np.asarray(_common.run_once(jax.vmap(path), *args))
        theirs = np.reshape(paths, shape)
        # relative to the coordinates' size: the saddle's paths grow without bound
        difference = np.abs(ours - theirs) / (1.0 + np.abs(theirs))
        return float(np.nanmax(difference)) if np.any(np.isfinite(difference)) else float("nan")
    finally:
        jax.config.update("jax_enable_x64", previous_x64)
        torch.set_default_dtype(previous_dtype)


def compute(config: Config) -> dict:
    """Runs the sweeps and the comparisons; returns plain numbers and arrays (no files)."""
    _common.check_config(config)
    if not set(config.compared) <= set(config.optimizers):
        raise ValueError(
            f"optimizers: compared {config.compared} must be among optimizers {config.optimizers} (the comparison "
            "with torch reuses their paths on the test functions)"
        )
    total = len(config.optimizers) + len(config.mlp_optimizers) + len(config.compared)
    with _common.progress(NAME, total=total) as step:
        two_d = _two_d(config, step)
        mlp = _mlp(config, step)
        versus = _versus(config, two_d, step)
    return {"config": config, "two_d": two_d, "mlp": mlp, **versus}


# --------------------------------------------------------------------------- lessons


def _mlp_summary(config: Config, mlp: dict, index: np.ndarray) -> dict[str, dict]:
    """Per optimizer at the given rate index: the mean curve over seeds, when each seed reaches the
    target (``epochs``: their mean, None unless every seed reaches it) and the final loss."""
    out = {}
    for o, name in enumerate(config.mlp_optimizers):
        curves = np.nan_to_num(mlp["loss"][o, index[o]], nan=np.inf)  # (seeds, epochs); a divergence is inf
        times = [_epochs_to(c, config.target_loss) for c in curves]
        reached = None not in times
        out[name] = {
            "rate": float(mlp["rates"][o, index[o]]),
            "mean": curves.mean(axis=0),
            "epochs": float(np.mean(times)) if reached else None,
            "epochs_std": float(np.std(times)) if reached else None,
            "seeds_reaching": sum(t is not None for t in times),
            "final": float(curves[:, -1].mean()),
            "final_std": float(curves[:, -1].std()),
        }
    return out


def _first(summary: dict[str, dict]) -> str:
    """The optimizer that reaches the target first (mean over seeds); by lowest final loss if none does."""
    reached = {n: s["epochs"] for n, s in summary.items() if s["epochs"] is not None}
    if reached:
        return min(reached, key=reached.get)
    return min(summary, key=lambda n: summary[n]["final"])


def _reach(s: dict, config: Config) -> str:
    """When an optimizer reaches the target, as a phrase: "in 2.8 ± 0.3 epochs" or "not within 15 epochs (...)"."""
    if s["epochs"] is not None:
        return f"in {s['epochs']:.1f} ± {s['epochs_std']:.1f} epochs"
    return (
        f"not within {config.epochs} epochs ({s['seeds_reaching']} of {config.seeds} seeds reach it; final loss "
        f"{sig(s['final'])})"
    )


def _ahead(a: dict, b: dict) -> bool:
    """Whether ``a`` reaches the target before ``b`` beyond the seeds' spread (or ends lower if neither does)."""
    if a["epochs"] is not None and b["epochs"] is not None:
        return a["epochs"] + a["epochs_std"] < b["epochs"] - b["epochs_std"]
    if a["epochs"] is not None or b["epochs"] is not None:
        return a["epochs"] is not None
    return a["final"] < b["final"]


def _race(config: Config, summary: dict[str, dict], setting: str, name: str) -> Lesson:
    """Is the first optimizer to reach the target an adaptive one?"""
    first = _first(summary)
    holds = first in ADAPTIVE
    reached = sorted((s["epochs"], n) for n, s in summary.items() if s["epochs"] is not None)
    ranking = "; ".join(f"{n} {e:.1f} ± {summary[n]['epochs_std']:.1f}" for e, n in reached[:5])
    if reached:
        text = (
            f"At {setting}, {first} reaches the MLP's target loss {config.target_loss:g} first (epochs, mean ± std "
            f"over {config.seeds} seeds: {ranking}"
            + ("; ..." if len(reached) > 5 else "")
            + f"; {len(summary) - len(reached)} of {len(summary)} optimizers do not reach it in every seed)."
        )
    else:
        text = (
            f"At {setting}, no optimizer reaches the MLP's target loss {config.target_loss:g} in every seed within "
            f"{config.epochs} epochs; {first} ends lowest ({sig(summary[first]['final'])})."
        )
    rivals = [n for n in summary if (n in ADAPTIVE) != (first in ADAPTIVE)]
    if reached and rivals:
        rival = min(
            rivals, key=lambda n: (summary[n]["epochs"] is None, summary[n]["epochs"] or 0, summary[n]["final"])
        )
        apart = _ahead(summary[first], summary[rival])
        kind = "optimizer that is not one of the adaptive methods" if first in ADAPTIVE else "adaptive method"
        text += (
            f" {first} is {'ahead of' if apart else 'within the spread over seeds of'} the fastest {kind}, {rival}"
            + ("." if apart else ", so the race is too close to call.")
        )
    if not holds:
        adaptive = [n for n in summary if n in ADAPTIVE]
        fastest = min(
            adaptive, key=lambda n: (summary[n]["epochs"] is None, summary[n]["epochs"] or 0, summary[n]["final"])
        )
        text += (
            f" So an adaptive method is not the first here: {first} is ahead of the best adaptive one, {fastest} "
            f"(reaching it {_reach(summary[fastest], config)}, at rate {sig(summary[fastest]['rate'])})."
        )
    return Lesson(name, holds, text)


def lessons(results: dict) -> list[Lesson]:
    """The material's claims about the optimizers, checked against this run's numbers."""
    config = results["config"]
    out = []
    two_d, names = results["two_d"], list(config.optimizers)
    rosen = list(FUNCTIONS).index("Rosenbrock")
    values = {n: float(two_d["values"][i, rosen, -1]) for i, n in enumerate(names)}
    if {"sgd", "momentum", "nesterov"} <= set(names):
        holds = max(values["momentum"], values["nesterov"]) < values["sgd"]
        out.append(
            Lesson(
                "momentum_along_the_valley",
                holds,
                f"On Rosenbrock after {config.steps} steps, each at its best rate: momentum reaches f = "
                f"{sig(values['momentum'])}, Nesterov {sig(values['nesterov'])}, plain SGD "
                f"{sig(values['sgd'])}: momentum {'does' if holds else 'does not'} carry the descent "
                "further along the curved valley than plain SGD's steps.",
            )
        )
    if {"sgd", "adam"} <= set(names):
        a, s = values["adam"], values["sgd"]
        holds = a < s
        paths = two_d["paths"][:, rosen]
        last = {n: float(np.linalg.norm(paths[i, -1] - paths[i, -2])) for i, n in enumerate(names)}
        text = f"On Rosenbrock at each one's best rate, Adam ends at f = {sig(a)} and plain SGD at {sig(s)}"
        if holds:
            text += "."
        else:
            text += (
                f", so Adam does not beat plain SGD here. Adam's step stays about its learning rate in size "
                f"whatever the gradient (its last step {sig(last['adam'])} long, SGD's "
                f"{sig(last['sgd'])}), so on this curved valley it must keep its rate small or circle the "
                "minimum; the test function favours whatever follows the gradient's scale."
            )
        out.append(Lesson("adam_vs_sgd_on_rosenbrock", holds, text))
    if {"sgd", "momentum", "nesterov"} <= set(names):
        saddle = list(FUNCTIONS).index(SADDLE)
        exits = {n: _saddle_exit(two_d["default_paths"][i, saddle]) for i, n in enumerate(names)}
        quick = [exits[n] for n in ("momentum", "nesterov")]
        holds = None not in quick and (exits["sgd"] is None or max(quick) < exits["sgd"])
        fmt = {n: (f"at step {e}" if e is not None else f"not within {config.steps} steps") for n, e in exits.items()}
        out.append(
            Lesson(
                "momentum_leaves_the_saddle",
                holds,
                f"On the saddle x^2 - y^2, started 0.001 off the ridge, all three at the material's rate 0.01: "
                f"momentum leaves it (|y| >= {SADDLE_EXIT:g}) {fmt['momentum']}, Nesterov {fmt['nesterov']}, "
                f"plain SGD {fmt['sgd']}: the accumulated velocity {'does' if holds else 'does not'} carry "
                "them off the flat ridge sooner.",
            )
        )
    mlp = results["mlp"]
    mlp_names = list(config.mlp_optimizers)
    best = _mlp_summary(config, mlp, mlp["best"])
    default = _mlp_summary(config, mlp, np.full(len(mlp_names), mlp["default_index"]))
    if {"sgd", "momentum"} <= set(mlp_names):
        s, m = default["sgd"], default["momentum"]
        faster = _ahead(m, s)
        out.append(
            Lesson(
                "momentum_speeds_up_sgd",
                faster,
                f"On the MLP at the material's rate {sig(m['rate'])} for both, momentum 0.9 reaches the "
                f"target loss {config.target_loss:g} {_reach(m, config)}, plain SGD {_reach(s, config)}"
                + ("." if faster else ": momentum is not faster beyond the spread over seeds here."),
            )
        )
        s, m = best["sgd"], best["momentum"]
        faster = _ahead(m, s)
        text = (
            f"Each at its best rate, momentum (rate {sig(m['rate'])}) reaches it {_reach(m, config)}, "
            f"plain SGD (rate {sig(s['rate'])}) {_reach(s, config)}"
        )
        if not faster:
            text += (
                f": tuned, momentum is not faster beyond the spread over seeds. Plain SGD's best rate is "
                f"{sig(s['rate'] / m['rate'])} times momentum's, and momentum 0.9 lengthens a step by up to "
                "1 / (1 - 0.9) = 10 times the rate: a larger rate makes up much of the difference"
            )
        out.append(Lesson("momentum_speeds_up_sgd_when_tuned", faster, text + "."))
    if any(n in ADAPTIVE for n in mlp_names) and any(n not in ADAPTIVE for n in mlp_names):
        out.append(_race(config, best, "each optimizer's best rate", "adaptive_first_when_tuned"))
        out.append(_race(config, default, "the material's default rates", "adaptive_first_at_defaults"))
    paths_gap = max(two_d["deviation_optax"].values())
    mlp_gap = max(results["deviation_optax_mlp"].values(), default=0.0)
    out.append(
        Lesson(
            "same_as_optax",
            paths_gap < 1e-4 and mlp_gap < 1e-5,
            f"fnn's optimizers follow optax's: the largest relative difference along the test-function paths is "
            f"{sig(paths_gap)}"
            + (f" and on MLP-shaped parameters after 20 steps {sig(mlp_gap)}" if results["deviation_optax_mlp"] else "")
            + " (float32 rounding of equivalent operation orders"
            + ("" if paths_gap < 1e-4 and mlp_gap < 1e-5 else "; larger than float32 rounding explains: a bug")
            + ").",
        )
    )
    if results["torch"] is not None and results["torch"]["deviation"]:
        worst = max(results["torch"]["deviation"].values())
        out.append(
            Lesson(
                "same_as_torch",
                bool(worst < 1e-10),
                f"fnn.optim.from_torch reproduces torch.optim: fed torch's gradients on the test functions in "
                f"float64, the paths differ by at most {sig(worst)}.",
            )
        )
    return out


# --------------------------------------------------------------------------- render


def _shown(value: float) -> float | str:
    """A final value for a table: the number, or "diverged" where the path left the floats."""
    return float(value) if np.isfinite(value) else "diverged"


def _plottable(values: np.ndarray, top: float = 1e4) -> np.ndarray:
    """Values for a log-scale plot: NaN (a gap) where not finite or beyond ``top`` (a run far past divergence)."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(v) & (v <= top), v, np.nan)


def _contours(ax, fn, box, minimum):
    xs, ys = np.linspace(box[0], box[1], 150), np.linspace(box[2], box[3], 150)
    gx, gy = np.meshgrid(xs, ys)
    z = np.asarray(fn(np.stack([gx, gy])))
    levels = np.geomspace(max(z.min(), 1e-3), z.max(), 15) if z.min() >= 0 else 15
    ax.contour(gx, gy, z, levels=levels, colors="0.8", linewidths=0.5)
    if minimum:
        ax.plot(*minimum, "*", color="red", ms=11, zorder=5)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])


#: The optimizers drawn together in one panel of the paths figure, three a panel in the material's order,
#: but Adam and AdamW apart: with its tiny weight decay AdamW's path covers Adam's.
FAMILIES = (
    ("sgd", "momentum", "nesterov"),
    ("adagrad", "adadelta", "rmsprop"),
    ("adam", "amsgrad", "adamax"),
    ("nadam", "adamw", "lion"),
)


def _path_figure(results: dict, config: Config, workdir: Path) -> None:
    """Paths: a row per test function, a panel per family of optimizers (best rates; the saddle at the material's)."""
    two_d, names = results["two_d"], list(config.optimizers)
    families = [[n for n in family if n in names] for family in FAMILIES]
    families = [f for f in families if f] + [[n for n in names if not any(n in f for f in FAMILIES)]]
    families = [f for f in families if f]
    style = _plotting.styles(names)
    fig, axes = _plotting.figure(len(FUNCTIONS), len(families), width=3.3 * len(families) + 1.8, height=9.6)
    for f, (fname, (fn, start, box, minimum)) in enumerate(FUNCTIONS.items()):
        for ax, family in zip(axes[f], families, strict=True):
            _contours(ax, fn, box, minimum)
            for name in family:
                i = names.index(name)
                q = two_d["paths"][i, f]
                q = q[np.all(np.isfinite(q), axis=1)]
                rate = two_d["rates"][i, two_d["chosen"][i, f]]
                ax.plot(q[:, 0], q[:, 1], label=f"{name} ({sig(rate)})", **{**style[name], "markevery": 0.2})
            ax.plot(*start, "k^", ms=7)
            ax.legend(fontsize=7, loc="lower left", framealpha=0.85, handlelength=3)
            ax.set_title(f"{fname}: {', '.join(family)}", fontsize=9)
        axes[f, 0].set_ylabel("y")
    for ax in axes[-1]:
        ax.set_xlabel("x")
    fig.suptitle(
        f"{config.steps} steps from the black triangle (red star: the minimum); in brackets the learning rate: "
        "each one's best on Rosenbrock and Beale, the material's on the saddle"
    )
    _common.save_figure(fig, workdir / "paths.png", dpi=100)


def _saddle_exit(values: np.ndarray) -> int | None:
    """The first step whose |y| reaches :data:`SADDLE_EXIT`, from the saddle's path (steps + 1, 2); None if none."""
    hit = np.flatnonzero(np.nan_to_num(np.abs(values[:, 1]), nan=np.inf) >= SADDLE_EXIT)
    return int(hit[0]) if hit.size else None


def _value_figure(results: dict, config: Config, workdir: Path) -> None:
    two_d, names = results["two_d"], list(config.optimizers)
    style = _plotting.styles(names)
    fig, axes = _plotting.figure(1, len(FUNCTIONS), width=15, height=4.3)
    steps = np.arange(config.steps + 1)
    for f, (ax, fname) in enumerate(zip(axes[0], FUNCTIONS, strict=True)):
        for i, name in enumerate(names):
            if fname == SADDLE:
                # distance from the ridge, clipped where the path has long left the picture
                v = np.clip(np.abs(two_d["default_paths"][i, f, :, 1]), 1e-4, 1e3)
            else:
                v = two_d["values"][i, f]
            ax.plot(steps, np.where(np.isfinite(v), v, np.nan), label=name, **style[name])
        ax.set_yscale("log")
        if fname == SADDLE:
            ax.axhline(SADDLE_EXIT, color="0.5", ls=":", lw=1)
            ax.set_ylim(5e-4, 2e3)
            ax.set_ylabel("|y|, the distance from the ridge")
            ax.set_title(f"{fname} at the material's rates")
        else:
            ax.set_ylabel("f(x, y)")
            ax.set_title(f"{fname} at each optimizer's best rate")
        ax.set_xlabel("step")
        ax.grid(alpha=0.3, which="both")
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "test_function_values.png", dpi=100)


def _mlp_figures(results: dict, config: Config, workdir: Path) -> tuple[dict, dict]:
    mlp, names = results["mlp"], list(config.mlp_optimizers)
    style = _plotting.styles(names)
    best = _mlp_summary(config, mlp, mlp["best"])
    default = _mlp_summary(config, mlp, np.full(len(names), mlp["default_index"]))
    epochs = np.arange(1, config.epochs + 1)
    fig, axes = _plotting.figure(1, 2, width=13, height=4.6, sharey=True)
    for ax, (label, summary, index) in zip(
        axes[0],
        (("at each one's best rate", best, mlp["best"]), ("at the material's default rate", default, None)),
        strict=True,
    ):
        for o, name in enumerate(names):
            i = mlp["default_index"] if index is None else index[o]
            curves = _plottable(mlp["loss"][o, i])
            ax.plot(epochs, _plottable(summary[name]["mean"]), label=name, **style[name])
            ax.fill_between(
                epochs,
                np.nanmin(curves, axis=0),
                np.nanmax(curves, axis=0),
                color=style[name]["color"],
                alpha=0.12,
                lw=0,
            )
        ax.axhline(config.target_loss, color="0.4", ls=":", lw=1)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(label)
        ax.grid(alpha=0.3, which="both")
    axes[0, 0].set_ylabel(f"training cross-entropy (mean of {config.seeds} seeds; band: min-max)")
    fig.suptitle(
        f"64-{config.hidden}-10 ReLU MLP on digits, mini-batch {config.batch_size} "
        f"(dotted: target {config.target_loss:g})"
    )
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "mlp_loss_curves.png")

    fig, axes = _plotting.figure(1, 1, width=8.5, height=4.6)
    ax = axes[0, 0]
    multiples = 10.0 ** mlp["grid"]
    for o, name in enumerate(names):
        final = _plottable(mlp["final_mean"][o])
        ax.plot(multiples, final, label=name, **{**style[name], "markevery": None})
        ax.plot(multiples[mlp["best"][o]], final[mlp["best"][o]], "o", ms=11, mfc="none", color=style[name]["color"])
    ax.axvline(1.0, color="0.5", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate / the material's default rate (dotted: the default)")
    ax.set_ylabel(f"training loss after {config.epochs} epochs (mean of {config.seeds} seeds)")
    ax.set_title("The learning-rate sweep on digits (open circle: each optimizer's best rate)")
    ax.grid(alpha=0.3, which="both")
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "mlp_learning_rates.png")
    return best, default


def comparison_table(results: dict, config: Config) -> tuple[list[str], list[list], str]:
    """The comparison with optax (and torch.optim, where compared): header, rows and caption.

    The torch columns appear only when torch was compared; otherwise the caption says how to add them.
    """
    torch = results["torch"]
    header = ["optimizer", "max abs(fnn - optax), MLP-shaped, 20 steps", "step time fnn / optax, median (min–max)"]
    if torch is not None:
        header += ["max relative abs(fnn - torch), paths (float64)", "step time fnn / torch, median (min–max)"]
    rows = []
    for name in config.compared:
        row = [name, results["deviation_optax_mlp"][name], spread(results["ratio_optax"][name])[1]]
        if torch is not None:
            if name in torch["ratio"]:
                row += [torch["deviation"][name], spread(torch["ratio"][name])[1]]
            else:
                row += [NO_TWIN, NO_TWIN]
        rows.append(row)
    caption = (
        "Each fnn optimizer at the material's rate against optax's of the same name: the largest parameter "
        "difference on MLP-shaped parameters fed one 20-step gradient sequence, and the ratio of one jitted "
        f"step (update and apply), timed over {config.timing_calls} steps in each of {config.timing_rounds} "
        "rounds that alternate the libraries' order: the median ratio and its range (2 significant digits; "
        "1 = as fast). "
    )
    if torch is not None:
        caption += (
            "Against torch.optim, `fnn.optim.from_torch` (torch's defaults, the same rates) is fed torch's "
            "gradient sequence along the drawn test-function paths in float64 (differences near 1e-16 say the "
            "update rules are the same), and its jitted step is timed against one eager torch `step()` on the "
            "same shapes."
        )
    elif config.torch:
        caption += _common.missing_extra("torch", "torch") or "torch was not compared."
    else:
        caption += "The comparison with torch.optim was switched off (`--torch` switches it on)."
    return header, rows, caption


def render(results: dict, config: Config, workdir: Path) -> dict:
    """Figures, tables and ``summary.md`` from ``compute``'s results; returns the metrics."""
    workdir = Path(workdir)
    summary = _common.Summary(
        TITLE,
        f"Every optimizer is run at the learning rate the material quotes (Keras' defaults; for AdamW and Lion, "
        f"which it does not list, Keras 3's 0.001) and at the best rate of a sweep around it: on the test "
        f"functions {len(results['two_d']['grid'])} rates from 10^{config.decades_2d[0]:g} to "
        f"10^{config.decades_2d[1]:g} times the default ({config.steps} steps), on the MLP "
        f"{len(results['mlp']['grid'])} rates from 10^{config.decades_mlp[0]:g} to 10^{config.decades_mlp[1]:g} "
        f"times the default ({config.epochs} epochs, {config.seeds} seeds each; best = lowest mean final loss). "
        "Each sweep is one compiled program per optimizer (the rate is a vmapped array).",
    )
    found = lessons(results)
    said = {lesson.name: lesson.text for lesson in found}

    def saying(*names: str) -> str:
        return "".join(" " + said[n] for n in names if n in said)

    two_d, names = results["two_d"], list(config.optimizers)
    _path_figure(results, config, workdir)
    _value_figure(results, config, workdir)
    header = ["optimizer", "material's rate"]
    for fname in FUNCTIONS:
        if fname != SADDLE:
            header += [f"{fname}: best rate", f"{fname}: final f (best)", f"{fname}: final f (material's)"]
    header += ["saddle: step leaving it (material's rate)", "max relative abs(fnn - optax) on these paths"]
    rows, edges = [], []
    saddle = list(FUNCTIONS).index(SADDLE)
    for i, name in enumerate(names):
        row = [name, MATERIAL[name][1]]
        for f, fname in enumerate(FUNCTIONS):
            if fname == SADDLE:
                continue
            c = two_d["chosen"][i, f]
            if c in (0, len(two_d["grid"]) - 1):
                edges.append(f"{name} ({fname})")
            row += [
                float(two_d["rates"][i, c]),
                _shown(two_d["final"][i, c, f]),
                _shown(two_d["final"][i, two_d["default_index"], f]),
            ]
        exit_step = _saddle_exit(two_d["default_paths"][i, saddle])
        row += [exit_step if exit_step is not None else f"> {config.steps}", two_d["deviation_optax"][name]]
        rows.append(row)
    _common.write_csv(workdir / "test_functions.csv", header, rows)
    summary.figure(
        "paths.png",
        f"Each optimizer's path over {config.steps} steps, three optimizers a panel (colour, line style and "
        "marker tell them apart). On Rosenbrock and Beale each runs at its best rate of the sweep (the lowest "
        "mean log f over the last third of the steps, so that a path bouncing around and ending near the minimum by "
        "chance does not count); the saddle has no minimum, hence no best rate, and every optimizer runs it at the "
        "material's rate from 0.001 off the ridge, where the gradient across the ridge is tiny: plain SGD's step "
        "is proportional to it, momentum accumulates it, the adaptive methods rescale it to about their rate."
        + saying("momentum_along_the_valley", "adam_vs_sgd_on_rosenbrock"),
    )
    summary.figure(
        "test_function_values.png",
        f"f along each path (log scale) and, on the saddle, the distance |y| from the ridge (dotted: "
        f"{SADDLE_EXIT:g}, where the path counts as having left it)." + saying("momentum_leaves_the_saddle"),
    )
    summary.table(
        header,
        rows,
        "Each optimizer's best rate of the sweep, the final value there and at the material's rate (diverged: the "
        "path left the floating-point range), the step at which it leaves the saddle, and the largest difference "
        "of its drawn paths from optax's optimizer of the same name (relative to 1 + |coordinate|; float32)."
        + (
            f" The best rate lies at the edge of the sweep for {', '.join(edges)}: a wider sweep could find a "
            "better one."
            if edges
            else " Every best rate lies inside the sweep."
        ),
        csv_name="test_functions.csv",
        digits=3,
    )

    best, default = _mlp_figures(results, config, workdir)
    mlp_names = list(config.mlp_optimizers)
    mlp_header = [
        "optimizer",
        "material's rate",
        "best rate",
        "reaches the target (best)",
        "final loss (best)",
        "reaches the target (material's)",
        "final loss (material's)",
    ]
    mlp_rows = [
        [
            n,
            MATERIAL[n][1],
            best[n]["rate"],
            _reach(best[n], config).removeprefix("in "),
            f"{sig(best[n]['final'])} ± {sig(best[n]['final_std'])}",
            _reach(default[n], config).removeprefix("in "),
            f"{sig(default[n]['final'])} ± {sig(default[n]['final_std'])}",
        ]
        for n in mlp_names
    ]
    _common.write_csv(workdir / "mlp.csv", mlp_header, mlp_rows)
    grid = results["mlp"]["grid"]
    mlp_edges = [n for o, n in enumerate(mlp_names) if results["mlp"]["best"][o] in (0, len(grid) - 1)]
    above = [n for o, n in enumerate(mlp_names) if grid[results["mlp"]["best"][o]] > 0]
    summary.figure(
        "mlp_loss_curves.png",
        f"Training loss of the same MLP, initialisations and batches under each optimizer: the mean of "
        f"{config.seeds} seeds, with their range shaded, at each one's best rate (left) and at the material's "
        f"(right); dotted: the target loss {config.target_loss:g}."
        + saying(
            "momentum_speeds_up_sgd",
            "momentum_speeds_up_sgd_when_tuned",
            "adaptive_first_when_tuned",
            "adaptive_first_at_defaults",
        ),
    )
    summary.figure(
        "mlp_learning_rates.png",
        f"Final loss against the learning rate, as a multiple of the material's rate. For {len(above)} of "
        f"{len(mlp_names)} optimizers ({', '.join(above) or 'none'}) the best rate of the sweep is above the "
        "material's"
        + (": for this network the quoted defaults are cautious." if 2 * len(above) > len(mlp_names) else "."),
    )
    summary.table(
        mlp_header,
        mlp_rows,
        f"When the loss reaches {config.target_loss:g} (epochs, interpolated in log loss between epochs; mean ± "
        "std over seeds), and the final loss (mean ± std over seeds)."
        + (
            f" The best rate lies at the edge of the sweep for {', '.join(mlp_edges)}."
            if mlp_edges
            else " Every best rate lies inside the sweep."
        ),
        csv_name="mlp.csv",
        digits=3,
    )

    torch = results["torch"]
    header, rows, caption = comparison_table(results, config)
    ratios = {name: spread(results["ratio_optax"][name])[0] for name in config.compared}
    if rows:
        _common.write_csv(workdir / "comparison.csv", header, rows)
        summary.table(
            header, rows, caption + saying("same_as_optax", "same_as_torch"), csv_name="comparison.csv", digits=3
        )
    else:
        summary.text(saying("same_as_optax").strip())
    summary.write(workdir)
    return {
        "lessons": _common.lesson_metrics(found),
        "test_functions": {
            name: {
                fname: {
                    "best_rate": float(two_d["rates"][i, two_d["chosen"][i, f]]),
                    "final": float(two_d["values"][i, f, -1]),
                }
                for f, fname in enumerate(FUNCTIONS)
            }
            for i, name in enumerate(names)
        },
        "mlp": {
            n: {
                "best_rate": best[n]["rate"],
                "epochs_to_target_best": best[n]["epochs"],
                "final_loss_best": best[n]["final"],
                "epochs_to_target_default": default[n]["epochs"],
                "final_loss_default": default[n]["final"],
            }
            for n in mlp_names
        },
        "max_deviation_from_optax_2d": two_d["deviation_optax"],
        "max_deviation_from_optax_mlp": results["deviation_optax_mlp"],
        "step_time_ratio_fnn_over_optax": ratios,
        "max_deviation_from_torch_2d": None if torch is None else torch["deviation"],
        "step_time_ratio_fnn_over_torch": None
        if torch is None
        else {n: spread(r)[0] for n, r in torch["ratio"].items()},
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Optimizers at their best and the material's rates on test functions and an MLP; fnn against optax and torch."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
