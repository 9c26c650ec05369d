r"""Optimizer speed: each fnn optimizer against its optax twin, side by side in one process.

A training step is ``jit(value_and_grad(loss) -> optimizer update -> apply_updates)``
on two problems:

* ``mlp_784``: an MLP 784-256-256-10 (relu) on a random batch of 128, softmax
  cross-entropy;
* ``cancer``: an MLP 30-32-1 (relu) on the standardised breast-cancer data (569 rows,
  full batch), sigmoid binary cross-entropy.

For every (problem, optimizer) the fnn and optax steps are compiled ahead of time, the
number of HLO instructions of each optimised module is counted, and the two are timed
in interleaved repetitions (a block of steps each, alternating which goes first) so a
load spike hits both alike. Reported: the median seconds per step and the ratio
fnn/optax (the target is <= 1.03; the machines are noisy, so look at the ratio).

Usage::

    python -m experiments.benchmarks.optimizers [--json PATH] [--quick]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import optax

import fnn.optim as fo

DEFAULT_JSON = Path("results/benchmarks/optimizers.json")

# name -> (fnn optimizer, optax optimizer); the same hyperparameters on both sides
PAIRS = {
    "sgd_momentum": (lambda: fo.sgd(1e-2, momentum=0.9), lambda: optax.sgd(1e-2, momentum=0.9)),
    "nesterov": (lambda: fo.nesterov(1e-2), lambda: optax.sgd(1e-2, momentum=0.9, nesterov=True)),
    "adagrad": (lambda: fo.adagrad(1e-2), lambda: optax.adagrad(1e-2)),
    "adadelta": (lambda: fo.adadelta(1.0), lambda: optax.adadelta(1.0)),
    "rmsprop": (lambda: fo.rmsprop(1e-3), lambda: optax.rmsprop(1e-3)),
    "adam": (lambda: fo.adam(1e-3), lambda: optax.adam(1e-3)),
    "nadam": (lambda: fo.nadam(1e-3), lambda: optax.nadam(1e-3)),
    "amsgrad": (lambda: fo.amsgrad(1e-3), lambda: optax.amsgrad(1e-3)),
    "adamax": (lambda: fo.adamax(1e-3), lambda: optax.adamax(1e-3)),
    "adamw": (lambda: fo.adamw(1e-3), lambda: optax.adamw(1e-3)),
    "lion": (lambda: fo.lion(1e-4), lambda: optax.lion(1e-4)),
}
QUICK_PAIRS = ("sgd_momentum", "adam")


def _problems(key):
    from sklearn.datasets import load_breast_cancer

    from fnn.mlp import MLP

    wide, small = MLP([784, 256, 256, 10]), MLP([30, 32, 1])  # relu, He init
    k1, k2, k3, k4 = jax.random.split(key, 4)
    x = jax.random.normal(k1, (128, 784))
    y = jax.random.randint(k2, (128,), 0, 10)

    def softmax_ce(params, x, y):
        logits = wide.apply(params, x)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    data = load_breast_cancer()
    xc = (data.data - data.data.mean(0)) / data.data.std(0)
    xc, yc = jnp.asarray(xc, jnp.float32), jnp.asarray(data.target, jnp.float32)

    def binary_ce(params, x, y):
        z = small.apply(params, x)[:, 0]
        return jnp.mean(jnp.logaddexp(0.0, z) - y * z)

    return {
        "mlp_784": (wide.init(k3), softmax_ce, x, y),
        "cancer": (small.init(k4), binary_ce, xc, yc),
    }


def _compiled_step(opt, loss, params, x, y):
    def step(params, state):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    state = opt.init(params)
    compiled = jax.jit(step).lower(params, state).compile()
    return compiled, state


_HLO_INSTRUCTION = re.compile(r"^\s*(ROOT\s+)?%?[\w.\-]+ = ", re.M)


def _hlo_ops(compiled) -> int:
    """Instructions in the optimised HLO module (fused computations included)."""
    return len(_HLO_INSTRUCTION.findall(compiled.as_text()))


def _time_block(compiled, params, state, steps):
    start = time.perf_counter()
    for _ in range(steps):
        params, state, value = compiled(params, state)
    jax.block_until_ready((params, state, value))
    return (time.perf_counter() - start) / steps, params, state


def run(quick: bool = False, repeats: int | None = None, steps: int | None = None) -> dict:
    """Times every (problem, optimizer) pair; returns a JSON-able dict of results."""
    repeats = repeats or (3 if quick else 15)
    steps = steps or (5 if quick else 20)
    names = QUICK_PAIRS if quick else tuple(PAIRS)
    rows = []
    for problem, (params, loss, x, y) in _problems(jax.random.key(0)).items():
        for name in names:
            make_fnn, make_optax = PAIRS[name]
            sides = {}
            for side, make in (("fnn", make_fnn), ("optax", make_optax)):
                compiled, state = _compiled_step(make(), loss, params, x, y)
                _, p, s = _time_block(compiled, params, state, 2)  # warm up
                sides[side] = {
                    "compiled": compiled,
                    "params": p,
                    "state": s,
                    "times": [],
                    "hlo_ops": _hlo_ops(compiled),
                }
            for r in range(repeats):
                order = ("fnn", "optax") if r % 2 == 0 else ("optax", "fnn")
                for side in order:
                    d = sides[side]
                    t, d["params"], d["state"] = _time_block(d["compiled"], d["params"], d["state"], steps)
                    d["times"].append(t)
            med = {side: statistics.median(d["times"]) for side, d in sides.items()}
            rows.append(
                {
                    "problem": problem,
                    "optimizer": name,
                    "fnn_s": med["fnn"],
                    "optax_s": med["optax"],
                    "ratio": med["fnn"] / med["optax"],
                    "fnn_hlo_ops": sides["fnn"]["hlo_ops"],
                    "optax_hlo_ops": sides["optax"]["hlo_ops"],
                }
            )
    return {
        "benchmark": "optimizers",
        "repeats": repeats,
        "steps_per_block": steps,
        "quick": quick,
        "device": str(jax.devices()[0]),
        "jax": jax.__version__,
        "optax": optax.__version__,
        "rows": rows,
    }


def markdown(results: dict) -> str:
    lines = [
        "| problem | optimizer | fnn ms/step | optax ms/step | fnn/optax | HLO ops fnn / optax |",
        "|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['problem']} | {r['optimizer']} | {1e3 * r['fnn_s']:.3f} | "
            f"{1e3 * r['optax_s']:.3f} | {r['ratio']:.3f} | "
            f"{r['fnn_hlo_ops']} / {r['optax_hlo_ops']} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    from experiments._common import write_json  # atomic: temporary file + os.replace

    parser = argparse.ArgumentParser(
        prog="python -m experiments.benchmarks.optimizers", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write the results (default {DEFAULT_JSON})"
    )
    parser.add_argument("--quick", action="store_true", help="two optimizers, few repetitions (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repetitions")
    parser.add_argument("--steps", type=int, default=None, help="steps per timed block")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, repeats=args.repeats, steps=args.steps)
    write_json(args.json, results)
    print(markdown(results))
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
