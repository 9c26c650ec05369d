"""fnn.optim against optax 0.2.8: every alias and primitive, plus optax's own properties.

Budget: about 90 s on one core (mostly compilation; each comparison runs its 1000 steps
inside one jitted ``lax.scan`` that holds both the fnn and the optax optimizer).
"""

from __future__ import annotations

import zlib

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import fnn.optim as fo

# ----------------------------------------------------------------------------- the table


def _log_uniform(rng, low, high):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _decay(rng, low=0.5, high=0.999):
    return float(rng.uniform(low, high))


def _lr(rng):
    return _log_uniform(rng, 1e-4, 1e-1)


def _mask(params):
    # decay every leaf except those named "b" (biases), as users usually do
    return jax.tree_util.tree_map_with_path(
        lambda path, _: not (path and getattr(path[-1], "key", None) == "b"), params
    )


# name -> (fnn factory, optax factory, hyperparameter sampler). Both factories get the
# same keyword arguments; momentum/nesterov compare with optax.sgd, which they equal.
CASES = {
    "sgd": (fo.sgd, optax.sgd, lambda r: dict(learning_rate=_lr(r))),
    "sgd_momentum": (
        fo.sgd,
        optax.sgd,
        lambda r: dict(learning_rate=_lr(r), momentum=_decay(r, 0.0, 0.99), nesterov=bool(r.integers(2))),
    ),
    "momentum": (
        fo.momentum,
        lambda learning_rate, momentum: optax.sgd(learning_rate, momentum),
        lambda r: dict(learning_rate=_lr(r), momentum=_decay(r, 0.0, 0.99)),
    ),
    "nesterov": (
        fo.nesterov,
        lambda learning_rate, momentum: optax.sgd(learning_rate, momentum, nesterov=True),
        lambda r: dict(learning_rate=_lr(r), momentum=_decay(r, 0.0, 0.99)),
    ),
    "adagrad": (
        fo.adagrad,
        optax.adagrad,
        lambda r: dict(
            learning_rate=_lr(r), initial_accumulator_value=_log_uniform(r, 1e-3, 1), eps=_log_uniform(r, 1e-10, 1e-4)
        ),
    ),
    "adadelta": (
        fo.adadelta,
        optax.adadelta,
        lambda r: dict(
            learning_rate=_log_uniform(r, 0.1, 1.0),
            rho=_decay(r),
            eps=_log_uniform(r, 1e-8, 1e-4),
            weight_decay=_log_uniform(r, 1e-4, 1e-1),
            weight_decay_mask=_mask,
        ),
    ),
    "rmsprop": (
        fo.rmsprop,
        optax.rmsprop,
        lambda r: dict(
            learning_rate=_lr(r),
            decay=_decay(r),
            eps=_log_uniform(r, 1e-10, 1e-4),
            initial_scale=float(r.choice([0.0, 0.5])),
            eps_in_sqrt=bool(r.integers(2)),
            bias_correction=bool(r.integers(2)),
        ),
    ),
    "rmsprop_centered_momentum": (
        fo.rmsprop,
        optax.rmsprop,
        lambda r: dict(
            learning_rate=_lr(r),
            decay=_decay(r),
            eps=_log_uniform(r, 1e-8, 1e-4),
            initial_scale=0.5,
            eps_in_sqrt=bool(r.integers(2)),
            centered=True,
            momentum=_decay(r, 0.0, 0.99),
            nesterov=bool(r.integers(2)),
            bias_correction=bool(r.integers(2)),
        ),
    ),
    "adam": (
        fo.adam,
        optax.adam,
        lambda r: dict(
            learning_rate=_lr(r),
            b1=_decay(r, 0.0, 0.99),
            b2=_decay(r, 0.9, 0.9999),
            eps=_log_uniform(r, 1e-10, 1e-4),
            eps_root=float(r.choice([0.0, 1e-8])),
            nesterov=bool(r.integers(2)),
        ),
    ),
    "nadam": (
        fo.nadam,
        optax.nadam,
        lambda r: dict(
            learning_rate=_lr(r), b1=_decay(r, 0.0, 0.99), b2=_decay(r, 0.9, 0.9999), eps=_log_uniform(r, 1e-10, 1e-4)
        ),
    ),
    "amsgrad": (
        fo.amsgrad,
        optax.amsgrad,
        lambda r: dict(
            learning_rate=_lr(r),
            b1=_decay(r, 0.0, 0.99),
            b2=_decay(r, 0.9, 0.9999),
            eps=_log_uniform(r, 1e-10, 1e-4),
            eps_root=float(r.choice([0.0, 1e-8])),
            bias_correction_mu=bool(r.integers(2)),
            bias_correction_nu=bool(r.integers(2)),
        ),
    ),
    "adamax": (
        fo.adamax,
        optax.adamax,
        lambda r: dict(
            learning_rate=_lr(r), b1=_decay(r, 0.0, 0.99), b2=_decay(r, 0.9, 0.9999), eps=_log_uniform(r, 1e-10, 1e-4)
        ),
    ),
    "adamw": (
        fo.adamw,
        optax.adamw,
        lambda r: dict(
            learning_rate=_lr(r),
            b1=_decay(r, 0.0, 0.99),
            b2=_decay(r, 0.9, 0.9999),
            eps=_log_uniform(r, 1e-10, 1e-4),
            weight_decay=_log_uniform(r, 1e-4, 1e-1),
            mask=_mask if r.integers(2) else None,
            nesterov=bool(r.integers(2)),
        ),
    ),
    "lion": (
        fo.lion,
        optax.lion,
        lambda r: dict(
            learning_rate=_lr(r),
            b1=_decay(r, 0.0, 0.99),
            b2=_decay(r, 0.9, 0.999),
            weight_decay=_log_uniform(r, 1e-4, 1e-1),
        ),
    ),
    # primitives
    "identity": (fo.identity, optax.identity, lambda r: {}),
    "scale": (fo.scale, optax.scale, lambda r: dict(step_size=float(r.normal()))),
    "scale_by_learning_rate": (
        fo.scale_by_learning_rate,
        optax.scale_by_learning_rate,
        lambda r: dict(learning_rate=_lr(r)),
    ),
    "trace": (fo.trace, optax.trace, lambda r: dict(decay=_decay(r, 0.0, 0.99), nesterov=bool(r.integers(2)))),
    "scale_by_rss": (
        fo.scale_by_rss,
        optax.scale_by_rss,
        lambda r: dict(initial_accumulator_value=_log_uniform(r, 1e-3, 1), eps=_log_uniform(r, 1e-10, 1e-4)),
    ),
    "scale_by_adadelta": (
        fo.scale_by_adadelta,
        optax.scale_by_adadelta,
        lambda r: dict(rho=_decay(r), eps=_log_uniform(r, 1e-8, 1e-4)),
    ),
    "scale_by_rms": (
        fo.scale_by_rms,
        optax.scale_by_rms,
        lambda r: dict(
            decay=_decay(r),
            eps=_log_uniform(r, 1e-10, 1e-4),
            initial_scale=float(r.choice([0.0, 0.5])),
            eps_in_sqrt=bool(r.integers(2)),
            bias_correction=bool(r.integers(2)),
        ),
    ),
    "scale_by_stddev": (
        fo.scale_by_stddev,
        optax.scale_by_stddev,
        lambda r: dict(
            decay=_decay(r),
            eps=_log_uniform(r, 1e-8, 1e-4),
            initial_scale=0.5,
            eps_in_sqrt=bool(r.integers(2)),
            bias_correction=bool(r.integers(2)),
        ),
    ),
    "scale_by_adam": (
        fo.scale_by_adam,
        optax.scale_by_adam,
        lambda r: dict(
            b1=_decay(r, 0.0, 0.99),
            b2=_decay(r, 0.9, 0.9999),
            eps=_log_uniform(r, 1e-10, 1e-4),
            nesterov=bool(r.integers(2)),
        ),
    ),
    "scale_by_amsgrad": (
        fo.scale_by_amsgrad,
        optax.scale_by_amsgrad,
        lambda r: dict(b1=_decay(r, 0.0, 0.99), b2=_decay(r, 0.9, 0.9999), eps=_log_uniform(r, 1e-10, 1e-4)),
    ),
    "scale_by_adamax": (
        fo.scale_by_adamax,
        optax.scale_by_adamax,
        lambda r: dict(b1=_decay(r, 0.0, 0.99), b2=_decay(r, 0.9, 0.9999), eps=_log_uniform(r, 1e-10, 1e-4)),
    ),
    "scale_by_lion": (
        fo.scale_by_lion,
        optax.scale_by_lion,
        lambda r: dict(
            b1=_decay(r, 0.0, 0.99), b2=_decay(r, 0.9, 0.999), mode=str(r.choice(["hard", "smooth", "refined"]))
        ),
    ),
    "add_decayed_weights": (
        fo.add_decayed_weights,
        optax.add_decayed_weights,
        lambda r: dict(weight_decay=_log_uniform(r, 1e-4, 1e-1), mask=_mask if r.integers(2) else None),
    ),
}

