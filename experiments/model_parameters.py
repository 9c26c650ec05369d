"""Model parameters: the parameter table and count of every model used in the experiments; save and load round trip.

"Check the model's structure and weights": :func:`fnn.inspect.summary` lists each
parameter array (path, shape, dtype, count, bytes) of the models the other
experiments train, built from their full settings (shapes only, via
``jax.eval_shape``, so nothing is allocated); the chosen model's parameters are
drawn, saved with :func:`fnn.inspect.save` and read back with
:func:`fnn.inspect.load` bit for bit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import option
from fnn import inspect, mlp

NAME = "model_parameters"
TITLE = "Model structure and parameters"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed of the parameters of the model saved and loaded")
    saved_model: str = option("deep network (activations)", "which model to save and load")


QUICK = Config()


@dataclasses.dataclass(frozen=True)
class Model:
    """A model of the experiments: its architecture and how its parameters are drawn from a key."""

    architecture: str
    init: Callable[[jax.Array], object]
    net: mlp.MLP | None = None  # the spec of an MLP; None for a single linear unit


def _mlp(net: mlp.MLP, params=None) -> Model:
    """An MLP with its spec; ``params`` for hand-set weights (the key is then not used)."""
    activations = net.activation if net.output_activation is None else f"{net.activation} / {net.output_activation}"
    architecture = "-".join(map(str, net.layer_sizes)) + f", {activations or 'linear'}"
    return Model(architecture, net.init if params is None else (lambda key: params), net)


def _linear_unit(d: int, what: str) -> Model:
    def init(key):
        # Small random weights, as fnn.perceptron.fit draws them from a key.
        return {"w": 0.01 * jax.random.normal(key, (d,), jnp.float32), "b": jnp.zeros((), jnp.float32)}

    return Model(f"{what}, {d} inputs", init)


def models() -> dict[str, Model]:
    """Every model of the experiments at their full settings (the defaults in :mod:`experiments.networks`)."""
    hand_net, hand_params = mlp.xor_network()
    return {
        "perceptron (gates)": _linear_unit(2, "w.x + b"),
        "hand-set XOR network": _mlp(hand_net, hand_params),
        "XOR MLP (perceptron)": _mlp(networks.xor_mlp()),
        "linear regression (housing)": _linear_unit(4, "w.x + b"),
        "logistic regression (breast cancer)": _linear_unit(30, "sigmoid(w.x + b)"),
        "deep network (activations)": _mlp(networks.deep_network("relu")),
        # wine: 13 features, 3 classes
        "multi-class network (losses, wine)": _mlp(networks.task_network(13, 3)),
        "widest approximator (generalisation)": _mlp(networks.approximator(max(networks.UNIVERSAL_WIDTHS))),
        "overfitting network (generalisation)": _mlp(networks.overfitting_network()),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Parameter tables and counts; save/load round trip."""
    import matplotlib.pyplot as plt

    workdir = Path(workdir)
    summary = _common.Summary(TITLE)
    every = models()
    if config.saved_model not in every:
        raise ValueError(f"model_parameters: saved_model must be one of {sorted(every)}, got {config.saved_model!r}")
    key = jax.random.key(config.seed)
    # Shapes only: jax.eval_shape draws nothing.
    tables = {name: inspect.summary(jax.eval_shape(model.init, key)) for name, model in every.items()}
    header = ["model", "architecture", "parameter arrays", "parameters", "bytes"]
    rows = [
        [name, model.architecture, len(tables[name].rows), tables[name].total_count, tables[name].total_bytes]
        for name, model in every.items()
    ]
    _common.write_csv(workdir / "models.csv", header, rows)
    detail = [
        [name, r.path, "x".join(map(str, r.shape)) or "scalar", str(r.dtype), r.count, r.bytes]
        for name, t in tables.items()
        for r in t.rows
    ]
    _common.write_csv(workdir / "parameter_tables.csv", ["model", "path", "shape", "dtype", "count", "bytes"], detail)

    fig, ax = plt.subplots(figsize=(8, 4.3))
    names = list(every)
    counts = [tables[n].total_count for n in names]
    ax.barh(range(len(names)), counts, color="C0")
    for i, c in enumerate(counts):
        ax.text(c * 1.1, i, f"{c:,}", va="center", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(1, max(counts) * 10)
    ax.invert_yaxis()
    ax.set_xlabel("trainable parameters (log scale)")
    ax.set_title("Parameter count of each model in the experiments")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "parameter_counts.png")

    # Draw the chosen model's parameters, save them and read them back: the round trip must be exact.
    chosen = every[config.saved_model]
    params = chosen.init(key)
    path = workdir / "saved_model.msgpack"
    inspect.save(path, params)
    loaded = inspect.load(path, like=params)
    same_structure = jax.tree.structure(loaded) == jax.tree.structure(params)
    exact = same_structure and all(
        a.dtype == b.dtype and a.shape == b.shape and np.array_equal(np.asarray(a), np.asarray(b))
        for a, b in zip(jax.tree.leaves(loaded), jax.tree.leaves(params), strict=True)
    )
    size = path.stat().st_size

    summary.figure(
        "parameter_counts.png",
        "Parameters per model: a dense layer from d_in to d_out holds d_in x d_out weights and "
        "d_out biases, so width and depth drive the count; the 10-layer network of the "
        "vanishing-gradient experiment and the overfitting network dwarf the linear models.",
    )
    summary.table(header, rows, "Every model used in the experiments (full settings).", csv_name="models.csv")
    summary.text(
        f"Parameter table of the {config.saved_model} (`fnn.inspect.format_summary`; all tables in "
        "[parameter_tables.csv](parameter_tables.csv)):\n\n```\n"
        + inspect.format_summary(inspect.summary(params))
        + "\n```"
    )
    summary.text(
        f"Save and load: `fnn.inspect.save` wrote {size:,} bytes to `saved_model.msgpack`; "
        f"`fnn.inspect.load` read back {'the identical tree, bit for bit' if exact else 'A DIFFERENT TREE'} "
        "(same structure, shapes, dtypes and values)."
    )
    summary.write(workdir)
    return {
        "counts": {n: int(c) for n, c in zip(names, counts, strict=True)},
        "round_trip_exact": bool(exact),
        "saved_model": config.saved_model,
        "saved_architecture": chosen.architecture,
        "saved_bytes": int(size),
        "saved_param_count": inspect.param_count(params),
    }


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
