"""Linear regression on housing prices: normal equation vs batch, stochastic and mini-batch GD; learning rates.

1. Price from size (one feature): the data and the normal equation's line.
2. Price from size, bedrooms, zip code and wealth (standardised): the closed-form normal
   equation (:func:`fnn.linear.normal_equation`) against gradient descent with the
   hand-derived gradients (:func:`fnn.linear.fit_linear_gd`) and the training loop
   (:func:`fnn.train.fit`) in full-batch, stochastic (batch 1) and mini-batch mode,
   each at its best learning rate of one sweep (the rate is a vmapped array).
3. The batch sweep, from too small to divergent, against the stability limit
   2 / lambda_max computed from the data; and the normal equation's failure on a
   duplicated feature, where gradient descent still finds a minimum.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import _common, _plotting
from experiments._common import Lesson, option
from experiments._numbers import sig
from fnn import datasets, linear, optim, train

NAME = "linear_regression"
TITLE = "Linear regression: normal equation and gradient descent"

SQUARE_FEET_PER_SQUARE_METRE = 10.7639


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = option(0, "PRNG seed for the housing data and the shuffles")
    n_houses: int = option(200, "houses in the toy market", at_least=8)
    noise: float = option(20.0, "price noise (thousands)", greater_than=0)
    epochs: int = option(150, "epochs of each gradient-descent variant", at_least=2)
    batch_size: int = option(16, "mini-batch size", at_least=2)
    decades: tuple[float, ...] = option(
        (-3.0, 0.5), "log10 range of the learning-rate sweep, in units of 1 / lambda_max of the MSE's Hessian"
    )
    points_per_decade: int = option(4, "learning rates per decade", at_least=1)
    tolerance: float = option(
        0.01, "relative excess over the normal equation's MSE that counts as reached", greater_than=0
    )


QUICK = Config(epochs=100)


def _mse_per_example(params, X, y):
    return (linear.predict_linear(params, X) - y) ** 2


# --------------------------------------------------------------------------- compute


def _size_only(config: Config) -> dict:
    X, y, coef = datasets.housing(jax.random.key(config.seed), config.n_houses, features="size", noise=config.noise)
    exact = linear.normal_equation(X, y)
    x, y = np.asarray(X[:, 0], np.float64), np.asarray(y, np.float64)
    residual = y - (float(exact["w"][0]) * x + float(exact["b"]))
    # the slope's standard error: sigma_hat / sqrt(sum (x - mean)^2), sigma_hat with n - 2 degrees of freedom
    se = np.sqrt(residual @ residual / (len(x) - 2) / np.sum((x - x.mean()) ** 2))
    return {
        "x": x,
        "y": y,
        "w": float(exact["w"][0]),
        "b": float(exact["b"]),
        "true_w": float(coef["w"][0]),
        "true_b": float(coef["b"]),
        "w_standard_error": float(se),
    }


def _sweep_program(batch_size: int | None, epochs: int):
    """Gradient descent at every rate of the sweep in one program, with each epoch's full-data MSE."""

    def one(X, y, lr, key):
        zeros = {"w": jnp.zeros(X.shape[1], X.dtype), "b": jnp.zeros((), X.dtype)}

        # epoch by epoch, so that the MSE is measured on the parameters at each epoch's end
        def epoch(params, k):
            params, _ = train.fit(_mse_per_example, params, optim.sgd(lr), X, y, key=k, epochs=1, batch_size=batch_size)
            return params, jnp.mean(_mse_per_example(params, X, y))

        return jax.lax.scan(epoch, zeros, jax.random.split(key, epochs))

    return jax.vmap(one, (None, None, 0, None))