ALIASES = [
    "sgd",
    "sgd_momentum",
    "momentum",
    "nesterov",
    "adagrad",
    "adadelta",
    "rmsprop",
    "rmsprop_centered_momentum",
    "adam",
    "nadam",
    "amsgrad",
    "adamax",
    "adamw",
    "lion",
]


def _rng(name: str, salt: str = "") -> np.random.Generator:
    return np.random.default_rng(zlib.crc32((name + salt).encode()))


def _random_tree(rng, dtype):
    """Nested dicts and lists with scalars, None leaves and empty subtrees."""

    def arr(shape):
        return jnp.asarray(rng.normal(size=shape), dtype)

    return {
        "dense": {"w": arr((int(rng.integers(1, 4)), int(rng.integers(1, 4)))), "b": arr((int(rng.integers(1, 4)),))},
        "layers": [{"b": arr(())}, None],
        "frozen": None,
        "empty": {},
        "nothing": [],
    }


def _gradient_sequence(rng, params, steps):
    """Per-step gradients, each leaf with its own magnitude (1e-2 .. 1e2)."""

    def draw(p):
        magnitude = 10.0 ** rng.uniform(-2, 2)
        return jnp.asarray(magnitude * rng.normal(size=(steps,) + p.shape), p.dtype)

    return jax.tree.map(draw, params)


