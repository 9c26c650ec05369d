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

from experiments import _common
from experiments._common import option
from fnn import activations

NAME = "activations"
TITLE = "Activations, vanishing gradients and dying ReLUs"


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed for initialisation and shuffling")
    depth: int = option(10, "number of hidden layers of the deep networks")
    width: int = option(32, "units per hidden layer")
    deep_activations: tuple[str, ...] = option(("sigmoid", "tanh", "relu", "leaky_relu", "elu"),
                                               "hidden activations compared for vanishing gradients")
    epochs: int = option(30, "training epochs of each deep network")
    batch_size: int = option(64, "mini-batch size")
    learning_rate: float = option(0.05, "SGD learning rate of the deep networks")
    dead_learning_rates: tuple[float, ...] = option((0.05, 1.0),
                                                    "SGD learning rates for the dying-ReLU comparison")
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
    for ax, (name, fn, label) in zip(axes.ravel(), panels):
        y = np.asarray(fn(x))
        dy = np.asarray(activations.derivative(fn)(x))
        ax.plot(x, y, color="C0", lw=2, label="f(x)")
        ax.plot(x, dy, color="C3", lw=1.5, ls="--", label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(label)
        ax.set_ylim(-2.2, 2.2)
        ax.grid(alpha=0.3)
        f0 = float(fn(jnp.zeros(1))[0])
        d0 = float(activations.derivative(fn)(jnp.zeros(1))[0])
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
        "at x <= 0 gets no gradient: a dead ReLU); leaky ReLU and ELU keep a gradient for x < 0.")
    summary.table(header, rows, "Values at 0 and the largest derivative on the plotted range.",
                  csv_name="activations.csv")
    metrics = {"activation_table": {r[0]: dict(zip(header[1:], r[1:])) for r in rows}}
    summary.write(workdir)
    return metrics


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
