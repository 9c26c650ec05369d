"""fnn.cv: splitters against scikit-learn, cross_validate against per-fold training on physical subsets.

Budget: ~70 s on one core (splitter tests are numpy-only; each cross_validate test compiles
two small programs; the LOOCV memory test compiles without running).
"""

from __future__ import annotations

import ast
import functools
import math
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from _folds import assert_same_pairs, pairs
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import model_selection as ms
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression
from sklearn.metrics import accuracy_score

from fnn import cv, mlp
from fnn.cv import api, engine, guards, program, selection, splits
from fnn.train import batch_order, epoch_keys, fit

# --------------------------------------------------------------------------- splitters


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 80), data=st.data())
def test_kfold_equals_sklearn(n, data):
    k = data.draw(st.integers(2, n))
    assert_same_pairs(pairs(cv.kfold(n, k).split()), pairs(ms.KFold(k).split(np.zeros(n))))


# A few sizes only: each new n compiles jax.random.permutation for that shape.
@pytest.mark.parametrize("n, k", [(10, 3), (31, 7), (12, 12)])
def test_shuffled_kfold_fold_sizes_equal_sklearn(n, k):
    shuffled = cv.kfold(n, k, shuffle=True, key=jax.random.key(n))
    ours = sorted(len(t) for _, t in shuffled.split())
    theirs = sorted(len(t) for _, t in ms.KFold(k, shuffle=True, random_state=0).split(np.zeros(n)))
    assert ours == theirs
    np.testing.assert_array_equal(np.sort(shuffled.test_fold), cv.kfold(n, k).test_fold)


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(st.integers(0, 3), min_size=4, max_size=60), data=st.data())
def test_stratified_kfold_equals_sklearn(labels, data):
    y = np.asarray(labels)
    counts = np.bincount(y)
    k = data.draw(st.integers(2, max(2, int(counts.max()))))
    if k > y.size or np.all(counts[counts > 0] < k):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the small-class warning, tested separately
        ours = cv.stratified_kfold(y, k)
        theirs = pairs(ms.StratifiedKFold(k).split(np.zeros(y.size), y))
        shuffled = cv.stratified_kfold(y, k, shuffle=True, key=jax.random.key(1))
        theirs_shuffled = pairs(ms.StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(y.size), y))
    assert_same_pairs(pairs(ours.split()), theirs)
    for (_, a), (_, b) in zip(shuffled.split(), theirs_shuffled, strict=True):
        np.testing.assert_array_equal(np.bincount(y[a], minlength=4), np.bincount(y[b], minlength=4))


def test_leave_one_out_and_sklearn_interop():
    n = 7
    assert_same_pairs(pairs(cv.leave_one_out(n).split()), pairs(ms.LeaveOneOut().split(np.zeros(n))))
    # A Split is itself a scikit-learn splitter.
    X, y = np.arange(2 * n, dtype=float).reshape(n, 2), np.arange(n, dtype=float)
    ours = ms.cross_val_score(LinearRegression(), X, y, cv=cv.kfold(n, 3), scoring="neg_mean_squared_error")
    theirs = ms.cross_val_score(LinearRegression(), X, y, cv=ms.KFold(3), scoring="neg_mean_squared_error")
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_repeated_kfold_sizes_and_partitions(key):
    n, k, r = 17, 4, 3
    split = cv.repeated_kfold(n, k, r, key=key)
    assert split.train.shape == split.test.shape == (k * r, n)
    np.testing.assert_array_equal(split.train, ~split.test)
    for rep in range(r):
        np.testing.assert_array_equal(split.test[rep * k : (rep + 1) * k].sum(axis=0), 1)  # each repeat partitions
    theirs = [len(t) for _, t in ms.RepeatedKFold(n_splits=k, n_repeats=r, random_state=0).split(np.zeros(n))]
    np.testing.assert_array_equal(split.test.sum(axis=1), theirs)


