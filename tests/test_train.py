"""fnn.train.fit against a plain Python loop of the same algorithm (same shuffles).

Budget: ~25 s on one core (each test compiles one or two small programs).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from fnn import mlp
from fnn import train as train_module
from fnn.train import History, batch_order, epoch_keys, fit, weighted_mean_loss

N, D, C = 23, 3, 3  # 23 rows: no batch size used below divides it, so last batches are partial


def _data(seed=0, n=N):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, D)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int32) + (X[:, 2] > 1).astype(np.int32)
    return jnp.asarray(X), jnp.asarray(y)


_NET = mlp.MLP([D, 5, C], activation="tanh")


def _loss(params, X, y):
    logits = _NET.apply(params, X)
    return -jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1)[:, 0]


def _accuracy(params, X, y, weights):
    hit = jnp.argmax(_NET.apply(params, X), axis=1) == y
    return jnp.sum(weights * hit) / jnp.sum(weights)


def _params(seed=1):
    return _NET.init(jax.random.key(seed))


@functools.partial(jax.jit, static_argnums=0)
def _reference_step(optimizer, params, state, xb, yb):
    loss, grads = jax.value_and_grad(lambda p: jnp.mean(_loss(p, xb, yb)))(params)
    updates, state = optimizer.update(grads, state, params)
    return optax.apply_updates(params, updates), state, loss


def _reference(params, optimizer, X, y, *, key, epochs, batch_size, weights, validation_rows=None):
    """The textbook loop on physical subsets: mean loss of each batch's real rows."""
    X, y, weights = np.asarray(X), np.asarray(y), np.asarray(weights)
    step = functools.partial(_reference_step, optimizer)
    state = optimizer.init(params)
    train_losses, val_losses = [], []
    n_real = int(np.sum(weights > 0))
    keys = epoch_keys(key, epochs) if batch_size else None
    for e in range(epochs):
        if batch_size is None:
            batches = [np.flatnonzero(weights > 0)]
        else:
            idx, w = batch_order(keys[e], weights, batch_size=batch_size, n_steps=math.ceil(len(weights) / batch_size))
            idx, w = np.asarray(idx), np.asarray(w)
            batches = [i[wi > 0] for i, wi in zip(idx, w, strict=True) if np.any(wi > 0)]
        total = 0.0
        for rows in batches:
            params, state, loss = step(params, state, X[rows], y[rows])
            total += float(loss) * len(rows)
        train_losses.append(total / n_real)
        if validation_rows is not None:
            val_losses.append(float(jnp.mean(_loss(params, X[validation_rows], y[validation_rows]))))
    return params, np.array(train_losses), np.array(val_losses)


def _close(a, b, rtol=1e-6, atol=1e-6):
    jax.tree.map(lambda u, v: np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=rtol, atol=atol), a, b)


_OPTIMIZERS = {"sgd": optax.sgd(0.3), "adam": optax.adam(0.05)}


