r"""Backpropagation for the MLP, written by hand with the chain rule (no ``jax.grad``).

For layer :math:`l` with :math:`z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}` and
:math:`a^{(l)} = f(z^{(l)})`, the material's chain rule
:math:`\partial C / \partial w = \partial z / \partial w \cdot \partial a / \partial z \cdot \partial C / \partial a`
becomes, with the error :math:`\delta^{(l)} = \partial C / \partial z^{(l)}` (one row per example):

.. math::

   \delta^{(L)} = \frac{\partial C}{\partial a^{(L)}} \odot f_{\text{out}}'(z^{(L)}), \qquad
   \delta^{(l)} = \big(\delta^{(l+1)} W^{(l+1)\top}\big) \odot f'(z^{(l)}),

   \frac{\partial C}{\partial W^{(l)}} = a^{(l-1)\top} \delta^{(l)}, \qquad
   \frac{\partial C}{\partial b^{(l)}} = \textstyle\sum_i \delta^{(l)}_i .

The product :math:`\delta^{(l+1)} W^{(l+1)\top}` is the material's "sum over the
units of the next layer"; the sums over examples come from the loss being a mean.
Every derivative below (activations and losses) is written out as a formula, and
the conventions (means, clamps, kinks) are those of :mod:`fnn.losses` and
:mod:`fnn.activations`, so :func:`gradients` equals ``jax.grad`` of
``fnn.losses.<loss>(fnn.mlp.apply(params, x, ...), y)`` (tested for depths 1-5 and
every activation).

Example:
  >>> params = fnn.mlp.init(jax.random.key(0), [2, 4, 1])
  >>> loss, grads = gradients(params, jnp.ones((3, 2)), jnp.zeros((3, 1)), activation="tanh")
  >>> layer_gradient_norms(grads).shape
  (2,)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from fnn import activations as _activations
from fnn._types import Array, ArrayLike, Params
from fnn._validate import as_float_array, check_sample_weights, is_concrete
from fnn.mlp import _check_params

__all__ = [
    "LOSSES",
    "activation_derivative",
    "gradients",
    "layer_gradient_norms",
]

#: Losses :func:`gradients` differentiates by hand (the names of :mod:`fnn.losses`).
LOSSES = ("mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy")

# Element-wise activations whose derivative is written below, with the keyword
# arguments each accepts (through functools.partial).
_ELEMENTWISE = {
    "identity": (),
    "step": (),
    "sigmoid": (),
    "tanh": (),
    "relu": (),
    "leaky_relu": ("negative_slope",),
    "elu": ("alpha",),
}
_FUNCTIONS = {
    _activations.identity: "identity",
    _activations.step: "step",
    _activations.sigmoid: "sigmoid",
    _activations.tanh: "tanh",
    _activations.relu: "relu",
    _activations.leaky_relu: "leaky_relu",
    _activations.elu: "elu",
    _activations.softmax: "softmax",
}
# binary_cross_entropy clamps log-probabilities here, as fnn.losses (and torch) do.
_LOG_CLAMP = -100.0


def _resolve_activation(activation, where: str, role: str, allow_softmax: bool) -> tuple[str, dict]:
    """(name, keyword arguments) of an activation given by name, function or partial."""
    if activation is None:
        return "identity", {}
    kwargs: dict = {}
    if isinstance(activation, functools.partial) and not activation.args:
        kwargs = dict(activation.keywords)
        activation = activation.func
    if callable(activation):
        name = _FUNCTIONS.get(activation)
    elif isinstance(activation, str):
        name = "identity" if activation == "linear" else activation
    else:
        name = None
    known = sorted(_ELEMENTWISE) + (["softmax"] if allow_softmax else [])
    if name not in known:
        raise ValueError(
            f"{where}: the {role} {activation!r} has no hand-written derivative here; use one of "
            f"{known} (by name, as the fnn.activations function, or as functools.partial of "
            f"leaky_relu/elu with negative_slope/alpha), or jax.grad for other activations")
    allowed = _ELEMENTWISE.get(name, ())
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: the {role} {name} takes keyword arguments {list(allowed)}, got {unknown}")
    return name, kwargs


def _activate(name: str, kwargs: dict, z: Array) -> Array:
    if name == "softmax":
        return _activations.softmax(z, axis=-1)
    return getattr(_activations, name)(z, **kwargs)


def _derivative(name: str, kwargs: dict, z: Array, a: Array) -> Array:
    """f'(z) element-wise, reusing the activation a = f(z) where the formula allows."""
    one, zero = jnp.ones_like(z), jnp.zeros_like(z)
    if name == "identity":
        return one
    if name == "step":
        return zero
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return jnp.where(z > 0, one, zero)
    if name == "leaky_relu":
        return jnp.where(z > 0, one, jnp.full_like(z, kwargs.get("negative_slope", 0.01)))
    if name == "elu":
        alpha = kwargs.get("alpha", 1.0)
        # exp only of non-positive numbers: no overflow on the (unused) positive side.
        return jnp.where(z > 0, one, alpha * jnp.exp(jnp.minimum(z, zero)))
    raise AssertionError(name)  # unreachable: names are resolved above