@pytest.mark.parametrize(
    "n, test_size, train_size",
    [
        (10, None, None),
        (10, 0.25, None),
        (11, 0.3, None),
        (11, None, 0.55),
        (20, 3, None),
        (20, None, 7),
        (20, 0.2, 0.5),
        (7, 0.5, None),
    ],
)
def test_holdout_sizes_equal_train_test_split(n, test_size, train_size, key):
    a, b = ms.train_test_split(np.arange(n), test_size=test_size, train_size=train_size, random_state=0)
    split = cv.holdout(n, test_size=test_size, train_size=train_size, key=key)
    assert (int(split.train.sum()), int(split.test.sum())) == (len(a), len(b))
    assert not np.any(split.train & split.test)
    a, b = ms.train_test_split(np.arange(n), test_size=test_size, train_size=train_size, shuffle=False)
    train_idx, test_idx = next(cv.holdout(n, test_size=test_size, train_size=train_size, shuffle=False).split())
    np.testing.assert_array_equal(train_idx, a)
    np.testing.assert_array_equal(test_idx, b)


# no tied remainders
@pytest.mark.parametrize("counts, test_size", [((10, 21, 32), 0.25), ((7, 9), 0.3), ((50, 5, 12), 0.2)])
def test_stratified_holdout_class_counts_equal_sklearn(counts, test_size, key):
    y = np.repeat(np.arange(len(counts)), counts)
    rng = np.random.default_rng(0)
    y = y[rng.permutation(y.size)]
    a, b = ms.train_test_split(y, test_size=test_size, stratify=y, random_state=0)
    split = cv.holdout(y.size, test_size=test_size, stratify=y, key=key)
    np.testing.assert_array_equal(np.bincount(y[split.test[0]]), np.bincount(b))
    np.testing.assert_array_equal(np.bincount(y[split.train[0]]), np.bincount(a))


def test_from_indices_compact_when_possible(key):
    n = 13
    kf = cv.from_indices(ms.KFold(4, shuffle=True, random_state=0).split(np.zeros(n)), n)
    assert isinstance(kf, cv.Split) and kf.n_folds == 4
    assert_same_pairs(pairs(kf.split()), pairs(ms.KFold(4, shuffle=True, random_state=0).split(np.zeros(n))))
    ss = cv.from_indices(ms.ShuffleSplit(3, test_size=3, train_size=5, random_state=0).split(np.zeros(n)), n)
    assert isinstance(ss, cv.MaskSplit) and ss.train.shape == (3, n)
    theirs = ms.ShuffleSplit(3, test_size=3, train_size=5, random_state=0).split(np.zeros(n))
    for (a, b), (c, d) in zip(ss.split(), theirs, strict=True):
        np.testing.assert_array_equal(a, np.sort(c))
        np.testing.assert_array_equal(b, np.sort(d))


def test_stratified_kfold_warns_when_smallest_class_is_small():
    y = np.array([0] * 10 + [1] * 2)
    with pytest.warns(UserWarning, match="least populated class has only 2 members"):
        split = cv.stratified_kfold(y, 3)
    assert split.n_folds == 3


