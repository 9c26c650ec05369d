"""fnn.mlp against numpy forward passes, flax.linen Dense stacks and the initialisers' formulas."""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fnn import activations, mlp

# name -> numpy reference of the activation.
NUMPY_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
}


def numpy_forward(params, x, activation, output_activation="identity"):
    a = np.asarray(x, np.float64)
    for i, layer in enumerate(params):
        z = a @ np.asarray(layer["w"], np.float64) + np.asarray(layer["b"], np.float64)
        a = NUMPY_ACTIVATIONS[activation if i < len(params) - 1 else output_activation](z)
    return a


def random_params(seed, sizes, dtype=jnp.float32):
    """Glorot-scaled weights and non-zero biases (so a forward pass that drops them fails).

    Drawn with numpy: no eager jax ops, so nothing compiles outside the code under test.
    """
    rng = np.random.default_rng(seed)
    return [{"w": jnp.asarray(rng.normal(size=(i, o)) * np.sqrt(2.0 / (i + o)), dtype),
             "b": jnp.asarray(0.5 * rng.normal(size=o), dtype)} for i, o in zip(sizes[:-1], sizes[1:])]


def random_inputs(seed, shape, dtype=jnp.float32):
    return jnp.asarray(np.random.default_rng(seed + 100).normal(size=shape), dtype)


# ---------------------------------------------------------------- init

@pytest.mark.parametrize("sizes", [[4, 8, 3], [1, 1], [3, 5, 5, 5, 2]])
def test_init_shapes_dtypes_and_zero_biases(key, sizes):
    params = mlp.init(key, sizes)
    assert isinstance(params, list) and len(params) == len(sizes) - 1
    for layer, d_in, d_out in zip(params, sizes[:-1], sizes[1:]):
        assert set(layer) == {"w", "b"}
        assert layer["w"].shape == (d_in, d_out) and layer["w"].dtype == jnp.float32
        np.testing.assert_array_equal(layer["b"], np.zeros(d_out, np.float32))
    assert mlp.layer_sizes(params) == sizes
    assert mlp.num_params(params) == sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))


def test_init_float64(key, enable_x64):
    params = mlp.init(key, [3, 4, 2], dtype=jnp.float64)
    assert all(leaf.dtype == jnp.float64 for leaf in jax.tree.leaves(params))


# name -> (variance formula of (fan_in, fan_out), bound or None)
VARIANCES = {
    "he_normal": (lambda i, o: 2.0 / i, None),
    "he_uniform": (lambda i, o: 2.0 / i, lambda i, o: np.sqrt(6.0 / i)),
    "glorot_normal": (lambda i, o: 2.0 / (i + o), None),
    "glorot_uniform": (lambda i, o: 2.0 / (i + o), lambda i, o: np.sqrt(6.0 / (i + o))),
    "normal": (lambda i, o: 0.01 ** 2, None),
}


@pytest.mark.parametrize("initializer", sorted(VARIANCES))
def test_init_statistics_match_formulas(key, initializer):
    fan_in, fan_out = 400, 600
    w = np.asarray(mlp.init(key, [fan_in, fan_out], initializer=initializer)[0]["w"], np.float64)
    variance, bound = VARIANCES[initializer]
    # 240k samples: the sample variance's relative std is sqrt(2/n) ~ 0.3%
    # (uniform: less), so 2% is > 6 sigma.
    np.testing.assert_allclose(w.var(), variance(fan_in, fan_out), rtol=0.02)
    assert abs(w.mean()) < 5 * np.sqrt(variance(fan_in, fan_out) / w.size)
    if bound is not None:
        assert np.abs(w).max() <= bound(fan_in, fan_out)
        assert np.abs(w).max() > 0.99 * bound(fan_in, fan_out)


