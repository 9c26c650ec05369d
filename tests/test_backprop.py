"""Hand-written backpropagation against jax.grad of fnn.losses on the network's forward pass,
finite differences, a hand-computed chain, and deleting the rows of weight 0."""

from __future__ import annotations

import functools

import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

from fnn import activations, backprop, losses
from fnn.mlp import MLP

HIDDEN = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu"]
# depth -> layer sizes; widths differ so a transposed weight cannot go unnoticed.
SIZES = {1: [3, 2], 2: [3, 5, 2], 3: [3, 5, 4, 2], 5: [3, 5, 4, 6, 3, 2]}
# Every activation at these depths (depth 3 is covered by the loss table below).
ACTIVATION_DEPTHS = [1, 2, 5]
# (loss, output_activation, targets kind)
LOSS_CASES = [
    ("mse", None, "real"),
    ("mse", "sigmoid", "real"),
    ("mse", "softmax", "real"),
    ("mse", "tanh", "real"),
    ("binary_cross_entropy", "sigmoid", "binary"),
    ("binary_cross_entropy_with_logits", None, "binary"),
    ("cross_entropy", None, "labels"),
    ("cross_entropy", None, "one_hot"),
]


def make_problem(seed, sizes, kind, n=7, dtype=jnp.float32):
    """Random params (non-zero biases, so a wrong bias gradient cannot hide), inputs, targets.

    Drawn with numpy: no eager jax ops, so nothing compiles outside the jitted comparison.
    """
    rng = np.random.default_rng(seed)
    params = [
        {
            "w": jnp.asarray(rng.normal(size=(i, o)) * np.sqrt(2.0 / (i + o)), dtype),
            "b": jnp.asarray(0.3 * rng.normal(size=o), dtype),
        }
        for i, o in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    x = jnp.asarray(rng.normal(size=(n, sizes[0])), dtype)
    d_out = sizes[-1]
    labels = rng.integers(0, d_out, size=n)
    y = {
        "real": lambda: jnp.asarray(rng.normal(size=(n, d_out)), dtype),
        "binary": lambda: jnp.asarray(rng.integers(0, 2, size=(n, d_out)), dtype),
        "labels": lambda: jnp.asarray(labels, jnp.int32),
        "one_hot": lambda: jnp.asarray(np.eye(d_out)[labels], dtype),
    }[kind]()
    return params, x, y


def reference(net, params, x, y, loss, weights=None):
    """jax.grad of the library loss on the library forward pass: an independent route."""

    def objective(p):
        return getattr(losses, loss)(net.apply(p, x), y, weights=weights)

    return jax.value_and_grad(objective)(params)


def both_routes(net, params, x, y, loss, weights=None):
    """(hand loss, hand grads, jax.grad loss, jax.grad grads), compiled as one program."""

    def run(params, x, y, weights):
        got = backprop.gradients(net, params, x, y, loss=loss, weights=weights)
        return got, reference(net, params, x, y, loss, weights)

    (got_loss, got), (expected_loss, expected) = jax.jit(run)(params, x, y, weights)
    return got_loss, got, expected_loss, expected


def assert_grads_close(got, expected, rtol):
    assert jax.tree.structure(got) == jax.tree.structure(expected)
    for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
        assert g.shape == e.shape and g.dtype == e.dtype
        # An element that is a sum of products with cancellation is near zero and cannot
        # meet rtol on its own; it is held to rtol times the leaf's largest entry.
        np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * float(np.max(np.abs(e), initial=0.0)))


@pytest.mark.parametrize("depth", ACTIVATION_DEPTHS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_matches_jax_grad_every_activation_and_depth(activation, depth):
    params, x, y = make_problem(0, SIZES[depth], "real")
    net = MLP(SIZES[depth], activation=activation)
    loss, grads, expected_loss, expected = both_routes(net, params, x, y, "mse")
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-6)
    assert_grads_close(grads, expected, rtol=1e-6)


