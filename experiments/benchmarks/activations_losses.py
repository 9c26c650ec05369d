r"""Activation and loss speed: each fnn function against its jax.nn / optax twin, in one process.

Inputs (float32):

* activations: ``x`` of 1,048,576 elements (shape ``(1024, 1024)``; softmax and
  log_softmax over the last axis of ``(65536, 16)``), normal with scale 5;
* losses: logits / predictions of shape ``(4096, 10)`` with matching targets
  (integer labels, probabilities, 0/1 labels or real values).

For every pair two programs are compiled ahead of time on the same input — the
value, and the value and gradient (of the sum, for activations; with respect to the
predictions, for losses) — and the HLO instructions of each optimised module are
counted. fnn and the reference are then timed in interleaved repetitions (a block
of calls each, alternating which goes first) so that a load spike hits both alike.
Reported: median seconds per call and the ratio fnn/reference (target about 1.0;
the machines are noisy, so read the ratio, not the absolute times).

Usage::

    python -m experiments.benchmarks.activations_losses [--json PATH] [--quick]
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

from fnn import activations as A
from fnn import losses as L

DEFAULT_JSON = Path("results/benchmarks/activations_losses.json")

# name -> (fnn function, reference function, input kind); functions of one array argument
# (activations) or of (predictions, targets) (losses).
ACTIVATIONS = {
    "sigmoid": (A.sigmoid, jax.nn.sigmoid, "flat"),
    "tanh": (A.tanh, jnp.tanh, "flat"),
    "relu": (A.relu, jax.nn.relu, "flat"),
    "leaky_relu": (A.leaky_relu, jax.nn.leaky_relu, "flat"),
    "elu": (A.elu, jax.nn.elu, "flat"),
    "softmax": (A.softmax, jax.nn.softmax, "rows"),
    "log_softmax": (A.log_softmax, jax.nn.log_softmax, "rows"),
}
LOSSES = {
    "mse": (L.mse, lambda p, t: jnp.mean(optax.losses.squared_error(p, t)), "real"),
    "binary_cross_entropy_with_logits": (
        L.binary_cross_entropy_with_logits,
        lambda p, t: jnp.mean(optax.losses.sigmoid_binary_cross_entropy(p, t)),
        "binary",
    ),
    "cross_entropy (labels)": (
        L.cross_entropy,
        lambda p, t: jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(p, t)),
        "labels",
    ),
    "cross_entropy (probabilities)": (
        L.cross_entropy,
        lambda p, t: jnp.mean(optax.losses.softmax_cross_entropy(p, t)),
        "probs",
    ),
}
QUICK = ("sigmoid", "softmax", "mse", "cross_entropy (labels)")


def _inputs(key, kind):
    """The argument tuple for one input kind."""
    k1, k2 = jax.random.split(key)
    if kind == "flat":
        return (5 * jax.random.normal(k1, (1024, 1024)),)
    if kind == "rows":
        return (5 * jax.random.normal(k1, (65536, 16)),)
    logits = 3 * jax.random.normal(k1, (4096, 10))
    if kind == "real":
        return logits, jax.random.normal(k2, (4096, 10))
    if kind == "binary":
        return logits, jax.random.bernoulli(k2, 0.5, (4096, 10)).astype(jnp.float32)
    if kind == "labels":
        return logits, jax.random.randint(k2, (4096,), 0, 10)
    return logits, jax.nn.softmax(jax.random.normal(k2, (4096, 10)))


def _programs(fn, args):
    """(value, value-and-gradient) programs of ``fn`` with respect to its first argument."""
    if len(args) == 1:

        def value(x):
            return fn(x)

        def value_and_grad(x):
            return jax.value_and_grad(lambda x: jnp.sum(fn(x)))(x)
    else:

        def value(p, t):
            return fn(p, t)

        def value_and_grad(p, t):
            return jax.value_and_grad(lambda p: fn(p, t))(p)

    return {"value": value, "value_and_grad": value_and_grad}


_HLO_INSTRUCTION = re.compile(r"^\s*(ROOT\s+)?%?[\w.\-]+ = ", re.M)


def _hlo_ops(compiled) -> int:
    """Instructions in the optimised HLO module (fused computations included)."""
    return len(_HLO_INSTRUCTION.findall(compiled.as_text()))


def _time_block(compiled, args, calls) -> float:
    out = compiled(*args)  # not timed: keeps the first call's dispatch out
    jax.block_until_ready(out)
    start = time.perf_counter()
    for _ in range(calls):
        out = compiled(*args)
    jax.block_until_ready(out)
    return (time.perf_counter() - start) / calls


def _compare(fnn_fn, ref_fn, args, repeats, calls):
    rows = []
    for mode in ("value", "value_and_grad"):
        sides = {}
        for side, fn in (("fnn", fnn_fn), ("reference", ref_fn)):
            compiled = jax.jit(_programs(fn, args)[mode]).lower(*args).compile()
            sides[side] = {"compiled": compiled, "times": [], "hlo_ops": _hlo_ops(compiled)}
        for r in range(repeats):
            order = ("fnn", "reference") if r % 2 == 0 else ("reference", "fnn")
            for side in order:
                sides[side]["times"].append(_time_block(sides[side]["compiled"], args, calls))
        med = {side: statistics.median(d["times"]) for side, d in sides.items()}
        rows.append(
            {
                "mode": mode,
                "fnn_s": med["fnn"],
                "reference_s": med["reference"],
                "ratio": med["fnn"] / med["reference"],
                "fnn_hlo_ops": sides["fnn"]["hlo_ops"],
                "reference_hlo_ops": sides["reference"]["hlo_ops"],
            }
        )
    return rows


def run(quick: bool = False, repeats: int | None = None, calls: int | None = None) -> dict:
    """Times every (function, mode) pair; returns a JSON-able dict of results."""
    repeats = repeats or (3 if quick else 15)
    calls = calls or (3 if quick else 10)
    key = jax.random.key(0)
    rows = []
    for group, table, reference in (("activation", ACTIVATIONS, "jax.nn"), ("loss", LOSSES, "optax")):
        for name, (fnn_fn, ref_fn, kind) in table.items():
            if quick and name not in QUICK:
                continue
            args = _inputs(key, kind)
            for row in _compare(fnn_fn, ref_fn, args, repeats, calls):
                rows.append({"group": group, "name": name, "reference": reference, "shape": list(args[0].shape), **row})
    return {
        "benchmark": "activations_losses",
        "repeats": repeats,
        "calls_per_block": calls,
        "quick": quick,
        "device": str(jax.devices()[0]),
        "jax": jax.__version__,
        "optax": optax.__version__,
        "rows": rows,
    }


def markdown(results: dict) -> str:
    lines = [
        "| function | vs | mode | fnn ms | reference ms | fnn/ref | HLO ops fnn / ref |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['name']} | {r['reference']} | {r['mode']} | {1e3 * r['fnn_s']:.3f} | "
            f"{1e3 * r['reference_s']:.3f} | {r['ratio']:.3f} | "
            f"{r['fnn_hlo_ops']} / {r['reference_hlo_ops']} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    from experiments._common import write_json  # atomic: temporary file + os.replace

    parser = argparse.ArgumentParser(
        prog="python -m experiments.benchmarks.activations_losses", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write the results (default {DEFAULT_JSON})"
    )
    parser.add_argument("--quick", action="store_true", help="four functions, few repetitions (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repetitions")
    parser.add_argument("--calls", type=int, default=None, help="calls per timed block")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, repeats=args.repeats, calls=args.calls)
    print(f"device: {results['device']}  jax {results['jax']}  optax {results['optax']}")
    print(markdown(results))
    write_json(args.json, results)
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