_Y = np.array([0, 1, 0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: cv.kfold(10, 1), ValueError, "k must be at least 2"),
        (lambda: cv.kfold(5, 6), ValueError, "k=6 folds need at least 6 samples"),
        (lambda: cv.kfold(10, 2.0), TypeError, "k must be an int"),
        (lambda: cv.kfold(10, 3, key=jax.random.key(0)), ValueError, "only used with shuffle=True"),
        (lambda: cv.kfold(10, 3, shuffle=True), ValueError, "pass key"),
        (lambda: cv.kfold(10, 3, shuffle=1, key=jax.random.key(0)), TypeError, "shuffle must be True or False"),
        (lambda: cv.stratified_kfold(_Y, 5), ValueError, "greater than the number of members of every class"),
        (lambda: cv.stratified_kfold(_Y + 0.5, 2), ValueError, "class labels must be integers"),
        (lambda: cv.stratified_kfold(_Y.reshape(4, 2), 2), ValueError, r"shape \(n,\) or \(n, 1\)"),
        (lambda: cv.stratified_kfold(np.where(_Y, np.nan, 0.0), 2), ValueError, "NaN or inf"),
        (lambda: cv.leave_one_out(1), ValueError, "n must be at least 2"),
        (lambda: cv.repeated_kfold(10, 3, 0, key=jax.random.key(0)), ValueError, "n_repeats must be at least 1"),
        (lambda: cv.holdout(10, test_size=1.5, key=jax.random.key(0)), ValueError, r"fraction in \(0, 1\)"),
        (lambda: cv.holdout(10, test_size=10, key=jax.random.key(0)), ValueError, r"fewer than the n=10 samples"),
        (lambda: cv.holdout(10, test_size=0.5, train_size=0.6, key=jax.random.key(0)), ValueError, "more than 1"),
        (lambda: cv.holdout(10, test_size=5, train_size=6, key=jax.random.key(0)), ValueError, "more than the 10"),
        (lambda: cv.holdout(10), ValueError, "pass key"),
        (lambda: cv.holdout(8, stratify=_Y, shuffle=False), ValueError, "stratify needs shuffle=True"),
        (lambda: cv.holdout(8, stratify=_Y[:6], key=jax.random.key(0)), ValueError, "stratify must have n=8"),
        (lambda: cv.from_indices([([0, 1], [1, 2])], 4), ValueError, "both training and testing"),
        (lambda: cv.from_indices([([0, 1], [5])], 4), ValueError, r"lie in \[0, 4\)"),
        (lambda: cv.from_indices([([0, 1], [])], 4), ValueError, "no test rows"),
        (lambda: cv.from_indices([([0.0, 1.0], [2])], 4), TypeError, "1-D integer array"),
        (lambda: cv.from_indices([], 4), ValueError, "no folds"),
    ],
)
def test_splitter_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------------------- cross_validate

N, D, C = 23, 3, 3
_OPT = optax.adam(0.05)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, D)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int32) + (X[:, 2] > 1).astype(np.int32)
    return X, y


_NET = mlp.MLP([D, 4, C], activation="tanh")


def _loss(params, X, y):
    logits = _NET.apply(params, X)
    return -jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1)[:, 0]


def _predict(params, X):
    return jnp.argmax(_NET.apply(params, X), axis=1)


def _accuracy(params, X, y, weights):
    return jnp.sum(weights * (_predict(params, X) == y)) / jnp.sum(weights)


def _make_fit(batch_size, epochs=3, traces=None):
    def fit_fn(key, X, y, weights):
        if traces is not None:
            traces.append(None)
        init_key, shuffle_key = jax.random.split(key)
        params = _NET.init(init_key)
        return fit(_loss, params, _OPT, X, y, key=shuffle_key, epochs=epochs, batch_size=batch_size, weights=weights)

    return fit_fn


@functools.partial(jax.jit, static_argnums=0)
def _step(optimizer, params, state, xb, yb):
    grads = jax.grad(lambda p: jnp.mean(_loss(p, xb, yb)))(params)
    updates, state = optimizer.update(grads, state, params)
    return optax.apply_updates(params, updates), state


def _fold_on_physical_subset(key, X, y, train_idx, batch_size, epochs=3):
    """One fold trained on its own rows only, with the batches fit would draw."""
    init_key, shuffle_key = jax.random.split(key)
    params = _NET.init(init_key)
    state = _OPT.init(params)
    mask = np.zeros(N, np.float32)
    mask[train_idx] = 1.0
    for e in range(epochs):
        if batch_size is None:
            batches = [train_idx]
        else:
            idx, w = batch_order(
                epoch_keys(shuffle_key, epochs)[e], mask, batch_size=batch_size, n_steps=math.ceil(N / batch_size)
            )
            batches = [i[wi > 0] for i, wi in zip(np.asarray(idx), np.asarray(w), strict=True) if np.any(wi > 0)]
        for rows in batches:
            params, state = _step(_OPT, params, state, X[rows], y[rows])
    return params