@pytest.mark.parametrize("loss,output_activation,kind", LOSS_CASES)
def test_matches_jax_grad_every_loss(loss, output_activation, kind):
    params, x, y = make_problem(0, SIZES[3], kind)
    net = MLP(SIZES[3], activation="tanh", output_activation=output_activation)
    got_loss, grads, expected_loss, expected = both_routes(net, params, x, y, loss)
    np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-6)
    assert_grads_close(grads, expected, rtol=1e-6)


@pytest.mark.parametrize(
    "activation,loss,output_activation,kind",
    [
        ("sigmoid", "binary_cross_entropy", "sigmoid", "binary"),
        ("elu", "cross_entropy", None, "labels"),
        ("leaky_relu", "mse", "softmax", "real"),
        ("relu", "binary_cross_entropy_with_logits", None, "binary"),
    ],
)
def test_matches_jax_grad_float64(enable_x64, activation, loss, output_activation, kind):
    params, x, y = make_problem(0, SIZES[5], kind, dtype=jnp.float64)
    net = MLP(SIZES[5], activation=activation, output_activation=output_activation, dtype=jnp.float64)
    got_loss, grads, expected_loss, expected = both_routes(net, params, x, y, loss)
    assert got_loss.dtype == jnp.float64
    np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-12)
    assert_grads_close(grads, expected, rtol=1e-12)


def test_weighted_mean_and_zero_weight():
    params, x, y = make_problem(0, SIZES[2], "labels")
    weights = jnp.array([1.0, 0.0, 2.0, 0.5, 0.0, 3.0, 1.0])
    net = MLP(SIZES[2], activation="relu")
    got_loss, grads, expected_loss, expected = both_routes(net, params, x, y, "cross_entropy", weights)
    np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-6)
    assert_grads_close(grads, expected, rtol=1e-6)
    # Zero-weight rows do not enter: dropping them gives the same result.
    keep = np.asarray(weights) > 0
    _, dropped = jax.jit(functools.partial(backprop.gradients, net, loss="cross_entropy"))(
        params, x[keep], y[keep], weights=weights[keep]
    )
    # A different summation order over rows of size ~0.1 that partly cancel: float32
    # rounding of the terms (~1e-8) bounds the difference, not a fraction of the result.
    for g, e in zip(jax.tree.leaves(grads), jax.tree.leaves(dropped), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)


def test_loss_given_as_fnn_losses_function_and_partial_activation():
    params, x, y = make_problem(0, SIZES[3], "real")
    slope = functools.partial(activations.leaky_relu, negative_slope=0.1)
    net = MLP(SIZES[3], activation=slope)
    got_loss, grads = jax.jit(functools.partial(backprop.gradients, net, loss=losses.mse))(params, x, y)
    expected_loss, expected = jax.jit(functools.partial(reference, net, loss="mse"))(params, x, y)
    np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-6)
    assert_grads_close(grads, expected, rtol=1e-6)


def test_under_jit_equals_eager():
    params, x, y = make_problem(0, SIZES[2], "binary")
    net = MLP(SIZES[2], activation="elu", output_activation="sigmoid")
    fn = functools.partial(backprop.gradients, net, loss="binary_cross_entropy")
    eager_loss, eager = fn(params, x, y)
    jit_loss, jitted = jax.jit(fn)(params, x, y)
    np.testing.assert_allclose(jit_loss, eager_loss, rtol=1e-6)
    assert_grads_close(jitted, eager, rtol=1e-6)