def compute(config: Config) -> dict:
    """The fits, the sweeps and the duplicated-feature check (plain numbers and arrays; no files)."""
    _common.check_config(config)
    if len(config.decades) != 2 or config.decades[0] > config.decades[1]:
        raise ValueError(f"linear_regression: decades must be (low, high) with low <= high, got {config.decades}")
    if config.batch_size >= config.n_houses:
        raise ValueError(
            f"linear_regression: batch_size {config.batch_size} must be below n_houses {config.n_houses} "
            "(a mini-batch of every house is batch descent)"
        )
    variants = {"batch": None, "stochastic (batch 1)": 1, f"mini-batch ({config.batch_size})": config.batch_size}
    with _common.progress(NAME, total=3 + len(variants)) as step:
        step("normal equation")
        size_only = _size_only(config)
        X, y, _ = datasets.housing(jax.random.key(config.seed), config.n_houses, features="all", noise=config.noise)
        # standardised features let one learning rate suit every weight (sizes ~100, zip codes ~2)
        X, _, _ = datasets.standardize(X)
        exact = linear.normal_equation(X, y)
        best_mse = float(jnp.mean(_mse_per_example(exact, X, y)))
        design = np.c_[np.asarray(X, np.float64), np.ones(X.shape[0])]
        hessian = 2.0 / X.shape[0] * design.T @ design  # of the MSE in (w, b)
        eigenvalues = np.linalg.eigvalsh(hessian)
        lam = float(eigenvalues[-1])
        k = np.arange(
            np.ceil(config.decades[0] * config.points_per_decade), config.decades[1] * config.points_per_decade + 1
        )
        rates = (10.0 ** (k / config.points_per_decade) / lam).astype(np.float32)

        step("batch descent, hand-derived gradients")
        # The hand-derived gradients (fnn.linear) at every rate: one vmapped program.
        params, hand = jax.jit(jax.vmap(lambda lr: linear.fit_linear_gd(X, y, learning_rate=lr, epochs=config.epochs)))(
            rates
        )
        hand_weights = np.asarray(params["w"])
        curves, weights = {}, {}
        key = jax.random.key(config.seed + 1)
        for name, batch_size in variants.items():
            step(f"{name} descent")
            args = (X, y, rates, key)
            final, curve = _common.run_once(_sweep_program(batch_size, config.epochs), *args)
            curves[name], weights[name] = np.asarray(curve, np.float64), np.asarray(final["w"])

        step("a duplicated feature")
        # The size given twice, in square metres and in square feet: X^T X is singular.
        raw, _, _ = datasets.housing(jax.random.key(config.seed), config.n_houses, features="all", noise=config.noise)
        doubled = jnp.concatenate([raw[:, :1] * SQUARE_FEET_PER_SQUARE_METRE, raw], axis=1)
        doubled, _, _ = datasets.standardize(doubled)
        try:
            linear.normal_equation(doubled, y)
            refusal = None
        except ValueError as err:
            refusal = str(err)
        _, doubled_curve = linear.fit_linear_gd(doubled, y, learning_rate=float(1.0 / lam), epochs=config.epochs)
    return {
        "config": config,
        "size_only": size_only,
        "normal_equation": {"w": np.asarray(exact["w"]), "b": float(exact["b"]), "mse": best_mse},
        "eigenvalues": eigenvalues,
        "rates": rates,
        "hand": np.asarray(hand, np.float64),
        "hand_weights": hand_weights,
        "curves": curves,
        "weights": weights,
        "duplicated": {
            "refusal": refusal,
            "singular_ratio": float(
                np.divide(*np.linalg.svd(np.asarray(doubled, np.float64), compute_uv=False)[[-1, 0]])
            ),
            "columns": int(doubled.shape[1]),
            "gd_mse": float(doubled_curve[-1]),
        },
    }


# --------------------------------------------------------------------------- lessons


def _epochs_within(curve: np.ndarray, best: float, tolerance: float) -> int | None:
    """The first epoch (1-based) from which the MSE stays within ``tolerance`` of ``best``; None if never."""
    outside = np.flatnonzero(~(curve <= best * (1 + tolerance)))
    if outside.size == 0:
        return 1
    return int(outside[-1]) + 2 if outside[-1] + 1 < len(curve) else None


def _first_within(curves: np.ndarray, best: float, tolerance: float) -> tuple[int | None, int | None]:
    """Over every rate, the earliest epoch (1-based) at which the MSE comes within ``tolerance``, and that rate."""
    hits = [np.flatnonzero(c <= best * (1 + tolerance)) for c in curves]
    found = [(int(h[0]) + 1, i) for i, h in enumerate(hits) if h.size]
    return min(found) if found else (None, None)


