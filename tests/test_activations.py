"""Tests for fnn.activations: values and derivatives against jax.nn, torch and numpy formulas.

Budget: ~10 s on one core. Inputs include 0, the kinks, +-1e4, +-inf and NaN;
everything runs under jit at float32 (rtol 1e-6) and float64 (rtol 1e-12).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from fnn import activations as A

SPECIAL = [-1e4, -10.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 10.0, 1e4, -np.inf, np.inf, np.nan]
DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-6, np.float64: 1e-12}

# name -> (fnn function, jax.nn counterpart or None, torch counterpart name)
ELEMENTWISE = {
    "identity": (A.identity, lambda x: x, None),
    "step": (A.step, None, "heaviside"),
    "sigmoid": (A.sigmoid, jax.nn.sigmoid, "sigmoid"),
    "tanh": (A.tanh, jnp.tanh, "tanh"),
    "relu": (A.relu, jax.nn.relu, "relu"),
    "leaky_relu": (A.leaky_relu, functools.partial(jax.nn.leaky_relu, negative_slope=0.01), "leaky_relu"),
    "leaky_relu_0.1": (
        functools.partial(A.leaky_relu, negative_slope=0.1),
        functools.partial(jax.nn.leaky_relu, negative_slope=0.1),
        "leaky_relu_0.1",
    ),
    "elu": (A.elu, jax.nn.elu, "elu"),
    "elu_0.5": (functools.partial(A.elu, alpha=0.5), functools.partial(jax.nn.elu, alpha=0.5), "elu_0.5"),
}
WITH_JAX = [name for name, (_, ref, _) in ELEMENTWISE.items() if ref is not None]
WITH_TORCH = [name for name, (_, _, ref) in ELEMENTWISE.items() if ref is not None]


@pytest.fixture(params=DTYPES, ids=["float32", "float64"])
def dtype(request):
    if request.param == np.float64:
        request.getfixturevalue("enable_x64")
    return request.param


def _torch_fn(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    return {
        "heaviside": lambda t: torch.heaviside(t, torch.ones((), dtype=t.dtype)),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
        "leaky_relu_0.1": lambda t: F.leaky_relu(t, 0.1),
        "elu": F.elu,
        "elu_0.5": lambda t: F.elu(t, alpha=0.5),
    }[name]


def _elementwise_grad(fn):
    return jax.jit(jax.vmap(jax.grad(fn)))


def _torch_value_and_grad(name, x):
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    out = _torch_fn(ELEMENTWISE[name][2])(t)
    if name == "step":  # torch has no derivative for heaviside; it is 0 almost everywhere
        return out.detach().numpy(), np.zeros_like(x)
    out.sum().backward()
    return out.detach().numpy(), t.grad.numpy()


# ---------------------------------------------------------------------------- values


@pytest.mark.parametrize("name", WITH_JAX)
def test_values_match_jax_nn(name, dtype):
    fn, ref, _ = ELEMENTWISE[name]
    x = np.array(SPECIAL, dtype)
    got = jax.jit(fn)(x)
    assert got.dtype == dtype and got.shape == x.shape
    np.testing.assert_allclose(got, ref(x), rtol=RTOL[dtype], atol=0)


@pytest.mark.torch
@pytest.mark.parametrize("name", WITH_TORCH)
def test_values_and_derivatives_match_torch(name, dtype):
    fn = ELEMENTWISE[name][0]
    x = np.array(SPECIAL, dtype)
    ref_value, ref_grad = _torch_value_and_grad(name, x)
    # NaN is left out: torch.heaviside(nan) is 0 (ours, numpy's and the material's step keep NaN),
    # and at NaN torch's relu/elu/leaky_relu backward gives 1 or the slope where jax gives NaN or a
    # slope; a derivative at NaN means nothing.
    finite = ~np.isnan(x)
    np.testing.assert_allclose(jax.jit(fn)(x)[finite], ref_value[finite], rtol=RTOL[dtype], atol=0)
    # tanh in float64: jnp.tanh's derivative 1 - tanh(x)^2 cancels in the tails (3e-8 relative at
    # |x| = 10); torch's is closer to sech^2 there. jax.nn has the same derivative as ours.
    rtol = 1e-7 if (name == "tanh" and dtype == np.float64) else RTOL[dtype]
    np.testing.assert_allclose(_elementwise_grad(fn)(x)[finite], ref_grad[finite], rtol=rtol, atol=0)


def test_step_matches_the_material():
    x = np.array(SPECIAL, np.float32)
    np.testing.assert_array_equal(A.step(x), np.heaviside(x, 1.0))  # step(0) == 1, NaN stays NaN


# ---------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name", [n for n in WITH_JAX if not n.startswith("leaky_relu")])
def test_derivatives_match_jax_nn(name, dtype):
    fn, ref, _ = ELEMENTWISE[name]
    x = np.array(SPECIAL, dtype)
    got, expected = _elementwise_grad(fn)(x), _elementwise_grad(ref)(x)
    if name.startswith("elu"):
        # jax.nn.elu's derivative for x < 0 is expm1(x) + 1, which cancels (4e-4 off at x = -10 in
        # float32); ours is alpha * exp(x), checked exactly against torch and numpy elsewhere. Compare
        # where that cancellation is below the tolerance.
        keep = ~(x < -0.5)
        got, expected = got[keep], expected[keep]
    np.testing.assert_allclose(got, expected, rtol=RTOL[dtype], atol=0)


def test_elu_derivative_is_alpha_exp_x_exactly(dtype):
    x = np.array([-1e4, -30.0, -10.0, -1.0, -1e-3], dtype)
    for alpha in (1.0, 0.5):
        got = _elementwise_grad(functools.partial(A.elu, alpha=alpha))(x)
        np.testing.assert_allclose(got, alpha * np.exp(x.astype(np.float64)), rtol=RTOL[dtype], atol=0)
    # and with respect to alpha: expm1(x) for x <= 0, 0 above
    d_alpha = jax.jit(jax.vmap(jax.grad(A.elu, argnums=1), in_axes=(0, None)))(np.array([-1.0, 2.0], dtype), 0.5)
    np.testing.assert_allclose(d_alpha, [np.expm1(-1.0), 0.0], rtol=RTOL[dtype])


# Derivative at each kink, as the module docstring's table documents.
KINKS = [
    ("step", A.step, 0.0, 0.0),
    ("relu", A.relu, 0.0, 0.0),
    ("leaky_relu", A.leaky_relu, 0.0, 0.01),
    ("leaky_relu_0.1", functools.partial(A.leaky_relu, negative_slope=0.1), 0.0, 0.1),
    ("elu", A.elu, 0.0, 1.0),
    ("elu_0.5", functools.partial(A.elu, alpha=0.5), 0.0, 0.5),
]


@pytest.mark.parametrize("name,fn,kink,expected", KINKS, ids=[k[0] for k in KINKS])
def test_derivative_at_kink(name, fn, kink, expected):
    assert jax.jit(jax.grad(fn))(np.float32(kink)) == np.float32(expected)
    assert A.derivative(fn)(np.array([kink], np.float32))[0] == np.float32(expected)


def test_leaky_relu_kink_follows_torch_not_jax_nn():
    # Deliberate: leaky_relu's derivative at 0 is the negative slope, like relu's 0 there and like
    # torch; jax.nn.leaky_relu returns 1 at 0 (its kink sits on the positive side).
    torch = pytest.importorskip("torch")
    t = torch.zeros(1, requires_grad=True)
    torch.nn.functional.leaky_relu(t, 0.1).sum().backward()
    assert jax.grad(lambda x: A.leaky_relu(x, 0.1))(0.0) == pytest.approx(t.grad.item(), rel=1e-7)
    assert jax.grad(lambda x: jax.nn.leaky_relu(x, 0.1))(0.0) == 1.0


SMOOTH_AWAY_FROM_KINKS = [
    ("sigmoid", A.sigmoid),
    ("tanh", A.tanh),
    ("relu", A.relu),
    ("leaky_relu", A.leaky_relu),
    ("elu", A.elu),
    ("softmax", A.softmax),
    ("log_softmax", A.log_softmax),
    ("maxout", functools.partial(A.maxout, num_pieces=2)),
]


@pytest.mark.parametrize("name,fn", SMOOTH_AWAY_FROM_KINKS, ids=[s[0] for s in SMOOTH_AWAY_FROM_KINKS])
def test_check_grads_away_from_kinks(enable_x64, name, fn):
    # No zeros and no ties (for maxout). Second order only where a custom derivative must itself
    # be differentiable (sigmoid, elu); first order elsewhere keeps the test fast.
    x = np.array([[-3.1, -0.7, 0.4, 2.3], [1.5, -2.2, 0.9, -0.3]])
    order = 2 if name in ("sigmoid", "elu") else 1
    check_grads(fn, (x,), order=order, modes=("fwd", "rev"), rtol=1e-6)


# ---------------------------------------------------------------------------- the material's facts


def test_sigmoid_derivative_peaks_at_quarter(dtype):
    x = np.linspace(-20, 20, 4001).astype(dtype)  # includes 0 exactly
    d = jax.jit(A.derivative(A.sigmoid))(x)
    assert float(jnp.max(d)) == 0.25 and float(d[2000]) == 0.25 and x[2000] == 0
    assert bool(jnp.all(d <= 0.25))
    s = 1 / (1 + np.exp(-x.astype(np.float64)))
    # atol 2 eps: sigma (1 - sigma) in the working precision, as jax.nn and torch compute it, carries
    # the rounding of 1 - sigma (absolute, not relative, in the right tail).
    np.testing.assert_allclose(d, s * (1 - s), rtol=RTOL[dtype], atol=2 * np.finfo(dtype).eps)


def test_tanh_derivative_and_identity_with_sigmoid(dtype):
    x = np.linspace(-8, 8, 161).astype(dtype)
    t = A.tanh(x)
    np.testing.assert_allclose(jax.jit(A.derivative(A.tanh))(x), 1 - t**2, rtol=RTOL[dtype], atol=RTOL[dtype])
    np.testing.assert_allclose(t, 2 * A.sigmoid(2 * x) - 1, rtol=0, atol=4 * np.finfo(dtype).eps)


def test_relu_derivative_is_one_above_zero_and_zero_at_or_below():
    x = np.array([-1e4, -2.0, -1e-30, 0.0, 1e-30, 2.0, 1e4], np.float32)
    np.testing.assert_array_equal(A.derivative(A.relu)(x), [0, 0, 0, 0, 1, 1, 1])


# ---------------------------------------------------------------------------- stability at extremes


def test_no_overflow_at_extremes(dtype):
    big = np.array([-1e4, 1e4, -np.inf, np.inf], dtype)
    np.testing.assert_array_equal(A.sigmoid(big), [0.0, 1.0, 0.0, 1.0])
    logits = np.array([[1e4, 1e4 - 1, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, 0.0]], dtype)
    p = jax.jit(A.softmax)(logits)
    assert bool(jnp.all(jnp.isfinite(p)))
    np.testing.assert_allclose(jnp.sum(p, axis=-1), 1.0, rtol=RTOL[dtype])
    np.testing.assert_allclose(p[0, :2], [1 / (1 + np.exp(-1)), 1 / (1 + np.e)], rtol=RTOL[dtype])
    # Where softmax underflows to 0, log_softmax stays finite and exact.
    log_p = jax.jit(A.log_softmax)(np.array([[0.0, -1e4]], dtype))
    np.testing.assert_array_equal(log_p, [[0.0, -1e4]])
    grad = jax.jit(jax.grad(lambda z: A.log_softmax(z)[0, 1] + A.softmax(z)[1, 2]))(logits)
    assert bool(jnp.all(jnp.isfinite(grad)))


@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_matches_jax_nn_and_torch(name, axis, dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(size=(3, 5)) * 5, [[1e4, -1e4, 0.0, 1e4, 3.0]]]).astype(dtype)
    fn = getattr(A, name)
    got = jax.jit(lambda x: fn(x, axis=axis))(x)
    np.testing.assert_allclose(got, jax.jit(lambda x: getattr(jax.nn, name)(x, axis=axis))(x), rtol=RTOL[dtype], atol=0)
    cotangent = rng.normal(size=x.shape).astype(dtype)
    grad = jax.jit(jax.grad(lambda x: jnp.sum(cotangent * fn(x, axis=axis))))(x)
    ref_grad = jax.jit(jax.grad(lambda x: jnp.sum(cotangent * getattr(jax.nn, name)(x, axis=axis))))(x)
    atol = 1e-6 if dtype == np.float32 else 1e-12  # entries that cancel to ~0
    np.testing.assert_allclose(grad, ref_grad, rtol=RTOL[dtype], atol=atol)
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    out = getattr(torch, name)(t, dim=axis)
    (out * torch.tensor(cotangent)).sum().backward()
    np.testing.assert_allclose(got, out.detach().numpy(), rtol=RTOL[dtype], atol=atol)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=RTOL[dtype], atol=atol)


def _extreme_logits(dtype):
    """(3, 4, 5) logits: normal draws plus +-1e4, -inf (a masked class), a group all -inf, +inf and NaN."""
    x = np.random.default_rng(3).normal(size=(3, 4, 5)) * 5
    x[0, 0] = [1e4, -1e4, 0.0, 1e4, 3.0]
    x[0, 1] = [-1e4, -1e4, -1e4, -1e4, -1e4]
    x[1, 0] = [-np.inf, 0.0, 1.0, 2.0, -np.inf]
    x[1, 1] = -np.inf
    x[2, 0] = [np.inf, 0.0, 1.0, 2.0, 3.0]
    x[2, 1, 3] = np.nan
    return x.astype(dtype)


@pytest.mark.parametrize("axis", [-1, 0, 1, None, (0, 2), (2, 1, 0), (-1, -2), ()])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_any_axes_matches_jax_nn_at_extremes(name, axis, dtype):
    # Values bit for bit (the same formula: shift by the maximum, initial -inf), NaN where jax.nn
    # has NaN (+inf or NaN in a group, a group all -inf); gradients through a random cotangent.
    x = _extreme_logits(dtype)
    ours, theirs = getattr(A, name), getattr(jax.nn, name)
    got = jax.jit(lambda x: ours(x, axis=axis))(x)
    np.testing.assert_array_equal(got, jax.jit(lambda x: theirs(x, axis=axis))(x))
    cotangent = np.random.default_rng(4).normal(size=x.shape).astype(dtype)

    def pulled_back(fn):
        # Only the finite outputs: the gradient of a NaN output is NaN by any route.
        return jax.jit(jax.grad(lambda x: jnp.sum(jnp.where(jnp.isfinite(fn(x)), cotangent * fn(x), 0.0))))(x)

    grad, ref_grad = pulled_back(lambda x: ours(x, axis=axis)), pulled_back(lambda x: theirs(x, axis=axis))
    np.testing.assert_array_equal(np.isnan(grad), np.isnan(ref_grad))
    atol = 1e-6 if dtype == np.float32 else 1e-12  # entries that cancel to ~0
    np.testing.assert_allclose(grad, ref_grad, rtol=RTOL[dtype], atol=atol)
    if name == "softmax":
        finite_groups = np.all(np.isfinite(np.asarray(got)), axis=axis)
        sums = np.sum(np.asarray(got, np.float64), axis=axis)
        np.testing.assert_allclose(sums[finite_groups], 1.0, rtol=RTOL[dtype] * 10)  # n roundings in the sum


# ---------------------------------------------------------------------------- maxout


def _np_maxout(x, k, axis):
    x = np.moveaxis(x, axis, -1)
    out = x.reshape(x.shape[:-1] + (x.shape[-1] // k, k)).max(axis=-1)
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize(
    "shape,k,axis", [((6,), 2, -1), ((4, 6), 3, -1), ((6, 4), 2, 0), ((2, 6, 3), 6, 1), ((5,), 1, 0)]
)
def test_maxout_matches_numpy(shape, k, axis):
    x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    got = jax.jit(lambda x: A.maxout(x, k, axis=axis))(x)
    np.testing.assert_array_equal(got, _np_maxout(x, k, axis))


def test_maxout_is_max_of_two_linear_pieces_and_tie_gradient_goes_to_first():
    x = np.array([1.0, 3.0, -2.0, -5.0, 4.0, 4.0], np.float32)
    np.testing.assert_array_equal(A.maxout(x, num_pieces=2), [3.0, -2.0, 4.0])
    grad = jax.grad(lambda x: jnp.sum(A.maxout(x, num_pieces=2)))(x)
    np.testing.assert_array_equal(grad, [0, 1, 1, 0, 1, 0])


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"num_pieces": 4}, ValueError, "multiple of num_pieces"),
        ({"num_pieces": 0}, ValueError, "positive int"),
        ({"num_pieces": 2.0}, ValueError, "positive int"),
        ({"num_pieces": True}, ValueError, "positive int"),
        ({"num_pieces": 2, "axis": 2}, ValueError, "out of range"),
        ({"num_pieces": 2, "axis": -3}, ValueError, "out of range"),
        ({"num_pieces": 2, "axis": 0.0}, TypeError, "axis must be an int"),
    ],
)
def test_maxout_bad_input_raises(kwargs, error, match):
    with pytest.raises(error, match=match):
        A.maxout(np.zeros((2, 6)), **kwargs)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_bad_axis_raises(name):
    with pytest.raises(ValueError, match="out of range"):
        getattr(A, name)(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="scalar"):
        getattr(A, name)(1.0)


@pytest.mark.parametrize("bad,error", [("relu", TypeError), (None, TypeError), (np.array([1 + 2j]), TypeError)])
def test_non_real_input_raises(bad, error):
    with pytest.raises(error):
        A.relu(bad)


# ---------------------------------------------------------------------------- get


def test_get():
    for name in [
        "identity",
        "linear",
        "step",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "softmax",
        "log_softmax",
    ]:
        assert callable(A.get(name))
    assert A.get("relu") is A.relu and A.get("linear") is A.identity and A.get(None) is A.identity
    assert A.get(jnp.sin) is jnp.sin


@pytest.mark.parametrize("bad", ["ReLU", "swish", "", 3, "maxout"])
def test_get_unknown_name_raises(bad):
    with pytest.raises(ValueError, match="unknown activation"):
        A.get(bad)


def test_the_table_is_the_module_functions_by_their_own_names_and_read_only():
    assert sorted(A.ACTIVATIONS) == [
        "elu",
        "identity",
        "leaky_relu",
        "log_softmax",
        "relu",
        "sigmoid",
        "softmax",
        "step",
        "tanh",
    ]
    for name, fn in A.ACTIVATIONS.items():
        assert fn is getattr(A, name) and fn.__name__ == name
        assert A.get(name) is fn and A.name_of(fn) == name and A.name_of(name) == name
    with pytest.raises(TypeError):
        A.ACTIVATIONS["swish"] = jax.nn.swish


@pytest.mark.parametrize(
    "activation,name",
    [
        (None, "identity"),
        ("linear", "identity"),
        (A.identity, "identity"),
        ("relu", "relu"),
        (jax.nn.relu, None),
        (jnp.sin, None),
        (lambda z: z, None),
        ("swish", None),
        ("maxout", None),
        (A.maxout, None),
    ],
)
def test_name_of(activation, name):
    assert A.name_of(activation) == name


# ---------------------------------------------------------------------------- shapes, jit, vmap, dtypes


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_any_shape_jit_vmap_and_int_promotion(name):
    fn = ELEMENTWISE[name][0]
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype(np.float32)
    eager = fn(x)
    assert eager.shape == x.shape
    np.testing.assert_array_equal(jax.jit(fn)(x), eager)
    np.testing.assert_array_equal(jax.vmap(fn)(x), eager)
    assert fn(np.float32(0.5)).shape == ()
    promoted = fn(np.array([-2, 0, 3]))
    assert promoted.dtype == jnp.float32
    np.testing.assert_array_equal(promoted, fn(np.array([-2.0, 0.0, 3.0], np.float32)))
    d = jax.jit(A.derivative(fn))(x)
    assert d.shape == x.shape and d.dtype == jnp.float32


def test_public_names():
    assert sorted(A.__all__) == sorted(
        [
            "ACTIVATIONS",
            "derivative",
            "elu",
            "get",
            "identity",
            "leaky_relu",
            "log_softmax",
            "maxout",
            "name_of",
            "relu",
            "sigmoid",
            "softmax",
            "step",
            "tanh",
        ]
    )
