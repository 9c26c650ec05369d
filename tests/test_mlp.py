"""fnn.mlp against numpy forward passes, flax.linen Dense stacks and the initialisers' formulas;
the MLP spec's equality, hashing and checks."""

from __future__ import annotations

import dataclasses
import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fnn import activations, inspect, mlp
from fnn.mlp import MLP

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
    return [
        {
            "w": jnp.asarray(rng.normal(size=(i, o)) * np.sqrt(2.0 / (i + o)), dtype),
            "b": jnp.asarray(0.5 * rng.normal(size=o), dtype),
        }
        for i, o in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def random_inputs(seed, shape, dtype=jnp.float32):
    return jnp.asarray(np.random.default_rng(seed + 100).normal(size=shape), dtype)


# ---------------------------------------------------------------- init


@pytest.mark.parametrize("sizes", [[4, 8, 3], [1, 1], [3, 5, 5, 5, 2]])
def test_init_shapes_dtypes_and_zero_biases(key, sizes):
    params = MLP(sizes).init(key)
    assert isinstance(params, list) and len(params) == len(sizes) - 1
    for layer, d_in, d_out in zip(params, sizes[:-1], sizes[1:], strict=True):
        assert set(layer) == {"w", "b"}
        assert layer["w"].shape == (d_in, d_out) and layer["w"].dtype == jnp.float32
        np.testing.assert_array_equal(layer["b"], np.zeros(d_out, np.float32))
    assert mlp.layer_sizes(params) == sizes
    assert inspect.param_count(params) == sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:], strict=True))


def test_init_float64(key, enable_x64):
    params = MLP([3, 4, 2], dtype=jnp.float64).init(key)
    assert all(leaf.dtype == jnp.float64 for leaf in jax.tree.leaves(params))


# name -> (variance formula of (fan_in, fan_out), bound or None)
VARIANCES = {
    "he_normal": (lambda i, o: 2.0 / i, None),
    "he_uniform": (lambda i, o: 2.0 / i, lambda i, o: np.sqrt(6.0 / i)),
    "glorot_normal": (lambda i, o: 2.0 / (i + o), None),
    "glorot_uniform": (lambda i, o: 2.0 / (i + o), lambda i, o: np.sqrt(6.0 / (i + o))),
    "normal": (lambda i, o: 0.01**2, None),
}


@pytest.mark.parametrize("initializer", sorted(VARIANCES))
def test_init_statistics_match_formulas(key, initializer):
    fan_in, fan_out = 400, 600
    w = np.asarray(MLP([fan_in, fan_out], initializer=initializer).init(key)[0]["w"], np.float64)
    variance, bound = VARIANCES[initializer]
    # 240k samples: the sample variance's relative std is sqrt(2/n) ~ 0.3%
    # (uniform: less), so 2% is > 6 sigma.
    np.testing.assert_allclose(w.var(), variance(fan_in, fan_out), rtol=0.02)
    assert abs(w.mean()) < 5 * np.sqrt(variance(fan_in, fan_out) / w.size)
    if bound is not None:
        assert np.abs(w).max() <= bound(fan_in, fan_out)
        assert np.abs(w).max() > 0.99 * bound(fan_in, fan_out)


