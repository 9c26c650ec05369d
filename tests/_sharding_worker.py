"""Runs tiny cross-validations on forced CPU devices and saves the results (for test_sharding).

Usage: ``python tests/_sharding_worker.py OUT.npz`` with
``XLA_FLAGS=--xla_force_host_platform_device_count=8`` set before JAX is imported.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fnn import cv, losses, mlp, train

_COMPILES: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, _secs, **_kw: _COMPILES.append(name) if name == "/jax/core/compile/backend_compile_duration" else None)


def data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3)).astype(np.float32)
    return X, (X[:, 0] + 0.3 * X[:, 1] > 0).astype(np.int32)


def forward(params, X):
    return mlp.apply(params, X, activation="tanh")


def loss_fn(params, X, y):
    return losses.cross_entropy(forward(params, X), y, reduction="none")


def fit_fn(key, X, y, w, hyperparams=None):
    init_key, shuffle_key = jax.random.split(key)
    params = mlp.init(init_key, [3, 4, 2], activation="tanh")
    lr = 0.05 if hyperparams is None else hyperparams["lr"]
    return train.fit(loss_fn, params, optax.adam(lr), X, y, key=shuffle_key, epochs=8, batch_size=8,
                     weights=w)[0]


def score_fn(params, X, y, w):
    correct = (jnp.argmax(forward(params, X), -1) == y).astype(X.dtype)
    return jnp.sum(w * correct) / jnp.sum(w)


def _flat(params, k: int) -> np.ndarray:
    return np.concatenate([a.reshape(k, -1) for a in jax.tree.leaves(params)], 1)


def run_all(devices_options, full=("8",)) -> dict:
    """Every configuration the test compares, keyed by name; the ``full`` ones also run
    overlapping chunked folds and a grid."""
    X, y = data()
    out = {}
    for name, devices in devices_options:
        for chunk in (None, 2):  # one chunk per device; chunks of 2 folds on any device count
            tag = f"kfold{chunk or ''}/{name}"
            r = cv.cross_validate(fit_fn, score_fn, X, y, 5, key=jax.random.key(0), return_params=True,
                                  chunk_size=chunk, devices=devices)
            out[f"{tag}/test"], out[f"{tag}/train"] = r["test_score"], r["train_score"]
            out[f"{tag}/params"] = _flat(r["params"], 5)
            out[f"{tag}/n_devices"] = np.asarray(r["n_devices"])
        if name not in full:
            continue
        masks = cv.repeated_kfold(30, 3, 2, key=jax.random.key(1))  # 6 overlapping folds
        r = cv.cross_validate(fit_fn, score_fn, X, y, masks, key=jax.random.key(2), chunk_size=2,
                              return_params=True, devices=devices)
        out[f"masks_chunked/{name}/test"] = r["test_score"]
        out[f"masks_chunked/{name}/params"] = _flat(r["params"], 6)
        g = cv.grid_search(fit_fn, score_fn, X, y, 5, {"lr": [0.01, 0.1, 0.3]}, key=jax.random.key(3),
                           chunk_size=4, devices=devices)
        out[f"grid/{name}/test"] = g["test_score"]
    return out


def main(path: str) -> None:
    d = jax.devices()
    # 4 devices as a user-built mesh; 8 as devices=None (every device)
    options = [("1", d[:1]), ("2", d[:2]), ("4", jax.sharding.Mesh(np.array(d[:4]), ("folds",))), ("8", None)]
    out = run_all(options)
    # compile once: new data values, seed and learning rates on 8 devices compile nothing
    X, y = data(1)
    before = len(_COMPILES)
    cv.cross_validate(fit_fn, score_fn, X, y, 5, key=jax.random.key(7), return_params=True, devices=d[:8])
    cv.grid_search(fit_fn, score_fn, X, y, 5, {"lr": [0.02, 0.2, 0.5]}, key=jax.random.key(8), chunk_size=4,
                   devices=d[:8])
    out["recompiles"] = np.asarray(len(_COMPILES) - before)
    # new shapes (31 rows): one partitioned program for all 8 devices; chunks: one program per device
    X, y = data(2)
    X, y = np.concatenate([X, X[:1]]), np.concatenate([y, y[:1]])
    for chunk in (None, 2):
        before = len(_COMPILES)
        cv.cross_validate(fit_fn, score_fn, X, y, 5, key=jax.random.key(7), chunk_size=chunk, devices=d[:8])
        out[f"compiles/{chunk}"] = np.asarray(len(_COMPILES) - before)
    out["device_count"] = np.asarray(jax.device_count())
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