def activation_derivative(activation: str | Callable, z: ArrayLike) -> Array:
    r"""The hand-written element-wise derivative :math:`f'(z)` used by :func:`gradients`.

    ============== ============================================================
    identity       :math:`1`
    step           :math:`0`
    sigmoid        :math:`\sigma(z)(1 - \sigma(z))` (at most 0.25: vanishing gradients)
    tanh           :math:`1 - \tanh^2 z`
    relu           :math:`1` for :math:`z > 0`, else :math:`0`
    leaky_relu     :math:`1` for :math:`z > 0`, else :math:`a` (``negative_slope``)
    elu            :math:`1` for :math:`z > 0`, else :math:`\alpha e^z`
    ============== ============================================================

    Args:
      activation: a name, an ``fnn.activations`` function, or a ``functools.partial``
        of ``leaky_relu``/``elu``.
      z: pre-activations of any shape.

    Returns:
      An array of ``z``'s shape.
    """
    name, kwargs = _resolve_activation(activation, "activation_derivative", "activation", False)
    z = as_float_array("z", z, "activation_derivative")
    return _derivative(name, kwargs, z, _activate(name, kwargs, z))


def _loss_name(loss) -> str:
    if callable(loss) and getattr(loss, "__module__", None) == "fnn.losses":
        loss = loss.__name__
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"gradients: loss must be one of {list(LOSSES)} (or that fnn.losses function), got {loss!r}")
    return loss


def _example_scale(weights, n: int, dtype) -> tuple[Array, Array]:
    """Per-example factors w_i / sum(w) of the weighted mean, and the mask w_i != 0."""
    where = "gradients"
    if weights is None:
        return jnp.full((n,), 1.0 / n, dtype), jnp.ones((n,), bool)
    w = check_sample_weights(weights, n, where)
    total = jnp.sum(w)
    # All-zero traced weights give a zero loss and zero gradients, as fnn.losses does.
    total = jnp.where(total > 0, total, jnp.ones_like(total))
    return (w / total).astype(dtype), w != 0


def _clamped_log_and_slope(p: Array) -> tuple[Array, Array]:
    """max(log p, -100) and its derivative 1/p (0 where the clamp is active)."""
    positive = p > 0
    safe = jnp.where(positive, p, jnp.ones_like(p))
    log = jnp.log(safe)
    active = positive & (log > _LOG_CLAMP)
    value = jnp.where(active, log, jnp.full_like(p, _LOG_CLAMP))
    return value, jnp.where(active, 1.0 / safe, jnp.zeros_like(p))


def _sigmoid_minus_target(z: Array, y: Array) -> Array:
    # sigma(z) - y as (1 - y) - sigma(-z) for z >= 0: no cancellation 1 - 1 when y = 1
    # and z is large (sigma(z) rounds to 1 but the gradient is e^{-z}).
    small = jnp.exp(-jnp.abs(z)) / (1.0 + jnp.exp(-jnp.abs(z)))  # sigma(-|z|)
    return jnp.where(z >= 0, (1.0 - y) - small, small - y)