def _run_pair(opt_a, opt_b, params, grads):
    """Both optimizers over the same gradient sequence, in one jitted function."""

    def run(opt, params, grads):
        def step(carry, g):
            p, s = carry
            u, s = opt.update(g, s, p)
            return (optax.apply_updates(p, u), s), u

        (p, s), us = jax.lax.scan(step, (params, opt.init(params)), grads)
        return p, s, us

    # params and grads are arguments, not closed-over constants, to keep compiles short
    return jax.jit(lambda p, g: (run(opt_a, p, g), run(opt_b, p, g)))(params, grads)


def _assert_same(tree_a, tree_b, rtol, atol):
    # The same tree types, not only the same names: fnn's states are optax's own classes.
    assert jax.tree.structure(tree_a) == jax.tree.structure(tree_b)
    leaves_a = jax.tree_util.tree_flatten_with_path(tree_a)[0]
    for (path, a), b in zip(leaves_a, jax.tree.leaves(tree_b), strict=True):
        assert a.dtype == b.dtype, (jax.tree_util.keystr(path), a.dtype, b.dtype)
        np.testing.assert_allclose(
            np.asarray(a, np.float64),
            np.asarray(b, np.float64),
            rtol=rtol,
            atol=atol,
            err_msg=jax.tree_util.keystr(path),
        )