@pytest.mark.parametrize(
    "initializer,reference",
    [
        ("he_normal", jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")),
        ("glorot_normal", jax.nn.initializers.variance_scaling(1.0, "fan_avg", "normal")),
        ("he_uniform", jax.nn.initializers.he_uniform()),
        ("glorot_uniform", jax.nn.initializers.glorot_uniform()),
    ],
)
def test_init_matches_jax_initializers_drawn_from_the_same_key(key, initializer, reference):
    sizes = [30, 20, 10]
    params = MLP(sizes, initializer=initializer).init(key)
    for layer_key, layer, d_in, d_out in zip(jax.random.split(key, 2), params, sizes[:-1], sizes[1:], strict=True):
        expected = reference(layer_key, (d_in, d_out), jnp.float32)
        # Same draws; the two scale them in a different order (u * l vs -l + 2l u), so
        # allow a few float32 ulps of the bound.
        np.testing.assert_allclose(layer["w"], expected, rtol=1e-6, atol=1e-6)


def test_init_function_reads_the_activation_for_auto(key):
    """mlp.init's `activation` is read by "auto" only (the spec's test is below)."""
    for activation in ["relu", "leaky_relu", "elu", activations.relu]:
        np.testing.assert_array_equal(
            mlp.init(key, [5, 4], activation=activation)[0]["w"], mlp.init(key, [5, 4], initializer="he_normal")[0]["w"]
        )
    for activation in ["sigmoid", "tanh", "identity"]:
        np.testing.assert_array_equal(
            mlp.init(key, [5, 4], activation=activation)[0]["w"],
            mlp.init(key, [5, 4], initializer="glorot_uniform")[0]["w"],
        )


def test_init_zeros_callable_and_key_split_per_layer(key):
    params = MLP([3, 3, 3], initializer="zeros").init(key)
    assert all(not np.any(leaf) for leaf in jax.tree.leaves(params))
    params = MLP([3, 3, 3], initializer=jax.nn.initializers.lecun_normal()).init(key)
    keys = jax.random.split(key, 2)
    np.testing.assert_array_equal(params[1]["w"], jax.nn.initializers.lecun_normal()(keys[1], (3, 3)))
    # Two layers of the same shape must not get the same draws.
    assert not np.allclose(params[0]["w"], params[1]["w"])


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
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
    ],
)
def test_init_bad_input(key, kwargs, error, match):
    with pytest.raises(error, match=match):
        mlp.init(key, **kwargs)


@pytest.mark.parametrize("bad_key", [0, np.array([1, 2], np.int32), jnp.zeros(3, jnp.uint32), "key"])
def test_init_bad_key(bad_key):
    with pytest.raises(TypeError, match="PRNG key"):
        mlp.init(bad_key, [2, 2])


def test_init_accepts_raw_uint32_key():
    params = MLP([2, 3]).init(jax.random.PRNGKey(0))
    assert params[0]["w"].shape == (2, 3)


# ---------------------------------------------------------------- apply


@pytest.mark.parametrize("activation", sorted(NUMPY_ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 2], [4, 6, 5, 6, 1]])
def test_apply_matches_numpy_forward(activation, sizes):
    params = random_params(0, sizes)
    x = random_inputs(0, (9, sizes[0]))
    expected = numpy_forward(params, x, activation)
    net = MLP(sizes, activation=activation)
    got = jax.jit(net.apply)(params, x)
    assert got.shape == (9, sizes[-1]) and got.dtype == jnp.float32
    # float32 matmuls of up to 6 terms per layer, 4 layers: a few ulps.
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # one example == the batch's row (the batch is vmapped over one-example code)
    np.testing.assert_allclose(net.apply(params, x[3]), got[3], rtol=1e-6, atol=1e-7)


def test_apply_float64_matches_numpy_exactly(enable_x64):
    params = random_params(0, [4, 7, 3], jnp.float64)
    x = random_inputs(0, (5, 4), jnp.float64)
    got = MLP([4, 7, 3], activation="tanh", output_activation="sigmoid").apply(params, x)
    assert got.dtype == jnp.float64
    np.testing.assert_allclose(got, numpy_forward(params, x, "tanh", "sigmoid"), rtol=1e-12)


def test_apply_output_activation_softmax_rows_sum_to_one():
    params = random_params(0, [3, 4, 5])
    x = random_inputs(0, (6, 3))
    probabilities = MLP([3, 4, 5], output_activation="softmax").apply(params, x)
    logits = MLP([3, 4, 5]).apply(params, x)
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
    np.testing.assert_allclose(MLP([3, 4, 2], activation=slope).apply(params, x), out, rtol=1e-5, atol=1e-6)