@pytest.mark.parametrize("target", [0.0, 1.0])
@pytest.mark.parametrize(
    "loss,output_activation", [("binary_cross_entropy_with_logits", None), ("binary_cross_entropy", "sigmoid")]
)
def test_extreme_logits_match_jax_grad(target, loss, output_activation):
    # An identity layer on diag(logits): the weight gradient's diagonal entry i holds
    # logit i's gradient alone (times the logit), so every extreme is checked separately.
    logits = jnp.array([1e4, -1e4, 30.0, -30.0, 0.0])
    params = [{"w": jnp.eye(5), "b": jnp.zeros(5)}]
    x, y = jnp.diag(logits), jnp.full((5, 5), target)
    net = MLP([5, 5], output_activation=output_activation)
    got_loss, grads, expected_loss, expected = both_routes(net, params, x, y, loss)
    assert np.isfinite(got_loss) and all(np.all(np.isfinite(g)) for g in jax.tree.leaves(grads))
    np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-6)
    # At z = 30, y = 1 the true gradient is -e^{-30}/25 ~ -4e-15 per element; jax.grad's
    # sum 1 - y - sigma(-30) rounds it to 0, the hand formula keeps it: allow 1e-12.
    for g, e in zip(jax.tree.leaves(grads), jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-12)
    if loss == "binary_cross_entropy_with_logits":
        # Against the exact float64 formula dC/dz = (sigma(z) - y) / 25, tails included.
        z = np.diag(np.asarray(logits, np.float64))
        # sigma(z) - 1 = -sigma(-z): no float64 cancellation at z = 30 either.
        delta = (scipy.special.expit(z) - target if target == 0.0 else -scipy.special.expit(-z)) / 25.0
        np.testing.assert_allclose(grads[0]["w"], z.T @ delta, rtol=1e-6, atol=1e-30)
        np.testing.assert_allclose(grads[0]["b"], delta.sum(0), rtol=1e-6, atol=1e-30)


def test_cross_entropy_extreme_logits():
    params = [{"w": jnp.array([[1e4, -1e4, 0.0]]), "b": jnp.zeros(3)}]
    x, y = jnp.array([[1.0], [-1.0]]), jnp.array([1, 0])
    got_loss, grads, expected_loss, expected = both_routes(MLP([1, 3]), params, x, y, "cross_entropy")
    np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-6)
    np.testing.assert_allclose(got_loss, 2e4, rtol=1e-6)  # -log softmax = 2e4 for each example
    for g, e in zip(jax.tree.leaves(grads), jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)


GRID = jnp.array([-1e4, -30.0, -2.0, -0.5, 0.0, 0.5, 2.0, 30.0, 1e4, -jnp.inf, jnp.inf])


@pytest.mark.parametrize("name", HIDDEN)
def test_activation_derivative_matches_jax_grad_of_activation(name):
    fn = activations.get(name)
    got = backprop.activation_derivative(name, GRID)
    expected = activations.derivative(fn)(GRID)
    # jax.grad of elu's alpha * expm1(z) is (expm1(z) + 1), which rounds e^{-30} to 0;
    # the hand formula alpha * e^z keeps it (checked exactly below): allow 1e-12.
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)


