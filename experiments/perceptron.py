"""Perceptron and logic gates: AND, OR, NAND are learned; XOR is not (not linearly separable); an MLP learns XOR.

1. Rosenblatt's rule (:func:`fnn.perceptron.fit`) on the AND, OR, NAND and XOR truth
   tables: mistakes per epoch and the learned decision lines.
2. :func:`fnn.perceptron.is_linearly_separable` (an exact linear program) shows XOR
   admits no separating line.
3. The material's hand-set 2-2-1 step network (:func:`fnn.mlp.xor_network`) computes
   XOR, and a small MLP trained by gradient descent on noisy XOR data learns it too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, networks
from experiments._common import option
from fnn import datasets, losses, mlp, optim, perceptron, train

NAME = "perceptron"
TITLE = "Perceptron and logic gates"
GATES = ("and", "or", "nand", "xor")


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed (noisy XOR data, MLP initialisation)")
    epochs: int = option(12, "perceptron epochs (passes over the 4 rows of a truth table)")
    learning_rate: float = option(0.1, "perceptron learning rate eta")
    hidden: int = option(networks.XOR_HIDDEN, "hidden units of the MLP trained on XOR")
    mlp_epochs: int = option(400, "full-batch Adam steps of the XOR MLP")
    mlp_learning_rate: float = option(0.05, "Adam learning rate of the XOR MLP")
    n_points: int = option(200, "noisy XOR points for the MLP")
    noise: float = option(0.15, "standard deviation of the noise around the XOR corners")


QUICK = Config(mlp_epochs=300)


def _grid(lo=-0.6, hi=1.6, n=201):
    xs = np.linspace(lo, hi, n, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    return gx, gy, jnp.asarray(np.stack([gx.ravel(), gy.ravel()], axis=1))


def _gates(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    results = {}
    for gate in GATES:
        X, y = datasets.logic_gate(gate, encoding="bipolar")
        params, mistakes = perceptron.fit(X, y, learning_rate=config.learning_rate, epochs=config.epochs)
        results[gate] = {
            "w": np.asarray(params["w"]),
            "b": float(params["b"]),
            "mistakes": np.asarray(mistakes),
            "accuracy": float(jnp.mean(perceptron.predict(params, X) == y)),
            "separable": perceptron.is_linearly_separable(X, y),
        }

    epochs = np.arange(1, config.epochs + 1)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for i, (gate, r) in enumerate(results.items()):
        ax.plot(
            epochs,
            r["mistakes"],
            "o-",
            color=f"C{i}",
            label=gate.upper(),
            ms=4,
            alpha=0.9,
            lw=2 if gate == "xor" else 1.5,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("misclassified examples (of 4)")
    ax.set_title(f"Perceptron learning rule (eta = {config.learning_rate:g}): mistakes per epoch")
    ax.set_xticks(epochs)
    ax.set_ylim(-0.2, 4.2)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _common.save_figure(fig, workdir / "mistakes.png")

    gx, gy, grid = _grid(-1.6, 1.6)
    fig, axes = plt.subplots(1, 4, figsize=(15, 4), sharey=True)
    for ax, (gate, r) in zip(axes, results.items(), strict=True):
        X, y = datasets.logic_gate(gate, encoding="bipolar")
        params = {"w": jnp.asarray(r["w"]), "b": jnp.asarray(r["b"])}
        region = np.asarray(perceptron.predict(params, grid)).reshape(gx.shape)
        ax.contourf(gx, gy, region, levels=[-2, 0, 2], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
        X, y = np.asarray(X), np.asarray(y)
        ax.scatter(*X[y > 0].T, marker="o", s=90, color="C0", edgecolor="k", label="output 1", zorder=3)
        ax.scatter(*X[y < 0].T, marker="s", s=90, color="C3", edgecolor="k", label="output -1", zorder=3)
        w, b = r["w"], r["b"]
        if abs(w[1]) > 1e-9:
            xs = np.linspace(-1.6, 1.6, 2)
            ax.plot(xs, -(w[0] * xs + b) / w[1], "k-", lw=1.5, label="w.x + b = 0")
        elif abs(w[0]) > 1e-9:
            ax.axvline(-b / w[0], color="k", lw=1.5, label="w.x + b = 0")
        state = "linearly separable" if r["separable"] else "NOT linearly separable"
        ax.set_title(f"{gate.upper()}: {state}\naccuracy {r['accuracy']:.0%} after {config.epochs} epochs")
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.6, 1.6)
        ax.set_xlabel("$x_1$")
        ax.set_aspect("equal")
    axes[0].set_ylabel("$x_2$")
    axes[0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.suptitle("Decision lines learned by the perceptron (bipolar inputs and outputs)", y=1.06)
    _common.save_figure(fig, workdir / "decision_lines.png")

    header = ["gate", "linearly separable", "w1", "w2", "b", "mistakes in last epoch", "accuracy"]
    rows = [
        [g.upper(), r["separable"], r["w"][0], r["w"][1], r["b"], int(r["mistakes"][-1]), r["accuracy"]]
        for g, r in results.items()
    ]
    _common.write_csv(workdir / "gates.csv", header, rows)
    summary.figure(
        "mistakes.png",
        "Misclassified examples per epoch of Rosenblatt's rule w <- w + eta (y - y_hat) x. On AND, OR "
        "and NAND the mistakes reach 0 within a few epochs and stay there (the perceptron convergence "
        "theorem for linearly separable data); on XOR they never do.",
    )
    summary.figure(
        "decision_lines.png",
        "The learned line w.x + b = 0 and the regions it assigns to each output. A single line "
        "separates the classes of AND, OR and NAND; for XOR no line exists (an exact linear-programming "
        "check), so a single-layer perceptron cannot represent it.",
    )
    summary.table(header, rows, "Learned weights and the separability check per gate.", csv_name="gates.csv")
    return {
        g: {
            "separable": r["separable"],
            "last_epoch_mistakes": int(r["mistakes"][-1]),
            "mistakes": r["mistakes"],
            "accuracy": r["accuracy"],
        }
        for g, r in results.items()
    }


def _xor_networks(config: Config, workdir: Path, summary: _common.Summary) -> dict:
    import matplotlib.pyplot as plt

    # The material's hand-set 2-2-1 network: hidden AND and OR units, output "OR and not AND".
    hand_net, hand = mlp.xor_network()
    # Its hidden layer alone, the step outputs of the AND and OR units.
    hidden_layer = mlp.MLP(hand_net.layer_sizes[:2], activation=None, output_activation=hand_net.activation)
    Xg, yg = datasets.logic_gate("xor")
    hand_out = np.asarray(hand_net.apply(hand, Xg))[:, 0]
    hand_hidden = np.asarray(hidden_layer.apply(hand[:1], Xg))

    data_key, init_key = jax.random.split(jax.random.key(config.seed))
    X, y = datasets.xor_cloud(data_key, config.n_points, noise=config.noise)
    net = networks.xor_mlp(config.hidden)
    params0 = net.init(init_key)

    def per_example(p, X, y):
        return losses.binary_cross_entropy_with_logits(net.apply(p, X)[:, 0], y, reduction="none")

    trained, history = jax.jit(
        lambda p: train.fit(per_example, p, optim.adam(config.mlp_learning_rate), X, y, epochs=config.mlp_epochs)
    )(params0)
    prob = lambda p, X: jax.nn.sigmoid(net.apply(p, X)[:, 0])  # noqa: E731
    accuracy = float(jnp.mean((prob(trained, X) >= 0.5) == (y == 1)))
    corner_out = np.asarray(prob(trained, Xg) >= 0.5).astype(float)

    gx, gy, grid = _grid()
    hand_region = np.asarray(hand_net.apply(hand, grid)).reshape(gx.shape)
    mlp_region = np.asarray(prob(trained, grid)).reshape(gx.shape)
    Xn, yn, Xc, yc = np.asarray(X), np.asarray(y), np.asarray(Xg), np.asarray(yg)

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    ax = axes[0]
    ax.contourf(gx, gy, hand_region, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
    xs = np.linspace(-0.6, 1.6, 2)
    for unit, style, name in ((0, "--", "hidden AND unit"), (1, ":", "hidden OR unit")):
        w, b = np.asarray(hand[0]["w"][:, unit]), float(hand[0]["b"][unit])
        ax.plot(xs, -(w[0] * xs + b) / w[1], "k" + style, label=f"{name}: {w[0]:g}x1 + {w[1]:g}x2 {b:+g} = 0")
    ax.scatter(*Xc[yc == 1].T, s=110, color="C0", edgecolor="k", label="XOR = 1", zorder=3)
    ax.scatter(*Xc[yc == 0].T, s=110, marker="s", color="C3", edgecolor="k", label="XOR = 0", zorder=3)
    ax.set_title("Hand-set 2-2-1 step network (the material's weights)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=7.5, ncol=2)
    ax = axes[1]
    cs = ax.contourf(gx, gy, mlp_region, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.8)
    ax.contour(gx, gy, mlp_region, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(*Xn[yn == 1].T, s=14, color="C0", edgecolor="k", lw=0.3, label="XOR = 1")
    ax.scatter(*Xn[yn == 0].T, s=14, marker="s", color="C3", edgecolor="k", lw=0.3, label="XOR = 0")
    fig.colorbar(cs, ax=ax, label="P(XOR = 1)")
    ax.set_title(f"Trained 2-{config.hidden}-1 tanh MLP: accuracy {accuracy:.1%}")
    ax.legend(loc="upper center", fontsize=8)
    for ax in axes[:2]:
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_xlim(-0.6, 1.6)
        ax.set_ylim(-0.6, 1.6)
        ax.set_aspect("equal")
    ax = axes[2]
    ax.plot(np.arange(1, config.mlp_epochs + 1), np.asarray(history.train_loss), color="C2")
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full-batch Adam step)")
    ax.set_ylabel("binary cross-entropy")
    ax.set_title("MLP training loss on noisy XOR")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    _common.save_figure(fig, workdir / "xor_networks.png")

    header = ["x1", "x2", "hidden AND", "hidden OR", "hand-set network", "trained MLP", "XOR"]
    rows = [
        [int(a), int(b), int(h[0]), int(h[1]), int(o), int(m), int(t)]
        for (a, b), h, o, m, t in zip(Xc, hand_hidden, hand_out, corner_out, yc, strict=True)
    ]
    _common.write_csv(workdir / "xor_truth_table.csv", header, rows)
    summary.figure(
        "xor_networks.png",
        "XOR with a hidden layer. Left: the material's hand-set 2-2-1 network with step activations; its "
        'hidden units are the AND and OR perceptrons (two lines) and the output fires for "OR and not '
        'AND", carving out the XOR region no single line can. Middle: a 2-'
        f"{config.hidden}-1 MLP trained by gradient descent (binary cross-entropy, Adam) on {config.n_points} "
        "noisy XOR points learns a non-linear boundary. Right: its training loss.",
    )
    summary.table(header, rows, "Truth table of both networks on the four corners.", csv_name="xor_truth_table.csv")
    return {
        "hand_set_network_correct": bool(np.all(hand_out == yc)),
        "mlp_accuracy": accuracy,
        "mlp_corners_correct": bool(np.all(corner_out == yc)),
        "mlp_final_loss": float(history.train_loss[-1]),
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Perceptron on logic gates, the XOR separability check, and XOR with hidden layers."""
    workdir = Path(workdir)
    summary = _common.Summary(TITLE)
    metrics = {"gates": _gates(config, workdir, summary)}
    metrics["xor"] = _xor_networks(config, workdir, summary)
    summary.write(workdir)
    return metrics


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