def test_stacked_linear_layers_stay_linear(enable_x64):
    """The material: stacking layers without activation collapses to one affine map."""
    params = random_params(0, [3, 5, 4, 2], jnp.float64)
    x = random_inputs(0, (7, 3), jnp.float64)
    w0, w1, w2 = (np.asarray(p["w"]) for p in params)
    b0, b1, b2 = (np.asarray(p["b"]) for p in params)
    w, b = w0 @ w1 @ w2, (b0 @ w1 + b1) @ w2 + b2
    net = MLP([3, 5, 4, 2], activation="identity")
    np.testing.assert_allclose(net.apply(params, x), np.asarray(x) @ w + b, rtol=1e-12)


@pytest.mark.parametrize("value", [0.0, 1e4, -1e4, np.inf, -np.inf, np.nan])
def test_apply_extreme_inputs(value):
    params = [{"w": jnp.array([[1.0, -1.0]]), "b": jnp.zeros(2)}, {"w": jnp.array([[1.0], [1.0]]), "b": jnp.zeros(1)}]
    x = jnp.array([[value]])
    expected = numpy_forward(params, np.array([[value]]), "relu")
    got = jax.jit(MLP([1, 2, 1]).apply)(params, x)
    np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_apply_vmap_over_params(key):
    """A population of networks at once: vmap over stacked params."""
    net = MLP([2, 3, 1])
    keys = jax.random.split(key, 4)
    stacked = jax.vmap(net.init)(keys)
    x = jnp.ones((5, 2))
    outputs = jax.vmap(lambda p: net.apply(p, x))(stacked)
    for i, k in enumerate(keys):
        np.testing.assert_allclose(outputs[i], net.apply(net.init(k), x), rtol=1e-6)


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
    np.testing.assert_allclose(MLP(sizes, activation=activation).apply(params, x), expected, rtol=1e-5, atol=1e-6)