@pytest.mark.parametrize(
    "batch_size, splitter",
    [
        (None, cv.kfold(N, 3)),  # unequal folds 8, 8, 7: one program, no padding of the data
        (5, ms.KFold(4, shuffle=True, random_state=1)),
        (None, ms.ShuffleSplit(3, test_size=5, train_size=12, random_state=0)),  # overlapping: MaskSplit
    ],
)
def test_cross_validate_equals_training_each_fold_on_its_rows(batch_size, splitter):
    X, y = _data()
    key = jax.random.key(42)
    traces = []
    out = cv.cross_validate(
        _make_fit(batch_size, traces=traces),
        _accuracy,
        X,
        y,
        splitter,
        key=key,
        return_params=True,
        return_indices=True,
    )
    assert len(traces) == 1  # every fold traced (and compiled) once
    pairs = list(ms.KFold(3).split(X) if isinstance(splitter, cv.Split) else splitter.split(X))
    keys = jax.random.split(key, len(pairs))
    for k, (train_idx, test_idx) in enumerate(pairs):
        ref = _fold_on_physical_subset(keys[k], X, y, np.sort(train_idx), batch_size)
        mine = jax.tree.map(lambda a, k=k: a[k], out["params"])
        # float32: weighted sums over all rows vs means over the fold's rows (summation order).
        jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5), mine, ref)
        assert out["test_score"][k] == pytest.approx(accuracy_score(y[test_idx], _predict(mine, X[test_idx])), abs=1e-6)
        assert out["train_score"][k] == pytest.approx(
            accuracy_score(y[train_idx], _predict(mine, X[train_idx])), abs=1e-6
        )
        np.testing.assert_array_equal(out["indices"]["test"][k], np.sort(test_idx))
    assert list(out)[:4] == ["fit_time", "score_time", "test_score", "train_score"]
    np.testing.assert_allclose(out["fit_time"].sum(), out["total_fit_time"], rtol=1e-9)


def test_fold_order_matches_sklearn_cross_validate():
    X, y = _data()
    splitter = ms.StratifiedKFold(2, shuffle=True, random_state=0)  # the rarest class has 2 rows
    theirs = ms.cross_validate(DummyClassifier(), X, y, cv=splitter, return_indices=True)["indices"]
    ours = cv.cross_validate(
        _make_fit(None, epochs=1), _accuracy, X, y, splitter, key=jax.random.key(0), return_indices=True
    )["indices"]
    for part in ("train", "test"):
        for a, b in zip(ours[part], theirs[part], strict=True):
            np.testing.assert_array_equal(a, b)


def test_loo_chunked_equals_vmapped_and_history():
    X, y = _data()
    fit_fn = _make_fit(None, epochs=2)
    a = cv.cross_validate(
        fit_fn, _accuracy, X, y, "loo", key=jax.random.key(0), return_params=True, return_history=True
    )
    b = cv.cross_validate(
        fit_fn, _accuracy, X, y, "loo", key=jax.random.key(0), return_params=True, return_history=True, chunk_size=5
    )  # 23 folds + 2 empty ones = 5 full chunks of 5
    # float32 rounding: XLA may compile a batch of 5 folds differently from one of 23
    jax.tree.map(lambda u, v: np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-6), a["params"], b["params"])
    np.testing.assert_array_equal(a["test_score"], b["test_score"])
    assert a["history"].train_loss.shape == (N, 2)
    np.testing.assert_array_equal(a["history"].diverged_epoch, -1)
    assert set(np.unique(a["test_score"])) <= {0.0, 1.0}


