"""Model parameters: the parameter table and count of every model used in the experiments; save and load round trip.

"Check the model's structure and weights": :func:`fnn.inspect.summary` lists each
parameter array (path, shape, dtype, count, bytes) of the models the other
experiments train, at the sizes :mod:`experiments.networks` gives them (shapes only,
via ``jax.eval_shape``, so nothing is allocated); the chosen model's parameters are
drawn, saved with :func:`fnn.inspect.save` and read back with
:func:`fnn.inspect.load` bit for bit.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import Lesson, option
from fnn import inspect, mlp

NAME = "model_parameters"
TITLE = "Model structure and parameters"


#: the models of :func:`models`, in its order
MODEL_NAMES = (
    "perceptron (gates)",
    "hand-set XOR network",
    "XOR MLP (perceptron)",
    "linear regression (housing)",
    "logistic regression (breast cancer)",
    "deep network (activations)",
    "multi-class network (losses, wine)",
    "widest approximator (generalisation)",
    "overfitting network (generalisation)",
)


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed of the parameters of the model saved and loaded")
    saved_model: str = option("deep network (activations)", "which model to save and load", choices=MODEL_NAMES)


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
    """Every model of the experiments at the sizes of :mod:`experiments.networks`, named as :data:`MODEL_NAMES`."""
    hand_net, hand_params = mlp.xor_network()
    every = {
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
    assert tuple(every) == MODEL_NAMES, "MODEL_NAMES lists the models in models()'s order"
    return every


def _dense_count(net: mlp.MLP) -> int:
    """The parameters of an MLP by the course's formula: each dense layer d_in -> d_out holds
    d_in x d_out weights and d_out biases."""
    sizes = net.layer_sizes
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def compute(config: Config) -> dict:
    """Every model's parameter table (shapes only), and the chosen model drawn, saved and loaded back."""
    _common.check_config(config)
    every = models()
    key = jax.random.key(config.seed)
    # Shapes only: jax.eval_shape draws nothing.
    tables = {name: inspect.summary(jax.eval_shape(model.init, key)) for name, model in every.items()}
    chosen = every[config.saved_model]
    params = jax.tree.map(np.asarray, chosen.init(key))
    # The round trip goes through a scratch folder; render saves the same parameters into the run's.
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "saved_model.msgpack"
        inspect.save(path, params)
        loaded = inspect.load(path, like=params)
        size = path.stat().st_size
    same_structure = jax.tree.structure(loaded) == jax.tree.structure(params)
    exact = same_structure and all(
        a.dtype == b.dtype and a.shape == b.shape and np.array_equal(np.asarray(a), np.asarray(b))
        for a, b in zip(jax.tree.leaves(loaded), jax.tree.leaves(params), strict=True)
    )
    return {
        "models": {
            name: {
                "architecture": model.architecture,
                "arrays": len(tables[name].rows),
                "count": int(tables[name].total_count),
                "bytes": int(tables[name].total_bytes),
                "formula": None if model.net is None else _dense_count(model.net),
                "layers": None if model.net is None else len(model.net.layer_sizes) - 1,
            }
            for name, model in every.items()
        },
        "tables": tables,
        "saved_model": config.saved_model,
        "saved_params": params,
        "saved_table": inspect.summary(params),
        "saved_bytes": int(size),
        "round_trip_exact": bool(exact),
    }


