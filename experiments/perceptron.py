"""Perceptron and logic gates: AND, OR, NAND are learned; XOR is not (not linearly separable); an MLP learns XOR.

1. Rosenblatt's rule (:func:`fnn.perceptron.fit`) on the AND, OR, NAND and XOR truth
   tables: mistakes per epoch and the learned decision lines.
2. :func:`fnn.perceptron.is_linearly_separable` (an exact linear program) shows XOR
   admits no separating line, and that the best line gets 3 of its 4 corners right.
3. The material's hand-set 2-2-1 step network (:func:`fnn.mlp.xor_network`) computes
   XOR, and a small MLP trained by gradient descent on noisy XOR data learns it too.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import Lesson, option
from fnn import datasets, losses, mlp, optim, perceptron, train

NAME = "perceptron"
TITLE = "Perceptron and logic gates"
GATES = ("and", "or", "nand", "xor")
SEPARABLE = ("and", "or", "nand")


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed (noisy XOR data, MLP initialisation)")
    epochs: int = option(12, "perceptron epochs (passes over the 4 rows of a truth table)", at_least=1)
    learning_rate: float = option(0.1, "perceptron learning rate eta", greater_than=0)
    hidden: int = option(networks.XOR_HIDDEN, "hidden units of the MLP trained on XOR", at_least=1)
    mlp_epochs: int = option(400, "full-batch Adam steps of the XOR MLP", at_least=1)
    mlp_learning_rate: float = option(0.05, "Adam learning rate of the XOR MLP", greater_than=0)
    n_points: int = option(200, "noisy XOR points for the MLP", at_least=4)
    noise: float = option(0.15, "standard deviation of the noise around the XOR corners", at_least=0)


QUICK = Config(mlp_epochs=300)

#: the plotting grids: bipolar gates on [-1.6, 1.6]^2, binary XOR on [-0.6, 1.6]^2
_GATE_RANGE, _XOR_RANGE, _GRID_POINTS = (-1.6, 1.6), (-0.6, 1.6), 161


def _grid(lo: float, hi: float) -> np.ndarray:
    xs = np.linspace(lo, hi, _GRID_POINTS, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


# --------------------------------------------------------------------------- compute


def _best_line_corners(X: np.ndarray, y: np.ndarray) -> int:
    """The most rows of (X, y) one line can separate: the largest linearly separable subset."""
    for size in range(len(y), 0, -1):
        for rows in itertools.combinations(range(len(y)), size):
            rows = list(rows)
            if len(set(y[rows].tolist())) < 2 or perceptron.is_linearly_separable(X[rows], y[rows]):
                return size
    return 0


def _gates(config: Config) -> dict:
    grid = _grid(*_GATE_RANGE)
    # one compiled predictor for the truth table and the plotting grid together
    predict = jax.jit(perceptron.predict)
    out = {}
    for gate in GATES:
        X, y = datasets.logic_gate(gate, encoding="bipolar")
        params, mistakes = perceptron.fit(X, y, learning_rate=config.learning_rate, epochs=config.epochs)
        both = np.asarray(predict(params, jnp.concatenate([X, jnp.asarray(grid)])))
        X, y = np.asarray(X), np.asarray(y)
        out[gate] = {
            "X": X,
            "y": y,
            "w": np.asarray(params["w"]),
            "b": float(params["b"]),
            "mistakes": np.asarray(mistakes),
            "accuracy": float(np.mean(both[: len(y)] == y)),
            "separable": perceptron.is_linearly_separable(X, y),
            "region": both[len(y) :],
        }
    xor = out["xor"]
    out["xor"]["best_line_corners"] = _best_line_corners(xor["X"], xor["y"])
    return out


def _xor_networks(config: Config) -> dict:
    hand_net, hand = mlp.xor_network()
    # Its hidden layer alone: the step outputs of the AND and OR units.
    hidden_layer = mlp.MLP(hand_net.layer_sizes[:2], activation=None, output_activation=hand_net.activation)
    corners, corner_labels = datasets.logic_gate("xor")
    grid = jnp.asarray(_grid(*_XOR_RANGE))
    net = networks.xor_mlp(config.hidden)

    def program(key):
        # Everything in one compiled program: drawing the data, training, evaluating.
        data_key, init_key = jax.random.split(key)
        X, y = datasets.xor_cloud(data_key, config.n_points, noise=config.noise)

        def per_example(p, X, y):
            return losses.binary_cross_entropy_with_logits(net.apply(p, X)[:, 0], y, reduction="none")

        trained, history = train.fit(
            per_example, net.init(init_key), optim.adam(config.mlp_learning_rate), X, y, epochs=config.mlp_epochs
        )
        prob = lambda X: jax.nn.sigmoid(net.apply(trained, X)[:, 0])  # noqa: E731
        return {
            "X": X,
            "y": y,
            "loss": history.train_loss,
            "accuracy": jnp.mean((prob(X) >= 0.5) == (y == 1)),
            "corner_output": (prob(corners) >= 0.5).astype(jnp.float32),
            "region": prob(grid),
            "hand_output": hand_net.apply(hand, corners)[:, 0],
            "hand_hidden": hidden_layer.apply(hand[:1], corners),
            "hand_region": hand_net.apply(hand, grid)[:, 0],
        }

    out = {k: np.asarray(v) for k, v in _common.run_once(program, jax.random.key(config.seed)).items()}
    out["accuracy"] = float(out["accuracy"])
    out["corners"], out["corner_labels"] = np.asarray(corners), np.asarray(corner_labels)
    out["hand_weights"] = {"w": np.asarray(hand[0]["w"]), "b": np.asarray(hand[0]["b"])}
    return out


def compute(config: Config) -> dict:
    """The four gates under Rosenblatt's rule, the separability checks, and the two XOR networks."""
    _common.check_config(config)
    with _common.progress(NAME, total=2) as step:
        step("perceptron on the four gates")
        gates = _gates(config)
        step("XOR networks")
        xor = _xor_networks(config)
    return {"gates": gates, "xor": xor, "epochs": config.epochs}