# float32: rsqrt and 1/sqrt, and XLA's rewriting of a/b/c into a/(b*c) (blocked in fnn
# by the float16 zero guard), round differently by an ulp; after 1000 steps values that
# cross zero (momentum buffers, centred moments) are compared with a small atol.
TOLERANCES = {"float64": (1e-12, 1e-13), "float32": (1e-6, 1e-6)}
CENTRED = {"scale_by_stddev", "rmsprop_centered_momentum"}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_optax(name, dtype, request):
    if dtype == "float64":
        request.getfixturevalue("enable_x64")
    fnn_factory, optax_factory, sample = CASES[name]
    rng = _rng(name, dtype)
    kwargs = sample(rng)
    params = _random_tree(rng, dtype)
    grads = _gradient_sequence(rng, params, 1000)
    (p_a, s_a, u_a), (p_b, s_b, u_b) = _run_pair(fnn_factory(**kwargs), optax_factory(**kwargs), params, grads)
    rtol, atol = TOLERANCES[dtype]
    if dtype == "float32" and name in CENTRED:
        # nu - mu**2 cancels when few samples dominate (decay near 0.5): one ulp of nu
        # (6e-8 relative) grows by nu / (nu - mu**2), up to ~1e3 on rare steps; the exact
        # proof of the formula is the float64 case at rtol 1e-12
        rtol = 1e-3
    _assert_same(u_a, u_b, rtol, atol)
    _assert_same(s_a, s_b, rtol, atol)
    _assert_same(p_a, p_b, rtol, atol)


def _schedule(count):
    return 0.05 * 0.99**count + 1e-3 * jnp.sin(count.astype(jnp.float32))


@pytest.mark.parametrize("name", ALIASES)
def test_matches_optax_with_schedule_and_inject_hyperparams(name, enable_x64):
    fnn_factory, optax_factory, sample = CASES[name]
    rng = _rng(name, "schedule")
    kwargs = sample(rng)
    params = {"w": jnp.asarray(rng.normal(size=(2, 3))), "b": [jnp.asarray(rng.normal()), None]}
    grads = _gradient_sequence(rng, params, 200)
    scheduled = dict(kwargs, learning_rate=_schedule)
    # masks are callables: inject_hyperparams must not mistake them for schedules
    static = [k for k, v in kwargs.items() if callable(v)]
    inject_fnn = optax.inject_hyperparams(fnn_factory, static_args=static)(**scheduled)
    inject_optax = optax.inject_hyperparams(optax_factory, static_args=static)(**scheduled)
    plain, injected = _run_pair(
        optax.chain(fnn_factory(**scheduled), inject_fnn),
        optax.chain(optax_factory(**scheduled), inject_optax),
        params,
        grads,
    )
    for a, b in zip(plain, injected, strict=True):
        _assert_same(a, b, 1e-12, 1e-13)


# ----------------------------------------------------------------------------- optax's properties

# optax's alias_test configurations (lr as there, weight decay small for lion).
PROPERTY_CASES = {
    "sgd": lambda: fo.sgd(1e-3, momentum=0.9),
    "momentum": lambda: fo.momentum(1e-3),
    "nesterov": lambda: fo.nesterov(1e-3),
    "adagrad": lambda: fo.adagrad(1.0),
    "adadelta": lambda: fo.adadelta(0.1),
    "rmsprop": lambda: fo.rmsprop(5e-3),
    "rmsprop_momentum": lambda: fo.rmsprop(5e-3, momentum=0.9),
    "adam": lambda: fo.adam(1e-1),
    "nadam": lambda: fo.nadam(1e-2),
    "nadam_torch": lambda: fo.nadam(1e-2, momentum_decay=4e-3),
    "amsgrad": lambda: fo.amsgrad(1e-1),
    "amsgrad_torch": lambda: fo.amsgrad(1e-1, max_before_bias_correction=True),
    "adamax": lambda: fo.adamax(1e-1),
    "adamw": lambda: fo.adamw(1e-1),
    "lion": lambda: fo.lion(1e-2, weight_decay=1e-4),
}


def _parabola(p):
    return jnp.sum((p - jnp.array([1.0, -1.0, 1.0])) ** 2)


def _rosenbrock(p):
    return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2