def test_flax_round_trip(key):
    module = _DenseStack((6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 2), nn.relu)
    variables = module.init(key, jnp.ones((1, 3)))
    params = mlp.from_flax(variables)
    assert mlp.layer_sizes(params) == [3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 2]  # Dense_10 after Dense_9
    x = random_inputs(0, (4, 3))
    net = MLP(mlp.layer_sizes(params))
    np.testing.assert_allclose(net.apply(params, x), module.apply(variables, x), rtol=1e-5, atol=1e-6)
    back = mlp.to_flax(params)
    assert jax.tree.structure(back) == jax.tree.structure(variables)
    for a, b in zip(jax.tree.leaves(back), jax.tree.leaves(variables), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(jax.tree.leaves(mlp.from_flax(back["params"])), jax.tree.leaves(params), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "variables,match",
    [
        ({"params": {"Dense_0": {"kernel": jnp.ones((2, 2))}}}, "kernel"),
        ({"params": {"Conv_0": {"kernel": jnp.ones((2, 2)), "bias": jnp.ones(2)}}}, "Conv_0"),
        ({"params": {"Dense_1": {"kernel": jnp.ones((2, 2)), "bias": jnp.ones(2)}}}, "without gaps"),
        (
            {
                "params": {
                    "Dense_0": {"kernel": jnp.ones((2, 3)), "bias": jnp.ones(3)},
                    "Dense_1": {"kernel": jnp.ones((2, 1)), "bias": jnp.ones(1)},
                }
            },
            "do not chain",
        ),
    ],
)
def test_from_flax_bad_input(variables, match):
    with pytest.raises(ValueError, match=match):
        mlp.from_flax(variables)


# ---------------------------------------------------------------- the material's XOR network


def test_xor_network_truth_table():
    net, params = mlp.xor_network()
    assert net == MLP([2, 2, 1], activation="step", output_activation="step")
    x = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = jax.jit(net.apply)(params, x)
    np.testing.assert_array_equal(y, np.array([[0.0], [1.0], [1.0], [0.0]], np.float32))
    # The function route with the activations repeated gives the same.
    np.testing.assert_array_equal(mlp.apply(params, x, activation="step", output_activation="step"), y)
    # The hidden units are the AND and OR gates, computed by hand.
    hidden = MLP([2, 2], output_activation="step").apply(params[:1], x)
    np.testing.assert_array_equal(hidden, np.array([[0, 0], [0, 1], [0, 1], [1, 1]], np.float32))
    # The material's output weights w5 = -1, w6 = 1.
    np.testing.assert_array_equal(params[1]["w"], np.array([[-1.0], [1.0]], np.float32))


# ---------------------------------------------------------------- bad input to apply


def _layer(d_in, d_out):
    return {"w": jnp.ones((d_in, d_out)), "b": jnp.zeros(d_out)}


@pytest.mark.parametrize(
    "params,x,error,match",
    [
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
    ],
)
def test_apply_bad_input(params, x, error, match):
    with pytest.raises(error, match=match):
        mlp.apply(params, x)


def test_apply_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation"):
        mlp.apply([_layer(2, 3)], jnp.ones(2), activation="swishy")


def test_apply_bad_input_raises_before_tracing_under_jit():
    with pytest.raises(ValueError, match="do not chain"):
        jax.jit(mlp.apply)([_layer(2, 3), _layer(4, 1)], jnp.ones(2))
    with pytest.raises(ValueError, match="MLP.apply: layer sizes do not chain"):
        jax.jit(MLP([2, 3, 1]).apply)([_layer(2, 3), _layer(4, 1)], jnp.ones(2))


def test_xor_network_dtype(enable_x64):
    net, params = mlp.xor_network(jnp.float64)
    assert net.dtype == np.float64 and all(leaf.dtype == jnp.float64 for leaf in jax.tree.leaves(params))


# ---------------------------------------------------------------- the spec


def test_spec_init_and_apply_equal_the_functions(key):
    """One implementation: the spec and the functions draw the same weights and compute the same outputs."""
    net = MLP([3, 6, 2], activation="tanh", output_activation="sigmoid")
    params = net.init(key)
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(mlp.init(key, [3, 6, 2], activation="tanh")), strict=True):
        np.testing.assert_array_equal(a, b)
    x = random_inputs(0, (4, 3))
    np.testing.assert_array_equal(
        net.apply(params, x), mlp.apply(params, x, activation="tanh", output_activation="sigmoid")
    )
    np.testing.assert_allclose(net.apply(params, x), numpy_forward(params, x, "tanh", "sigmoid"), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.apply(params, x[1]), net.apply(params, x)[1], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("activation,flax_activation", [("relu", nn.relu), ("tanh", nn.tanh), ("elu", nn.elu)])
def test_spec_matches_flax_dense_stack_drawn_from_its_own_init(key, activation, flax_activation):
    net = MLP([3, 5, 4, 2], activation=activation)
    params = net.init(key)
    module = _DenseStack((5, 4, 2), flax_activation)
    x = random_inputs(1, (6, 3))
    np.testing.assert_allclose(net.apply(params, x), module.apply(mlp.to_flax(params), x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "given,canonical",
    [
        (dict(layer_sizes=[4, 16, 3], activation="tanh"), dict(layer_sizes=(4, 16, 3), activation=activations.tanh)),
        (dict(layer_sizes=(2, 1), activation="linear"), dict(layer_sizes=[2, 1], activation=None)),
        (
            dict(layer_sizes=[2, 1], activation=activations.identity, output_activation="identity"),
            dict(layer_sizes=[2, 1], activation=None, output_activation=None),
        ),
        (dict(layer_sizes=[np.int64(2), 1], dtype="float32"), dict(layer_sizes=[2, 1], dtype=jnp.float32)),
        (
            dict(layer_sizes=[2, 1], output_activation=activations.softmax),
            dict(layer_sizes=[2, 1], output_activation="softmax"),
        ),
    ],
)
def test_equal_specs_compare_and_hash_equal(given, canonical):
    a, b = MLP(**given), MLP(**canonical)
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert isinstance(a.layer_sizes, tuple) and all(type(s) is int for s in a.layer_sizes)


def test_specs_that_differ_compare_unequal():
    base = MLP([4, 8, 3], activation="tanh")
    others = [
        MLP([4, 8, 2], activation="tanh"),
        MLP([4, 8, 3], activation="relu"),
        MLP([4, 8, 3], activation="tanh", output_activation="softmax"),
        MLP([4, 8, 3], activation="tanh", initializer="he_normal"),
        MLP([4, 8, 3], activation="tanh", dtype=jnp.bfloat16),
        MLP([4, 8, 3], activation="tanh", stddev=0.1),
    ]
    assert all(base != other for other in others)
    assert len({base, *others}) == 1 + len(others)


def test_spec_is_frozen_and_revalidated_by_replace():
    net = MLP([4, 8, 3], activation="tanh")
    with pytest.raises(dataclasses.FrozenInstanceError):
        net.activation = "relu"
    relu = dataclasses.replace(net, activation=activations.relu)
    assert relu == MLP([4, 8, 3]) and relu.activation == "relu"
    with pytest.raises(ValueError, match="at least 1"):
        dataclasses.replace(net, layer_sizes=[4, 0, 3])


def test_spec_as_a_jit_static_argument_compiles_once_per_spec(key):
    traces = []

    @functools.partial(jax.jit, static_argnums=0)
    def forward(net, params, x):
        traces.append(net)
        return net.apply(params, x)

    net = MLP([3, 4, 2], activation="tanh")
    params, x = net.init(key), jnp.ones((5, 3))
    forward(net, params, x)
    forward(MLP((3, 4, 2), activation=activations.tanh), params, x)  # an equal spec: no retrace
    np.testing.assert_array_equal(forward(net, params, x), net.apply(params, x))
    assert len(traces) == 1
    forward(MLP([3, 4, 2], activation="relu"), params, x)
    assert len(traces) == 2


def test_spec_is_not_a_pytree_argument(key):
    net = MLP([3, 2])
    with pytest.raises(TypeError):
        jax.jit(lambda net, x: x)(net, jnp.ones(3))


@pytest.mark.parametrize(
    "net,text",
    [
        (MLP([4, 16, 3], activation="tanh"), "MLP((4, 16, 3), activation='tanh')"),
        (MLP([4, 3]), "MLP((4, 3), activation='relu')"),
        (
            MLP([2, 1], activation=None, output_activation="sigmoid", initializer="zeros"),
            "MLP((2, 1), activation=None, output_activation='sigmoid', initializer='zeros')",
        ),
        (
            MLP(
                [2, 1],
                activation=functools.partial(activations.leaky_relu, negative_slope=0.1),
                dtype=jnp.float16,
                initializer="normal",
                stddev=0.5,
            ),
            "MLP((2, 1), activation=partial(leaky_relu, negative_slope=0.1), initializer='normal', dtype='float16', "
            "stddev=0.5)",
        ),
        (MLP([2, 1], activation=jax.nn.gelu), "MLP((2, 1), activation=gelu)"),
    ],
)
def test_repr(net, text):
    assert repr(net) == text


def test_auto_initializer_follows_the_activation(key):
    """The spec removes the mismatch of a relu initialisation applied with tanh."""
    he = MLP([30, 20], initializer="he_normal").init(key)[0]["w"]
    glorot = MLP([30, 20], initializer="glorot_uniform").init(key)[0]["w"]
    for activation in [
        "relu",
        "leaky_relu",
        "elu",
        activations.elu,
        functools.partial(activations.leaky_relu, negative_slope=0.2),
    ]:
        np.testing.assert_array_equal(MLP([30, 20], activation=activation).init(key)[0]["w"], he)
    for activation in ["tanh", "sigmoid", None, "step", jax.nn.relu, lambda z: z]:
        np.testing.assert_array_equal(MLP([30, 20], activation=activation).init(key)[0]["w"], glorot)


class _UnhashableActivation:
    __hash__ = None  # as for any class that defines __eq__ without __hash__

    def __call__(self, z):
        return z


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(layer_sizes=[4]), ValueError, r"MLP: layer_sizes needs at least 2 entries .*got \[4\]"),
        (dict(layer_sizes=[4, 0, 2]), ValueError, r"MLP: every layer size must be at least 1, got \[4, 0, 2\]"),
        (dict(layer_sizes=[4, 2.5]), TypeError, "MLP: layer_sizes must hold ints"),
        (dict(layer_sizes=[4, True]), TypeError, "MLP: layer_sizes must hold ints"),
        (dict(layer_sizes=np.int64(4)), TypeError, "MLP: layer_sizes must be a list of ints such as"),
        (dict(layer_sizes="42"), TypeError, "list of ints"),
        (
            dict(layer_sizes=[4, 2], activation="swishy"),
            ValueError,
            r"MLP: unknown activation 'swishy'; use one of \['elu', 'identity'",
        ),
        (dict(layer_sizes=[4, 2], activation="maxout"), ValueError, "unknown activation 'maxout'"),
        (dict(layer_sizes=[4, 2], output_activation="Softmax"), ValueError, "unknown output_activation 'Softmax'"),
        (dict(layer_sizes=[4, 2], activation=3), TypeError, "MLP: the activation must be a name such as 'relu'"),
        (dict(layer_sizes=[4, 2], activation=_UnhashableActivation()), TypeError, "must be hashable"),
        (dict(layer_sizes=[4, 2], initializer=_UnhashableActivation()), TypeError, "must be hashable"),
        (dict(layer_sizes=[4, 2], initializer="kaiming"), ValueError, "MLP: unknown initializer 'kaiming'"),
        (dict(layer_sizes=[4, 2], initializer=0.1), TypeError, "initializer must be a name in"),
        (dict(layer_sizes=[4, 2], dtype=jnp.int32), TypeError, "MLP: dtype must be a floating dtype"),
        (dict(layer_sizes=[4, 2], dtype="floaty"), TypeError, "MLP: dtype must be a floating dtype"),
        (dict(layer_sizes=[4, 2], stddev=-1.0), ValueError, "MLP: stddev must be"),
        (dict(layer_sizes=[4, 2], stddev=float("nan")), ValueError, "MLP: stddev must be"),
    ],
)
def test_spec_bad_input_raises_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        MLP(**kwargs)


def test_spec_apply_checks_the_params_fit_the_spec(key):
    net = MLP([3, 4, 2])
    with pytest.raises(
        ValueError,
        match=r"MLP.apply: params have layer sizes \[3, 5, 2\] but the network has "
        r"\[3, 4, 2\]",
    ):
        net.apply(MLP([3, 5, 2]).init(key), jnp.ones(3))
    with pytest.raises(ValueError, match="MLP.apply: x has 4 features"):
        net.apply(net.init(key), jnp.ones((2, 4)))
    with pytest.raises(TypeError, match="MLP.init: key must be a JAX PRNG key"):
        net.init(0)


def test_check_params_is_public_and_names_the_caller():
    with pytest.raises(ValueError, match="my_fn: layer sizes do not chain"):
        mlp.check_params([_layer(2, 3), _layer(4, 1)], where="my_fn")
    with pytest.raises(ValueError, match=r"params have layer sizes \[2, 3\] but the network has \[2, 4\]"):
        mlp.check_params([_layer(2, 3)], (2, 4))
    assert mlp.check_params([_layer(2, 3), _layer(3, 1)], [2, 3, 1]) is None