def _output_error(loss: str, out: tuple[str, dict], z: Array, a: Array, y: Array) -> tuple[Array, Array]:
    """Per-example losses l_i (n,) and dl_i/dz (n, d) for the last layer."""
    d = z.shape[-1]
    if loss == "binary_cross_entropy_with_logits":
        per_element = jnp.maximum(z, jnp.zeros_like(z)) - y * z + jnp.log1p(jnp.exp(-jnp.abs(z)))
        return jnp.mean(per_element, axis=-1), _sigmoid_minus_target(z, y) / d
    if loss == "cross_entropy":
        log_probs = _activations.log_softmax(z, axis=-1)
        per_example = -jnp.sum(jnp.where(y != 0, y * log_probs, jnp.zeros_like(z)), axis=-1)
        # d/dz of -sum_c t_c log softmax(z)_c = softmax(z) * sum_c t_c - t.
        return per_example, jnp.exp(log_probs) * jnp.sum(y, axis=-1, keepdims=True) - y
    if loss == "mse":
        per_example = jnp.mean(jnp.square(a - y), axis=-1)
        dl_da = 2.0 * (a - y) / d
    else:  # binary_cross_entropy from probabilities
        log_p, slope_p = _clamped_log_and_slope(a)
        log_q, slope_q = _clamped_log_and_slope(1.0 - a)
        per_example = jnp.mean(-(y * log_p + (1.0 - y) * log_q), axis=-1)
        dl_da = -(y * slope_p - (1.0 - y) * slope_q) / d
    name, kwargs = out
    if name == "softmax":
        # The softmax Jacobian diag(a) - a a^T applied to dl/da.
        return per_example, a * (dl_da - jnp.sum(dl_da * a, axis=-1, keepdims=True))
    return per_example, dl_da * _derivative(name, kwargs, z, a)


def _targets(loss: str, y, out_shape: tuple, dtype) -> Array:
    where = "gradients"
    if loss == "cross_entropy":
        if isinstance(y, (str, bytes)) or y is None:
            raise TypeError(f"{where}: y must be an array, got {type(y).__name__}")
        y = jnp.asarray(y)
        n, num_classes = out_shape
        if y.shape == out_shape:
            return as_float_array("y", y, where).astype(dtype)
        if y.shape != (n,):
            raise ValueError(
                f"{where}: cross_entropy targets must be integer labels of shape ({n},) or one-hot "
                f"targets of the output's shape {out_shape}, got shape {y.shape}")
        if y.dtype == jnp.bool_ or not jnp.issubdtype(y.dtype, jnp.integer):
            raise TypeError(f"{where}: labels of shape ({n},) must be integers, got dtype {y.dtype}")
        if is_concrete(y) and n > 0 and (int(y.min()) < 0 or int(y.max()) >= num_classes):
            raise ValueError(
                f"{where}: labels must lie in [0, {num_classes}), got labels from {int(y.min())} to {int(y.max())}")
        # Out-of-range traced labels give a row of NaN, never a silently wrong class.
        one_hot = jax.nn.one_hot(y, num_classes, dtype=dtype)
        valid = ((y >= 0) & (y < num_classes))[:, None]
        return jnp.where(valid, one_hot, jnp.full_like(one_hot, jnp.nan))
    y = as_float_array("y", y, where)
    if y.shape != out_shape:
        hint = f"; reshape it, e.g. y.reshape{out_shape}" if y.size == int(np.prod(out_shape)) else ""
        raise ValueError(f"{where}: y must have the network output's shape {out_shape}, got {y.shape}{hint}")
    return y.astype(dtype)