@pytest.mark.parametrize("name", sorted(PROPERTY_CASES))
def test_converges_on_parabola_and_rosenbrock(name):
    opt = PROPERTY_CASES[name]()

    def minimise(loss, start, steps=10_000):
        def body(_, carry):
            p, s = carry
            u, s = opt.update(jax.grad(loss)(p), s, p)
            return optax.apply_updates(p, u), s

        return jax.lax.fori_loop(0, steps, body, (start, opt.init(start)))[0]

    ends = jax.jit(lambda: (minimise(_parabola, jnp.array([-1.0, 10.0, 1.0])), minimise(_rosenbrock, jnp.zeros(2))))()
    # optax's alias_test criterion
    np.testing.assert_allclose(ends[0], [1.0, -1.0, 1.0], rtol=3e-2, atol=3e-2)
    np.testing.assert_allclose(ends[1], [1.0, 1.0], rtol=3e-2, atol=3e-2)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float32])
@pytest.mark.parametrize("name", sorted(PROPERTY_CASES))
def test_update_dtype_state_stability_and_finiteness(name, dtype):
    opt = PROPERTY_CASES[name]()
    params = {"w": jnp.ones((2, 3), dtype), "b": [jnp.zeros((3,), dtype)]}
    grads = jax.tree.map(lambda p: jnp.full_like(p, 0.3), params)
    state = opt.init(params)

    @jax.jit
    def step(state):
        updates, new_state = opt.update(grads, state, params)
        # lax.cond needs identical state types and dtypes on both branches
        kept = jax.lax.cond(True, lambda: new_state, lambda: state)
        return updates, kept

    updates, new_state = step(state)
    for u in jax.tree.leaves(updates):
        assert u.dtype == dtype
        assert bool(jnp.all(jnp.isfinite(u)))
    assert jax.tree.structure(new_state) == jax.tree.structure(state)
    for a, b in zip(jax.tree.leaves(new_state), jax.tree.leaves(state), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert bool(jnp.all(jnp.isfinite(a)))


@pytest.mark.parametrize("name", sorted(PROPERTY_CASES))
def test_no_retrace_multisteps_and_extra_kwargs(name):
    opt = PROPERTY_CASES[name]()
    params = {"w": jnp.ones((3,)), "b": jnp.zeros(())}
    grads = {"w": jnp.array([0.1, -0.2, 0.3]), "b": jnp.array(0.5)}
    chex.clear_trace_counter()  # the counter is keyed by code, shared across parameters

    @jax.jit
    @chex.assert_max_traces(n=1)
    def step(params, state):
        updates, state = opt.update(grads, state, params, unknown_extra_argument=1.0)
        return optax.apply_updates(params, updates), state

    p1, s = step(params, opt.init(params))
    p, s = step(p1, s)  # a second call must not retrace
    assert bool(jnp.all(jnp.isfinite(p["w"])))

    multi = optax.MultiSteps(opt, every_k_schedule=4)
    m_state = multi.init(params)
    multi_update = jax.jit(multi.update)
    for _ in range(3):
        updates, m_state = multi_update(grads, m_state, params)
        for u in jax.tree.leaves(updates):
            np.testing.assert_array_equal(u, 0.0)  # nothing applied before the 4th call
    updates, _ = multi_update(grads, m_state, params)
    # the 4th call applies one step with the mean gradient (all four are equal), i.e.
    # the first step taken above
    chex.assert_trees_all_close(optax.apply_updates(params, updates), p1, rtol=1e-6)


# ----------------------------------------------------------------------------- beyond optax


# float16 only: there eps = 1e-8 underflows to 0 (bfloat16 keeps float32's exponent range)
@pytest.mark.parametrize("dtype", [jnp.float16])
@pytest.mark.parametrize("name", sorted(PROPERTY_CASES))
def test_low_precision_zero_gradient_gives_zero_update(name, dtype):
    opt = PROPERTY_CASES[name]()
    params = {"w": jnp.zeros((4,), dtype)}
    zeros = {"w": jnp.zeros((4,), dtype)}
    state = opt.init(params)
    for _ in range(3):
        updates, state = jax.jit(opt.update)(zeros, state, params)
        np.testing.assert_array_equal(np.asarray(updates["w"], np.float32), 0.0)
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree.leaves(state))