@pytest.mark.parametrize(
    "batch_size, optimizer_name, weighted",
    [
        (None, "sgd", False),  # batch gradient descent
        (None, "adam", True),
        (1, "adam", True),  # stochastic
        (4, "sgd", True),  # mini-batch, partial last batch
        (4, "adam", False),
    ],
)
def test_fit_equals_reference_loop(batch_size, optimizer_name, weighted):
    X, y = _data()
    optimizer = _OPTIMIZERS[optimizer_name]
    weights = np.ones(N, np.float32)
    if weighted:
        weights[[0, 5, 6, 11, 17]] = 0.0  # a fold's test rows, spread out
    validation_rows = np.flatnonzero(weights == 0) if weighted else None
    key = jax.random.key(3)
    run = jax.jit(
        lambda p, w, vw: fit(
            _loss,
            p,
            optimizer,
            X,
            y,
            key=key,
            epochs=4,
            batch_size=batch_size,
            weights=w,
            validation_weights=vw,
            metric_fn=_accuracy,
        )
    )
    vw = (weights == 0).astype(np.float32) if weighted else np.ones(N, np.float32)
    params, history = run(_params(), weights, vw)
    ref_params, ref_train, ref_val = _reference(
        _params(),
        optimizer,
        X,
        y,
        key=key,
        epochs=4,
        batch_size=batch_size,
        weights=weights,
        validation_rows=validation_rows if weighted else np.arange(N),
    )
    # float32: sums taken in a different order (padded weighted sum vs subset mean).
    _close(params, ref_params, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(history.train_loss, ref_train, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(history.validation_loss, ref_val, rtol=1e-6, atol=1e-6)
    assert int(history.diverged_epoch) == -1
    assert history.train_loss.shape == history.validation_metric.shape == (4,)


def test_fit_float64_equals_reference(enable_x64):
    X, y = _data()
    X = X.astype(jnp.float64)
    p0 = jax.tree.map(lambda a: a.astype(jnp.float64), _params())
    weights = np.ones(N)
    weights[:4] = 0.0
    params, _ = jax.jit(
        lambda p: fit(
            _loss, p, _OPTIMIZERS["adam"], X, y, key=jax.random.key(0), epochs=2, batch_size=5, weights=weights
        )
    )(p0)
    ref, _, _ = _reference(
        p0, _OPTIMIZERS["adam"], X, y, key=jax.random.key(0), epochs=2, batch_size=5, weights=weights
    )
    _close(params, ref, rtol=1e-12, atol=1e-12)


def test_empty_batches_leave_params_and_adam_state_unchanged():
    """Extra all-padding steps (max_rows = n instead of the 6 real rows) change nothing."""
    X, y = _data()
    weights = np.zeros(N, np.float32)
    weights[[1, 4, 8, 9, 15, 22]] = 1.0

    def run(max_rows):
        return jax.jit(
            lambda p: fit(
                _loss,
                p,
                optax.adam(0.05),
                X,
                y,
                key=jax.random.key(7),
                epochs=3,
                batch_size=4,
                weights=weights,
                max_rows=max_rows,
            )[0]
        )(_params())

    tight = run(6)  # 2 steps per epoch
    loose = run(None)  # max_rows = n: 6 steps per epoch, 4 of them all padding
    # Adam's bias correction uses the step count: a drifting count would move the params.
    _close(tight, loose, rtol=0, atol=0)


def test_batch_order_puts_weighted_rows_first_and_is_a_permutation(key):
    weights = jnp.array([1.0, 0.0, 2.0, 0.0, 1.0, 1.0, 0.0])
    idx, w = batch_order(key, weights, batch_size=3, n_steps=3)
    idx, w = np.asarray(idx).ravel(), np.asarray(w).ravel()
    assert sorted(idx[:4].tolist()) == [0, 2, 4, 5]  # real rows first
    assert sorted(idx[:7].tolist()) == list(range(7))  # then the rest: a permutation
    np.testing.assert_array_equal(w[:7], np.asarray(weights)[idx[:7]])
    np.testing.assert_array_equal(w[7:], 0.0)  # padding slots


def test_learning_rates_vmap_in_one_compilation():
    X, y = _data()
    traces = []

    def train(lr):
        traces.append(None)
        return fit(_loss, _params(), optax.sgd(lr), X, y, key=jax.random.key(0), epochs=3, batch_size=8)[0]

    run = jax.jit(jax.vmap(train))
    first = run(jnp.array([0.01, 0.1, 1.0]))
    second = run(jnp.array([0.02, 0.2, 2.0]))
    assert len(traces) == 1
    alone_run = jax.jit(
        lambda lr: fit(_loss, _params(), optax.sgd(lr), X, y, key=jax.random.key(0), epochs=3, batch_size=8)[0]
    )
    for i, lr in enumerate([0.02, 0.2, 2.0]):
        alone = alone_run(lr)
        _close(jax.tree.map(lambda a, i=i: a[i], second), alone, rtol=1e-6, atol=1e-6)
    assert not np.allclose(first[0]["w"][0], second[0]["w"][0])


def test_divergence_stops_updates_and_records_epoch():
    X = jnp.array([[1.0], [2.0], [3.0]])
    y = jnp.array([1.0, 2.0, 3.0])
    loss = lambda p, X, y: (X @ p - y) ** 2  # noqa: E731
    lr = 1.0  # factor (1 - 2 lr mean(x^2)) = -8.33 per step: overflows float32 near step 40
    params, history = jax.jit(lambda p: fit(loss, p, optax.sgd(lr), X, y, epochs=60))(jnp.zeros(1))
    # Reference: plain loop, stop before the first non-finite loss/gradient/parameter.
    p, first_bad = np.zeros(1, np.float32), None
    for e in range(60):
        r = np.asarray(X) @ p - np.asarray(y)
        with np.errstate(over="ignore", invalid="ignore"):
            loss_value = np.float32(np.mean(r**2))
            grad = np.float32(2.0) * np.mean(r[:, None] * np.asarray(X), axis=0).astype(np.float32)
            new = (p - np.float32(lr) * grad).astype(np.float32)
        if not (np.isfinite(loss_value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(new))):
            first_bad = e
            break
        p = new
    assert first_bad is not None
    assert int(history.diverged_epoch) == first_bad
    np.testing.assert_allclose(params, p, rtol=1e-6)
    assert np.all(np.isfinite(np.asarray(params)))
    assert np.all(np.isnan(history.train_loss[first_bad:]))
    assert np.all(np.isfinite(history.train_loss[:first_bad]))


def test_zero_weight_rows_with_infinite_loss_do_not_poison_the_mean():
    losses_fn = lambda p, X, y: jnp.where(y > 0, jnp.inf, (X[:, 0] * p) ** 2)  # noqa: E731
    X, y = jnp.array([[1.0], [2.0]]), jnp.array([0.0, 1.0])
    mean, total = weighted_mean_loss(losses_fn, 3.0, X, y, jnp.array([1.0, 0.0]))
    assert float(mean) == 9.0 and float(total) == 1.0


def test_validation_data_equals_validation_weights():
    X, y = _data()
    train_w = np.ones(N, np.float32)
    train_w[-7:] = 0.0
    a = jax.jit(
        lambda p: fit(
            _loss,
            p,
            optax.sgd(0.2),
            X,
            y,
            epochs=3,
            weights=train_w,
            validation_weights=1.0 - train_w,
            metric_fn=_accuracy,
        )[1]
    )(_params())
    b = jax.jit(
        lambda p: fit(
            _loss, p, optax.sgd(0.2), X[:-7], y[:-7], epochs=3, validation_data=(X[-7:], y[-7:]), metric_fn=_accuracy
        )[1]
    )(_params())
    _close(a, b, rtol=1e-6, atol=1e-6)
    assert isinstance(a, History)


_X, _Y = _data()
_OK = dict(key=jax.random.key(0), epochs=2)
_ZERO_AT_3 = np.where(np.arange(N) == 3, 0.0, 1.0).astype(np.float32)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(epochs=0), ValueError, "epochs must be at least 1"),
        (dict(epochs=2.0), TypeError, "epochs must be an int"),
        (dict(batch_size=0), ValueError, "batch_size must be between 1 and 23"),
        (dict(batch_size=24), ValueError, "batch_size must be between 1 and 23"),
        (dict(batch_size=4, key=None), ValueError, "needs key"),
        (dict(key=0), TypeError, "key must be a JAX PRNG key"),
        (dict(y=_Y[:-1]), ValueError, "y must have 23 rows"),
        (dict(X=_X[0, 0]), ValueError, "leading axis"),
        (dict(weights=np.ones(22)), ValueError, r"weights must have shape \(n,\) = \(23,\)"),
        (dict(weights=-np.ones(23)), ValueError, "non-negative"),
        (dict(weights=np.zeros(23)), ValueError, "weights are all zero"),
        (dict(weights=np.full(23, np.nan)), ValueError, "finite"),
        (dict(X=_X.at[3, 1].set(jnp.nan)), ValueError, "X contains NaN or inf"),
        (dict(y=jnp.where(jnp.arange(N) == 2, jnp.inf, 1.0)), ValueError, "y contains NaN or inf"),
        (dict(loss_fn=lambda p, X, y: jnp.mean(_loss(p, X, y))), ValueError, "one loss per example"),
        (dict(validation_data=(_X, _Y), validation_weights=np.ones(23)), ValueError, "not both"),
        (dict(metric_fn=_accuracy), ValueError, "metric_fn is recorded on validation rows"),
        (dict(validation_data=(_X[:, :2], _Y)), ValueError, "validation X must have rows shaped"),
        (dict(validation_weights=np.ones(5)), ValueError, "validation_weights must have shape"),
        (
            dict(validation_weights=np.r_[1.0, -1.0, np.nan, np.ones(20)]),
            ValueError,
            "validation_weights must be finite",
        ),
        (dict(validation_weights=np.r_[1.0, -1.0, np.ones(21)]), ValueError, "validation_weights must be non-negative"),
        (dict(validation_weights=np.zeros(23)), ValueError, "validation_weights are all zero"),
        # A non-finite value in a row that counts, for training or for validation.
        (
            dict(X=_X.at[3, 1].set(jnp.inf)),
            ValueError,
            r"X contains NaN or inf in rows of positive weight \(rows \[3\]\)",
        ),
        (
            dict(X=_X.at[3, 1].set(jnp.inf), weights=_ZERO_AT_3, validation_weights=1.0 - _ZERO_AT_3),
            ValueError,
            r"X contains NaN or inf in rows of positive weight \(rows \[3\]\)",
        ),
        (dict(optimizer=0.1), TypeError, "optax.GradientTransformation"),
        (dict(loss_fn="mse"), TypeError, "loss_fn must be callable"),
        (dict(max_rows=3, weights=np.ones(23)), ValueError, "max_rows=3"),
        (dict(max_rows=0), ValueError, "max_rows must be between 1 and 23"),
    ],
)
def test_bad_input_raises_before_tracing(kwargs, error, match):
    args = dict(loss_fn=_loss, params=_params(), optimizer=optax.sgd(0.1), X=_X, y=_Y, **_OK)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        fit(args.pop("loss_fn"), args.pop("params"), args.pop("optimizer"), args.pop("X"), args.pop("y"), **args)