def _choice(results: dict, config: Config) -> dict[str, dict]:
    """Per variant: its best rate of the sweep (fewest epochs to stay within the tolerance; else lowest final MSE)."""
    best = results["normal_equation"]["mse"]
    out = {}
    for name, curves in results["curves"].items():
        epochs = [_epochs_within(c, best, config.tolerance) for c in curves]
        final = np.where(np.isfinite(curves[:, -1]), curves[:, -1], np.inf)
        reached = [i for i, e in enumerate(epochs) if e is not None]
        i = min(reached, key=lambda j: (epochs[j], final[j])) if reached else int(np.argmin(final))
        out[name] = {
            "index": i,
            "rate": float(results["rates"][i]),
            "epochs": epochs[i],
            "final": float(final[i]),
            "weight_gap": float(np.max(np.abs(results["weights"][name][i] - results["normal_equation"]["w"]))),
        }
    return out


def _stability(results: dict, config: Config) -> dict:
    """Which batch rates converge (the final MSE below the start) against the limit 2 / lambda_max."""
    hand, rates = results["hand"], results["rates"]
    limit = 2.0 / float(results["eigenvalues"][-1])
    initial = hand[:, 0]
    diverged = ~np.isfinite(hand[:, -1]) | (hand[:, -1] > initial)
    return {"limit": limit, "diverged": diverged, "consistent": bool(np.all(diverged == (rates > limit)))}


def lessons(results: dict) -> list[Lesson]:
    """The material's claims about linear regression, checked against this run's numbers."""
    config = results["config"]
    out = []
    s = results["size_only"]
    gap = abs(s["w"] - s["true_w"])
    out.append(
        Lesson(
            "normal_equation_recovers_the_line",
            gap <= 2 * s["w_standard_error"],
            f"From size alone the normal equation finds a slope of {s['w']:.3f} (true {s['true_w']:g}) and an "
            f"intercept of {s['b']:.1f} (true {s['true_b']:g}): the slope is {gap / s['w_standard_error']:.1f} "
            f"standard errors ({s['w_standard_error']:.3f}) from the truth, "
            + ("within the noise." if gap <= 2 * s["w_standard_error"] else "more than the noise explains."),
        )
    )
    best = results["normal_equation"]["mse"]
    chosen = _choice(results, config)
    reached = {n: c for n, c in chosen.items() if c["epochs"] is not None}
    out.append(
        Lesson(
            "gradient_descent_reaches_the_closed_form",
            len(reached) == len(chosen),
            f"Each at its best rate of the sweep, batch, stochastic and mini-batch gradient descent end within "
            f"{100 * config.tolerance:g}% of the normal equation's MSE {best:.1f}"
            + ("" if len(reached) == len(chosen) else f" only for {', '.join(reached) or 'none'}")
            + ": "
            + "; ".join(
                f"{n} {c['final']:.1f} (rate {sig(c['rate'])}, largest weight gap {sig(c['weight_gap'])})"
                for n, c in chosen.items()
            )
            + f", after {config.epochs} epochs."
            + (
                ""
                if len(reached) == len(chosen)
                else " A constant rate leaves stochastic steps jittering around the minimum, at a distance that "
                "shrinks with the rate but does not vanish."
            ),
        )
    )
    batch = chosen["batch"]
    stochastic_name = next(n for n in chosen if n.startswith("stochastic"))
    stochastic = chosen[stochastic_name]
    first = {n: _first_within(results["curves"][n], best, config.tolerance) for n in ("batch", stochastic_name)}
    (e_s, i_s), (e_b, i_b) = first[stochastic_name], first["batch"]
    if e_s is not None and e_b is not None:
        holds = e_s < e_b
        jitter = results["curves"][stochastic_name][i_s, -1] / best - 1
        text = (
            f"Stochastic gradient descent (one update per house) first comes within {100 * config.tolerance:g}% of "
            f"the minimum at epoch {e_s} (rate {sig(results['rates'][i_s])}), batch gradient descent (one "
            f"update per epoch) at epoch {e_b} (rate {sig(results['rates'][i_b])})"
            + (": the many small steps get there in fewer epochs" if holds else ": here its many steps save no epochs")
            + f". But they are noisy: at that rate its MSE ends {100 * jitter:.2g}% above the minimum, and to stay "
            f"within the tolerance it needs the rate {sig(stochastic['rate'])} and "
            + (
                f"epoch {stochastic['epochs']}."
                if stochastic["epochs"] is not None
                else "more epochs than the run has."
            )
        )
    else:
        holds = False
        text = "Stochastic or batch gradient descent never came within the tolerance, so their speed is not compared."
    out.append(Lesson("stochastic_needs_fewer_epochs", holds, text))
    # the same batch descent, with hand-derived and with automatic gradients
    i = batch["index"]
    autodiff = results["curves"]["batch"][i]
    hand = results["hand"][i]
    gap = float(np.max(np.abs(autodiff - hand) / hand))
    out.append(
        Lesson(
            "hand_gradients_equal_autodiff",
            gap < 1e-4,
            f"Batch descent with the hand-derived gradient -2/N sum (y - y_hat) x (fnn.linear.fit_linear_gd) and with "
            f"jax.grad (fnn.train.fit) at rate {sig(batch['rate'])}: "
            + (
                "their MSE curves are identical."
                if gap == 0
                else f"their MSE curves differ by at most {sig(gap)} (relative; float32 rounding)."
            ),
        )
    )
    st = _stability(results, config)
    rates = results["rates"]
    smallest = results["hand"][0, -1]
    holds = st["consistent"] and smallest > 2 * best and st["diverged"].any()
    out.append(
        Lesson(
            "learning_rate_too_small_or_too_large",
            bool(holds),
            f"Batch descent at {len(rates)} rates from {sig(rates[0])} to {sig(rates[-1])}: the smallest "
            f"ends at MSE {smallest:.0f} after {config.epochs} epochs ({smallest / best:.1f} times the minimum: too "
            f"slow); every rate above 2 / lambda_max = {st['limit']:.3f} (lambda_max = "
            f"{results['eigenvalues'][-1]:.3f}, the Hessian's largest eigenvalue) "
            + ("diverges and every rate below it converges" if st["consistent"] else "does not split the sweep cleanly")
            + f" (first divergent rate {sig(rates[st['diverged']].min()) if st['diverged'].any() else 'none'}).",
        )
    )
    d = results["duplicated"]
    holds = d["refusal"] is not None and d["gd_mse"] <= best * (1 + config.tolerance)
    out.append(
        Lesson(
            "normal_equation_fails_when_singular",
            holds,
            f"With the size given twice (square metres and square feet), the smallest singular value of the "
            f"{d['columns']}-column standardised design is {sig(d['singular_ratio'])} of the largest (zero but "
            "for float32 rounding): X^T X is singular and the normal equation "
            + ("refuses (fnn raises a ValueError)" if d["refusal"] else "still returned an answer")
            + f"; gradient descent still reaches MSE {d['gd_mse']:.1f} (the unique model's: {best:.1f}), one of "
            "the many weight vectors that fit equally well.",
        )
    )
    return out


