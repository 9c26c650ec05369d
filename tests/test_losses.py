"""Tests for fnn.losses: values and gradients against numpy formulas, optax and torch.

Budget: a few seconds on one core (small arrays; torch comparisons skip without torch).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.test_util import check_grads

from fnn import losses

# ---------------------------------------------------------------------------- data and references

N, D, C = 7, 3, 4

LOSS_NAMES = [
    "mae",
    "mse",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "cross_entropy_probs",
]


def _fn(name):
    return losses.cross_entropy if name == "cross_entropy_probs" else getattr(losses, name)


def _data(name, rng, n=N, multi=False, dtype=np.float64):
    """(predictions, targets) as numpy arrays for one loss; `multi` gives (n, D) outputs."""
    shape = (n, D) if multi else (n,)
    if name in ("mae", "mse"):
        return rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, size=shape).astype(dtype), rng.integers(0, 2, shape).astype(dtype)
    if name == "binary_cross_entropy_with_logits":
        return (3 * rng.normal(size=shape)).astype(dtype), rng.integers(0, 2, shape).astype(dtype)
    logits = (2 * rng.normal(size=(n, C))).astype(dtype)
    if name == "cross_entropy":
        return logits, rng.integers(0, C, n)
    probs = rng.uniform(size=(n, C))
    return logits, (probs / probs.sum(axis=1, keepdims=True)).astype(dtype)


def _np_log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _np_per_example(name, p, t):
    """Per-example losses in float64 by the textbook formulas."""
    p = np.asarray(p, np.float64)
    if name == "mae":
        e = np.abs(p - t)
    elif name == "mse":
        e = (p - t) ** 2
    elif name == "binary_cross_entropy":
        e = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    elif name == "binary_cross_entropy_with_logits":
        s = 1 / (1 + np.exp(-p))
        e = -(t * np.log(s) + (1 - t) * np.log(1 - s))
    elif name == "cross_entropy":
        return -_np_log_softmax(p)[np.arange(len(t)), t]
    else:
        return -(t * _np_log_softmax(p)).sum(axis=1)
    return e if e.ndim == 1 else e.mean(axis=tuple(range(1, e.ndim)))


def _np_reduce(per_example, w, reduction):
    w = np.ones_like(per_example) if w is None else w
    if reduction == "mean":
        return (w * per_example).sum() / w.sum()
    if reduction == "sum":
        return (w * per_example).sum()
    return w * per_example


# ---------------------------------------------------------------------------- values: numpy formulas


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_matches_numpy_formula_float64(enable_x64, name, weighted):
    rng = np.random.default_rng(0)
    p, t = _data(name, rng)
    w = rng.uniform(0, 2, N) if weighted else None
    reductions = ("mean", "sum", "none")
    got = jax.jit(lambda p, t, w: [_fn(name)(p, t, weights=w, reduction=r) for r in reductions])(p, t, w)
    for reduction, value in zip(reductions, got, strict=True):
        assert value.dtype == jnp.float64
        expected = _np_reduce(_np_per_example(name, p, t), w, reduction)
        np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_matches_numpy_formula_float32(name):
    rng = np.random.default_rng(1)
    p, t = _data(name, rng, dtype=np.float32)
    w = rng.uniform(0, 2, N).astype(np.float32)
    for weights in (None, w):
        got = _fn(name)(p, t, weights=weights)
        assert got.dtype == jnp.float32
        expected = _np_reduce(_np_per_example(name, p, t), weights, "mean")
        # rtol 1e-6 with atol for the few float32 roundings in log/exp and the sum.
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_multi_output_mean_is_mean_over_all_elements(enable_x64, name):
    rng = np.random.default_rng(2)
    p, t = _data(name, rng, multi=True)
    fn = _fn(name)
    per_example = fn(p, t, reduction="none")
    assert per_example.shape == (N,)
    elementwise = _np_per_example(name, p.reshape(-1), t.reshape(-1))
    np.testing.assert_allclose(fn(p, t), elementwise.mean(), rtol=1e-12)
    np.testing.assert_allclose(per_example, elementwise.reshape(N, D).mean(axis=1), rtol=1e-12)
    # Three axes: still one loss per example.
    p3, t3 = p.reshape(N, D, 1), t.reshape(N, D, 1)
    np.testing.assert_allclose(fn(p3, t3, reduction="none"), per_example, rtol=1e-12)


# ---------------------------------------------------------------------------- values and gradients: optax


def _optax_mean(name, p, t):
    if name == "mse":
        return jnp.mean(optax.losses.squared_error(p, t))
    if name == "binary_cross_entropy_with_logits":
        return jnp.mean(optax.losses.sigmoid_binary_cross_entropy(p, t))
    if name == "cross_entropy":
        return jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(p, t))
    return jnp.mean(optax.losses.softmax_cross_entropy(p, t))


OPTAX_NAMES = ["mse", "binary_cross_entropy_with_logits", "cross_entropy", "cross_entropy_probs"]


@pytest.mark.parametrize("x64", [False, True])
@pytest.mark.parametrize("name", OPTAX_NAMES)
def test_value_and_grad_match_optax(request, name, x64):
    if x64:
        request.getfixturevalue("enable_x64")
    dtype = np.float64 if x64 else np.float32
    rtol = 1e-12 if x64 else 1e-6
    rng = np.random.default_rng(3)
    p, t = _data(name, rng, dtype=dtype)
    ours = jax.jit(jax.value_and_grad(lambda p: _fn(name)(p, t)))(p)
    ref = jax.jit(jax.value_and_grad(lambda p: _optax_mean(name, p, t)))(p)
    np.testing.assert_allclose(ours[0], ref[0], rtol=rtol)
    np.testing.assert_allclose(ours[1], ref[1], rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("name", OPTAX_NAMES)
def test_extreme_logits_match_optax(name):
    p = np.array([[1e4, -1e4, 0.0, 5.0], [-1e4, 1e4, 1e4, -3.0], [0.0, 0.0, 0.0, 0.0]], np.float32)
    if name == "mse":
        t = -p
    elif name == "binary_cross_entropy_with_logits":
        t = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 1, 0]], np.float32)
    elif name == "cross_entropy":
        t = np.array([0, 0, 3])
    else:
        t = np.array([[0.5, 0.5, 0, 0], [1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]], np.float32)
    if name == "binary_cross_entropy_with_logits":
        # The exact values: softplus(1e4) = 1e4 for a wrong confident logit, 0 for a right one.
        np.testing.assert_allclose(
            losses.binary_cross_entropy_with_logits(p, t, reduction="none") * 4,
            [1e4 + np.log(2) + np.log1p(np.exp(-5)), 1e4 + 3 + np.log1p(np.exp(-3)), 4 * np.log(2)],
            rtol=1e-6,
        )
    ours = jax.jit(jax.value_and_grad(lambda p: _fn(name)(p, t)))(p)
    ref = jax.jit(jax.value_and_grad(lambda p: _optax_mean(name, p, t)))(p)
    assert np.all(np.isfinite(ours[0])) and np.all(np.isfinite(ours[1]))
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], ref[1], rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------- values and gradients: torch


def _torch_loss(name, p, t, reduction):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    t_t = torch.as_tensor(t)
    if name == "mae":
        return F.l1_loss(p, t_t, reduction=reduction)
    if name == "mse":
        return F.mse_loss(p, t_t, reduction=reduction)
    if name == "binary_cross_entropy":
        return F.binary_cross_entropy(p, t_t, reduction=reduction)
    if name == "binary_cross_entropy_with_logits":
        return F.binary_cross_entropy_with_logits(p, t_t, reduction=reduction)
    return F.cross_entropy(p, t_t, reduction=reduction)


@pytest.mark.torch
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_value_and_grad_match_torch(enable_x64, name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    p, t = _data(name, rng)  # (n,) outputs: torch's per-element "none" is our per-example
    reductions = ("mean", "sum", "none")

    @jax.jit
    def ours(p):
        def summed(p, r):
            value = _fn(name)(p, t, reduction=r)
            return jnp.sum(value), value

        return [jax.grad(summed, has_aux=True)(p, r) for r in reductions]

    for reduction, (grad, value) in zip(reductions, ours(p), strict=True):
        p_t = torch.tensor(p, requires_grad=True)
        ref = _torch_loss(name, p_t, t, reduction)
        ref.sum().backward()
        np.testing.assert_allclose(value, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(grad, p_t.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.torch
def test_binary_cross_entropy_at_probabilities_zero_and_one_matches_torch():
    torch = pytest.importorskip("torch")
    p = np.array([0.0, 0.0, 1.0, 1.0, 0.5, 1e-30], np.float32)
    t = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0], np.float32)
    ref = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    got = losses.binary_cross_entropy(p, t, reduction="none")
    # Right and certain: 0; wrong and certain: the clamp, 100.
    np.testing.assert_allclose(got, [0.0, 100.0, 100.0, 0.0, np.log(2), 30 * np.log(10)], rtol=1e-6)
    np.testing.assert_allclose(got, ref.numpy(), rtol=1e-6)
    grad = jax.jit(jax.grad(lambda p: losses.binary_cross_entropy(p, t)))(p)
    assert np.all(np.isfinite(grad))
    # Certain and right: the live term gives the usual (p - y) / (p (1 - p)) / n = +-1/n. Certain and
    # wrong: the clamped log is constant, so 0 (torch instead divides by max(p (1 - p), 1e-12)).
    np.testing.assert_allclose(grad[:4], [1 / 6, 0.0, 0.0, -1 / 6], rtol=1e-6, atol=0)
    np.testing.assert_allclose(grad[4], (0.5 - 1) / 0.25 / 6, rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["binary_cross_entropy_with_logits", "cross_entropy"])
def test_extreme_logits_match_torch(name):
    torch = pytest.importorskip("torch")
    if name == "cross_entropy":
        p = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4]], np.float32)
        t = np.array([1, 0, 2])
    else:
        p = np.array([1e4, -1e4, 1e4, -1e4, 0.0], np.float32)
        t = np.array([1.0, 1.0, 0.0, 0.0, 1.0], np.float32)
    p_t = torch.tensor(p, requires_grad=True)
    ref = _torch_loss(name, p_t, t, "mean")
    ref.backward()
    value, grad = jax.value_and_grad(lambda p: _fn(name)(p, t))(p)
    np.testing.assert_allclose(value, ref.item(), rtol=1e-6)
    np.testing.assert_allclose(grad, p_t.grad.numpy(), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------- gradients by finite differences


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_check_grads(enable_x64, name):
    rng = np.random.default_rng(5)
    p, t = _data(name, rng)
    if name == "mae":
        p = t + np.where(rng.uniform(size=N) > 0.5, 1.0, -1.0)  # away from the kink at p = t
    w = rng.uniform(0.1, 2, N)
    # Jitted so the many finite-difference evaluations reuse one compiled program; with
    # respect to predictions (both modes) and weights, through the weighted mean.
    check_grads(jax.jit(lambda p, w: _fn(name)(p, t, weights=w)), (p, w), order=1, modes=("fwd", "rev"))


def test_logistic_gradient_is_sigmoid_minus_label_over_n(enable_x64):
    # The course's logistic-regression gradient: dL/dz_i = (sigmoid(z_i) - y_i) / N.
    rng = np.random.default_rng(6)
    z, y = _data("binary_cross_entropy_with_logits", rng)
    grad = jax.grad(losses.binary_cross_entropy_with_logits)(z, y)
    np.testing.assert_allclose(grad, (1 / (1 + np.exp(-z)) - y) / N, rtol=1e-12)


# ---------------------------------------------------------------------------- weights


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_zero_one_weights_equal_loss_on_selected_rows(enable_x64, name):
    rng = np.random.default_rng(7)
    p, t = _data(name, rng)
    mask = np.array([1, 0, 1, 1, 0, 0, 1], np.float64)
    rows = mask.astype(bool)
    reductions = ("mean", "sum", "none")
    masked = jax.jit(lambda w: [_fn(name)(p, t, weights=w, reduction=r) for r in reductions])(mask)
    selected = jax.jit(lambda p, t: [_fn(name)(p, t, reduction=r) for r in reductions])(p[rows], t[rows])
    np.testing.assert_allclose(masked[0], selected[0], rtol=1e-12)
    np.testing.assert_allclose(masked[1], selected[1], rtol=1e-12)
    np.testing.assert_allclose(masked[2][rows], selected[2], rtol=1e-12)
    np.testing.assert_array_equal(masked[2][~rows], 0.0)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_vmap_over_fold_weights_equals_loop(name):
    rng = np.random.default_rng(8)
    p, t = _data(name, rng, dtype=np.float32)
    folds = (rng.uniform(size=(5, N)) > 0.4).astype(np.float32)
    folds[:, 0] = 1.0  # no empty fold
    fn = _fn(name)
    batched = jax.jit(jax.vmap(lambda w: fn(p, t, weights=w)))(folds)
    looped = np.array([fn(p, t, weights=w) for w in folds])
    np.testing.assert_allclose(batched, looped, rtol=1e-6)


def test_zero_weight_row_is_excluded_even_when_its_loss_is_nan():
    p = np.array([1.0, np.nan, 3.0], np.float32)
    t = np.zeros(3, np.float32)
    w = np.array([1.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(losses.mse(p, t, weights=w), 5.0, rtol=1e-6)
    assert np.isnan(losses.mse(p, t))  # NaN propagates without the mask


def test_traced_all_zero_weights_give_nan_mean_zero_sum_and_zero_gradient():
    # An empty fold has no mean: NaN, never a perfect-looking 0; its gradient is 0, so an
    # empty batch changes nothing. A sum over no rows is 0.
    p, t = np.ones(4, np.float32), np.zeros(4, np.float32)
    value, grad = jax.jit(jax.value_and_grad(lambda p, w: losses.mse(p, t, weights=w)))(p, np.zeros(4, np.float32))
    assert np.isnan(value)
    np.testing.assert_array_equal(grad, np.zeros(4))
    total = jax.jit(lambda w: losses.mse(p, t, weights=w, reduction="sum"))(np.zeros(4, np.float32))
    assert total == 0.0


def test_out_of_range_label_under_jit_gives_nan_not_a_wrong_class():
    logits = np.zeros((3, 2), np.float32)
    per_example = jax.jit(lambda y: losses.cross_entropy(logits, y, reduction="none"))(np.array([0, 2, -1]))
    np.testing.assert_allclose(per_example[0], np.log(2), rtol=1e-6)
    assert np.isnan(per_example[1]) and np.isnan(per_example[2])


def test_probability_targets_ignore_minus_inf_logits_of_zero_target_classes():
    logits = np.array([[0.0, -np.inf, 0.0]], np.float32)
    t = np.array([[0.5, 0.0, 0.5]], np.float32)
    np.testing.assert_allclose(losses.cross_entropy(logits, t), np.log(2), rtol=1e-6)


# ---------------------------------------------------------------------------- input handling


def test_integer_inputs_are_promoted():
    got = losses.mse(np.array([1, 2, 3]), np.array([1, 1, 1]))
    assert got.dtype == jnp.float32
    np.testing.assert_allclose(got, 5 / 3, rtol=1e-6)
    np.testing.assert_allclose(
        losses.binary_cross_entropy_with_logits(np.array([0]), np.array([True])), np.log(2), rtol=1e-6
    )


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_sum_is_n_times_mean_and_none_has_shape_n(name):
    rng = np.random.default_rng(9)
    p, t = _data(name, rng, dtype=np.float32)
    fn = _fn(name)
    per_example = fn(p, t, reduction="none")
    assert per_example.shape == (N,)
    np.testing.assert_allclose(fn(p, t, reduction="sum"), N * fn(p, t), rtol=1e-6)
    np.testing.assert_allclose(jnp.mean(per_example), fn(p, t), rtol=1e-6)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("p_shape,t_shape", [((5,), (5, 1)), ((5, 1), (5,)), ((5,), (4,)), ((5, 2), (5, 3))])
def test_shape_mismatch_raises(name, p_shape, t_shape):
    with pytest.raises(ValueError, match="same shape"):
        _fn(name)(np.full(p_shape, 0.5), np.full(t_shape, 0.5))


@pytest.mark.parametrize("name", ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_scalar_predictions_raise(name):
    with pytest.raises(ValueError, match="leading axis of examples"):
        _fn(name)(0.5, 0.5)


@pytest.mark.parametrize(
    "logits_shape,t",
    [
        ((4, 3), np.zeros(5, int)),  # wrong number of labels
        ((4, 3), np.zeros((4, 1), int)),  # (n, 1) labels
        ((4, 3), np.zeros((4, 2))),  # one-hot of the wrong width
        ((3,), np.zeros((), int)),  # a single example without the batch axis
        ((2, 4, 3), np.zeros((2, 4), int)),  # more than 2 axes
    ],
)
def test_cross_entropy_bad_shapes_raise(logits_shape, t):
    with pytest.raises(ValueError, match="cross_entropy"):
        losses.cross_entropy(np.zeros(logits_shape), t)


@pytest.mark.parametrize("labels", [np.array([0, 3, 1]), np.array([0, -1, 1])])
def test_cross_entropy_labels_out_of_range_raise(labels):
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        losses.cross_entropy(np.zeros((3, 3)), labels)


@pytest.mark.parametrize("labels", [np.array([0.0, 1.0, 2.0]), np.array([True, False, True])])
def test_cross_entropy_non_integer_labels_raise_even_under_jit(labels):
    with pytest.raises(TypeError, match="integer class labels"):
        losses.cross_entropy(np.zeros((3, 3)), labels)
    with pytest.raises(TypeError, match="integer class labels"):
        jax.jit(lambda y: losses.cross_entropy(np.zeros((3, 3)), y))(labels)


@pytest.mark.parametrize("name", LOSS_NAMES)
@pytest.mark.parametrize(
    "weights,match",
    [
        (np.ones(N - 1), r"weights must have shape \(n,\)"),
        (np.ones((N, 1)), r"weights must have shape \(n,\)"),
        (np.zeros(N), "all zero"),
        (np.r_[-1.0, np.ones(N - 1)], "non-negative"),
        (np.r_[np.nan, np.ones(N - 1)], "finite"),
    ],
)
def test_bad_weights_raise(name, weights, match):
    p, t = _data(name, np.random.default_rng(10))
    with pytest.raises(ValueError, match=match):
        _fn(name)(p, t, weights=weights)


def test_weight_shape_is_checked_under_jit():
    p, t = _data("mse", np.random.default_rng(11))
    with pytest.raises(ValueError, match="weights must have shape"):
        jax.jit(lambda w: losses.mse(p, t, weights=w))(np.ones(N + 1))


@pytest.mark.parametrize("name", LOSS_NAMES)
@pytest.mark.parametrize("reduction,error", [("avg", ValueError), ("Mean", ValueError), (None, TypeError)])
def test_unknown_reduction_raises(name, reduction, error):
    p, t = _data(name, np.random.default_rng(12))
    with pytest.raises(error, match="reduction must be one of"):
        _fn(name)(p, t, reduction=reduction)


@pytest.mark.parametrize("p", [np.array([0.5, 1.5]), np.array([-0.1, 0.5]), np.array([3.0, -2.0])])
def test_binary_cross_entropy_rejects_non_probabilities(p):
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        losses.binary_cross_entropy(p, np.array([1.0, 0.0]))


@pytest.mark.parametrize("bad", ["abc", None])
def test_non_array_input_raises_type_error(bad):
    with pytest.raises(TypeError):
        losses.mse(bad, np.zeros(3))
    with pytest.raises(TypeError):
        losses.cross_entropy(np.zeros((3, 2)), bad)


def test_public_names():
    assert sorted(losses.__all__) == sorted(
        ["mae", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy"]
    )