def test_non_finite_values_of_concrete_data_with_traced_weights_raise():
    # Which rows count is unknown while tracing, so a NaN in concrete X cannot be cleared.
    X = _X.at[3, 1].set(jnp.nan)
    with pytest.raises(ValueError, match="X contains NaN or inf while weights are traced"):
        jax.jit(lambda w: fit(_loss, _params(), optax.sgd(0.1), X, _Y, epochs=1, weights=w)[0])(_ZERO_AT_3)


def test_non_finite_values_in_rows_of_weight_zero_are_replaced_not_trained_on():
    # Deleting the rows is the reference (more cases, and gradients, in test_masking.py).
    X, y = np.array(_X), np.array(_Y)
    X[3, 1], X[5, 0] = np.nan, -np.inf
    weights = np.ones(N, np.float32)
    weights[[3, 5]] = 0.0
    got = fit(_loss, _params(), optax.sgd(0.2), X, y, epochs=2, weights=weights)
    keep = weights > 0
    want = fit(_loss, _params(), optax.sgd(0.2), X[keep], y[keep], epochs=2)
    _close(got, want)  # float32: only the order of summation over the 21 rows differs


@pytest.mark.parametrize("bad", [None, np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_all_finite_matches_numpy(bad, where):
    # the guard's sum(x * 0) test against numpy's isfinite, on mixed dtypes and huge values
    tree = [
        jnp.array([1e38, -3.0e38, 0.5], jnp.float32),
        {"b": jnp.array([[1.0, 2.0], [3.0, 4.0]], jnp.bfloat16)},
        jnp.asarray(2.5, jnp.float32),
    ]
    if bad is not None:
        leaves, treedef = jax.tree.flatten(tree)
        leaf = np.array(leaves[where], np.float32)
        leaf.reshape(-1)[-1] = bad
        leaves[where] = jnp.asarray(leaf, leaves[where].dtype)
        tree = jax.tree.unflatten(treedef, leaves)
    want = all(np.all(np.isfinite(np.asarray(x, np.float32))) for x in jax.tree.leaves(tree))
    assert bool(train_module._all_finite(tree, jnp.arange(3))) == want
    assert bool(jax.jit(train_module._all_finite)(tree)) == want


@pytest.mark.parametrize("batch_size", [None, 7])
def test_history_false_drops_the_record_and_the_guard_but_keeps_every_bit(batch_size):
    # history=False compiles neither the per-epoch record nor the divergence guard; where
    # nothing diverges it trains the same parameters, bitwise (padding steps still skip).
    X, y = _data()
    weights = jnp.asarray(np.arange(N) % 4 != 0, jnp.float32)
    train = functools.partial(
        fit, _loss, _params(), optax.adam(0.05), X, y, key=jax.random.key(2), epochs=6, batch_size=batch_size
    )
    run = jax.jit(lambda w, history: train(weights=w, max_rows=N, history=history), static_argnums=1)
    (with_history, record), (without, none) = run(weights, True), run(weights, False)
    assert isinstance(record, History) and none is None
    for a, b in zip(jax.tree.leaves(with_history), jax.tree.leaves(without), strict=True):
        np.testing.assert_array_equal(a, b)
    lean = jax.jit(lambda w: train(weights=w, history=False)).lower(weights).as_text()
    full = jax.jit(lambda w: train(weights=w, history=True)).lower(weights).as_text()
    assert lean.count("\n") < full.count("\n")  # a smaller program
    assert "is_finite" not in lean


def test_history_false_is_checked_and_needs_no_validation_rows():
    X, y = _data()
    with pytest.raises(TypeError, match="history must be True or False"):
        fit(_loss, _params(), optax.sgd(0.1), X, y, epochs=1, history=1)
    with pytest.raises(ValueError, match="history=False records nothing"):
        fit(_loss, _params(), optax.sgd(0.1), X, y, epochs=1, history=False, validation_data=(X, y))
    # without the guard, a diverging run carries the non-finite values, as a plain loop would
    squares = lambda p, X, y: (X @ p - X[:, 0]) ** 2
    params, none = fit(squares, jnp.ones(X.shape[1]), optax.sgd(1e6), X, y, epochs=20, history=False)
    assert none is None and not np.all(np.isfinite(params))
    guarded, record = fit(squares, jnp.ones(X.shape[1]), optax.sgd(1e6), X, y, epochs=20)
    assert np.all(np.isfinite(guarded)) and int(record.diverged_epoch) >= 0