# --------------------------------------------------------------------------- render


def _line_figure(results: dict, workdir: Path) -> None:
    s = results["size_only"]
    fig, axes = _plotting.figure(1, 1, width=6.5, height=4.3)
    ax = axes[0, 0]
    ax.scatter(s["x"], s["y"], s=10, alpha=0.6, label="houses")
    xs = np.array([50.0, 250.0])
    ax.plot(xs, s["w"] * xs + s["b"], "C3", lw=2, label=f"normal equation: y = {s['w']:.2f} x + {s['b']:.1f}")
    ax.plot(xs, s["true_w"] * xs + s["true_b"], "k--", lw=1, label=f"true: y = {s['true_w']:g} x + {s['true_b']:g}")
    ax.set_xlabel("size (square metres)")
    ax.set_ylabel("price (thousands)")
    ax.set_title("Housing price from size: y_hat = w x + b")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    _common.save_figure(fig, workdir / "price_vs_size.png")


def _curves_figure(results: dict, chosen: dict, config: Config, workdir: Path) -> None:
    best = results["normal_equation"]["mse"]
    names = list(results["curves"])
    style = _plotting.styles([*names, "hand"])
    epochs = np.arange(1, config.epochs + 1)
    fig, axes = _plotting.figure(1, 1, width=8.5, height=4.6)
    ax = axes[0, 0]
    for name in names:
        c = chosen[name]
        excess = results["curves"][name][c["index"]] / best - 1
        ax.plot(epochs, np.clip(excess, 1e-8, None), label=f"{name}, rate {sig(c['rate'])}", **style[name])
    hand = results["hand"][chosen["batch"]["index"]] / best - 1
    ax.plot(epochs, np.clip(hand, 1e-8, None), color="k", ls=":", lw=1.5, label="batch, hand-derived gradients")
    ax.axhline(config.tolerance, color="0.5", ls="--", lw=1, label=f"tolerance {100 * config.tolerance:g}%")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("(MSE - normal equation's MSE) / normal equation's MSE")
    ax.set_title("Approaching the closed form, each at its best rate")
    ax.grid(alpha=0.3, which="both")
    _plotting.legend_outside(fig, axes)
    _common.save_figure(fig, workdir / "loss_curves.png")