def lessons(results: dict) -> list[Lesson]:
    models_ = results["models"]
    nets = {name: m for name, m in models_.items() if m["formula"] is not None}
    wrong = [name for name, m in nets.items() if m["formula"] != m["count"]]
    largest = max(models_, key=lambda name: models_[name]["count"])
    units = {name: m for name, m in models_.items() if m["formula"] is None}
    biggest_unit = max(units, key=lambda name: units[name]["count"]) if units else None
    deepest = max(nets, key=lambda name: (nets[name]["layers"], nets[name]["count"])) if nets else None
    if wrong:
        text = f"The counted parameters of {', '.join(wrong)} differ from the dense-layer formula: a bug."
    else:
        big = models_[largest]
        text = (
            "Each dense layer from d_in to d_out holds d_in x d_out weights and d_out biases, and that sum over the "
            f"layers equals the counted parameters of all {len(nets)} networks. The largest model, {largest}, "
            f"has {big['count']:,} parameters"
            + (f" in {big['layers']} layers" if big["layers"] else "")
            + (
                f", {big['count'] / units[biggest_unit]['count']:,.0f} times the {units[biggest_unit]['count']} of "
                f"the largest single unit, {biggest_unit}"
                if biggest_unit
                else ""
            )
            + "."
        )
        if deepest is not None and deepest != largest:
            d = nets[deepest]
            text += (
                f" The deepest, {deepest}, has {d['layers']} layers but {d['count']:,} parameters: width counts as "
                "much as depth, as each layer's count is the product of its two widths."
            )
    out = [Lesson("dense_layer_formula", not wrong, text)]
    exact = results["round_trip_exact"]
    out.append(
        Lesson(
            "save_load_round_trip",
            exact,
            f"Save and load: fnn.inspect.save wrote the {results['saved_model']}'s parameters in "
            f"{results['saved_bytes']:,} bytes, and fnn.inspect.load read back "
            + (
                "the identical tree, bit for bit (same structure, shapes, dtypes and values)."
                if exact
                else "A DIFFERENT TREE."
            ),
        )
    )
    return out


def save_model(results: dict, workdir: str | Path) -> Path:
    """Writes the chosen model's parameters to ``workdir/saved_model.msgpack``."""
    path = Path(workdir) / "saved_model.msgpack"
    inspect.save(path, results["saved_params"])
    return path


def render(results: dict, config: Config, workdir: str | Path) -> dict:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    workdir = Path(workdir)
    found = lessons(results)
    by_name = {lesson.name: lesson for lesson in found}
    summary = _common.Summary(TITLE)
    models_ = results["models"]
    header = ["model", "architecture", "parameter arrays", "parameters", "bytes"]
    rows = [[name, m["architecture"], m["arrays"], m["count"], m["bytes"]] for name, m in models_.items()]
    _common.write_csv(workdir / "models.csv", header, rows)
    detail = [
        [name, r.path, "x".join(map(str, r.shape)) or "scalar", str(r.dtype), r.count, r.bytes]
        for name, t in results["tables"].items()
        for r in t.rows
    ]
    _common.write_csv(workdir / "parameter_tables.csv", ["model", "path", "shape", "dtype", "count", "bytes"], detail)

    fig, ax = plt.subplots(figsize=(8.5, 4.3))
    names = list(models_)
    counts = [models_[n]["count"] for n in names]
    bars = ax.barh(range(len(names)), counts, color=["C0" if models_[n]["formula"] else "C7" for n in names])
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=8, padding=3)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(1, max(counts) * 10)
    ax.invert_yaxis()
    ax.set_xlabel("trainable parameters (log scale)")
    ax.set_title("Parameters of each model in the experiments")
    kinds = [Patch(color="C0", label="network (MLP)"), Patch(color="C7", label="single unit w.x + b")]
    ax.legend(handles=kinds, fontsize=8, loc="upper right")  # the top rows are the small models: free space
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "parameter_counts.png")

    save_model(results, workdir)

    summary.figure(
        "parameter_counts.png",
        "Trainable parameters of every model in the experiments, at the sizes experiments/networks.py gives "
        "them (log scale). " + by_name["dense_layer_formula"].text,
    )
    summary.table(
        header,
        rows,
        "Every model in the experiments, built by experiments/networks.py (shapes only: nothing is drawn).",
        csv_name="models.csv",
    )
    summary.text(
        f"Parameter table of the {results['saved_model']} (`fnn.inspect.format_summary`; all tables in "
        "[parameter_tables.csv](parameter_tables.csv)):\n\n```\n"
        + inspect.format_summary(results["saved_table"])
        + "\n```"
    )
    summary.text(by_name["save_load_round_trip"].text + " The file is `saved_model.msgpack` in this folder.")
    summary.write(workdir)
    chosen = models_[results["saved_model"]]
    return {
        "counts": {n: int(c) for n, c in zip(names, counts, strict=True)},
        "round_trip_exact": results["round_trip_exact"],
        "saved_model": results["saved_model"],
        "saved_architecture": chosen["architecture"],
        "saved_bytes": results["saved_bytes"],
        "saved_param_count": inspect.param_count(results["saved_params"]),
        "lessons": _common.lesson_metrics(found),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Parameter tables and counts; save/load round trip."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
