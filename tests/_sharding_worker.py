"""Tiny cross-validations on 8 CPU devices in one process, saved for test_sharding.

Usage: ``python tests/_sharding_worker.py OUT.npz``. JAX fixes the number of CPU
devices when its backend starts, so the 8-device runs need a process of their own;
``main`` asks for 8 before anything touches a device. The model, the data and the
one-device reference (:func:`reference`) are shared with test_sharding and
test_multihost, which run the reference in their own one-device process.
"""

from __future__ import annotations

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fnn import cv, losses, mlp, train
from fnn.cv import engine

_EVENT = "/jax/core/compile/backend_compile_duration"
N_FOLDS = 5  # on 2, 4 and 8 devices: padded to 6, 8 and 8 folds


def data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3)).astype(np.float32)
    return X, (X[:, 0] + 0.3 * X[:, 1] > 0).astype(np.int32)


NET = mlp.MLP([3, 4, 2], activation="tanh")


def forward(params, X):
    return NET.apply(params, X)


def loss_fn(params, X, y):
    return losses.cross_entropy(forward(params, X), y, reduction="none")


def fit_fn(key, X, y, w, hyperparams=None):
    # Adam: its bias corrections are what a partitioned program rewrites (and rounds)
    # differently; full batch and 4 epochs keep the program small.
    params = NET.init(key)
    lr = 0.05 if hyperparams is None else hyperparams["lr"]
    return train.fit(loss_fn, params, optax.adam(lr), X, y, epochs=4, weights=w)[0]


def score_fn(params, X, y, w):
    correct = (jnp.argmax(forward(params, X), -1) == y).astype(X.dtype)
    return jnp.sum(w * correct) / jnp.sum(w)


def flat(params, k: int) -> np.ndarray:
    return np.concatenate([a.reshape(k, -1) for a in jax.tree.leaves(params)], 1)


def run_kfold(name: str, devices) -> dict:
    """5-fold cross-validation with one chunk per device, with chunks of 2 folds and with
    the chunks the cost model chooses."""
    X, y = data()
    out = {}
    for chunk in (None, 2, "auto"):
        tag = {None: "kfold", 2: "kfold2", "auto": "kfold_auto"}[chunk] + f"/{name}"
        r = cv.cross_validate(
            fit_fn,
            score_fn,
            X,
            y,
            N_FOLDS,
            key=jax.random.key(0),
            return_params=True,
            chunk_size=chunk,
            devices=devices,
        )
        out[f"{tag}/test"], out[f"{tag}/train"] = r["test_score"], r["train_score"]
        out[f"{tag}/params"] = flat(r["params"], N_FOLDS)
        out[f"{tag}/n_devices"] = np.asarray(r["n_devices"])
    return out


def run_masks_and_grid(name: str, devices) -> dict:
    """Overlapping folds (a MaskSplit) in chunks of 2, and a grid in chunks of 4."""
    X, y = data()
    out = {}
    masks = cv.repeated_kfold(30, 3, 2, key=jax.random.key(1))  # 6 overlapping folds
    r = cv.cross_validate(
        fit_fn, score_fn, X, y, masks, key=jax.random.key(2), chunk_size=2, return_params=True, devices=devices
    )
    out[f"masks_chunked/{name}/test"] = r["test_score"]
    out[f"masks_chunked/{name}/params"] = flat(r["params"], 6)
    g = cv.grid_search(
        fit_fn, score_fn, X, y, N_FOLDS, {"lr": [0.01, 0.1, 0.3]}, key=jax.random.key(3), chunk_size=4, devices=devices
    )
    out[f"grid/{name}/test"] = g["test_score"]
    return out


@functools.cache
def reference(part: str) -> dict:
    """``run_kfold`` (``part="kfold"``) or ``run_masks_and_grid`` (``"masks_and_grid"``) on the
    one device of a one-device process, under the name ``"plain"``; computed once per process."""
    if jax.device_count() != 1:
        raise RuntimeError(f"the reference needs a one-device process, this one has {jax.device_count()}")
    return {"kfold": run_kfold, "masks_and_grid": run_masks_and_grid}[part]("plain", None)


def _engine_runs(d) -> dict:
    """The engine's own interface on 8 devices, with a function that knows nothing of folds."""

    def fn(x, offset):
        return jnp.sin(x) * 3.0 + offset

    shared, entries = (np.float32(0.5),), (np.linspace(-2, 2, 7 * 4, dtype=np.float32).reshape(7, 4),)
    chunks = engine.run(fn, shared, entries, mesh=engine.device_mesh(d), chunk_size=2)  # 4 chunks on 8 devices
    one = engine.run(fn, shared, entries, mesh=engine.device_mesh(d[:1]), chunk_size=2)  # device 0's program again
    whole = engine.run(fn, shared, entries, mesh=engine.device_mesh(d), chunk_size=None)  # one partitioned program
    return {
        "engine/one": one.outputs,
        "engine/chunks": chunks.outputs,
        "engine/whole": whole.outputs,
        "engine/compiles": np.array([chunks.n_compiles, one.n_compiles, whole.n_compiles]),
    }


def main(path: str) -> None:
    cv.use_cpu_cores(8)
    compiles: list[str] = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda name, _secs, **_kw: compiles.append(name) if name == _EVENT else None
    )
    d = jax.devices()
    # 4 devices as a user-built mesh; 8 as devices=None (every device)
    options = [("1", d[:1]), ("2", d[:2]), ("4", jax.sharding.Mesh(np.array(d[:4]), ("folds",))), ("8", None)]
    out = {}
    for name, devices in options:
        out.update(run_kfold(name, devices))
    out.update(run_masks_and_grid("8", None))
    # compile once: new data values, seed and learning rates on 8 devices compile nothing
    X, y = data(1)
    before = len(compiles)
    for chunk in (None, "auto"):
        cv.cross_validate(
            fit_fn, score_fn, X, y, N_FOLDS, key=jax.random.key(7), return_params=True, chunk_size=chunk, devices=d[:8]
        )
    cv.grid_search(
        fit_fn, score_fn, X, y, N_FOLDS, {"lr": [0.02, 0.2, 0.5]}, key=jax.random.key(8), chunk_size=4, devices=d[:8]
    )
    out["recompiles"] = np.asarray(len(compiles) - before)
    # new shapes (31 rows): one partitioned program for all 8 devices; chunks: one program,
    # compiled for the first device and loaded on the others that run a chunk
    X, y = data(2)
    X, y = np.concatenate([X, X[:1]]), np.concatenate([y, y[:1]])
    for chunk in (None, 2):
        before = len(compiles)
        cv.cross_validate(fit_fn, score_fn, X, y, N_FOLDS, key=jax.random.key(7), chunk_size=chunk, devices=d[:8])
        out[f"compiles/{chunk}"] = np.asarray(len(compiles) - before)
    out.update(_engine_runs(d))
    out["device_count"] = np.asarray(jax.device_count())
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