def test_loocv_memory_stays_near_one_copy_of_the_data():
    n, d = 2000, 100
    X = jnp.zeros((n, d), jnp.float32)
    y = jnp.zeros((n,), jnp.float32)
    data_bytes = X.nbytes + y.nbytes

    def fit_fn(key, X, y, w):
        return fit(lambda p, X, y: (X @ p - y) ** 2, jnp.zeros(d), optax.sgd(0.01), X, y, epochs=2, weights=w)[0]

    args = program.arguments(
        fit_fn,
        lambda p, X, y, w: jnp.sum(w * (X @ p - y) ** 2),
        X,
        y,
        cv.leave_one_out(n),
        jax.random.key(0),
        return_train_score=False,
    )

    def size(chunk_size):
        lowered = engine.lower(
            program.fit_and_score_chunk, args.shared, args.entries, static=args.static, chunk_size=chunk_size
        )
        m = lowered.compile().memory_analysis()
        return m.argument_size_in_bytes + m.temp_size_in_bytes

    # Per-fold copies of X would be 2000x the data (1.6 GB). Unchunked full-batch LOOCV holds a
    # few (K, n) arrays (predictions, residuals; n*n floats = 20 copies each): measured 85x.
    # Chunks of 50 folds bound that to chunk_size * n: measured 3.1x.
    assert size(None) < 100 * data_bytes
    assert size(50) < 4 * data_bytes


def test_grid_search_equals_each_setting_separately():
    X, y = _data()
    traces = []

    def fit_fn(key, X, y, weights, hyper):
        traces.append(None)
        params = _NET.init(key)
        return fit(_loss, params, optax.sgd(hyper["lr"]), X, y, epochs=3, weights=weights)[0]

    grid = {"lr": [0.01, 1.0]}
    folds = cv.kfold(N, 3)  # cv=3 would stratify, and the rarest class has 2 rows
    out = cv.grid_search(fit_fn, _accuracy, X, y, folds, grid, key=jax.random.key(5))
    assert len(traces) == 1
    assert out["test_score"].shape == (2, 3)
    for s, lr in enumerate(grid["lr"]):
        alone = cv.cross_validate(
            lambda k, X, y, w, lr=lr: fit_fn(k, X, y, w, {"lr": lr}),
            _accuracy,
            X,
            y,
            folds,
            key=jax.random.key(5),
            return_train_score=False,
        )["test_score"]
        np.testing.assert_allclose(out["test_score"][s], alone, atol=1e-6)
    np.testing.assert_allclose(out["mean_test_score"], out["test_score"].mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(out["std_test_score"], np.std(out["test_score"], axis=1), rtol=1e-6)
    best = int(np.argmax(out["mean_test_score"]))
    assert out["best_index"] == best and out["best_params"] == {"lr": grid["lr"][best]}
    assert out["rank_test_score"][best] == 1


_XB, _YB = _data()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(y=_YB[:-1]), ValueError, "same number of samples"),
        (dict(X=np.where(np.arange(N)[:, None] == 3, np.nan, _XB)), ValueError, "X contains NaN or inf"),
        (dict(y=np.where(np.arange(N) == 3, np.inf, 1.0)), ValueError, "y contains NaN or inf"),
        (dict(y=np.array(["a"] * N)), TypeError, "y must be an array of real numbers"),
        (dict(X=_XB.astype(np.complex64)), TypeError, "X must be an array of real numbers"),
        (dict(X="data"), TypeError, "X must be an array of numbers"),
        (dict(cv="lo"), ValueError, "cv must be an int K, 'loo'"),
        (dict(cv=2.5), TypeError, "cv must be an int K"),
        (dict(cv=1), ValueError, r"cv \(the number of folds K\) must be at least 2"),
        (dict(cv=cv.kfold(10, 2)), ValueError, "split is for 10 samples but X has 23 rows"),
        (dict(key=1), TypeError, "key must be a JAX PRNG key"),
        (dict(fit_fn=None), TypeError, "fit_fn must be callable"),
        (dict(score_fn="accuracy"), TypeError, "score_fn must be callable"),
        (dict(chunk_size=0), ValueError, "chunk_size must be at least 1"),
        (dict(compiler_options="fast"), ValueError, "compiler_options must be 'auto', None or a dict"),
        (
            dict(compiler_options={"xla_backend_optimization_level": None}),
            TypeError,
            "must be a bool, number or string",
        ),
    ],
)
def test_cross_validate_bad_input_raises_before_compiling(kwargs, error, match):
    args = dict(fit_fn=_make_fit(None), score_fn=_accuracy, X=_XB, y=_YB, cv=3, key=jax.random.key(0))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        cv.cross_validate(
            args.pop("fit_fn"), args.pop("score_fn"), args.pop("X"), args.pop("y"), args.pop("cv"), **args
        )


