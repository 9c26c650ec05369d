"""Model parameters: the parameter table and count of every model used in the experiments; save and load round trip.

"Check the model's structure and weights": :func:`fnn.inspect.summary` lists each
parameter array (path, shape, dtype, count, bytes) of the models the other
experiments train, built from their full settings (shapes only, via
``jax.eval_shape``, so nothing is allocated); one model is saved with
:func:`fnn.inspect.save` and read back with :func:`fnn.inspect.load` bit for bit.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common
from experiments._common import option
from fnn import inspect, mlp

NAME = "model_parameters"
TITLE = "Model structure and parameters"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed of the model saved and loaded")
    saved_model: str = option("deep network (activations)", "which model to save and load")


QUICK = Config()


def _models() -> dict[str, tuple[str, object]]:
    """name -> (architecture, params or abstract params), from the experiments' full settings."""
    from experiments import activations, generalisation, losses, perceptron

    key = jax.random.key(0)
    shapes = lambda sizes: jax.eval_shape(lambda: mlp.init(key, sizes))  # noqa: E731
    linear = lambda d: {"w": jax.ShapeDtypeStruct((d,), jnp.float32), "b": jax.ShapeDtypeStruct((), jnp.float32)}  # noqa: E731
    act, per, gen, los = activations.Config(), perceptron.Config(), generalisation.Config(), losses.Config()
    deep = [64] + [act.width] * act.depth + [10]
    big = [1, *gen.big_hidden, 1]
    return {
        "perceptron (gates)": ("w.x + b, 2 inputs", linear(2)),
        "hand-set XOR network": ("2-2-1, step", mlp.xor_network()),
        "XOR MLP (perceptron)": (f"2-{per.hidden}-1, tanh", shapes([2, per.hidden, 1])),
        "linear regression (housing)": ("w.x + b, 4 features", linear(4)),
        "logistic regression (breast cancer)": ("sigmoid(w.x + b), 30 features", linear(30)),
        "deep network (activations)": ("-".join(map(str, deep)), shapes(deep)),
        "multi-class network (losses, wine)": (f"13-{los.hidden}-3", shapes([13, los.hidden, 3])),
        "widest approximator (generalisation)": (f"1-{max(gen.widths)}-1, tanh", shapes([1, max(gen.widths), 1])),
        "overfitting network (generalisation)": ("-".join(map(str, big)) + ", tanh", shapes(big)),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Parameter tables and counts; save/load round trip."""
    import matplotlib.pyplot as plt

    workdir = Path(workdir)
    summary = _common.Summary(TITLE)
    models = _models()
    if config.saved_model not in models:
        raise ValueError(f"model_parameters: saved_model must be one of {sorted(models)}, got {config.saved_model!r}")
    tables = {name: inspect.summary(params) for name, (_, params) in models.items()}
    header = ["model", "architecture", "parameter arrays", "parameters", "bytes"]
    rows = [[name, arch, len(tables[name].rows), tables[name].total_count, tables[name].total_bytes]
            for name, (arch, _) in models.items()]
    _common.write_csv(workdir / "models.csv", header, rows)
    detail = [[name, r.path, "x".join(map(str, r.shape)) or "scalar", str(r.dtype), r.count, r.bytes]
              for name, t in tables.items() for r in t.rows]
    _common.write_csv(workdir / "parameter_tables.csv", ["model", "path", "shape", "dtype", "count", "bytes"], detail)

    fig, ax = plt.subplots(figsize=(8, 4.3))
    names = list(models)
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

    # Save real parameters and read them back: the round trip must be exact.
    sizes = [int(s) for s in models[config.saved_model][0].split(",")[0].split("-")] \
        if "-" in models[config.saved_model][0] else None
    params = mlp.init(jax.random.key(config.seed), sizes) if sizes else mlp.xor_network()
    path = workdir / "saved_model.msgpack"
    inspect.save(path, params)
    loaded = inspect.load(path, like=params)
    same_structure = jax.tree.structure(loaded) == jax.tree.structure(params)
    exact = same_structure and all(
        a.dtype == b.dtype and a.shape == b.shape and np.array_equal(np.asarray(a), np.asarray(b))
        for a, b in zip(jax.tree.leaves(loaded), jax.tree.leaves(params)))
    size = path.stat().st_size

    summary.figure("parameter_counts.png",
                   "Parameters per model: a dense layer from d_in to d_out holds d_in x d_out weights and "
                   "d_out biases, so width and depth drive the count; the 10-layer network of the "
                   "vanishing-gradient experiment and the overfitting network dwarf the linear models.")
    summary.table(header, rows, "Every model used in the experiments (full settings).", csv_name="models.csv")
    summary.text(f"Parameter table of the {config.saved_model} (`fnn.inspect.format_summary`; all tables in "
                 "[parameter_tables.csv](parameter_tables.csv)):\n\n```\n"
                 + inspect.format_summary(inspect.summary(params)) + "\n```")
    summary.text(f"Save and load: `fnn.inspect.save` wrote {size:,} bytes to `saved_model.msgpack`; "
                 f"`fnn.inspect.load` read back {'the identical tree, bit for bit' if exact else 'A DIFFERENT TREE'} "
                 "(same structure, shapes, dtypes and values).")
    summary.write(workdir)
    return {"counts": {n: int(c) for n, c in zip(names, counts)}, "round_trip_exact": bool(exact),
            "saved_bytes": int(size), "saved_param_count": inspect.param_count(params)}


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