# --------------------------------------------------------------------------- lessons


def _settled_epoch(mistakes: np.ndarray) -> int | None:
    """The first epoch (1-based) from which no example is misclassified, or None."""
    wrong = np.flatnonzero(np.asarray(mistakes) > 0)
    if len(wrong) == 0:
        return 1
    return int(wrong[-1]) + 2 if wrong[-1] + 1 < len(mistakes) else None


def lessons(results: dict) -> list[Lesson]:
    gates, xor, epochs = results["gates"], results["xor"], results["epochs"]
    out = []
    settled = {g: _settled_epoch(gates[g]["mistakes"]) for g in SEPARABLE}
    separable = all(gates[g]["separable"] for g in SEPARABLE)
    converged = all(e is not None for e in settled.values())
    listed = ", ".join(f"{g.upper()} from epoch {e}" for g, e in settled.items() if e is not None)
    if separable and converged:
        text = (
            f"AND, OR and NAND are linearly separable (a linear program finds a separating line), and "
            f"Rosenblatt's rule makes no more mistakes on them: {listed}, for the rest of the {epochs} epochs. "
            "On linearly separable data the perceptron converges."
        )
    else:
        stuck = ", ".join(g.upper() for g, e in settled.items() if e is None)
        text = (
            f"Not every separable gate was learned in {epochs} epochs ({stuck} still misclassifies in the last "
            "epoch): the rule converges on separable data, but these epochs or this learning rate were too few."
            if separable
            else "The linear program found one of AND, OR, NAND not separable: the gate data are wrong."
        )
    out.append(Lesson("separable_gates_learned", separable and converged, text))

    g = gates["xor"]
    fewest, most = int(np.min(g["mistakes"])), int(np.max(g["mistakes"]))
    holds = (not g["separable"]) and fewest > 0
    count = f"{fewest}" if fewest == most else f"{fewest} to {most}"
    text = (
        f"XOR is not linearly separable: the linear program finds no line, the best line gets "
        f"{g['best_line_corners']} of the 4 corners right, and the perceptron still misclassifies "
        f"{count} of the 4 examples in every epoch: a single-layer perceptron "
        "cannot represent XOR."
        if holds
        else f"The perceptron made {fewest} mistakes in some epoch on XOR, or the linear program found a line: "
        "this contradicts XOR's non-separability and points to a bug."
    )
    out.append(Lesson("xor_not_separable", holds, text))

    hand_ok = bool(np.all(xor["hand_output"] == xor["corner_labels"]))
    x1, x2 = xor["corners"][:, 0] > 0.5, xor["corners"][:, 1] > 0.5
    units = xor["hand_hidden"] > 0.5
    gates_ok = bool(np.all(units[:, 0] == (x1 & x2)) and np.all(units[:, 1] == (x1 | x2)))
    output_rule = bool(np.all((xor["hand_output"] > 0.5) == (units[:, 1] & ~units[:, 0])))
    if hand_ok and gates_ok and output_rule:
        text = (
            "The material's hand-set 2-2-1 step network outputs XOR on all four corners: its hidden units compute "
            'AND and OR of the inputs, and its output fires for "OR and not AND".'
        )
    else:
        text = "The hand-set network does not compute XOR through AND and OR units on every corner."
    out.append(Lesson("hand_set_network_computes_xor", hand_ok and gates_ok and output_rule, text))
    corners_ok = bool(np.all(xor["corner_output"] == xor["corner_labels"]))
    best_line = gates["xor"]["best_line_corners"] / 4
    learned = corners_ok and xor["accuracy"] > best_line
    out.append(
        Lesson(
            "mlp_learns_xor",
            learned,
            f"A hidden layer learns XOR: the trained MLP gets all four corners right and {xor['accuracy']:.1%} of "
            f"the noisy points, more than the {best_line:.0%} of the corners any single line can get."
            if learned
            else f"The trained MLP got {xor['accuracy']:.1%} of the noisy points"
            + ("" if corners_ok else " and not every corner")
            + ": it needs more epochs or another seed to learn XOR.",
        )
    )
    return out