@pytest.mark.parametrize("initializer,reference", [
    ("he_normal", jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")),
    ("glorot_normal", jax.nn.initializers.variance_scaling(1.0, "fan_avg", "normal")),
    ("he_uniform", jax.nn.initializers.he_uniform()),
    ("glorot_uniform", jax.nn.initializers.glorot_uniform()),
])
def test_init_matches_jax_initializers_drawn_from_the_same_key(key, initializer, reference):
    sizes = [30, 20, 10]
    params = mlp.init(key, sizes, initializer=initializer)
    for layer_key, layer, d_in, d_out in zip(jax.random.split(key, 2), params, sizes[:-1], sizes[1:]):
        expected = reference(layer_key, (d_in, d_out), jnp.float32)
        # Same draws; the two scale them in a different order (u * l vs -l + 2l u), so
        # allow a few float32 ulps of the bound.
        np.testing.assert_allclose(layer["w"], expected, rtol=1e-6, atol=1e-6)


def test_init_auto_picks_he_for_relu_family_and_glorot_otherwise(key):
    for activation in ["relu", "leaky_relu", "elu", activations.relu]:
        np.testing.assert_array_equal(
            mlp.init(key, [5, 4], activation=activation)[0]["w"],
            mlp.init(key, [5, 4], initializer="he_normal")[0]["w"])
    for activation in ["sigmoid", "tanh", "identity"]:
        np.testing.assert_array_equal(
            mlp.init(key, [5, 4], activation=activation)[0]["w"],
            mlp.init(key, [5, 4], initializer="glorot_uniform")[0]["w"])


def test_init_zeros_callable_and_key_split_per_layer(key):
    params = mlp.init(key, [3, 3, 3], initializer="zeros")
    assert all(not np.any(leaf) for leaf in jax.tree.leaves(params))
    params = mlp.init(key, [3, 3, 3], initializer=jax.nn.initializers.lecun_normal())
    keys = jax.random.split(key, 2)
    np.testing.assert_array_equal(params[1]["w"], jax.nn.initializers.lecun_normal()(keys[1], (3, 3)))
    # Two layers of the same shape must not get the same draws.
    assert not np.allclose(params[0]["w"], params[1]["w"])


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(layer_sizes=[4]), ValueError, "at least 2"),
    (dict(layer_sizes=[]), ValueError, "at least 2"),
    (dict(layer_sizes=[4, 0, 2]), ValueError, "at least 1"),
    (dict(layer_sizes=[4, -3]), ValueError, "at least 1"),
    (dict(layer_sizes=[4, 2.5]), TypeError, "ints"),
    (dict(layer_sizes=[4, True]), TypeError, "ints"),
    (dict(layer_sizes=4), TypeError, "list of ints"),
    (dict(layer_sizes="42"), TypeError, "list of ints"),
    (dict(layer_sizes=[4, 2], initializer="kaiming"), ValueError, "unknown initializer"),
    (dict(layer_sizes=[4, 2], dtype=jnp.int32), TypeError, "floating"),
    (dict(layer_sizes=[4, 2], stddev=-1.0), ValueError, "stddev"),
])
def test_init_bad_input(key, kwargs, error, match):
    with pytest.raises(error, match=match):
        mlp.init(key, **kwargs)


@pytest.mark.parametrize("bad_key", [0, np.array([1, 2], np.int32), jnp.zeros(3, jnp.uint32), "key"])
def test_init_bad_key(bad_key):
    with pytest.raises(TypeError, match="PRNG key"):
        mlp.init(bad_key, [2, 2])


def test_init_accepts_raw_uint32_key():
    params = mlp.init(jax.random.PRNGKey(0), [2, 3])
    assert params[0]["w"].shape == (2, 3)


# ---------------------------------------------------------------- apply

@pytest.mark.parametrize("activation", sorted(NUMPY_ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 2], [4, 6, 5, 6, 1]])
def test_apply_matches_numpy_forward(activation, sizes):
    params = random_params(0, sizes)
    x = random_inputs(0, (9, sizes[0]))
    expected = numpy_forward(params, x, activation)
    got = jax.jit(functools.partial(mlp.apply, activation=activation))(params, x)
    assert got.shape == (9, sizes[-1]) and got.dtype == jnp.float32
    # float32 matmuls of up to 6 terms per layer, 4 layers: a few ulps.
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # one example == the batch's row (the batch is vmapped over one-example code)
    np.testing.assert_allclose(mlp.apply(params, x[3], activation=activation), got[3], rtol=1e-6, atol=1e-7)