def _sweep_figure(results: dict, config: Config, workdir: Path) -> None:
    import matplotlib.pyplot as plt

    best = results["normal_equation"]["mse"]
    st = _stability(results, config)
    rates, hand = results["rates"], results["hand"]
    fig, axes = _plotting.figure(1, 2, width=13.5, height=4.5)
    cmap = plt.get_cmap("viridis")
    epochs = np.arange(1, config.epochs + 1)
    top = float(np.nanmax(hand[:, 0])) * 30
    for i, (lr, h) in enumerate(zip(rates, hand, strict=True)):
        shown = np.where(np.isfinite(h) & (h < top), h, np.nan)  # a divergent curve leaves through the top
        axes[0, 0].plot(epochs, shown, color=cmap(i / max(len(rates) - 1, 1)), lw=1.2, label=f"{lr:.3g}")
    axes[0, 0].axhline(best, color="C3", ls="--", lw=1)
    axes[0, 0].set_yscale("log")
    axes[0, 0].set_ylim(best * 0.8, top)
    axes[0, 0].set_xlabel("epoch")
    axes[0, 0].set_ylabel("training MSE")
    axes[0, 0].set_title("Batch gradient descent, one curve per learning rate")
    axes[0, 0].grid(alpha=0.3, which="both")
    axes[0, 0].legend(title="learning rate", fontsize=7, ncols=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    final = hand[:, -1]
    ok = ~st["diverged"]
    axes[0, 1].plot(rates[ok], final[ok], "o-", color="C0", label="converges")
    if st["diverged"].any():
        shown = np.where(np.isfinite(final) & (final < top), final, top)
        axes[0, 1].plot(rates[~ok], shown[~ok], "x", color="C3", ms=9, label=f"diverges (shown at most {top:.0e})")
    axes[0, 1].axvline(st["limit"], color="k", ls=":", lw=1.2, label=f"2 / lambda_max = {st['limit']:.3f}")
    axes[0, 1].axhline(best, color="C3", ls="--", lw=1, label=f"normal equation ({best:.0f})")
    axes[0, 1].set_xscale("log")
    axes[0, 1].set_yscale("log")
    axes[0, 1].set_xlabel("learning rate")
    axes[0, 1].set_ylabel(f"training MSE after {config.epochs} epochs")
    axes[0, 1].set_title("Too small is slow, beyond 2 / lambda_max diverges")
    axes[0, 1].grid(alpha=0.3, which="both")
    axes[0, 1].legend(fontsize=8, loc="upper left")
    _common.save_figure(fig, workdir / "learning_rate_sweep.png")


def render(results: dict, config: Config, workdir: Path) -> dict:
    """Figures, tables and ``summary.md`` from ``compute``'s results; returns the metrics."""
    workdir = Path(workdir)
    best = results["normal_equation"]["mse"]
    lam = results["eigenvalues"]
    summary = _common.Summary(
        TITLE,
        f"{config.n_houses} houses, price noise {config.noise:g} (thousands). The four features are standardised; the "
        f"MSE's Hessian then has eigenvalues from {lam[0]:.3f} to {lam[-1]:.3f} (condition number "
        f"{lam[-1] / lam[0]:.0f}, as size and bedrooms are correlated). Every variant of gradient descent starts "
        f"from zero and is swept over {len(results['rates'])} learning rates from 10^{config.decades[0]:g} to "
        f"10^{config.decades[1]:g} times 1 / lambda_max, in one compiled program per variant; its best rate is "
        f"the one that stays within {100 * config.tolerance:g}% of the normal equation's MSE from the earliest "
        f"epoch ({config.epochs} epochs).",
    )
    found = lessons(results)
    said = {lesson.name: lesson.text for lesson in found}

    _line_figure(results, workdir)
    s = results["size_only"]
    summary.figure(
        "price_vs_size.png",
        f"One feature: the normal equation's line through the noisy prices, slope {s['w']:.3f} ± "
        f"{s['w_standard_error']:.3f} (standard error), and the line that generated them (dashed). "
        + said["normal_equation_recovers_the_line"],
    )
    chosen = _choice(results, config)
    _curves_figure(results, chosen, config, workdir)
    header = ["method", "learning rate", "final training MSE", "epochs until within tolerance", "max abs(w - w*)"]
    rows = [["normal equation", "", best, "", 0.0]]
    rows += [
        [f"{n} GD", c["rate"], c["final"], c["epochs"] if c["epochs"] is not None else "never", c["weight_gap"]]
        for n, c in chosen.items()
    ]
    i = chosen["batch"]["index"]
    rows.append(
        [
            "batch GD, hand-derived gradients",
            chosen["batch"]["rate"],
            float(results["hand"][i, -1]),
            _epochs_within(results["hand"][i], best, config.tolerance) or "never",
            float(np.max(np.abs(results["hand_weights"][i] - results["normal_equation"]["w"]))),
        ]
    )
    _common.write_csv(workdir / "methods.csv", header, rows)
    summary.figure(
        "loss_curves.png",
        "How far each variant's training MSE is above the normal equation's, epoch by epoch (log scale), each at "
        "its best rate. Full-batch descent takes one smooth step per epoch; stochastic descent one noisy step per "
        "house; mini-batch descent is in between. "
        + said["gradient_descent_reaches_the_closed_form"]
        + " "
        + said["stochastic_needs_fewer_epochs"],
    )
    summary.table(
        header,
        rows,
        f"Final training MSE, the epoch from which it stays within {100 * config.tolerance:g}% of the normal "
        "equation's, and the largest distance of the weights (standardised features) from the closed form; the "
        "weights can stay apart where the MSE hardly changes (along correlated features). "
        + said["hand_gradients_equal_autodiff"],
        csv_name="methods.csv",
    )
    summary.text(
        "The normal equation needs no learning rate, but a solve with X^T X, which fails when X^T X is singular. "
        + said["normal_equation_fails_when_singular"]
    )

    _sweep_figure(results, config, workdir)
    st = _stability(results, config)
    sweep_rows = [
        [float(r), float(f) if np.isfinite(f) else "inf", bool(d)]
        for r, f, d in zip(results["rates"], results["hand"][:, -1], st["diverged"], strict=True)
    ]
    _common.write_csv(
        workdir / "learning_rate_sweep.csv", ["learning rate", "final training MSE", "diverged"], sweep_rows
    )
    summary.figure(
        "learning_rate_sweep.png",
        "Batch gradient descent (hand-derived gradients) at every rate of the sweep, as one vmapped program: the "
        "loss per epoch at each rate (left), the final loss against the rate (right), with the stability limit "
        "2 / lambda_max computed from the data (dotted). Beyond it a step overshoots the minimum along the steepest "
        "direction by more than it corrects. " + said["learning_rate_too_small_or_too_large"],
    )
    summary.table(
        ["learning rate", "final training MSE", "diverged"],
        sweep_rows,
        "Final loss per learning rate.",
        csv_name="learning_rate_sweep.csv",
        digits=3,
    )
    summary.write(workdir)
    return {
        "lessons": _common.lesson_metrics(found),
        "size_only": {k: v for k, v in s.items() if k not in ("x", "y")},
        "normal_equation_mse": best,
        "methods": {n: {k: v for k, v in c.items() if k != "index"} for n, c in chosen.items()},
        "stability_limit": st["limit"],
        "first_divergent_rate": float(results["rates"][st["diverged"]].min()) if st["diverged"].any() else None,
        "duplicated_feature": results["duplicated"],
    }


@_common.experiment(NAME)
def run(config: Config, workdir: Path) -> dict:
    """Normal equation vs gradient descent on housing prices, and a learning-rate sweep."""
    return render(compute(config), config, workdir)


def main(argv=None) -> dict:
    return _common.cli(run, Config, QUICK, argv, __doc__)


if __name__ == "__main__":
    main()