@pytest.mark.parametrize(
    "grid, match",
    [
        ({}, "non-empty dict"),
        ({"lr": []}, "non-empty list of numbers"),
        ({"hidden": [(4,), (8,)]}, "non-empty list of numbers"),
    ],
)
def test_grid_search_bad_grid(grid, match):
    with pytest.raises(TypeError, match=match):
        cv.grid_search(lambda k, X, y, w, h: None, _accuracy, _XB, _YB, 3, grid, key=jax.random.key(0))


# --------------------------------------------------------------------------- the engine's rerun

_compiles: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, _secs, **_kw: _compiles.append(name) if name == "/jax/core/compile/backend_compile_duration" else None
)


def _affine(scale, bias, x):
    return {"y": scale * jnp.tanh(x) + bias[None, :]}


@pytest.mark.parametrize("chunk_size", [None, 3])
def test_run_first_chunk_reruns_the_compiled_program_with_other_shared_arguments(chunk_size):
    rng = np.random.default_rng(0)
    entries = (rng.normal(size=(7, 4)).astype(np.float32),)
    mesh = engine.device_mesh([jax.devices()[0]])
    shared = (np.float32(1.5), rng.normal(size=4).astype(np.float32))
    other = (np.float32(-0.5), rng.normal(size=4).astype(np.float32))
    first = engine.run(_affine, shared, entries, mesh=mesh, chunk_size=chunk_size)
    before = len(_compiles)
    again = engine.run_first_chunk(first, other, entries, mesh=mesh)
    assert len(_compiles) == before  # the compiled program, run once more
    c = first.plan.chunk_size
    assert again["y"].shape == (c, 4)
    # the same as a run with the other shared arguments (the same program, compiled again or cached)
    np.testing.assert_array_equal(
        again["y"], engine.run(_affine, other, entries, mesh=mesh, chunk_size=chunk_size).outputs["y"][:c]
    )
    np.testing.assert_array_equal(
        engine.run_first_chunk(first, shared, entries, mesh=mesh)["y"], first.outputs["y"][:c]
    )


# --------------------------------------------------------------------------- compiler options


class _Compiling(Exception):
    """Raised instead of compiling, once the options have been recorded."""


@pytest.fixture
def compile_options(monkeypatch):
    """The compiler options of every ``Lowered.compile`` call (``None`` for none), recorded
    instead of compiling: each call raises ``_Compiling``."""
    seen = []

    def record(self, *args, **kwargs):
        seen.append(kwargs.get("compiler_options"))
        raise _Compiling

    monkeypatch.setattr(jax.stages.Lowered, "compile", record)
    return seen


def _fit_line(key, X, y, weights, hyperparams=None):
    """A small program (least squares, plain gradient descent), for the tests that compile
    with XLA's slower default options."""
    w0 = 0.1 * jax.random.normal(key, (X.shape[1],))
    return fit(lambda p, X, y: (X @ p - y) ** 2, w0, optax.adam(0.1), X, y, epochs=2, weights=weights)