def test_apply_float64_matches_numpy_exactly(enable_x64):
    params = random_params(0, [4, 7, 3], jnp.float64)
    x = random_inputs(0, (5, 4), jnp.float64)
    got = mlp.apply(params, x, activation="tanh", output_activation="sigmoid")
    assert got.dtype == jnp.float64
    np.testing.assert_allclose(got, numpy_forward(params, x, "tanh", "sigmoid"), rtol=1e-12)


def test_apply_output_activation_softmax_rows_sum_to_one():
    params = random_params(0, [3, 4, 5])
    x = random_inputs(0, (6, 3))
    probabilities = mlp.apply(params, x, output_activation="softmax")
    logits = mlp.apply(params, x)
    np.testing.assert_allclose(probabilities, jax.nn.softmax(logits, axis=-1), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(probabilities.sum(-1), np.ones(6), rtol=1e-6)


def test_apply_callable_activation():
    params = random_params(0, [3, 4, 2])
    x = random_inputs(0, (5, 3))
    slope = functools.partial(activations.leaky_relu, negative_slope=0.1)
    expected = params[0]
    hidden = np.asarray(x) @ np.asarray(expected["w"]) + np.asarray(expected["b"])
    hidden = np.where(hidden > 0, hidden, 0.1 * hidden)
    out = hidden @ np.asarray(params[1]["w"]) + np.asarray(params[1]["b"])
    np.testing.assert_allclose(mlp.apply(params, x, activation=slope), out, rtol=1e-5, atol=1e-6)


def test_stacked_linear_layers_stay_linear(enable_x64):
    """The material: stacking layers without activation collapses to one affine map."""
    params = random_params(0, [3, 5, 4, 2], jnp.float64)
    x = random_inputs(0, (7, 3), jnp.float64)
    w0, w1, w2 = (np.asarray(p["w"]) for p in params)
    b0, b1, b2 = (np.asarray(p["b"]) for p in params)
    w, b = w0 @ w1 @ w2, (b0 @ w1 + b1) @ w2 + b2
    np.testing.assert_allclose(mlp.apply(params, x, activation="identity"), np.asarray(x) @ w + b, rtol=1e-12)


@pytest.mark.parametrize("value", [0.0, 1e4, -1e4, np.inf, -np.inf, np.nan])
def test_apply_extreme_inputs(value):
    params = [{"w": jnp.array([[1.0, -1.0]]), "b": jnp.zeros(2)}, {"w": jnp.array([[1.0], [1.0]]), "b": jnp.zeros(1)}]
    x = jnp.array([[value]])
    expected = numpy_forward(params, np.array([[value]]), "relu")
    got = jax.jit(mlp.apply)(params, x)
    np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_apply_vmap_over_params(key):
    """A population of networks at once: vmap over stacked params."""
    keys = jax.random.split(key, 4)
    stacked = jax.vmap(lambda k: mlp.init(k, [2, 3, 1]))(keys)
    x = jnp.ones((5, 2))
    outputs = jax.vmap(lambda p: mlp.apply(p, x))(stacked)
    for i, k in enumerate(keys):
        np.testing.assert_allclose(outputs[i], mlp.apply(mlp.init(k, [2, 3, 1]), x), rtol=1e-6)


class _DenseStack(nn.Module):
    sizes: tuple
    activation: callable

    @nn.compact
    def __call__(self, x):
        for size in self.sizes[:-1]:
            x = self.activation(nn.Dense(size)(x))
        return nn.Dense(self.sizes[-1])(x)


@pytest.mark.parametrize("activation,flax_activation", [("relu", nn.relu), ("tanh", nn.tanh), ("sigmoid", nn.sigmoid)])
def test_apply_matches_flax_dense_stack_with_same_weights(activation, flax_activation):
    sizes = [3, 6, 5, 2]
    params = random_params(0, sizes)
    x = random_inputs(0, (8, 3))
    module = _DenseStack(tuple(sizes[1:]), flax_activation)
    expected = module.apply(mlp.to_flax(params), x)
    np.testing.assert_allclose(mlp.apply(params, x, activation=activation), expected, rtol=1e-5, atol=1e-6)


def test_flax_round_trip(key):
    module = _DenseStack((6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 2), nn.relu)
    variables = module.init(key, jnp.ones((1, 3)))
    params = mlp.from_flax(variables)
    assert mlp.layer_sizes(params) == [3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 2]  # Dense_10 after Dense_9
    x = random_inputs(0, (4, 3))
    np.testing.assert_allclose(mlp.apply(params, x), module.apply(variables, x), rtol=1e-5, atol=1e-6)
    back = mlp.to_flax(params)
    assert jax.tree.structure(back) == jax.tree.structure(variables)
    for a, b in zip(jax.tree.leaves(back), jax.tree.leaves(variables)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(jax.tree.leaves(mlp.from_flax(back["params"])), jax.tree.leaves(params)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("variables,match", [
    ({"params": {"Dense_0": {"kernel": jnp.ones((2, 2))}}}, "kernel"),
    ({"params": {"Conv_0": {"kernel": jnp.ones((2, 2)), "bias": jnp.ones(2)}}}, "Conv_0"),
    ({"params": {"Dense_1": {"kernel": jnp.ones((2, 2)), "bias": jnp.ones(2)}}}, "without gaps"),
    ({"params": {"Dense_0": {"kernel": jnp.ones((2, 3)), "bias": jnp.ones(3)},
                 "Dense_1": {"kernel": jnp.ones((2, 1)), "bias": jnp.ones(1)}}}, "do not chain"),
])
def test_from_flax_bad_input(variables, match):
    with pytest.raises(ValueError, match=match):
        mlp.from_flax(variables)


# ---------------------------------------------------------------- the material's XOR network

def test_xor_network_truth_table():
    params = mlp.xor_network()
    x = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = jax.jit(functools.partial(mlp.apply, activation="step", output_activation="step"))(params, x)
    np.testing.assert_array_equal(y, np.array([[0.0], [1.0], [1.0], [0.0]], np.float32))
    # The hidden units are the AND and OR gates, computed by hand.
    hidden = mlp.apply(params[:1], x, output_activation="step")
    np.testing.assert_array_equal(hidden, np.array([[0, 0], [0, 1], [0, 1], [1, 1]], np.float32))
    # The material's output weights w5 = -1, w6 = 1.
    np.testing.assert_array_equal(params[1]["w"], np.array([[-1.0], [1.0]], np.float32))


# ---------------------------------------------------------------- bad input to apply

def _layer(d_in, d_out):
    return {"w": jnp.ones((d_in, d_out)), "b": jnp.zeros(d_out)}


@pytest.mark.parametrize("params,x,error,match", [
    ([], jnp.ones(2), ValueError, "empty"),
    ({"w": jnp.ones((2, 2)), "b": jnp.zeros(2)}, jnp.ones(2), TypeError, "list of"),
    ([_layer(2, 3), _layer(4, 1)], jnp.ones(2), ValueError, "do not chain"),
    ([_layer(2, 3)], jnp.ones(5), ValueError, "first layer expects 2"),
    ([_layer(2, 3)], jnp.ones((4, 5)), ValueError, "first layer expects 2"),
    ([_layer(2, 3)], jnp.ones((2, 2, 2)), ValueError, r"one example \(d_in,\) or a batch"),
    ([_layer(2, 3)], jnp.float32(1.0), ValueError, r"one example \(d_in,\) or a batch"),
    ([{"w": jnp.ones((2, 3)), "b": jnp.zeros(2)}], jnp.ones(2), ValueError, "bias 'b' must have shape"),
    ([{"w": jnp.ones((2, 3, 1)), "b": jnp.zeros(3)}], jnp.ones(2), ValueError, "must be 2-D"),
    ([{"w": jnp.ones((2, 3))}], jnp.ones(2), TypeError, "keys 'w' and 'b'"),
    ([_layer(2, 3)], "x", TypeError, "array of numbers"),
])
def test_apply_bad_input(params, x, error, match):
    with pytest.raises(error, match=match):
        mlp.apply(params, x)


def test_apply_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation"):
        mlp.apply([_layer(2, 3)], jnp.ones(2), activation="swishy")


def test_apply_bad_input_raises_before_tracing_under_jit():
    with pytest.raises(ValueError, match="do not chain"):
        jax.jit(mlp.apply)([_layer(2, 3), _layer(4, 1)], jnp.ones(2))
