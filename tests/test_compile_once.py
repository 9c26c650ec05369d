"""Compile once: a whole cross-validation (or grid) is one program, compiled once.

A second call that changes only data values, the seed or the learning rates (as a
grid of arrays) compiles nothing. Compilations are counted with the
``/jax/core/compile/backend_compile_duration`` monitoring event, traces of
``fit_fn`` with a Python counter. Budget: ~20 s on one loaded core.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from fnn import cv, train

_EVENT = "/jax/core/compile/backend_compile_duration"
_compiles: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, _secs, **_kw: _compiles.append(name) if name == _EVENT else None
)

_traces = {"fit": 0}


def _loss(p, X, y):
    return (X @ p - y) ** 2


def fit_fn(key, X, y, w, hyperparams=None):
    _traces["fit"] += 1  # runs once per trace, never per fold or per call of the compiled program
    lr = 0.1 if hyperparams is None else hyperparams["lr"]
    p0 = 0.01 * jax.random.normal(key, (X.shape[1],))
    return train.fit(_loss, p0, optax.sgd(lr), X, y, epochs=20, weights=w)[0]


def score_fn(p, X, y, w):
    return -jnp.sum(w * (X @ p - y) ** 2) / jnp.sum(w)


def _data(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(24, 3)).astype(np.float32)
    return X, (X @ np.array([1.0, -2.0, 0.5], np.float32)).astype(np.float32)


@pytest.mark.parametrize("chunk_size", [None, 3, "auto"])
def test_a_whole_cross_validation_is_one_compilation(chunk_size):
    # Training and scoring of every fold, the fold keys and the padding to full chunks
    # (7 folds in chunks of 3: one body, no remainder program) are one program: nothing
    # else compiles, not even a small eager op on the way in. "auto" traces the program
    # to measure its working set, and compiles what it traced.
    rng = np.random.default_rng(7)
    n = 21 + [None, 3, "auto"].index(chunk_size)  # a shape no other test (or case) compiles
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], np.float32)
    key = jax.random.key(11)
    before = len(_compiles)
    out = cv.cross_validate(fit_fn, score_fn, X, y, 7, key=key, chunk_size=chunk_size)
    assert len(_compiles) - before == 1
    assert out["test_score"].shape == (7,) and np.all(np.isfinite(out["test_score"]))
    before = len(_compiles)
    cv.grid_search(fit_fn, score_fn, X, y, 7, {"lr": [0.01, 0.1]}, key=key, chunk_size=chunk_size)
    assert len(_compiles) - before == 1


@pytest.mark.parametrize("cv_arg", [4, "loo"])
def test_cross_validate_compiles_once_for_new_data_and_seeds(cv_arg):
    X, y = _data(0)
    traces = _traces["fit"]
    first = cv.cross_validate(fit_fn, score_fn, X, y, cv_arg, key=jax.random.key(0))
    assert _traces["fit"] == traces + 1  # one trace for all folds
    before = len(_compiles)
    X2, y2 = _data(1)
    second = cv.cross_validate(fit_fn, score_fn, X2, y2, cv_arg, key=jax.random.key(5))
    assert len(_compiles) == before
    assert _traces["fit"] == traces + 1
    assert not np.array_equal(first["test_score"], second["test_score"])  # it really ran on new values


def test_grid_is_one_program_and_new_learning_rates_do_not_recompile():
    X, y = _data(2)
    traces = _traces["fit"]
    first = cv.grid_search(fit_fn, score_fn, X, y, 3, {"lr": [0.01, 0.05, 0.1]}, key=jax.random.key(0))
    assert _traces["fit"] == traces + 1  # 3 settings x 3 folds, one trace
    before = len(_compiles)
    second = cv.grid_search(fit_fn, score_fn, X, y, 3, {"lr": [0.02, 0.03, 0.2]}, key=jax.random.key(1))
    assert len(_compiles) == before and _traces["fit"] == traces + 1
    assert not np.array_equal(first["test_score"], second["test_score"])


def test_the_counter_sees_a_recompile_when_shapes_change():
    # guards the tests above: a new fold count is a new shape, so it must compile
    X, y = _data(3)
    cv.cross_validate(fit_fn, score_fn, X, y, 3, key=jax.random.key(0))
    before = len(_compiles)
    cv.cross_validate(fit_fn, score_fn, X, y, 6, key=jax.random.key(0))
    assert len(_compiles) > before