def test_activation_derivative_hand_values():
    z = jnp.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(backprop.activation_derivative("sigmoid", z)[1], 0.25, rtol=1e-6)
    np.testing.assert_allclose(
        backprop.activation_derivative("tanh", z), 1.0 - np.tanh([-1.0, 0.0, 2.0]) ** 2, rtol=1e-6
    )
    np.testing.assert_array_equal(backprop.activation_derivative("relu", z), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(backprop.activation_derivative("elu", z), [np.exp(-1.0), 1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(
        backprop.activation_derivative("elu", jnp.array([-30.0, -1e4])), [np.exp(-30.0), 0.0], rtol=1e-6, atol=0.0
    )
    np.testing.assert_allclose(
        backprop.activation_derivative("sigmoid", jnp.array([-30.0])), [np.exp(-30.0)], rtol=1e-5
    )


def test_layer_gradient_norms_matches_numpy():
    params, x, y = make_problem(0, SIZES[3], "real")
    _, grads = backprop.gradients(MLP(SIZES[3], activation="tanh"), params, x, y)
    expected = [np.sqrt(np.sum(np.asarray(g["w"]) ** 2) + np.sum(np.asarray(g["b"]) ** 2)) for g in grads]
    np.testing.assert_allclose(backprop.layer_gradient_norms(grads), expected, rtol=1e-6)


def test_vanishing_gradients_deep_sigmoid():
    """The material: sigmoid' <= 0.25 multiplies in at every layer, so early layers barely learn."""
    sizes = (16,) + (32,) * 9 + (1,)  # 10 layers
    rng = np.random.default_rng(0)
    x, y = jnp.asarray(rng.normal(size=(64, 16)), jnp.float32), jnp.asarray(rng.normal(size=(64, 1)), jnp.float32)
    first = {}
    for activation in ["sigmoid", "tanh", "relu"]:
        net = MLP(sizes, activation=activation)
        params = net.init(jax.random.key(2))  # He for relu, Glorot otherwise
        _, grads = jax.jit(functools.partial(backprop.gradients, net))(params, x, y)
        norms = backprop.layer_gradient_norms(grads)
        first[activation] = float(norms[0] / norms[-1])
    # Ratios of first to last layer norm: sigmoid's is orders of magnitude smaller.
    assert first["sigmoid"] < 1e-3 * first["relu"]
    assert first["sigmoid"] < 1e-3 * first["tanh"]


def _params():
    return [{"w": jnp.ones((2, 3)), "b": jnp.zeros(3)}, {"w": jnp.ones((3, 2)), "b": jnp.zeros(2)}]


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(loss="hinge"), ValueError, "loss must be one of"),
        (dict(activation="softmax"), ValueError, "no hand-written derivative"),
        (dict(activation=lambda z: z**3), ValueError, "no hand-written derivative"),
        (dict(activation=jax.nn.gelu), ValueError, "no hand-written derivative"),
        (dict(activation=functools.partial(activations.elu, beta=2.0)), ValueError, "keyword arguments"),
        (
            dict(output_activation=functools.partial(activations.softmax, axis=0)),
            ValueError,
            "no hand-written derivative",
        ),
        (
            dict(loss="cross_entropy", output_activation="softmax", y=jnp.array([0, 1, 1])),
            ValueError,
            "output_activation must be None",
        ),
        (
            dict(loss="binary_cross_entropy_with_logits", output_activation="sigmoid"),
            ValueError,
            "output_activation must be None",
        ),
        (dict(y=jnp.zeros(6)), ValueError, "output's shape"),
        (dict(y=jnp.zeros((3, 1))), ValueError, "output's shape"),
        (dict(x=jnp.ones(2)), ValueError, r"batch of shape \(n, 2\)"),
        (dict(x=jnp.ones((3, 4))), ValueError, r"batch of shape \(n, 2\)"),
        (dict(x=jnp.ones((0, 2)), y=jnp.ones((0, 2))), ValueError, "no examples"),
        (dict(weights=jnp.ones(4)), ValueError, "weights must have shape"),
        (dict(weights=jnp.array([1.0, -1.0, 1.0])), ValueError, "non-negative"),
        (dict(weights=jnp.array([1.0, jnp.nan, 1.0])), ValueError, "finite"),
        (dict(weights=jnp.zeros(3)), ValueError, "all zero"),
        (dict(loss="cross_entropy", y=jnp.array([0, 2, 1])), ValueError, r"labels must lie in \[0, 2\)"),
        (dict(loss="cross_entropy", y=jnp.array([0.0, 1.0, 1.0])), TypeError, "must be integers"),
        (dict(loss="cross_entropy", y=jnp.zeros((3, 3))), ValueError, "integer labels of shape"),
        (dict(y="y"), TypeError, "array of numbers"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = dict(x=jnp.ones((3, 2)), y=jnp.zeros((3, 2)))
    args.update(kwargs)
    x, y = args.pop("x"), args.pop("y")
    net = MLP(
        [2, 3, 2], activation=args.pop("activation", "relu"), output_activation=args.pop("output_activation", None)
    )
    with pytest.raises(error, match=match):
        backprop.gradients(net, _params(), x, y, **args)


def test_bad_params_and_net():
    x, y = jnp.ones((3, 2)), jnp.zeros((3, 2))
    with pytest.raises(ValueError, match="do not chain"):
        backprop.gradients(
            MLP([2, 3, 2]),
            [{"w": jnp.ones((2, 3)), "b": jnp.zeros(3)}, {"w": jnp.ones((4, 2)), "b": jnp.zeros(2)}],
            x,
            y,
        )
    with pytest.raises(ValueError, match=r"params have layer sizes \[2, 3, 2\] but the network has \[2, 4, 2\]"):
        backprop.gradients(MLP([2, 4, 2]), _params(), x, y)
    # The signature before the spec, gradients(params, x, y, activation=...), is told how to call it.
    with pytest.raises(TypeError, match=r"net must be an fnn.mlp.MLP spec.*gradients\(net, params, x, y"):
        backprop.gradients(_params(), x, y, jnp.zeros(3))


def test_activation_without_a_derivative_is_refused_by_the_spec_first():
    # maxout changes the width of a layer: no MLP spec takes it, so it never reaches gradients.
    with pytest.raises(ValueError, match="unknown activation 'maxout'"):
        MLP([2, 3, 2], activation="maxout")


# ---------------------------------------------------------------- rows of weight 0

# What a dropped row may hold without changing anything (labels get an out-of-range class instead).
POISON = [np.inf, -np.inf, np.nan]


@functools.cache
def _hand(net, loss):
    """One compiled program per (spec, loss): the spec is hashable, so it can key a cache."""
    return jax.jit(functools.partial(backprop.gradients, net, loss=loss))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    case=st.sampled_from(LOSS_CASES),
    seed=st.integers(0, 2**16),
    drop=st.lists(st.booleans(), min_size=5, max_size=5).filter(lambda d: not all(d)),
    raw_weights=st.lists(st.floats(0.25, 4.0), min_size=5, max_size=5),
    poison=st.sampled_from([None, *POISON]),
    poison_y=st.booleans(),
)
def test_weight_zero_equals_deleting_the_row(case, seed, drop, raw_weights, poison, poison_y):
    """The one rule: a row of weight 0 is not there, even when its x or y is inf or NaN (traced weights)."""
    loss, output_activation, kind = case
    sizes = SIZES[2]
    params, x, y = make_problem(seed, sizes, kind, n=5)
    drop = np.array(drop)
    weights = np.where(drop, 0.0, np.array(raw_weights, np.float32)).astype(np.float32)
    if poison is not None:
        rows = np.flatnonzero(drop)
        x, y = np.array(x), np.array(y)
        if poison_y and kind == "labels":
            y[rows] = [-1, 99][seed % 2]  # an out-of-range label, which would give NaN when kept
        elif poison_y:
            y[rows] = poison
        else:
            x[rows, seed % sizes[0]] = poison
        x, y = jnp.asarray(x), jnp.asarray(y)
    net = MLP(sizes, activation="tanh", output_activation=output_activation)
    got_loss, got = _hand(net, loss)(params, x, y, weights=jnp.asarray(weights))
    keep = ~drop
    want_loss, want = _hand(net, loss)(params, x[keep], y[keep], weights=jnp.asarray(weights[keep]))
    assert np.isfinite(got_loss) and all(np.all(np.isfinite(g)) for g in jax.tree.leaves(got))
    # The same terms summed with extra exact zeros: only the summation order differs (float32).
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-5)
    assert_grads_close(got, want, rtol=1e-5)


def test_weight_zero_row_with_bad_values_and_concrete_weights():
    """Concrete weights: a dropped row's NaN input and out-of-range label are neither used nor refused."""
    params, x, y = make_problem(1, SIZES[2], "labels")
    x, y = x.at[1].set(jnp.nan), y.at[1].set(7)
    weights = jnp.array([1.0, 0.0, 2.0, 1.0, 1.0, 0.5, 1.0])
    net = MLP(SIZES[2], activation="relu")
    keep = np.asarray(weights) > 0

    def hand(x, y, weights):  # params and x traced; y and weights concrete, so their checks run
        return jax.jit(lambda p, x: backprop.gradients(net, p, x, y, loss="cross_entropy", weights=weights))(params, x)

    got_loss, got = hand(x, y, weights)
    want_loss, want = hand(x[keep], y[keep], weights[keep])
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-6)
    assert_grads_close(got, want, rtol=1e-5)