def test_optax_gives_nan_where_fnn_gives_zero():
    # the bug fnn fixes (optax#1754): eps = 1e-8 underflows to 0 in float16
    params = jnp.zeros(3, jnp.float16)
    opt = optax.adam(1e-3)
    updates, _ = opt.update(jnp.zeros(3, jnp.float16), opt.init(params))
    assert bool(jnp.all(jnp.isnan(updates)))
    opt = fo.adam(1e-3)
    updates, _ = opt.update(jnp.zeros(3, jnp.float16), opt.init(params))
    np.testing.assert_array_equal(np.asarray(updates, np.float32), 0.0)


@pytest.mark.parametrize("name", ["adam", "amsgrad", "adamax", "rmsprop", "rmsprop_centered_momentum"])
def test_float16_nonzero_gradients_unchanged(name):
    # the zero guard must not change results where gradients are non-zero
    fnn_factory, optax_factory, sample = CASES[name]
    kwargs = sample(_rng(name, "fp16"))
    params = {"w": jnp.zeros((5,), jnp.float16)}
    grads = {"w": jnp.asarray(np.random.default_rng(0).normal(size=(20, 5)), jnp.float16)}
    (_, _, u_a), (_, _, u_b) = _run_pair(fnn_factory(**kwargs), optax_factory(**kwargs), params, grads)
    # float16 has 11 significant bits; XLA may reassociate a/b/c (see TOLERANCES)
    chex.assert_trees_all_close(u_a, u_b, rtol=2e-3, atol=1e-6)


def test_learning_rate_sweep_compiles_once():
    params = {"w": jnp.array([3.0, -2.0]), "b": jnp.array(1.0)}
    traces = []

    def run(learning_rate):
        traces.append(1)
        opt = fo.adam(learning_rate)

        def body(_, carry):
            p, s = carry
            g = jax.grad(lambda q: _parabola(jnp.concatenate([q["w"], q["b"][None]])))(p)
            u, s = opt.update(g, s, p)
            return optax.apply_updates(p, u), s

        return jax.lax.fori_loop(0, 50, body, (params, opt.init(params)))[0]

    lrs = jnp.array([1e-3, 1e-2, 1e-1])
    swept = jax.jit(jax.vmap(run))(lrs)
    assert len(traces) == 1
    swept_again = jax.jit(jax.vmap(run))(lrs * 2)  # a new jit of a new function: traces again
    assert len(traces) == 2 and swept_again["w"].shape == (3, 2)
    for i, lr in enumerate([1e-3, 1e-2, 1e-1]):  # the vmapped sweep equals one run per value
        single = jax.jit(lambda lr=lr: run(lr))()
        chex.assert_trees_all_close(jax.tree.map(lambda x, i=i: x[i], swept), single, rtol=1e-6)


def test_count_saturates_at_int32_max():
    opt = fo.adam(1e-3)
    params = jnp.ones(2)
    state = opt.init(params)
    top = jnp.iinfo(jnp.int32).max
    state = (state[0]._replace(count=jnp.asarray(top - 1, jnp.int32)), state[1])
    for expected in (top, top):
        _, state = opt.update(jnp.ones(2), state)
        assert state[0].count.dtype == jnp.int32 and int(state[0].count) == expected


def test_nadam_torch_schedule_tends_to_optax_nadam(enable_x64):
    # psi -> infinity makes mu_t = b1 for every t, i.e. optax's constant-momentum nadam
    rng = _rng("nadam", "limit")
    params = _random_tree(rng, "float64")
    grads = _gradient_sequence(rng, params, 100)
    (_, _, u_a), (_, _, u_b) = _run_pair(fo.nadam(1e-2, momentum_decay=1e6), optax.nadam(1e-2), params, grads)
    _assert_same(u_a, u_b, 1e-12, 1e-13)