# --------------------------------------------------------------------------- render


def _render_gates(results: dict, config: Config, workdir: Path, summary: _common.Summary, by_name: dict) -> None:
    import matplotlib.pyplot as plt

    gates = results["gates"]
    epochs = np.arange(1, config.epochs + 1)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for i, (gate, r) in enumerate(gates.items()):
        # the separable gates overlap at 0 mistakes: a small vertical offset keeps every line visible
        offset = (i - 1.5) * 0.05
        ax.plot(
            epochs,
            r["mistakes"] + offset,
            "o-",
            color=f"C{i}",
            label=gate.upper(),
            ms=4,
            lw=2 if gate == "xor" else 1.5,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("misclassified examples (of 4)")
    ax.set_title(f"Rosenblatt's rule, eta = {config.learning_rate:g}: mistakes per epoch")
    ax.set_xticks(epochs)
    ax.set_ylim(-0.3, 4.3)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    _common.save_figure(fig, workdir / "mistakes.png")

    grid = _grid(*_GATE_RANGE)
    shape = (_GRID_POINTS, _GRID_POINTS)
    gx, gy = grid[:, 0].reshape(shape), grid[:, 1].reshape(shape)
    fig, axes = plt.subplots(1, 4, figsize=(15, 4.4), sharey=True)
    for ax, (gate, r) in zip(axes, gates.items(), strict=True):
        ax.contourf(gx, gy, r["region"].reshape(shape), levels=[-2, 0, 2], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
        X, y = r["X"], r["y"]
        ax.scatter(*X[y > 0].T, marker="o", s=90, color="C0", edgecolor="k", label="target 1", zorder=3)
        ax.scatter(*X[y < 0].T, marker="s", s=90, color="C3", edgecolor="k", label="target -1", zorder=3)
        w, b = r["w"], r["b"]
        if abs(w[1]) > 1e-9:
            xs = np.linspace(*_GATE_RANGE, 2)
            ax.plot(xs, -(w[0] * xs + b) / w[1], "k-", lw=1.5, label="w.x + b = 0")
        elif abs(w[0]) > 1e-9:
            ax.axvline(-b / w[0], color="k", lw=1.5, label="w.x + b = 0")
        state = "linearly separable" if r["separable"] else "NOT linearly separable"
        line = "" if (abs(w[0]) > 1e-9 or abs(w[1]) > 1e-9) else ", no line (w = 0)"
        ax.set_title(
            f"{gate.upper()}: {state}\naccuracy {r['accuracy']:.0%} after {config.epochs} epochs{line}", fontsize=10
        )
        ax.set_xlim(*_GATE_RANGE)
        ax.set_ylim(*_GATE_RANGE)
        ax.set_xlabel("$x_1$")
        ax.set_aspect("equal")
    axes[0].set_ylabel("$x_2$")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    _common.save_figure(fig, workdir / "decision_lines.png")

    header = ["gate", "linearly separable", "w1", "w2", "b", "mistakes in last epoch", "accuracy"]
    rows = [
        [g.upper(), r["separable"], r["w"][0], r["w"][1], r["b"], int(r["mistakes"][-1]), r["accuracy"]]
        for g, r in gates.items()
    ]
    _common.write_csv(workdir / "gates.csv", header, rows)
    summary.figure(
        "mistakes.png",
        "Misclassified examples per epoch of Rosenblatt's rule w <- w + eta (y - y_hat) x, one example at a time "
        "(lines offset slightly so that those at 0 stay visible). " + by_name["separable_gates_learned"].text,
    )
    summary.figure(
        "decision_lines.png",
        "The learned line w.x + b = 0 of each gate and the regions it assigns to output 1 (blue) and -1 (red), "
        "on bipolar inputs and targets. " + by_name["xor_not_separable"].text,
    )
    summary.table(header, rows, "Learned weights and the separability check per gate.", csv_name="gates.csv")


def _render_xor(results: dict, config: Config, workdir: Path, summary: _common.Summary, by_name: dict) -> None:
    import matplotlib.pyplot as plt

    xor = results["xor"]
    grid = _grid(*_XOR_RANGE)
    shape = (_GRID_POINTS, _GRID_POINTS)
    gx, gy = grid[:, 0].reshape(shape), grid[:, 1].reshape(shape)
    Xn, yn, Xc, yc = xor["X"], xor["y"], xor["corners"], xor["corner_labels"]

    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
    ax = axes[0]
    ax.contourf(
        gx, gy, xor["hand_region"].reshape(shape), levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"], alpha=0.8
    )
    xs = np.linspace(*_XOR_RANGE, 2)
    hand = xor["hand_weights"]
    for unit, style, name in ((0, "--", "hidden AND unit"), (1, ":", "hidden OR unit")):
        w, b = hand["w"][:, unit], float(hand["b"][unit])
        ax.plot(xs, -(w[0] * xs + b) / w[1], "k" + style, label=f"{name}: {w[0]:g}x1 + {w[1]:g}x2 {b:+g} = 0")
    ax.scatter(*Xc[yc == 1].T, s=110, color="C0", edgecolor="k", label="XOR = 1", zorder=3)
    ax.scatter(*Xc[yc == 0].T, s=110, marker="s", color="C3", edgecolor="k", label="XOR = 0", zorder=3)
    ax.set_title("Hand-set 2-2-1 step network")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, ncol=2, frameon=False)
    ax = axes[1]
    cs = ax.contourf(gx, gy, xor["region"].reshape(shape), levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.8)
    ax.contour(gx, gy, xor["region"].reshape(shape), levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(*Xn[yn == 1].T, s=14, color="C0", edgecolor="k", lw=0.3, label="XOR = 1")
    ax.scatter(*Xn[yn == 0].T, s=14, marker="s", color="C3", edgecolor="k", lw=0.3, label="XOR = 0")
    ax.plot([], [], "k-", lw=1.5, label="P = 0.5")
    fig.colorbar(cs, ax=ax, label="P(XOR = 1)")
    ax.set_title(f"Trained 2-{config.hidden}-1 tanh MLP: accuracy {xor['accuracy']:.1%}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, ncol=3, frameon=False)
    for ax in axes[:2]:
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_xlim(*_XOR_RANGE)
        ax.set_ylim(*_XOR_RANGE)
        ax.set_xticks(np.arange(-0.5, 1.6, 0.5))
        ax.set_yticks(np.arange(-0.5, 1.6, 0.5))
        ax.set_aspect("equal")
    ax = axes[2]
    ax.plot(np.arange(1, len(xor["loss"]) + 1), xor["loss"], color="C2")
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full-batch Adam step)")
    ax.set_ylabel("binary cross-entropy (log scale)")
    ax.set_title("MLP training loss on noisy XOR")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "xor_networks.png")

    header = ["x1", "x2", "hidden AND", "hidden OR", "hand-set network", "trained MLP", "XOR"]
    rows = [
        [int(a), int(b), int(h[0]), int(h[1]), int(o), int(m), int(t)]
        for (a, b), h, o, m, t in zip(Xc, xor["hand_hidden"], xor["hand_output"], xor["corner_output"], yc, strict=True)
    ]
    _common.write_csv(workdir / "xor_truth_table.csv", header, rows)
    summary.figure(
        "xor_networks.png",
        alt=(
            "Three panels: the regions of the hand-set 2-2-1 step network on the XOR corners, the probability map "
            "of a trained MLP on noisy XOR points, and that MLP's training loss."
        ),
        caption="XOR with a hidden layer. Left: the material's hand-set 2-2-1 network with step activations, the "
        "regions where it outputs 1 (blue) and 0 (red), and its two hidden units' lines. Middle: a "
        f"2-{config.hidden}-1 tanh MLP trained by gradient descent (binary cross-entropy, Adam) on "
        f"{config.n_points} noisy XOR points, with its probability of XOR = 1 and the "
        "P = 0.5 boundary. Right: its training loss. "
        + by_name["hand_set_network_computes_xor"].text
        + " "
        + by_name["mlp_learns_xor"].text,
    )
    summary.table(header, rows, "Truth table of both networks on the four corners.", csv_name="xor_truth_table.csv")


def render(results: dict, config: Config, workdir: str | Path) -> dict:
    workdir = Path(workdir)
    found = lessons(results)
    by_name = {lesson.name: lesson for lesson in found}
    summary = _common.Summary(TITLE)
    _render_gates(results, config, workdir, summary, by_name)
    _render_xor(results, config, workdir, summary, by_name)
    summary.write(workdir)
    gates, xor = results["gates"], results["xor"]
    return {
        "gates": {
            g: {
                "separable": r["separable"],
                "last_epoch_mistakes": int(r["mistakes"][-1]),
                "mistakes": r["mistakes"],
                "accuracy": r["accuracy"],
                "w": r["w"],
                "b": r["b"],
            }
            for g, r in gates.items()
        },
        "xor_best_line_corners": gates["xor"]["best_line_corners"],
        "xor": {
            "hand_set_network_correct": bool(np.all(xor["hand_output"] == xor["corner_labels"])),
            "mlp_accuracy": xor["accuracy"],
            "mlp_corners_correct": bool(np.all(xor["corner_output"] == xor["corner_labels"])),
            "mlp_final_loss": float(xor["loss"][-1]),
        },
        "lessons": _common.lesson_metrics(found),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Perceptron on logic gates, the XOR separability check, and XOR with hidden layers."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