def gradients(
    params: Params,
    x: ArrayLike,
    y: ArrayLike,
    *,
    activation: str | Callable = "relu",
    output_activation: str | Callable | None = None,
    loss: str | Callable = "mse",
    weights: ArrayLike | None = None,
) -> tuple[Array, Params]:
    r"""The loss of an MLP on a batch and its gradient, by hand-written backpropagation.

    The loss is the (weighted) mean over examples of :mod:`fnn.losses`:

    =====================================  =======================  ==============================
    ``loss``                               ``output_activation``    :math:`\delta^{(L)}` per example (before the mean)
    =====================================  =======================  ==============================
    ``"mse"``                              any supported            :math:`\tfrac{2}{d}(a - y) \odot f_{\text{out}}'(z)`
    ``"binary_cross_entropy"``             ``"sigmoid"`` (any)      :math:`-\tfrac{1}{d}\big(\tfrac{y}{a} - \tfrac{1-y}{1-a}\big) \odot f_{\text{out}}'(z)`
    ``"binary_cross_entropy_with_logits"`` ``None``                 :math:`\tfrac{1}{d}(\sigma(z) - y)`
    ``"cross_entropy"``                    ``None``                 :math:`\mathrm{softmax}(z) - t`
    =====================================  =======================  ==============================

    Args:
      params: MLP parameters (see :func:`fnn.mlp.init`).
      x: inputs, shape ``(n, d_in)``.
      y: targets of the output's shape ``(n, d_out)``; for ``"cross_entropy"``
        integer labels ``(n,)`` or one-hot / probability targets ``(n, d_out)``.
      activation: hidden activation: identity, step, sigmoid, tanh, relu,
        leaky_relu, elu (name, function, or partial with ``negative_slope``/``alpha``).
      output_activation: one of those, ``"softmax"``, or ``None`` (identity).
      loss: a name in :data:`LOSSES` or that ``fnn.losses`` function.
      weights: optional non-negative per-example weights ``(n,)`` (weighted mean).

    Returns:
      ``(loss_value, grads)``: a scalar and a pytree of params' structure and shapes.

    Example:
      >>> loss, grads = gradients(params, x, y, activation="sigmoid", output_activation="sigmoid",
      ...                         loss="binary_cross_entropy")
    """
    where = "gradients"
    _check_params(params, where)
    hidden = _resolve_activation(activation, where, "activation", False)
    output = _resolve_activation(output_activation, where, "output_activation", True)
    loss = _loss_name(loss)
    if loss in ("binary_cross_entropy_with_logits", "cross_entropy") and output[0] != "identity":
        raise ValueError(
            f"gradients: loss {loss!r} takes logits, so output_activation must be None, got "
            f"{output_activation!r}; drop the output activation (the loss applies it)")
    x = as_float_array("x", x, where)
    d_in = np.shape(params[0]["w"])[0]
    if x.ndim != 2 or x.shape[1] != d_in:
        raise ValueError(
            f"{where}: x must be a batch of shape (n, {d_in}), got {x.shape}; wrap one example as x[None]")
    n, d_out = x.shape[0], np.shape(params[-1]["w"])[1]
    if n == 0:
        raise ValueError(f"{where}: x holds no examples (shape {x.shape})")
    dtype = jnp.result_type(x, *jax.tree.leaves(params))
    y = _targets(loss, y, (n, d_out), dtype)
    scale, keep = _example_scale(weights, n, dtype)

    # Forward pass, keeping every layer's input a^(l-1) and pre-activation z^(l).
    inputs, pre_activations = [], []
    a = x.astype(dtype)
    for i, layer in enumerate(params):
        inputs.append(a)
        z = a @ layer["w"] + layer["b"][None, :]
        pre_activations.append(z)
        a = _activate(*(output if i == len(params) - 1 else hidden), z)

    per_example, dl_dz = _output_error(loss, output, pre_activations[-1], a, y)
    # The mean over examples: dC/dl_i = w_i / sum(w); a zero weight drops the example
    # even where its loss or gradient is inf or NaN.
    loss_value = jnp.sum(jnp.where(keep, scale * per_example, jnp.zeros_like(per_example)))
    delta = jnp.where(keep[:, None], scale[:, None] * dl_dz, jnp.zeros_like(dl_dz))

    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        grads[i] = {"w": inputs[i].T @ delta, "b": jnp.sum(delta, axis=0)}
        if i > 0:
            z, a_prev = pre_activations[i - 1], inputs[i]
            delta = (delta @ params[i]["w"].T) * _derivative(*hidden, z, a_prev)
    grads = [{key: g.astype(jnp.asarray(params[i][key]).dtype) for key, g in layer.items()}
             for i, layer in enumerate(grads)]
    return loss_value, grads


def layer_gradient_norms(grads: Params) -> Array:
    r"""The Euclidean norm of each layer's gradient, :math:`\sqrt{\|\partial W\|^2 + \|\partial b\|^2}`.

    Makes vanishing (or exploding) gradients visible: in a deep sigmoid network
    the first layers' norms are orders of magnitude below the last layer's.

    Args:
      grads: a list with one pytree (e.g. ``{"w", "b"}``) per layer, as returned by
        :func:`gradients` or ``jax.grad``.

    Returns:
      Shape ``(num_layers,)``, first layer first.
    """
    if isinstance(grads, Mapping) or not isinstance(grads, (list, tuple)) or len(grads) == 0:
        raise TypeError(
            f"layer_gradient_norms: grads must be a non-empty list with one entry per layer, "
            f"got {type(grads).__name__}")
    norms = []
    for layer in grads:
        leaves = jax.tree.leaves(layer)
        if not leaves:
            raise ValueError("layer_gradient_norms: a layer holds no arrays")
        norms.append(jnp.sqrt(sum(jnp.sum(jnp.square(jnp.asarray(leaf))) for leaf in leaves)))
    return jnp.stack(norms)