def test_adagrad_lr_decay_is_a_schedule(enable_x64):
    rng = _rng("adagrad", "decay")
    params = _random_tree(rng, "float64")
    grads = _gradient_sequence(rng, params, 50)
    results = _run_pair(fo.adagrad(0.1, lr_decay=0.3), fo.adagrad(lambda c: 0.1 / (1 + 0.3 * c)), params, grads)
    for a, b in zip(*results, strict=True):
        _assert_same(a, b, 1e-12, 1e-13)


def test_adadelta_default_descends():
    # optax.adadelta() ascends (lr None); fnn's default 1.0 descends
    p = jnp.array([2.0, -1.0])
    grad = jax.grad(lambda q: jnp.sum(q**2))(p)
    for opt, sign in ((fo.adadelta(), -1.0), (optax.adadelta(), 1.0)):
        updates, _ = opt.update(grad, opt.init(p), p)
        np.testing.assert_array_equal(jnp.sign(updates), sign * jnp.sign(grad))


def test_public_names():
    for name in [
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "adadelta",
        "rmsprop",
        "adam",
        "amsgrad",
        "adamax",
        "nadam",
        "adamw",
        "lion",
    ]:
        assert name in fo.__all__
        assert isinstance(getattr(fo, name)(1e-3), optax.GradientTransformation)
    for name in fo.__all__:
        assert hasattr(fo, name) and not name.startswith("_")


# ----------------------------------------------------------------------------- bad input

BAD_FACTORIES = [
    (lambda: fo.adam(None), TypeError, "got None"),
    (lambda: fo.adam("0.1"), TypeError, "learning_rate must be"),
    (lambda: fo.adam(jnp.ones(3)), ValueError, "jax.vmap"),
    (lambda: fo.sgd(0.1, momentum=1.5), ValueError, "momentum|decay"),
    (lambda: fo.adam(0.1, b1=1.0), ValueError, "b1 must be < 1"),
    (lambda: fo.adam(0.1, b2=-0.1), ValueError, "b2 must be >= 0"),
    (lambda: fo.adam(0.1, eps=float("nan")), ValueError, "finite"),
    (lambda: fo.adam(0.1, mu_dtype="int32"), TypeError, "floating"),
    (lambda: fo.adam(0.1, mu_dtype="no-such-dtype"), TypeError, "mu_dtype"),
    (lambda: fo.adam(0.1, nesterov="yes"), TypeError, "True or False"),
    (lambda: fo.rmsprop(0.1, decay=True), TypeError, "real number"),
    (lambda: fo.scale_by_lion(mode="soft"), ValueError, "mode"),
    (lambda: fo.nadam(0.1, momentum_decay=-1.0), ValueError, "momentum_decay"),
    (lambda: fo.adagrad(0.1, lr_decay=-0.5), ValueError, "lr_decay"),
    (lambda: fo.adagrad(0.1, initial_accumulator_value=-1.0), ValueError, ">= 0"),
    (lambda: fo.adamw(0.1, weight_decay=jnp.ones(2)), ValueError, "scalar"),
    (lambda: fo.scale_by_schedule(0.1), TypeError, "callable"),
]


@pytest.mark.parametrize("make,error,match", BAD_FACTORIES)
def test_bad_hyperparameters_raise(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("name", sorted(PROPERTY_CASES))
def test_mismatched_gradients_raise(name):
    opt = PROPERTY_CASES[name]()
    params = {"w": jnp.ones((3,))}
    state = opt.init(params)
    with pytest.raises(ValueError, match="shape"):
        opt.update({"w": jnp.ones((3, 1))}, state, params)
    with pytest.raises(ValueError, match="tree structure"):
        opt.update({"v": jnp.ones((3,))}, state, params)


def test_weight_decay_needs_params():
    opt = fo.adamw(0.1)
    with pytest.raises(ValueError, match="params"):
        opt.update(jnp.ones(2), opt.init(jnp.ones(2)))