@pytest.mark.parametrize("loss,output_activation,kind", LOSS_CASES)
def test_all_zero_weights_under_jit_give_nan_loss_and_zero_gradients(loss, output_activation, kind):
    params, x, y = make_problem(0, SIZES[2], kind)
    x = x.at[0, 0].set(jnp.inf)  # not even an inf row makes a gradient non-zero
    net = MLP(SIZES[2], activation="elu", output_activation=output_activation)
    value, grads = _hand(net, loss)(params, x, y, weights=jnp.zeros(x.shape[0]))
    assert np.isnan(value)
    for g in jax.tree.leaves(grads):
        np.testing.assert_array_equal(g, np.zeros_like(g))


@pytest.mark.parametrize("grads,error", [([], TypeError), ({"w": jnp.ones(2)}, TypeError), ([{}], ValueError)])
def test_layer_gradient_norms_bad_input(grads, error):
    with pytest.raises(error):
        backprop.layer_gradient_norms(grads)


def test_material_single_chain_by_hand(enable_x64):
    """The material's chain: C = (a - y)^2, z = w a' + b, a = sigma(z), on a 1-1-1 network."""
    w1, b1, w2, b2, x, y = 0.5, 0.1, -0.3, 0.2, 1.5, 1.0
    sigma = lambda t: 1.0 / (1.0 + np.exp(-t))  # noqa: E731
    a1 = sigma(w1 * x + b1)
    a2 = sigma(w2 * a1 + b2)
    dc_da2 = 2.0 * (a2 - y)  # dC/da
    dc_dz2 = dc_da2 * a2 * (1.0 - a2)  # . da/dz
    dc_dz1 = dc_dz2 * w2 * a1 * (1.0 - a1)  # back through w2 to the hidden unit
    expected = [{"w": [[dc_dz1 * x]], "b": [dc_dz1]}, {"w": [[dc_dz2 * a1]], "b": [dc_dz2]}]
    params = [{"w": jnp.array([[w1]]), "b": jnp.array([b1])}, {"w": jnp.array([[w2]]), "b": jnp.array([b2])}]
    net = MLP([1, 1, 1], activation="sigmoid", output_activation="sigmoid", dtype=jnp.float64)
    loss, grads = backprop.gradients(net, params, jnp.array([[x]]), jnp.array([[y]]))
    np.testing.assert_allclose(loss, (a2 - y) ** 2, rtol=1e-12)
    for g, e in zip(jax.tree.leaves(grads), jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_matches_central_finite_differences(enable_x64):
    """A route that uses no derivative at all: (C(p + h e_k) - C(p - h e_k)) / 2h for every parameter."""
    params, x, y = make_problem(3, SIZES[3], "labels", dtype=jnp.float64)
    flat, unravel = jax.flatten_util.ravel_pytree(params)

    net = MLP(SIZES[3], activation="elu", dtype=jnp.float64)

    @jax.jit
    def differences(flat):
        def loss_at(v):
            return losses.cross_entropy(net.apply(unravel(v), x), y)

        h = 1e-6
        steps = h * jnp.eye(flat.size, dtype=flat.dtype)
        return jax.vmap(lambda e: (loss_at(flat + e) - loss_at(flat - e)) / (2 * h))(steps)

    _, grads = backprop.gradients(net, params, x, y, loss="cross_entropy")
    # Central differences err by O(h^2) ~ 1e-12 in truncation plus ~1e-16/h = 1e-10 in rounding.
    np.testing.assert_allclose(jax.flatten_util.ravel_pytree(grads)[0], differences(flat), rtol=1e-6, atol=1e-9)