def _neg_mse(p, X, y, w):
    return -jnp.sum(w * (X @ p - y) ** 2) / jnp.sum(w)


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the default applies CPU_FAST_COMPILE on CPU only")
@pytest.mark.parametrize(
    "options, want",
    [
        ("auto", dict(cv.CPU_FAST_COMPILE)),
        (None, None),
        ({"xla_backend_optimization_level": 0}, {"xla_backend_optimization_level": 0}),
    ],
)
def test_compiler_options_given_to_xla(options, want, compile_options):
    X, y = _data()
    y = y.astype(np.float32)
    kwargs = {} if options == "auto" else {"compiler_options": options}  # "auto" is the default
    with pytest.raises(_Compiling):
        cv.cross_validate(_fit_line, _neg_mse, X, y, 2, key=jax.random.key(0), **kwargs)
    with pytest.raises(_Compiling):
        cv.grid_search(_fit_line, _neg_mse, X, y, 2, {"lr": [1.0]}, key=jax.random.key(0), **kwargs)
    assert compile_options == [want, want]


def test_compiler_options_none_is_a_plain_jax_jit_bitwise():
    X, y = _data()
    y = y.astype(np.float32)
    key = jax.random.key(3)
    out = cv.cross_validate(
        _fit_line, _neg_mse, X, y, 3, key=key, return_params=True, return_history=True, compiler_options=None
    )

    def fold(X, y, test_fold, key, k):  # one fold, written out: weights 1 on the fold's training rows
        train_w, test_w = (test_fold != k).astype(X.dtype), (test_fold == k).astype(X.dtype)
        params, history = _fit_line(key, X, y, train_w)
        return params, history, _neg_mse(params, X, y, test_w), _neg_mse(params, X, y, train_w)

    @jax.jit
    def every_fold(X, y, test_fold, key):
        return jax.vmap(fold, in_axes=(None, None, None, 0, 0))(
            X, y, test_fold, jax.random.split(key, 3), jnp.arange(3)
        )

    params, history, test, train = every_fold(X, y, cv.kfold(N, 3).test_fold, key)
    np.testing.assert_array_equal(out["test_score"], test)
    np.testing.assert_array_equal(out["train_score"], train)
    jax.tree.map(np.testing.assert_array_equal, (out["params"], out["history"]), (params, history))


def test_an_option_xla_does_not_know_is_a_value_error():
    X, y = _data()
    with pytest.raises(ValueError, match="cross_validate: XLA rejected compiler_options=.*xla_fnn_no_such_option"):
        cv.cross_validate(
            _fit_line,
            _neg_mse,
            X,
            y.astype(np.float32),
            2,
            key=jax.random.key(0),
            compiler_options={"xla_fnn_no_such_option": True},
        )


# --------------------------------------------------------------------------- the package


def test_the_public_names_are_those_of_the_single_module():
    # fnn.cv was one module; these names (and what they do) must not change
    before = {
        "MaskSplit",
        "Split",
        "cross_val_score",
        "cross_validate",
        "from_indices",
        "grid_search",
        "holdout",
        "kfold",
        "leave_one_out",
        "repeated_kfold",
        "stratified_kfold",
    }
    assert set(cv.__all__) == before | {
        "CPU_FAST_COMPILE",
        "compare",
        "cross_val_predict",
        "nested_cross_validate",
        "use_cpu_cores",
    }
    assert cv.cross_validate is api.cross_validate and cv.kfold is splits.kfold
    assert cv.CPU_FAST_COMPILE is engine.CPU_FAST_COMPILE


@pytest.mark.parametrize("module", [cv, api, engine, guards, program, selection, splits], ids=lambda m: m.__name__)
def test_a_namespace_shows_only_public_names(module):
    submodules = ["api", "engine", "guards", "program", "selection", "splits"] if module is cv else []
    assert dir(module) == sorted(module.__all__ + submodules)
    for name in module.__all__:
        assert not name.startswith("_") and hasattr(module, name)


@pytest.mark.parametrize("path", sorted((Path(cv.__file__).parent).glob("*.py")), ids=lambda p: p.name)
def test_no_module_uses_a_private_name_of_another(path):
    tree = ast.parse(path.read_text())
    modules = set()  # names bound to imported modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path.name}:{node.lineno} imports {private} from {node.module}"
        elif isinstance(node, ast.Import):
            modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            modules |= {a.asname or a.name for a in node.names if node.module in ("fnn", "fnn.cv")}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            raise AssertionError(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
